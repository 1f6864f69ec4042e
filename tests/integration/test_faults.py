"""Repeated `reconciler apply` under injected faults converges with no duplicate, on each platform."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import yaml

import emulators
from tests.support import ROOT, run_cli

pytestmark = pytest.mark.slow
MAX_RUNS = 10


def converge_under_faults(example: Path, platform: str, tmp_path: Path, seed: int) -> tuple[list[int], object]:
    """Apply an example against a faulty emulator until a plan has no changes; returns exit codes and handle."""
    handle = emulators.start(platform, port=0, fault_rate=0.4, seed=seed)
    document = yaml.safe_load(example.read_text())
    document["endpoints"] = {platform: {"url": handle.url}}
    path = tmp_path / example.name
    path.write_text(yaml.safe_dump(document))
    codes = []
    for _run in range(MAX_RUNS):
        result = run_cli(["reconciler", "apply", str(path)], cwd=tmp_path)
        assert "Traceback" not in result.stderr and "internal error" not in result.stderr, result.stderr
        codes.append(result.returncode)
        if result.returncode == 0 and "No changes." in result.stdout:
            break
    return codes, handle


def test_vsd_snapshots_converge_without_duplicates(tmp_path):
    codes, handle = converge_under_faults(ROOT / "examples" / "vsd-snapshots.yml", "vsd", tmp_path, seed=4)
    try:
        faults = [r for r in handle.requests if r.get("fault")]
        state = handle.state()
    finally:
        handle.stop()
    assert codes[-1] == 0 and len(codes) < MAX_RUNS, codes
    lost_creates = [f for f in faults if f["path"].endswith("/snapshot/create") and f["fault"].startswith("after")]
    assert lost_creates, "the seed should make a create whose answer is lost after it took effect"
    names = Counter((vm, snap["name"]) for vm, snaps in state["snapshots"].items() for snap in snaps.values())
    wanted = yaml.safe_load((ROOT / "examples" / "vsd-snapshots.yml").read_text())["resources"]["vsd_snapshot"]
    assert sum(names.values()) == len(wanted) and set(names.values()) == {1}, names
