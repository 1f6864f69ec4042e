"""`python -m bench` runs (as a smoke run with small numbers); its figures are read by people, not asserted."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.contract.platforms import platform_names
from tests.support import ROOT, ansible_env


def test_the_benchmark_runs_and_writes_every_figure(tmp_path):
    out = tmp_path / "latest.json"
    proc = subprocess.run([sys.executable, "-m", "bench", "--sizes", "100", "--smoke", "--out", str(out)],
                          capture_output=True, text=True, env=ansible_env(), cwd=str(ROOT), timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    result = json.loads(out.read_text(encoding="utf-8"))
    figures = {figure["name"]: figure for figure in result["figures"]}
    assert figures["apply: creates (each tag and its owner record)"]["extra"]["failed"] == 0
    assert figures["apply again: writes"]["value"] == 0
    assert all(figure["ratio"] is not None for figure in result["figures"] if figure["baseline"] is not None)
    assert "| plan CLI, no changes |" in proc.stdout
    mixed = figures["mixed plan, no changes: HTTP requests"]
    assert mixed["extra"]["reads_sent_again"] == {}
    assert set(mixed["extra"]["requests_per_platform"]) == set(platform_names())
    assert not any(figure["extra"].get("failed") for name, figure in figures.items() if name.startswith("reconcile"))
    assert figures["import of ZStack user tags: import, HTTP requests of reading"]["ratio"] == 1.0
    assert figures["import of the mixed estate: import, HTTP requests of reading"]["extra"]["reads_sent_again"] == {}
    # the record tags double the writes of an apply of tags; ledger-only ownership would not
    ownership = figures["ownership: apply of N tags, record tags + ledger (today) vs ledger only: POSTs"]
    assert (ownership["ratio"], ownership["extra"]["failed"]) == (2.0, 0)
    assert figures["ownership: the ledger's intent + confirm of N objects, file backend"]["value"] > 0
