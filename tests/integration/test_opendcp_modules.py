"""The OpenDCP modules and the render_action filter through ansible-playbook against the emulator."""

from __future__ import annotations

import pytest
import requests
from ansible_collections.converge.platforms.plugins.module_utils.opendcp import OpenDcpClient

import emulators
from tests.support import build_opendcp_pool, emulator_fixture, run_playbook, writes

pytestmark = pytest.mark.slow

# Ansible templates module options, so a remote-action template reaches the module through an escape
ESCAPED_ECHO = "echo {{ '{{' }}echo_word{{ '}}' }}"
ECHO = {"action": {"module": "shell", "args": "echo {{echo_word}}"}}


dcp = emulator_fixture("opendcp", "An OpenDCP emulator whose flows take 1 s per batch.", flow_seconds=1)


def play(dcp, tasks, **kwargs):
    """Run tasks with the connection taken from OPENDCP_URL and OPENDCP_OPERATOR, as a user would set them."""
    return run_playbook(tasks, env={"OPENDCP_URL": dcp.url, "OPENDCP_OPERATOR": "deployer"}, **kwargs)


def task(kind, **options):
    return {"converge.platforms.opendcp_%s" % kind: options}


def objects(dcp, collection):
    return sorted(dcp.state()[collection].values(), key=lambda item: item["id"])


FOUNDATION = [
    task("cluster", name="web", desc="web services"),
    task("service", name="fe", cluster="web", service_type="java", docker_image="registry.example.invalid/fe:1"),
    task("action", name="echo", desc="print", params={"echo_word": "string"}),
    task("actimpl", action="echo", template={"action": {"module": "shell", "args": ESCAPED_ECHO}}),
    task("remote_step", name="greet", actions=["echo"]),
    task("task_template", name="grow", steps=[{"name": "create_vm", "param_values": {"vm_type_id": 1}},
                                              {"name": "greet", "param_values": {"echo_word": "hi"}}]),
    task("task_template", name="cut", steps=[{"name": "return_vm"}]),
    task("pool", name="fe-pool", service="fe", vm_type=1, sd_id=1, tasks={"expand": "grow", "shrink": "cut"}),
]


def build(dcp):
    """The foundation made straight through the API (set-up, not under test)."""
    client = OpenDcpClient(dcp.url)
    build_opendcp_pool(client, ECHO)
    client.close()
    dcp.clear_requests()


# --- present, idempotence ---------------------------------------------------------------------------
def test_every_kind_is_created_once_then_reports_no_change(dcp):
    run = play(dcp, FOUNDATION + FOUNDATION)
    first, second = run.results[:len(FOUNDATION)], run.results[len(FOUNDATION):]
    assert [r["action"] for r in first] == ["create"] * len(FOUNDATION), run.output
    assert [r["changed"] for r in second] == [False] * len(FOUNDATION), run.output
    assert first[0]["cluster"]["name"] == "web" and first[1]["service"]["cluster"] == "web"
    assert first[2]["remote_action"]["params"] == {"echo_word": "string"}
    assert first[3]["actimpl"]["template"] == ECHO
    assert first[7]["pool"]["tasks"] == {"expand": "grow", "shrink": "cut"}
    state = dcp.state()
    cluster = objects(dcp, "clusters")[0]
    assert (cluster["name"], cluster["desc"], cluster["biz"]) == ("web", "web services", "1")
    assert objects(dcp, "services")[0]["cluster_id"] == cluster["id"]
    assert [i["template"] for i in state["actimpls"].values()] == [ECHO]
    assert objects(dcp, "remote_steps")[0]["actions"] == ["echo"]
    templates = {t["name"]: t["id"] for t in state["templates"].values()}
    assert objects(dcp, "pools")[0]["tasks"] == {"expand": templates["grow"], "shrink": templates["cut"]}


def test_pool_size_expands_with_wait_then_shrinks_and_stays(dcp):
    build(dcp)
    grow = task("pool", name="fe-pool", service="fe", size=3, wait_timeout=60)
    run = play(dcp, [grow, grow, task("pool", name="fe-pool", service="fe", size=1, wait_timeout=60)], diff=True)
    expand, again, shrink = run.results
    assert expand["action"] == "expand" and expand["pool"]["node_count"] == 3, run.output
    assert expand["diff"] == {"before": {"size": 0}, "after": {"size": 3}}
    assert again["changed"] is False
    assert shrink["action"] == "shrink" and shrink["pool"]["node_count"] == 1
    flows = objects(dcp, "flows")
    assert [(f["task_name"], f["state"], f["opr_user"]) for f in flows] == [
        ("expand_fe-pool", 2, "deployer"), ("shrink_fe-pool", 2, "deployer")]
    assert len(objects(dcp, "nodes")) == 1


def test_a_pool_of_one_node_grows_to_two_by_one_node_and_a_rerun_changes_nothing(dcp):
    # the real server answers node_count 0 on /pool/list and /pool/{id}: the nodes are counted elsewhere
    build(dcp)
    client = OpenDcpClient(dcp.url)
    client.add_pool_nodes(1, ["127.0.1.200"])
    client.close()
    grow = task("pool", name="fe-pool", service="fe", size=2, wait_timeout=60)
    first, second = play(dcp, [grow, grow]).results
    assert first["action"] == "expand" and first["pool"]["size"] == 2, first
    assert second["changed"] is False and second["action"] == "noop", second
    flows = objects(dcp, "flows")
    assert [f["task_name"] for f in flows] == ["expand_fe-pool"]
    assert [n["flow_id"] for n in dcp.state()["flow_nodes"].values()] == [flows[0]["id"]]
    assert len(objects(dcp, "nodes")) == 2


def test_a_failed_expand_is_reported_with_the_reason_from_the_flow_log(tmp_path):
    fixtures = tmp_path / "opendcp.yml"
    fixtures.write_text("failing_hosts: [127.0.0.10]\n", encoding="utf-8")  # the first host expand hands out
    handle = emulators.start("opendcp", port=0, flow_seconds=1, fixtures_file=str(fixtures))
    try:
        build(handle)
        failed = play(handle, [task("pool", name="fe-pool", service="fe", size=1, wait_timeout=60)]).results[0]
    finally:
        handle.stop()
    assert failed["failed"] is True and failed["changed"] is True
    assert "1 failed; node 127.0.0.10 failed at step greet; flow log: " in failed["msg"], failed["msg"]
    assert failed["msg"].endswith("step greet: failed: host 127.0.0.10 is unreachable")
    assert "<NO LOG>" not in failed["msg"]


#: what the real server's flow log says of an expand of one node with its VM manager unreachable (README)
VM_MANAGER_REFUSED = ('Fail to run step [create_vm]: Fail: Post "http://127.0.0.1:9/v1/cluster/1/expand/1": dial tcp '
                      "127.0.0.1:9: connect: connection refused | Run flow error： first step of create_vm all nodes "
                      "is failed")
FAILED_NODE_REFUSAL = (
    "size: pool fe-pool has 1 working node(s), short of its size 2, and 1 failed node(s) that do not count: "
    "id 2 (ip 2). No expand is started while failed nodes are in the pool: it would most likely fail the same way "
    "and leave more of them. See why the expand failed (its flow log), fix that (an unreachable VM manager, say), "
    "remove the failed node(s) (converge.platforms.opendcp_pool_nodes with state=absent and nodes [\"2\"], or "
    "POST /pool/1/remove_nodes {\"nodes\": [2]}), then run again")


@pytest.fixture
def vm_manager_down():
    """An OpenDCP emulator whose VM manager is unreachable and whose flows end at once."""
    handle = emulators.start("opendcp", port=0, flow_seconds=0, vm_manager="unreachable")
    yield handle
    handle.stop()


def test_after_a_failed_expand_a_rerun_fails_naming_the_failed_node_and_sends_no_second_expand(vm_manager_down):
    dcp = vm_manager_down
    build(dcp)
    client = OpenDcpClient(dcp.url)
    client.add_pool_nodes(1, ["127.0.30.1"])
    client.close()
    dcp.clear_requests()
    grow = task("pool", name="fe-pool", service="fe", size=2, wait_timeout=60)
    failed, again, checked = play(dcp, [grow, grow, dict(grow, check_mode=True)]).results
    assert failed["failed"] is True and failed["changed"] is True
    assert failed["msg"] == ("flow expand_fe-pool (id 1) ended failed: 0 node(s) succeeded, 1 failed; node 2 failed "
                             "at step create_vm; flow log: " + VM_MANAGER_REFUSED)
    # the failed node does not count: the rerun is not done, and says so, in check mode too
    assert again["failed"] is True and again["changed"] is False and again["msg"] == FAILED_NODE_REFUSAL
    assert checked["failed"] is True and checked["changed"] is False and checked["msg"] == FAILED_NODE_REFUSAL
    assert [r["path"] for r in writes(dcp.requests)] == ["/pool/expand/1"]
    assert [(n["id"], n["ip"], n["vm_id"], n["status"]) for n in objects(dcp, "nodes")] == [
        (1, "127.0.30.1", "", 0), (2, "2", "", 3)]

    # the remedy: the VM manager back, the failed node removed by its ip (its id), then the run expands again
    answer = requests.post(dcp.url + "/_emulator/vm_manager", json={"reachable": True}, timeout=10)
    assert answer.status_code == 200, answer.text
    removed, grown = play(dcp, [task("pool_nodes", pool="fe-pool", nodes=["2"], state="absent"), grow]).results
    assert removed["changed"] is True and removed["pool_nodes"]["nodes"] == ["127.0.30.1"], removed
    assert grown["action"] == "expand" and grown["pool"]["size"] == 2 and grown["pool"]["failed_nodes"] == [], grown
    assert [(n["ip"], n["status"]) for n in objects(dcp, "nodes")] == [("127.0.30.1", 0), ("127.0.0.11", 1)]


def test_without_wait_a_running_expand_counts_as_done(dcp):
    build(dcp)
    grow = task("pool", name="fe-pool", service="fe", size=2, wait=False)
    run = play(dcp, [grow, grow])
    first, second = run.results
    assert first["changed"] is True and first["pool"]["size"] == 2 and first["pool"]["running_flows"], run.output
    assert second["changed"] is False
    assert len([f for f in objects(dcp, "flows") if f["task_name"] == "expand_fe-pool"]) == 1


# --- check mode and diff mode -------------------------------------------------------------------------
def test_check_mode_on_an_update_and_a_resize_writes_nothing(dcp):
    build(dcp)
    run = play(dcp, [task("cluster", name="web", desc="new"),
                     task("pool", name="fe-pool", service="fe", size=2)], check=True, diff=True)
    update, resize = run.results
    assert update["changed"] is True and update["diff"] == {"before": {"desc": "web services"},
                                                            "after": {"desc": "new"}}
    assert resize["changed"] is True and resize["action"] == "expand" and resize["pool"]["size"] == 2
    assert writes(dcp.requests) == [] and dcp.state()["flows"] == {}
    assert objects(dcp, "clusters")[0]["desc"] == "web services"


def test_diff_shows_only_the_changed_fields_and_the_update_keeps_the_others(dcp):
    build(dcp)
    run = play(dcp, [task("service", name="fe", cluster="web", docker_image="registry.example.invalid/fe:2")],
               diff=True)
    result = run.results[0]
    assert result["action"] == "update" and result["diff"] == {
        "before": {"docker_image": "registry.example.invalid/fe:1"},
        "after": {"docker_image": "registry.example.invalid/fe:2"}}, run.output
    service = objects(dcp, "services")[0]
    assert (service["docker_image"], service["service_type"]) == ("registry.example.invalid/fe:2", "java")
    assert [r["path"] for r in writes(dcp.requests)] == ["/service/update/%d" % service["id"]]


# --- bad options ----------------------------------------------------------------------------------------
BAD_OPTIONS = [
    ("pool", {"name": "p", "service": "fe", "tasks": {"grow": "x"}}, "tasks.grow: unknown key 'grow'"),
    ("pool", {"name": "p", "service": "fe", "size": -2}, "size: must be at least 0, got -2"),
    ("pool", {"name": "p"}, "service: is required with state=present"),
    ("task_template", {"name": "t", "steps": [{"name": "create_vm", "retries": 2}]},
     "steps[0].retries: unknown key 'retries'"),
    ("action", {"name": "a", "params": {"w": "text"}}, "params: parameter 'w' has type 'text'"),
    ("actimpl", {"action": "echo", "template": {"action": {"args": "x"}}}, "template: an ansible template needs"),
    ("service", {"name": "fe", "cluster": "web"}, "docker_image: is required with state=present"),
    ("cluster", {"name": "web", "state": "gone"}, "value of state must be one of"),
]


def test_bad_options_fail_naming_the_option_and_write_nothing(dcp):
    run = play(dcp, [task(kind, **options) for kind, options, _message in BAD_OPTIONS])
    for result, (_kind, _options, message) in zip(run.results, BAD_OPTIONS, strict=True):
        assert result.get("failed") is True and message in result["msg"], result
    assert writes(dcp.requests) == []


def test_an_implementation_using_an_undeclared_variable_fails_before_writing(dcp):
    build(dcp)
    bad = {"action": {"module": "shell", "args": "echo {{ '{{' }}other{{ '}}' }}"}}
    result = play(dcp, [task("actimpl", action="echo", template=bad)]).results[0]
    assert result.get("failed") is True
    assert result["msg"] == "template: uses 'other' not declared by action 'echo' (declared: echo_word)"
    assert writes(dcp.requests) == [] and [i["template"] for i in objects(dcp, "actimpls")] == [ECHO]


@pytest.mark.parametrize("template, message", [
    ({"action": {"module": "{{ '{{' }} tool {{ '}}' }}", "args": ESCAPED_ECHO}},
     "template: template.action.module is '{{ tool }}': the module must be named as it is, not by a template, so "
     "that no parameter chooses what runs or how its values are quoted"),
    ({"action": {"module": "ansible.windows.win_shell", "args": ESCAPED_ECHO}},
     "template: template.action.args: '{{ echo_word }}' places a value into the command of ansible.windows.win_shell, "
     "which no quoting protects: write '{{ echo_word | verbatim }}' if the value is meant to be code"),
])
def test_an_actimpl_whose_module_is_a_placeholder_or_whose_command_no_quoting_protects_is_refused(dcp, template,
                                                                                                   message):
    client = OpenDcpClient(dcp.url)
    client.create_action("pick", "run a tool", {"tool": "string", "echo_word": "string"})
    client.close()
    dcp.clear_requests()
    result = play(dcp, [task("actimpl", action="pick", template=template)]).results[0]
    assert result.get("failed") is True and result["msg"] == message, result
    assert writes(dcp.requests) == [] and objects(dcp, "actimpls") == []


def test_a_reference_to_a_missing_object_names_the_option(dcp):
    result = play(dcp, [task("service", name="fe", cluster="nowhere", docker_image="img")]).results[0]
    assert result.get("failed") is True and result["msg"] == "cluster: no OpenDCP cluster named 'nowhere'"
    assert writes(dcp.requests) == []


@pytest.mark.parametrize("check", [False, True], ids=["run", "check-mode"])
def test_unknown_step_and_action_names_fail_naming_the_option_before_any_write(dcp, check):
    # the server answers an unknown step with an HTML 500 page and stores an unknown action without a word
    build(dcp)
    run = play(dcp, [task("task_template", name="t", steps=[{"name": "create_vm"}, {"name": "nope"},
                                                             {"name": "greet"}, {"name": "gone"}]),
                     task("remote_step", name="rs", actions=["echo", "missing"])], check=check)
    template, step = run.results
    assert template["failed"] is True and template["changed"] is False
    assert template["msg"] == ("steps: task template 't' names task steps OpenDCP does not have: 'nope', 'gone' "
                               "(known names come from /task_step/list: a built-in or a remote step)")
    assert step["failed"] is True and step["changed"] is False
    assert step["msg"] == ("actions: remote step 'rs' names a remote action OpenDCP does not have: 'missing' "
                           "(known names come from /action/list)")
    assert writes(dcp.requests) == []
    assert [t["name"] for t in objects(dcp, "templates")] == ["grow", "cut"]
    assert [r["name"] for r in objects(dcp, "remote_steps")] == ["greet"]


def test_a_refusal_of_the_server_is_reported_with_its_message(dcp):
    build(dcp)
    result = play(dcp, [task("cluster", name="web", state="absent")]).results[0]
    assert result.get("failed") is True
    assert "POST /cluster/delete/1: HTTP 400: code 400: service exists in this cluster" in result["msg"]
    assert result["status"] == 400 and result["code"] == 400
    assert len(objects(dcp, "clusters")) == 1


def test_a_bad_url_fails_naming_the_option():
    result = run_playbook([task("cluster", name="web", url="ftp://127.0.0.1:1")]).results[0]
    assert result.get("failed") is True and result["msg"].startswith("url:")


# --- absent, nodes, info, module_defaults, filter ----------------------------------------------------------
def test_absent_deletes_in_dependency_order_then_reports_no_change(dcp):
    build(dcp)
    removal = [task("pool", name="fe-pool", state="absent"),
               task("task_template", name="grow", state="absent"),
               task("remote_step", name="greet", state="absent"),
               task("actimpl", action="echo", state="absent"),
               task("action", name="echo", state="absent"),
               task("service", name="fe", state="absent"),
               task("cluster", name="web", state="absent")]
    run = play(dcp, removal + removal)
    assert [r["changed"] for r in run.results] == [True] * 7 + [False] * 7, run.output
    state = dcp.state()
    assert not any(state[c] for c in ("pools", "remote_steps", "actimpls", "actions", "services", "clusters"))
    assert [t["name"] for t in state["templates"].values()] == ["cut"]


def test_pool_nodes_add_exclusive_and_remove(dcp):
    build(dcp)
    run = play(dcp, [task("pool_nodes", pool="fe-pool", nodes=["127.0.0.21", "127.0.0.22"]),
                     task("pool_nodes", pool="fe-pool", nodes=["127.0.0.21", "127.0.0.22"]),
                     task("pool_nodes", pool="fe-pool", nodes=["127.0.0.22"], exclusive=True),
                     task("pool_nodes", pool="fe-pool", nodes=["127.0.0.22"], state="absent")], diff=True)
    add, again, exclusive, absent = run.results
    assert add["changed"] is True and again["changed"] is False, run.output
    assert exclusive["diff"] == {"before": {"nodes": ["127.0.0.21", "127.0.0.22"]}, "after": {"nodes": ["127.0.0.22"]}}
    assert absent["pool_nodes"]["nodes"] == [] and dcp.state()["nodes"] == {}


def test_info_reads_every_subset_a_pools_nodes_and_a_flow(dcp):
    build(dcp)
    client = OpenDcpClient(dcp.url)
    pool_id = objects(dcp, "pools")[0]["id"]
    client.add_pool_nodes(pool_id, ["127.0.0.21"])
    flow = client.expand_pool(pool_id, "fe-pool", 1)
    client.close()
    dcp.clear_requests()
    run = play(dcp, [{"converge.platforms.opendcp_info": {
        "gather_subset": ["clusters", "services", "pools", "task_templates", "task_steps", "remote_steps", "actions",
                          "actimpls", "flows"],
        "pool": "fe-pool", "ips": ["127.0.0.21", "127.0.0.99"], "flow_id": flow["id"]}}])
    facts = run.results[0]
    assert facts["changed"] is False, run.output
    assert [c["name"] for c in facts["clusters"]] == ["web"] and [s["name"] for s in facts["services"]] == ["fe"]
    assert sorted(t["name"] for t in facts["task_templates"]) == ["cut", "grow"]
    assert [a["params"] for a in facts["actions"]] == [{"echo_word": "string"}]
    assert facts["nodes"][0]["ip"] == "127.0.0.21"
    assert facts["pools"][0]["node_count"] >= 1  # counted through the service's pools, not /pool/list's 0
    assert facts["pools_by_ip"] == {"127.0.0.21": pool_id, "127.0.0.99": -1}
    assert facts["flow"]["task_name"] == "expand_fe-pool" and facts["flow"]["log"]
    assert facts["flows"][0]["state_name"] in ("running", "success")
    assert writes(dcp.requests) == []


def test_module_defaults_of_the_action_group_set_the_connection(dcp):
    run = run_playbook([task("cluster", name="web")],
                       module_defaults={"group/converge.platforms.opendcp": {"url": dcp.url}})
    assert run.results[0]["changed"] is True, run.output
    assert [c["name"] for c in objects(dcp, "clusters")] == ["web"]


def test_the_render_action_filter_in_a_playbook():
    template = {"action": {"module": "shell", "args": "{{ '{{' }}echo_word{{ '}}' }} twice"}}
    run = run_playbook([
        {"ansible.builtin.set_fact": {
            "rendered": "{{ template | converge.platforms.render_action({'echo_word': 'hi'}, "
                        "{'echo_word': 'string'}) }}"},
         "vars": {"template": template}},
        {"ansible.builtin.set_fact": {
            "rendered": "{{ template | converge.platforms.render_action({'echo_word': 3}, "
                        "{'echo_word': 'string'}) }}"},
         "vars": {"template": template}},
    ])
    good, bad = run.results
    assert good["ansible_facts"]["rendered"] == {"action": {"module": "shell", "args": "hi twice"}}, run.output
    assert bad.get("failed") is True and "params: echo_word must be of type string, got int" in bad["msg"]


def test_flow_created_paused_and_started_again():
    """Flows take 30 s a batch here, so each step of the play finds the flow where the one before left it."""
    dcp = emulators.start("opendcp", port=0, flow_seconds=30)
    try:
        build(dcp)
        client = OpenDcpClient(dcp.url)
        pool_id = objects(dcp, "pools")[0]["id"]
        client.add_pool_nodes(pool_id, ["127.0.0.21", "127.0.0.22"])
        client.create_template("ship", "", [{"name": "greet", "param_values": {"echo_word": "v2"}}])
        client.close()
        dcp.clear_requests()
        run = play(dcp, [
            task("flow", name="rollout", template="ship", pool="fe-pool", max_ratio=50, wait=False),
            task("flow", name="rollout", state="paused"),
            task("flow", name="rollout", state="paused"),
            task("flow", name="rollout", state="started", wait=False),
        ])
        create, pause, paused, start = run.results
        assert create["action"] == "create" and create["flow"]["step_len"] == 1, run.output
        assert create["flow"]["opr_user"] == "deployer" and create["flow"]["state_name"] == "running"
        assert pause["action"] == "pause" and pause["flow"]["state_name"] == "stopped"
        assert paused["changed"] is False
        assert start["action"] == "start" and start["flow"]["state_name"] == "running"
        dcp.app.advance_clock(120)
        again = play(dcp, [task("flow", name="rollout", state="started"),
                           task("flow", name="rollout", template="ship", pool="fe-pool"),
                           task("flow", name="rollout", state="stopped")])
        assert [r["changed"] for r in again.results] == [False, False, False], again.output
        assert again.results[0]["flow"]["state_name"] == "success"
        assert again.results[0]["flow"]["nodes_succeeded"] == 2
        flows = objects(dcp, "flows")
        assert [(f["task_name"], f["state"]) for f in flows] == [("rollout", 2)]
        assert [r["path"] for r in writes(dcp.requests)] == ["/task/create", "/task/pause/%d" % flows[0]["id"],
                                                             "/task/start/%d" % flows[0]["id"]]
    finally:
        dcp.stop()
