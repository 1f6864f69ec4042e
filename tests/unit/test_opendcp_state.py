"""The OpenDCP emulator's model without HTTP: rules, flows over a fake clock, rendering, persistence."""

from __future__ import annotations

import json

import pytest

from emulators.common.ids import IdSource
from emulators.opendcp.flows import FAILED, INIT, RUNNING, STOPPED, SUCCESS, OpenDcpModel, RenderError, render_template
from emulators.opendcp.state import OpenDcpFailure, Settings, rfc3339


class FakeClock:
    def __init__(self):
        self.value = 1_700_000_000.0

    def __call__(self):
        return self.value


@pytest.fixture
def clock():
    return FakeClock()


def model(clock, fixtures=None, flow_seconds=2.0):
    state = OpenDcpModel(Settings(flow_seconds=flow_seconds), clock, IdSource(3))
    state.load(fixtures or {})
    return state


def opt(name, ignore_error=False, **params):
    return {"name": name, "param_values": params, "retry": {"retry_times": 0, "ignore_error": ignore_error}}


def with_pool(state, steps=None, kind="expand"):
    """A cluster, service, remote step `say` and a pool whose `kind` template has `steps`."""
    state.create_cluster("web", "", "1")
    state.create_service({"name": "fe", "desc": "", "service_type": "", "docker_image": "img:1", "cluster_id": 1})
    action_id = state.create_action("echo", "", {"echo_word": "string"})
    state.create_actimpl("ansible", action_id, {"action": {"module": "shell", "args": "echo {{echo_word}}"}})
    state.create_remote_step("say", "", ["echo"])
    template_id = state.create_template("tpl", "", steps or [opt("create_vm"), opt("say", echo_word="hi")])
    return state.create_pool({"name": "p", "desc": "", "vm_type": 2, "sd_id": 5, "service_id": 1,
                              "tasks": {kind: template_id}})


def failure(call, *args):
    with pytest.raises(OpenDcpFailure) as info:
        call(*args)
    return info.value.code, info.value.msg


# --- rendering ---------------------------------------------------------------------------------------------
def test_render_template_renders_every_string_of_the_json():
    template = {"action": {"module": "shell", "args": "echo {{ word }}", "opts": ["{{ n + 1 }}", 3]}}
    assert render_template(template, {"word": "hi", "n": 1}) == {
        "action": {"module": "shell", "args": "echo hi", "opts": ["2", 3]}}


def test_render_template_refuses_undefined_names_and_unsafe_access():
    with pytest.raises(RenderError, match="UndefinedError.*word"):
        render_template({"args": "echo {{ word }}"}, {})
    with pytest.raises(RenderError, match="SecurityError"):
        render_template({"args": "{{ ''.__class__.__mro__ }}"}, {})
    with pytest.raises(RenderError, match="TemplateSyntaxError"):
        render_template({"args": "{{ oops"}, {})


def test_rfc3339_is_utc_with_seconds():
    assert rfc3339(0) == "1970-01-01T00:00:00Z"


# --- rules -------------------------------------------------------------------------------------------------
def test_updates_replace_every_field_but_the_name(clock):
    state = model(clock)
    with_pool(state)
    state.update_pool(1, {"name": "other", "vm_type": 9})
    assert {k: state.get_pool(1)[k] for k in ("name", "desc", "vm_type", "sd_id", "tasks", "service_id")} == {
        "name": "p", "desc": "", "vm_type": 9, "sd_id": 0, "tasks": {}, "service_id": 1}
    state.update_action(1, "new", {})
    assert state.get_action(1) == {"id": 1, "name": "echo", "desc": "new", "params": {}}


def test_missing_actions_steps_and_templates_update_as_a_no_op(clock):
    state = model(clock)
    state.update_action(5, "x", {})
    state.update_remote_step(5, "x", [])
    state.update_template(5, "x", [])
    assert (state.actions, state.remote_steps, state.templates) == ({}, {}, {})


def test_an_ip_belongs_to_one_pool_and_returns_to_the_free_hosts(clock):
    state = model(clock)
    with_pool(state)
    state.create_pool({"name": "q", "service_id": 1})
    state.add_nodes(1, ["127.0.0.10"])
    assert "127.0.0.10" not in state.free_hosts
    assert failure(state.add_nodes, 2, ["127.0.0.10"]) == (404, "ip: 127.0.0.10 exists already")
    assert failure(state.add_nodes, 2, ["127.0.0.20", "127.0.0.20"]) == (404, "ip: 127.0.0.20 exists already")
    state.remove_nodes(1, [1])
    assert state.free_hosts[-1] == "127.0.0.10"
    state.add_nodes(2, ["127.0.0.99"])  # a host of the built-in cloud, taken out of its free hosts
    assert "127.0.0.99" not in state.free_hosts


def test_fixtures_add_free_hosts_and_are_checked(clock):
    state = model(clock, {"free_hosts": ["127.0.1.1", "127.0.0.10"], "failing_hosts": ["127.0.0.11"]})
    assert state.free_hosts[-1] == "127.0.1.1" and state.free_hosts.count("127.0.0.10") == 1
    assert state.failing_hosts == ["127.0.0.11"]
    with pytest.raises(ValueError, match="free_hosts"):
        model(clock, {"free_hosts": "127.0.1.1"})


def test_task_steps_include_remote_steps_with_their_actions_params(clock):
    state = model(clock)
    with_pool(state)
    assert state.task_steps()[-1] == {"id": 5, "name": "say", "desc": "", "type": "remote",
                                      "params": {"echo_word": "string"}}
    assert state.step_type("create_vm") == "vm" and state.step_type("nope") is None


# --- flows over time -------------------------------------------------------------------------------------------
def test_a_flow_moves_step_by_step_then_ends(clock):
    state = model(clock)
    pool_id = with_pool(state)
    state.expand(pool_id, 2, "root")
    flow = state.flows["1"]
    nodes = [state.flow_nodes[str(i)] for i in flow["nodes"]]
    assert [n["ip"] for n in nodes] == ["127.0.0.10", "127.0.0.11"] and state.reserved == ["127.0.0.10", "127.0.0.11"]
    clock.value += 0.5
    state.advance()
    assert [n["state"] for n in nodes] == [RUNNING, RUNNING] and nodes[0]["steps"] == "create_vm"
    clock.value += 0.6
    state.advance()
    assert nodes[0]["steps"] == "say" and nodes[0]["step_index"] == 1
    clock.value += 1.0
    state.advance()
    assert flow["state"] == SUCCESS and [n["state"] for n in nodes] == [SUCCESS, SUCCESS]
    assert [n["ip"] for n in state.list_nodes(pool_id)] == ["127.0.0.10", "127.0.0.11"] and state.reserved == []


def test_ignore_error_lets_a_node_go_on(clock):
    state = model(clock, {"failing_hosts": ["127.0.0.10"]})
    pool_id = with_pool(state, [opt("create_vm"), opt("say", ignore_error=True, echo_word="x"), opt("register")])
    state.expand(pool_id, 1, "")
    clock.value += 2.1
    state.advance()
    node = state.flow_nodes["1"]
    assert node["state"] == SUCCESS
    assert state.node_log(1)[1] == {"say": "<NO LOG>"}  # the reason is in the flow log
    assert "node 1 (127.0.0.10) step say: failed: host 127.0.0.10 is unreachable" in [
        entry["message"] for entry in state.flow_log(1)]
    assert state.node_log(1)[2] == {"register": "register 127.0.0.10 in service discovery 5"}


def test_a_failing_host_fails_at_the_last_step_when_there_is_no_remote_step(clock):
    state = model(clock, {"failing_hosts": ["127.0.0.10"]})
    pool_id = with_pool(state, [opt("create_vm"), opt("register")])
    state.expand(pool_id, 1, "")
    clock.value += 2.1
    state.advance()
    assert state.flows["1"]["state"] == FAILED
    assert [list(entry) for entry in state.node_log(1)] == [["create_vm"], ["register"]]
    # its machine was made: it stays in the pool, failed, holding its host
    assert [(n["ip"], n["status"]) for n in state.list_nodes(pool_id)] == [("127.0.0.10", 3)]
    assert "127.0.0.10" not in state.free_hosts and state.reserved == []


def test_pause_keeps_progress_and_start_resumes_it(clock):
    state = model(clock)
    pool_id = with_pool(state)
    state.expand(pool_id, 1, "")
    clock.value += 1.5
    state.pause_flow(1)
    assert state.flow_nodes["1"]["state"] == STOPPED and state.flow_nodes["1"]["step_index"] == 1
    clock.value += 100
    state.advance()
    assert state.flows["1"]["progress"] == pytest.approx(1.5)
    state.start_flow(1)
    assert state.flow_nodes["1"]["state"] == INIT
    clock.value += 0.6
    state.advance()
    assert state.flows["1"]["state"] == SUCCESS


def test_a_flow_without_steps_succeeds_after_one_batch(clock):
    state = model(clock)
    pool_id = with_pool(state, [], kind="deploy")
    state.add_nodes(pool_id, ["127.0.0.2"])
    state.deploy(pool_id, 1, "img:2", "")
    clock.value += 2.0
    state.advance()
    assert state.flows["1"]["state"] == SUCCESS and state.list_nodes(pool_id)[0]["status"] == 1


def test_export_and_restore_round_trip_through_json(clock):
    state = model(clock)
    pool_id = with_pool(state)
    state.expand(pool_id, 1, "")
    clock.value += 0.5
    data = json.loads(json.dumps(state.export()))
    copy = model(clock)
    copy.restore(data)
    clock.value += 2
    copy.advance()
    assert copy.flows["1"]["state"] == SUCCESS and copy.list_nodes(pool_id)[0]["ip"] == "127.0.0.10"
    assert copy.create_cluster("next", "", "") == 2
    with pytest.raises(ValueError, match="format"):
        copy.restore({"format": 99})


def test_the_vm_manager_switch_is_kept_with_the_state(clock):
    state = OpenDcpModel(Settings(vm_manager_reachable=False), clock, IdSource(3))
    state.load({})
    assert state.vm_manager_reachable is False
    state.vm_manager_reachable = True
    copy = model(clock)
    copy.vm_manager_reachable = False
    copy.restore(json.loads(json.dumps(state.export())))
    assert copy.vm_manager_reachable is True
