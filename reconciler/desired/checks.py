"""The checks of a desired state's entries: each by the one validator (the modules' own), then across them:
duplicate identities, references, relations a kind declares, endpoints, dependency cycles; and the warnings."""

from __future__ import annotations

import re
from typing import Any, Callable

from ansible_collections.converge.platforms.plugins.module_utils.spec import SpecError

from ..graph import Graph
from ..platforms import kinds
from .model import Endpoint, Entry, entry_title


def validated(spec, data: dict, path: str, where: str, line_of: Callable[[Any], int]) -> tuple[dict, list[str]]:
    """An entry checked by the one validator (the modules' own): its values converted, or its problem at the line
    `line_of(option)` gives (`option` None for the entry itself)."""
    try:
        converted = spec.validate(spec.normalize(data))
    except SpecError as exc:
        key = re.split(r"[\[.]", exc.option)[0] if exc.option else None
        option = f".{exc.option}" if exc.option else ""
        return data, [f"{path}:{line_of(key)}: {where}{option}: {exc.message}"]
    return {key: converted.get(key, value) for key, value in data.items()}, []


def check_entries(entries: list[Entry], existing: dict[str, set]) -> list[str]:
    """Duplicate identities, and references to entries that neither exist here nor are declared existing."""
    known = kinds()
    problems = []
    seen: dict[tuple, Entry] = {}
    names: dict[str, set] = {kind: set(values) for kind, values in existing.items()}
    related: dict[str, dict[str, dict]] = {}
    normalized = [entry.normalized for entry in entries]
    for entry, data in zip(entries, normalized, strict=True):
        spec = known[entry.kind]
        key = (entry.kind,) + spec.identity_of(data)
        if key in seen:
            first = seen[key]
            ident = ", ".join(f"{n}={entry.data.get(n)}" for n in spec.identity)
            problems.append(f"{entry.where}: duplicate {entry.kind} ({ident}); first defined at {first.where}")
        else:
            seen[key] = entry
        if data.get(spec.reference_key) is not None:
            names.setdefault(entry.kind, set()).add(data[spec.reference_key])
        if data.get("name") is not None:
            related.setdefault(entry.kind, {})[data["name"]] = data
    for entry, data in zip(entries, normalized, strict=True):
        spec = known[entry.kind]
        problems.extend(_related_problems(spec, entry, data, related))
        for reference in spec.references(data):
            if reference.required and reference.name not in names.get(reference.kind, set()):
                problems.append(f"{entry.where}: {entry.kind}.{reference.option}: no {reference.kind} named "
                                f"'{reference.name}' in the desired state (name it under existing.{reference.kind} "
                                f"if it exists on the platform)")
    return problems


def check_cycles(entries: list[Entry], graph: Graph) -> list[str]:
    """Entries that depend on each other in a loop (in `graph`, theirs): one problem per loop, naming each member."""
    problems = []
    for cycle in graph.cycles():
        members = " -> ".join(f"{entry_title(entries[i])} ({entries[i].where})" for i in cycle)
        problems.append(f"{entries[cycle[0]].where}: dependency cycle: {members} -> "
                        f"{entry_title(entries[cycle[0]])}")
    return problems


def _related_problems(spec: Any, entry: Entry, data: dict[str, Any], related: dict[str, Any]) -> list[str]:
    """What the kind says of the entry among the others (`check_related`), as a problem."""
    try:
        spec.check_related(data, related)
    except SpecError as exc:
        option = f".{exc.option}" if exc.option else ""
        return [f"{entry.where}: {entry.kind}{option}: {exc.message}"]
    return []


def check_endpoints(entries: list[Entry], endpoints: dict[str, Endpoint], trusted: bool = False) -> list[str]:
    """An entry of a platform no endpoint is declared for (with `trusted`, none in the --endpoints files)."""
    known = kinds()
    problems = []
    reported = set()
    for entry in entries:
        name = known[entry.kind].platform
        if name not in endpoints and name not in reported:
            reported.add(name)
            remedy = f"add {name} to the --endpoints file" if trusted else f"add endpoints.{name}"
            problems.append(f"{entry.where}: {entry.kind}: no endpoint for platform '{name}' ({remedy})")
    return problems


def warnings_of(entries: list[Entry]) -> list[str]:
    """`file:line: warning: ...` for what each entry's kind finds valid but probably not meant."""
    known = kinds()
    return [f"{entry.where}: warning: {entry.kind}.{text}" for entry in entries
            for text in known[entry.kind].warnings(entry.normalized)]

