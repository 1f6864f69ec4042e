"""The OSG view client's envelope handling and the VM group spec's read, plan, wait and record, without HTTP."""

from __future__ import annotations

import json

import pytest
import requests
import yaml
from ansible_collections.converge.platforms.plugins.module_utils import osgview_info
from ansible_collections.converge.platforms.plugins.module_utils.http import HttpSession
from ansible_collections.converge.platforms.plugins.module_utils.osgview import (
    CONNECTION_ARGUMENT_SPEC,
    OsgViewClient,
    OsgViewError,
    client_from_params,
)
from ansible_collections.converge.platforms.plugins.module_utils.resources import osgview as resources
from ansible_collections.converge.platforms.plugins.module_utils.resources.osgview import (
    SPECS,
    GroupRecords,
    VmGroupSpec,
)
from ansible_collections.converge.platforms.plugins.module_utils.spec import CREATE, NOOP, SpecError

from tests.doc_fragments import connection_fragment
from tests.support import SteppedClock

ModuleDocFragment = connection_fragment("osgview")

URL = "http://127.0.0.1:18084"
GTUUID = "7a2e9d3bac4f4a6b9d8e7f6a5b4c3d2e"
GNUUID = "e13c89d817134ea720df5044a992fb67"
S1, S2 = "0d032181-0600-452d-a8e2-cf96a3b3f892", "1e143292-1711-463e-b3f4-d0a7c4a4e9a3"
CONSOLE = {"method": "vnc", "sysname": "Kali", "ip": "127.0.0.2", "port": "5900", "url": None}


# --- a scripted client --------------------------------------------------------------------------------------
class FakeClient:
    """Answers gperpare from a script per server: a list of 200/101/102/300/400 codes, the last one repeating."""

    base_url = URL

    def __init__(self, script=None, clone_answer=None):
        self.script = {sid: list(codes) for sid, codes in (script or {}).items()}
        self.clone_answer = clone_answer or {"gnuuid": GNUUID, "serverlist": [S1, S2], "count": 2, "if_cache": True}
        self.calls = []

    def clone(self, gtuuid, marker):
        self.calls.append(("clone", gtuuid, marker))
        return dict(self.clone_answer)

    def prepare(self, gtuuid, gnuuid, server_id):
        self.calls.append(("prepare", server_id))
        codes = self.script.get(server_id, [300])
        code = codes.pop(0) if len(codes) > 1 else codes[0]
        if code in (300, 400):
            raise OsgViewError("refused", "GET", "/osgview/gperpare", 200, code=code)
        state = {200: "active", 102: "building", 101: "error"}[code]
        return {"server_id": server_id, "state": state, "status": code, "msg": "No valid host" if code == 101 else ""}

    def start(self, gtuuid, gnuuid, server_id):
        self.calls.append(("start", server_id))
        return "ACTIVE"

    def connect(self, gnuuid, method="vnc"):
        self.calls.append(("connect", method))
        return dict(CONSOLE, method=method)


@pytest.fixture
def spec():
    return VmGroupSpec()


@pytest.fixture(autouse=True)
def no_sleep(monkeypatch):
    """Polls step a fake clock instead of sleeping; the list records the delays."""
    clock = SteppedClock()
    monkeypatch.setattr(FakeClient, "clock", clock, raising=False)
    return clock.sleeps


def desired(spec, **options):
    values = {"gtuuid": GTUUID, "marker": "websec-alice"}
    values.update(options)
    result = spec.normalize(values)
    spec.validate(result)
    return result


# --- schema and validation ------------------------------------------------------------------------------------
def test_spec_is_the_reconcilers_osgview_kind(spec):
    assert [s.kind for s in SPECS] == ["osgview_vm_group"]
    assert spec.identity == ("gtuuid", "marker")
    assert spec.states == ("present",) and spec.waits
    argument_spec = spec.argument_spec()
    assert argument_spec["method"] == {"type": "str", "default": "vnc", "choices": ["vnc", "rdp", "url"],
                                       "no_log": False}
    assert argument_spec["server_ids"]["elements"] == "str"
    assert argument_spec["wait_timeout"] == {"type": "int", "default": 600}


@pytest.mark.parametrize("options, option", [
    ({"gtuuid": " "}, "gtuuid"),
    ({"marker": ""}, "marker"),
    ({"gnuuid": " "}, "gnuuid"),
    ({"server_ids": [S1]}, "server_ids"),
    ({"gnuuid": GNUUID, "server_ids": [S1, ""]}, "server_ids[1]"),
    ({"wait_timeout": 0}, "wait_timeout"),
    ({"wait_timeout": -5}, "wait_timeout"),
    ({"method": "ssh"}, "method"),
    ({"marker": None}, "marker"),
    ({"server_ids": [["abc"]], "gnuuid": GNUUID}, "server_ids[0]"),
])
def test_bad_desired_values_name_the_option(spec, options, option):
    with pytest.raises(SpecError) as caught:
        desired(spec, **options)
    assert caught.value.option == option


# --- reading -------------------------------------------------------------------------------------------------
def test_without_gnuuid_or_record_nothing_is_read_and_the_plan_is_a_clone(spec):
    client = FakeClient()
    want = desired(spec)
    live = spec.read(client, want)
    change = spec.plan(want, live)
    assert live is None and client.calls == []
    assert change.action == CREATE
    assert change.diff() == {"before": {}, "after": {"gtuuid": GTUUID, "marker": "websec-alice"}}
    predicted = spec.predict(change)
    assert predicted["gnuuid"] is None and predicted["ready"] is False and predicted["server_ids"] == []


def test_a_named_group_is_read_vm_by_vm_and_is_a_noop(spec):
    client = FakeClient({S1: [200], S2: [200]})
    want = desired(spec, gnuuid=GNUUID, server_ids=[S1, S2], method="rdp")
    live = spec.read(client, want)
    assert live["ready"] is True and live["gnuuid"] == GNUUID and live["count"] == 2
    assert [vm["vm_status"] for vm in live["vms"]] == ["ACTIVE", "ACTIVE"]
    assert live["connection"]["method"] == "rdp"
    assert (live["gtuuid"], live["marker"], live["if_cache"]) == (GTUUID, "websec-alice", None)
    assert spec.plan(want, live).action == NOOP


def test_a_building_group_is_read_without_asking_for_its_console(spec):
    client = FakeClient({S1: [200], S2: [102]})
    live = spec.read(client, desired(spec, gnuuid=GNUUID, server_ids=[S1, S2]))
    assert live["ready"] is False and live["connection"] is None
    assert [vm["state"] for vm in live["vms"]] == ["active", "building"]
    assert ("start", S2) not in client.calls and not any(call[0] == "connect" for call in client.calls)


@pytest.mark.parametrize("code, option", [(300, "server_ids"), (400, "gnuuid")])
def test_a_named_group_that_does_not_answer_fails_naming_the_option(spec, code, option):
    client = FakeClient({S1: [code]})
    with pytest.raises(SpecError) as caught:
        spec.read(client, desired(spec, gnuuid=GNUUID, server_ids=[S1]))
    assert caught.value.option == option
    assert "code %d" % code in str(caught.value)


def test_a_named_group_needs_its_server_ids(spec):
    with pytest.raises(SpecError) as caught:
        spec.read(FakeClient(), desired(spec, gnuuid=GNUUID))
    assert caught.value.option == "server_ids"


# --- the record file -----------------------------------------------------------------------------------------
def test_create_records_the_group_and_a_later_read_finds_it(spec, tmp_path):
    record_file = str(tmp_path / "sub" / "groups.json")
    client = FakeClient({S1: [102, 200], S2: [200]})
    want = desired(spec, record_file=record_file)
    made = spec.create(client, want)
    assert made["gnuuid"] == GNUUID and made["ready"] is True and made["if_cache"] is True
    (record,) = json.loads((tmp_path / "sub" / "groups.json").read_text())["groups"]
    assert (record["url"], record["gtuuid"], record["marker"], record["gnuuid"], record["server_ids"]) == (
        URL, GTUUID, "websec-alice", GNUUID, [S1, S2])

    again = spec.read(client, want)
    assert again["gnuuid"] == GNUUID and again["if_cache"] is True
    assert spec.plan(want, again).action == NOOP
    other_marker = desired(spec, record_file=record_file, marker="websec-bob")
    assert spec.read(client, other_marker) is None


def test_a_recorded_group_that_is_gone_is_planned_as_a_clone_with_a_note(spec, tmp_path):
    records = GroupRecords(str(tmp_path / "groups.json"))
    records.save({"url": URL, "gtuuid": GTUUID, "marker": "websec-alice", "gnuuid": GNUUID, "server_ids": [S1]})
    want = desired(spec, record_file=str(tmp_path / "groups.json"))
    live = spec.read(FakeClient({S1: [400]}), want)
    change = spec.plan(want, live)
    assert change.action == CREATE and change.live is None
    assert GNUUID in change.note


def test_a_named_group_recorded_with_another_marker_fails_naming_marker(spec, tmp_path):
    records = GroupRecords(str(tmp_path / "groups.json"))
    records.save({"url": URL, "gtuuid": GTUUID, "marker": "websec-bob", "gnuuid": GNUUID, "server_ids": [S1]})
    want = desired(spec, gnuuid=GNUUID, record_file=str(tmp_path / "groups.json"))
    live = spec.read(FakeClient({S1: [200]}), want)
    assert live["marker"] == "websec-bob"
    with pytest.raises(SpecError) as caught:
        spec.plan(want, live)
    assert caught.value.option == "marker"


def test_saving_replaces_the_record_of_the_same_identity(tmp_path):
    records = GroupRecords(str(tmp_path / "groups.json"))
    records.save({"url": URL, "gtuuid": GTUUID, "marker": "m", "gnuuid": "a" * 32, "server_ids": [S1]})
    records.save({"url": URL, "gtuuid": GTUUID, "marker": "n", "gnuuid": "b" * 32, "server_ids": [S1]})
    records.save({"url": URL, "gtuuid": GTUUID, "marker": "m", "gnuuid": "c" * 32, "server_ids": [S2]})
    assert records.find(GTUUID, "m")["gnuuid"] == "c" * 32
    assert records.find_group("b" * 32)["marker"] == "n"
    assert records.find("f" * 32, "m") is None


@pytest.mark.parametrize("content", ["{not json", json.dumps({"groups": "x"}), json.dumps([1])])
def test_a_record_file_that_is_not_a_record_names_record_file(tmp_path, content):
    path = tmp_path / "groups.json"
    path.write_text(content)
    with pytest.raises(SpecError) as caught:
        GroupRecords(str(path)).find(GTUUID, "m")
    assert caught.value.option == "record_file"


# --- waiting ---------------------------------------------------------------------------------------------------
def test_settle_polls_only_building_vms_through_the_waiter(spec, no_sleep):
    client = FakeClient({S1: [200], S2: [102, 102, 102, 200]})
    want = desired(spec, gnuuid=GNUUID, server_ids=[S1, S2])
    live = spec.settle(client, want, spec.read(client, want))
    assert live["ready"] is True and live["connection"] == CONSOLE
    assert client.calls.count(("prepare", S1)) == 1
    assert client.calls.count(("prepare", S2)) == 4
    assert no_sleep == [0.05, 0.05, 0.05]  # the waiter: every 50 ms while the wait is young


def test_settle_fails_on_a_vm_in_error_with_code_101(spec):
    client = FakeClient({S1: [102, 101], S2: [200]})
    want = desired(spec)
    with pytest.raises(OsgViewError) as caught:
        spec.create(client, want)
    assert caught.value.code == 101
    assert "VM %s of group %s is in error: No valid host" % (S1, GNUUID) in str(caught.value)


def test_settle_times_out_naming_wait_timeout_and_the_group(spec, monkeypatch):
    ticks = iter(range(0, 10000, 100))
    monkeypatch.setattr(resources.time, "monotonic", lambda: next(ticks))
    client = FakeClient({S1: [102], S2: [102]})
    with pytest.raises(SpecError) as caught:
        spec.create(client, desired(spec, wait_timeout=150))
    assert caught.value.option == "wait_timeout"
    assert GNUUID in str(caught.value) and S1 in str(caught.value)


def test_without_wait_create_returns_the_building_group(spec):
    client = FakeClient({S1: [102], S2: [102]})
    made = spec.create(client, desired(spec, wait=False))
    assert made["ready"] is False and [vm["state"] for vm in made["vms"]] == ["building", "building"]
    assert client.calls == [("clone", GTUUID, "websec-alice")]


def test_groups_cannot_be_deleted(spec):
    with pytest.raises(SpecError, match="no operation to delete"):
        spec.delete(FakeClient(), {"gnuuid": GNUUID})


# --- the info gatherer ------------------------------------------------------------------------------------------
def test_info_gathers_the_group_with_its_template_first():
    facts = osgview_info.gather(FakeClient({S1: [200]}), {"gtuuid": GTUUID, "gnuuid": GNUUID, "server_ids": [S1],
                                                         "method": "url"})
    assert list(facts["vm_group"])[:2] == ["gtuuid", "gnuuid"]
    assert facts["vm_group"]["connection"]["method"] == "url"


# --- the client's envelope ---------------------------------------------------------------------------------------
class ScriptedSession(HttpSession):
    """An HttpSession whose answers are given in advance; it records what it was asked."""

    def __init__(self, *answers):
        super().__init__(URL, platform="osgview")
        self.answers = list(answers)
        self.sent = []

    def request(self, method, path, params=None, json=None, data=None, headers=None, timeout=None):
        self.sent.append((method, path, params, data))
        status, body = self.answers.pop(0)
        response = requests.Response()
        response.status_code = status
        response._content = _encode(body)
        response.request = requests.Request(method, self.url(path), params=params, data=data).prepare()
        return response


def _encode(body):
    return body.encode() if isinstance(body, str) else json.dumps(body).encode()


def test_clone_posts_a_form_and_returns_the_answer():
    http = ScriptedSession((200, {"status": 200, "gnuuid": GNUUID, "serverlist": [S1], "count": 1, "if_cache": True,
                                  "msg": ""}))
    answer = OsgViewClient(URL, http=http).clone(GTUUID, "testing")
    assert answer["gnuuid"] == GNUUID
    assert http.sent == [("POST", "/osgview/gclone", None, {"gtuuid": GTUUID, "marker": "testing"})]


def test_reads_go_by_get_and_a_string_status_is_accepted():
    http = ScriptedSession((200, {"status": "102", "msg": "building"}), (200, {"status": 200, "vm_status": "BUILD"}))
    client = OsgViewClient(URL, http=http)
    assert client.prepare(GTUUID, GNUUID, S1) == {"server_id": S1, "state": "building", "status": 102,
                                                  "msg": "building"}
    assert client.start(GTUUID, GNUUID, S1) == "BUILD"
    assert [sent[0] for sent in http.sent] == ["GET", "GET"]


def test_connect_renames_paramter_to_port():
    http = ScriptedSession((200, {"status": 200, "msg": "", "method": "rdp", "sysname": "Win", "paramter": "3389",
                                  "ip": "127.0.0.3"}))
    assert OsgViewClient(URL, http=http).connect(GNUUID, "rdp") == {
        "method": "rdp", "sysname": "Win", "ip": "127.0.0.3", "port": "3389", "url": None}
    assert http.sent[0][2] == {"gnuuid": GNUUID, "method": "rdp"}


@pytest.mark.parametrize("status", [400, 101, 300])
def test_a_failed_status_raises_naming_path_status_and_msg(status):
    http = ScriptedSession((200, {"status": status, "msg": "nope"}))
    with pytest.raises(OsgViewError) as caught:
        OsgViewClient(URL, http=http).start(GTUUID, GNUUID, S1)
    assert caught.value.code == status
    assert str(caught.value) == "GET /osgview/gstart: HTTP 200: code %d: nope" % status


@pytest.mark.parametrize("status", [400, 300])
def test_gperpare_raises_for_what_is_not_a_vm_state(status):
    http = ScriptedSession((200, {"status": status, "msg": "nope"}))
    with pytest.raises(OsgViewError) as caught:
        OsgViewClient(URL, http=http).prepare(GTUUID, GNUUID, S1)
    assert caught.value.code == status


@pytest.mark.parametrize("status, body", [(404, "<html><body>Not Found</body></html>"), (200, {"msg": "x"}),
                                          (502, "")])
def test_an_answer_without_the_envelope_raises_naming_the_path(status, body):
    http = ScriptedSession((status, body))
    with pytest.raises(OsgViewError) as caught:
        OsgViewClient(URL, http=http).connect(GNUUID)
    assert "GET /osgview/gconnent" in str(caught.value)
    assert caught.value.status == status


# --- connection options ---------------------------------------------------------------------------------------------
def test_connection_options_match_the_doc_fragment():
    documented = yaml.safe_load(ModuleDocFragment.DOCUMENTATION)["options"]
    assert set(documented) == set(CONNECTION_ARGUMENT_SPEC)
    for name, entry in CONNECTION_ARGUMENT_SPEC.items():
        doc = documented[name]
        assert doc["type"] == entry["type"]
        assert doc.get("default") == entry.get("default")
        assert doc.get("required", False) == entry.get("required", False)
        env = entry.get("fallback", (None, []))[1]
        assert all("E(%s)" % var in " ".join(doc["description"]) for var in env)


def test_client_from_params_refuses_a_bad_url():
    with pytest.raises(ValueError, match="^url: "):
        client_from_params({"url": "ftp://127.0.0.1"})
    client = client_from_params({"url": URL + "/", "validate_certs": False, "timeout": 5})
    assert client.base_url == URL and client.http.session.verify is False
