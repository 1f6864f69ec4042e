"""The desired-state files `reconciler import` writes: one per platform, deterministic, read back as written.

A file holds `version: 1`, `existing:` (what its entries name but the import did not take) and `resources:`,
kind by kind in the platform's order, each entry's keys in its kind's fields' order and `adopt: true` last. Its
first lines list the secret placeholders (`{env: CONVERGE_...}`) with the object and field of each. The YAML is
dumped so that the project's reader (YAML 1.2's core schema) reads every value back as it was: a string that
would read as a number, a boolean, a null or a date is quoted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from . import fast_yaml
from .desired import resource_title
from .platforms import kinds

#: wider than any line an entry holds, so no value is folded
LINE_WIDTH = 1 << 16


@dataclass
class ImportedKind:
    """The entries imported of one kind, in the order of their objects."""

    spec: Any
    entries: list[dict[str, Any]]


@dataclass
class ImportedPlatform:
    """What one platform gave: its kinds' entries in the platform's order."""

    name: str
    kinds: list[ImportedKind] = field(default_factory=list)

    @property
    def entries(self) -> int:
        return sum(len(kind.entries) for kind in self.kinds)


class _Placeholder(dict):
    """A secret's `{env: NAME}`, written in flow style as the README writes it."""


class _Dumper(yaml.SafeDumper):
    """SafeDumper that also quotes the strings YAML 1.2's core schema would read as another type (`0o17`)."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


for _tag, _pattern, _first in (("bool", fast_yaml._BOOL, "tTfF"), ("null", fast_yaml._NULL, ["~", "n", "N", ""]),
                               ("int", fast_yaml._INT, "-+0123456789"), ("float", fast_yaml._FLOAT, "-+.0123456789"),
                               ("timestamp", fast_yaml._TIMESTAMP, "0123456789")):
    _Dumper.add_implicit_resolver("tag:yaml.org,2002:" + _tag, _pattern, list(_first))
_Dumper.add_representer(_Placeholder, lambda dumper, data: dumper.represent_mapping(
    "tag:yaml.org,2002:map", data.items(), flow_style=True))


def entry_in_order(spec: Any, entry: dict[str, Any]) -> dict[str, Any]:
    """The entry's keys in the order of its kind's fields, then any other key, `adopt` last; each secret's
    placeholder in flow style."""
    keys = [name for name in spec.fields if name in entry]
    keys += [name for name in entry if name not in spec.fields and name != "adopt"]
    ordered = {key: _Placeholder(entry[key]) if _is_placeholder(entry[key]) else entry[key] for key in keys}
    if "adopt" in entry:
        ordered["adopt"] = entry["adopt"]
    return ordered


def _is_placeholder(value: Any) -> bool:
    return isinstance(value, dict) and set(value) == {"env"}


def entry_name(spec: Any, entry: dict[str, Any]) -> str:
    """`kind[identity]`: how the file's comments name an imported entry."""
    return resource_title(spec.kind, {name: entry.get(name) for name in spec.identity})


def placeholders(imported: ImportedPlatform) -> list[tuple[str, str, str]]:
    """(variable, object, field) of every secret placeholder of the platform's entries, in the file's order."""
    found = []
    for kind in imported.kinds:
        for entry in kind.entries:
            for name in kind.spec.secret_fields():
                if _is_placeholder(entry.get(name)):
                    found.append((entry[name]["env"], entry_name(kind.spec, entry), name))
    return found


def referenced_elsewhere(platforms: list[ImportedPlatform]) -> dict[str, dict[str, set[str]]]:
    """Per platform, by kind, the names its entries require that no imported entry has: its `existing:`."""
    names: dict[str, set[str]] = {}
    for imported in platforms:
        for kind in imported.kinds:
            key = kind.spec.reference_key
            names.setdefault(kind.spec.kind, set()).update(
                normal[key] for normal in (kind.spec.normalize(entry) for entry in kind.entries)
                if normal.get(key) is not None)
    existing: dict[str, dict[str, set[str]]] = {}
    for imported in platforms:
        wanted = existing.setdefault(imported.name, {})
        for kind in imported.kinds:
            for entry in kind.entries:
                for reference in kind.spec.references(kind.spec.normalize(entry)):
                    if reference.required and reference.name not in names.get(reference.kind, set()):
                        wanted.setdefault(reference.kind, set()).add(reference.name)
    return existing


def header(imported: ImportedPlatform) -> str:
    """The comment block at the top of a platform's file: where it came from, and every secret to set."""
    lines = [f"# The objects of the {imported.name} endpoint, written by `reconciler import`: every entry adopts its",
             "# object (apply writes this desired state's owner on it). The endpoint comes from --endpoints."]
    secrets = placeholders(imported)
    if secrets:
        lines += ["#", "# Secrets the platform never returns are read from these variables; set each one before an",
                  "# apply that creates or changes its object:"]
        lines += [f"#   {variable}: {title} {name}" for variable, title, name in secrets]
    return "\n".join(lines) + "\n"


def document(imported: ImportedPlatform, existing: dict[str, set[str]]) -> str:
    """The whole file of one platform: the header, then the YAML document."""
    order = list(kinds())
    data: dict[str, Any] = {"version": 1}
    if existing:
        data["existing"] = {kind: sorted(existing[kind]) for kind in sorted(existing, key=order.index)}
    data["resources"] = {kind.spec.kind: [entry_in_order(kind.spec, entry) for entry in kind.entries]
                         for kind in imported.kinds if kind.entries}
    body = yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=LINE_WIDTH,
                     default_flow_style=False)
    return header(imported) + body
