"""Every example desired-state file converges: apply, then a plan with no changes, a second apply a no-op."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.support import ROOT, run_cli

pytestmark = pytest.mark.slow
EXAMPLES = sorted((ROOT / "examples").glob("*.yml"))


@pytest.mark.parametrize("example", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_example_converges_on_embedded_emulators(example, tmp_path):
    # a copy of its own: the embedded emulators keep their state beside the desired state
    example = Path(shutil.copy(example, tmp_path))
    assert run_cli(["reconciler", "validate", str(example)], cwd=tmp_path).returncode == 0
    first = run_cli(["reconciler", "plan", "--detailed-exitcode", str(example)], cwd=tmp_path)
    assert first.returncode == 2, first.stdout + first.stderr
    applied = run_cli(["reconciler", "apply", str(example)], cwd=tmp_path)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert "0 failed" in applied.stdout
    again = run_cli(["reconciler", "plan", "--detailed-exitcode", str(example)], cwd=tmp_path)
    assert again.returncode == 0, again.stdout + again.stderr
    assert again.stdout.startswith("No changes.")
