"""A platform's connection documentation as its modules get it: the shared fragment merged with its own.

The connection options every platform shares are documented once, in plugins/doc_fragments/connection.py;
a platform's fragment holds only its own (url, credentials, extras). Every module extends both, so a test
comparing a platform's connection options with their documentation compares them with this merge.
"""

from __future__ import annotations

import importlib

import yaml

FRAGMENTS = "ansible_collections.converge.platforms.plugins.doc_fragments."


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
