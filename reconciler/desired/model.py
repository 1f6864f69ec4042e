"""The desired state as the rest of the reconciler sees it: entries, endpoints, settings and their graph."""

from __future__ import annotations

from dataclasses import InitVar, dataclass, field
from typing import Any, Optional

from ..graph import EntryGraph, entry_graph
from ..platforms import kinds
from .secrets import read_secret

SUPPORTED_VERSIONS = (1,)
DEFAULT_CONCURRENCY = 8
#: the most changes (and reads) a run makes at once
MAX_CONCURRENCY = 256


@dataclass
class Entry:
    """One desired resource: its kind, its fields (plain data) and where it was written."""

    kind: str
    data: dict[str, Any]
    file: str
    line: int
    #: secret field -> (its line, its `{env: ...}` / `{file: ...}` reference), resolved by `resolve_secrets`
    secret_refs: dict[str, tuple[int, dict[str, str]]] = field(default_factory=dict)
    #: secret field -> why it has no value (an adopted entry's variable unset): planned without it, and blocked
    #: if its change would send it
    unset_secrets: dict[str, str] = field(default_factory=dict)
    #: (the data it was made from, `normalized`): made once, again only when `data` is replaced
    _normal: tuple[Any, Any] = field(default=(None, None), repr=False, compare=False)

    @property
    def normalized(self) -> dict[str, Any]:
        """The data with the kind's defaults and `state` filled in; shared by every reader, so not to be changed."""
        data, normalized = self._normal
        if data is not self.data:
            normalized = kinds()[self.kind].normalize(self.data)
            self._normal = (self.data, normalized)
        return normalized

    @property
    def where(self) -> str:
        """`file:line`; an entry no file holds (an owned object to prune) says so instead."""
        return f"{self.file}:{self.line}" if self.line else self.file


@dataclass
class Endpoint:
    """Connection settings of one platform; secrets stay unresolved until `resolve()`.

    An endpoint of a desired-state file reads only what `reference_refusal` allows, with `secret_root` (default:
    its file's directory) as the desired state's directory; one of a `--endpoints` file is `trusted`.
    """

    platform: str
    data: dict[str, Any]
    file: str
    line: int
    secret_lines: dict[str, int] = field(default_factory=dict)
    trusted: bool = False
    secret_root: Optional[str] = None

    @property
    def embedded(self) -> bool:
        return bool(self.data.get("embedded"))

    def resolve(self) -> dict[str, Any]:
        """Connection parameters with `{env: NAME}` and `{file: PATH}` values read now."""
        params = {}
        for key, value in self.data.items():
            if isinstance(value, dict) and ("env" in value or "file" in value):
                value = self._secret(key, value)
            params[key] = value
        return params

    def _secret(self, key: str, ref: dict[str, str]) -> str:
        where = f"{self.file}:{self.secret_lines.get(key, self.line)}"
        return read_secret(ref, where, f"endpoints.{self.platform}.{key}", self.file, root=self.secret_root,
                           trusted=self.trusted)


@dataclass
class DesiredState:
    """Everything the files say: endpoints, settings and entries in file order, and the graph of the entries.

    The graph (`graph`, the dependencies between entries by index) is built once, as the state is made (`load`
    has built it for its cycle check and hands it in as `known_graph`), and serves targets, plan and graph.
    """

    files: list[str]
    endpoints: dict[str, Endpoint]
    settings: dict[str, Any]
    entries: list[Entry]
    #: kind -> names that exist on the platform without an entry here (references may name them)
    existing: dict[str, set[str]] = field(default_factory=dict)
    #: `file:line: warning: ...` for what is valid but probably not meant (a shell template quoting a value)
    warnings: list[str] = field(default_factory=list)
    #: the desired state's directory: the files that `{file: PATH}` references may read are inside it
    secret_root: Optional[str] = None
    #: the graph of `entries` when it is already known; built from them otherwise
    known_graph: InitVar[Optional[EntryGraph]] = None
    graph: EntryGraph = field(init=False, repr=False, compare=False)

    def __post_init__(self, known_graph: Optional[EntryGraph]) -> None:
        self.graph = known_graph if known_graph is not None else entry_graph(self.entries, kinds())

    def by_kind(self) -> dict[str, list[Entry]]:
        grouped: dict[str, list[Entry]] = {}
        for entry in self.entries:
            grouped.setdefault(entry.kind, []).append(entry)
        return grouped


def entry_title(entry: Entry) -> str:
    """How an entry is named in messages: its kind and identity (see `resource_title`)."""
    return resource_title(entry.kind, {name: entry.data.get(name) for name in kinds()[entry.kind].identity})


def resource_title(kind: str, identity: dict[str, Any]) -> str:
    """`kind[field=value, ...]`: how validation, plans, reports and saved plans name a resource.

    Identity fields without a value are left out, and a kind with no identity value is its bare name.
    """
    shown = ", ".join(f"{key}={value}" for key, value in identity.items() if value is not None and value != "")
    return f"{kind}[{shown}]" if shown else kind
