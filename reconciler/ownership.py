"""Who owns what: the owner of a desired state, the marks it writes, and the deletions prune plans.

The owner is `settings.owner`, or else a name derived from where the files live: the git repository's
`origin` remote (or its directory when it has none) and the files' directory within it, so two
repositories, or two directories of one repository, managing one platform never prune each other.
"""

from __future__ import annotations

import configparser
import hashlib
import os
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from ansible_collections.converge.platforms.plugins.module_utils.spec import DELETE, Change

from .desired import DesiredState, Entry
from .platforms import kinds

#: the action of a change that only writes the ownership record of an object that already matches
ADOPT = "adopt"


def _git_root(start: Path) -> Path | None:
    for directory in (start, *start.parents):
        if (directory / ".git").exists():
            return directory
    return None


def _origin(root: Path) -> str | None:
    """The `origin` remote's URL of the repository at `root`, without any credentials in it."""
    config = configparser.ConfigParser(strict=False)
    try:
        config.read(root / ".git" / "config", encoding="utf-8")
    except (configparser.Error, UnicodeDecodeError):
        return None
    url = config.get('remote "origin"', "url", fallback=None)
    return without_credentials(url) if url else url


def without_credentials(url: str) -> str:
    """A repository URL without the user and password it may carry."""
    if "://" not in url:
        return url
    parts = urlsplit(url)
    return urlunsplit(parts._replace(netloc=parts.hostname or "" if parts.port is None
                                     else f"{parts.hostname}:{parts.port}"))


def _slug(text: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-._") or "converge"
    return slug[:40]


def default_owner(files: list[str]) -> str:
    """`<name>-<digest>`: the name of the files' repository (or directory), and a digest of where they are."""
    directory = Path(os.path.commonpath([str(Path(f).resolve().parent) for f in files]))
    root = _git_root(directory)
    if root is None:
        location, name = str(directory), directory.name
    else:
        origin = _origin(root)
        if origin:
            return repository_owner(origin, directory.relative_to(root).as_posix())
        location, name = f"{root}:{directory.relative_to(root).as_posix()}", root.name
    return f"{_slug(name)}-{hashlib.sha256(location.encode('utf-8')).hexdigest()[:8]}"


def repository_owner(url: str, directory: str) -> str:
    """The default owner of the desired state in `directory` (relative, `.` for the root) of the repository at
    `url`: what a clone of it with that `origin` gives (`default_owner`), and what a watch of it takes."""
    origin = without_credentials(url)
    name = origin.rstrip("/").rsplit("/", 1)[-1].removesuffix(".git")
    location = f"{origin}:{directory or '.'}"
    return f"{_slug(name)}-{hashlib.sha256(location.encode('utf-8')).hexdigest()[:8]}"


def owner_of(desired: DesiredState) -> str:
    """The owner the desired state writes into the objects it creates."""
    return desired.settings.get("owner") or default_owner(desired.files)


def pruned_entry(spec, live: dict[str, Any], owner: str) -> Entry:
    """An entry standing for an owned object that no file names: its live fields, to be absent."""
    data = {name: live[name] for name in spec.fields if live.get(name) is not None}
    if spec.states and "absent" in spec.states:
        data["state"] = "absent"
    return Entry(spec.kind, data, f"owned by {owner}, in no file", 0)


def prune_change(spec, live: dict[str, Any]) -> Change:
    """The deletion of an owned object, as its kind plans an entry that is `absent`."""
    desired = spec.normalize({name: live.get(name) for name in spec.fields})
    desired["state"] = "absent"
    change = spec.plan(desired, live)
    if change.action != DELETE:
        change = Change(spec, DELETE, desired, live)
    return change


def prunable_kinds(desired: DesiredState) -> list[Any]:
    """The specs of kinds that carry an owner, on the platforms the desired state has endpoints for."""
    return [spec for spec in kinds().values() if spec.ownership is not None and spec.reconcilable
            and spec.platform in desired.endpoints]


def live_key(spec, live: dict[str, Any]) -> tuple:
    """What tells one live object of a kind from another: its id or uuid when it has one, else its identity."""
    for name in ("id", "uuid"):
        if live.get(name) is not None:
            return (name, live[name])
    return spec.identity_of(live)
