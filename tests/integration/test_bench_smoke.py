"""The benchmarks run (as a smoke run with small numbers); their figures are read by people, not asserted."""

from __future__ import annotations

import subprocess
import sys

from tests.support import ROOT, ansible_env


def test_zstack_tags_benchmark_smoke_run():
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / "zstack_tags.py"), "--count", "30"],
                          capture_output=True, text=True, env=ansible_env(), timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "apply failures: 0   changes left after apply: 0" in proc.stdout
