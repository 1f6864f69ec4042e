"""`--target KIND` and `--target KIND/NAME`: plan and apply only some entries and what they depend on."""

from __future__ import annotations

from dataclasses import replace

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
