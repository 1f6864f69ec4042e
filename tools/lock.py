"""The pinned test environments: one lock file under constraints/ for each virtual environment the tests use.

The ranges users install with stay in pyproject.toml and requirements.txt. The test command installs with
`-c constraints/test.txt`, and the extra environments the tests make (tests.support.cached_venv) install with
their own lock, so a release of any package upstream changes nothing until the locks are refreshed:

    python -m pip install -e '.[lock]' && python -m tools.lock

refreshes every lock from the newest releases the ranges allow (uv pip compile; about ten seconds).
`python -m tools.lock NAME...` refreshes only those. `.ci/newest` runs the suite with no lock at all.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCK_DIR = ROOT / "constraints"
#: set (to anything but empty) by `.ci/newest`: the environments are made from the newest releases, unlocked
NEWEST_VARIABLE = "CONVERGE_NEWEST"


@dataclass(frozen=True)
class Lock:
    """One environment: what it installs (pip requirement lines) and the Python it is made with."""

    python: str
    requirements: tuple[str, ...]

    def compile_inputs(self, scratch: Path, name: str) -> list[str]:
        """The inputs of `uv pip compile`: the pyproject extra, or a requirements file written to `scratch`."""
        if self.requirements[0].startswith(".["):
            extra = self.requirements[0][2:-1]
            return [str(ROOT / "pyproject.toml"), "--extra", extra]
        source = scratch / f"{name}.in"
        source.write_text("\n".join(self.requirements) + "\n", encoding="utf-8")
        return [str(source)]


def _with_runtime(core: str) -> tuple[str, ...]:
    """ansible-core `core` and the libraries the modules import (requirements.txt), as an artifact's user has."""
    runtime = [line.strip() for line in (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines()
               if line.strip() and not line.lstrip().startswith("#")]
    return (core, *runtime)


#: every locked environment, by the name of its lock file (constraints/<name>.txt)
LOCKS = {
    # the test command's own environment: the project and its `test` extra
    "test": Lock("3.11", (".[test]",)),
    # the version-range smoke (tests/integration/test_version_range.py)
    "ansible-core-2.16": Lock("3.11", _with_runtime("ansible-core==2.16.*")),
    "ansible-core-2.19": Lock("3.11", _with_runtime("ansible-core==2.19.*")),
    "ansible-core-2.21": Lock("3.12", _with_runtime("ansible-core==2.21.*")),
    # Galaxy's import checks on the artifact (tests/integration/test_galaxy_importer.py)
    "galaxy-importer": Lock("3.11", ("galaxy-importer>=0.4.44,<0.5",)),
}


def lock_file(name: str) -> Path:
    """Where the lock of environment `name` lives."""
    return LOCK_DIR / f"{name}.txt"


def newest() -> bool:
    """True when the environments are to be made unlocked, from the newest releases (`.ci/newest`)."""
    return bool(os.environ.get(NEWEST_VARIABLE))


def install_arguments(name: str) -> list[str]:
    """`pip install` arguments for environment `name`: its requirements, with its lock unless `newest()`."""
    lock = LOCKS[name]
    pins = [] if newest() else ["-c", str(lock_file(name))]
    return pins + list(lock.requirements)


def _uv() -> str:
    """The uv executable: beside this Python, else on PATH; SystemExit naming the install command if none."""
    beside = Path(sys.executable).parent / "uv"
    found = str(beside) if beside.exists() else shutil.which("uv")
    if not found:
        raise SystemExit("uv is not installed: python -m pip install 'uv>=0.13,<1'")
    return found


def refresh(name: str, scratch: Path) -> None:
    """Write constraints/<name>.txt anew from the newest releases its requirements allow."""
    lock = LOCKS[name]
    command = [_uv(), "pip", "compile", "--quiet", "--universal", "--python-version", lock.python,
               "--no-header", "--upgrade", *lock.compile_inputs(scratch, name), "-o", str(lock_file(name))]
    proc = subprocess.run(command, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"{name}: uv pip compile failed:\n{proc.stderr}")
    body = lock_file(name).read_text(encoding="utf-8")
    header = (f"# The pinned environment {name!r} (Python {lock.python}): {', '.join(lock.requirements)}.\n"
              "# Made by `python -m tools.lock`; do not edit by hand.\n")
    lock_file(name).write_text(header + body.replace(str(scratch) + "/", ""), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    """Refresh the named locks (all by default)."""
    parser = argparse.ArgumentParser(prog="python -m tools.lock", description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", metavar="NAME",
                        help="environments to refresh: %s (default: all)" % ", ".join(LOCKS))
    names = parser.parse_args(argv).names or list(LOCKS)
    unknown = sorted(set(names) - set(LOCKS))
    if unknown:
        parser.error("unknown environment %s; known: %s" % (", ".join(unknown), ", ".join(LOCKS)))
    LOCK_DIR.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="converge-lock-") as scratch:
        for name in names:
            refresh(name, Path(scratch))
            print(f"{lock_file(name).relative_to(ROOT)}: refreshed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
