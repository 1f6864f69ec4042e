"""What the platform models share: persistence of their attributes and merging of fixtures."""

from __future__ import annotations

import copy
from typing import Any, Callable, Mapping


class PersistentModel:
    """A model whose attributes named in `persisted` make up its saved state."""

    platform = ""
    persisted: tuple[str, ...] = ()
    state_format = 1

    def export(self) -> dict[str, Any]:
        """Everything, as JSON-able data (a deep copy)."""
        data = {name: getattr(self, name) for name in self.persisted}
        data["format"] = self.state_format
        return copy.deepcopy(data)

    def restore(self, data: Mapping[str, Any]) -> None:
        """Replace everything with what `export` produced."""
        if data.get("format", self.state_format) != self.state_format:
            raise ValueError(f"unsupported {self.platform} state format {data.get('format')!r}")
        for name in self.persisted:
            if name in data:
                setattr(self, name, copy.deepcopy(data[name]))


def merge_records(platform: str, builtins: list[dict[str, Any]], fixture_items: Any, key: str,
                  build: Callable[[Mapping[str, Any]], dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Built-in items merged with fixture items by uuid, each turned into a record by `build`."""
    merged = {item["uuid"]: dict(item) for item in builtins}
    if fixture_items is not None:
        if not isinstance(fixture_items, list):
            raise ValueError(f"{platform} fixtures: {key!r} must be a list")
        for item in fixture_items:
            if not isinstance(item, Mapping) or not isinstance(item.get("uuid"), str):
                raise ValueError(f"{platform} fixtures: every item of {key!r} needs a string 'uuid'")
            merged.setdefault(item["uuid"], {}).update(item)
    return {uuid: build(item) for uuid, item in merged.items()}
