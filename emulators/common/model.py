"""What the platform models share: persistence of their attributes and merging of fixtures."""

from __future__ import annotations

import copy
from abc import ABC, abstractmethod
from typing import Any, Callable, Generic, Mapping, Protocol, TypeVar

from .ids import IdSource

#: a platform's settings (a frozen dataclass of what the emulator's options decide)
SettingsT = TypeVar("SettingsT")


class SavedModel(Protocol):
    """What the framework asks of a platform's model: its state as JSON-able data, and back."""

    def export(self) -> dict[str, Any]:
        """Everything, as JSON-able data."""

    def restore(self, data: Mapping[str, Any]) -> None:
        """Replace everything with what `export` produced."""


class Store:
    """Records whose attributes named in `persisted` are saved under those names; the rules come with subclasses."""

    persisted: tuple[str, ...] = ()

    def export(self) -> dict[str, Any]:
        """The persisted attributes by name (not copied: `PersistentModel.export` copies the whole)."""
        return {name: getattr(self, name) for name in self.persisted}

    def restore(self, data: Mapping[str, Any]) -> None:
        """Replace each persisted attribute that `data` holds with a copy of it; the others are kept."""
        for name in self.persisted:
            if name in data:
                setattr(self, name, copy.deepcopy(data[name]))


class PersistentModel(Store):
    """A model whose saved state is its own `persisted` attributes plus those of the stores it is composed of."""

    platform = ""
    state_format = 1

    def stores(self) -> tuple[Store, ...]:
        """The resource families' stores the model is composed of (none for a model that holds its records)."""
        return ()

    def export(self) -> dict[str, Any]:
        """Everything, as JSON-able data (a deep copy)."""
        data = super().export()
        for store in self.stores():
            data.update(store.export())
        data["format"] = self.state_format
        return copy.deepcopy(data)

    def restore(self, data: Mapping[str, Any]) -> None:
        """Replace everything with what `export` produced."""
        if data.get("format", self.state_format) != self.state_format:
            raise ValueError(f"unsupported {self.platform} state format {data.get('format')!r}")
        super().restore(data)
        for store in self.stores():
            store.restore(data)


class PlatformModel(PersistentModel, ABC, Generic[SettingsT]):
    """A platform's model: the emulator's settings, its clock and its identifiers, and the records `load` sets
    (the built-in ones from the start)."""

    def __init__(self, settings: SettingsT, now: Callable[[], float], ids: IdSource):
        self.settings = settings
        self.now = now
        self.ids = ids
        self.load({})

    @abstractmethod
    def load(self, fixtures: Mapping[str, Any]) -> None:
        """Replace everything with the built-in objects, overridden or extended by fixtures."""


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


def expire_all(records: Mapping[str, dict[str, Any]], expires_key: str, now: float) -> None:
    """Make every record (a session, a token) expire at `now` at the latest."""
    for record in records.values():
        record[expires_key] = min(record[expires_key], now)


def drop_expired(records: dict[str, dict[str, Any]], expires_key: str, now: float) -> None:
    """Forget every record whose `expires_key` time has come."""
    for key in [key for key, record in records.items() if now >= record[expires_key]]:
        del records[key]
