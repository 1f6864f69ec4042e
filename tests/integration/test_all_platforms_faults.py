"""All five platforms faulty at once: the all-platform example converges with no duplicate object.

An OSG view clone whose answer was lost is never sent again (no read can find the group it may have
made): it converges no further, and every later plan shows it blocked with the remedy a person applies.
"""

from __future__ import annotations

import contextlib
from collections import Counter

import pytest
import yaml
from ansible_collections.converge.platforms.plugins.module_utils.http import ApiError
from ansible_collections.converge.platforms.plugins.module_utils.spec import SpecError

import emulators
from reconciler.api import Options, reconcile
from reconciler.desired import DocumentError
from tests.contract.platforms import endpoint, platform_names
from tests.support import INLINE_SECRETS, ROOT, platform_tags

pytestmark = pytest.mark.slow
EXAMPLE = ROOT / "examples" / "all-platforms.yml"
FAULT_RATE = 0.2
MAX_APPLIES = 3
SEEDS = (1, 2, 3, 4, 5)


def counts(states):
    """How many objects of each managed collection the emulators hold."""
    return {
        "zstack tags": len(platform_tags(states["zstack"]["tags"])),
        "vsd snapshots": sum(len(s) for s in states["vsd"]["snapshots"].values()),
        "osgview groups": len(states["osgview"]["groups"]),
        **{f"migration {k}": len(states["migration"][k]) for k in ("clouds", "transports", "platforms", "tasks")},
        # Packer hosts only: a vSphere platform's VMs are listed as hosts too
        "migration hosts": sum(1 for h in states["migration"]["hosts"].values() if h.get("Agent")),
        **{f"opendcp {k}": len(states["opendcp"][k]) for k in ("clusters", "services", "pools", "templates",
                                                              "remote_steps", "actions", "actimpls")},
    }


def wanted(document=None):
    """What each collection must hold once `document` (the all-platform example by default) is applied."""
    resources = (document or yaml.safe_load(EXAMPLE.read_text(encoding="utf-8")))["resources"]
    size = {kind: len(entries) for kind, entries in resources.items()}
    return {
        "zstack tags": size["zstack_system_tag"] + size["zstack_user_tag"], "vsd snapshots": size["vsd_snapshot"],
        "osgview groups": size["osgview_vm_group"], "migration clouds": size["migration_cloud_connection"],
        "migration transports": size["migration_transport_server"], "migration hosts": size["migration_source_host"],
        "migration platforms": size["migration_vsphere_platform"], "migration tasks": size["migration_task"],
        "opendcp clusters": size["opendcp_cluster"], "opendcp services": size["opendcp_service"],
        "opendcp pools": size["opendcp_pool"], "opendcp templates": size["opendcp_task_template"],
        "opendcp remote_steps": size["opendcp_remote_step"], "opendcp actions": size["opendcp_action"],
        "opendcp actimpls": size["opendcp_actimpl"],
    }


def awaits_a_person(planned, error: str | None) -> bool:
    """Whether an OSG view clone lost its answer (the apply that sent it fails, every later one refuses it) and
    so waits for a person to say what became of it."""
    return planned.change.kind == "osgview_vm_group" and "was lost" in (error or "")


def apply_once(path):
    """One `apply`; True when it applied everything but the clones whose answer was lost, which no run can."""
    try:
        result = reconcile(Options([path], apply=True))
    except (DocumentError, ApiError, SpecError):
        return False  # a run that stopped before its plan (the lock, a login refused)
    return (all(awaits_a_person(o.planned, o.error) for o in result.report.failed)
            and all(awaits_a_person(c, c.blocked.reason) for c in result.plan.blocked))


def assert_converged(handles, path, document=None) -> int:
    """With the faults off, nothing is left to do but the clones whose answer was lost, each blocked with the
    remedy; every collection holds what the files ask, a lab's group at most once (none for a lost clone, or the
    one it made), and no other. Returns how many clones are blocked."""
    plan = reconcile(Options([path])).plan
    assert plan.pending == [], [c.as_dict() for c in plan.pending]
    lost = [c for c in plan.blocked if awaits_a_person(c, c.blocked.reason)]
    assert lost == plan.blocked, [c.as_dict() for c in plan.blocked]
    assert all(c.blocked.remedy.startswith("find the group in OSG view and give its gnuuid") for c in lost)
    states = {name: handle.state() for name, handle in handles.items()}
    labs = Counter(group["marker"] for group in states["osgview"]["groups"].values())
    assert all(groups == 1 for groups in labs.values()), labs  # never a second group of one lab
    settled = {c.entry.normalized["marker"] for c in plan.changes if not c.blocked
               and c.change.kind == "osgview_vm_group"}
    assert settled <= set(labs) <= settled | {c.entry.normalized["marker"] for c in lost}
    assert dict(counts(states), **{"osgview groups": 0}) == dict(wanted(document), **{"osgview groups": 0})
    return len(lost)


@contextlib.contextmanager
def five_platforms(osgview_modes=None, **options):
    """The five emulators (OSG view's clock 50 times faster, so its builds end), stopped afterwards.

    `options` go to every `emulators.start`; `osgview_modes`, when given, are OSG view's fault modes.
    """
    handles = {}
    try:
        for name in platform_names():
            own = dict(options, fault_modes=osgview_modes) if name == "osgview" and osgview_modes else options
            handles[name] = emulators.start(name, port=0, time_scale=50.0 if name == "osgview" else 1.0, **own)
        yield handles
    finally:
        for handle in handles.values():
            handle.stop()


def desired_file(path, document, handles, **endpoint_options) -> str:
    """`document` written to `path` with an endpoint for each of `handles` (the emulators' passwords inline, which
    its settings allow); returns the path."""
    document["endpoints"] = {name: dict(endpoint(name, handle.url), **endpoint_options)
                             for name, handle in handles.items()}
    document["settings"] = dict(document.get("settings") or {}, **INLINE_SECRETS)
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return str(path)


def apply_until_done(path) -> list[bool]:
    """`apply_once` until one succeeds, at most MAX_APPLIES times; the outcome of each."""
    runs = []
    while len(runs) < MAX_APPLIES and not any(runs):
        runs.append(apply_once(path))
    return runs


def converge_under_faults(tmp_path, seed: int, modes=None) -> None:
    """Apply the all-platform example (up to MAX_APPLIES times) against five faulty emulators; assert the result."""
    with five_platforms(fault_rate=FAULT_RATE, seed=seed, fault_modes=modes) as handles:
        document = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
        path = desired_file(tmp_path / "all.yml", document, handles)
        runs = apply_until_done(path)
        faults = sum(1 for h in handles.values() for r in h.requests if r.get("fault"))
        for handle in handles.values():
            handle.set_faults(fault_rate=0)
        assert runs[-1], f"seed {seed}: not converged after {len(runs)} applies ({faults} faults injected)"
        assert faults > 0
        assert_converged(handles, path)


@pytest.mark.parametrize("seed", SEEDS)
def test_the_all_platform_example_converges_under_faults_without_duplicates(seed, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    converge_under_faults(tmp_path, seed)


@pytest.mark.parametrize("mode", ["429", "html", "truncated", "drop"])
def test_each_fault_mode_alone_still_converges_without_duplicates(mode, tmp_path, monkeypatch):
    """A 429 with Retry-After, a proxy's HTML page, an answer cut off mid-JSON, a dropped connection."""
    monkeypatch.chdir(tmp_path)
    converge_under_faults(tmp_path, 11, [mode])


def test_every_mode_mixed_still_converges_without_duplicates(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    converge_under_faults(tmp_path, 12, ["503", "drop", "504", "429", "html", "truncated"])
