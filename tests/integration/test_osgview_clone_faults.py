"""An OSG view clone under faults: sent again only when OSG view said it did not handle it, never twice."""

from __future__ import annotations

import json

import pytest

import emulators
from reconciler.api import Options, reconcile

pytestmark = pytest.mark.slow
TEMPLATE = "7a2e9d3bac4f4a6b9d8e7f6a5b4c3d2e"


def desired(tmp_path, url: str) -> str:
    path = tmp_path / "lab.yml"
    path.write_text(f"""version: 1
endpoints:
  osgview: {{url: {url}}}
resources:
  osgview_vm_group:
    - {{gtuuid: {TEMPLATE}, marker: lab-1, method: vnc, record_file: {tmp_path / 'groups.json'}, wait: false}}
""", encoding="utf-8")
    return str(path)


def records(tmp_path) -> list:
    path = tmp_path / "groups.json"
    return json.loads(path.read_text(encoding="utf-8")).get("groups", []) if path.exists() else []


def test_a_clone_still_refused_with_503_is_not_left_pending_and_the_next_run_clones_once(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with emulators.start("osgview", port=0, fault_rate=1.0, fault_modes=["503"]) as osgview:
        path = desired(tmp_path, osgview.url)
        assert reconcile(Options([path], apply=True)).failed
        assert records(tmp_path) == []  # every send was answered 503: nothing was cloned, nothing is pending
        assert osgview.state()["groups"] == {}
        osgview.set_faults(fault_rate=0)
        assert not reconcile(Options([path], apply=True)).failed
        assert len(osgview.state()["groups"]) == 1


def test_a_clone_whose_answer_was_lost_is_never_sent_again(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with emulators.start("osgview", port=0, fault_rate=1.0, fault_modes=["truncated"]) as osgview:
        path = desired(tmp_path, osgview.url)
        assert reconcile(Options([path], apply=True)).failed
        assert len(osgview.state()["groups"]) == 1  # the clone was made; its answer never arrived whole
        osgview.set_faults(fault_rate=0)
        again = reconcile(Options([path], apply=True))
        assert again.failed and again.report.outcomes == []
        (blocked,) = again.plan.blocked
        assert "its answer was lost" in blocked.blocked.reason
        assert blocked.blocked.remedy.startswith("find the group in OSG view and give its gnuuid and server_ids")
        assert len(osgview.state()["groups"]) == 1
