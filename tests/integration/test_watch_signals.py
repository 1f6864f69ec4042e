"""`reconciler watch` as a process: SIGTERM in the middle of an apply ends the change in flight, skips the rest,
lets go of the lock and exits 0; the next apply converges with no duplicate (reconciler/watch/loop.py)."""

from __future__ import annotations

import json
import signal
import subprocess

import pytest

import emulators
from reconciler.state import open_backend
from tests.support import BIN, ansible_env, run_cli, writes
from tests.watch_support import OWNER, clusters_file

pytestmark = pytest.mark.slow
NAMES = [f"c{number}" for number in range(1, 7)]


def wait_for_requests(handle, holds, seconds: float = 120.0) -> None:
    """Wait, woken by each request the emulator serves, until `holds(requests)`: the watch (another process)
    got there; fails after `seconds`, a generous bound never reached when all is well."""
    assert handle.server.log.wait_for(holds, seconds), "the watch did not get there in time"


def test_sigterm_mid_apply_finishes_the_change_in_flight_and_leaves_nothing_half_done(tmp_path):
    with emulators.start("opendcp", port=0) as opendcp:
        opendcp.set_faults(latency_ms=400)  # each request takes long enough to stop between two writes
        desired = tmp_path / "desired"
        desired.mkdir()
        text = clusters_file(opendcp.url, {name: {"desc": name} for name in NAMES})
        (desired / "dcp.yml").write_text(text.replace("settings: {owner: team-a}",
                                                      "settings: {owner: team-a, concurrency: 1}"), encoding="utf-8")
        watch = subprocess.Popen([str(BIN / "reconciler"), "watch", str(desired), "--apply", "--interval", "3600"],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ansible_env())
        try:
            wait_for_requests(opendcp, lambda served: len(writes(served)) >= 1)
            watch.send_signal(signal.SIGTERM)
            out, err = watch.communicate(timeout=120)
        finally:
            watch.kill()
        assert watch.returncode == 0, out + err
        assert out.splitlines()[-1] == "stopped: the watch received SIGTERM"
        made = sorted(c["name"] for c in opendcp.state()["clusters"].values())
        assert 1 <= len(made) < len(NAMES)  # stopped in the middle
        assert all(c["desc"].endswith(f"[converge:{OWNER}]") for c in opendcp.state()["clusters"].values())
        assert "skipped because the watch received SIGTERM" in out
        with open_backend(None, desired) as backend:
            ledger = backend.ledger(OWNER)
            assert sorted(entry.identity[0] for entry in ledger) == made
            assert {entry.status for entry in ledger} == {"confirmed"}  # nothing left between intent and write
            assert [(record.outcome, record.counts["create"]) for record in backend.history(OWNER)] == [
                ("failed", len(made))]
        opendcp.set_faults(latency_ms=0)
        after = run_cli(["reconciler", "apply", "--auto-approve", "--format", "json", str(desired / "dcp.yml")])
        assert after.returncode == 0, after.stderr
        assert len(json.loads(after.stdout)["report"]["outcomes"]) == len(NAMES) - len(made)
        assert sorted(c["name"] for c in opendcp.state()["clusters"].values()) == NAMES  # each once


def test_sighup_reads_the_configuration_again_and_runs_a_cycle_at_once(tmp_path):
    with emulators.start("opendcp", port=0) as opendcp:
        desired = tmp_path / "desired"
        desired.mkdir()
        (desired / "dcp.yml").write_text(clusters_file(opendcp.url, {"web": {"desc": "shop"}}), encoding="utf-8")
        config = tmp_path / "watch.yml"
        config.write_text("interval: 3600\napply: false\n", encoding="utf-8")
        watch = subprocess.Popen([str(BIN / "reconciler"), "watch", str(desired), "--config", str(config)],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ansible_env())
        try:
            wait_for_requests(opendcp, lambda served: len(served) > 0)  # the first cycle planned: report only
            config.write_text("interval: 3600\napply: true\n", encoding="utf-8")
            watch.send_signal(signal.SIGHUP)
            wait_for_requests(opendcp, lambda served: len(writes(served)) >= 1)  # the cluster's create
            watch.send_signal(signal.SIGTERM)
            out, err = watch.communicate(timeout=120)
        finally:
            watch.kill()
        assert watch.returncode == 0, out + err
        lines = out.splitlines()
        assert lines[0].endswith("every 3600 s (reporting only)")
        assert "settings read again: every 3600 s, applying the files' changes, reporting drift" in lines
        assert [c["name"] for c in opendcp.state()["clusters"].values()] == ["web"]


def test_a_configuration_that_does_not_read_ends_the_watch_before_any_request(tmp_path):
    config = tmp_path / "watch.yml"
    config.write_text("interval: soon\napply: yes please\nself_heal: true\n", encoding="utf-8")
    (tmp_path / "desired").mkdir()
    refused = run_cli(["reconciler", "watch", str(tmp_path / "desired"), "--config", str(config), "--cycles", "1"])
    assert refused.returncode == 1
    assert refused.stderr.splitlines() == [f"{config}:1: interval: seconds, 0 or more, not 'soon'",
                                           f"{config}:2: apply: true or false, not 'yes please'"]
