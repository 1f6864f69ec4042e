"""HTTP routes of the OpenDCP API (opendcp-api.txt): every path for any method, JSON in, envelopes out.

How a call is answered (api-docs/README.md, "How the real OpenDCP server answers"):

- Success: HTTP 200 `{"code": 0, "msg": "", "data": ...}`; lists add `page`, `page_size` and
  `query_count`. Create answers the new id as a bare integer, update `""`, delete `{}` or `""`.
- Failure: the code (400 or 404) is also the HTTP status, with `data: {}` and the reason in `msg`.
- An unknown path, or a non-number where an id is expected, answers the web framework's HTML 404
  page; a fault in the server its HTML 500 page.
- Bodies are JSON; a form-encoded body reaches the handler empty. `page` and `page_size` come
  from the query string only (defaults 1 and 10, a non-number or a value below 1 is the default).
- `Authorization` only names the operator of expand, shrink, deploy and `/task/create`
  (`opr_user`); OpenDCP has no login.

The scheduled-task paths (`/task/expandList`, `/task/uploadList`, `/task/saveTask`) are not
routed, as in the latest upstream server. Test hook on the app: the framework's `advance_clock(seconds)`
(running flows progress on the next request).

Settings: `flow_seconds` (emulated seconds a batch of a flow takes, default 4) and `vm_manager`
(`reachable`, the default, or `unreachable`: create_vm cannot reach the VM manager, so expand flows
fail as the real server's do). Control endpoint: `GET|POST /_emulator/vm_manager`, a POST with
`{"reachable": true|false}` switching the VM manager on or off while the emulator runs.
"""

from __future__ import annotations

import copy
import json
from typing import Any, Callable

from ..common.app import EmulatorApp
from ..common.http import HttpError, NotFound, Request, Response, Router
from .flows import OpenDcpModel
from .state import VM_MANAGER_ADDRESS, OpenDcpFailure, ServerFault, Settings, bad, missing

ALL_METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD"]
DEFAULT_PAGE, DEFAULT_PAGE_SIZE = 1, 10
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")

VM_MANAGER_CHOICES = {"reachable": True, "unreachable": False}
PAGE_404 = ("<!DOCTYPE html>\n<html>\n<head><meta charset=\"utf-8\"><title>Page Not Found</title></head>\n"
            "<body><h1>404</h1><h2>Page Not Found</h2>"
            "<p>The page you have requested has flown the coop.</p></body>\n</html>\n")
PAGE_500 = ("<!DOCTYPE html>\n<html>\n<head><meta charset=\"utf-8\"><title>Internal Server Error</title></head>\n"
            "<body><h1>500</h1><h2>Internal Server Error</h2>"
            "<p>The server encountered an internal error.</p></body>\n</html>\n")
HTML = "text/html; charset=utf-8"

#: what a route's handler answers: a `Page`, or the envelope's `data`
Handler = Callable[[Request], Any]


class Page:
    """A list answer: the items of one page and what `query_count` says."""

    def __init__(self, request: Request, items: list[Any], count_is_page_length: bool = False):
        self.page = _page_arg(request, "page", DEFAULT_PAGE)
        self.page_size = _page_arg(request, "page_size", DEFAULT_PAGE_SIZE)
        start = (self.page - 1) * self.page_size
        self.items = items[start:start + self.page_size]
        # README: on /pool/list `query_count` is the length of the page, not the total
        self.count = len(self.items) if count_is_page_length else len(items)

    def body(self) -> dict[str, Any]:
        return {"code": 0, "msg": "", "data": self.items, "page": self.page, "page_size": self.page_size,
                "query_count": self.count}


class OpenDcpEmulator(EmulatorApp):
    """OpenDCP: clusters, services, pools and nodes, task templates, remote steps and actions, flows."""

    platform = "opendcp"
    default_port = 18083
    state: OpenDcpModel

    # --- EmulatorApp hooks ------------------------------------------------------------------------
    def register_routes(self, router: Router) -> None:
        """Every canonical path and alias, for any HTTP method (upstream routes use "*")."""
        for path, handler in self.route_table():
            router.add(ALL_METHODS, path, self._operation(handler))

    def reset(self) -> None:
        """No objects; the built-in free hosts plus the fixtures' `free_hosts` and `failing_hosts`."""
        self.state = OpenDcpModel(self._settings(), self.now, self.ids)
        self.state.load(self.fixtures)

    def control(self, name: str, request: Request) -> Response | None:
        """`GET|POST /_emulator/vm_manager`: whether create_vm reaches the VM manager; a POST with
        `{"reachable": true|false}` sets it (kept in the state, so a restart keeps it)."""
        if name != "vm_manager" or request.method not in ("GET", "POST"):
            return None
        if request.method == "POST":
            try:
                data = request.json()
            except HttpError as error:
                return Response(400, {"error": error.message})
            if not isinstance(data, dict) or not isinstance(data.get("reachable"), bool):
                return Response(400, {"error": 'the body must be a JSON object {"reachable": true|false}'})
            with self.lock:
                self.state.advance()  # flows run up to now with the VM manager as it was
                self.state.vm_manager_reachable = data["reachable"]
                self.save_state()
        return Response(200, {"reachable": self.state.vm_manager_reachable, "address": VM_MANAGER_ADDRESS})

    def error_response(self, error: HttpError, request: Request) -> Response:
        """Routing errors are the web framework's HTML pages, not the JSON envelope."""
        if error.status == 404:
            return Response(404, PAGE_404, content_type=HTML)
        return Response(error.status, PAGE_500 if error.status >= 500 else PAGE_404, content_type=HTML)

    def envelope_error(self, request: Request) -> Response:
        """The `envelope` fault: HTTP 200 whose envelope's code says the server failed."""
        return Response(200, {"code": 500, "msg": "internal error (injected fault)", "data": {}})

    def dispatch(self, request: Request) -> Response:
        """Any fault in a handler is the HTML 500 page, as from the upstream server."""
        try:
            return super().dispatch(request)
        except Exception:  # noqa: BLE001 - whatever went wrong, the client gets the server's 500 page
            return Response(500, PAGE_500, content_type=HTML)

    # --- the route table --------------------------------------------------------------------------
    def route_table(self) -> list[tuple[str, Handler]]:
        """(path, handler); fixed paths come before `{id}` paths that could swallow them."""
        return self._inventory_routes() + self._pool_routes() + self._flow_routes() + self._step_routes()

    def _inventory_routes(self) -> list[tuple[str, Handler]]:
        """Clusters and services."""
        state = self._model
        return [
            ("/cluster/list", listing(lambda: state().list_clusters())),
            ("/cluster/create", with_body("cluster_struct", lambda body: state().create_cluster(*_cluster(body)))),
            ("/cluster/update/{id}", with_id_and_body(
                "cluster_struct", lambda id_, body: state().update_cluster(id_, *_cluster(body)), "")),
            ("/cluster/delete/{id}", done_by_id(lambda id_: state().delete_cluster(id_), {})),
            ("/cluster/{id}/list_services", page_by_id(lambda id_: state().cluster_services(id_))),
            ("/cluster/{id}", by_id(lambda id_: state().get_cluster(id_))),
            ("/service/create", with_body("service_struct", lambda body: state().create_service(_service(body)))),
            ("/service/update/{id}", with_id_and_body(
                "service_struct", lambda id_, body: state().update_service(id_, _service(body)), "")),
            ("/service/delete/{id}", done_by_id(lambda id_: state().delete_service(id_), {})),
            ("/service/{id}/list_pools", page_by_id(lambda id_: state().service_pools(id_))),
            ("/service/{id}", by_id(lambda id_: state().get_service(id_))),
        ]

    def _pool_routes(self) -> list[tuple[str, Handler]]:
        """Pools and their nodes: expand, shrink and deploy name the operator (`Authorization`)."""
        state = self._model
        return [
            ("/pool/list", lambda request: Page(request, state().list_pools(), count_is_page_length=True)),
            ("/pool/create", with_body("pool_struct", lambda body: state().create_pool(_pool(body)))),
            ("/pool/update/{id}", with_id_and_body(
                "pool_struct", lambda id_, body: state().update_pool(id_, _pool(body)), "")),
            ("/pool/delete/{id}", done_by_id(lambda id_: state().delete_pool(id_), {})),
            ("/pool/search_by_ip/{iplist}",
             lambda request: state().search_by_ip(request.path_params["iplist"].split(","))),
            ("/pool/expand/{id}", with_id_and_body(
                "expand_struct", lambda id_, body: state().expand(id_, body.integer("num"), body.operator), {})),
            ("/pool/shrink/{id}", with_id_and_body(
                "shrink_struct", lambda id_, body: state().shrink(id_, body.strings("nodes"), body.operator), {})),
            ("/pool/deploy/{id}", with_id_and_body(
                "deploy_struct",
                lambda id_, body: state().deploy(id_, body.integer("max_num"), body.string("tag"), body.operator), {})),
            ("/pool/{id}/list_nodes", page_by_id(lambda id_: state().list_nodes(id_))),
            ("/pool/{id}/add_nodes", with_id_and_body(
                "nodes_struct", lambda id_, body: state().add_nodes(id_, body.strings("nodes")))),
            ("/pool/{id}/remove_nodes", with_id_and_body(
                "remove_nodes_struct", lambda id_, body: state().remove_nodes(id_, body.integers("nodes")), {})),
            ("/pool/{id}", by_id(lambda id_: state().get_pool(id_))),
        ]

    def _flow_routes(self) -> list[tuple[str, Handler]]:
        """Flows (tasks) and the task templates they run (also under the /task/impl and /action/impl aliases)."""
        state = self._model
        templates = listing(lambda: state().list_templates())
        create_template = with_body("flowImpl", lambda body: state().create_template(
            body.string("name"), body.string("desc"), body.steps("steps")))
        return [
            ("/task/impl/create", create_template), ("/task/impl/list", templates),
            ("/task/impl/delete", _alias_delete),
            # timeout, auto, opr_user and params are type-checked on read but the emulator has no use for them:
            # the operator is the Authorization header, as upstream RunFlow takes it
            ("/task/create", with_body("run_struct", lambda body: state().create_task(
                body.integer("template_id"), body.string("task_name"), body.integer("max_ratio"),
                body.integer("max_num"), body.node_ips("nodes"), body.operator), {})),
            ("/task/list", listing(lambda: state().list_flows())),
            ("/task/start/{id}", done_by_id(lambda id_: state().start_flow(id_), {})),
            ("/task/pause/{id}", done_by_id(lambda id_: state().pause_flow(id_), {})),
            ("/task/stop/{id}", done_by_id(lambda id_: state().stop_flow(id_), {})),
            ("/task/flow/{id}/log", by_id(lambda id_: state().flow_log(id_))),
            ("/task/node/{id}/log", by_id(lambda id_: state().node_log(id_))),
            ("/task/{id}/detail", by_id(lambda id_: state().flow_detail(id_))),
            ("/task/{id}", by_id(lambda id_: state().get_flow(id_))),
            ("/task_tpl/create", create_template), ("/task_tpl/list", templates),
            ("/task_tpl/update/{id}", with_id_and_body("flowImpl", lambda id_, body: state().update_template(
                id_, body.string("desc"), body.steps("steps")), "")),
            ("/task_tpl/delete/{id}", done_by_id(lambda id_: state().delete_template(id_), {})),
            ("/task_tpl/{id}", by_id(lambda id_: state().get_template(id_))),
            ("/task_step/list", listing(lambda: state().task_steps())),
            ("/action/impl/create", create_template), ("/action/impl/list", templates),
            ("/action/impl/delete", _alias_delete),
        ]

    def _step_routes(self) -> list[tuple[str, Handler]]:
        """Remote steps, the actions they run and the actions' implementations: five routes each, alike."""
        return [route for kind, fields in STEP_KINDS.items() for route in self._object_routes(kind, *fields)]

    def _object_routes(self, kind: str, struct: str, create_fields: tuple[str, ...],
                       update_fields: tuple[str, ...]) -> list[tuple[str, Handler]]:
        """`/<kind>/create`, `/list`, `/update/{id}`, `/delete/{id}` (answered "") and `/{id}`, served by the model's
        `create_<kind>`, `list_<kind>s`, `update_<kind>`, `delete_<kind>` and `get_<kind>`, the body's fields given
        in the order the model takes them."""

        def operation(name: str) -> Callable[..., Any]:
            return getattr(self.state, name)

        return [
            (f"/{kind}/create",
             with_body(struct, lambda body: operation(f"create_{kind}")(*body.values(create_fields)))),
            (f"/{kind}/list", listing(lambda: operation(f"list_{kind}s")())),
            (f"/{kind}/update/{{id}}", with_id_and_body(
                struct, lambda id_, body: operation(f"update_{kind}")(id_, *body.values(update_fields)), "")),
            (f"/{kind}/delete/{{id}}", done_by_id(lambda id_: operation(f"delete_{kind}")(id_), "")),
            (f"/{kind}/{{id}}", by_id(lambda id_: operation(f"get_{kind}")(id_))),
        ]

    def _model(self) -> OpenDcpModel:
        """The model as it is now (`reset` replaces it, so routes read it at each request)."""
        return self.state

    def _operation(self, handler: Callable[[Request], Any]) -> Callable[[Request], Response]:
        """Bring flows up to now, run the handler, and wrap its answer or failure in the envelope."""
        def respond(request: Request) -> Response:
            self.state.advance()
            try:
                answer = handler(request)
            except OpenDcpFailure as failure:
                return Response(failure.code, {"code": failure.code, "msg": failure.msg, "data": {}})
            except ServerFault:  # where upstream itself fails (a template naming an unknown step): its 500 page
                return Response(500, PAGE_500, content_type=HTML)
            if isinstance(answer, Page):
                return Response(200, answer.body())
            return Response(200, {"code": 0, "msg": "", "data": answer})
        return respond

    def _settings(self) -> Settings:
        """`flow_seconds` (a number >= 0) and `vm_manager` (reachable or unreachable); ValueError naming a bad one."""
        seconds = self.options.extra.get("flow_seconds", Settings.flow_seconds)
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or seconds < 0:
            raise ValueError("opendcp: flow_seconds must be a number >= 0")
        vm_manager = self.options.extra.get("vm_manager", "reachable")
        if vm_manager not in VM_MANAGER_CHOICES:
            raise ValueError(f"opendcp: vm_manager must be reachable or unreachable, got {vm_manager!r}")
        return Settings(flow_seconds=float(seconds), vm_manager_reachable=VM_MANAGER_CHOICES[vm_manager])


INT, STR, MAP = ((int,), "int"), ((str,), "string"), ((dict,), "map[string]interface {}")


def _list_of(go_type: str) -> tuple[tuple[type, ...], str]:
    return (list,), go_type


#: The fields of each request struct of upstream's handlers, with their Go types. Go's encoding/json refuses a
#: present field of another type whether or not the handler uses it (400, the message naming the field);
#: fields a struct does not declare are ignored.
STRUCTS: dict[str, dict[str, tuple[tuple[type, ...], str]]] = {
    "cluster_struct": {"id": INT, "name": STR, "desc": STR, "biz": STR},
    "service_struct": {"id": INT, "name": STR, "desc": STR, "service_type": STR, "docker_image": STR,
                       "cluster_id": INT},
    "pool_struct": {"id": INT, "name": STR, "desc": STR, "vm_type": INT, "sd_id": INT, "service_id": INT,
                    "tasks": MAP},
    "nodes_struct": {"nodes": _list_of("[]string")},
    "remove_nodes_struct": {"nodes": _list_of("[]int")},
    "expand_struct": {"num": INT},
    "shrink_struct": {"nodes": _list_of("[]string")},
    "deploy_struct": {"max_num": INT, "tag": STR},
    "run_struct": {"template_id": INT, "task_name": STR, "timeout": INT, "auto": INT, "max_ratio": INT,
                   "max_num": INT, "opr_user": STR, "nodes": _list_of("[]map[string]interface {}"), "params": MAP},
    "flowImpl": {"id": INT, "name": STR, "desc": STR, "steps": _list_of("[]models.StepOption")},
    "remotestep_struct": {"id": INT, "name": STR, "desc": STR, "actions": _list_of("[]string")},
    "action_struct": {"id": INT, "name": STR, "desc": STR, "params": MAP},
    "remoteactionimpl_struct": {"id": INT, "type": STR, "action_id": INT, "template": MAP},
}


#: the kinds `_object_routes` serves: their request struct, and the fields their create and update read, in order
STEP_KINDS: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    "remote_step": ("remotestep_struct", ("name", "desc", "actions"), ("desc", "actions")),
    "action": ("action_struct", ("name", "desc", "params"), ("desc", "params")),
    "actimpl": ("remoteactionimpl_struct", ("type", "action_id", "template"), ("type", "template")),
}
#: the value Go gives a field of each type when the body leaves it out (or sends null)
ZERO_VALUES: dict[str, Callable[[], Any]] = {"int": int, "string": str, "bool": bool, "map[string]interface {}": dict,
                                               "[]string": list, "[]int": list}


class Body:
    """A JSON request body read the way Go's encoding/json fills a struct: a missing field is its zero value."""

    def __init__(self, data: dict[str, Any], struct: str, operator: str = ""):
        self.data = data
        self.struct = struct
        #: who sends the request (its `Authorization` header): the operator of expand, shrink, deploy and a flow
        self.operator = operator

    @classmethod
    def read(cls, request: Request, struct: str) -> "Body":
        """The request's JSON object; a form-encoded body reaches the handler empty, as upstream."""
        ctype = (request.header("content-type") or "").lower()
        raw = b"" if any(form in ctype for form in FORM_TYPES) else request.body
        if not raw.strip():
            raise bad("unexpected end of JSON input")
        try:
            data = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise bad(f"invalid JSON body: {exc}")
        if not isinstance(data, dict):
            raise bad(f"json: cannot unmarshal {_kind(data)} into Go value of type api.{struct}")
        body = cls(data, struct, request.header("authorization") or "")
        for key, (types, go_type) in STRUCTS[struct].items():
            body.field(key, types, go_type, None)
        return body

    def field(self, key: str, types: tuple[type, ...], go_type: str, default: Any) -> Any:
        """The value of `key`, `default` when it is missing or null; another type is a 400 naming the field."""
        value = self.data.get(key)
        if value is None:
            return default
        if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
            raise bad(f"json: cannot unmarshal {_kind(value)} into Go struct field {self.struct}.{key} of type "
                      f"{go_type}")
        return value

    def boolean(self, key: str) -> bool:
        """A Go `bool` field (false when missing)."""
        return self.field(key, (bool,), "bool", False)

    def integer(self, key: str) -> int:
        """A Go `int` field (0 when missing)."""
        return self.field(key, (int,), "int", 0)

    def string(self, key: str) -> str:
        """A Go `string` field ("" when missing)."""
        return self.field(key, (str,), "string", "")

    def mapping(self, key: str) -> dict[str, Any]:
        """A Go `map[string]interface {}` field ({} when missing)."""
        return self.field(key, (dict,), "map[string]interface {}", {})

    def strings(self, key: str) -> list[str]:
        """A Go `[]string` field ([] when missing)."""
        return self.items(key, "[]string", lambda value: isinstance(value, str), "string")

    def integers(self, key: str) -> list[int]:
        """A Go `[]int` field ([] when missing)."""
        return self.items(key, "[]int", lambda value: isinstance(value, int) and not isinstance(value, bool), "int")

    def items(self, key: str, go_type: str, fits: Callable[[Any], bool], item_go_type: str) -> list[Any]:
        """A list field whose every item `fits` its Go type; an item that does not is a 400 naming the field."""
        values = self.field(key, (list,), go_type, [])
        for value in values:
            if not fits(value):
                raise bad(f"json: cannot unmarshal {_kind(value)} into Go struct field {self.struct}.{key} of type "
                          f"{item_go_type}")
        return list(values)

    def values(self, keys: tuple[str, ...]) -> list[Any]:
        """The fields named, each read as the struct declares it (`STRUCTS`): its Go zero value when missing, a 400
        for a value of another type, a list's items checked too."""
        readers: dict[str, Callable[[str], Any]] = {"[]string": self.strings, "[]int": self.integers}
        values = []
        for key in keys:
            types, go_type = STRUCTS[self.struct][key]
            read = readers.get(go_type)
            values.append(read(key) if read else self.field(key, types, go_type, ZERO_VALUES[go_type]()))
        return values

    def node_ips(self, key: str) -> list[str]:
        """`nodes: [{"ip": ...}]`: a node without an ip is skipped, as upstream does; an ip that is not a string is
        refused (400) rather than skipped."""

        def node(value: Any) -> bool:
            if not isinstance(value, dict):
                return False
            if value.get("ip") is not None and not isinstance(value["ip"], str):
                raise bad(f"{self.struct}.{key}: ip must be a string, got {_kind(value['ip'])}")
            return True

        values = self.items(key, "[]map[string]interface {}", node, "map[string]interface {}")
        return [value["ip"] for value in values if isinstance(value.get("ip"), str)]

    def steps(self, key: str) -> list[dict[str, Any]]:
        """Template steps, normalised to {"name", "param_values", "retry": {"retry_times", "ignore_error"}}."""
        values = self.field(key, (list,), "[]models.StepOption", [])
        return [_step(self.struct, value) for value in values]


def _step(struct: str, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise bad(f"json: cannot unmarshal {_kind(value)} into Go struct field {struct}.steps of type "
                  "models.StepOption")
    option = Body(value, "StepOption")
    retry = Body(option.field("retry", (dict,), "models.RetryOption", {}), "RetryOption")
    return {"name": option.string("name"),
            "param_values": option.field("param_values", (dict,), "models.ParamValues", {}),
            "retry": {"retry_times": retry.integer("retry_times"), "ignore_error": retry.boolean("ignore_error")}}


def _cluster(body: Body) -> tuple[str, str, str]:
    """A cluster's name, desc and biz."""
    return body.string("name"), body.string("desc"), body.string("biz")


def _service(body: Body) -> dict[str, Any]:
    """A service's fields."""
    return {"name": body.string("name"), "desc": body.string("desc"), "service_type": body.string("service_type"),
            "docker_image": body.string("docker_image"), "cluster_id": body.integer("cluster_id")}


def _pool(body: Body) -> dict[str, Any]:
    """A pool's fields."""
    return {"name": body.string("name"), "desc": body.string("desc"), "vm_type": body.integer("vm_type"),
            "sd_id": body.integer("sd_id"), "tasks": body.mapping("tasks"), "service_id": body.integer("service_id")}


def listing(produce: Callable[[], list[Any]]) -> Handler:
    """A list route: a `Page` of what `produce` returns."""
    return lambda request: Page(request, produce())


def by_id(operation: Callable[[int], Any]) -> Handler:
    """A route answering what `operation` returns for the object the path's `{id}` names."""
    return lambda request: operation(_id(request))


def page_by_id(operation: Callable[[int], list[Any]]) -> Handler:
    """A list route of the object the path's `{id}` names: a `Page` of what `operation` returns for it."""
    return lambda request: Page(request, operation(_id(request)))


def done_by_id(operation: Callable[[int], Any], answer: dict[str, Any] | str) -> Handler:
    """A route running `operation` on the object the path's `{id}` names, answering `answer` (`{}` or `""`, as
    upstream's handler does)."""

    def handler(request: Request) -> Any:
        operation(_id(request))
        return copy.copy(answer)

    return handler


def with_body(struct: str, operation: Callable[[Body], Any], answer: Any = None) -> Handler:
    """A route reading its body as upstream's `struct` and running `operation` on it; it answers `answer` (`{}` or
    `""`, as upstream's handler does) or, without one, what `operation` returns (a new object's id)."""

    def handler(request: Request) -> Any:
        result = operation(Body.read(request, struct))
        return result if answer is None else copy.copy(answer)

    return handler


def with_id_and_body(struct: str, operation: Callable[[int, Body], Any], answer: Any = None) -> Handler:
    """`with_body` for a route whose path names an object by `{id}`, read first (a path without a number is a
    404 whatever the body)."""

    def handler(request: Request) -> Any:
        object_id = _id(request)
        result = operation(object_id, Body.read(request, struct))
        return result if answer is None else copy.copy(answer)

    return handler


def _alias_delete(request: Request) -> Any:
    """The /task/impl/delete and /action/impl/delete aliases read an id from a path that has none, so upstream
    never finds the template (README: delete only through /task_tpl/delete/{id})."""
    raise missing("data not found")


def _id(request: Request) -> int:
    """The path's id; a non-number is a path the server does not route (HTML 404)."""
    text = request.path_params["id"]
    if not text.isascii() or not text.isdigit():
        raise NotFound(f"no such path: {request.path}")
    return int(text)


def _page_arg(request: Request, key: str, default: int) -> int:
    text = request.arg(key) or ""
    try:
        value = int(text)
    except ValueError:
        return default
    return value if value > 0 else default


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"
