"""One contract, generated over every kind of every platform and run against its emulator.

For each kind, the entries come from examples/all-platforms.yml (plus a few below for kinds no example
uses), with the entries they depend on. The properties:
- a plan makes no write (it is what check mode runs) and names exactly what apply then changes;
- apply then plan is a no-op;
- a changed field shows in the plan and the diff alone;
- secrets never appear in a plan, a report or their text;
- a bad value of every constrained field is refused by validation, offline, naming the field;
- with faults injected, repeated applies converge with no duplicate object.
"""

from __future__ import annotations

import base64
import json
import os

import pytest
import yaml
from ansible_collections.converge.platforms.plugins.module_utils.http import ApiError
from ansible_collections.converge.platforms.plugins.module_utils.spec import SpecError

import emulators
from reconciler import report as reports
from reconciler.api import Options, reconcile
from reconciler.desired import DocumentError, Entry, load
from reconciler.graph import entry_graph
from reconciler.platforms import kinds
from tests.contract.platforms import contract_kinds, endpoint
from tests.support import INLINE_SECRETS, ROOT, writes

EXAMPLE = yaml.safe_load((ROOT / "examples" / "all-platforms.yml").read_text(encoding="utf-8"))["resources"]
VM = "a1d6f0bbd21f4b3c8e7a2b9c4d5e6f70"
LICENSE = base64.b64encode(json.dumps({"licenseType": "Paid", "user": "acme", "hostNum": 64}).encode()).decode()
#: entries for the kinds no example uses
EXTRA = {
    "zstack_license": [{"license": LICENSE}],
    "zstack_gc_job": [{"uuid": "4d5e6f7a8b9c4ad1e2f3a4b5c6d7e8f9", "state": "absent"}],
    "zstack_long_job": [{"name": "migrate-db", "job_name": "APIPrimaryStorageMigrateVolumeMsg",
                         "job_data": {"volumeUuid": VM}, "wait_timeout": 60}],
    "zstack_notification": [{"uuid": "0f1e2d3c4b5a49688796a5b4c3d2e1f0", "status": "Read"}],
    "opendcp_pool_nodes": [{"pool": "static-pool", "nodes": ["127.0.0.201", "127.0.0.202"]}],
    "opendcp_pool": [{"name": "static-pool", "service": "frontend", "desc": "hosts added by hand", "vm_type": 1,
                      "sd_id": 1}],
}
#: emulated time runs fast, so objects that take time (builds, flows, long jobs) get done quickly
EMULATOR_OPTIONS = {"time_scale": 50.0, "long_job_seconds": 0.5}
KINDS = contract_kinds()
FAULT_RATE = 0.3
FAULT_SEEDS = (11, 12, 13)
MAX_APPLIES = 5


def catalogue():
    """Every candidate entry: the example's and the extras, by kind."""
    result = {kind: list(items) for kind, items in EXAMPLE.items()}
    for kind, items in EXTRA.items():
        result.setdefault(kind, []).extend(items)
    return result


def entries_for(kind):
    """The entries of `kind` with every entry they depend on, as `resources:` of a document."""
    known = kinds()
    pool = [Entry(k, data, "catalogue", i) for k, items in catalogue().items() for i, data in enumerate(items)]
    graph = entry_graph(pool, known)
    wanted = {i for i, e in enumerate(pool) if e.kind == kind and (kind != "opendcp_pool" or i < len(pool))}
    if kind == "opendcp_pool":  # the pool of the example only; the static pool comes with its nodes
        wanted = {i for i, e in enumerate(pool) if e.kind == kind and e.data["name"] != "static-pool"}
    wanted = graph.closure(wanted)
    resources = {}
    for index in sorted(wanted):
        resources.setdefault(pool[index].kind, []).append(pool[index].data)
    return resources


class Platform:
    """The emulator of one kind's platform and a desired-state file pointing at it."""

    def __init__(self, kind, directory, monkeypatch, **faults):
        directory.mkdir()
        monkeypatch.chdir(directory)  # record files (OSG view) are kept per run
        self.kind = kind
        self.spec = kinds()[kind]
        self.handle = emulators.start(self.spec.platform, port=0, **EMULATOR_OPTIONS, **faults)
        self.resources = entries_for(kind)
        self.path = directory / "site.yml"
        self.write()

    def write(self):
        document = {"version": 1, "endpoints": {self.spec.platform: endpoint(self.spec.platform, self.handle.url)},
                    "settings": INLINE_SECRETS,
                    "resources": self.resources}
        self.path.write_text(yaml.safe_dump(document, sort_keys=False, allow_unicode=True), encoding="utf-8")

    def reconcile(self, apply=False):
        os.chdir(self.path.parent)
        return reconcile(Options([str(self.path)], apply=apply))

    def sizes(self):
        """How many objects each collection of the emulator holds (sessions and logs aside)."""
        state = self.handle.state()
        return {key: len(value) for key, value in state.items()
                if isinstance(value, (dict, list)) and key not in TRANSIENT_COLLECTIONS}

    def stop(self):
        self.handle.stop()


TRANSIENT_COLLECTIONS = {"sessions", "jobs", "tokens", "task_progress", "logs", "free_hosts", "host_set",
                         "reserved"}


def keys(changes):
    return sorted((c.change.kind, json.dumps(c.change.identity(), sort_keys=True, default=str), c.change.action)
                  for c in changes)


@pytest.mark.parametrize("kind", KINDS)
def test_plan_writes_nothing_and_names_what_apply_changes_then_nothing_is_left(kind, platform_of):
    platform = platform_of(kind)
    planned = platform.reconcile()
    assert writes(platform.handle.requests) == [], "a plan (what check mode runs) must not write"
    assert [c for c in planned.plan.pending if c.change.kind == kind], f"nothing planned for {kind}"
    applied = platform.reconcile(apply=True)
    assert not applied.failed, [o.as_dict() for o in applied.report.failed]
    assert keys(o.planned for o in applied.report.outcomes) == keys(planned.plan.pending)
    if platform.spec.idempotent:
        again = platform.reconcile()
        assert again.plan.pending == [], [c.as_dict() for c in again.plan.pending]


#: a field each kind can change in place, and its new value (kinds with a description change that)
MUTATIONS = {"migration_task": ("priority", 9), "opendcp_pool": ("desc", "frontend hosts, resized by hand")}
FREE_TEXT = ("desc", "description")


def mutation(kind, spec, data):
    """(field, new value) for a compared field the kind updates in place, or None."""
    if kind in MUTATIONS:
        return MUTATIONS[kind]
    for name in FREE_TEXT:
        field = spec.fields.get(name)
        if field and field.compare and field.updatable and isinstance(data.get(name), str):
            return name, data[name] + " (changed)"
    return None


@pytest.mark.parametrize("kind", KINDS)
def test_a_changed_field_is_all_the_plan_and_the_diff_show(kind, platform_of):
    platform = platform_of(kind)
    entry = platform.resources[kind][0]
    change = mutation(kind, platform.spec, entry)
    if change is None:
        pytest.skip(f"{kind} has no field that changes in place")
    name, value = change
    assert not platform.reconcile(apply=True).failed
    entry[name] = value
    platform.write()
    pending = [c for c in platform.reconcile().plan.pending if c.change.kind == kind]
    assert len(pending) == 1 and pending[0].change.action == "update"
    assert list(pending[0].change.fields) == [name]
    diff = pending[0].change.diff()
    assert set(diff["before"]) == set(diff["after"]) == {name}


SECRET_KINDS = [k for k in KINDS if kinds()[k].secret_fields()]


@pytest.mark.parametrize("kind", SECRET_KINDS)
def test_secrets_appear_in_no_plan_report_or_text(kind, platform_of):
    platform = platform_of(kind)
    secrets = [str(data[name]) for items in platform.resources.values() for data in items
               for name in kinds()[kind].secret_fields() if data.get(name)]
    assert secrets
    result = platform.reconcile(apply=True)
    texts = [json.dumps(result.as_dict(), default=str), reports.render_plan(result.plan, "text"),
             reports.render_plan(result.plan, "markdown"), reports.report_text(result.report)]
    texts += [result.redact(reports.outcome_line(o)) for o in result.report.outcomes]
    # values are quoted JSON in plans and reports; a bare word could be part of a key such as cloud_password
    assert not [secret for secret in secrets for text in texts if json.dumps(secret) in text]


def bad_values(field):
    """Values that break a field's declared constraints."""
    bad = {"ip": "999.1.1.1", "host": "999.1.1.1", "uuid": "not-a-uuid", "uuid_hex": "not-a-uuid",
           "cron": "every day", "url": "ftp:/nowhere"}
    values = []
    if field.min is not None:
        values.append(field.min - 1)
    if field.max is not None:
        values.append(field.max + 1)
    if field.format:
        values.append(bad[field.format])
    if field.type == "list":
        values = [[value] for value in values]
    return values


CONSTRAINED = [(kind, name, value) for kind in KINDS for name, field in kinds()[kind].fields.items()
               for value in bad_values(field)]


@pytest.mark.parametrize("kind, name, value", CONSTRAINED,
                         ids=[f"{k}.{n}={v!r}" for k, n, v in CONSTRAINED])
def test_a_bad_value_of_a_constrained_field_is_refused_offline(kind, name, value, tmp_path):
    resources = entries_for(kind)
    resources[kind] = [dict(resources[kind][0], **{name: value})]
    spec = kinds()[kind]
    path = tmp_path / "site.yml"
    document = {"version": 1, "endpoints": {spec.platform: {"url": "http://127.0.0.1:9"}}, "resources": resources}
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    with pytest.raises(DocumentError) as err:
        load([str(path)])
    assert any(p.startswith(f"{path}:") and f"resources.{kind}[0].{name}" in p for p in err.value.problems), \
        err.value.problems


@pytest.mark.parametrize("kind", KINDS)
def test_repeated_applies_converge_under_faults_with_no_duplicate(kind, platform_of):
    clean = platform_of(kind)
    assert not clean.reconcile(apply=True).failed
    injected = 0
    for seed in FAULT_SEEDS:
        faulty = platform_of(kind, fault_rate=FAULT_RATE, seed=seed)
        for _attempt in range(MAX_APPLIES):
            try:
                if not faulty.reconcile(apply=True).failed:
                    break
            except (DocumentError, ApiError, SpecError):
                continue  # a read that kept failing stopped the run before it wrote
        injected += len([r for r in faulty.handle.requests if r.get("fault")])
        faulty.handle.set_faults(fault_rate=0)
        if kinds()[kind].idempotent:
            assert faulty.reconcile().plan.pending == [], f"seed {seed}"
        assert faulty.sizes() == clean.sizes(), f"seed {seed}"
    assert injected, "the seeds should inject faults"
