"""The test helpers leave nothing behind in the temporary directory."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.support import ROOT, run_playbook


def scratch_dirs(prefix: str) -> set[str]:
    return {path.name for path in Path(tempfile.gettempdir()).glob(prefix + "*")}


@pytest.mark.slow
def test_a_playbook_run_without_a_workdir_removes_its_directory():
    before = scratch_dirs("converge-play-")
    run = run_playbook([{"ansible.builtin.debug": {"msg": "hello"}}])
    assert run.rc == 0 and run.results[0]["msg"] == "hello", run.output
    assert scratch_dirs("converge-play-") - before == set()


def test_the_collections_link_directory_goes_with_the_process_that_made_it():
    code = "from tests.support import collections_dir; print(collections_dir())"
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    made = Path(proc.stdout.strip())
    assert proc.returncode == 0 and made.name.startswith("converge-collections-"), proc.stderr
    assert not made.exists()
