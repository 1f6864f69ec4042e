"""Fixtures shared by the test suite: emulators as real HTTP servers on 127.0.0.1."""

from __future__ import annotations

import os
import sys

import pytest

from tests.support import collections_dir

# Make `ansible_collections.converge.platforms` resolve to this checkout in-process too.
sys.path.insert(0, str(collections_dir()))

import emulators  # noqa: E402  (needs the path above)
from tests.postgres import postgresql, postgresql_database  # noqa: E402,F401  (a real PostgreSQL: tests/postgres.py)


def pytest_configure(config):
    """The commands the tests start never read the terminal the suite was started from: `reconciler apply` asks
    for `yes` on a terminal (tests that mean to answer give it a pseudo-terminal of their own)."""
    if os.isatty(0):
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.close(devnull)


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
