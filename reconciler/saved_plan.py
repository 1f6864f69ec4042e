"""Saved plans: `plan --out plan.json desired/` on a pull request, `apply --plan plan.json desired/` on merge.

A saved plan records, besides the changes, a digest of each desired-state file and a
fingerprint of every entry's planned change (the live values it was planned against, secrets
left out). Applying it plans afresh and refuses when a file or any fingerprint differs: the
live state moved since the plan was reviewed, and the reviewed plan no longer says what
would happen. An entry blocked when the plan is applied is no reason to refuse it: that entry is
not applied (nor what waits for it), and the rest is what was reviewed. An entry blocked in the
saved plan and plannable now is: the reviewed plan did not say what it would do.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Callable

from ansible_collections.converge.platforms.plugins.module_utils.files import write_atomically

from .errors import DocumentError
from .planner import BLOCKED, Plan, PlannedChange

SAVED_FORMAT = 1


def _digest(data: Any) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode("utf-8")).hexdigest()


def file_digest(path: str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def entry_key(planned: PlannedChange) -> str:
    """A stable name of the entry: its title, as plans and reports show it."""
    return planned.title


def fingerprint(planned: PlannedChange) -> str:
    """Digest of what the change was planned against: action, changed fields and the live object (no secrets);
    of a blocked entry, only that it was blocked."""
    if planned.blocked:
        return _digest({"action": BLOCKED})
    change = planned.change
    spec = change.spec
    live = spec.public(spec.comparable(change.live or {}))
    return _digest({"action": change.action, "fields": change.as_dict().get("after"), "live": live})


def save(plan: Plan, files: list[str], path: str, redact, targets: list[str] | None = None,
         prune: bool = False, chosen: dict[str, Any] | None = None, names: list[str] | None = None) -> None:
    """Write the plan with file digests, per-entry fingerprints, and the targets and prune it was made with (and
    `chosen`: its `excludes` and `replaces`, the files a prune was checked against, `prune_scope`, and the
    `revision` a rollback's files were read at). `names`: the names the files are recorded under, when they are
    read elsewhere (a revision's files, unpacked)."""
    data = plan.as_dict()
    data.update(chosen or {})
    data.update(saved_format=SAVED_FORMAT, targets=list(targets or []), prune=bool(prune),
                files=[{"path": name, "sha256": file_digest(read)}
                       for name, read in zip(names or files, files, strict=True)],
                fingerprints={entry_key(c): fingerprint(c) for c in plan.changes})
    write_atomically(path, redact(json.dumps(data, indent=2, sort_keys=True, default=str)))


def load(path: str) -> dict[str, Any]:
    """Read a saved plan; a file that is not one is a DocumentError naming it."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise DocumentError([f"{path}:1: cannot read the saved plan: {exc.strerror}"])
    except ValueError as exc:
        raise DocumentError([f"{path}:1: not a saved plan: {exc}"])
    if not isinstance(data, dict) or data.get("saved_format") != SAVED_FORMAT or "fingerprints" not in data:
        raise DocumentError([f"{path}:1: not a saved plan of this reconciler (make one with plan --out)"])
    return data


def saved_files(saved: dict[str, Any]) -> list[str]:
    """The desired-state files a saved plan was made from."""
    return [item["path"] for item in saved.get("files", [])]


def saved_prune(saved: dict[str, Any]) -> bool:
    """Whether a saved plan was made with prune on."""
    return bool(saved.get("prune"))


def saved_targets(saved: dict[str, Any]) -> list[str]:
    """The `--target`s a saved plan was made for (none: the whole desired state)."""
    return list(saved.get("targets") or [])


def saved_choice(saved: dict[str, Any], key: str) -> list[str]:
    """The `--exclude`s (`excludes`) or `--replace`s (`replaces`) a saved plan was made with (none: none)."""
    return list(saved.get(key) or [])


def saved_revision(saved: dict[str, Any]) -> str | None:
    """The commit a saved plan's files were read at (`plan --revision`), None for the files as they are."""
    return saved.get("revision") or None


def stale_reasons(saved: dict[str, Any], plan: Plan, path: str, locate: Callable[[str], str] = str) -> list[str]:
    """Why a saved plan no longer holds (empty when it does); `locate` is where a recorded file is read now."""
    reasons = []
    for item in saved.get("files", []):
        try:
            if file_digest(locate(item["path"])) != item["sha256"]:
                reasons.append(f"{item['path']} changed since the plan was made")
        except OSError as exc:
            reasons.append(f"{item['path']}: {exc.strerror}")
    now = {entry_key(c): (c, fingerprint(c)) for c in plan.changes}
    before = saved.get("fingerprints", {})
    for key, (planned, digest) in now.items():
        if planned.blocked:
            continue  # not applied, and shown blocked: the rest of the plan still holds
        if key not in before:
            reasons.append(f"{planned.entry.where}: {key} was not in the saved plan")
        elif before[key] != digest:
            reasons.append(f"{planned.entry.where}: the live state of {key} changed since the plan was made "
                           f"(now: {planned.change.action})")
    for key in before.keys() - now.keys():
        reasons.append(f"{key} is in the saved plan but no longer in the desired state")
    return [f"{path}: {reason}" for reason in reasons]
