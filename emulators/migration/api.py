"""HTTP routes of the migration platform: POST JSON `{"Action": ...}` to a handful of URLs.

Every answer is the envelope `{"Code", "Msg", "Data"}` on HTTP 200: Code 0 for success (the
document's concrete examples all show 0; README: "treat 0 and true as success"), 1 or 2 for the
name clashes the document names, -1 for any other failure. Every URL but `/Login` needs
`Authorization: <token>`; the document says only that an expired token "prompts the user to log in
again" ("若Token过期,则会提示用户重新登录") and gives no Code for it, so a missing, unknown or expired
token answers the envelope's failure: HTTP 200, Code -1, Msg "Token is invalid or expired, please
login again.". With the option `token_refusal=http401` it answers HTTP 401 with that envelope
instead, for clients that must cope with both.

Every body field is checked against its declared type (`schema.BODY_TYPES`) before the action runs;
a body that is not a JSON object, or not JSON, is refused in the envelope too: no bad input answers 5xx.

Test hooks on the app: the framework's `advance_clock(seconds)`, `expire_credentials()` (every token expires),
`set_agent_offline(address, offline)`.
"""

from __future__ import annotations

from typing import Any, Callable

from ..common.app import EmulatorApp, EmulatorOptions
from ..common.http import HttpError, Request, Response, Router
from .actions import ACTIONS_BY_URL, MESSAGES, Action, Body
from .schema import check_body
from .state import FAILED, OK, AuthFailure, MigrationFailure, MigrationState, Settings

#: option token_refusal -> the HTTP status of a token refusal
TOKEN_REFUSALS = {"envelope": 200, "http401": 401}


def envelope(code: int, msg: str, data: Any = None) -> Body:
    """The one response shape of the platform."""
    return {"Code": code, "Msg": msg, "Data": data}


class MigrationEmulator(EmulatorApp):
    """The host-to-cloud migration platform: 54 actions over eight URLs."""

    platform = "migration"
    default_port = 18082
    state: MigrationState

    def __init__(self, options: EmulatorOptions):
        self.token_status = _token_status(options)
        super().__init__(options)

    # --- identifiers, test hooks ----------------------------------------------------------------
    def new_uuid(self) -> str:
        """A uuid4 with dashes (from the emulator's `ids`)."""
        return str(self.ids.uuid4())

    def expire_credentials(self) -> None:
        """Every token expires now (a test hook, and the `expire` fault)."""
        with self.lock:
            self.state.expire_tokens()

    def set_agent_offline(self, address: str, offline: bool = True) -> None:
        """Test hook: a Packer or Transport agent stops (or starts again) answering."""
        with self.lock:
            self.state.tick()
            self.state.set_agent_offline(address, offline)

    # --- EmulatorApp hooks -----------------------------------------------------------------------
    def register_routes(self, router: Router) -> None:
        """POST on the three session URLs and the five action URLs."""
        router.add("POST", "/Login", self.guarded(self._login))
        router.add("POST", "/ReAuth", self.guarded(self._authenticated(self._reauth)))
        router.add("POST", "/Logout", self.guarded(self._authenticated(self._logout)))
        for path, actions in ACTIONS_BY_URL.items():
            router.add("POST", path, self.guarded(self._authenticated(self._action_url(path, actions))))

    def reset(self) -> None:
        """Built-in objects plus the fixtures; the default account; no tokens, connections or tasks."""
        self.state = MigrationState(self._settings(), self.now, self.new_uuid)
        self.state.load(self.fixtures, self.options.username, self.options.password)



    def error_response(self, error: HttpError, request: Request) -> Response:
        """Unknown URLs and methods keep their HTTP status, with the platform's envelope."""
        return Response(error.status, envelope(FAILED, error.message))

    def envelope_error(self, request: Request) -> Response:
        """The `envelope` fault: HTTP 200 with the envelope's failure, as every refusal of the platform."""
        return Response(200, envelope(FAILED, "internal error (injected fault)"))

    def _settings(self) -> Settings:
        extra = self.options.extra
        return Settings(token_seconds=float(extra.get("token_seconds", 1800)),
                        task_seconds=float(extra.get("task_seconds", 5)))

    # --- wrappers --------------------------------------------------------------------------------
    def internal_error(self, exc: Exception) -> Response:
        """An unexpected fault becomes HTTP 500 with the envelope, as a server bug would."""
        return Response(500, envelope(FAILED, f"internal error: {type(exc).__name__}: {exc}"))

    def _authenticated(self, handler: Callable[[Request, str], Response]) -> Callable[[Request], Response]:
        """Check the token (the envelope's refusal when it is missing, unknown or expired), then run the handler."""

        def checked(request: Request) -> Response:
            token = _token(request)
            try:
                self.state.check_token(token)
            except AuthFailure as failure:
                return Response(self.token_status, envelope(FAILED, str(failure)))
            return handler(request, token)

        return checked

    # --- session URLs ----------------------------------------------------------------------------
    def _login(self, request: Request) -> Response:
        try:
            body = _body(request)
            check_body("Login", body)
            data = self.state.login(body.get("UserName"), body.get("Password"))
        except MigrationFailure as failure:
            return Response(200, envelope(failure.code, failure.msg, failure.data))
        return Response(200, envelope(OK, "Login Success.", data))

    def _reauth(self, request: Request, token: str) -> Response:
        return Response(200, envelope(OK, "ReAuth Success.", self.state.reauth(token)))

    def _logout(self, request: Request, token: str) -> Response:
        self.state.logout(token)
        return Response(200, envelope(OK, "Logout Success.", None))

    # --- action URLs -----------------------------------------------------------------------------
    def _action_url(self, path: str, actions: dict[str, Action]) -> Callable[[Request, str], Response]:
        """Dispatch on the body's Action among the actions this URL serves, each called with the current state."""

        def handler(request: Request, token: str) -> Response:
            try:
                body = _body(request)
                name = body.get("Action")
                action = actions.get(name) if isinstance(name, str) else None
                if action is None or not isinstance(name, str):
                    raise MigrationFailure(f"Unknown Action {name!r} on {path}.")
                check_body(name, body)
                self.state.tick()
                data = action(self.state, body)
            except MigrationFailure as failure:
                return Response(200, envelope(failure.code, failure.msg, failure.data))
            return Response(200, envelope(OK, MESSAGES.get(name, f"{name} Success."), data))

        return handler


def _token_status(options: EmulatorOptions) -> int:
    """The HTTP status of a token refusal (option `token_refusal`): 200, the envelope alone, or 401."""
    choice = str(options.extra.get("token_refusal", "envelope")).lower()
    if choice not in TOKEN_REFUSALS:
        raise ValueError(f"migration: token_refusal must be one of {', '.join(TOKEN_REFUSALS)}, got {choice!r}")
    return TOKEN_REFUSALS[choice]


def _token(request: Request) -> str:
    """The bare token of the Authorization header (a "Bearer " prefix is tolerated)."""
    header = (request.header("Authorization") or "").strip()
    scheme, _, rest = header.partition(" ")
    return rest.strip() if scheme.lower() == "bearer" and rest else header


def _body(request: Request) -> Body:
    """The request's JSON object ({} for no body); anything else is the envelope's refusal."""
    try:
        body = request.json()
    except HttpError as error:
        raise MigrationFailure(error.message) from error
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise MigrationFailure("The request body must be a JSON object.")
    return body
