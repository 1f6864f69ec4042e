"""`apply` killed with SIGKILL in the middle of its writes: the next apply converges, nothing twice, nothing lost.

The kill comes from inside the emulators, at an exact moment: right after the k-th write has been
committed and before its answer is sent (the worst moment: the change is made and the reconciler
never learns of it). The desired state is the all-platform example without its OSG view group: a
clone whose answer was lost is by design never sent again without a person's word (see the README).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading

import pytest
import yaml

from reconciler.api import Options, reconcile
from reconciler.desired import load
from reconciler.ownership import owner_of
from reconciler.state import open_backend
from tests.integration.test_all_platforms_faults import EXAMPLE, counts, desired_file, five_platforms, wanted
from tests.support import AUTH_PATH, BIN, READ_ACTION, ansible_env

pytestmark = pytest.mark.slow
KILL_POINTS = tuple(range(1, 11))


def is_write(request) -> bool:
    action = None
    if request.method == "POST" and request.body[:1] == b"{":
        try:
            action = (request.json() or {}).get("Action")
        except Exception:  # noqa: BLE001 - any body that is not the platform's JSON is no action
            action = None
    return (request.method not in ("GET", "HEAD") and not AUTH_PATH.search(request.path)
            and not READ_ACTION.match(action or ""))


def kill_at(handles, k: int, process_of) -> threading.Event:
    """Make the emulators SIGKILL the apply right after the k-th write is committed; the event says it happened."""
    seen = [0]
    lock = threading.Lock()
    killed = threading.Event()
    for handle in handles.values():
        dispatch = handle.app.dispatch

        def counted(request, dispatch=dispatch):
            response = dispatch(request)
            if is_write(request):
                with lock:
                    seen[0] += 1
                    if seen[0] == k and not killed.is_set():
                        killed.set()
                        os.kill(process_of().pid, signal.SIGKILL)
            return response

        handle.app.dispatch = counted
    return killed


@pytest.mark.parametrize("k", KILL_POINTS)
def test_apply_killed_after_a_committed_write_is_finished_by_the_next_apply(k, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with five_platforms() as handles:
        document = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
        document["resources"].pop("osgview_vm_group")
        path = desired_file(tmp_path / "all.yml", document, {n: h for n, h in handles.items() if n != "osgview"})
        process = []
        killed = kill_at(handles, k, lambda: process[0])
        process.append(subprocess.Popen([str(BIN / "reconciler"), "apply", str(path)], stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, env=ansible_env(), cwd=str(tmp_path)))
        process[0].communicate(timeout=300)
        assert killed.is_set(), f"the apply ended before its write {k}"
        assert process[0].returncode == -signal.SIGKILL

        for handle in handles.values():
            handle.app.dispatch = type(handle.app).dispatch.__get__(handle.app)
        second = reconcile(Options([str(path)], apply=True))
        assert not second.failed, [o.as_dict() for o in second.report.outcomes if o.status != "done"]
        assert reconcile(Options([str(path)])).plan.pending == []
        expected = dict(wanted(), **{"osgview groups": 0})
        assert counts({name: handle.state() for name, handle in handles.items()}) == expected
        # converge's own state caught up too: the intent the kill left was settled, every object confirmed once
        with open_backend(None, tmp_path) as backend:
            ledger = backend.ledger(owner_of(load([str(path)])))
        assert ledger and {entry.status for entry in ledger} == {"confirmed"}
        assert len({(entry.kind, json.dumps(entry.identity)) for entry in ledger}) == len(ledger)
