"""Which platforms the emulators implement, where they live and their default ports.

All of it is read from the collection's platform descriptors (`module_utils/platforms.py`) on each use,
so a platform registered at run time has its emulator here too.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping

from ansible_collections.converge.platforms.plugins.module_utils import platforms as descriptors

from .common.app import EmulatorApp


class EmulatorTable(Mapping[str, tuple[str, str, int]]):
    """platform name -> (module path, class name, default port), a live view of the descriptors."""

    def __getitem__(self, platform: str) -> tuple[str, str, int]:
        for descriptor in descriptors.descriptors():
            if descriptor.name == platform:
                module_name, class_name = descriptor.emulator_location()
                return module_name, class_name, descriptor.port
        raise KeyError(platform)

    def __iter__(self) -> Iterator[str]:
        return iter(descriptors.names())

    def __len__(self) -> int:
        return len(descriptors.names())


#: platform name -> (module path, class name, default port)
PLATFORMS = EmulatorTable()


def app_class(platform: str) -> type[EmulatorApp]:
    """Import and return the emulator class of a platform."""
    try:
        module_name, class_name, _port = PLATFORMS[platform]
    except KeyError:
        known = ", ".join(sorted(PLATFORMS))
        raise ValueError(f"unknown platform {platform!r}; known: {known}") from None
    found: type[EmulatorApp] = getattr(importlib.import_module(module_name), class_name)
    return found


def default_port(platform: str) -> int:
    """The port a platform's emulator listens on unless told otherwise."""
    return PLATFORMS[platform][2]
