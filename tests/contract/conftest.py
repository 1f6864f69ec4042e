"""The contract suite's fixture: an emulator of a kind's platform with a desired-state file for it."""

from __future__ import annotations

import pytest

from tests.contract.test_every_kind import Platform


@pytest.fixture
def platform_of(tmp_path, monkeypatch):
    started = []

    def start(kind, **faults):
        started.append(Platform(kind, tmp_path / f"run-{len(started)}", monkeypatch, **faults))
        return started[-1]

    yield start
    for platform in started:
        platform.stop()
