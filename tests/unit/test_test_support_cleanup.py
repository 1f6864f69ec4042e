"""The test helpers leave nothing behind in the temporary directory."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.support import ROOT, run_playbook


@pytest.mark.slow
def test_a_playbook_run_without_a_workdir_removes_its_directory(tmp_path, monkeypatch):
    # A temporary root of this test's own, so another worker's playbook in flight is not counted.
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    made: list[str] = []
    real_mkdtemp = tempfile.mkdtemp

    def recording_mkdtemp(*args, **kwargs):
        made.append(real_mkdtemp(*args, **kwargs))
        return made[-1]

    monkeypatch.setattr(tempfile, "mkdtemp", recording_mkdtemp)
    run = run_playbook([{"ansible.builtin.debug": {"msg": "hello"}}])
    assert run.rc == 0 and run.results[0]["msg"] == "hello", run.output
    assert [Path(path).parent for path in made] == [tmp_path]
    assert Path(made[0]).name.startswith("converge-play-")
    assert list(tmp_path.glob("converge-play-*")) == []


def test_the_collections_link_directory_goes_with_the_process_that_made_it():
    code = "from tests.support import collections_dir; print(collections_dir())"
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    made = Path(proc.stdout.strip())
    assert proc.returncode == 0 and made.name.startswith("converge-collections-"), proc.stderr
    assert not made.exists()
