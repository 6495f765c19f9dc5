"""A wheel built from this checkout, installed in a fresh virtual environment, runs modelcheck on the
bundled specs it carries, from a directory outside the repository (issue 11, item 8).

The build is `pip wheel --no-deps` on a copy of what a build reads (pyproject.toml, README.md,
modelcheck/ with its specs link, specs/), so that nothing an earlier build left in the checkout's
build/ reaches the wheel. It runs without build isolation, offline, when this environment can build a
wheel itself (setuptools 70.1 or later, which the `test` extra installs, so `make install-test` does);
otherwise pip builds in isolation and fetches setuptools from the package index, as `pip install .`
does.

The fresh environment is `python -m venv --without-pip`; this environment's pip installs the wheel into
it (`pip --python`) from the file, with no index and without dependencies. The wheel's requirements
(click, PyYAML, networkx) are this environment's own distributions, linked into a folder that a .pth
file of the fresh environment names, so the test needs no network; `pip check` there says whether they
meet what the wheel requires. The commands run from a temporary directory, with PYTHONPATH unset:
nothing of the checkout is on their path.
"""

from __future__ import annotations

import email
import importlib.metadata
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from modelcheck.spec import find_specs

ROOT = Path(__file__).resolve().parents[1]
SPECS = ROOT / "specs"
BUILD_INPUTS = ("pyproject.toml", "README.md", "modelcheck", "specs")
TIMEOUT = 120


# Every command runs without PYTHONPATH (pointing into a checkout it would put this one's package on the
# path, and its metadata in pip's sight).
ENV = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "PYTHONHOME")}


def run(*command, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(part) for part in command], cwd=cwd, env=ENV, capture_output=True, text=True,
                          timeout=TIMEOUT)


def builds_wheels_offline() -> bool:
    """Whether this environment's setuptools builds a wheel without the `wheel` package (70.1 or later)."""
    try:
        version = importlib.metadata.version("setuptools")
    except importlib.metadata.PackageNotFoundError:
        return False
    major, minor = (int(re.match(r"\d+", part).group()) for part in version.split(".")[:2])
    return (major, minor) >= (70, 1)


def build_wheel(work: Path) -> Path:
    source = work / "source"
    source.mkdir()
    for name in BUILD_INPUTS:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name, symlinks=True,
                            ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
        else:
            shutil.copy(ROOT / name, source / name)
    isolation = ["--no-build-isolation", "--check-build-dependencies"] if builds_wheels_offline() else []
    built = run(sys.executable, "-m", "pip", "wheel", "--no-deps", *isolation, "-w", work / "dist", source, cwd=work)
    assert built.returncode == 0, built.stdout + built.stderr
    [wheel] = (work / "dist").glob("modelcheck-*.whl")
    return wheel


def requirements(wheel: Path) -> list[str]:
    """The names of the distributions the wheel requires (its METADATA's Requires-Dist, extras left out)."""
    with zipfile.ZipFile(wheel) as archive:
        [metadata] = [name for name in archive.namelist() if name.endswith(".dist-info/METADATA")]
        fields = email.message_from_bytes(archive.read(metadata))
    return [re.match(r"[A-Za-z0-9._-]+", requirement).group()
            for requirement in fields.get_all("Requires-Dist") or [] if "extra ==" not in requirement]


def link_requirements(wheel: Path, venv_python: Path, folder: Path):
    """This environment's distributions that the wheel requires, linked into `folder`, which the fresh
    environment's .pth file puts on its path."""
    folder.mkdir()
    for name in requirements(wheel):
        distribution = importlib.metadata.distribution(name)
        assert distribution.files, f"{name} is installed without a RECORD of its files: install it with pip"
        tops = {Path(file).parts[0] for file in distribution.files if not str(file).startswith("..")}
        for top in tops:
            (folder / top).symlink_to(distribution.locate_file(top))
    site = run(venv_python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", cwd=folder).stdout
    Path(site.strip(), "modelcheck_test_requirements.pth").write_text(f"{folder}\n")


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(the fresh environment's bin directory, a working directory outside the repository, the wheel)."""
    work = tmp_path_factory.mktemp("packaging")
    wheel = build_wheel(work)
    venv = work / "venv"
    created = run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=work)
    assert created.returncode == 0, created.stderr
    python = venv / "bin" / "python"
    link_requirements(wheel, python, work / "requirements")
    pip = [sys.executable, "-m", "pip", "--python", python]
    installing = run(*pip, "install", "--no-index", "--no-deps", wheel, cwd=work)
    assert installing.returncode == 0, installing.stdout + installing.stderr
    checked = run(*pip, "check", cwd=work)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    elsewhere = work / "elsewhere"
    elsewhere.mkdir()
    return venv / "bin", elsewhere, wheel


def spec_names(directory: Path) -> list[str]:
    return sorted(path.name for path in find_specs([directory]).specs)


def test_the_installed_modelcheck_is_the_wheels_not_the_checkouts(installed):
    bin_directory, elsewhere, _wheel = installed
    where = run(bin_directory / "python", "-c", "import modelcheck; print(modelcheck.__file__)", cwd=elsewhere)
    assert Path(where.stdout.strip()).is_relative_to(bin_directory.parent), where.stdout + where.stderr


def test_the_installed_command_finds_the_bundled_specs_from_any_directory(installed):
    bin_directory, elsewhere, wheel = installed
    path = run(bin_directory / "modelcheck", "specs", "--path", cwd=elsewhere)
    assert path.returncode == 0, path.stderr
    bundled = Path(path.stdout.strip())
    assert bundled.is_relative_to(bin_directory.parent) and bundled.name == "specs"
    assert spec_names(bundled) == spec_names(SPECS)          # every bundled spec, YAML and Python
    assert f"dist/{wheel.name}" in (ROOT / "README.md").read_text()   # what "Install it elsewhere" says
    with zipfile.ZipFile(wheel) as archive:
        assert sorted(Path(name).name for name in archive.namelist()
                      if name.startswith("modelcheck/specs/")) == spec_names(SPECS)
    listed = run(bin_directory / "modelcheck", "specs", cwd=elsewhere)
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert sorted(Path(line.split("  ")[0]).name for line in lines) == spec_names(SPECS)
    assert not any("INVALID" in line for line in lines)
    assert any(line.startswith(f"{bundled / 'two_phase_commit.py'}  (Python model) TwoPhase") for line in lines)


def test_the_installed_command_checks_bundled_yaml_and_python_specs(installed):
    bin_directory, elsewhere, _wheel = installed
    bundled = Path(run(bin_directory / "modelcheck", "specs", "--path", cwd=elsewhere).stdout.strip())
    python_specs = [bundled / name for name in spec_names(SPECS) if name.endswith(".py")]
    yaml_spec = bundled / "producer-acks-lost-request.yaml"
    checked = run(bin_directory / "modelcheck", "check", yaml_spec, *python_specs, "--quiet", cwd=elsewhere)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    count = 3 + len(python_specs)
    assert f"{count} of {count} configurations as expected, 0 unexpected" in checked.stdout
    assert "AS EXPECTED  producer-acks-lost-request [producer.acks=0]" in checked.stdout
    assert "TwoPhase(rms=3)" in checked.stdout and "288 distinct states" in checked.stdout   # TLC's count
    # the gate fails from the wheel too: acks=1 without retries loses the lost request's record
    failing = run(bin_directory / "modelcheck", "check", yaml_spec, "--set", "producer.acks=1", "--set",
                  "producer.retries=0", "--quiet", cwd=elsewhere)
    assert failing.returncode == 1, failing.stdout + failing.stderr
    assert "no-loss: expected holds, found violated" in failing.stdout
    assert "0 of 1 configuration as expected, 1 unexpected" in failing.stdout
