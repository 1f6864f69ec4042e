"""The generated docs as tests read them: the render tool, a file's DOCUMENTATION, a platform's connection docs.

The connection options every platform shares are documented once, in plugins/doc_fragments/connection.py;
a platform's fragment holds only its own (url, credentials, extras). Every module extends both, so a test
comparing a platform's connection options with their documentation compares them with this merge.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from types import ModuleType

import yaml

from tests.support import ROOT

FRAGMENTS = "ansible_collections.converge.platforms.plugins.doc_fragments."


def render_tool() -> ModuleType:
    """tools/render_module_docs.py, imported as a module."""
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        return importlib.import_module("render_module_docs")
    finally:
        sys.path.remove(str(ROOT / "tools"))


def file_documentation(path: Path) -> dict:
    """The DOCUMENTATION block of a module or doc fragment file, as YAML reads it."""
    return yaml.safe_load(path.read_text(encoding="utf-8").split('DOCUMENTATION = r"""', 1)[1].split('"""', 1)[0])


def fragment_documentation(name: str) -> dict:
    """The DOCUMENTATION of one doc fragment, as YAML reads it."""
    return yaml.safe_load(importlib.import_module(FRAGMENTS + name).ModuleDocFragment.DOCUMENTATION)


def connection_fragment(platform: str) -> type:
    """A doc fragment class whose DOCUMENTATION is the shared fragment's options and requirements with the
    platform's own options, as ansible-doc merges them for the platform's modules."""
    shared, own = fragment_documentation("connection"), fragment_documentation(platform)
    if set(shared["options"]) & set(own["options"]):
        raise AssertionError(f"{platform}'s fragment documents a shared option again")
    merged = {"options": dict(shared["options"], **own["options"]),
              "requirements": shared.get("requirements", []) + own.get("requirements", [])}
    return type(f"{platform}ConnectionFragment", (), {"DOCUMENTATION": yaml.safe_dump(merged, sort_keys=False)})
