"""The OpenDCP specs without a server: options, validation, plans, whole-object updates, sizes, flows, docs."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import yaml
from ansible_collections.converge.platforms.plugins.module_utils import opendcp_info, opendcp_wire
from ansible_collections.converge.platforms.plugins.module_utils.http import TransportError
from ansible_collections.converge.platforms.plugins.module_utils.opendcp import CONNECTION_ARGUMENT_SPEC, OpenDcpError
from ansible_collections.converge.platforms.plugins.module_utils.opendcp_flows import failure_reason, wait_flow
from ansible_collections.converge.platforms.plugins.module_utils.opendcp_wire import pool_facts
from ansible_collections.converge.platforms.plugins.module_utils.resources.opendcp import (
    SPECS,
    ActImplSpec,
    ActionSpec,
    ClusterSpec,
    FlowSpec,
    PoolNodesSpec,
    PoolSpec,
    RemoteStepSpec,
    ServiceSpec,
    TaskTemplateSpec,
)
from ansible_collections.converge.platforms.plugins.module_utils.spec import (
    CREATE,
    DELETE,
    NOOP,
    REPLACE,
    UPDATE,
    SpecError,
)

from tests.support import ROOT, SteppedClock

MODULES = [spec.kind for spec in SPECS] + ["opendcp_info"]


class FakeClient:
    """Canned OpenDCP objects; records every write as (method name, args)."""

    def __init__(self, **objects):
        self.objects = {"clusters": [], "services": {}, "pools": [], "templates": [], "tasks": [], "nodes": {},
                        "actions": [], "actimpls": [], "remote_steps": []}
        self.objects.update(objects)
        self.writes = []
        self.clock = SteppedClock()

    #: the list calls answered with a collection of `objects` as it is
    LISTS = ("list_clusters", "list_pools", "list_templates", "list_tasks", "list_actions", "list_actimpls",
             "list_remote_steps")

    def __getattr__(self, name):
        if name in self.LISTS:
            return lambda: self.objects[name[len("list_"):]]
        if name.startswith(("create_", "update_", "delete_", "expand_", "shrink_", "add_", "remove_")):
            def write(*args):
                self.writes.append((name, args))
                return 99
            return write
        raise AttributeError(name)

    def list_cluster_services(self, cluster_id):
        return self.objects["services"].get(cluster_id, [])

    def get_service(self, service_id):
        return next((s for services in self.objects["services"].values() for s in services if s["id"] == service_id),
                    {"id": service_id, "name": "fe"})

    def pool_node_counts(self, service_id):
        return dict((pool["id"], len(self.objects["nodes"].get(pool["id"], []))) for pool in self.objects["pools"]
                    if pool.get("service_id") == service_id)

    def list_pool_nodes(self, pool_id):
        return self.objects["nodes"].get(pool_id, [])

    def get_cluster(self, cluster_id):
        return next(c for c in self.objects["clusters"] if c["id"] == cluster_id)

    def get_actimpl(self, action_id):
        return {"id": 1, "action_id": action_id, "type": "ansible", "template": {}}


def plan(spec, live=None, **options):
    desired = spec.normalize(options)
    spec.validate(desired)
    return spec.plan(desired, live)


# --- registry, options, docs --------------------------------------------------------------------------
def test_the_reconciler_knows_every_kind_and_orders_entries_by_their_references():
    from reconciler.graph import entry_graph
    from reconciler.platforms import platform

    opendcp = platform("opendcp")
    assert [spec.kind for spec in opendcp.specs] == [spec.kind for spec in SPECS][:-1] == [
        "opendcp_cluster", "opendcp_service", "opendcp_pool", "opendcp_pool_nodes", "opendcp_task_template",
        "opendcp_remote_step", "opendcp_action", "opendcp_actimpl"]
    assert SPECS[-1].kind == "opendcp_flow" and SPECS[-1].reconcilable is False
    assert opendcp.connection_argument_spec is CONNECTION_ARGUMENT_SPEC
    entries = [
        ("opendcp_pool_nodes", {"pool": "p", "nodes": ["127.0.0.5"]}),
        ("opendcp_pool", {"name": "p", "service": "s", "tasks": {"expand": "t", "shrink": 3}}),
        ("opendcp_task_template", {"name": "t", "steps": [{"name": "create_vm"}, {"name": "rs"}]}),
        ("opendcp_remote_step", {"name": "rs", "actions": ["a"]}),
        ("opendcp_actimpl", {"action": "a", "template": {}}),
        ("opendcp_action", {"name": "a"}),
        ("opendcp_service", {"name": "s", "cluster": "c"}),
        ("opendcp_cluster", {"name": "c"}),
    ]
    specs = {spec.kind: spec for spec in SPECS}
    items = [SimpleNamespace(kind=kind, data=data) for kind, data in entries]
    order = [items[i].kind for i in entry_graph(items, specs, lambda e: e.data).order()]
    for before, after in [("opendcp_cluster", "opendcp_service"), ("opendcp_service", "opendcp_pool"),
                          ("opendcp_action", "opendcp_actimpl"), ("opendcp_actimpl", "opendcp_remote_step"),
                          ("opendcp_remote_step", "opendcp_task_template"), ("opendcp_task_template", "opendcp_pool"),
                          ("opendcp_pool", "opendcp_pool_nodes")]:
        assert order.index(before) < order.index(after), (before, after, order)


def test_references_by_name_and_names_that_force_a_replacement():
    assert ServiceSpec().fields["cluster"].reference == "opendcp_cluster"
    assert PoolSpec().fields["service"].reference == "opendcp_service"
    assert PoolSpec().fields["service"].updatable is False
    assert ActImplSpec().fields["action"].reference == "opendcp_action"
    for spec in SPECS[:-1]:
        if "name" in spec.fields:
            assert spec.fields["name"].updatable is False and spec.fields["name"].required, spec.kind
    assert ActionSpec().result_key == "remote_action"  # "action" is the module's own result key


@pytest.mark.parametrize("module", MODULES)
def test_module_examples_and_return_are_yaml(module):
    text = (ROOT / "plugins" / "modules" / f"{module}.py").read_text(encoding="utf-8")
    for section in ("EXAMPLES", "RETURN"):
        block = text.split(f'{section} = r"""', 1)[1].split('"""', 1)[0]
        assert yaml.safe_load(block)


# --- validation ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(("spec", "options", "option", "message"), [
    (ClusterSpec(), {"name": " "}, "name", "must not be empty"),
    (ServiceSpec(), {"name": "fe", "cluster": "web"}, "docker_image", "is required"),
    (PoolSpec(), {"name": "p", "service": "fe", "size": -1}, "size", "must be at least 0, got -1"),
    (PoolSpec(), {"name": "p", "service": "fe", "tasks": {"grow": "t"}}, "tasks.grow",
     "unknown key 'grow' (known: deploy, expand, shrink)"),
    (PoolSpec(), {"name": "p", "service": "fe", "tasks": {"expand": True}}, "tasks.expand",
     "must be a task template name or id, got True"),
    (PoolSpec(), {"name": "p", "service": "fe", "wait_timeout": 0}, "wait_timeout", "must be positive"),
    (PoolNodesSpec(), {"pool": "p", "nodes": ["127.0.0.5,127.0.0.6"]}, "nodes[0]", "must be an IP address"),
    (TaskTemplateSpec(), {"name": "t", "steps": [{"param_values": {}}]}, "steps[0].name", "is required"),
    (TaskTemplateSpec(), {"name": "t", "steps": [{"name": " "}]}, "steps[0].name", "must not be empty"),
    (TaskTemplateSpec(), {"name": "t", "steps": ["create_vm"]}, "steps[0]", "must be a mapping, got a str"),
    (TaskTemplateSpec(), {"name": "t", "steps": [{"name": "s", "param_values": [1]}]}, "steps[0].param_values",
     "must be a mapping, got a list"),
    (TaskTemplateSpec(), {"name": "t", "steps": [{"name": "s", "retry": {"ignore_error": "maybe"}}]},
     "steps[0].retry.ignore_error", "bool"),
    (TaskTemplateSpec(), {"name": "t", "steps": [{"name": "s", "retries": 1}]}, "steps[0].retries",
     "unknown key 'retries' (known: name, param_values, retry)"),
    (TaskTemplateSpec(), {"name": "t", "steps": [{"name": "s"}, {"name": "s", "retry": {"retry_times": -1}}]},
     "steps[1].retry.retry_times", "must be at least 0, got -1"),
    (RemoteStepSpec(), {"name": "s", "actions": [""]}, "actions", "is not an action name"),
    (ActionSpec(), {"name": "a", "params": {"w": "text"}}, "params", "parameter 'w' has type 'text'"),
    (ActImplSpec(), {"action": "a", "template": {"action": {"args": "x"}}}, "template", "needs action.module"),
    (ActImplSpec(), {"action": "a", "template": {"action": {"module": "shell", "args": "{{ x"}}}, "template",
     "template.action.args is not a valid Jinja2 template"),
])
def test_bad_options_are_refused_naming_the_option(spec, options, option, message):
    with pytest.raises(SpecError) as err:
        plan(spec, **options)
    assert err.value.option == option and message in str(err.value)


def test_an_implementation_of_another_type_needs_no_ansible_module():
    assert plan(ActImplSpec(), action="a", type="script", template={"content": "echo"}).action == CREATE


# --- plans ----------------------------------------------------------------------------------------
CLUSTER = {"id": 1, "name": "web", "desc": "old", "biz": "1"}


def test_cluster_plans_create_noop_update_and_delete():
    spec = ClusterSpec()
    assert plan(spec, None, name="web").action == CREATE
    assert plan(spec, CLUSTER, name="web", desc="old").action == NOOP
    change = plan(spec, CLUSTER, name="web", desc="new")
    assert change.action == UPDATE and change.diff() == {"before": {"desc": "old"}, "after": {"desc": "new"}}
    assert plan(spec, CLUSTER, name="web", state="absent").action == DELETE
    assert plan(spec, None, name="web", state="absent").action == NOOP


def test_a_changed_name_of_an_object_found_by_id_is_a_replacement():
    spec = ClusterSpec()
    desired = spec.normalize({"name": "web2", "id": 1})
    live = spec.match([CLUSTER], desired)
    change = spec.plan(desired, live)
    assert change.action == REPLACE and change.fields == {"name": ("web", "web2")}


def test_two_objects_of_one_name_are_refused_unless_an_id_chooses():
    spec = ClusterSpec()
    twins = [CLUSTER, dict(CLUSTER, id=2)]
    with pytest.raises(SpecError, match="^name: 2 OpenDCP clusters are named 'web' \\(ids 1, 2\\)"):
        spec.match(twins, spec.normalize({"name": "web"}))
    assert spec.match(twins, spec.normalize({"name": "web", "id": 2}))["id"] == 2


def test_a_service_of_a_shared_name_is_the_one_in_its_cluster():
    client = FakeClient(clusters=[{"id": 1, "name": "a"}, {"id": 2, "name": "b"}],
                        services={1: [{"id": 5, "name": "fe", "cluster_id": 1, "docker_image": "i"}],
                                  2: [{"id": 6, "name": "fe", "cluster_id": 2, "docker_image": "i"}]})
    spec = ServiceSpec()
    live = spec.read(client, spec.normalize({"name": "fe", "cluster": "b", "docker_image": "i"}))
    assert live["id"] == 6 and live["cluster"] == "b"


def test_moving_a_service_is_an_update_sending_the_whole_service():
    client = FakeClient(clusters=[{"id": 1, "name": "a"}, {"id": 2, "name": "b"}])
    client.get_service = lambda service_id: {"id": service_id, "name": "fe", "cluster_id": 2, "docker_image": "i"}
    spec = ServiceSpec()
    live = {"id": 5, "name": "fe", "cluster": "a", "cluster_id": 1, "desc": "keep", "service_type": "java",
            "docker_image": "i"}
    change = plan(spec, live, name="fe", cluster="b", docker_image="i")
    assert change.action == UPDATE and change.fields == {"cluster": ("a", "b")}
    spec.apply(client, change)
    assert client.writes == [("update_service", (5, "fe", "keep", "java", "i", 2))]


def test_creating_a_service_in_a_missing_cluster_names_the_option():
    with pytest.raises(SpecError, match="^cluster: no OpenDCP cluster named 'x'"):
        ServiceSpec().create(FakeClient(), {"name": "fe", "cluster": "x", "docker_image": "i"})


def test_template_steps_compare_with_their_defaults_filled_in():
    spec = TaskTemplateSpec()
    live = opendcp_wire.template_facts({"id": 1, "name": "t", "desc": "", "steps": [
        {"name": "create_vm", "param_values": {}, "retry": {"retry_times": 0, "ignore_error": False}}]})
    assert plan(spec, live, name="t", steps=[{"name": "create_vm"}]).action == NOOP
    change = plan(spec, live, name="t", steps=[{"name": "create_vm", "retry": {"retry_times": 2}}])
    assert change.action == UPDATE and list(change.fields) == ["steps"]


def test_updates_send_the_whole_object_with_live_values_where_unset():
    client = FakeClient()
    client.get_action = lambda action_id: {"id": action_id, "name": "a", "desc": "kept", "params": {"w": "integer"}}
    spec = ActionSpec()
    live = {"id": 3, "name": "a", "desc": "kept", "params": {"w": "string"}}
    spec.apply(client, plan(spec, live, name="a", params={"w": "integer"}))
    assert client.writes == [("update_action", (3, "a", "kept", {"w": "integer"}))]


def test_remote_step_action_order_matters():
    live = {"id": 1, "name": "s", "desc": "", "actions": ["a", "b"]}
    assert plan(RemoteStepSpec(), live, name="s", actions=["a", "b"]).action == NOOP
    assert plan(RemoteStepSpec(), live, name="s", actions=["b", "a"]).action == UPDATE


def test_the_document_spelling_action_of_remote_step_lists_is_read():
    assert opendcp_wire.remote_step_facts({"id": 2, "name": "s", "desc": "", "action": ["x"]})["actions"] == ["x"]


# --- pools ----------------------------------------------------------------------------------------
POOL_ITEM = {"id": 4, "name": "p", "desc": "", "vm_type": 1, "sd_id": 1, "service_id": 5,
             "tasks": {"expand": 7, "shrink": 8}, "node_count": 2}


def pool_live(flows=(), failed=(), **extra):
    item = dict(POOL_ITEM, **extra)
    return pool_facts(item, {5: "fe"}, {7: "grow", 8: "cut"}, list(flows), item["node_count"], failed_nodes=failed)


def test_pool_facts_name_the_service_and_templates_and_count_nodes_in_flight():
    flows = [{"id": 1, "task_name": "expand_p", "state": 1, "Stat": [1, 1, 1, 0, 0]},
             {"id": 2, "task_name": "shrink_p", "state": 1, "Stat": [0, 1, 0, 0, 0]},
             {"id": 3, "task_name": "expand_p", "state": 2, "Stat": [0, 0, 3, 0, 0]},
             {"id": 4, "task_name": "expand_other", "state": 1, "Stat": [5, 0, 0, 0, 0]}]
    live = pool_live(flows)
    assert live["service"] == "fe" and live["tasks"] == {"expand": "grow", "shrink": "cut"}
    assert live["task_ids"] == {"expand": 7, "shrink": 8}
    assert live["size"] == 2 + 2 - 1 and live["running_flows"] == [1, 2] and live["shrinking_flows"] == [2]


def test_pool_tasks_compare_by_template_name_or_id():
    spec = PoolSpec()
    assert plan(spec, pool_live(), name="p", service="fe", tasks={"expand": "grow", "shrink": 8}).action == NOOP
    change = plan(spec, pool_live(), name="p", service="fe", tasks={"expand": "grow"})
    assert change.action == UPDATE and list(change.fields) == ["tasks"]


def test_a_size_change_alone_is_an_expand_or_shrink_action():
    spec = PoolSpec()
    grow = plan(spec, pool_live(), name="p", service="fe", size=5)
    assert grow.action == "expand" and grow.fields == {"size": (2, 5)}
    assert grow.note == "expand by 3 node(s) through a flow"
    cut = plan(spec, pool_live(), name="p", service="fe", size=1)
    assert cut.action == "shrink" and cut.diff() == {"before": {"size": 2}, "after": {"size": 1}}
    both = plan(spec, pool_live(), name="p", service="fe", size=3, desc="new")
    assert both.action == UPDATE and set(both.fields) == {"size", "desc"}
    assert plan(spec, pool_live(), name="p", service="fe", size=2).action == NOOP


def test_a_size_change_needs_the_template_of_its_operation():
    spec = PoolSpec()
    with pytest.raises(SpecError, match="^tasks: changing size needs a task template for shrink: set tasks.shrink"):
        plan(spec, pool_live(tasks={"expand": 7}), name="p", service="fe", size=1)
    with pytest.raises(SpecError, match="^tasks: changing size needs a task template for expand"):
        plan(spec, None, name="p", service="fe", size=2)
    assert plan(spec, None, name="p", service="fe", size=2, tasks={"expand": "grow"}).action == CREATE


def test_a_different_service_replaces_the_pool():
    change = plan(PoolSpec(), pool_live(), name="p", service="other")
    assert change.action == REPLACE


def test_shrink_takes_the_newest_working_nodes_never_a_failed_one_nor_one_already_leaving():
    # status 0 (a host added by IP on the real server) and 1 are working nodes; 3 is a failed one
    statuses = {1: 0, 2: 1, 3: 0, 4: 1, 5: 3}
    nodes = [{"id": n, "ip": "127.0.0.%d" % n, "status": status} for n, status in statuses.items()]
    client = FakeClient(nodes={4: nodes})
    client.task_detail = lambda flow_id: {"1": [{"ip": "127.0.0.4"}], "2": [{"ip": "127.0.0.1"}]}
    live = dict(pool_live(), shrinking_flows=[9])
    assert PoolSpec._shrink_ips(client, live, 2) == ["127.0.0.3", "127.0.0.2"]
    assert PoolSpec._shrink_ips(client, live, 9) == ["127.0.0.3", "127.0.0.2", "127.0.0.1"]


FAILED_NODE = {"id": 6, "ip": "6"}  # a node whose create_vm failed: its ip is its id (README)


def test_failed_nodes_do_not_count_toward_a_pools_size():
    live = pool_live(failed=[FAILED_NODE, {"id": 7, "ip": "127.0.0.7"}], node_count=3)
    assert (live["node_count"], live["size"]) == (3, 1)
    assert live["failed_nodes"] == [FAILED_NODE, {"id": 7, "ip": "127.0.0.7"}]


def test_a_pools_failed_nodes_are_read_with_its_counts():
    nodes = [{"id": 1, "ip": "127.0.30.1", "status": 0}, dict(FAILED_NODE, status=3)]
    client = FakeClient(pools=[POOL_ITEM], nodes={4: nodes})
    live = PoolSpec().read(client, PoolSpec().normalize({"name": "p", "service": "fe", "size": 2}))
    assert (live["node_count"], live["size"], live["failed_nodes"]) == (2, 1, [FAILED_NODE])


def test_a_larger_size_is_refused_while_failed_nodes_are_in_the_pool_naming_them_and_the_remedy():
    with pytest.raises(SpecError) as err:
        plan(PoolSpec(), pool_live(failed=[FAILED_NODE], node_count=3), name="p", service="fe", size=3)
    assert err.value.option == "size"
    assert str(err.value) == (
        "size: pool p has 2 working node(s), short of its size 3, and 1 failed node(s) that do not count: id 6 (ip 6). "
        "No expand is started while failed nodes are in the pool: it would most likely fail the same way and leave "
        "more of them. See why the expand failed (its flow log), fix that (an unreachable VM manager, say), remove "
        "the failed node(s) (converge.platforms.opendcp_pool_nodes with state=absent and nodes [\"6\"], or "
        "POST /pool/4/remove_nodes {\"nodes\": [6]}), then run again")
    with pytest.raises(SpecError, match="^size: pool p has 2 working node"):
        plan(PoolSpec(), pool_live(failed=[FAILED_NODE], node_count=3), name="p", service="fe", size=3, desc="new")


def test_a_pool_with_failed_nodes_at_or_above_its_size_of_working_nodes_plans_as_usual():
    live = pool_live(failed=[FAILED_NODE], node_count=3)
    assert plan(PoolSpec(), live, name="p", service="fe", size=2).action == NOOP
    cut = plan(PoolSpec(), live, name="p", service="fe", size=1)
    assert cut.action == "shrink" and cut.fields == {"size": (2, 1)}


def expanding_client():
    """A pool of two nodes whose expand starts a flow still running (its nodes count as coming)."""
    client = FakeClient(pools=[POOL_ITEM], nodes={4: [{"id": 1}, {"id": 2}]})

    def expand(pool_id, name, num):
        client.writes.append(("expand", pool_id, name, num))
        flow = {"id": 1, "task_name": "expand_p", "state": 1, "Stat": [0, num, 0, 0, 0]}
        client.objects["tasks"].append(flow)
        return flow
    client.expand_pool = expand
    client.get_pool = lambda pool_id: POOL_ITEM
    return client


def test_expand_without_wait_starts_the_flow_and_does_not_poll(monkeypatch):
    client = expanding_client()
    spec = PoolSpec()
    change = plan(spec, pool_live(), name="p", service="fe", size=4, wait=False)
    assert spec.apply(client, change)["size"] == 4
    assert client.writes == [("expand", 4, "p", 2)]


def test_a_pool_create_whose_answer_was_lost_is_found_and_goes_on_to_expand_to_its_size():
    client = expanding_client()
    client.objects.update(pools=[], nodes={}, clusters=[{"id": 1, "name": "web"}],
                          templates=[{"id": 7, "name": "grow"}],
                          services={1: [{"id": 5, "name": "fe", "cluster_id": 1, "docker_image": "i"}]})

    def create_pool(name, desc, vm_type, sd_id, service_id, tasks):
        client.writes.append(("create_pool", name, service_id, tasks))
        client.objects["pools"].append(dict(POOL_ITEM, name=name, service_id=service_id, tasks=tasks, node_count=0))
        raise TransportError("connection reset", "POST", "/pool/create")
    client.create_pool = create_pool
    client.get_pool = lambda pool_id: client.objects["pools"][0]
    spec = PoolSpec()
    live = spec.apply(client, plan(spec, None, name="p", service="fe", tasks={"expand": "grow"}, size=2, wait=False))
    assert client.writes == [("create_pool", "p", 5, {"expand": 7}), ("expand", 4, "p", 2)]
    assert live["size"] == 2 and live["running_flows"] == [1]


def test_nodes_are_counted_again_when_a_flow_of_the_pool_moved_while_they_were_counted():
    running = {"id": 1, "task_name": "expand_p", "state": 1, "Stat": [0, 2, 0, 0, 0]}
    ended = dict(running, state=2, Stat=[0, 0, 2, 0, 0])
    client = FakeClient(pools=[POOL_ITEM])
    flows, counts = [[running], [ended], [ended]], [{4: 0}, {4: 2}]  # the flow ends while nodes are counted
    client.list_tasks = lambda: flows.pop(0)
    client.pool_node_counts = lambda service_id: counts.pop(0)
    live = PoolSpec().read(client, PoolSpec().normalize({"name": "p", "service": "fe", "size": 2}))
    assert (live["node_count"], live["size"], live["running_flows"]) == (2, 2, [])
    assert flows == [] and counts == []


def test_a_pool_read_back_short_of_its_size_is_not_done():
    client = expanding_client()
    client.expand_pool = lambda pool_id, name, num: client.writes.append(("expand", pool_id, name, num)) or {"id": 1}
    spec = PoolSpec()
    with pytest.raises(OpenDcpError, match="^pool p has 2 node\\(s\\), not its size 4$"):
        spec.apply(client, plan(spec, pool_live(), name="p", service="fe", size=4, wait=False))


# --- flows ----------------------------------------------------------------------------------------
def test_wait_flow_polls_until_the_flow_ends():
    answers = [{"id": 1, "state": 1, "Stat": [0, 1, 0, 0, 0]}] * 5 + [{"id": 1, "state": 2, "Stat": [0, 0, 1, 0, 0]}]
    client = FakeClient()
    client.get_task = lambda flow_id: answers.pop(0)
    flow = wait_flow(client, {"id": 1, "task_name": "expand_p", "state": 0}, 60)
    assert flow["state"] == 2 and answers == [] and len(client.clock.sleeps) == 6


def test_a_flow_with_a_failed_node_fails_quoting_the_flow_log_not_the_node_log():
    client = FakeClient()
    client.task_detail = lambda flow_id: {"3": [{"id": 12, "ip": "127.0.0.9", "steps": "greet"}], "2": [{"id": 11}]}
    client.task_log = lambda flow_id: [{"message": "node 12 (127.0.0.9) step greet: failed: connection refused"},
                                       {"message": "Finish running flow[expand_p,6]: partial"}]
    client.node_log = lambda nsid: [{"greet": "<NO LOG>"}]
    flow = {"id": 6, "task_name": "expand_p", "state": 2, "Stat": [0, 0, 1, 1, 0]}
    with pytest.raises(OpenDcpError) as err:
        wait_flow(client, flow, 10)
    assert str(err.value) == ("flow expand_p (id 6) ended success: 1 node(s) succeeded, 1 failed; node 127.0.0.9 "
                              "failed at step greet; flow log: node 12 (127.0.0.9) step greet: failed: connection "
                              "refused")


#: the flow log of the real server for an expand of one node with its VM manager unreachable (README)
REFUSED = ('Fail to run step [create_vm]: Fail: Post "http://127.0.0.1:9/v1/cluster/1/expand/1": dial tcp '
           "127.0.0.1:9: connect: connection refused")
RUN_FLOW_ERROR = "Run flow error： first step of create_vm all nodes is failed"
REAL_FAILED_EXPAND_LOG = ["Run flow...", "Start running flow[expand_p,1]", 'Start running step create_vm params: '
                          '{"vm_type_id":1}', REFUSED, "Finish running step create_vm", RUN_FLOW_ERROR,
                          "Finish running flow[expand_p,1]"]


def test_a_failed_flow_is_quoted_by_its_failing_steps_lines_not_by_the_last_line_of_its_log():
    client = FakeClient()
    client.task_detail = lambda flow_id: {"3": [{"id": 1, "ip": "2", "state": 3, "steps": "create_vm"}]}
    client.task_log = lambda flow_id: [{"id": n, "fid": 1, "message": m} for n, m in enumerate(REAL_FAILED_EXPAND_LOG)]
    assert failure_reason(client, 1) == ("; node 2 failed at step create_vm; flow log: %s | %s"
                                             % (REFUSED, RUN_FLOW_ERROR))


def test_failing_step_lines_are_quoted_once_each_without_the_space_go_logs_them_with():
    # the server logs every value with a space before it, and a step's failure once for each try
    logged = [" Start running flow[expand_p,1]", " " + REFUSED, " " + REFUSED, " " + RUN_FLOW_ERROR,
              " Finish running flow[expand_p,1]"]
    client = FakeClient()
    client.task_detail = lambda flow_id: {}
    client.task_log = lambda flow_id: [{"message": m} for m in logged]
    assert failure_reason(client, 1) == "; flow log: %s | %s" % (REFUSED, RUN_FLOW_ERROR)


def test_a_flow_log_without_failing_step_lines_is_quoted_by_the_last_line_naming_the_whole_ip_of_the_node():
    client = FakeClient()
    client.task_detail = lambda flow_id: {"3": [{"id": 12, "ip": "127.0.0.1"}]}
    client.task_log = lambda flow_id: [{"message": "node 11 (127.0.0.1) step greet: failed: refused"},
                                       {"message": "node 12 (127.0.0.12) step greet: success"}]
    assert failure_reason(client, 6) == "; node 127.0.0.1 failed; flow log: node 11 (127.0.0.1) step greet: " \
                                            "failed: refused"


def test_a_flow_log_that_names_no_node_is_quoted_by_its_last_message():
    client = FakeClient()
    client.task_detail = lambda flow_id: {"3": [{"id": 12, "ip": "127.0.0.9"}]}
    client.task_log = lambda flow_id: [{"message": "run flow..."}, {"message": "vm manager: connection refused"}]
    assert failure_reason(client, 6) == "; node 127.0.0.9 failed; flow log: vm manager: connection refused"


def test_a_flow_still_running_at_the_timeout_names_wait_timeout():
    client = FakeClient()
    client.get_task = lambda flow_id: {"id": 2, "task_name": "shrink_p", "state": 1}
    with pytest.raises(SpecError, match="^wait_timeout: flow shrink_p \\(id 2\\) is still running after 12s"):
        wait_flow(client, {"id": 2, "task_name": "shrink_p", "state": 1}, 12)


# --- pool nodes -----------------------------------------------------------------------------------
NODES_LIVE = {"pool": "p", "pool_id": 4, "nodes": ["127.0.0.1", "127.0.0.2"],
              "node_ids": {"127.0.0.1": 1, "127.0.0.2": 2}}


def test_pool_nodes_plans_adds_exclusive_removals_and_absent():
    spec = PoolNodesSpec()
    assert plan(spec, NODES_LIVE, pool="p", nodes=["127.0.0.1"]).action == NOOP
    add = plan(spec, NODES_LIVE, pool="p", nodes=["127.0.0.3"])
    assert add.action == UPDATE and add.fields == {"nodes": (["127.0.0.1", "127.0.0.2"],
                                                            ["127.0.0.1", "127.0.0.2", "127.0.0.3"])}
    only = plan(spec, NODES_LIVE, pool="p", nodes=["127.0.0.2"], exclusive=True)
    assert only.fields == {"nodes": (["127.0.0.1", "127.0.0.2"], ["127.0.0.2"])}
    gone = plan(spec, NODES_LIVE, pool="p", nodes=["127.0.0.2", "127.0.0.9"], state="absent")
    assert gone.action == DELETE and gone.fields["nodes"][1] == ["127.0.0.1"]
    assert plan(spec, NODES_LIVE, pool="p", nodes=["127.0.0.9"], state="absent").action == NOOP


def test_pool_nodes_removes_a_failed_node_by_the_ip_it_shows_its_id_but_adds_only_ips():
    spec = PoolNodesSpec()
    live = dict(NODES_LIVE, nodes=NODES_LIVE["nodes"] + ["6"], node_ids=dict(NODES_LIVE["node_ids"], **{"6": 6}))
    gone = plan(spec, live, pool="p", nodes=["6"], state="absent")
    assert gone.action == DELETE and gone.fields["nodes"][1] == ["127.0.0.1", "127.0.0.2"]
    client = FakeClient(pools=[{"id": 4, "name": "p"}])
    spec.apply(client, gone)
    assert client.writes == [("remove_pool_nodes", (4, [6]))]
    with pytest.raises(SpecError, match="^nodes\\[0\\]: must be an IP address such as 127.0.0.1, got '6'$"):
        plan(spec, live, pool="p", nodes=["6"])
    with pytest.raises(SpecError, match="^nodes\\[1\\]: must be an IP address or the ip of a failed node"):
        plan(spec, live, pool="p", nodes=["6", "06x"], state="absent")


def test_pool_nodes_removes_by_node_id_and_adds_by_ip():
    client = FakeClient(pools=[{"id": 4, "name": "p"}], nodes={4: [{"id": 1, "ip": "127.0.0.1"}]})
    spec = PoolNodesSpec()
    spec.apply(client, plan(spec, NODES_LIVE, pool="p", nodes=["127.0.0.2", "127.0.0.3"], exclusive=True))
    assert client.writes == [("remove_pool_nodes", (4, [1])), ("add_pool_nodes", (4, ["127.0.0.3"]))]


def node_store_losing_answers(lost):
    """A FakeClient whose pool 4 holds 127.0.0.1 (node 1); the add and remove calls named in `lost` take effect and
    then lose their answer, once each."""
    client = FakeClient(pools=[{"id": 4, "name": "p"}], nodes={4: [{"id": 1, "ip": "127.0.0.1"}]})
    lost = set(lost)

    def write(name, change):
        def call(pool_id, items):
            client.writes.append((name, (pool_id, items)))
            change(client.objects["nodes"][pool_id], items)
            if name in lost:
                lost.discard(name)
                raise TransportError("opendcp did not answer: connection reset", "POST", "/pool/4/" + name)
        return call

    client.add_pool_nodes = write("add_pool_nodes", lambda nodes, ips: nodes.extend(
        {"id": 10 + index, "ip": ip} for index, ip in enumerate(ips)))
    client.remove_pool_nodes = write("remove_pool_nodes", lambda nodes, ids: nodes.__setitem__(
        slice(None), [node for node in nodes if node["id"] not in ids]))
    return client


def test_pool_nodes_writes_whose_answers_were_lost_are_read_back_and_not_sent_again():
    client = node_store_losing_answers(["add_pool_nodes", "remove_pool_nodes"])
    spec = PoolNodesSpec()
    live = spec.read(client, {"pool": "p"})
    after = spec.apply(client, plan(spec, live, pool="p", nodes=["127.0.0.2", "127.0.0.3"], exclusive=True))
    assert client.writes == [("remove_pool_nodes", (4, [1])), ("add_pool_nodes", (4, ["127.0.0.2", "127.0.0.3"]))]
    assert sorted(after["nodes"]) == ["127.0.0.2", "127.0.0.3"]


# --- implementations ------------------------------------------------------------------------------
ECHO = {"action": {"module": "shell", "args": "echo {{echo_word}}"}}


def test_an_implementation_is_checked_against_its_actions_params_before_writing():
    client = FakeClient(actions=[{"id": 3, "name": "echo", "params": {"word": "string"}}])
    spec = ActImplSpec()
    change = plan(spec, None, action="echo", template=ECHO)
    with pytest.raises(SpecError, match="^template: uses 'echo_word' not declared by action 'echo' "
                                        "\\(declared: word\\)"):
        spec.apply(client, change)
    assert client.writes == []
    client.objects["actions"][0]["params"] = {"echo_word": "string"}
    spec.apply(client, change)
    assert client.writes == [("create_actimpl", (3, "ansible", ECHO))]


def test_an_implementation_of_a_missing_action_names_the_option():
    with pytest.raises(SpecError, match="^action: no OpenDCP remote action named 'echo'"):
        ActImplSpec().apply(FakeClient(), plan(ActImplSpec(), None, action="echo", template=ECHO))


def test_implementations_are_found_through_their_actions_name():
    client = FakeClient(actions=[{"id": 3, "name": "echo", "params": {}}],
                        actimpls=[{"id": 1, "action_id": 2, "type": "ansible", "template": {}},
                                  {"id": 2, "action_id": 3, "type": "ansible", "template": ECHO}])
    spec = ActImplSpec()
    live = spec.read(client, spec.normalize({"action": "echo", "template": ECHO}))
    assert live == {"id": 2, "action": "echo", "action_id": 3, "type": "ansible", "template": ECHO}
    assert spec.plan(spec.normalize({"action": "echo", "template": ECHO}), live).action == NOOP
    assert spec.read(client, spec.normalize({"action": "other", "template": ECHO})) is None


# --- info -----------------------------------------------------------------------------------------
def test_info_gathers_subsets_a_pools_nodes_and_ip_lookups():
    client = FakeClient(clusters=[{"id": 1, "name": "web"}], pools=[{"id": 4, "name": "p"}],
                        nodes={4: [{"id": 1, "ip": "127.0.0.1"}]})
    client.search_pools_by_ip = lambda ips: {ip: -1 for ip in ips}
    facts = opendcp_info.gather(client, {"gather_subset": ["clusters"], "pool": "p", "ips": ["127.0.0.7"]})
    assert facts == {"clusters": [{"id": 1, "name": "web", "desc": "", "biz": ""}],
                     "nodes": [{"id": 1, "ip": "127.0.0.1"}], "pools_by_ip": {"127.0.0.7": -1}}
    with pytest.raises(SpecError, match="^pool: no OpenDCP pool named 'q'"):
        opendcp_info.gather(client, {"pool": "q"})


# --- flows ----------------------------------------------------------------------------------------
def flow(state, stat=(0, 0, 0, 0, 0), **extra):
    return opendcp_wire.flow_facts(dict({"id": 5, "task_name": "rollout", "state": state, "Stat": list(stat)}, **extra))


@pytest.mark.parametrize(("options", "option", "message"), [
    ({"pool": "p", "nodes": ["127.0.0.1"]}, "pool", "mutually exclusive"),
    ({"max_ratio": 0}, "max_ratio", "must be at least 1, got 0"),
    ({"max_ratio": 101}, "max_ratio", "must be at most 100, got 101"),
    ({"max_num": -1}, "max_num", "must be at least 0, got -1"),
    ({"nodes": ["127.0.0.1"]}, "template", "is required to create flow 'rollout'"),
    ({"template": "t"}, "nodes", "one of nodes or pool is required"),
    ({"state": "paused"}, "name", "no OpenDCP flow named 'rollout'"),
])
def test_flow_options_are_checked_naming_the_option(options, option, message):
    with pytest.raises(SpecError) as err:
        plan(FlowSpec(), None, name="rollout", **options)
    assert err.value.option == option and message in str(err.value)


def test_flow_plans_by_state():
    spec = FlowSpec()
    assert plan(spec, None, name="rollout", template="t", pool="p").action == CREATE
    assert plan(spec, flow(1), name="rollout").action == NOOP
    pause = plan(spec, flow(1, (0, 2, 0, 0, 0)), name="rollout", state="paused")
    assert pause.action == "pause" and pause.diff() == {"before": {"state_name": "running"},
                                                        "after": {"state_name": "stopped"}}
    assert plan(spec, flow(2), name="rollout", state="stopped").action == NOOP
    assert plan(spec, flow(1), name="rollout", state="stopped").action == "stop"
    assert plan(spec, flow(4), name="rollout", state="started").action == "start"
    assert plan(spec, flow(2, (0, 0, 1, 1, 0)), name="rollout", state="started").action == "start"
    assert plan(spec, flow(2, (0, 0, 2, 0, 0)), name="rollout", state="started").action == NOOP


def test_a_flow_on_a_pool_runs_on_its_nodes_with_the_template_id():
    client = FakeClient(templates=[{"id": 7, "name": "ship"}], pools=[{"id": 4, "name": "p"}],
                        nodes={4: [{"id": 1, "ip": "127.0.0.1"}, {"id": 2, "ip": "127.0.0.2"}]})
    calls = []
    client.create_task = lambda *args, **kwargs: calls.append((args, kwargs)) or {"id": 9, "task_name": "rollout",
                                                                                 "state": 1}
    spec = FlowSpec()
    result = spec.apply(client, plan(spec, None, name="rollout", template="ship", pool="p", max_ratio=50,
                                     wait=False))
    assert calls == [((7, "rollout", ["127.0.0.1", "127.0.0.2"]), {"max_ratio": 50, "max_num": 0, "timeout": 0})]
    assert result["id"] == 9 and result["state_name"] == "running"


def test_the_newest_flow_of_a_name_is_the_one_managed():
    client = FakeClient(tasks=[{"id": 3, "task_name": "rollout", "state": 2}, {"id": 8, "task_name": "rollout",
                                                                               "state": 1},
                               {"id": 9, "task_name": "other", "state": 1}])
    assert FlowSpec().read(client, FlowSpec().normalize({"name": "rollout"}))["id"] == 8


@pytest.mark.parametrize(("before", "state", "after"), [(4, "started", 1), (1, "paused", 4), (1, "stopped", 4)])
def test_a_flow_action_whose_answer_was_lost_is_read_back_and_not_sent_again(before, state, after):
    client = FakeClient(tasks=[{"id": 5, "task_name": "rollout", "state": before, "Stat": [0, 0, 0, 0, 0]}])
    sent = []

    def lose_the_answer(flow_id):
        sent.append(flow_id)
        client.objects["tasks"][0]["state"] = after
        raise TransportError("opendcp did not answer: connection reset", "POST", "/task/x/%d" % flow_id)

    client.start_task = client.pause_task = client.stop_task = lose_the_answer
    spec = FlowSpec()
    change = plan(spec, spec.read(client, {"name": "rollout"}), name="rollout", state=state, wait=False)
    assert spec.apply(client, change)["state"] == after
    assert sent == [5]
