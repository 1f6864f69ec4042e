"""The OpenDCP model and the rules of its document (`opendcp-api.txt`) and of its upstream server.

Everything is plain JSON-able data: each collection is a dict keyed by the object's id as a
string, so the exported state survives a JSON round trip. Operation failures raise
`OpenDcpFailure(code, msg)`; the HTTP layer answers them with that code as the HTTP status and
`{"code": code, "msg": msg, "data": {}}` (README, "How the real OpenDCP server answers").

Where the document is silent or wrong this follows the upstream server (weibocom/opendcp,
`orion/api/*.go`) and the readings in `/tmp/opendcp-readings.md`; comments say where.
Flows (tasks) live in `flows.py`, whose `OpenDcpModel` is this state plus the flow engine.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Iterable, Mapping

from ..common.model import PlatformModel

STATE_FORMAT = 1
#: Loopback hosts the emulated cloud hands out on expand (fixtures add more with `free_hosts`).
BUILTIN_FREE_HOSTS = [f"127.0.0.{host}" for host in range(10, 251)]
#: The built-in task steps of the VM and service-discovery handlers (`/task_step/list`), with their params.
BUILTIN_TASK_STEPS: list[dict[str, Any]] = [
    {"name": "create_vm", "desc": "create virtual machines", "type": "vm", "params": {"vm_type_id": "integer"}},
    {"name": "return_vm", "desc": "return virtual machines", "type": "vm", "params": {"vm_type_id": "integer"}},
    {"name": "register", "desc": "register nodes to service discovery", "type": "sd",
     "params": {"service_discovery_id": "integer"}},
    {"name": "unregister", "desc": "unregister nodes from service discovery", "type": "sd",
     "params": {"service_discovery_id": "integer"}},
]
BUILTIN_STEP_NAMES = frozenset(step["name"] for step in BUILTIN_TASK_STEPS)
COLLECTIONS = ("clusters", "services", "pools", "nodes", "templates", "remote_steps", "actions", "actimpls",
               "flows", "flow_nodes")
DEFAULT_IMPL_TYPE = "ansible"
#: pool node status: the document says "1 成功/3 失败"; the real server answers 0 for a host added by IP (README)
NODE_ADDED, NODE_OK, NODE_FAILED = 0, 1, 3
#: the VM manager (jupiter) address the emulated server is configured with: nothing listens there
VM_MANAGER_ADDRESS = "127.0.0.1:9"


class OpenDcpFailure(Exception):
    """An operation the server refuses: `code` (400 or 404) is also the HTTP status."""

    def __init__(self, code: int, msg: str):
        super().__init__(msg)
        self.code = code
        self.msg = msg


class ServerFault(Exception):
    """A request on which the upstream server itself fails: answered with its HTML 500 page, not an envelope."""


def bad(msg: str) -> OpenDcpFailure:
    """A 400 failure."""
    return OpenDcpFailure(400, msg)


def missing(msg: str) -> OpenDcpFailure:
    """A 404 failure."""
    return OpenDcpFailure(404, msg)


@dataclass(frozen=True)
class Settings:
    """What the emulator's options decide about the model."""

    #: emulated seconds one batch of a flow's nodes takes to go through every step of its template
    flow_seconds: float = 4.0
    #: whether create_vm reaches the VM manager (jupiter); when not, expand flows fail as the real server's do
    vm_manager_reachable: bool = True


class OpenDcpState(PlatformModel[Settings]):
    """The whole model. Collections are dicts keyed by str(id); `sequences` holds the last id of each kind."""

    platform = "opendcp"
    persisted = COLLECTIONS + ("logs", "sequences", "free_hosts", "host_set", "reserved", "failing_hosts",
                               "vm_manager_reachable")
    state_format = STATE_FORMAT
    #: the COLLECTIONS, each keyed by str(id)
    clusters: dict[str, dict[str, Any]]
    services: dict[str, dict[str, Any]]
    pools: dict[str, dict[str, Any]]
    nodes: dict[str, dict[str, Any]]
    templates: dict[str, dict[str, Any]]
    remote_steps: dict[str, dict[str, Any]]
    actions: dict[str, dict[str, Any]]
    actimpls: dict[str, dict[str, Any]]
    flows: dict[str, dict[str, Any]]
    flow_nodes: dict[str, dict[str, Any]]

    # --- built-ins, fixtures, persistence -----------------------------------------------------
    def load(self, fixtures: Mapping[str, Any]) -> None:
        """Empty model; the free hosts are the built-in ones plus the fixtures' `free_hosts`; the VM manager as
        the settings say."""
        for name in COLLECTIONS:
            setattr(self, name, {})
        self.logs: list[dict[str, Any]] = []
        self.sequences: dict[str, int] = {}
        extra = _ip_list(fixtures.get("free_hosts"), "free_hosts")
        self.free_hosts: list[str] = BUILTIN_FREE_HOSTS + [ip for ip in extra if ip not in BUILTIN_FREE_HOSTS]
        self.host_set: list[str] = list(self.free_hosts)
        self.reserved: list[str] = []
        self.failing_hosts: list[str] = _ip_list(fixtures.get("failing_hosts"), "failing_hosts")
        self.vm_manager_reachable: bool = self.settings.vm_manager_reachable

    def timestamp(self) -> str:
        """Now, as Go's time.Time marshals it (RFC 3339)."""
        return rfc3339(self.now())

    def next_id(self, kind: str) -> int:
        """A new id of one kind: never reused (`sequences` keeps the last of each), nor one an object of the
        kind has (its collection is `<kind>s`), even in a state restored without `sequences`."""
        in_use = {int(key) for key in getattr(self, f"{kind}s")}
        self.sequences[kind] = self.ids.next_number(self.sequences.get(kind, 0), in_use)
        return self.sequences[kind]

    # --- clusters -------------------------------------------------------------------------------
    def list_clusters(self) -> list[dict[str, Any]]:
        return _views(self.clusters, newest_first=True)

    def get_cluster(self, cluster_id: int) -> dict[str, Any]:
        return copy.deepcopy(self._cluster(cluster_id))

    def create_cluster(self, name: str, desc: str, biz: str) -> int:
        _require_name(name)
        cluster_id = self.next_id("cluster")
        self.clusters[str(cluster_id)] = {"id": cluster_id, "name": name, "desc": desc, "biz": biz}
        return cluster_id

    def update_cluster(self, cluster_id: int, name: str, desc: str, biz: str) -> None:
        """Replace desc and biz; the name never changes (upstream checks it is given all the same)."""
        _require_name(name)
        record = self.clusters.get(str(cluster_id))
        if record is None:
            raise bad("old data not found !")
        record.update(desc=desc, biz=biz)

    def delete_cluster(self, cluster_id: int) -> None:
        if str(cluster_id) not in self.clusters:
            raise bad("cluster in db not found")
        if any(s["cluster_id"] == cluster_id for s in self.services.values()):
            raise bad("service exists in this cluster")
        del self.clusters[str(cluster_id)]

    def cluster_services(self, cluster_id: int) -> list[dict[str, Any]]:
        return [s for s in _views(self.services) if s["cluster_id"] == cluster_id]

    def _cluster(self, cluster_id: int) -> dict[str, Any]:
        return _existing(self.clusters.get(str(cluster_id)), "cluster")

    # --- services -------------------------------------------------------------------------------
    def get_service(self, service_id: int) -> dict[str, Any]:
        return copy.deepcopy(self._service(service_id))

    def create_service(self, fields: Mapping[str, Any]) -> int:
        """fields: name, desc, service_type, docker_image, cluster_id."""
        self._check_service(fields)
        service_id = self.next_id("service")
        self.services[str(service_id)] = {"id": service_id, **_pick(fields, SERVICE_FIELDS)}
        return service_id

    def update_service(self, service_id: int, fields: Mapping[str, Any]) -> None:
        """Replace everything but the name (the cluster too: upstream sets it from the body)."""
        self._check_service(fields)
        record = self.services.get(str(service_id))
        if record is None:
            raise missing("service in db not found")
        record.update(_pick(fields, SERVICE_FIELDS[1:]))

    def delete_service(self, service_id: int) -> None:
        self._service(service_id)
        if any(p["service_id"] == service_id for p in self.pools.values()):
            raise bad("sub pool exists")
        del self.services[str(service_id)]

    def service_pools(self, service_id: int) -> list[dict[str, Any]]:
        """The service's pools: the one answer where upstream counts `node_count` (README)."""
        return [self._pool_view(p, counted=True) for p in _records(self.pools) if p["service_id"] == service_id]

    def _check_service(self, fields: Mapping[str, Any]) -> None:
        # upstream serviceCheckParam: name, docker_image and a cluster id >= 1 are required
        if not fields.get("name") or not fields.get("docker_image") or fields.get("cluster_id", 0) < 1:
            raise bad("param is error!")
        if str(fields["cluster_id"]) not in self.clusters:
            raise bad(f"cluster {fields['cluster_id']} not found")

    def _service(self, service_id: int) -> dict[str, Any]:
        return _existing(self.services.get(str(service_id)), "service")

    # --- pools ----------------------------------------------------------------------------------
    def list_pools(self) -> list[dict[str, Any]]:
        """Every pool, `node_count` 0 as upstream answers it here (README)."""
        return [self._pool_view(p) for p in _records(self.pools, newest_first=True)]

    def get_pool(self, pool_id: int) -> dict[str, Any]:
        return self._pool_view(self._pool(pool_id))

    def create_pool(self, fields: Mapping[str, Any]) -> int:
        """fields: name, desc, vm_type, sd_id, tasks, service_id."""
        _require_name(fields.get("name", ""))
        if str(fields.get("service_id", 0)) not in self.services:
            raise bad(f"service {fields.get('service_id', 0)} not found")
        _check_tasks(fields.get("tasks"))
        pool_id = self.next_id("pool")
        self.pools[str(pool_id)] = {"id": pool_id, **_pick(fields, POOL_FIELDS)}
        return pool_id

    def update_pool(self, pool_id: int, fields: Mapping[str, Any]) -> None:
        """Replace desc, vm_type, sd_id and tasks; name and service stay (upstream PoolUpdate)."""
        _check_tasks(fields.get("tasks"))
        record = self.pools.get(str(pool_id))
        if record is None:
            raise missing("pool in db not found")
        record.update(_pick(fields, ("desc", "vm_type", "sd_id", "tasks")))

    def delete_pool(self, pool_id: int) -> None:
        if str(pool_id) not in self.pools:
            raise bad("data not found")
        if self._pool_nodes(pool_id):
            raise bad("node exists in this pool")
        del self.pools[str(pool_id)]

    def _pool(self, pool_id: int) -> dict[str, Any]:
        return _existing(self.pools.get(str(pool_id)), "pool")

    def _pool_view(self, record: Mapping[str, Any], counted: bool = False) -> dict[str, Any]:
        """A pool as answered. Upstream counts `node_count` only for `/service/{id}/list_pools`: `/pool/list`
        and `/pool/{id}` always answer 0 (README, "How the real OpenDCP server answers")."""
        view = copy.deepcopy(dict(record))
        view["node_count"] = len(self._pool_nodes(record["id"])) if counted else 0
        view["is_bedepen"] = 0  # no scheduled (cron/dependency) tasks: the latest upstream dropped them
        view["is_hascron"] = 0
        return view

    # --- pool nodes -----------------------------------------------------------------------------
    def list_nodes(self, pool_id: int) -> list[dict[str, Any]]:
        return [_node_view(n) for n in self._pool_nodes(pool_id)]

    def add_nodes(self, pool_id: int, ips: list[str]) -> list[int]:
        """Record hosts in a pool; an IP belongs to at most one pool. Returns the new node ids."""
        cleaned = [ip.strip() for ip in ips]
        seen: set[str] = set()
        for ip in cleaned:
            if not ip:
                raise bad("ip is empty")
            if ip in seen or self.node_by_ip(ip) is not None or ip in self.reserved:
                raise missing(f"ip: {ip} exists already")
            seen.add(ip)
        if str(pool_id) not in self.pools:
            raise missing("pool_id is not vaild")
        return [self.new_pool_node(pool_id, ip, "", NODE_ADDED) for ip in cleaned]

    def remove_nodes(self, pool_id: int, node_ids: list[int]) -> None:
        """Forget nodes (by node id, as list_nodes shows them); their hosts go back to the free hosts."""
        for node_id in node_ids:
            node = self.nodes.get(str(node_id))
            if node is None or node["pool_id"] != pool_id:
                raise bad(f"error when delete id: {node_id}, err: no such node in pool {pool_id}")
        for node_id in node_ids:
            self.drop_pool_node(self.nodes[str(node_id)])

    def search_by_ip(self, ips: Iterable[str]) -> dict[str, int]:
        """Each IP's pool id, -1 for an IP no pool holds."""
        answer = {}
        for ip in ips:
            node = self.node_by_ip(ip)
            answer[ip] = node["pool_id"] if node else -1
        return answer

    def node_by_ip(self, ip: str) -> dict[str, Any] | None:
        return next((n for n in self.nodes.values() if n["ip"] == ip), None)

    def new_pool_node(self, pool_id: int, ip: str, vm_id: str, status: int) -> int:
        """Put a host in a pool (taking it out of the free hosts)."""
        node_id = self.next_id("node")
        now = self.timestamp()
        self.nodes[str(node_id)] = {"id": node_id, "ip": ip, "vm_id": vm_id, "status": status,
                                    "node_type": "manual", "pool_id": pool_id, "created": now, "updated": now}
        if ip in self.free_hosts:
            self.free_hosts.remove(ip)
        return node_id

    def new_machineless_node(self, pool_id: int) -> int:
        """A failed node of an expand whose create_vm made no machine: upstream keeps it in the pool with status 3,
        no vm id, and its own id as text for an ip (README)."""
        node_id = self.new_pool_node(pool_id, "", "", NODE_FAILED)
        self.nodes[str(node_id)]["ip"] = str(node_id)
        return node_id

    def drop_pool_node(self, node: Mapping[str, Any]) -> None:
        self.nodes.pop(str(node["id"]), None)
        self.release_host(node["ip"])

    def release_host(self, ip: str) -> None:
        """A host the emulated cloud owns goes back to its free hosts; others are just forgotten."""
        if ip in self.reserved:
            self.reserved.remove(ip)
        if ip in self.host_set and ip not in self.free_hosts and self.node_by_ip(ip) is None:
            self.free_hosts.append(ip)

    def _pool_nodes(self, pool_id: int) -> list[dict[str, Any]]:
        return [n for n in _records(self.nodes) if n["pool_id"] == pool_id]

    # --- task steps (read only) -----------------------------------------------------------------
    def task_steps(self) -> list[dict[str, Any]]:
        """The built-in steps, then every remote step (type "remote", params of all its actions)."""
        steps = [copy.deepcopy(step) for step in BUILTIN_TASK_STEPS]
        for record in _records(self.remote_steps):
            steps.append({"name": record["name"], "desc": record["desc"], "type": "remote",
                          "params": self.remote_step_params(record)})
        return [{"id": index, **step} for index, step in enumerate(steps, start=1)]

    def remote_step_params(self, record: Mapping[str, Any]) -> dict[str, Any]:
        params: dict[str, Any] = {}
        for name in record["actions"]:
            action = self.action_by_name(name)
            params.update(action["params"] if action else {})
        return params

    def step_type(self, name: str) -> str | None:
        """"vm" / "sd" for a built-in step, "remote" for a remote step, None when no step has this name."""
        for step in BUILTIN_TASK_STEPS:
            if step["name"] == name:
                return step["type"]
        return "remote" if self.remote_step_by_name(name) else None

    # --- task templates -------------------------------------------------------------------------
    def list_templates(self) -> list[dict[str, Any]]:
        return _views(self.templates, newest_first=True)

    def get_template(self, template_id: int) -> dict[str, Any]:
        return copy.deepcopy(_existing(self.templates.get(str(template_id)), "template"))

    def create_template(self, name: str, desc: str, steps: list[dict[str, Any]]) -> int:
        """A new template; a step name `/task_step/list` does not know makes upstream fail (HTML 500, README)."""
        _require_name(name)
        self._check_unique(self.templates, name, "template")
        unknown = [step["name"] for step in steps if self.step_type(step["name"]) is None]
        if unknown:
            raise ServerFault(f"task_tpl/create: no task step named {unknown[0]}")
        template_id = self.next_id("template")
        self.templates[str(template_id)] = {"id": template_id, "name": name, "desc": desc, "steps": steps}
        return template_id

    def update_template(self, template_id: int, desc: str, steps: list[dict[str, Any]]) -> None:
        """Replace desc and steps; a template that does not exist answers success and nothing changes."""
        self._check_template_steps(steps)
        record = self.templates.get(str(template_id))
        if record is not None:
            record.update(desc=desc, steps=steps)

    def delete_template(self, template_id: int) -> None:
        if self.templates.pop(str(template_id), None) is None:
            raise missing("data not found")

    def _check_template_steps(self, steps: list[dict[str, Any]]) -> None:
        for step in steps:
            if self.step_type(step["name"]) is None:
                raise missing(f"step {step['name']} not found")

    # --- remote steps ---------------------------------------------------------------------------
    def list_remote_steps(self) -> list[dict[str, Any]]:
        return _views(self.remote_steps, newest_first=True)

    def get_remote_step(self, step_id: int) -> dict[str, Any]:
        return copy.deepcopy(_existing(self.remote_steps.get(str(step_id)), "remote_step"))

    def create_remote_step(self, name: str, desc: str, actions: list[str]) -> int:
        """A new remote step; its action names are stored unchecked, as upstream does (README)."""
        _require_name(name)
        if name in BUILTIN_STEP_NAMES:
            raise bad(f"step name {name} is a built-in step")
        self._check_unique(self.remote_steps, name, "remote step")
        step_id = self.next_id("remote_step")
        self.remote_steps[str(step_id)] = {"id": step_id, "name": name, "desc": desc, "actions": actions}
        return step_id

    def update_remote_step(self, step_id: int, desc: str, actions: list[str]) -> None:
        """Replace desc and actions (unchecked, as on create); a remote step that does not exist answers success
        and nothing changes."""
        record = self.remote_steps.get(str(step_id))
        if record is not None:
            record.update(desc=desc, actions=actions)

    def delete_remote_step(self, step_id: int) -> None:
        record = self.remote_steps.get(str(step_id))
        if record is None:
            raise missing("remote_step in db not found")
        for template in _records(self.templates):
            if any(step["name"] == record["name"] for step in template["steps"]):
                raise missing(f"step is using ! template id:{template['id']},template name:{template['name']}")
        del self.remote_steps[str(step_id)]

    def remote_step_by_name(self, name: str) -> dict[str, Any] | None:
        return next((r for r in _records(self.remote_steps) if r["name"] == name), None)

    # --- remote actions -------------------------------------------------------------------------
    def list_actions(self) -> list[dict[str, Any]]:
        return _views(self.actions, newest_first=True)

    def get_action(self, action_id: int) -> dict[str, Any]:
        return copy.deepcopy(self._action(action_id))

    def create_action(self, name: str, desc: str, params: dict[str, Any]) -> int:
        _require_name(name)
        _check_ascii(params)
        self._check_unique(self.actions, name, "action")
        action_id = self.next_id("action")
        self.actions[str(action_id)] = {"id": action_id, "name": name, "desc": desc, "params": params}
        return action_id

    def update_action(self, action_id: int, desc: str, params: dict[str, Any]) -> None:
        """Replace desc and params; an action that does not exist answers success and nothing changes."""
        _check_ascii(params)
        record = self.actions.get(str(action_id))
        if record is not None:
            record.update(desc=desc, params=params)

    def delete_action(self, action_id: int) -> None:
        record = self._action(action_id)
        for step in _records(self.remote_steps):
            if record["name"] in step["actions"]:
                raise missing(f"action is using ! step id:{step['id']},step name:{step['name']}")
        del self.actions[str(action_id)]

    def action_by_name(self, name: str) -> dict[str, Any] | None:
        return next((a for a in _records(self.actions) if a["name"] == name), None)

    def _action(self, action_id: int) -> dict[str, Any]:
        return _existing(self.actions.get(str(action_id)), "action")

    # --- remote action implementations (keyed by their action's id) ----------------------------
    def list_actimpls(self) -> list[dict[str, Any]]:
        return _views(self.actimpls)

    def get_actimpl(self, action_id: int) -> dict[str, Any]:
        return copy.deepcopy(self._actimpl(action_id))

    def create_actimpl(self, impl_type: str, action_id: int, template: dict[str, Any]) -> int:
        impl_type = impl_type or DEFAULT_IMPL_TYPE
        if str(action_id) not in self.actions:
            raise bad(f"action {action_id} not found")
        if any(i["action_id"] == action_id and i["type"] == impl_type for i in self.actimpls.values()):
            raise bad(f"action impl already exists for action {action_id}[{impl_type}]")
        impl_id = self.next_id("actimpl")
        self.actimpls[str(impl_id)] = {"id": impl_id, "type": impl_type, "action_id": action_id,
                                       "template": template}
        return impl_id

    def update_actimpl(self, action_id: int, impl_type: str, template: dict[str, Any]) -> None:
        """Replace type and template of the action's implementation."""
        self._actimpl(action_id).update(type=impl_type or DEFAULT_IMPL_TYPE, template=template)

    def delete_actimpl(self, action_id: int) -> None:
        del self.actimpls[str(self._actimpl(action_id)["id"])]

    def impl_of(self, action_id: int) -> dict[str, Any] | None:
        """The action's implementation, the ansible one first."""
        impls = [i for i in _records(self.actimpls) if i["action_id"] == action_id]
        impls.sort(key=lambda i: i["type"] != DEFAULT_IMPL_TYPE)
        return impls[0] if impls else None

    def _actimpl(self, action_id: int) -> dict[str, Any]:
        return _existing(self.impl_of(action_id), "actimpl")

    # --- shared rules ---------------------------------------------------------------------------
    def _check_unique(self, collection: Mapping[str, Mapping[str, Any]], name: str, kind: str) -> None:
        if any(record["name"] == name for record in collection.values()):
            raise bad(f"{kind} {name} already exists")


SERVICE_FIELDS = ("name", "desc", "service_type", "docker_image", "cluster_id")
POOL_FIELDS = ("name", "desc", "vm_type", "sd_id", "tasks", "service_id")
_DEFAULTS: dict[str, Any] = {"cluster_id": 0, "service_id": 0, "vm_type": 0, "sd_id": 0, "tasks": {}}


def rfc3339(seconds: float) -> str:
    """A timestamp as Go's time.Time marshals it (RFC 3339), in UTC."""
    return datetime.fromtimestamp(seconds, timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def _pick(fields: Mapping[str, Any], names: Iterable[str]) -> dict[str, Any]:
    """The named fields, a missing one reset to its zero value (update replaces every field)."""
    return {name: copy.deepcopy(fields.get(name, _DEFAULTS.get(name, ""))) for name in names}


def _records(collection: Mapping[str, dict[str, Any]], newest_first: bool = False) -> list[dict[str, Any]]:
    return sorted(collection.values(), key=lambda record: record["id"], reverse=newest_first)


def _views(collection: Mapping[str, dict[str, Any]], newest_first: bool = False) -> list[dict[str, Any]]:
    return [copy.deepcopy(record) for record in _records(collection, newest_first)]


def _node_view(node: Mapping[str, Any]) -> dict[str, Any]:
    return {key: node[key] for key in ("id", "ip", "vm_id", "status", "node_type", "created", "updated")}


def _require_name(name: str) -> None:
    if not name:
        raise bad("param is error!")


def _check_tasks(tasks: Any) -> None:
    """A pool's tasks map: template type (expand, shrink, deploy) -> template id."""
    for kind, template_id in (tasks or {}).items():
        if isinstance(template_id, bool) or not isinstance(template_id, int):
            raise bad(f"Bad {kind} task id :{template_id}")


def _check_ascii(params: Any) -> None:
    # upstream ActionAppend compares the JSON text's length in bytes and in runes
    if not _is_ascii(params):
        raise bad("there is unicode character in param")


def _is_ascii(value: Any) -> bool:
    if isinstance(value, dict):
        return all(_is_ascii(k) and _is_ascii(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_is_ascii(v) for v in value)
    return not isinstance(value, str) or value.isascii()


def _ip_list(items: Any, key: str) -> list[str]:
    if items is None:
        return []
    if not isinstance(items, list) or not all(isinstance(ip, str) and ip for ip in items):
        raise ValueError(f"opendcp fixtures: {key!r} must be a list of IP strings")
    return list(items)


def _existing(record: dict[str, Any] | None, what: str) -> dict[str, Any]:
    """The record, else the 404 upstream answers for a `what` (cluster, pool...) that is not in its database."""
    if record is None:
        raise missing(f"{what} in db not found")
    return record
