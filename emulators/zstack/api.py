"""The HTTP face of the ZStack 2.3.1 emulator: routes, sessions, async API jobs, envelopes, status codes.

How a call is answered (the document's "API规范概述", with the readings in api-docs/README.md):

- Login, logout, GetVersion and GetCurrentTime answer at once with 200. Every other non-GET
  call is an async API: it is checked (400 for a missing or invalid documented parameter, or a
  body field of the wrong type, `systemTags` and `userTags` included), executed at once, and
  answered 202 `{"location": ".../zstack/v1/api-jobs/<uuid>"}`. A poll of that location answers
  202 for `job_delay` seconds of emulated time, then 200 with the result or 503 with
  `{"error": {...}}`; a job not polled for 2 days answers 404. With the option
  `reload_license=sync`, ReloadLicense answers at once (200 or 503), as ZStack's SDKs expect.
- `X-Job-UUID` names the job (a uuid4, 32 lowercase hex digits, else 400); a call naming a job
  that exists is not run again: it gets that job's location, which makes retries safe.
- `X-Web-Hook` makes the emulator POST the result there once the job is done, with the
  headers `X-Job-UUID` and `X-Job-Success`.
- Every call but login, GetVersion, GetCurrentTime, GetLicenseInfo and IsReadyToGo needs
  `Authorization: OAuth <session uuid>`, else 401 (ID.1001). IsReadyToGo needs one too with the
  option `ready_to_go_session=required` (the document's header list; ZStack's SDKs send none).
- Query APIs (`GET /<resource>[/{uuid}]`) run `query.run_query` over the inventories.

Test hooks on the app: `expire_credentials()` (every session expires) and the framework's `advance_clock(seconds)`.
"""

from __future__ import annotations

import copy
import hashlib
import json
import threading
from typing import Any, Callable

import requests

from ..common.app import EmulatorApp, EmulatorOptions
from ..common.http import HttpError, Request, Response, Router
from .params import (
    INVALID_SESSION_CODE,
    LOGIN_FAILED_CODE,
    UUID_HEX,
    ZStackError,
    action_section,
    body_or_query_value,
    invalid_argument,
    invalid_session,
    job_uuid_header,
    json_body,
    optional_string,
    params_section,
    query_boolean,
    query_list,
    required_string,
    string_list,
    webhook_header,
)
from .query import QueryError, run_query
from .state import (
    LICENSE_CAPABILITIES,
    QUERY_FIELDS,
    QUERY_RESOURCE_TYPES,
    VERSION,
    Settings,
    ZStackFailure,
    ZStackState,
    decode_license,
    error_body,
)

API_PREFIX = "/zstack/v1"
#: The document's polling example has no `/zstack` prefix, so polls are served there too.
LEGACY_JOB_PATH = "/v1/api-jobs/{uuid}"
WEBHOOK_TIMEOUT_SECONDS = 5
DELETE_MODES = ("Permissive", "Enforcing")
NOTIFICATION_STATUSES = ("Unread", "Read")

_GENERIC_ERRORS = {
    400: ("SYS.1007", "invalid argument"),
    401: (INVALID_SESSION_CODE, "invalid session"),
    404: ("SYS.1008", "no API mapping to the URL"),
    405: ("SYS.1008", "method not allowed"),
}

#: What an async API's preparation returns: the operation, run when the job is created.
Action = Callable[[], dict[str, Any]]
Prepare = Callable[[Request, str], Action]
Handler = Callable[[Request], Response]


def deliver_webhook(url: str, job_uuid: str, success: bool, body: dict[str, Any]) -> None:
    """POST a finished job's result to its `X-Web-Hook` URL; delivery errors are ignored."""
    headers = {"Content-Type": "application/json", "X-Job-UUID": job_uuid,
               "X-Job-Success": "true" if success else "false"}
    try:
        requests.post(url, data=json.dumps(body), headers=headers, timeout=WEBHOOK_TIMEOUT_SECONDS)
    except (requests.RequestException, ValueError):
        return


class ZStackEmulator(EmulatorApp):
    """ZStack 2.3.1, global API: the 29 operations of the document."""

    platform = "zstack"
    default_port = 18080
    state: ZStackState

    def __init__(self, options: EmulatorOptions):
        self.state = ZStackState(settings_from(options), self.now, self.new_uuid)
        super().__init__(options)

    # --- identifiers, test hooks ----------------------------------------------------------------
    def new_uuid(self) -> str:
        """A uuid4 as ZStack writes it: 32 hex digits, no dashes (from the emulator's `ids`)."""
        return self.ids.uuid4().hex

    def expire_credentials(self) -> None:
        """Every session expires now (a test hook, and the `expire` fault)."""
        with self.lock:
            self.state.auth.expire_sessions()

    # --- EmulatorApp hooks ----------------------------------------------------------------------
    def register_routes(self, router: Router) -> None:
        """Every documented route under /zstack/v1, plus the polling path without the prefix."""
        for method, path, handler, _operation in self.route_table():
            router.add(method, API_PREFIX + path, self.guarded(handler))
        router.add("GET", LEGACY_JOB_PATH, self.guarded(self._poll_job))

    def reset(self) -> None:
        """Built-in objects plus the fixtures; no sessions, jobs, tags or long jobs."""
        self.state.load(self.fixtures)



    def error_response(self, error: HttpError, request: Request) -> Response:
        """Every error in ZStack's `{"error": {code, description, details}}` shape."""
        if error.body is not None:
            return Response(error.status, error.body)
        code, description = _GENERIC_ERRORS.get(error.status, ("SYS.1000", "internal error"))
        return Response(error.status, error_body(code, description, error.message))

    def envelope_error(self, request: Request) -> Response:
        """The `envelope` fault: HTTP 200 carrying ZStack's internal error, as an API job's result can."""
        return Response(200, error_body("SYS.1000", "internal error", "internal error (injected fault)"))

    # --- the route table -----------------------------------------------------------------------
    def route_table(self) -> list[tuple[str, str, Handler, str]]:
        """(method, path under /zstack/v1, handler, operation): order matters where paths overlap."""
        query, read, job = self._query, self._read, self._async
        gc_jobs, long_jobs = self.state.collector, self.state.long_running
        return [
            ("PUT", "/accounts/login", self._login, "LogInByAccount"),
            ("DELETE", "/accounts/sessions/{uuid}", self._logout, "LogOut"),
            ("GET", "/api-jobs/{uuid}", self._poll_job, "async job polling"),
            ("GET", "/management-nodes", query("management_node"), "QueryManagementNode"),
            ("GET", "/management-nodes/ready",
             read(self._is_ready_to_go, needs_session=self.state.settings.ready_to_go_needs_session), "IsReadyToGo"),
            ("PUT", "/management-nodes/actions", self._management_node_action, "GetVersion, GetCurrentTime"),
            ("GET", "/management-nodes/{uuid}", query("management_node"), "QueryManagementNode"),
            ("POST", "/system-tags", job("CreateSystemTag", self._prepare_create_tag("System")), "CreateSystemTag"),
            ("GET", "/system-tags", query("system_tag"), "QuerySystemTag"),
            ("GET", "/system-tags/{uuid}", query("system_tag"), "QuerySystemTag"),
            ("PUT", "/system-tags/{uuid}/actions", job("UpdateSystemTag", self._prepare_update_system_tag),
             "UpdateSystemTag"),
            ("POST", "/user-tags", job("CreateUserTag", self._prepare_create_tag("User")), "CreateUserTag"),
            ("GET", "/user-tags", query("user_tag"), "QueryUserTag"),
            ("GET", "/user-tags/{uuid}", query("user_tag"), "QueryUserTag"),
            ("DELETE", "/tags/{uuid}", job("DeleteTag", self._prepare_delete_tag), "DeleteTag"),
            ("GET", "/task-progresses/{apiId}", read(self._get_task_progress), "GetTaskProgress"),
            ("DELETE", "/notifications", job("DeleteNotifications", self._prepare_delete_notifications),
             "DeleteNotifications"),
            ("GET", "/notifications", query("notification"), "QueryNotification"),
            ("PUT", "/notifications/actions",
             job("UpdateNotificationsStatus", self._prepare_update_notifications_status), "UpdateNotificationsStatus"),
            ("GET", "/notifications/{uuid}", query("notification"), "QueryNotification"),
            ("GET", "/hosts/capacities/cpu-memory", read(self._get_cpu_memory_capacity), "GetCpuMemoryCapacity"),
            ("PUT", "/gc-jobs/{uuid}/actions",
             job("TriggerGCJob", on_path_uuid(gc_jobs.trigger_gc_job, "triggerGCJob")), "TriggerGCJob"),
            ("DELETE", "/gc-jobs/{uuid}", job("DeleteGCJob", on_path_uuid(gc_jobs.delete_gc_job)), "DeleteGCJob"),
            ("GET", "/gc-jobs", query("gc_job"), "QueryGCJob"),
            ("GET", "/gc-jobs/{uuid}", query("gc_job"), "QueryGCJob"),
            ("GET", "/licenses", read(self._get_license_info, needs_session=False), "GetLicenseInfo"),
            ("GET", "/licenses/capabilities", read(self._get_license_capabilities), "GetLicenseCapabilities"),
            ("PUT", "/licenses/actions", self._sync(self._prepare_reload_license)
             if self.state.settings.reload_license_sync else job("ReloadLicense", self._prepare_reload_license),
             "ReloadLicense"),
            ("PUT", "/licenses/mn/{managementNodeUuid}/actions", job("UpdateLicense", self._prepare_update_license),
             "UpdateLicense"),
            ("POST", "/longjobs", job("SubmitLongJob", self._prepare_submit_long_job), "SubmitLongJob"),
            ("GET", "/longjobs", query("long_job"), "QueryLongJob"),
            ("GET", "/longjobs/{uuid}", query("long_job"), "QueryLongJob"),
            ("DELETE", "/longjobs/{uuid}", job("DeleteLongJob", on_path_uuid(long_jobs.delete_long_job)),
             "DeleteLongJob"),
            ("PUT", "/longjobs/{uuid}/actions",
             job("CancelLongJob", on_path_uuid(long_jobs.cancel_long_job, "cancelLongJob")), "CancelLongJob"),
        ]

    # --- handler kinds -------------------------------------------------------------------------
    def internal_error(self, exc: Exception) -> Response:
        """Answer an unexpected fault as ZStack's REST server does: 500 with an internal error."""
        return Response(500, error_body("SYS.1000", "internal error", f"{type(exc).__name__}: {exc}"))

    def _query(self, kind: str) -> Handler:
        """A query API: `GET /<resource>` with query parameters, or `GET /<resource>/{uuid}`."""
        rows = {
            "management_node": lambda conditions: self.state.management.node_inventories(),
            "system_tag": lambda conditions: self.state.tagging.tag_inventories("System", conditions),
            "user_tag": lambda conditions: self.state.tagging.tag_inventories("User", conditions),
            "notification": lambda conditions: self.state.notices.notification_inventories(),
            "gc_job": lambda conditions: self.state.collector.gc_job_inventories(),
            "long_job": lambda conditions: self.state.long_running.long_job_inventories(),
        }[kind]

        def handler(request: Request) -> Response:
            self._require_session(request)
            uuid = request.path_params.get("uuid")
            # As ZStack's REST server: GET /<resource>/{uuid} is the condition uuid=<uuid> and nothing else.
            params = {"q": [f"uuid={uuid}"]} if uuid is not None else request.query
            conditions = [c for c in params.get("q", []) + params.get("condition", []) if isinstance(c, str)]
            tags = self.state.tagging.tag_index(QUERY_RESOURCE_TYPES[kind], conditions)
            try:
                return Response(200, run_query(rows(conditions), params, QUERY_FIELDS[kind], tags))
            except QueryError as error:
                raise invalid_argument(error.parameter, error.reason) from error

        return handler

    def _read(self, produce: Callable[[Request], dict[str, Any]], needs_session: bool = True) -> Handler:
        """A synchronous GET: 200 with the answer, or 503 with the error when the operation fails."""

        def handler(request: Request) -> Response:
            if needs_session:
                self._require_session(request)
            try:
                return Response(200, produce(request))
            except ZStackFailure as failure:
                return Response(503, failure.body())

        return handler

    def _async(self, api: str, prepare: Prepare) -> Handler:
        """An async API: checked now (400), run now, its result revealed by the job after `job_delay`."""

        def handler(request: Request) -> Response:
            self._require_session(request)
            json_body(request)  # every body field is checked, even where the operation reads none
            job_uuid = job_uuid_header(request)
            webhook = webhook_header(request)
            if job_uuid is not None and self.state.api_jobs.find_job(job_uuid) is not None:
                return self._accepted(request, job_uuid)
            job_uuid = job_uuid or self.new_uuid()
            action = prepare(request, job_uuid)
            try:
                success, body = True, action()
            except ZStackFailure as failure:
                success, body = False, failure.body()
            job = self.state.api_jobs.record_job(job_uuid, api, success, body, webhook)
            if webhook is not None:
                self._schedule_webhook(job)
            return self._accepted(request, job_uuid)

        return handler

    def _sync(self, prepare: Prepare) -> Handler:
        """A write answered at once: checked (400), run, and answered 200 with the result or 503."""

        def handler(request: Request) -> Response:
            self._require_session(request)
            json_body(request)
            action = prepare(request, self.new_uuid())
            try:
                return Response(200, action())
            except ZStackFailure as failure:
                return Response(503, failure.body())

        return handler

    def _accepted(self, request: Request, job_uuid: str) -> Response:
        return Response(202, {"location": f"{request.base_url}{API_PREFIX}/api-jobs/{job_uuid}"})

    def _schedule_webhook(self, job: dict[str, Any]) -> None:
        """Deliver the result once the job is done, in real seconds (emulated delay / time scale)."""
        delay = self.clock.real_seconds(job["readyAt"] - self.now())
        timer = threading.Timer(delay, deliver_webhook,
                                args=(job["webhook"], job["uuid"], job["success"], copy.deepcopy(job["body"])))
        timer.daemon = True
        timer.start()

    def _require_session(self, request: Request) -> None:
        header = (request.header("Authorization") or "").strip()
        if not header:
            raise invalid_session("missing header 'Authorization: OAuth <session uuid>'")
        scheme, _, session_uuid = header.partition(" ")
        session_uuid = session_uuid.strip()
        if scheme != "OAuth" or not session_uuid:
            raise invalid_session("the header Authorization must be 'OAuth <session uuid>'")
        if not self.state.auth.session_valid(session_uuid):
            raise invalid_session(f"the session[uuid:{session_uuid}] does not exist or has expired")

    # --- sessions and jobs ------------------------------------------------------------------------
    def _login(self, request: Request) -> Response:
        section = action_section(request, "logInByAccount")
        account = required_string(section, "accountName")
        password = required_string(section, "password")
        inventory = self.state.auth.login(account, password)
        if inventory is None:
            raise ZStackError(503, LOGIN_FAILED_CODE, "wrong account name or password",
                              f"account[name:{account}] does not exist or the password (SHA-512 hex) is wrong")
        return Response(200, {"inventory": inventory})

    def _logout(self, request: Request) -> Response:
        # the document's basic flow deletes the session by its uuid alone, with no Authorization header
        self.state.auth.logout(request.path_params["uuid"])
        return Response(200, {})

    def _poll_job(self, request: Request) -> Response:
        self._require_session(request)
        job_uuid = request.path_params["uuid"]
        job = self.state.api_jobs.poll_job(job_uuid)
        if job is None:
            raise ZStackError(404, "SYS.1003", "the job has been expired",
                              f"the API job[uuid:{job_uuid}] does not exist or has expired")
        if not self.state.api_jobs.job_ready(job):
            return self._accepted(request, job_uuid)
        return Response(200 if job["success"] else 503, copy.deepcopy(job["body"]))

    # --- management nodes -------------------------------------------------------------------------
    def _management_node_action(self, request: Request) -> Response:
        """GetVersion and GetCurrentTime share the path; both need no session and answer at once."""
        body = json_body(request)
        if "getVersion" in body:
            action_section(request, "getVersion")
            return Response(200, {"version": VERSION})
        if "getCurrentTime" in body:
            action_section(request, "getCurrentTime")
            return Response(200, {"currentTime": self.state.management.current_time()})
        raise invalid_argument("getVersion|getCurrentTime", "is missing: the body must hold one of these actions")

    def _is_ready_to_go(self, request: Request) -> dict[str, Any]:
        """The node's id: 400 for an id that is no UUID, 503 (a failed operation) for one no node has."""
        node_id = request.arg("managementNodeId") or None
        if node_id is not None and not UUID_HEX.match(node_id):
            raise invalid_argument("managementNodeId", "must be a UUID written as 32 hex digits without dashes")
        return {"managementNodeId": self.state.management.ready_node(node_id)}

    # --- tags -------------------------------------------------------------------------------------
    def _prepare_create_tag(self, kind: str) -> Prepare:
        def prepare(request: Request, api_id: str) -> Action:
            params = params_section(request)
            resource_type = required_string(params, "resourceType")
            resource_uuid = required_string(params, "resourceUuid")
            tag = required_string(params, "tag")
            return lambda: {"inventory": self.state.tagging.create_tag(kind, resource_type, resource_uuid, tag)}

        return prepare

    def _prepare_update_system_tag(self, request: Request, api_id: str) -> Action:
        tag = required_string(action_section(request, "updateSystemTag"), "tag")
        uuid = request.path_params["uuid"]
        return lambda: {"inventory": self.state.tagging.update_system_tag(uuid, tag)}

    def _prepare_delete_tag(self, request: Request, api_id: str) -> Action:
        mode = body_or_query_value(request, "deleteMode") or "Permissive"
        if mode not in DELETE_MODES:
            raise invalid_argument("deleteMode", f"must be one of {', '.join(DELETE_MODES)}, not {mode!r}")
        uuid = request.path_params["uuid"]
        return empty_result(lambda: self.state.tagging.delete_tag(uuid, enforcing=mode == "Enforcing"))

    # --- task progress, notifications, capacity ------------------------------------------------------
    def _get_task_progress(self, request: Request) -> dict[str, Any]:
        everything = query_boolean(request, "all")
        return {"inventories": self.state.long_running.task_progress_entries(request.path_params["apiId"], everything)}

    def _prepare_delete_notifications(self, request: Request, api_id: str) -> Action:
        body = json_body(request)
        if "uuids" in body:
            uuids = string_list(body["uuids"], "uuids")
        else:
            uuids = query_list(request, "uuids")
        if not uuids:
            raise invalid_argument("uuids", "is missing: give the notification uuids in the body or the query")
        return empty_result(lambda: self.state.notices.delete_notifications(uuids))

    def _prepare_update_notifications_status(self, request: Request, api_id: str) -> Action:
        section = action_section(request, "updateNotificationsStatus")
        uuids = string_list(section.get("uuids"), "uuids")
        status = required_string(section, "status")
        if status not in NOTIFICATION_STATUSES:
            raise invalid_argument("status", f"must be one of {', '.join(NOTIFICATION_STATUSES)}, not {status!r}")
        return empty_result(lambda: self.state.notices.update_notifications_status(uuids, status))

    def _get_cpu_memory_capacity(self, request: Request) -> dict[str, Any]:
        zones, clusters, hosts = (query_list(request, name) for name in ("zoneUuids", "clusterUuids", "hostUuids"))
        if not (query_boolean(request, "all") or zones or clusters or hosts):
            raise invalid_argument("zoneUuids|clusterUuids|hostUuids",
                                   "is missing: give at least one non-empty list, or all=true")
        return self.state.management.cpu_memory_capacity(zones, clusters, hosts)

    # --- license --------------------------------------------------------------------------------------
    def _get_license_info(self, request: Request) -> dict[str, Any]:
        return {"inventory": self.state.licensing.license_info()}

    def _get_license_capabilities(self, request: Request) -> dict[str, Any]:
        return {"capabilities": dict(LICENSE_CAPABILITIES), "success": True}

    def _prepare_reload_license(self, request: Request, api_id: str) -> Action:
        section = action_section(request, "reloadLicense")
        node_uuids = string_list(section.get("managementNodeUuids"), "managementNodeUuids", required=False)
        return lambda: {"inventory": self.state.licensing.reload_license(node_uuids)}

    def _prepare_update_license(self, request: Request, api_id: str) -> Action:
        license_text = required_string(action_section(request, "updateLicense"), "license")
        try:
            fields = decode_license(license_text)
        except ValueError as exc:
            raise invalid_argument("license", str(exc)) from exc
        node_uuid = request.path_params["managementNodeUuid"]
        return lambda: {"inventory": self.state.licensing.update_license(node_uuid, license_text, fields)}

    # --- long jobs ------------------------------------------------------------------------------------
    def _prepare_submit_long_job(self, request: Request, api_id: str) -> Action:
        params = params_section(request)
        values: dict[str, str | None] = {"jobName": required_string(params, "jobName"),
                                         "jobData": required_string(params, "jobData")}
        for name in ("name", "description", "resourceUuid", "targetResourceUuid"):
            values[name] = optional_string(params, name)
        if values["resourceUuid"] is not None and not UUID_HEX.match(values["resourceUuid"]):
            raise invalid_argument("resourceUuid", "must be a UUID written as 32 hex digits without dashes")
        return lambda: {"inventory": self.state.long_running.submit_long_job(api_id, values)}



# --- options ------------------------------------------------------------------------------------------

def settings_from(options: EmulatorOptions) -> Settings:
    """The model's settings from the emulator options (`extra`: session_timeout, job_delay, long_job_seconds,
    reload_license (async or sync) and ready_to_go_session (optional or required))."""
    return Settings(
        username=options.username,
        password_sha512=hashlib.sha512(options.password.encode("utf-8")).hexdigest(),
        session_timeout=_seconds(options.extra, "session_timeout", 7200.0),
        job_delay=_seconds(options.extra, "job_delay", 0.05),
        long_job_seconds=_seconds(options.extra, "long_job_seconds", 5.0),
        reload_license_sync=_choice(options.extra, "reload_license", ("async", "sync")) == "sync",
        ready_to_go_needs_session=_choice(options.extra, "ready_to_go_session", ("optional", "required")) == "required",
    )


def _choice(extra: dict[str, Any], name: str, choices: tuple[str, ...]) -> str:
    """A setting that takes one of a few words; the first is the default."""
    value = extra.get(name, choices[0])
    if value not in choices:
        raise ValueError(f"zstack option {name} must be one of {', '.join(choices)}, not {value!r}")
    return value


def _seconds(extra: dict[str, Any], name: str, default: float) -> float:
    value = extra.get(name, default)
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"zstack option {name} must be a number of seconds, not {value!r}") from None
    if not seconds >= 0:
        raise ValueError(f"zstack option {name} must not be negative")
    return seconds


def empty_result(call: Callable[[], Any]) -> Action:
    """An operation whose success answers `{}`."""

    def run() -> dict[str, Any]:
        call()
        return {}

    return run


def on_path_uuid(operation: Callable[[str], None], action: str | None = None) -> Prepare:
    """An operation on the object the path's `{uuid}` names, answered `{}`; with `action`, the body must hold
    that action's map (`{"triggerGCJob": {}}`)."""

    def prepare(request: Request, api_id: str) -> Action:
        if action is not None:
            action_section(request, action)
        uuid = request.path_params["uuid"]
        return empty_result(lambda: operation(uuid))

    return prepare
