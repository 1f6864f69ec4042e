"""`--target KIND` and `--target KIND/NAME`: plan and apply only some entries and what they depend on;
`--exclude KIND[/NAME]`: leave some out, and what depends on them; `--replace KIND/NAME`: the entries to make again."""

from __future__ import annotations

from dataclasses import replace

from ansible_collections.converge.platforms.plugins.module_utils.spec import ResourceSpec

from .desired import DesiredState, Entry, entry_title
from .errors import DocumentError
from .platforms import kinds


def matches(target: str, entry: Entry) -> bool:
    """Whether `target` names `entry`: by kind alone, or kind and its name, identity value or title."""
    kind, _, wanted = target.partition("/")
    if kind != entry.kind:
        return False
    if not wanted:
        return True
    spec = kinds()[entry.kind]
    values = {str(entry.data.get(spec.reference_key))} | {str(entry.data.get(name)) for name in spec.identity}
    return wanted in values or target == entry_title(entry)


def select(desired: DesiredState, targets: list[str]) -> DesiredState:
    """The desired state reduced to the targeted entries and, transitively, every entry they depend on.

    A target that names no entry is a DocumentError naming it; with no targets, `desired` is returned as is.
    The reduced state's graph is the desired state's, kept to the chosen entries.
    """
    if not targets:
        return desired
    entries = desired.entries
    problems = [f"--target {target}: no entry of the desired state matches it (use KIND or KIND/NAME)"
                for target in targets if not any(matches(target, entry) for entry in entries)]
    if problems:
        raise DocumentError(problems)
    chosen = desired.graph.closure(index for index, entry in enumerate(entries)
                                   if any(matches(t, entry) for t in targets))
    return replace(desired, entries=[entry for index, entry in enumerate(entries) if index in chosen],
                   known_graph=desired.graph.subgraph(chosen))


def exclude(desired: DesiredState, excludes: list[str]) -> tuple[DesiredState, list[str]]:
    """The desired state without the entries `excludes` names and every entry that depends on one, directly or not;
    and one line per entry left out that way, naming the excluded entry it depends on.

    An exclude that names no entry is a DocumentError naming it; with no excludes, `desired` is returned as is.
    """
    if not excludes:
        return desired, []
    entries = desired.entries
    problems = [f"--exclude {name}: no entry of the desired state matches it (use KIND or KIND/NAME)"
                for name in excludes if not any(matches(name, entry) for entry in entries)]
    if problems:
        raise DocumentError(problems)
    dependants = desired.graph.dependants()
    left_out = {index for index, entry in enumerate(entries) if any(matches(name, entry) for name in excludes)}
    todo, notes = sorted(left_out), []
    while todo:
        cause = todo.pop(0)
        for index in sorted(dependants[cause] - left_out):
            left_out.add(index)
            todo.append(index)
            notes.append(f"{entry_title(entries[index])} ({entries[index].where}) excluded: it depends on "
                         f"{entry_title(entries[cause])}")
    kept = [index for index in range(len(entries)) if index not in left_out]
    return replace(desired, entries=[entries[index] for index in kept],
                   known_graph=desired.graph.subgraph(kept)), notes


def replaced(desired: DesiredState, names: list[str]) -> set[int]:
    """The indexes of the entries `--replace KIND/NAME` names, whose objects are to be deleted and made again.

    A DocumentError names each one that names no entry, or an entry that cannot be made again: of a kind that
    cannot be created or deleted, not kept present by its entry, or only observed.
    """
    problems, chosen = [], set()
    for name in names:
        found = [index for index, entry in enumerate(desired.entries) if "/" in name and matches(name, entry)]
        if not found:
            problems.append(f"--replace {name}: no entry of the desired state matches it (use KIND/NAME)")
        for index in found:
            refusal = _unreplaceable(desired.entries[index])
            if refusal:
                problems.append(f"--replace {name}: {entry_title(desired.entries[index])} "
                                f"({desired.entries[index].where}) {refusal}")
            chosen.add(index)
    if problems:
        raise DocumentError(problems)
    return chosen


def _unreplaceable(entry: Entry) -> str:
    """Why `entry`'s object cannot be deleted and made again (empty when it can)."""
    spec = kinds()[entry.kind]
    for method in ("create", "delete"):
        if getattr(type(spec), method) is getattr(ResourceSpec, method):
            return f"cannot be replaced: {entry.kind} cannot be {method}d"
    state = entry.normalized.get("state") or (spec.states[0] if spec.states else "present")
    if state != "present":
        return f"cannot be replaced: its entry is state: {state}, and only an object kept present is made again"
    if entry.data.get("observe"):
        return "cannot be replaced: its entry is observe: true, so it is never written"
    return ""
