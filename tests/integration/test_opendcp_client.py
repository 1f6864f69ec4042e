"""Every OpenDCP client operation against the emulator over HTTP: state after the call, exact errors, paging."""

from __future__ import annotations

import pytest
import yaml
from ansible_collections.converge.platforms.plugins.module_utils.opendcp import (
    FLOW_RUNNING,
    FLOW_STOPPED,
    FLOW_SUCCESS,
    OpenDcpClient,
    OpenDcpError,
    new_id,
)
from ansible_collections.converge.platforms.plugins.module_utils.opendcp_flows import wait_flow

import emulators
from tests.support import build_opendcp_pool

FAILING = "127.0.0.12"
ECHO = {"action": {"module": "shell", "args": "echo {{echo_word}}"}}


@pytest.fixture
def dcp(tmp_path):
    """An OpenDCP emulator whose flows take 1 s per batch; flow nodes on 127.0.0.12 fail."""
    fixtures = tmp_path / "opendcp.yml"
    fixtures.write_text(yaml.safe_dump({"failing_hosts": [FAILING]}), encoding="utf-8")
    handle = emulators.start("opendcp", port=0, fixtures_file=str(fixtures), flow_seconds=1)
    yield handle
    handle.stop()


@pytest.fixture
def client(dcp):
    """A client with small pages, so every list is read over several pages."""
    client = OpenDcpClient(dcp.url, operator="alice", page_size=2)
    yield client
    client.close()


def records(dcp, collection):
    return list(dcp.state()[collection].values())


@pytest.fixture
def pool(client):
    """A cluster, a service, an echo action with its implementation, a remote step, expand/shrink/deploy templates,
    and a pool naming them: (pool id, pool name)."""
    deploy = [{"name": "greet", "param_values": {"echo_word": "v2"}}]
    return build_opendcp_pool(client, ECHO, "front", "say hello", deploy), "fe-pool"


# --- clusters -------------------------------------------------------------------------------------
def test_clusters_create_get_update_list_delete(client, dcp):
    ids = [client.create_cluster("c%d" % n, "d", "1") for n in range(5)]
    assert sorted(c["id"] for c in client.list_clusters()) == ids
    client.update_cluster(ids[0], "c0", "changed", "2")
    assert client.get_cluster(ids[0]) == {"id": ids[0], "name": "c0", "desc": "changed", "biz": "2"}
    client.delete_cluster(ids[0])
    assert sorted(c["id"] for c in records(dcp, "clusters")) == ids[1:]
    with pytest.raises(OpenDcpError) as err:
        client.get_cluster(ids[0])
    assert str(err.value) == "GET /cluster/%d: HTTP 404: code 404: cluster in db not found" % ids[0]


def test_a_cluster_with_services_cannot_be_deleted(client, dcp):
    cluster = client.create_cluster("web", "", "1")
    client.create_service("fe", "", "", "img", cluster)
    with pytest.raises(OpenDcpError, match="code 400: service exists in this cluster"):
        client.delete_cluster(cluster)
    assert len(records(dcp, "clusters")) == 1


# --- services -------------------------------------------------------------------------------------
def test_services_create_get_update_list_delete(client, dcp):
    one, two = client.create_cluster("a", "", "1"), client.create_cluster("b", "", "1")
    ids = [client.create_service("s%d" % n, "", "java", "img:%d" % n, one) for n in range(3)]
    assert [s["id"] for s in client.list_cluster_services(one)] == ids
    client.update_service(ids[0], "s0", "moved", "php", "img:9", two)
    assert client.get_service(ids[0]) == {"id": ids[0], "name": "s0", "desc": "moved", "service_type": "php",
                                          "docker_image": "img:9", "cluster_id": two}
    assert [s["id"] for s in client.list_cluster_services(two)] == [ids[0]]
    client.delete_service(ids[1])
    assert sorted(s["id"] for s in records(dcp, "services")) == [ids[0], ids[2]]


def test_a_service_needs_its_image(client):
    cluster = client.create_cluster("a", "", "1")
    with pytest.raises(OpenDcpError, match="POST /service/create: HTTP 400: code 400: param is error!"):
        client.create_service("s", "", "", "", cluster)


# --- pools and nodes ------------------------------------------------------------------------------
def test_pools_create_get_update_list_delete(client, dcp, pool):
    pool_id, _name = pool
    service = records(dcp, "services")[0]["id"]
    extra = [client.create_pool("p%d" % n, "", 2, 3, service) for n in range(3)]
    assert sorted(p["id"] for p in client.list_pools()) == sorted([pool_id] + extra)
    assert [p["id"] for p in client.list_service_pools(service)] == [pool_id] + extra
    client.update_pool(extra[0], "p0", "new", 5, 6, service, {"expand": 1})
    got = client.get_pool(extra[0])
    assert (got["desc"], got["vm_type"], got["sd_id"], got["tasks"], got["node_count"]) == ("new", 5, 6,
                                                                                             {"expand": 1}, 0)
    client.delete_pool(extra[0])
    assert extra[0] not in [p["id"] for p in records(dcp, "pools")]


def test_nodes_add_list_search_remove(client, dcp, pool):
    pool_id, _name = pool
    added = client.add_pool_nodes(pool_id, ["127.0.0.2", "127.0.0.3", "127.0.0.4"])
    nodes = client.list_pool_nodes(pool_id)
    assert [n["id"] for n in nodes] == added and [n["ip"] for n in nodes] == ["127.0.0.2", "127.0.0.3", "127.0.0.4"]
    assert client.search_pools_by_ip(["127.0.0.2", "127.0.0.99"]) == {"127.0.0.2": pool_id, "127.0.0.99": -1}
    with pytest.raises(OpenDcpError, match="ip: 127.0.0.2 exists already"):
        client.add_pool_nodes(pool_id, ["127.0.0.2"])
    with pytest.raises(OpenDcpError, match="node exists in this pool"):
        client.delete_pool(pool_id)
    client.remove_pool_nodes(pool_id, added[:2])
    assert [n["ip"] for n in records(dcp, "nodes")] == ["127.0.0.4"]


# --- flows ----------------------------------------------------------------------------------------
def test_expand_returns_its_flow_which_adds_the_nodes_when_it_succeeds(client, dcp, pool):
    pool_id, name = pool
    flow = client.expand_pool(pool_id, name, 2)
    assert flow["task_name"] == "expand_fe-pool" and flow["state"] == FLOW_RUNNING and flow["opr_user"] == "alice"
    assert client.get_pool(pool_id)["node_count"] == 0
    done = wait_flow(client, flow, 30)
    assert done["state"] == FLOW_SUCCESS and done["Stat"][FLOW_SUCCESS] == 2
    assert len(client.list_pool_nodes(pool_id)) == 2
    messages = [entry["message"] for entry in client.task_log(flow["id"])]
    assert any("echo hi" in message for message in messages)
    detail = client.task_detail(flow["id"])
    node = detail[str(FLOW_SUCCESS)][0]
    assert "echo hi" in str(client.node_log(node["id"]))
    assert client.get_task(flow["id"])["id"] == flow["id"]


def test_a_second_expand_is_found_as_the_newer_flow(client, pool):
    pool_id, name = pool
    first = client.expand_pool(pool_id, name, 1)
    wait_flow(client, first, 30)
    second = client.expand_pool(pool_id, name, 1)
    assert second["id"] > first["id"] and second["task_name"] == first["task_name"]


def test_expand_without_a_template_fails_with_the_servers_reason(client, dcp, pool):
    service = records(dcp, "services")[0]["id"]
    bare = client.create_pool("bare", "", 1, 1, service)
    with pytest.raises(OpenDcpError, match="POST /pool/expand/%d: HTTP 400: code 400: No task id found for:expand"
                       % bare):
        client.expand_pool(bare, "bare", 1)
    assert records(dcp, "flows") == []


def test_shrink_and_deploy(client, dcp, pool):
    pool_id, name = pool
    client.add_pool_nodes(pool_id, ["127.0.0.2", "127.0.0.3"])
    client.post("/pool/deploy/%d" % pool_id, {"max_num": 1, "tag": "registry.example.invalid/fe:2"})
    deploy = client.newest_flow("deploy_" + name)
    assert deploy["task_name"] == "deploy_fe-pool" and deploy["step_len"] == 1
    wait_flow(client, deploy, 30)
    shrink = client.shrink_pool(pool_id, name, ["127.0.0.3"])
    wait_flow(client, shrink, 30)
    assert [n["ip"] for n in client.list_pool_nodes(pool_id)] == ["127.0.0.2"]


def test_a_failing_node_fails_the_wait_with_its_log(client, pool):
    pool_id, name = pool
    client.add_pool_nodes(pool_id, [FAILING])
    flow = client.create_task(records_template(client, "ship"), "rollout", [FAILING])
    with pytest.raises(OpenDcpError) as err:
        wait_flow(client, flow, 30)
    node = client.task_detail(flow["id"])["3"][0]
    assert str(err.value) == (f"flow rollout (id {flow['id']}) ended failed: 0 node(s) succeeded, 1 failed; node "
                              f"127.0.0.12 failed at step greet; flow log: node {node['id']} (127.0.0.12) step greet: "
                              "failed: host 127.0.0.12 is unreachable")
    assert client.node_log(node["id"]) == [{"greet": "<NO LOG>"}]  # the reason is only in the flow log


def records_template(client, name):
    return next(t["id"] for t in client.list_templates() if t["name"] == name)


def test_task_create_pause_start_stop(client, dcp, pool):
    pool_id, _name = pool
    client.add_pool_nodes(pool_id, ["127.0.0.2", "127.0.0.3"])
    flow = client.create_task(records_template(client, "ship"), "rollout", ["127.0.0.2", "127.0.0.3"], max_ratio=50)
    assert flow["task_name"] == "rollout" and flow["step_len"] == 1 and flow["opr_user"] == "alice"
    client.pause_task(flow["id"])
    assert client.get_task(flow["id"])["state"] == FLOW_STOPPED
    with pytest.raises(OpenDcpError, match="is not running"):
        client.pause_task(flow["id"])
    client.start_task(flow["id"])
    assert client.get_task(flow["id"])["state"] == FLOW_RUNNING
    client.stop_task(flow["id"])
    assert dcp.state()["flows"][str(flow["id"])]["state"] == FLOW_STOPPED
    with pytest.raises(OpenDcpError, match="code 400: flow not found id: 999"):
        client.start_task(999)


def test_scheduled_tasks_are_not_routed(client, pool):
    pool_id, _name = pool
    for path in ("/task/expandList/%d" % pool_id, "/task/uploadList/%d" % pool_id, "/task/saveTask"):
        with pytest.raises(OpenDcpError, match="OpenDCP has no such path \\(%s\\)" % path):
            client.post(path)


# --- templates, steps, actions, implementations ---------------------------------------------------
def test_templates_and_their_aliases(client, dcp):
    ids = [client.create_template("t1", "", [{"name": "create_vm"}]),
           new_id(client.post("/task/impl/create", {"name": "t2", "desc": "", "steps": [{"name": "return_vm"}]})),
           new_id(client.post("/action/impl/create", {"name": "t3", "desc": "", "steps": []}))]
    for path in ("/task_tpl/list", "/task/impl/list", "/action/impl/list"):
        assert sorted(t["id"] for t in client.list_all(path)) == ids
    client.update_template(ids[0], "t1", "changed", [{"name": "register", "retry": {"retry_times": 2}}])
    assert client.get_template(ids[0])["steps"] == [{"name": "register", "param_values": {},
                                                     "retry": {"retry_times": 2, "ignore_error": False}}]
    client.delete_template(ids[1])
    client.delete_template(ids[2])
    assert [t["id"] for t in records(dcp, "templates")] == [ids[0]]
    with pytest.raises(OpenDcpError, match="code 404: template in db not found"):
        client.update_template(ids[2], "t3", "", [])


def test_task_steps_list_built_ins_and_remote_steps(client, pool):
    names = [step["name"] for step in client.list_task_steps()]
    assert names[:4] == ["create_vm", "return_vm", "register", "unregister"] and "greet" in names


def test_remote_steps_and_actions(client, dcp):
    action = client.create_action("echo", "", {"echo_word": "string"})
    client.update_action(action, "echo", "print", {"echo_word": "string", "times": "integer"})
    assert client.get_action(action)["params"] == {"echo_word": "string", "times": "integer"}
    step = client.create_remote_step("greet", "", ["echo"])
    client.update_remote_step(step, "greet", "hello", ["echo", "echo"])
    assert client.get_remote_step(step) == {"id": step, "name": "greet", "desc": "hello", "actions": ["echo", "echo"]}
    assert [s["id"] for s in client.list_remote_steps()] == [step]
    assert [a["id"] for a in client.list_actions()] == [action]
    with pytest.raises(OpenDcpError, match="action is using"):
        client.delete_action(action)
    client.delete_remote_step(step)
    client.delete_action(action)
    assert records(dcp, "actions") == [] and records(dcp, "remote_steps") == []
    for call in (lambda: client.update_action(action, "echo", "", {}),
                 lambda: client.update_remote_step(step, "greet", "", [])):
        with pytest.raises(OpenDcpError, match="HTTP 404"):
            call()


def test_implementations_are_reached_by_their_actions_id(client, dcp):
    action = client.create_action("echo", "", {"echo_word": "string"})
    impl = client.create_actimpl(action, "ansible", ECHO)
    assert client.get_actimpl(action)["id"] == impl
    changed = {"action": {"module": "command", "args": "echo {{echo_word}}"}}
    client.update_actimpl(action, "ansible", changed)
    assert [i["template"] for i in client.list_actimpls()] == [changed]
    client.delete_actimpl(action)
    assert records(dcp, "actimpls") == []
    with pytest.raises(OpenDcpError, match="code 404: actimpl in db not found"):
        client.update_actimpl(action, "ansible", ECHO)


def test_an_unknown_path_is_an_error_naming_it(client):
    with pytest.raises(OpenDcpError) as err:
        client.get("/cluster/abc")
    assert err.value.status == 404 and "OpenDCP has no such path (/cluster/abc)" in str(err.value)
