"""The platforms the reconciler knows, as the collection's platform descriptors describe them.

Every name here reads `module_utils.platforms.descriptors()` when used, so a platform registered at run
time (a test's sixth platform) is known at once and forgotten once it is unregistered.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, Callable, overload

from ansible_collections.converge.platforms.plugins.module_utils import platforms as descriptors

MODULE_UTILS = descriptors.MODULE_UTILS


class PlatformNames(Sequence[str]):
    """The names of the platforms now known, in the descriptors' order (a live view, read on each use)."""

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[str]: ...

    def __getitem__(self, index: int | slice) -> str | Sequence[str]:
        return descriptors.names()[index]

    def __len__(self) -> int:
        return len(descriptors.names())

    def __iter__(self) -> Iterator[str]:
        return iter(descriptors.names())

    def __repr__(self) -> str:
        return repr(descriptors.names())


#: the platforms' names, in order: zstack, vsd, osgview, migration, opendcp (and any registered since)
PLATFORM_NAMES = PlatformNames()


@dataclass(frozen=True)
class Platform:
    """One platform as the reconciler uses it."""

    name: str
    connection_argument_spec: dict[str, Any]
    client_factory: Callable[[dict[str, Any]], Any]
    specs: tuple[Any, ...]


def platform(name: str) -> Platform:
    """The platform `name` (ValueError naming the known ones when there is none)."""
    return _platform(descriptors.descriptor(name))


@cache
def _platform(descriptor: Any) -> Platform:
    specs = tuple(spec for spec in descriptor.specs() if spec.reconcilable)
    return Platform(descriptor.name, descriptor.connection_argument_spec(), descriptor.client_factory(), specs)


def kinds() -> dict[str, Any]:
    """Every reconcilable kind of the platforms now known: name -> ResourceSpec."""
    return _kinds(descriptors.descriptors())


@cache
def _kinds(known: tuple[Any, ...]) -> dict[str, Any]:
    """The kinds of these descriptors, computed once per set of platforms."""
    result = {}
    for descriptor in known:
        for spec in _platform(descriptor).specs:
            result[spec.kind] = spec
    return result
