"""Prune needs the owner's whole desired state: the files of one owner under one directory, all of them given.

Prune deletes what the owner owns and no entry names. Given a subset of the owner's files (`plan --prune
desired/00-platform.yml desired/web.yml`), it would delete what the files left out (`desired/db.yml`) name.
So, with prune on, every desired-state file below the desired state's directory (the directory given, or the
common directory of the files given) must be among those given, unless it declares another `settings.owner`
or `.convergeignore` leaves it out. A saved plan records the files it was checked against, and `apply --plan`
checks again: a file added under the directory since the review refuses it too.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Optional

from .desired import DesiredState
from .desired.sections import is_desired_document
from .desired.yaml_reader import read_yaml
from .errors import DocumentError, ReconcilerError
from .ownership import owner_of
from .sources import SourceError, desired_files_under


class PartialState(ReconcilerError):
    """A prune given only some of its owner's files."""


def _declared_owner(path: Path) -> tuple[bool, Optional[str]]:
    """Whether the file is a desired-state document, and the `settings.owner` it declares (None: none)."""
    try:
        document: Any = read_yaml(str(path))  # the loader's reader, with its bounds on size, depth and aliases
    except DocumentError:
        return False, None
    if not is_desired_document(document):
        return False, None
    settings = document.get("settings")
    owner = settings.get("owner") if isinstance(settings, dict) else None
    return True, owner if isinstance(owner, str) else None


def _shown(path: Path, relative: bool) -> str:
    """A path as the user wrote theirs: relative to the working directory when the files were given so (and it
    is below it), else absolute."""
    if not relative:
        return str(path)
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


def files_left_out(desired: DesiredState, trusted: Optional[list[str]] = None) -> list[Path]:
    """The desired-state files of this run's owner below its directory that were not given (nor `trusted`, the
    `--endpoints` files), sorted."""
    root = Path(desired.secret_root or os.getcwd())
    given = {Path(name).resolve() for name in list(desired.files) + list(trusted or [])}
    owner = owner_of(desired)
    try:
        below = desired_files_under(root)
    except SourceError as exc:  # a .convergeignore the files given by name did not make the loader read
        raise PartialState(exc.problems) from None
    missing = []
    for path in below:
        if path.resolve() in given:
            continue
        document, declared = _declared_owner(path)
        if document and declared in (None, owner):
            missing.append(path)
    return missing


def check(desired: DesiredState, trusted: Optional[list[str]] = None) -> list[str]:
    """The files a prune checked (every desired-state file it was given); PartialState naming each file of the
    owner below the desired state's directory that is missing, before any request."""
    missing = files_left_out(desired, trusted)
    if missing:
        relative = not any(os.path.isabs(name) for name in desired.files)
        root = _shown(Path(desired.secret_root or os.getcwd()), relative)
        raise PartialState([
            f"{_shown(path, relative)}:1: prune needs the whole desired state of owner {owner_of(desired)} under "
            f"{root}/, and this file was not given: give the directory ({root}) or every file in it, or leave this "
            f"one out with .convergeignore" for path in missing])
    return list(desired.files)
