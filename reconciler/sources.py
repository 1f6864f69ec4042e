"""Which files a command reads: files as given, directories as every `*.yml`/`*.yaml` below them."""

from __future__ import annotations

from pathlib import Path

SUFFIXES = (".yml", ".yaml")


class SourceError(Exception):
    """A path that names no desired-state file; `problems` are `path: reason` lines."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


def _hidden(path: Path, root: Path) -> bool:
    return any(part.startswith(".") for part in path.relative_to(root).parts)


def files_below(directory: Path) -> list[Path]:
    """Every `*.yml` / `*.yaml` under `directory`, recursively, sorted; hidden files and directories left out."""
    found = [path for path in directory.rglob("*") if path.suffix in SUFFIXES and path.is_file()
             and not _hidden(path, directory)]
    return sorted(found, key=lambda path: path.relative_to(directory).as_posix())


def expand(paths: list[str]) -> list[str]:
    """The desired-state files that `paths` name, in order, each once; raise SourceError for a path naming none.

    A file is taken as it is (whatever its name); a directory stands for `files_below` it.
    """
    problems = []
    result: list[str] = []
    seen: set[Path] = set()
    for given in paths:
        path = Path(given)
        if path.is_dir():
            found = files_below(path)
            if not found:
                problems.append(f"{given}: no *.yml or *.yaml file in this directory")
            candidates = [str(item) for item in found]
        elif path.exists():
            candidates = [given]
        else:
            problems.append(f"{given}: no such file or directory")
            candidates = []
        for candidate in candidates:
            resolved = Path(candidate).resolve()
            if resolved not in seen:
                seen.add(resolved)
                result.append(candidate)
    if problems:
        raise SourceError(problems)
    return result
