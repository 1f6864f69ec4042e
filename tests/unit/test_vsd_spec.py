"""The VSD specs, client and docs without a server: options, validation, plans, diffs, envelopes, paging."""

from __future__ import annotations

import importlib
import sys

import pytest
import yaml
from ansible_collections.converge.platforms.plugins.module_utils import vsd_info
from ansible_collections.converge.platforms.plugins.module_utils.http import TransportError
from ansible_collections.converge.platforms.plugins.module_utils.resources.vsd import (
    SPECS,
    SnapshotSpec,
    VolumeSnapshotRollbackSpec,
    snapshot_facts,
    tree_facts,
)
from ansible_collections.converge.platforms.plugins.module_utils.spec import CREATE, DELETE, NOOP, UPDATE, SpecError
from ansible_collections.converge.platforms.plugins.module_utils.vsd import (
    CONNECTION_ARGUMENT_SPEC,
    BatchError,
    VsdClient,
    VsdError,
    client_from_params,
)

from tests.doc_fragments import connection_fragment
from tests.support import ROOT, FakeHttp, FakeResponse, check_doc_fragment

ModuleDocFragment = connection_fragment("vsd")

SCOPE = {"cluster_uuid": "c1", "compute_uuid": "vm1"}


# --- a client over canned answers ------------------------------------------------------------------


def ok(data):
    return FakeResponse({"scode": 0, "desc": "", "message": "success", "message_cn": "成功", "stack": None,
                         "data": data})


def item(name, **extra):
    base = {"uuid": "u-" + name, "name": name, "compute_uuid": "vm1", "description": "", "ctime": 1, "attr": None,
            "disk_snapshot_list": [{"VolumeUuid": "vol-a", "SnapshotUuid": "s-" + name, "DiskDrive": "sda"}]}
    base.update(extra)
    return base


def paged_server(names, zero_based=False):
    """A list endpoint over `names` that pages from 1 (or from 0)."""

    def answer(method, path, params, body):
        size = int(params.get("page_size") or 0)
        number = int(params.get("page_number") or 0)
        start = (number if zero_based else max(number, 1) - 1) * size
        matching = [n for n in names if params.get("filter_name", "") in n]
        page = matching[start:start + size] if size else matching
        return ok({"list": [item(n) for n in page], "total_count": len(matching)})

    return answer


# --- client -----------------------------------------------------------------------------------------
def test_a_non_zero_scode_raises_naming_the_call_the_scode_and_both_messages():
    error = {"scode": 20006, "desc": "snapshot 'a' has 2 children", "message": "cannot delete",
             "message_cn": "不能删除", "stack": ["x"], "data": None}
    client = VsdClient("http://127.0.0.1:1", http=FakeHttp(lambda *a: FakeResponse(error)))
    with pytest.raises(VsdError) as caught:
        client.delete_snapshot(SCOPE, "a")
    text = str(caught.value)
    assert "POST /v1/compute/vsd/snapshot/delete" in text and "code 20006" in text
    assert "cannot delete" in text and "不能删除" in text and "2 children" in text
    assert caught.value.code == 20006 and caught.value.message_cn == "不能删除"


def test_an_answer_that_is_not_an_output_raises_with_its_status():
    client = VsdClient("http://127.0.0.1:1", http=FakeHttp(lambda *a: FakeResponse("Bad Gateway", 502)))
    with pytest.raises(VsdError) as caught:
        client.tree(SCOPE)
    assert "HTTP 502" in str(caught.value) and "not a VSD Output envelope" in str(caught.value)


def test_writes_send_the_compute_identifier_and_the_documented_body():
    http = FakeHttp(lambda *a: ok({}))
    client = VsdClient("http://127.0.0.1:1", http=http)
    client.create_snapshot(dict(SCOPE, compute_name="web"), "s", "d", True)
    assert http.calls[0] == ("POST", "/v1/compute/vsd/snapshot/create", {},
                             {"cluster_uuid": "c1", "compute_uuid": "vm1", "compute_name": "web", "name": "s",
                              "description": "d", "domain_memory": True})


def test_list_reads_every_page_and_stops():
    names = ["s%03d" % i for i in range(12)]
    http = FakeHttp(paged_server(names))
    items = VsdClient("http://127.0.0.1:1", page_size=5, http=http).list_snapshots(SCOPE)
    assert [i["name"] for i in items] == names
    assert [c[2]["page_number"] for c in http.calls] == [1, 2, 3]
    assert all(c[2]["page_num"] == c[2]["page_number"] for c in http.calls)


def test_list_reads_page_zero_too_when_the_server_counts_from_zero():
    names = ["s%03d" % i for i in range(7)]
    http = FakeHttp(paged_server(names, zero_based=True))
    items = VsdClient("http://127.0.0.1:1", page_size=3, http=http).list_snapshots(SCOPE)
    assert sorted(i["name"] for i in items) == names
    assert [c[2]["page_number"] for c in http.calls] == [1, 2, 0]


def test_find_snapshot_wants_an_exact_name():
    client = VsdClient("http://127.0.0.1:1", http=FakeHttp(paged_server(["web-1", "web-10"])))
    assert client.find_snapshot(SCOPE, "web-1")["name"] == "web-1"
    assert client.find_snapshot(SCOPE, "web") is None


def test_head_of_a_vm_without_snapshots_is_none():
    def answer(method, path, params, body):
        if path.endswith("/head"):
            return FakeResponse({"scode": 20004, "desc": "", "message": "not found", "message_cn": "不存在",
                                 "stack": None, "data": None})
        return ok({"tree": {"UUID": "vm1", "Parents": {"head": ""}, "Children": {"": {"Children": ["head"]}}}})

    assert VsdClient("http://127.0.0.1:1", http=FakeHttp(answer)).head(SCOPE) is None


def test_a_partly_failed_batch_raises_listing_failures_and_successes():
    batch = {"success": 1, "fail": 1, "results": [
        {"scode": 0, "message": "success", "message_cn": "成功", "desc": "",
         "data": {"VolumeUuid": "vol-a", "SnapshotUuid": "s1", "DiskDrive": "sda"}},
        {"scode": 20012, "message": "no such volume", "message_cn": "磁盘不存在", "desc": "vol-b",
         "data": {"VolumeUuid": "vol-b", "SnapshotUuid": "s2", "DiskDrive": "sdb"}}]}
    client = VsdClient("http://127.0.0.1:1", http=FakeHttp(lambda *a: ok(batch)))
    with pytest.raises(BatchError) as caught:
        client.rollback_volumes(SCOPE, [])
    text = str(caught.value)
    assert "failed for 1 of 2 volumes" in text and "vol-b (sdb)" in text and "磁盘不存在" in text
    assert "Rolled back: vol-a (sda)" in text and len(caught.value.results) == 2


def test_client_from_params_names_a_bad_url():
    with pytest.raises(ValueError, match="^url: "):
        client_from_params({"url": "127.0.0.1:18081"})
    client = client_from_params({"url": "http://127.0.0.1:18081/", "timeout": 5, "validate_certs": False})
    assert client.http.base_url == "http://127.0.0.1:18081" and client.http.session.verify is False


# --- connection options and docs --------------------------------------------------------------------------
def test_the_doc_fragment_matches_the_connection_argument_spec():
    check_doc_fragment(ModuleDocFragment.DOCUMENTATION, CONNECTION_ARGUMENT_SPEC)
    assert CONNECTION_ARGUMENT_SPEC["url"]["fallback"][1] == ["VSD_URL"]
    assert CONNECTION_ARGUMENT_SPEC["validate_certs"]["fallback"][1] == ["VSD_VALIDATE_CERTS"]


@pytest.mark.parametrize("module", ["vsd_snapshot", "vsd_volume_snapshot_rollback", "vsd_snapshot_info"])
def test_module_documentation_is_rendered_from_the_spec(module):
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        render = importlib.import_module("render_module_docs")
    finally:
        sys.path.remove(str(ROOT / "tools"))
    text = (ROOT / "plugins" / "modules" / f"{module}.py").read_text(encoding="utf-8")
    assert render.documentation(module, render.MODULES[module]) in text
    for section in ("EXAMPLES", "RETURN"):
        block = text.split(f'{section} = r"""', 1)[1].split('"""', 1)[0]
        assert yaml.safe_load(block)


def test_the_reconciler_finds_the_snapshot_kind_but_not_the_rollback_action():
    from reconciler.platforms import platform

    vsd = platform("vsd")
    assert [spec.kind for spec in vsd.specs] == ["vsd_snapshot"]
    assert vsd.connection_argument_spec is CONNECTION_ARGUMENT_SPEC
    assert [spec.kind for spec in SPECS] == ["vsd_snapshot", "vsd_volume_snapshot_rollback"]


# --- SnapshotSpec ----------------------------------------------------------------------------------
def desired(**options):
    spec = SnapshotSpec()
    return spec.normalize(dict(dict(SCOPE, name="s"), **options))


def live(**extra):
    facts = snapshot_facts(item("s", description="old"))
    facts.update(cluster_uuid="c1", compute_name=None)
    facts.update(extra)
    return facts


def test_snapshot_options():
    spec = SnapshotSpec().argument_spec()
    assert spec["state"]["choices"] == ["present", "absent", "current"]
    assert spec["cluster_uuid"]["required"] and spec["name"]["required"]
    assert spec["wait"] == {"type": "bool", "default": True} and "default" not in spec["memory"]
    assert not any(entry.get("no_log") for entry in spec.values())


@pytest.mark.parametrize(("options", "option"), [
    ({"compute_uuid": None}, "compute_uuid"),
    ({"cluster_uuid": " "}, "cluster_uuid"),
    ({"name": "head"}, "name"),
    ({"name": " "}, "name"),
    ({"force": True}, "force"),
    ({"state": "rolled_back"}, "state"),
    ({"memory": "maybe"}, "memory"),
])
def test_snapshot_validation_names_the_option(options, option):
    spec = SnapshotSpec()
    with pytest.raises(SpecError) as caught:
        spec.validate(dict(desired(), **options))
    assert caught.value.option == option


def test_present_plans_create_update_and_noop():
    spec = SnapshotSpec()
    assert spec.plan(desired(description="new"), None).action == CREATE
    change = spec.plan(desired(description="new"), live())
    assert change.action == UPDATE and change.diff() == {"before": {"description": "old"},
                                                          "after": {"description": "new"}}
    assert spec.plan(desired(description="old"), live()).action == NOOP
    assert spec.plan(desired(), live()).action == NOOP


def test_create_diff_shows_the_new_snapshot():
    change = SnapshotSpec().plan(desired(description="d"), None)
    assert change.diff() == {"before": {}, "after": {"cluster_uuid": "c1", "compute_uuid": "vm1", "name": "s",
                                                     "description": "d"}}


def test_a_snapshot_cannot_gain_or_lose_memory():
    spec = SnapshotSpec()
    with pytest.raises(SpecError) as caught:
        spec.plan(desired(memory=True), live(memory=False))
    assert caught.value.option == "memory" and "gain" in caught.value.message
    with pytest.raises(SpecError):
        spec.plan(desired(memory=False), live(memory=True))


def test_current_rolls_back_unless_the_snapshot_is_the_head():
    spec = SnapshotSpec()
    assert spec.plan(desired(state="current"), live(head="s")).action == NOOP
    change = spec.plan(desired(state="current"), live(head="other"))
    assert change.action == "rollback" and change.diff() == {"before": {"head": "other"}, "after": {"head": "s"}}
    assert spec.predict(change)["head"] == "s"
    forced = spec.plan(desired(state="current", force=True), live(head="s"))
    assert forced.action == "rollback" and "force" in forced.note
    with pytest.raises(SpecError) as caught:
        spec.plan(desired(state="current"), None)
    assert caught.value.option == "name"


def test_absent_plans_a_delete_of_an_existing_snapshot_only():
    spec = SnapshotSpec()
    assert spec.plan(desired(state="absent"), live()).action == DELETE
    assert spec.plan(desired(state="absent"), None).action == NOOP


class RecordingClient:
    """A VsdClient stand-in that serves snapshots and counts listings and trees."""

    def __init__(self, names, head=""):
        self.names, self.head, self.lists, self.trees = names, head, [], 0

    def list_snapshots(self, scope, filter_name=""):
        self.lists.append((scope.get("compute_uuid"), filter_name))
        return [item(n) for n in self.names if filter_name in n]

    def find_snapshot(self, scope, name):
        return next((i for i in self.list_snapshots(scope, name) if i["name"] == name), None)

    def tree(self, scope):
        self.trees += 1
        return {"UUID": scope.get("compute_uuid"), "Parents": {"head": self.head}}


def test_read_many_lists_each_vm_once_and_reads_the_tree_only_for_rollbacks():
    spec = SnapshotSpec()
    client = RecordingClient(["a", "b"], head="b")
    wanted = [desired(name="a"), desired(name="b", state="current"), desired(name="z"),
              dict(desired(name="a"), compute_uuid="vm2")]
    found = spec.read_many(client, wanted)
    assert [f and f["name"] for f in found] == ["a", "b", None, "a"]
    assert found[1]["head"] == "b" and "head" not in found[3]
    assert client.lists == [("vm1", ""), ("vm2", "a")] and client.trees == 1


class LostRollbackClient(RecordingClient):
    """Rolls the VM back, then loses the answer (the platform did it; the client never heard)."""

    def __init__(self, names, head=""):
        super().__init__(names, head)
        self.rollbacks = []

    def rollback_snapshot(self, scope, name, domain_memory=False):
        self.rollbacks.append(name)
        self.head = name
        raise TransportError("connection reset", "POST", "/v1/compute/vsd/snapshot/rollback")


def test_a_rollback_whose_answer_is_lost_is_read_back_and_not_sent_again():
    spec = SnapshotSpec()
    client = LostRollbackClient(["a", "b"], head="b")
    wanted = desired(name="a", state="current")
    change = spec.plan(wanted, spec.read(client, wanted))
    live = spec.apply(client, change)
    assert client.rollbacks == ["a"] and live["head"] == "a"


def test_a_forced_rollback_onto_the_head_whose_answer_is_lost_is_not_sent_again():
    spec = SnapshotSpec()
    client = LostRollbackClient(["a"], head="a")
    wanted = desired(name="a", state="current", force=True)
    change = spec.plan(wanted, spec.read(client, wanted))
    with pytest.raises(TransportError):
        spec.apply(client, change)
    assert client.rollbacks == ["a"]


def test_memory_status_comes_from_attr():
    saving = snapshot_facts(item("m", attr={"domain_memory": "true", "memory_status": "saving"}))
    assert saving["memory"] is True and saving["memory_status"] == "saving"
    assert snapshot_facts(item("d"))["memory"] is False and snapshot_facts(item("d"))["memory_status"] == ""
    assert snapshot_facts(item("d"))["disk_snapshots"] == [{"volume_uuid": "vol-a", "snapshot_uuid": "s-d",
                                                             "disk_drive": "sda"}]


def test_tree_facts():
    tree = {"UUID": "vm1", "Parents": {"head": "origin", "origin": ""},
            "Children": {"": {"Children": ["origin"]}, "origin": {"Children": ["head"]}}}
    assert tree_facts(tree) == {"compute_uuid": "vm1", "head": "origin", "parents": {"head": "origin", "origin": ""},
                                "children": {"": ["origin"], "origin": ["head"]}}
    assert tree_facts({"UUID": "vm1", "Parents": {"head": ""}})["head"] is None


# --- VolumeSnapshotRollbackSpec ------------------------------------------------------------------------
def rollback_desired(**options):
    return VolumeSnapshotRollbackSpec().normalize(dict(SCOPE, **options))


@pytest.mark.parametrize(("options", "option"), [
    ({}, "snapshot"),
    ({"snapshot": "s", "disk_snapshots": [{"volume_uuid": "v", "snapshot_uuid": "x"}]}, "snapshot"),
    ({"disk_snapshots": [{"volume_uuid": "v", "snapshot_uuid": "x"}], "volumes": ["sda"]}, "volumes"),
    ({"disk_snapshots": ["vol"]}, "disk_snapshots[0]"),
    ({"disk_snapshots": [{"volume_uuid": "v"}]}, "disk_snapshots[0].snapshot_uuid"),
    ({"disk_snapshots": [{"volume_uuid": "v", "snapshot_uuid": "x", "VolumeUuid": "v"}]},
     "disk_snapshots[0].VolumeUuid"),
    ({"disk_snapshots": [{"volume_uuid": "v", "snapshot_uuid": "x"}, {"volume_uuid": ["v"], "snapshot_uuid": "x"}]},
     "disk_snapshots[1].volume_uuid"),
    ({"disk_snapshots": [{"volume_uuid": " ", "snapshot_uuid": "x"}]}, "disk_snapshots[0].volume_uuid"),
])
def test_rollback_validation_names_the_option(options, option):
    spec = VolumeSnapshotRollbackSpec()
    with pytest.raises(SpecError) as caught:
        spec.validate(rollback_desired(**options))
    assert caught.value.option == option


def test_the_declared_volume_snapshot_options_word_each_refusal_by_its_path():
    spec = VolumeSnapshotRollbackSpec()
    refusals = {}
    for item in ("vol", {"volume_uuid": "v"}, {"volume_uuid": "v", "snapshot_uuid": "x", "size": 1}):
        with pytest.raises(SpecError) as caught:
            spec.validate(rollback_desired(disk_snapshots=[item]))
        refusals[caught.value.option] = caught.value.message
    assert refusals == {"disk_snapshots[0]": "must be a mapping, got a str 'vol'",
                        "disk_snapshots[0].snapshot_uuid": "is required",
                        "disk_snapshots[0].size": "unknown key 'size' (known: disk_drive, snapshot_uuid, volume_uuid)"}
    assert spec.fields["disk_snapshots"].argument_spec()["options"]["volume_uuid"] == {
        "type": "str", "required": True, "no_log": False}


def test_rollback_targets_come_from_the_snapshot_limited_to_volumes():
    spec = VolumeSnapshotRollbackSpec()
    client = RecordingClient(["s"])
    targets = spec.read(client, rollback_desired(snapshot="s", volumes=["sda"]))["disk_snapshots"]
    assert targets == [{"volume_uuid": "vol-a", "snapshot_uuid": "s-s", "disk_drive": "sda"}]
    with pytest.raises(SpecError) as caught:
        spec.read(client, rollback_desired(snapshot="s", volumes=["sdz"]))
    assert caught.value.option == "volumes" and "sda (vol-a)" in caught.value.message


def test_rollback_always_acts_and_reports_each_volume():
    spec = VolumeSnapshotRollbackSpec()
    given = rollback_desired(disk_snapshots=[{"volume_uuid": "vol-a", "snapshot_uuid": "x"}])
    current = spec.read(RecordingClient([]), given)
    change = spec.plan(given, current)
    assert change.action == "rollback" and change.changed and "every call" in change.note
    assert spec.predict(change)["volumes"] == [{"volume_uuid": "vol-a", "snapshot_uuid": "x", "disk_drive": ""}]

    class Client:
        def rollback_volumes(self, scope, infos):
            assert infos == [{"VolumeUuid": "vol-a", "SnapshotUuid": "x", "DiskDrive": ""}]
            return {"success": 1, "fail": 0, "results": [{"scode": 0, "message": "success", "data": infos[0]}]}

    outcome = spec.apply(Client(), change)
    assert outcome["success"] == 1 and outcome["volumes"][0]["success"] is True


# --- info ---------------------------------------------------------------------------------------------
def test_info_gathers_the_chosen_subsets_and_a_named_snapshot():
    def answer(method, path, params, body):
        if path.endswith("/list"):
            return paged_server(["a", "b"])(method, path, params, body)
        if path.endswith("/get"):
            return ok(item(params["name"]))
        return ok({"tree": {"UUID": "vm1", "Parents": {"head": "b", "a": "", "b": "a"}}})

    client = VsdClient("http://127.0.0.1:1", http=FakeHttp(answer))
    facts = vsd_info.gather(client, dict(SCOPE, gather_subset=["snapshots", "tree"], name="a"))
    assert set(facts) == {"snapshots", "tree", "snapshot"}
    assert [s["name"] for s in facts["snapshots"]] == ["a", "b"] and facts["tree"]["head"] == "b"
    assert facts["snapshot"]["name"] == "a"
    with pytest.raises(SpecError):
        vsd_info.gather(client, {"cluster_uuid": "c1"})


def test_info_options():
    spec = vsd_info.argument_spec()
    assert spec["gather_subset"]["default"] == ["snapshots", "tree", "head"]
    assert spec["cluster_uuid"]["required"] is True


def _documented_options(module):
    """The module's DOCUMENTATION options with the vsd doc fragment's merged in, as ansible-doc merges them."""
    text = (ROOT / "plugins" / "modules" / f"{module}.py").read_text(encoding="utf-8")
    doc = yaml.safe_load(text.split('DOCUMENTATION = r"""', 1)[1].split('"""', 1)[0])
    assert "converge.platforms.vsd" in doc["extends_documentation_fragment"]
    options = dict(yaml.safe_load(ModuleDocFragment.DOCUMENTATION)["options"])
    options.update(doc["options"])
    return options


@pytest.mark.parametrize(("module", "own_spec"), [
    ("vsd_snapshot", lambda: SnapshotSpec().argument_spec()),
    ("vsd_volume_snapshot_rollback", lambda: VolumeSnapshotRollbackSpec().argument_spec()),
    ("vsd_snapshot_info", vsd_info.argument_spec),
])
def test_documented_options_match_the_argument_spec(module, own_spec):
    """What ansible-test validate-modules compares: names, types, defaults, required, choices, elements."""
    argument_spec = dict(CONNECTION_ARGUMENT_SPEC)
    argument_spec.update(own_spec())
    documented = _documented_options(module)
    assert set(documented) == set(argument_spec)
    for name, entry in argument_spec.items():
        doc = documented[name]
        for key, missing in (("type", "str"), ("default", None), ("required", False), ("choices", None),
                             ("elements", None)):
            assert doc.get(key, missing) == entry.get(key, missing), (module, name, key)


def test_a_delete_of_a_snapshot_with_two_children_is_refused_when_planned():
    spec = SnapshotSpec()
    with pytest.raises(SpecError) as caught:
        spec.plan(desired(state="absent"), live(children=["later", "head"]))
    assert caught.value.option == "name" and "2 children ('later', the VM's current state)" in caught.value.message
    assert spec.plan(desired(state="absent"), live(children=["head"])).action == DELETE


def test_check_mode_predicts_a_rollback_to_a_snapshot_not_created_yet():
    with pytest.raises(SpecError) as caught:
        SnapshotSpec().plan(desired(state="current"), None)
    assert caught.value.option == "name"
    change = SnapshotSpec(check_mode=True).plan(desired(state="current"), None)
    assert change.action == "rollback" and "no snapshot named 's' yet" in change.note
    assert SnapshotSpec(check_mode=True).predict(change)["head"] == "s"


def test_a_memory_rollback_to_a_disk_only_snapshot_is_refused_naming_memory():
    with pytest.raises(SpecError) as caught:
        SnapshotSpec().plan(desired(state="current", memory=True), live(head="other"))
    assert caught.value.option == "memory"
    assert SnapshotSpec().plan(desired(state="current", memory=True), live(head="other", memory=True)).changed
