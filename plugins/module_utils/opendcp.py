# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Client of the OpenDCP API (`opendcp-api.txt`, with the readings in api-docs/README.md).

Every answer is the envelope `{"code", "msg", "data"}` (lists add `page`, `page_size`,
`query_count`); code 0 is success, 400 and 404 are failures and are also the HTTP status, with
the reason in `msg`. An unknown path, or a non-number where an id is expected, answers an HTML
404 page and a server fault an HTML 500 page: both are raised as OpenDcpError naming the path.

The upstream server routes every path for any method. Reads go by GET (page and page size in
the query string, where the server reads them) so the HTTP layer may retry them; writes go by
POST with a JSON body and are never retried. OpenDCP has no login: the `Authorization` header
only names the operator, recorded as `opr_user` of the flows that expand, shrink and deploy
start. Those calls, and `/task/create`, return no flow id: the flow is found in `/task/list`.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from concurrent.futures import ThreadPoolExecutor

from ansible_collections.converge.platforms.plugins.module_utils.client_base import Client
from ansible_collections.converge.platforms.plugins.module_utils.http import (
    ApiError,
    HttpSession,
    connection_options,
    envelope_with,
    from_env,
    response_text,
    tls_verify,
)
from ansible_collections.converge.platforms.plugins.module_utils.paging import pages

DEFAULT_PAGE_SIZE = 100
#: flow states (README: 0 init, 1 running, 2 success, 3 failed, 4 stopped)
FLOW_INIT, FLOW_RUNNING, FLOW_SUCCESS, FLOW_FAILED, FLOW_STOPPED = range(5)
FLOW_STATES = {FLOW_INIT: "init", FLOW_RUNNING: "running", FLOW_SUCCESS: "success", FLOW_FAILED: "failed",
               FLOW_STOPPED: "stopped"}
FLOW_ENDED = (FLOW_SUCCESS, FLOW_FAILED, FLOW_STOPPED)
#: independent reads sent at once (services of several clusters, pools of several services)
READ_WORKERS = 8


def _same(value):
    """A value sent as it is given."""
    return value


class ByIdObject:
    """An object OpenDCP lists under `<prefix>/list`, reads at `<prefix>/<id>`, creates at `<prefix>/create`
    (answering the new id), updates whole at `<prefix>/update/<id>` and deletes at `<prefix>/delete/<id>`.
    An update reads the object first: OpenDCP answers success to an update of one that does not exist (README).

    `fields` are the keys a write sends, in the order of a create's values, each with how its value is
    converted. The client gets `list_<plural>()`, `get_<noun>(id)`, `create_<noun>(*values)`,
    `update_<noun>(id, *values)` and `delete_<noun>(id)` (`with_by_id_objects`).
    """

    def __init__(self, noun, plural, prefix, fields, about, id_in_update=False, id_is_first_value=False):
        self.noun, self.plural, self.prefix, self.fields, self.about = noun, plural, prefix, fields, about
        #: the update's body names the id as well (a template)
        self.id_in_update = id_in_update
        #: the object is addressed by its create's first value, which an update does not repeat after the id
        #: (an implementation, by its action's id)
        self.id_is_first_value = id_is_first_value

    def body(self, values):
        """What a create sends, from its values."""
        if len(values) != len(self.fields):
            raise TypeError("a write of a %s takes %s" % (self.noun, ", ".join(key for key, _convert in self.fields)))
        return dict((key, convert(values[index])) for index, (key, convert) in enumerate(self.fields))

    def update_body(self, object_id, values):
        """What an update sends, from the object's id and its values."""
        if self.id_is_first_value:
            return self.body((object_id,) + tuple(values))
        body = self.body(values)
        if self.id_in_update:
            body["id"] = object_id
        return body

    def methods(self):
        """The five client methods, by name."""
        def list_objects(client):
            return client.list_all(self.prefix + "/list")

        def get_object(client, object_id):
            return client.get("%s/%d" % (self.prefix, object_id))

        def create_object(client, *values):
            return new_id(client.post(self.prefix + "/create", self.body(values)))

        def update_object(client, object_id, *values):
            get_object(client, object_id)
            client.post("%s/update/%d" % (self.prefix, object_id), self.update_body(object_id, values))

        def delete_object(client, object_id):
            client.post("%s/delete/%d" % (self.prefix, object_id))

        methods = (("list_" + self.plural, list_objects, "Every %s."), ("get_" + self.noun, get_object, "One %s."),
                   ("create_" + self.noun, create_object, "Create a %s; returns its id."),
                   ("update_" + self.noun, update_object, "Replace a %s whole, read first."),
                   ("delete_" + self.noun, delete_object, "Delete a %s."))
        for name, method, doc in methods:
            method.__name__, method.__qualname__, method.__doc__ = name, "OpenDcpClient." + name, doc % self.about
        return dict((name, method) for name, method, _doc in methods)


_NAME_AND_DESC = (("name", _same), ("desc", _same))
#: the task templates, remote steps, remote actions and implementations, each written whole by id
BY_ID_OBJECTS = (
    ByIdObject("template", "templates", "/task_tpl", _NAME_AND_DESC + (("steps", list),),
               "task template `{id, name, desc, steps}` (values: name, desc, steps), each step "
               "`{name, param_values, retry: {retry_times, ignore_error}}`", id_in_update=True),
    ByIdObject("remote_step", "remote_steps", "/remote_step", _NAME_AND_DESC + (("actions", list),),
               "remote step `{id, name, desc, actions}` (values: name, desc, actions), the actions by name in "
               "order; one a template uses cannot be deleted"),
    ByIdObject("action", "actions", "/action", _NAME_AND_DESC + (("params", dict),),
               "remote action `{id, name, desc, params}` (values: name, desc, params), the params name -> type; "
               "one a remote step uses cannot be deleted"),
    ByIdObject("actimpl", "actimpls", "/actimpl", (("action_id", int), ("type", _same), ("template", _same)),
               "remote action's implementation `{id, type, action_id, template}` (values: action_id, type, "
               "template), addressed by its action's id", id_is_first_value=True),
)


def with_by_id_objects(cls):
    """Class decorator: `cls` with the client methods of every object of BY_ID_OBJECTS."""
    for by_id_object in BY_ID_OBJECTS:
        for name, method in by_id_object.methods().items():
            setattr(cls, name, method)
    return cls


class OpenDcpError(ApiError):
    """An OpenDCP call that failed: `code` holds the envelope's code (400, 404) when there is one."""


@with_by_id_objects
class OpenDcpClient(Client):
    """Calls the OpenDCP API; one instance per endpoint. OpenDCP has no session: closing releases the pool.

    The calls about task templates, remote steps, remote actions and implementations come from BY_ID_OBJECTS.
    """

    error_class = OpenDcpError

    def __init__(self, url, operator=None, timeout=30.0, validate_certs=True, page_size=DEFAULT_PAGE_SIZE, http=None,
                 max_answer_bytes=None):
        Client.__init__(self, http or HttpSession(url, platform="opendcp", timeout=timeout,
                                                  validate_certs=validate_certs, is_answer=envelope_with("code"),
                                                  max_answer_bytes=max_answer_bytes))
        self.operator = operator or None
        self.page_size = int(page_size)

    # --- envelope ------------------------------------------------------------------------
    def _headers(self):
        headers = {"Content-Type": "application/json"}
        if self.operator:
            headers["Authorization"] = self.operator
        return headers

    def read(self, path, params=None):
        """GET a path; returns the whole envelope (a dict)."""
        response = self.http.request("GET", path, params=params, headers=self._headers())
        return self._envelope(response, "GET", path)

    def get(self, path, params=None):
        """GET a path; returns `data`."""
        return self.read(path, params).get("data")

    def post(self, path, body=None):
        """POST a JSON body (an empty object when there is none); returns `data`."""
        response = self.http.request("POST", path, json={} if body is None else body, headers=self._headers())
        return self._envelope(response, "POST", path).get("data")

    def _envelope(self, response, method, path):
        """The envelope of a success; OpenDcpError with the code and `msg` of a failure, or naming the path of an
        answer that is no envelope (an HTML 404 or 500 page)."""
        try:
            body = self.json_object(response, method, path)
        except OpenDcpError:
            body = {}
        if "code" not in body:
            raise OpenDcpError(self._not_an_envelope(response, path), method, path, response.status_code)
        code = body.get("code")
        if code == 0 and response.status_code < 400:
            return body
        message = self.redact(body.get("msg")) or "OpenDCP reported an error"
        raise OpenDcpError(message, method, path, response.status_code, code=code)

    def _not_an_envelope(self, response, path):
        text = self.redact(response_text(response, limit=200)) or response.reason or "empty answer"
        if response.status_code == 404:
            return "OpenDCP has no such path (%s): %s" % (path, text)
        if response.status_code >= 500:
            return "OpenDCP failed on %s: %s" % (path, text)
        return "the answer to %s is not an OpenDCP envelope: %s" % (path, text)

    def list_all(self, path):
        """Every item of a paged list, reading pages (through the one pager) until one is shorter than the page size.

        `query_count` is not used: on `/pool/list` it is the length of the page, not the total.
        A page that repeats one already read ends the read, in case a server ignores `page`.
        """
        items = []
        for data in pages(lambda number: self._list_page(path, number), "opendcp", "GET", path):
            items.extend(data)
            if len(data) < self.page_size:
                break
        return items

    def _list_page(self, path, number):
        """One page of a paged list; OpenDcpError when its data is not a list."""
        data = self.get(path, {"page": number, "page_size": self.page_size}) or []
        if not isinstance(data, list):
            raise OpenDcpError("the answer to %s is not a list" % path, "GET", path)
        return data

    # --- clusters --------------------------------------------------------------------------
    def list_clusters(self):
        """Every cluster: `{id, name, desc, biz}`."""
        return self.list_all("/cluster/list")

    def get_cluster(self, cluster_id):
        return self.get("/cluster/%d" % cluster_id)

    def create_cluster(self, name, desc, biz):
        """Create a cluster; returns its id."""
        return new_id(self.post("/cluster/create", {"name": name, "desc": desc, "biz": biz}))

    def update_cluster(self, cluster_id, name, desc, biz):
        """Replace desc and biz (the name never changes; OpenDCP wants it all the same)."""
        self.post("/cluster/update/%d" % cluster_id, {"name": name, "desc": desc, "biz": biz})

    def delete_cluster(self, cluster_id):
        """Delete a cluster; refused while it has services."""
        self.post("/cluster/delete/%d" % cluster_id)

    def list_cluster_services(self, cluster_id):
        """The services of a cluster: `{id, name, desc, service_type, docker_image, cluster_id}`."""
        return self.list_all("/cluster/%d/list_services" % cluster_id)

    # --- services --------------------------------------------------------------------------
    def get_service(self, service_id):
        return self.get("/service/%d" % service_id)

    def create_service(self, name, desc, service_type, docker_image, cluster_id):
        """Create a service (name, docker_image and cluster_id are required); returns its id."""
        return new_id(self.post("/service/create", service_body(name, desc, service_type, docker_image, cluster_id)))

    def update_service(self, service_id, name, desc, service_type, docker_image, cluster_id):
        """Replace every field of a service but its name."""
        self.post("/service/update/%d" % service_id, service_body(name, desc, service_type, docker_image, cluster_id))

    def delete_service(self, service_id):
        """Delete a service; refused while it has pools."""
        self.post("/service/delete/%d" % service_id)

    def list_service_pools(self, service_id):
        """The pools of a service, each with its `node_count`."""
        return self.list_all("/service/%d/list_pools" % service_id)

    def pool_node_counts(self, service_id):
        """{pool id: number of nodes} of a service's pools.

        `/service/{id}/list_pools` is the one answer where OpenDCP counts a pool's nodes: `/pool/list`
        and `/pool/{id}` always answer `node_count: 0` (README, "How the real OpenDCP server answers").
        """
        return dict((item["id"], item.get("node_count") or 0) for item in self.list_service_pools(service_id))

    # --- pools -----------------------------------------------------------------------------
    def list_pools(self):
        """Every pool of every service."""
        return self.list_all("/pool/list")

    def get_pool(self, pool_id):
        return self.get("/pool/%d" % pool_id)

    def create_pool(self, name, desc, vm_type, sd_id, service_id, tasks=None):
        """Create a pool; `tasks` maps expand/shrink/deploy to template ids. Returns its id."""
        return new_id(self.post("/pool/create", pool_body(name, desc, vm_type, sd_id, service_id, tasks)))

    def update_pool(self, pool_id, name, desc, vm_type, sd_id, service_id, tasks=None):
        """Replace desc, vm_type, sd_id and tasks (name and service never change)."""
        self.post("/pool/update/%d" % pool_id, pool_body(name, desc, vm_type, sd_id, service_id, tasks))

    def delete_pool(self, pool_id):
        """Delete a pool; refused while it has nodes."""
        self.post("/pool/delete/%d" % pool_id)

    def list_pool_nodes(self, pool_id):
        """The nodes of a pool: `{id, ip, vm_id, status, node_type, ...}`; status 3 is a node a flow failed on (the
        real server answers 0 for a host added by IP, though the document says 1 for success)."""
        return self.list_all("/pool/%d/list_nodes" % pool_id)

    def add_pool_nodes(self, pool_id, ips):
        """Record existing hosts (by IP) in a pool; returns the new node ids."""
        return self.post("/pool/%d/add_nodes" % pool_id, {"nodes": list(ips)}) or []

    def remove_pool_nodes(self, pool_id, node_ids):
        """Forget nodes of a pool, by node id (from list_pool_nodes), not by IP."""
        self.post("/pool/%d/remove_nodes" % pool_id, {"nodes": [int(n) for n in node_ids]})

    def search_pools_by_ip(self, ips):
        """Each IP's pool id (-1 for an IP no pool holds)."""
        ips = list(ips)
        if not ips:
            return {}
        return self.get("/pool/search_by_ip/%s" % ",".join(ips)) or {}

    def expand_pool(self, pool_id, pool_name, num):
        """Start a flow adding `num` new hosts to a pool; returns that flow."""
        return self._flow_call("expand_%s" % pool_name, "/pool/expand/%d" % pool_id, {"num": int(num)})

    def shrink_pool(self, pool_id, pool_name, ips):
        """Start a flow taking hosts (by IP) out of a pool and returning them; returns that flow."""
        return self._flow_call("shrink_%s" % pool_name, "/pool/shrink/%d" % pool_id, {"nodes": list(ips)})

    # --- flows (tasks) ---------------------------------------------------------------------
    def create_task(self, template_id, task_name, ips, max_ratio=100, max_num=0, timeout=0, auto=0, params=None):
        """Run a task template on pool nodes (`/task/create`); returns the newest flow named `task_name`.

        OpenDCP starts one flow per pool of the nodes; the one returned is the newest of them.
        """
        body = {"template_id": int(template_id), "task_name": task_name, "max_ratio": int(max_ratio),
                "max_num": int(max_num), "timeout": int(timeout), "auto": int(auto),
                "opr_user": self.operator or "", "nodes": [{"ip": ip} for ip in ips], "params": params or {}}
        return self._flow_call(task_name, "/task/create", body)

    def _flow_call(self, task_name, path, body):
        before = self.newest_flow(task_name)
        self.post(path, body)
        flow = self.newest_flow(task_name)
        if flow is None or (before is not None and flow["id"] == before["id"]):
            raise OpenDcpError("OpenDCP accepted the call but no new flow named %s appeared in /task/list" % task_name,
                               "POST", path)
        return flow

    def list_tasks(self):
        """Every flow: `{id, task_name, pool_name, template_id, template_name, state, Stat, ...}`."""
        return self.list_all("/task/list")

    def newest_flow(self, task_name):
        """The flow of this name with the highest id, or None."""
        named = [flow for flow in self.list_tasks() if flow.get("task_name") == task_name]
        return max(named, key=lambda flow: flow["id"]) if named else None

    def get_task(self, flow_id):
        """One flow (the document shows it in a one-item list: either shape is accepted)."""
        data = self.get("/task/%d" % flow_id)
        if isinstance(data, list):
            if not data:
                raise OpenDcpError("flow %d not found" % flow_id, "GET", "/task/%d" % flow_id, code=404)
            data = data[0]
        return data

    def task_detail(self, flow_id):
        """The nodes of a flow by state: `{"<state>": [{id, ip, state, steps, ...}]}`."""
        return self.get("/task/%d/detail" % flow_id) or {}

    def task_log(self, flow_id):
        """The log of a flow: `[{id, fid, batch_id, correlation_id, message, ctime}]`."""
        return self.get("/task/flow/%d/log" % flow_id) or []

    def node_log(self, node_state_id):
        """The log of one flow node (an id from task_detail): `[{step name: text}]`."""
        return self.get("/task/node/%d/log" % node_state_id) or []

    def start_task(self, flow_id):
        """Start a flow, resume a stopped one, or run again the nodes of a finished one that failed."""
        self.post("/task/start/%d" % flow_id)

    def pause_task(self, flow_id):
        self.post("/task/pause/%d" % flow_id)

    def stop_task(self, flow_id):
        self.post("/task/stop/%d" % flow_id)

    # --- task steps ------------------------------------------------------------------------
    def list_task_steps(self):
        """The steps templates can use: built-in ones and every remote step (`{id, name, desc, type, params}`)."""
        return self.list_all("/task_step/list")


def concurrently(function, items, workers=READ_WORKERS):
    """`[function(item) for item in items]`, up to `workers` calls at once: independent reads of one client."""
    items = list(items)
    if len(items) < 2:
        return [function(item) for item in items]
    with ThreadPoolExecutor(max_workers=min(workers, len(items))) as pool:
        return list(pool.map(function, items))


def new_id(data):
    """The id a create answered: a bare integer (README), or `{"id": n}` as some document examples show."""
    if isinstance(data, dict):
        data = data.get("id")
    if isinstance(data, bool) or not isinstance(data, int):
        raise OpenDcpError("OpenDCP answered a create without an id: %r" % (data,))
    return data


def service_body(name, desc, service_type, docker_image, cluster_id):
    return {"name": name, "desc": desc or "", "service_type": service_type or "", "docker_image": docker_image,
            "cluster_id": int(cluster_id)}


def pool_body(name, desc, vm_type, sd_id, service_id, tasks):
    return {"name": name, "desc": desc or "", "vm_type": int(vm_type or 0), "sd_id": int(sd_id or 0),
            "service_id": int(service_id), "tasks": dict(tasks or {})}


def flow_pending(flow):
    """How many nodes of a flow are still to run (state init or running), from its `Stat` counts."""
    stat = flow.get("Stat") or flow.get("stat") or []
    if flow.get("state") not in (FLOW_INIT, FLOW_RUNNING):
        return 0
    return sum(stat[:2]) if isinstance(stat, list) else 0


# --- connection options, shared by the modules and the reconciler ----------------------------
CONNECTION_ARGUMENT_SPEC = connection_options("OPENDCP",
                                              operator={"type": "str", "fallback": from_env("OPENDCP_OPERATOR")})


def client_from_params(params):
    """An OpenDcpClient from module options or a reconciler endpoint (same names)."""
    return OpenDcpClient(
        params.get("url"),
        operator=params.get("operator"),
        timeout=params.get("timeout") or 30,
        validate_certs=tls_verify(params),
        max_answer_bytes=params.get("max_answer_bytes"),
    )
