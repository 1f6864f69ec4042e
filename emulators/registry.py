"""Which platforms the emulators implement, where they live and their default ports."""

from __future__ import annotations

import importlib

from .common.app import EmulatorApp

#: platform name -> (module path, class name, default port)
PLATFORMS: dict[str, tuple[str, str, int]] = {
    "zstack": ("emulators.zstack.api", "ZStackEmulator", 18080),
    "vsd": ("emulators.vsd.api", "VsdEmulator", 18081),
    "migration": ("emulators.migration.api", "MigrationEmulator", 18082),
    "opendcp": ("emulators.opendcp.api", "OpenDcpEmulator", 18083),
    "osgview": ("emulators.osgview.api", "OsgViewEmulator", 18084),
}


def app_class(platform: str) -> type[EmulatorApp]:
    """Import and return the emulator class of a platform."""
    try:
        module_name, class_name, _port = PLATFORMS[platform]
    except KeyError:
        known = ", ".join(sorted(PLATFORMS))
        raise ValueError(f"unknown platform {platform!r}; known: {known}") from None
    return getattr(importlib.import_module(module_name), class_name)


def default_port(platform: str) -> int:
    return PLATFORMS[platform][2]
