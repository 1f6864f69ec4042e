"""mypy finds no error in reconciler/ and emulators/ (the files and settings are pyproject.toml's [tool.mypy])."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.support import ROOT


@pytest.mark.slow
def test_mypy_finds_no_error():
    # no cache: a run of the test command leaves nothing in the checkout
    command = [sys.executable, "-m", "mypy", "--no-incremental", "--cache-dir", "/dev/null"]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Success: no issues found" in result.stdout
