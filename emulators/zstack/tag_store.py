"""The ZStack emulator's tags, indexed the way the API looks them up: a lookup and a create cost O(1).

A `TagStore` is the dict of tag records by uuid that the model persists, with two indexes kept in step
with every change: the uuids of each tag text, and the one tag of each (kind, resource type, resource,
text), which a create must not repeat. A record is replaced, never changed in place, so the indexes
never go stale. It deep-copies (and so exports) as a plain dict.
"""

from __future__ import annotations

import copy
import re
from typing import Any, Iterable

#: a condition the store answers from an index: `uuid=<value>` or `tag=<value>` with no other operator
_INDEXED_CONDITION = re.compile(r"^(uuid|tag)=([^=<>!?~]*)$")


def identity(record: dict[str, Any]) -> tuple[str, str, str, str]:
    """What a tag may have only once: its kind, its resource's type and uuid, and its text."""
    return record["kind"], record["resourceType"], record["resourceUuid"], record["tag"]


class TagStore(dict):
    """Tag records by uuid, with indexes by text and by identity."""

    def __init__(self, records: dict[str, dict[str, Any]] | None = None):
        super().__init__()
        self.by_text: dict[str, set[str]] = {}
        self.by_identity: dict[tuple[str, str, str, str], str] = {}
        for uuid, record in (records or {}).items():
            self[uuid] = record

    def __setitem__(self, uuid: str, record: dict[str, Any]) -> None:
        if uuid in self:
            self._forget(uuid)
        super().__setitem__(uuid, record)
        self.by_text.setdefault(record["tag"], set()).add(uuid)
        self.by_identity[identity(record)] = uuid

    def __delitem__(self, uuid: str) -> None:
        self._forget(uuid)
        super().__delitem__(uuid)

    def pop(self, uuid: str, *default: Any) -> Any:
        """Remove and return a record (or `default`), keeping the indexes."""
        if uuid not in self:
            if default:
                return default[0]
            raise KeyError(uuid)
        record = self[uuid]
        del self[uuid]
        return record

    def clear(self) -> None:
        super().clear()
        self.by_text.clear()
        self.by_identity.clear()

    def __deepcopy__(self, memo: dict) -> dict[str, dict[str, Any]]:
        return copy.deepcopy(dict(self), memo)

    def _forget(self, uuid: str) -> None:
        record = self[uuid]
        uuids = self.by_text.get(record["tag"])
        if uuids is not None:
            uuids.discard(uuid)
            if not uuids:
                del self.by_text[record["tag"]]
        if self.by_identity.get(identity(record)) == uuid:
            del self.by_identity[identity(record)]

    def candidates(self, kind: str, conditions: Iterable[str]) -> list[dict[str, Any]]:
        """The records of `kind` that may match the conditions: those an indexed condition names, else all.

        The query engine still applies every condition to them; this only spares it the rows that cannot match.
        """
        for condition in conditions:
            match = _INDEXED_CONDITION.match(condition)
            if match is None:
                continue
            field, value = match.groups()
            uuids = {value} if field == "uuid" else self.by_text.get(value, set())
            return [self[uuid] for uuid in sorted(uuids) if uuid in self and self[uuid]["kind"] == kind]
        return [record for record in self.values() if record["kind"] == kind]
