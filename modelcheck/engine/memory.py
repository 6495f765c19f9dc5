"""How much memory this process holds, for the `max_memory` limit.

On Linux the resident set size is read from `/proc/self/statm` (what the process holds now); elsewhere
the peak resident size from `resource.getrusage` stands in for it (it never shrinks, so a search stops
no later than with the current size would make it). Reading either costs microseconds, and a search
looks at it only when it looks at the clock (about every 50 ms).
"""

from __future__ import annotations

import os
import sys

_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
MEGABYTE = 1024 * 1024


def resident_megabytes() -> float:
    """The memory this process holds, in megabytes (2**20 bytes)."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * _PAGE / MEGABYTE
    except (OSError, ValueError, IndexError):
        import resource
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak / MEGABYTE if sys.platform == "darwin" else peak / 1024
