"""Which files a command reads: files as given, directories as every `*.yml`/`*.yaml` below them that their
`.convergeignore` leaves in."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from pathspec import GitIgnoreSpec

SUFFIXES = (".yml", ".yaml")
#: the file of a directory given on the command line whose patterns (gitignore syntax) leave files out of it
IGNORE_FILE = ".convergeignore"


class SourceError(Exception):
    """A path that names no desired-state file; `problems` are `path: reason` lines."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Source:
    """A desired-state file to read, and the directory given whose expansion found it (None: given by name)."""

    path: str
    directory: Optional[str] = None


def ignore_spec(directory: Path) -> Optional[GitIgnoreSpec]:
    """The patterns of `directory`'s `.convergeignore`, relative to it; None when it has none.

    SourceError names the line of a pattern that gitignore syntax cannot read.
    """
    ignore = directory / IGNORE_FILE
    if not ignore.is_file():
        return None
    try:
        lines = ignore.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise SourceError([f"{ignore}:1: cannot read: {exc}"]) from None
    problems = []
    for number, line in enumerate(lines, start=1):
        try:
            GitIgnoreSpec.from_lines([line])
        except ValueError:
            problems.append(f"{ignore}:{number}: '{line}' is not a gitignore pattern")
    if problems:
        raise SourceError(problems)
    return GitIgnoreSpec.from_lines(lines)


def _left_out(spec: Optional[GitIgnoreSpec], relative: Path, is_directory: bool) -> bool:
    """Whether a file or directory (`relative` to the directory given) is hidden or matched by `spec`."""
    if relative.name.startswith("."):
        return True
    return spec is not None and spec.match_file(relative.as_posix() + ("/" if is_directory else ""))


def desired_files_under(directory: Path) -> list[Path]:
    """Every desired-state file below `directory`: each `*.yml` / `*.yaml`, recursively, sorted.

    Hidden files and directories are left out, and so is whatever the directory's `.convergeignore` matches
    (gitignore syntax: `dir/`, `*.yml`, `!negation`, `**`); as in git, a file inside a directory left out
    cannot be taken back by a negation. Symbolic links to directories are not followed.
    """
    spec = ignore_spec(directory)
    found: list[Path] = []
    for current, directories, files in os.walk(directory):
        here = Path(current)
        relative = here.relative_to(directory)
        directories[:] = [name for name in directories if not _left_out(spec, relative / name, True)]
        found.extend(here / name for name in files
                     if Path(name).suffix in SUFFIXES and not _left_out(spec, relative / name, False)
                     and (here / name).is_file())
    return sorted(found, key=lambda path: path.relative_to(directory).as_posix())


def _in_directory(given: str, problems: list[str]) -> list[Source]:
    """The files a directory given stands for; a problem when it stands for none."""
    try:
        found = desired_files_under(Path(given))
    except SourceError as exc:
        problems.extend(exc.problems)
        return []
    if not found:
        left_out = f" that {Path(given) / IGNORE_FILE} leaves in" if (Path(given) / IGNORE_FILE).is_file() else ""
        problems.append(f"{given}: no *.yml or *.yaml file in this directory{left_out}")
    return [Source(str(path), given) for path in found]


def sources(paths: list[str]) -> list[Source]:
    """The desired-state files that `paths` name, in order, each once; raise SourceError for a path naming none.

    A file is taken as it is (whatever its name); a directory stands for `desired_files_under` it.
    """
    problems: list[str] = []
    result: list[Source] = []
    seen: set[Path] = set()
    for given in paths:
        path = Path(given)
        if path.is_dir():
            candidates = _in_directory(given, problems)
        elif path.exists():
            candidates = [Source(given)]
        else:
            problems.append(f"{given}: no such file or directory")
            candidates = []
        for candidate in candidates:
            resolved = Path(candidate.path).resolve()
            if resolved not in seen:
                seen.add(resolved)
                result.append(candidate)
    if problems:
        raise SourceError(problems)
    return result


def expand(paths: list[str]) -> list[str]:
    """The paths of the desired-state files that `paths` name (`sources`)."""
    return [source.path for source in sources(paths)]
