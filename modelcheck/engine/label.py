"""A structured step label: who did what, and to whom.

Any hashable value can label a step; a `StepLabel` also tells reports which actor acted (a lane in a
sequence diagram), which actor it talked to, and whether the step was a fault (a crash, a lost message),
which reports draw as notes. It prints as the sentence a trace shows: "consumer[0] commits offset 2".
"""

from __future__ import annotations

from typing import NamedTuple


class StepLabel(NamedTuple):
    actor: str                 # "consumer[0]", "broker[1]", "producer"
    text: str                  # "commits offset 2"
    peer: str | None = None    # the actor a message goes to (or comes from), for sequence diagrams
    fault: bool = False        # a crash, a lost request or response, a pause

    def __str__(self) -> str:
        return f"{self.actor} {self.text}"
