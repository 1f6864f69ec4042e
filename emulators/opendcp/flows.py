"""OpenDCP flows (tasks): expand, shrink, deploy and `/task/create`, run over emulated time.

A flow runs its template's steps on its nodes in batches of `step_len` nodes (`max_num` /
`max_ratio`). One batch takes `flow_seconds` of emulated time, split evenly over the steps; a
batch starts when the one before it has ended. The emulator brings every running flow up to the
current time (`advance`) before it answers anything, so nothing runs in the background.

A step is one of the built-in VM / service-discovery steps (create_vm, return_vm, register,
unregister), which only log, or a remote step: each of its actions' implementation templates is
rendered with the step's `param_values` in a sandboxed Jinja2 environment with StrictUndefined,
in the step's order, and logged; nothing is executed. A node fails at a step when a template does
not render, an action or implementation is missing, or its host is one of the fixtures'
`failing_hosts` (it fails at the template's first remote step, else at its last step). A step
with `ignore_error` logs the failure and the node goes on. As upstream, the reason of a failure is
in the flow log (`/task/flow/{id}/log`); the node log (`/task/node/{nsid}/log`) holds `<NO LOG>`.

With the VM manager unreachable (the `vm_manager` setting, or `POST /_emulator/vm_manager`),
create_vm fails for its whole batch and the flow log reads as the real server's (README): among the
"Start running ..." and "Finish running ..." lines, `Fail to run step [create_vm]: Fail: Post
"http://127.0.0.1:9/v1/cluster/<vm type>/expand/<nodes>": dial tcp 127.0.0.1:9: connect: connection
refused` and `Run flow error： first step of create_vm all nodes is failed`.

An expand's node joins the pool when it ends, failed or not, as upstream keeps a failed one with
status 3: one that failed at create_vm has no machine (its host goes back to the free hosts) and
shows its own node id as its ip, with no vm id; one that failed at a later step keeps its host.

States (upstream models.STATUS_*): 0 init, 1 running, 2 success, 3 failed, 4 stopped. A flow ends
2 when at least one node succeeded and 3 when all failed, as upstream's executor decides.
"""

from __future__ import annotations

import copy
import json
from typing import Any, Mapping

from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment

from .state import NODE_FAILED, NODE_OK, VM_MANAGER_ADDRESS, OpenDcpState, bad, rfc3339

INIT, RUNNING, SUCCESS, FAILED, STOPPED = range(5)
FINISHED = (SUCCESS, FAILED)
MAX_EXPAND = 200  # README: expand `num` 1 to 200
EXPAND, SHRINK, DEPLOY, MANUAL = "expand", "shrink", "deploy", "manual"
START_SERVICE_PREFIX = "start_service"
#: what upstream's node log holds for a step that failed
NO_LOG = "<NO LOG>"
#: upstream's error when create_vm, the first step of a batch, failed on every node
CREATE_VM_ALL_FAILED = "first step of create_vm all nodes is failed"

_JINJA = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False)


class RenderError(Exception):
    """A remote action template that cannot be rendered with the step's parameter values."""


def render_template(template: Any, params: Mapping[str, Any]) -> Any:
    """Every string of a JSON template rendered with `params` (sandboxed, undefined names are errors)."""
    if isinstance(template, dict):
        return {key: render_template(value, params) for key, value in template.items()}
    if isinstance(template, list):
        return [render_template(value, params) for value in template]
    if isinstance(template, str):
        try:
            return _JINJA.from_string(template).render(**params)
        except TemplateError as exc:
            raise RenderError(f"{type(exc).__name__}: {exc}") from exc
    return template


class OpenDcpModel(OpenDcpState):
    """The whole OpenDCP model: the state of `state.py` plus flows, flow nodes and the flow log."""

    def export(self) -> dict[str, Any]:
        """Everything as JSON-able data, flows brought up to the current time first."""
        self.advance()
        return super().export()

    # --- the three pool operations ---------------------------------------------------------------
    def expand(self, pool_id: int, num: int, opr_user: str) -> None:
        """A flow named expand_<pool> creating `num` hosts, all in one batch (upstream MaxNum = num)."""
        if num < 1 or num > MAX_EXPAND:
            raise bad(f"Bad num: {num}")
        pool, template = self._pool_template(pool_id, EXPAND)
        if not template["steps"] or template["steps"][0]["name"] != "create_vm":
            raise bad("first step of expand template is not create_vm")
        if len(self.free_hosts) < num:
            raise bad(f"not enough free hosts: {num} requested, {len(self.free_hosts)} available")
        ips = [self._reserve_host() for _ in range(num)]
        overrides = self._overrides(pool, template, self.services[str(pool["service_id"])]["docker_image"])
        self._new_flow(f"{EXPAND}_{pool['name']}", EXPAND, template, pool, ips, num, overrides, opr_user)

    def shrink(self, pool_id: int, ips: list[str], opr_user: str) -> None:
        """A flow named shrink_<pool> on the given hosts of the pool; the others are ignored (as upstream)."""
        pool, template = self._pool_template(pool_id, SHRINK)
        if not template["steps"] or template["steps"][-1]["name"] != "return_vm":
            raise bad("last step of shrink template is not return_vm")
        chosen = []
        for ip in ips:
            node = self.node_by_ip(ip)
            if node is not None and node["pool_id"] == pool_id and ip not in chosen:
                chosen.append(ip)
        if not chosen:
            raise bad(f"no node of pool {pool['name']} has these IPs: {', '.join(ips)}")
        self._new_flow(f"{SHRINK}_{pool['name']}", SHRINK, template, pool, chosen, len(chosen),
                       self._overrides(pool, template, None), opr_user)

    def deploy(self, pool_id: int, max_num: int, tag: str, opr_user: str) -> None:
        """A flow named deploy_<pool> on every node of the pool, `max_num` at a time, with the new image tag."""
        if max_num < 1:
            raise bad(f"Bad max_num: {max_num}")
        if not tag:
            raise bad("tag is empty")
        pool, template = self._pool_template(pool_id, DEPLOY)
        ips = [node["ip"] for node in self._pool_nodes(pool_id)]
        if not ips:
            raise bad("none node to deploy! ")
        self._new_flow(f"{DEPLOY}_{pool['name']}", DEPLOY, template, pool, ips, max_num,
                       self._overrides(pool, template, tag), opr_user)

    def create_task(self, template_id: int, task_name: str, max_ratio: int, max_num: int, ips: list[str],
                    opr_user: str) -> None:
        """`/task/create`: one flow per pool of the given pool nodes, started at once."""
        if max_ratio <= 0 or max_ratio > 100:
            raise bad("ratio error")
        nodes = {ip: self.node_by_ip(ip) for ip in dict.fromkeys(ips)}
        unknown = [ip for ip in ips if nodes[ip] is None]
        if unknown:
            raise bad("node :[" + "".join(ip + "," for ip in unknown) + "] not found...")
        template = self.templates.get(str(template_id))
        if template is None:
            raise bad(f"run task fails: template not found: {template_id}")
        if not ips:
            raise bad("run task fails: nodes is empty")
        by_pool: dict[int, list[str]] = {}
        for ip, node in nodes.items():
            if node is not None:
                by_pool.setdefault(node["pool_id"], []).append(ip)
        for pool_id, pool_ips in by_pool.items():
            step_len = int(len(pool_ips) * max_ratio / 100)
            if max_num > 0:
                step_len = min(step_len, max_num)
            self._new_flow(task_name, MANUAL, template, self.pools[str(pool_id)], pool_ips, max(step_len, 1), {},
                           opr_user)

    # --- start, pause, stop ----------------------------------------------------------------------
    def start_flow(self, flow_id: int) -> None:
        """Resume a flow that is stopped, or run again the nodes of a finished flow that did not succeed."""
        flow = self._flow(flow_id)
        self.advance()
        if flow["state"] == RUNNING:
            raise bad(f"start task {flow_id} fails: Flow {flow['task_name']} is in state running: 1 do not start")
        if flow["state"] in FINISHED:
            self._requeue(flow)
        for node in self._queue(flow):
            if node["state"] not in FINISHED:
                node["state"] = INIT
        self._set_state(flow, RUNNING)
        flow["last_tick"] = self.now()
        self._log(flow, 0, f"Run flow[{flow['task_name']},{flow['id']}]...")

    def pause_flow(self, flow_id: int) -> None:
        flow = self._flow(flow_id)
        self.advance()
        if flow["state"] != RUNNING:
            raise bad(f"pause task {flow_id} fails: Flow {flow['task_name']} is not running")
        self._halt(flow, "paused")

    def stop_flow(self, flow_id: int) -> None:
        # upstream sets SUCCESS on stop; state 4 keeps a stopped expand from reading as a success
        flow = self._flow(flow_id)
        self.advance()
        if flow["state"] in FINISHED:
            raise bad(f"stop task {flow_id} fails: Flow {flow['task_name']} already finished")
        self._halt(flow, "stopped")

    # --- reads ------------------------------------------------------------------------------------
    def list_flows(self) -> list[dict[str, Any]]:
        return [self._flow_view(f) for f in sorted(self.flows.values(), key=lambda f: f["id"], reverse=True)]

    def get_flow(self, flow_id: int) -> dict[str, Any]:
        return self._flow_view(self._flow(flow_id))

    def flow_detail(self, flow_id: int) -> dict[str, list[dict[str, Any]]]:
        """The flow's nodes grouped by state ("0".."4"), only the states that have nodes."""
        flow = self.flows.get(str(flow_id))
        if flow is None:
            raise bad(f"Flow not found: {flow_id}")
        detail: dict[str, list[dict[str, Any]]] = {}
        for node in self._all_nodes(flow):
            detail.setdefault(str(node["state"]), []).append(
                {"id": node["id"], "ip": node["ip"], "state": node["state"], "steps": node["steps"],
                 "pool_name": flow["pool_name"], "vm_id": node["vm_id"], "created": node["created"],
                 "updated": node["updated"]})
        return detail

    def flow_log(self, flow_id: int) -> list[dict[str, Any]]:
        if str(flow_id) not in self.flows:
            raise bad(f"Flow not found: {flow_id}")
        return [copy.deepcopy(entry) for entry in self.logs if entry["fid"] == flow_id]

    def node_log(self, node_state_id: int) -> list[dict[str, str]]:
        """[{step name: log}] for every step the flow node has reached."""
        node = self.flow_nodes.get(str(node_state_id))
        if node is None:
            raise bad(f"Node state not found: {node_state_id}")
        return [{entry["step"]: entry["log"]} for entry in node["log"]]

    # --- progress ---------------------------------------------------------------------------------
    def advance(self) -> None:
        """Bring every running flow up to the current emulated time."""
        now = self.now()
        for flow in sorted(self.flows.values(), key=lambda f: f["id"]):
            if flow["state"] == RUNNING:
                flow["progress"] += max(now - flow["last_tick"], 0.0)
                flow["last_tick"] = now
                self._progress(flow)

    def _progress(self, flow: dict[str, Any]) -> None:
        steps = flow["options"]
        batch_seconds = self.settings.flow_seconds
        step_seconds = batch_seconds / max(len(steps), 1)
        progress = flow["progress"] + 1e-9  # float sums must not keep a step from ending on time
        queue = self._queue(flow)
        for batch, first in enumerate(range(0, len(queue), flow["step_len"])):
            start = batch * batch_seconds
            if progress < start:
                break
            nodes = queue[first:first + flow["step_len"]]
            if not steps and progress >= start + batch_seconds:
                for node in nodes:
                    if node["state"] not in FINISHED:
                        self._node_done(flow, node, SUCCESS)
            for index, option in enumerate(steps):
                if progress < start + (index + 1) * step_seconds:
                    break
                self._run_step_on_batch(flow, batch + 1, index, option, nodes)
            for node in nodes:
                if node["state"] == INIT:
                    self._set_node(node, RUNNING, node["steps"] or (steps[0]["name"] if steps else ""))
        if all(node["state"] in FINISHED for node in queue):
            self._finish(flow)

    def _run_step_on_batch(self, flow: dict[str, Any], batch: int, index: int, option: Mapping[str, Any],
                           nodes: list[dict[str, Any]]) -> None:
        runners = [n for n in nodes if n["state"] not in FINISHED and n["step_index"] == index]
        if not runners:
            return
        if option["name"] == "create_vm" and not self.vm_manager_reachable:
            self._vm_manager_refused(flow, batch, option, runners)
            return
        outcomes = []
        for node in runners:
            ok, text = self._run_step(flow, node, index, option)
            self._set_node(node, RUNNING, option["name"])
            # README: a failed node's own log holds only <NO LOG>; the reason is in the flow log
            node["log"].append({"step": option["name"], "log": text if ok else NO_LOG})
            self._log(flow, batch, f"node {node['id']} ({node['ip']}) step {option['name']}: "
                                   f"{'success' if ok else 'failed'}: {text}")
            outcomes.append(ok)
            if ok or option["retry"]["ignore_error"]:
                node["step_index"] += 1
                if node["step_index"] == len(flow["options"]):
                    self._node_done(flow, node, SUCCESS)
                else:  # `steps` names the step a node is at, as upstream's node state does
                    self._set_node(node, RUNNING, flow["options"][node["step_index"]]["name"])
            else:
                self._node_done(flow, node, FAILED)
        result = "success" if all(outcomes) else "error" if not any(outcomes) else "partial"
        self._log(flow, batch, f"step {option['name']} on batch {batch}: {result}")

    def _vm_manager_refused(self, flow: dict[str, Any], batch: int, option: Mapping[str, Any],
                            runners: list[dict[str, Any]]) -> None:
        """create_vm with the VM manager unreachable: one call for the whole batch, refused, each try logged as the
        real server logs it; every node fails there, and the flow ends with upstream's "Run flow error"."""
        params = option["param_values"]
        url = f"http://{VM_MANAGER_ADDRESS}/v1/cluster/{params.get('vm_type_id', 0)}/expand/{len(runners)}"
        as_go = json.dumps(params, separators=(",", ":"), sort_keys=True)  # as Go's json.Marshal writes a map
        self._log(flow, batch, f"Start running step create_vm params: {as_go}")
        for _attempt in range(option["retry"]["retry_times"] + 1):
            self._log(flow, batch, f'Fail to run step [create_vm]: Fail: Post "{url}": dial tcp {VM_MANAGER_ADDRESS}: '
                                   "connect: connection refused")
        self._log(flow, batch, "Finish running step create_vm")
        for node in runners:
            node["log"].append({"step": "create_vm", "log": NO_LOG})
            self._set_node(node, RUNNING, "create_vm")
            self._node_done(flow, node, FAILED)
        if not any(node["state"] == SUCCESS for node in self._all_nodes(flow)):
            flow["error"] = CREATE_VM_ALL_FAILED

    def _run_step(self, flow: Mapping[str, Any], node: Mapping[str, Any], index: int,
                  option: Mapping[str, Any]) -> tuple[bool, str]:
        """Run one step on one node: (succeeded, what the node's log says)."""
        name, params = option["name"], option["param_values"]
        retries = option["retry"]["retry_times"]
        if node["ip"] in self.failing_hosts and index == self._failing_index(flow):
            suffix = f" (failed after {retries} retries)" if retries else ""
            return False, f"host {node['ip']} is unreachable{suffix}"
        kind = self.step_type(name)
        if kind == "remote":
            return self._run_remote_step(name, params)
        if kind is None:
            return False, f"step {name} not found"
        if name == "create_vm":
            return True, f"created vm {node['vm_id']} ({node['ip']}) of vm type {params.get('vm_type_id', '')}"
        if name == "return_vm":
            return True, f"returned vm {node['vm_id']} ({node['ip']})"
        return True, f"{name} {node['ip']} in service discovery {params.get('service_discovery_id', '')}"

    def _run_remote_step(self, name: str, params: Mapping[str, Any]) -> tuple[bool, str]:
        """Render every action of a remote step in order; the rendered Ansible tasks are the log."""
        step = self.remote_step_by_name(name)
        if step is None:  # `step_type` found it; a step deleted since is not found, as any unknown step
            return False, f"step {name} not found"
        lines: list[str] = []
        for action_name in step["actions"]:
            action = self.action_by_name(action_name)
            if action is None:
                return False, "\n".join(lines + [f"action {action_name} not found"])
            impl = self.impl_of(action["id"])
            if impl is None or impl["type"] != "ansible":
                return False, "\n".join(lines + [f"act impl not found: {action['id']}"])
            try:
                rendered = render_template(impl["template"], params)
            except RenderError as exc:
                return False, "\n".join(lines + [f"action {action_name}: template error: {exc}"])
            lines.append(f"action {action_name}: {json.dumps(rendered, sort_keys=True)}")
        return True, "\n".join(lines)

    def _failing_index(self, flow: Mapping[str, Any]) -> int:
        """A failing host fails at the first remote step, else at the last step."""
        names = [option["name"] for option in flow["options"]]
        remote = [i for i, name in enumerate(names) if self.step_type(name) == "remote"]
        return remote[0] if remote else len(names) - 1

    # --- node and flow outcomes -------------------------------------------------------------------
    def _node_done(self, flow: Mapping[str, Any], node: dict[str, Any], state: int) -> None:
        """A flow node finished: apply what it means to the pool."""
        self._set_node(node, state, node["steps"])
        ok = state == SUCCESS
        pool_node = self.node_by_ip(node["ip"])
        if flow["kind"] == EXPAND:
            if str(flow["pool_id"]) in self.pools:
                self._join_pool(flow, node, ok)
            else:
                self.release_host(node["ip"])
        elif flow["kind"] == SHRINK:
            if ok and pool_node is not None:
                self.drop_pool_node(pool_node)
        elif pool_node is not None:
            pool_node.update(status=NODE_OK if ok else NODE_FAILED, updated=self.timestamp())

    def _join_pool(self, flow: Mapping[str, Any], node: dict[str, Any], ok: bool) -> None:
        """An expand's node ended: it joins the pool, failed (status 3) or not, as upstream keeps it.

        One that failed at create_vm (the first step) has no machine: its host goes back to the free hosts, and the
        pool node shows its own id as its ip, with no vm id (README); so does the flow node."""
        if ok or node["step_index"] > 0:
            self.reserved.remove(node["ip"])
            node["pool_node"] = self.new_pool_node(flow["pool_id"], node["ip"], node["vm_id"],
                                                   NODE_OK if ok else NODE_FAILED)
            return
        self.release_host(node["ip"])
        node["pool_node"] = self.new_machineless_node(flow["pool_id"])
        node.update(ip=str(node["pool_node"]), vm_id="")

    def _finish(self, flow: dict[str, Any]) -> None:
        nodes = self._all_nodes(flow)
        ok = sum(1 for n in nodes if n["state"] == SUCCESS)
        self._set_state(flow, SUCCESS if ok else FAILED)
        flow["run_time"] = flow["progress"]
        if flow.get("error"):
            # upstream saves each log line from its own goroutine: the real server's log has its error (with a
            # full-width colon) before the line runFlow defers, and so does this one
            self._log(flow, 0, f"Run flow error： {flow['error']}")
        self._log(flow, 0, f"Finish running flow[{flow['task_name']},{flow['id']}]")

    def _halt(self, flow: dict[str, Any], how: str) -> None:
        self._set_state(flow, STOPPED)
        for node in self._queue(flow):
            if node["state"] not in FINISHED:
                self._set_node(node, STOPPED, node["steps"])
        self._log(flow, 0, f"Flow[{flow['task_name']},{flow['id']}] {how}")

    def _requeue(self, flow: dict[str, Any]) -> None:
        """Run again the nodes of a finished flow that did not succeed (expand ones get new hosts)."""
        again = [n for n in self._all_nodes(flow) if n["state"] != SUCCESS]
        if not again:
            raise bad(f"start task {flow['id']} fails: every node of flow {flow['task_name']} succeeded")
        if flow["kind"] == EXPAND:
            if len(self.free_hosts) < len(again):
                raise bad(f"start task {flow['id']} fails: not enough free hosts")
            for node in again:
                self._forget_failed_pool_node(node)
                node.update(ip=self._reserve_host(), vm_id=node["vm_id"] or self._new_vm_id())
        flow.pop("error", None)
        for node in again:
            node.update(step_index=0, log=[])
            self._set_node(node, INIT, "")
        flow["queue"] = [n["id"] for n in again]
        flow["progress"] = 0.0

    def _forget_failed_pool_node(self, node: Mapping[str, Any]) -> None:
        """The failed pool node an expand's flow node left, dropped before the flow node runs again."""
        pool_node = self.nodes.get(str(node.get("pool_node")))
        if pool_node is not None:
            self.drop_pool_node(pool_node)

    # --- records ----------------------------------------------------------------------------------
    def _new_flow(self, name: str, kind: str, template: Mapping[str, Any], pool: Mapping[str, Any], ips: list[str],
                  step_len: int, overrides: Mapping[str, Mapping[str, Any]], opr_user: str) -> None:
        flow_id = self.next_id("flow")
        now = self.now()
        options = copy.deepcopy(template["steps"])
        for option in options:
            option["param_values"].update(overrides.get(option["name"], {}))
        node_ids = [self._new_flow_node(flow_id, ip, kind) for ip in ips]
        self.flows[str(flow_id)] = {
            "id": flow_id, "task_name": name, "kind": kind, "template_id": template["id"],
            "template_name": template["name"], "pool_id": pool["id"], "pool_name": pool["name"], "state": RUNNING,
            "options": options, "step_len": step_len, "opr_user": opr_user, "flow_type": "manual",
            "created": rfc3339(now), "updated": rfc3339(now), "run_time": 0.0, "progress": 0.0, "last_tick": now,
            "nodes": node_ids, "queue": list(node_ids)}
        flow = self.flows[str(flow_id)]
        self._log(flow, 0, "Run flow...")
        self._log(flow, 0, f"Start running flow[{name},{flow_id}]")
        self._log(flow, 0, f"There are {-(-len(ips) // step_len)} batches for flow {name}")

    def _new_flow_node(self, flow_id: int, ip: str, kind: str) -> int:
        node_id = self.next_id("flow_node")
        pool_node = self.node_by_ip(ip)
        vm_id = pool_node["vm_id"] if pool_node else ""
        if kind == EXPAND:
            vm_id = self._new_vm_id()
        stamp = self.timestamp()
        self.flow_nodes[str(node_id)] = {"id": node_id, "flow_id": flow_id, "ip": ip, "vm_id": vm_id, "state": INIT,
                                         "step_index": 0, "steps": "", "log": [], "created": stamp,
                                         "updated": stamp}
        return node_id

    def _new_vm_id(self) -> str:
        """A VM id as the VM manager gives it, `i-<16 hex digits>` (from the emulator's `ids`)."""
        return self.ids.token(64, lambda bits: "i-" + format(bits, "016x"))

    def _flow_view(self, flow: Mapping[str, Any]) -> dict[str, Any]:
        stat = [0] * 5
        for node in self._all_nodes(flow):
            stat[node["state"]] += 1
        view = {key: copy.deepcopy(flow[key]) for key in (
            "id", "template_id", "template_name", "task_name", "pool_name", "state", "options", "step_len",
            "opr_user", "flow_type", "run_time", "created", "updated")}
        view["Stat"] = stat
        return view

    def _flow(self, flow_id: int) -> dict[str, Any]:
        flow = self.flows.get(str(flow_id))
        if flow is None:
            raise bad(f"flow not found id: {flow_id}")
        return flow

    def _pool_template(self, pool_id: int, kind: str) -> tuple[dict[str, Any], dict[str, Any]]:
        """The pool and the template its tasks map names for `kind` (upstream helper getModels)."""
        pool = self.pools.get(str(pool_id))
        if pool is None:
            raise bad(f"Pool not found : {pool_id}")
        template_id = (pool["tasks"] or {}).get(kind)
        if template_id is None:
            raise bad(f"No task id found for:{kind}")
        template = self.templates.get(str(template_id))
        if template is None:
            raise bad(f"template not found: {template_id}")
        return pool, template

    def _overrides(self, pool: Mapping[str, Any], template: Mapping[str, Any],
                   tag: str | None) -> dict[str, dict[str, Any]]:
        """Parameters the pool decides (upstream common_flows.go): vm type, service discovery id, image tag."""
        overrides = {"create_vm": {"vm_type_id": pool["vm_type"]}, "return_vm": {"vm_type_id": pool["vm_type"]},
                     "register": {"service_discovery_id": pool["sd_id"]},
                     "unregister": {"service_discovery_id": pool["sd_id"]}}
        if tag is not None:
            start = next((s["name"] for s in template["steps"] if s["name"].startswith(START_SERVICE_PREFIX)), None)
            if start is not None:
                overrides[start] = {"tag": tag}
        return overrides

    def _reserve_host(self) -> str:
        ip = self.free_hosts.pop(0)
        self.reserved.append(ip)
        return ip

    def _queue(self, flow: Mapping[str, Any]) -> list[dict[str, Any]]:
        return [self.flow_nodes[str(node_id)] for node_id in flow["queue"]]

    def _all_nodes(self, flow: Mapping[str, Any]) -> list[dict[str, Any]]:
        return [self.flow_nodes[str(node_id)] for node_id in flow["nodes"]]

    def _set_state(self, flow: dict[str, Any], state: int) -> None:
        flow.update(state=state, updated=self.timestamp())

    def _set_node(self, node: dict[str, Any], state: int, step: str) -> None:
        if (node["state"], node["steps"]) != (state, step):
            node.update(state=state, steps=step, updated=self.timestamp())

    def _log(self, flow: Mapping[str, Any], batch: int, message: str) -> None:
        self.logs.append({"id": len(self.logs) + 1, "fid": flow["id"], "batch_id": batch,
                          "correlation_id": f"{flow['id']}-{batch}", "message": message, "ctime": int(self.now())})

