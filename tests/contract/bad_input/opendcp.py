"""OpenDCP's 62 documented operations, each with a valid request (opendcp-api.txt, api-docs/README.md).

How they are counted: the document has 60 sections, one per operation (its curl examples; several name
a wrong path, and the README's canonical path table says which operation each one is), and the README's
canonical table adds two operations the document has no section for: `/service/update/{id}` (the
document's "服务修改" section is in fact the pool update) and `/pool/list`. 60 + 2 = 62.

Requests go to the canonical paths (the server routes any method; reads are sent by GET, writes by POST
with a JSON body). `page` and `page_size` are read from the query string only. A refusal is the envelope
`{"code", "msg", "data"}` whose code is not 0; its msg names the field.

The emulator is reset before each request, so the ids `prepare` makes are always the same: numeric body
fields use them directly (a `{placeholder}` would turn them into strings).
"""

from __future__ import annotations

from typing import Any

import requests

from tests.contract.bad_input import Operation

PLATFORM = "opendcp"
DOCUMENTED_OPERATIONS = 62
OPERATOR = "contract"
PAGE = {"page": 1, "page_size": 10}
NODE_IP, SECOND_IP, FREE_IP = "127.0.1.5", "127.0.1.6", "127.0.1.7"
ECHO = {"action": {"module": "shell", "args": "echo {{echo_word}}"}}
STEPS = [{"name": "create_vm", "param_values": {"vm_type_id": 1}, "retry": {"retry_times": 1, "ignore_error": False}}]
# ids made by `prepare` (the emulator's sequences start again at 1 after each reset)
CLUSTER, SPARE_CLUSTER = 1, 2
SERVICE, SPARE_SERVICE = 1, 2
ACTION, SPARE_ACTION = 1, 2
GROW, CUT, SHIP, SPARE_TEMPLATE = 1, 2, 3, 4
POOL, SPARE_POOL = 1, 2


def read(name: str, path: str, paged: bool = False) -> Operation:
    """A read: GET without a body (a list pages through the query string)."""
    return Operation(name, "GET", path, query=dict(PAGE) if paged else {})


def write(name: str, path: str, body: dict[str, Any] | None = None) -> Operation:
    """A write: POST with a JSON body (or none, where the path says it all)."""
    return Operation(name, "POST", path, body)


def template_body(name: str) -> dict[str, Any]:
    return {"name": name, "desc": "template", "steps": STEPS}


OPERATIONS = [
    # clusters
    read("cluster list", "/cluster/list", paged=True),
    write("cluster create", "/cluster/create", {"name": "new", "desc": "new cluster", "biz": "1"}),
    write("cluster update", "/cluster/update/{cluster}", {"name": "web", "desc": "changed", "biz": "2"}),
    write("cluster delete", "/cluster/delete/{spare_cluster}"),
    read("cluster get", "/cluster/{cluster}"),
    read("cluster services", "/cluster/{cluster}/list_services", paged=True),
    # services
    write("service create", "/service/create", {"name": "api", "desc": "api", "service_type": "java",
                                                "docker_image": "registry.example.invalid/api:1",
                                                "cluster_id": CLUSTER}),
    write("service update", "/service/update/{service}", {"name": "fe", "desc": "changed", "service_type": "java",
                                                          "docker_image": "registry.example.invalid/fe:2",
                                                          "cluster_id": CLUSTER}),
    write("service delete", "/service/delete/{spare_service}"),
    read("service get", "/service/{service}"),
    read("service pools", "/service/{service}/list_pools", paged=True),
    # pools
    write("pool create", "/pool/create", {"name": "new-pool", "desc": "pool", "vm_type": 1, "sd_id": 1,
                                          "service_id": SERVICE, "tasks": {"expand": GROW}}),
    write("pool update", "/pool/update/{pool}", {"name": "fe-pool", "desc": "changed", "vm_type": 2, "sd_id": 2,
                                                 "service_id": SERVICE,
                                                 "tasks": {"expand": GROW, "shrink": CUT, "deploy": SHIP}}),
    write("pool delete", "/pool/delete/{spare_pool}"),
    read("pool get", "/pool/{pool}"),
    read("pool list", "/pool/list", paged=True),
    read("pool nodes", "/pool/{pool}/list_nodes", paged=True),
    write("pool add nodes", "/pool/{pool}/add_nodes", {"nodes": [FREE_IP]}),
    write("pool remove nodes", "/pool/{pool}/remove_nodes", {"nodes": [2]}),
    read("pool search by ip", "/pool/search_by_ip/{node_ip},127.0.1.99"),
    write("pool expand", "/pool/expand/{pool}", {"num": 1}),
    write("pool shrink", "/pool/shrink/{pool}", {"nodes": [SECOND_IP]}),
    write("pool deploy", "/pool/deploy/{pool}", {"max_num": 1, "tag": "registry.example.invalid/fe:2"}),
    # the older template aliases; their delete reads an id from a path that has none and never worked
    # upstream (README): sent without the document's body, which no handler reads
    write("task impl create", "/task/impl/create", template_body("alias-task")),
    write("task impl delete", "/task/impl/delete"),
    read("task impl list", "/task/impl/list", paged=True),
    write("action impl create", "/action/impl/create", template_body("alias-action")),
    read("action impl list", "/action/impl/list", paged=True),
    write("action impl delete", "/action/impl/delete"),
    # flows: start, pause and stop take the flow id from the path (the document's `{"id"}` body is not read)
    write("task create", "/task/create", {"template_id": SHIP, "task_name": "rollout", "timeout": 10, "auto": 0,
                                          "max_ratio": 50, "max_num": 1, "opr_user": OPERATOR,
                                          "nodes": [{"ip": NODE_IP}], "params": {}}),
    write("task start", "/task/start/{flow}"),
    write("task pause", "/task/pause/{flow}"),
    write("task stop", "/task/stop/{flow}"),
    read("task flow log", "/task/flow/{flow}/log"),
    read("task list", "/task/list", paged=True),
    read("task get", "/task/{flow}"),
    read("task detail", "/task/{flow}/detail"),
    read("task node log", "/task/node/{node_state}/log"),
    # scheduled tasks: documented, not routed by the latest upstream server (an HTML 404 page, README), so no
    # body of theirs reaches a handler that could refuse it
    read("task expand list", "/task/expandList/{pool}"),
    read("task upload list", "/task/uploadList/{pool}"),
    write("task save", "/task/saveTask"),
    # task templates and steps
    write("template create", "/task_tpl/create", template_body("new-template")),
    read("template list", "/task_tpl/list", paged=True),
    write("template delete", "/task_tpl/delete/{spare_template}"),
    read("template get", "/task_tpl/{grow}"),
    write("template update", "/task_tpl/update/{spare_template}", {"id": SPARE_TEMPLATE, **template_body("spare")}),
    read("task step list", "/task_step/list", paged=True),
    # remote steps
    read("remote step list", "/remote_step/list", paged=True),
    write("remote step create", "/remote_step/create", {"name": "new-step", "desc": "step", "actions": ["echo"]}),
    write("remote step update", "/remote_step/update/{spare_step}", {"name": "spare", "desc": "changed",
                                                                     "actions": ["echo", "spare"]}),
    write("remote step delete", "/remote_step/delete/{spare_step}"),
    read("remote step get", "/remote_step/{greet}"),
    # remote actions
    read("action list", "/action/list", paged=True),
    write("action create", "/action/create", {"name": "new-action", "desc": "action", "params": {"time": "integer"}}),
    write("action update", "/action/update/{spare_action}", {"name": "spare", "desc": "changed",
                                                             "params": {"time": "integer"}}),
    write("action delete", "/action/delete/{spare_action}"),
    read("action get", "/action/{action}"),
    # remote action implementations, keyed by their action's id
    read("actimpl list", "/actimpl/list", paged=True),
    write("actimpl create", "/actimpl/create", {"action_id": SPARE_ACTION, "type": "ansible", "template": ECHO}),
    write("actimpl update", "/actimpl/update/{action}", {"action_id": ACTION, "type": "ansible", "template": ECHO}),
    write("actimpl delete", "/actimpl/delete/{action}"),
    read("actimpl get", "/actimpl/{action}"),
]


def connect(handle) -> requests.Session:
    """A session naming the operator in `Authorization` (OpenDCP has no login)."""
    session = requests.Session()
    session.headers.update({"Authorization": OPERATOR, "Content-Type": "application/json"})
    return session


def _made(session: requests.Session, url: str, path: str, body: dict[str, Any]) -> Any:
    """POST a set-up request; its `data` (an id for a create)."""
    answer = session.post(url + path, json=body, timeout=30).json()
    assert answer["code"] == 0, (path, answer)
    return answer["data"]


def prepare(session: requests.Session, url: str) -> dict[str, str]:
    """Two clusters, services, actions, templates and pools (the second of each unused, to delete), a remote
    step with its action's implementation, two pool nodes and a running expand flow."""
    assert _made(session, url, "/cluster/create", {"name": "web", "desc": "", "biz": "1"}) == CLUSTER
    assert _made(session, url, "/cluster/create", {"name": "spare", "desc": "", "biz": "1"}) == SPARE_CLUSTER
    image = "registry.example.invalid/fe:1"
    for name, expected in (("fe", SERVICE), ("spare", SPARE_SERVICE)):
        body = {"name": name, "docker_image": image, "cluster_id": CLUSTER}
        assert _made(session, url, "/service/create", body) == expected
    assert _made(session, url, "/action/create", {"name": "echo", "params": {"echo_word": "string"}}) == ACTION
    assert _made(session, url, "/action/create", {"name": "spare", "params": {}}) == SPARE_ACTION
    _made(session, url, "/actimpl/create", {"action_id": ACTION, "type": "ansible", "template": ECHO})
    greet = _made(session, url, "/remote_step/create", {"name": "greet", "actions": ["echo"]})
    spare_step = _made(session, url, "/remote_step/create", {"name": "spare-step", "actions": ["echo"]})
    greet_step = {"name": "greet", "param_values": {"echo_word": "hi"}}
    for name, steps, expected in (("grow", [STEPS[0], greet_step], GROW), ("cut", [{"name": "return_vm"}], CUT),
                                  ("ship", [greet_step], SHIP), ("spare", [], SPARE_TEMPLATE)):
        assert _made(session, url, "/task_tpl/create", {"name": name, "steps": steps}) == expected
    tasks = {"expand": GROW, "shrink": CUT, "deploy": SHIP}
    for name, expected in (("fe-pool", POOL), ("spare-pool", SPARE_POOL)):
        body = {"name": name, "vm_type": 1, "sd_id": 1, "service_id": SERVICE, "tasks": tasks}
        assert _made(session, url, "/pool/create", body) == expected
    _made(session, url, f"/pool/{POOL}/add_nodes", {"nodes": [NODE_IP, SECOND_IP]})
    _made(session, url, f"/pool/expand/{POOL}", {"num": 1})
    flows = session.get(url + "/task/list", timeout=30).json()["data"]
    flow = flows[0]["id"]
    detail = session.get(url + f"/task/{flow}/detail", timeout=30).json()["data"]
    node_state = next(node["id"] for nodes in detail.values() for node in nodes)
    return {"cluster": str(CLUSTER), "spare_cluster": str(SPARE_CLUSTER), "service": str(SERVICE),
            "spare_service": str(SPARE_SERVICE), "pool": str(POOL), "spare_pool": str(SPARE_POOL),
            "node_ip": NODE_IP, "flow": str(flow), "node_state": str(node_state), "grow": str(GROW),
            "spare_template": str(SPARE_TEMPLATE), "greet": str(greet), "spare_step": str(spare_step),
            "action": str(ACTION), "spare_action": str(SPARE_ACTION)}


def refusal(response: requests.Response) -> str | None:
    """The envelope's `msg` when its `code` is not 0; None for a success or an answer in no envelope."""
    try:
        body = response.json()
    except ValueError:
        return None
    if not isinstance(body, dict) or "code" not in body or body.get("code") == 0:
        return None
    return str(body.get("msg") or "")
