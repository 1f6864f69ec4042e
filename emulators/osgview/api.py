"""HTTP routes of the OSG view lab API: the four group operations in use, GET or POST.

Every answer is the flat envelope of the document's examples, `{"status": <code>, "msg": "",
...}`, carried by HTTP 200 whatever the code: the status in the body is the answer. Parameters
come from the query string or a form-encoded body ("传参方式：post 或 get"), or a JSON object body
whose values must be strings (the emulator's choice; see docs/platforms/osgview.md).

The retired single-server operation (`openstack_common_server_run`, "独立主机运行界面(停用)") is
deliberately not implemented: the document marks it out of use and gives it no URL.
"""

from __future__ import annotations

from typing import Any, Callable

from ..common.app import EmulatorApp
from ..common.http import HttpError, Request, Response, Router
from .state import BAD_REQUEST, DEFAULT_METHOD, OK, OPENSTACK_FAILURE, OsgFailure, OsgViewState, Settings

METHODS = ["GET", "POST"]


class OsgViewEmulator(EmulatorApp):
    """OSG view: clone a lab VM group, follow its build and start, and get its console."""

    platform = "osgview"
    default_port = 18084
    state: OsgViewState

    def register_routes(self, router: Router) -> None:
        """The four operations in use, each by GET or POST."""
        router.add(METHODS, "/osgview/gclone", self._operation(self._clone))
        router.add(METHODS, "/osgview/gperpare", self._operation(self._prepare))
        router.add(METHODS, "/osgview/gstart", self._operation(self._start))
        router.add(METHODS, "/osgview/gconnent", self._operation(self._connect))

    def reset(self) -> None:
        """Built-in templates plus the fixtures' templates; no groups."""
        self.state = OsgViewState(self._settings(), self.now, self.ids)
        self.state.load(self.fixtures)



    def error_response(self, error: HttpError, request: Request) -> Response:
        """Unknown paths and methods keep their HTTP status, with the platform's envelope."""
        return Response(error.status, {"status": error.status, "msg": error.message})

    def envelope_error(self, request: Request) -> Response:
        """The `envelope` fault: HTTP 200 whose status says the OpenStack interface behind it failed."""
        return Response(200, {"status": OPENSTACK_FAILURE, "msg": "internal error (injected fault)"})

    # --- operations -----------------------------------------------------------------------------
    def _clone(self, params: dict[str, str], request: Request) -> dict[str, Any]:
        return self.state.clone(*_required(params, "gtuuid", "marker"))

    def _prepare(self, params: dict[str, str], request: Request) -> dict[str, Any]:
        self.state.prepare(*_required(params, "gtuuid", "gnuuid", "server_id"))
        return {}

    def _start(self, params: dict[str, str], request: Request) -> dict[str, Any]:
        return {"vm_status": self.state.start(*_required(params, "gtuuid", "gnuuid", "server_id"))}

    def _connect(self, params: dict[str, str], request: Request) -> dict[str, Any]:
        (gnuuid,) = _required(params, "gnuuid")
        return self.state.connect(gnuuid, params.get("method") or DEFAULT_METHOD, request.base_url)

    def _operation(self, run: Callable[[dict[str, str], Request], dict[str, Any]]) -> Callable[[Request], Response]:
        """Wrap an operation: read its parameters, put its answer or failure in the envelope."""
        def handler(request: Request) -> Response:
            try:
                answer = run(_params(request), request)
            except OsgFailure as failure:
                return Response(200, {"status": failure.status, "msg": failure.msg})
            return Response(200, {"status": OK, "msg": "", **answer})
        return handler

    def _settings(self) -> Settings:
        build = self.options.extra.get("build_seconds")
        if build is None:
            return Settings()
        if isinstance(build, bool) or not isinstance(build, (int, float)) or build < 0:
            raise ValueError("osgview: build_seconds must be a number >= 0")
        return Settings(build_seconds=float(build))


def _params(request: Request) -> dict[str, str]:
    """The request's parameters: the query string, then a form-encoded or a JSON object body over it.

    The document passes parameters by GET or POST form ("传参方式：post 或 get"), where every value is
    text. The emulator also takes them as a JSON object body; there a value that is not a string is
    refused (400) naming the parameter, before the operation looks at anything.
    """
    try:
        params = {key: values[0] for key, values in request.form().items() if values}
    except UnicodeDecodeError:
        raise OsgFailure(BAD_REQUEST, "the form body is not UTF-8") from None
    if "application/json" in (request.header("content-type") or "") and request.body:
        params.update(_json_params(request))
    return params


def _json_params(request: Request) -> dict[str, str]:
    """A JSON object body's parameters, each of which must be a string."""
    try:
        body = request.json()
    except HttpError as error:
        raise OsgFailure(BAD_REQUEST, error.message) from None
    if not isinstance(body, dict):
        raise OsgFailure(BAD_REQUEST, "the request body must be a JSON object of parameters")
    for key, value in body.items():
        if not isinstance(value, str):
            raise OsgFailure(BAD_REQUEST, f"{key} must be a string, got {type(value).__name__}")
    return body


def _required(params: dict[str, str], *names: str) -> list[str]:
    """The values of required parameters; a missing or empty one is the document's 400."""
    missing = [name for name in names if not params.get(name, "").strip()]
    if missing:
        raise OsgFailure(BAD_REQUEST, "missing parameter: " + ", ".join(missing))
    return [params[name].strip() for name in names]
