"""HTTP routes of the VSD VM-snapshot API: query strings and JSON bodies in, Output envelopes out.

Every answer the service gives is an Output `{scode, desc, message, message_cn, stack, data}` on
HTTP 200; `scode` alone tells success (0) from failure, as the document's Output section says
("以统一做错误检查和处理"). Only requests the service cannot route (unknown path, wrong method)
get 404 or 405, still with an Output body.
"""

from __future__ import annotations

from typing import Any, Callable

from ..common.app import EmulatorApp
from ..common.fields import optional_field
from ..common.http import HttpError, MethodNotAllowed, Request, Response, Router
from .state import (
    API_NOT_FOUND,
    INTERNAL_ERROR,
    INVALID_PARAMETER,
    METHOD_NOT_ALLOWED,
    Scope,
    Settings,
    VsdFailure,
    VsdState,
    invalid,
    output,
)

SNAPSHOT_PATH = "/v1/compute/vsd/snapshot"
VOLUME_ROLLBACK_PATH = "/v1/compute/volume/snapshot/rollback"


class VsdEmulator(EmulatorApp):
    """The VSD hyper-converged compute API, VM snapshot part (nine operations)."""

    platform = "vsd"
    default_port = 18081
    state: VsdState

    def register_routes(self, router: Router) -> None:
        """Four reads by GET, four writes and the batch volume rollback by POST."""
        for name, handler in (("list", self._list), ("get", self._get), ("tree", self._tree), ("head", self._head)):
            router.add("GET", f"{SNAPSHOT_PATH}/{name}", _enveloped(handler))
        for name, handler in (("create", self._create), ("modify", self._modify), ("rollback", self._rollback),
                              ("delete", self._delete)):
            router.add("POST", f"{SNAPSHOT_PATH}/{name}", _enveloped(handler))
        router.add("POST", VOLUME_ROLLBACK_PATH, _enveloped(self._rollback_volumes))

    def reset(self) -> None:
        """Back to the built-in clusters, tenants and VMs plus the fixtures, with no snapshots."""
        settings = Settings(memory_save_seconds=float(self.options.extra.get("memory_save_seconds", 3.0)))
        self.state = VsdState(settings, self.now, self.ids)
        self.state.load(self.fixtures)



    def error_response(self, error: HttpError, request: Request) -> Response:
        """Routing errors as an Output, on the router's own status."""
        code = METHOD_NOT_ALLOWED if isinstance(error, MethodNotAllowed) else API_NOT_FOUND
        if error.status == 400:
            code = INVALID_PARAMETER
        return Response(error.status, output(None, code, error.message))

    def envelope_error(self, request: Request) -> Response:
        """The `envelope` fault: HTTP 200 with an Output whose scode says the server failed."""
        return Response(200, output(None, INTERNAL_ERROR, "internal error (injected fault)"))

    # --- reads ----------------------------------------------------------------------------
    def _list(self, request: Request) -> Any:
        # The parameter table names `page_number`; the document's example sends `page_num`.
        page_number = _int_arg(request, "page_number", _int_arg(request, "page_num", 0))
        page_size = _int_arg(request, "page_size", 0)
        return self.state.list_snapshots(_query_scope(request), request.arg("filter_name") or "", page_number,
                                         page_size)

    def _get(self, request: Request) -> Any:
        return self.state.get_snapshot(_query_scope(request), request.arg("name") or "")

    def _tree(self, request: Request) -> Any:
        return {"tree": self.state.tree(_query_scope(request))}

    def _head(self, request: Request) -> Any:
        return self.state.head_snapshot(_query_scope(request))

    # --- writes ---------------------------------------------------------------------------
    def _create(self, request: Request) -> Any:
        body = _body(request)
        self.state.create_snapshot(_body_scope(body), _str(body, "name"), _str(body, "description"),
                                   _bool(body, "domain_memory"))
        return {}

    def _modify(self, request: Request) -> Any:
        body = _body(request)
        self.state.modify_snapshot(_body_scope(body), _str(body, "name"), _str(body, "description"))
        return {}

    def _rollback(self, request: Request) -> Any:
        body = _body(request)
        return self.state.rollback(_body_scope(body), _str(body, "name"), _bool(body, "domain_memory"))

    def _delete(self, request: Request) -> Any:
        body = _body(request)
        self.state.delete_snapshot(_body_scope(body), _str(body, "name"))
        return {}

    def _rollback_volumes(self, request: Request) -> Any:
        """BatchOutput `{success, fail, results: [Output]}`; each result's data echoes its DiskSnapshotInfo."""
        body = _body(request)
        scope = _body_scope(body)
        items = _disk_snapshot_list(body)
        outcomes = self.state.rollback_volumes(scope, items)
        results = [failure.output() | {"data": item} if failure else output(item) for item, failure in outcomes]
        failed = sum(1 for _item, failure in outcomes if failure)
        return {"success": len(outcomes) - failed, "fail": failed, "results": results}


def _enveloped(handler: Callable[[Request], Any]) -> Callable[[Request], Response]:
    """Wrap a handler's data, or its VsdFailure, in an Output on HTTP 200."""

    def respond(request: Request) -> Response:
        try:
            return Response(200, output(handler(request)))
        except VsdFailure as failure:
            return Response(200, failure.output())

    return respond


def _query_scope(request: Request) -> Scope:
    # The GET operations list compute_uuid alone; compute_name is accepted as the POST operations'
    # ComputeIdentifier accepts it, so a VM named by name can be read too.
    return Scope(*(request.arg(key) or "" for key in ("cluster_uuid", "tenant", "compute_uuid", "compute_name")))


def _body(request: Request) -> dict[str, Any]:
    try:
        body = request.json()
    except HttpError as error:
        raise invalid(error.message) from error
    if not isinstance(body, dict):
        raise invalid("the request body must be a JSON object")
    return body


def _body_scope(body: dict[str, Any]) -> Scope:
    # ComputeIdentifier is not defined in the document; its examples send cluster_uuid, tenant,
    # compute_uuid and compute_name. compute_uuid wins when both are given.
    return Scope(*(_str(body, key) for key in ("cluster_uuid", "tenant", "compute_uuid", "compute_name")))


def _str(body: dict[str, Any], key: str) -> str:
    """A string field, "" when absent."""
    return optional_field(body, key, str, "", lambda name: invalid(f"{name} must be a string"))


def _bool(body: dict[str, Any], key: str) -> bool:
    """A boolean field, false when absent."""
    return optional_field(body, key, bool, False, lambda name: invalid(f"{name} must be a boolean"))


def _int_arg(request: Request, key: str, default: int) -> int:
    text = request.arg(key)
    if not text:  # absent or empty
        return default
    try:
        value = int(text)
    except ValueError:
        raise invalid(f"{key} must be an integer, got {text!r}") from None
    if value < 0:
        raise invalid(f"{key} must not be negative")
    return value


#: DiskSnapshotInfo: every field a string; the volume and its snapshot are needed to roll a disk back
DISK_SNAPSHOT_REQUIRED = ("VolumeUuid", "SnapshotUuid")
DISK_SNAPSHOT_OPTIONAL = ("DiskDrive",)


def _disk_snapshot_list(body: dict[str, Any]) -> list[dict[str, Any]]:
    """The request's DiskSnapshotInfo list, each field type-checked before any volume is touched."""
    items = body.get("disk_snapshot_list")
    if not isinstance(items, list) or not items:
        raise invalid("disk_snapshot_list must be a non-empty list of DiskSnapshotInfo")
    for index, item in enumerate(items):
        _check_disk_snapshot(f"disk_snapshot_list[{index}]", item)
    return items


def _check_disk_snapshot(where: str, item: Any) -> None:
    """One DiskSnapshotInfo: an object whose fields are strings, VolumeUuid and SnapshotUuid not empty."""
    if not isinstance(item, dict):
        raise invalid(f"{where} must be a DiskSnapshotInfo object")
    for key in DISK_SNAPSHOT_REQUIRED + DISK_SNAPSHOT_OPTIONAL:
        value = item.get(key)
        if value is not None and not isinstance(value, str):
            raise invalid(f"{where}.{key} must be a string")
    for key in DISK_SNAPSHOT_REQUIRED:
        if not item.get(key):
            raise invalid(f"{where}.{key} is required")
