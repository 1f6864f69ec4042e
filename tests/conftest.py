"""Fixtures shared by the test suite: emulators as real HTTP servers on 127.0.0.1."""

from __future__ import annotations

import sys

import pytest

from tests.support import collections_dir

# Make `ansible_collections.converge.platforms` resolve to this checkout in-process too.
sys.path.insert(0, str(collections_dir()))

import emulators  # noqa: E402  (needs the path above)


@pytest.fixture
def zstack():
    """A fresh ZStack emulator for one test."""
    handle = emulators.start("zstack", port=0)
    yield handle
    handle.stop()


@pytest.fixture
def zstack_env(zstack):
    """Connection environment variables for the modules, pointing at the emulator."""
    return {"ZSTACK_URL": zstack.url, "ZSTACK_USERNAME": "admin", "ZSTACK_PASSWORD": "password"}
