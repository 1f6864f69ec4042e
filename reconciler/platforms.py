"""The platforms the reconciler knows: where each one's client and resource specs live."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import cache
from typing import Any, Callable

MODULE_UTILS = "ansible_collections.converge.platforms.plugins.module_utils"

#: platform name -> module under module_utils holding CONNECTION_ARGUMENT_SPEC and client_from_params;
#: its resource specs are the SPECS list of module_utils/resources/<platform>.py
PLATFORM_NAMES = ("zstack", "vsd", "osgview", "migration", "opendcp")


@dataclass(frozen=True)
class Platform:
    """One platform as the reconciler uses it."""

    name: str
    connection_argument_spec: dict[str, Any]
    client_factory: Callable[[dict[str, Any]], Any]
    specs: tuple[Any, ...]


@cache
def platform(name: str) -> Platform:
    client_module = importlib.import_module(f"{MODULE_UTILS}.{name}")
    resources = importlib.import_module(f"{MODULE_UTILS}.resources.{name}")
    specs = tuple(spec for spec in resources.SPECS if spec.reconcilable)
    return Platform(name, client_module.CONNECTION_ARGUMENT_SPEC, client_module.client_from_params, specs)


@cache
def kinds() -> dict[str, Any]:
    """Every reconcilable kind: name -> ResourceSpec."""
    result = {}
    for name in PLATFORM_NAMES:
        for spec in platform(name).specs:
            result[spec.kind] = spec
    return result
