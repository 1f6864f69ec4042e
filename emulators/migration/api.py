"""HTTP routes of the migration platform: POST JSON `{"Action": ...}` to a handful of URLs.

Every answer is the envelope `{"Code", "Msg", "Data"}` on HTTP 200: Code 0 for success (the
document's concrete examples all show 0; README: "treat 0 and true as success"), 1 or 2 for the
name clashes the document names, -1 for any other failure. The one exception is the token: every
URL but `/Login` needs `Authorization: <token>`, and a missing, unknown or expired one answers
HTTP 401 ("若Token过期,则会提示用户重新登录"), so a client knows to log in again.

Test hooks on the app: the framework's `advance_clock(seconds)`, `expire_tokens()`,
`set_agent_offline(address, offline)`.
"""

from __future__ import annotations

import functools
import random
import uuid as uuid_module
from typing import Any, Callable
from urllib.parse import urlsplit

from ..common.app import EmulatorApp, EmulatorOptions
from ..common.http import HttpError, Request, Response, Router
from .state import (
    CLOUD_TYPES,
    FAILED,
    OK,
    AuthFailure,
    MigrationFailure,
    MigrationState,
    Settings,
    decode_secret,
    filtered,
)

Body = dict[str, Any]
Action = Callable[[Body], Any]

ACTION_URLS = {
    "/MgntSetting": ("ChangePassword", "UpdateLicense", "DeleteLicense", "GetLicense"),
    "/MgmtCloudConnection": ("ListCloudType", "AddCloudConnection", "DeleteCloudConnection", "UpdateCloudConnection",
                             "ListCloudConnection", "VerifyCloudConnection", "ListProject", "ListEnvironment",
                             "ListZone", "ListRegion"),
    "/MgmtTransportConnection": ("AddTransportServer", "VerifyTransportConnection", "DeleteTransportServer",
                                 "RefreshTransportServer", "UpdateTransportServer", "ListTransportServer"),
    "/portal/MgmtHostConnection": ("AddPackerHost", "DeletePackerHost", "RefreshPackerHost", "VerifyPackerConnection",
                                   "UpdatePackerHost", "ListHosts", "GetPackerHost", "AddVSPlatform",
                                   "DeleteVSPlatform", "RefreshVSPlatform", "UpdateVSPlatform", "ListVSHosts",
                                   "VerifyVSPlatformConnection"),
    "/MgmtTask": ("PrepareTaskWorkload", "DeleteTask", "UpdateTask", "ListTasks", "GetTaskDetail", "CompleteTask",
                  "ContinueTask", "CheckTargetHostInfoExisting", "DisplayTaskHistory", "ListSnapshots",
                  "ListVolumeTypes", "ListStorages", "ListFlavors", "ListNetworks", "ListSecurityGroups", "ListQuota",
                  "CreateInstance", "GetInstance"),
}
#: The success messages the document shows; other actions answer "<Action> Success.".
MESSAGES = {"ListCloudConnection": "Get All Cloud Connection Success.", "ListProject": "Get All Project Success.",
            "ListEnvironment": "Get All Environments Success.", "ListZone": "Get All Zone Success.",
            "ListRegion": "Get All Region Success.", "GetTaskDetail": "Get Task Details Success.",
            "ListSnapshots": "Get Task Snapshots Success.", "ListQuota": "信息获取成功"}


def envelope(code: int, msg: str, data: Any = None) -> Body:
    """The one response shape of the platform."""
    return {"Code": code, "Msg": msg, "Data": data}


class MigrationEmulator(EmulatorApp):
    """The host-to-cloud migration platform: 54 actions over eight URLs."""

    platform = "migration"
    default_port = 18082

    def __init__(self, options: EmulatorOptions):
        self._uuid_rng = random.Random(options.seed)
        super().__init__(options)

    # --- identifiers, test hooks ----------------------------------------------------------------
    def new_uuid(self) -> str:
        """A uuid4 with dashes (repeatable with a seed)."""
        return str(uuid_module.UUID(int=self._uuid_rng.getrandbits(128), version=4))

    def expire_tokens(self) -> None:
        """Test hook: every token expires now."""
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
        router.add("POST", "/Login", self._guarded(self._login))
        router.add("POST", "/ReAuth", self._guarded(self._authenticated(self._reauth)))
        router.add("POST", "/Logout", self._guarded(self._authenticated(self._logout)))
        for path, names in ACTION_URLS.items():
            router.add("POST", path, self._guarded(self._authenticated(self._action_url(path, names))))

    def reset(self) -> None:
        """Built-in objects plus the fixtures; the default account; no tokens, connections or tasks."""
        self.state = MigrationState(self._settings(), self.now, self.new_uuid)
        self.state.load(self.fixtures, self.options.username, self.options.password)

    def export_state(self) -> dict[str, Any]:
        """The whole model as JSON-able data."""
        return self.state.export()

    def import_state(self, data: dict[str, Any]) -> None:
        """Replace the model with what `export_state` produced."""
        self.state.restore(data)

    def error_response(self, error: HttpError, request: Request) -> Response:
        """Unknown URLs and methods keep their HTTP status, with the platform's envelope."""
        return Response(error.status, envelope(FAILED, error.message))

    def _settings(self) -> Settings:
        extra = self.options.extra
        return Settings(token_seconds=float(extra.get("token_seconds", 1800)),
                        task_seconds=float(extra.get("task_seconds", 5)))

    # --- wrappers --------------------------------------------------------------------------------
    def _guarded(self, handler: Callable[[Request], Response]) -> Callable[[Request], Response]:
        """An unexpected fault becomes HTTP 500 with the envelope, as a server bug would."""

        @functools.wraps(handler)
        def guarded(request: Request) -> Response:
            try:
                return handler(request)
            except HttpError:
                raise
            except Exception as exc:  # noqa: BLE001 - the boundary where any fault becomes a 500
                return Response(500, envelope(FAILED, f"internal error: {type(exc).__name__}: {exc}"))

        return guarded

    def _authenticated(self, handler: Callable[[Request, str], Response]) -> Callable[[Request], Response]:
        """Check the token (HTTP 401 when it is missing, unknown or expired), then run the handler."""

        def checked(request: Request) -> Response:
            token = _token(request)
            try:
                self.state.check_token(token)
            except AuthFailure as failure:
                return Response(401, envelope(FAILED, str(failure)))
            return handler(request, token)

        return checked

    # --- session URLs ----------------------------------------------------------------------------
    def _login(self, request: Request) -> Response:
        try:
            body = _body(request)
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
    def _action_url(self, path: str, names: tuple[str, ...]) -> Callable[[Request, str], Response]:
        """Dispatch on the body's Action among the actions this URL serves."""
        actions = self._actions()

        def handler(request: Request, token: str) -> Response:
            try:
                body = _body(request)
                name = body.get("Action")
                if name not in names:
                    raise MigrationFailure(f"Unknown Action {name!r} on {path}.")
                self.state.tick()
                data = actions[name](body)
            except MigrationFailure as failure:
                return Response(200, envelope(failure.code, failure.msg, failure.data))
            return Response(200, envelope(OK, MESSAGES.get(name, f"{name} Success."), data))

        return handler

    def _actions(self) -> dict[str, Action]:
        """Every action of the five action URLs."""
        s = self.state_call
        return {
            # /MgntSetting
            "ChangePassword": lambda b: s("change_password", b.get("UserName"), b.get("Password"),
                                          b.get("NewPassword")),
            "UpdateLicense": lambda b: s("update_license", b.get("ActivationKey")),
            "DeleteLicense": lambda b: s("delete_license"),
            "GetLicense": lambda b: s("get_license"),
            # /MgmtCloudConnection
            "ListCloudType": lambda b: list(CLOUD_TYPES),
            "AddCloudConnection": lambda b: {"ID": s("add_cloud", b)},
            "DeleteCloudConnection": self._delete_cloud,
            "UpdateCloudConnection": lambda b: s("update_cloud", b),
            "ListCloudConnection": lambda b: s("list_clouds", b.get("Name")),
            "VerifyCloudConnection": lambda b: s("verify_cloud", b),
            "ListProject": lambda b: _named(self._management_endpoint(b)["projects"]),
            "ListEnvironment": lambda b: _named(filtered(self._management_endpoint(b)["environments"],
                                                         HypervisorType=b.get("HypervisorType"))),
            "ListZone": lambda b: _named(filtered(self._management_endpoint(b)["zones"],
                                                  EnvironmentId=b.get("EnvironmentId"))),
            "ListRegion": self._list_regions,
            # /MgmtTransportConnection
            "AddTransportServer": lambda b: {"ID": s("add_transport", b)},
            "VerifyTransportConnection": lambda b: _none(s("transport_agent", b.get("MgntAddr"))),
            "DeleteTransportServer": lambda b: s("delete_transport", b.get("Id")),
            "RefreshTransportServer": lambda b: s("refresh_transport", b.get("Id")),
            "UpdateTransportServer": lambda b: s("update_transport", b.get("Id"), b.get("Name")),
            "ListTransportServer": lambda b: s("list_transports", b.get("Ip"), b.get("Name"), b.get("ServType")),
            # /portal/MgmtHostConnection: Packer hosts
            "AddPackerHost": lambda b: {"ID": s("add_packer_host", b)},
            "DeletePackerHost": lambda b: s("delete_packer_host", b.get("Id")),
            "RefreshPackerHost": lambda b: s("refresh_packer_host", b.get("Id")),
            "VerifyPackerConnection": lambda b: s("verify_packer", b.get("HostId"), b.get("TransAddr")),
            "UpdatePackerHost": lambda b: s("update_packer_host", b),
            "ListHosts": lambda b: s("list_hosts", b.get("Name"), b.get("MgntAddr"), _flag(b, "TaskFree")),
            "GetPackerHost": lambda b: self.state.host_view(self.state.host(b.get("Id"))),
            # /portal/MgmtHostConnection: vSphere platforms
            "AddVSPlatform": lambda b: {"Count": s("add_platform", b)},
            "DeleteVSPlatform": lambda b: s("delete_platform", b.get("ID")),
            "RefreshVSPlatform": lambda b: _none(s("refresh_platform", b.get("ID"))),
            "UpdateVSPlatform": lambda b: s("update_platform", b),
            "ListVSHosts": lambda b: [self.state.platform_tree(p) for p in self.state.platforms.values()],
            "VerifyVSPlatformConnection": lambda b: s("verify_platform", b.get("VSPlatformID"), b.get("TransAddr")),
            # /MgmtTask
            "PrepareTaskWorkload": lambda b: {"ID": s("prepare_task", b), "Repeated": []},
            "DeleteTask": lambda b: s("delete_task", b.get("Id")),
            "UpdateTask": lambda b: {"ID": s("update_task", b), "Repeated": []},
            "ListTasks": self._list_tasks,
            "GetTaskDetail": lambda b: s("task_detail", b.get("Id")),
            "CompleteTask": lambda b: s("complete_task", b.get("Id")),
            "ContinueTask": lambda b: s("continue_task", b.get("Id")),
            "CheckTargetHostInfoExisting": self._check_target,
            "DisplayTaskHistory": lambda b: s("history", b.get("Id")),
            "ListSnapshots": lambda b: s("snapshots", b.get("Id")),
            "ListVolumeTypes": lambda b: _named(self.state.cloud_endpoint(b.get("Id"))["volume_types"]),
            "ListStorages": lambda b: [{k: row.get(k, "") for k in ("Name", "ID", "Type")} for row in
                                       filtered(self.state.cloud_endpoint(b.get("Id"))["storages"],
                                                ID=b.get("StorageId"))],
            "ListFlavors": lambda b: {"Flavors": [{k: f.get(k) for k in ("Name", "Ram", "vCPU", "ID", "Disk")}
                                                  for f in self.state.cloud_endpoint(b.get("Id"))["flavors"]]},
            "ListNetworks": lambda b: {"Networks": [{"Subnets": [{"Cidr": sub.get("Cidr", ""), "Id": sub["Id"]}
                                                                 for sub in net.get("Subnets", [])],
                                                     "Name": net.get("Name", ""), "Id": net["Id"]}
                                                    for net in self.state.cloud_endpoint(b.get("Id"))["networks"]]},
            "ListSecurityGroups": lambda b: {"SecurityGroup": _named(
                self.state.cloud_endpoint(b.get("Id"))["security_groups"])},
            "ListQuota": lambda b: s("quota", b.get("Id")),
            "CreateInstance": lambda b: {"ID": s("create_instance", b), "Repeated": []},
            "GetInstance": lambda b: s("instance", b.get("Id")),
        }

    def state_call(self, name: str, *args: Any) -> Any:
        """Call a state method by name (the action table stays one line per action)."""
        return getattr(self.state, name)(*args)

    # --- actions with more than one step ---------------------------------------------------------
    def _delete_cloud(self, body: Body) -> None:
        self.state.delete_cloud(body.get("Id"))

    def _management_endpoint(self, body: Body) -> dict[str, Any]:
        """The cloud that ListProject / ListEnvironment / ListZone reach through APIMgntURL and AK/SK."""
        url = body.get("APIMgntURL")
        if not isinstance(url, str) or not url:
            raise MigrationFailure("APIMgntURL is required.")
        host = urlsplit(url if "//" in url else f"http://{url}").hostname
        secret = decode_secret(body.get("SecretKey"), body.get("IsEncrypted", body.get("isEncrypted")))
        return self.state.endpoint_at(host, body.get("AccessKey"), secret)

    def _list_regions(self, body: Body) -> list[dict[str, Any]]:
        secret = decode_secret(body.get("SecretKey"), body.get("isEncrypted", body.get("IsEncrypted")))
        return _named(self.state.endpoint_by_credentials(body.get("AccessKey"), secret)["regions"])

    def _list_tasks(self, body: Body) -> dict[str, Any]:
        limit = body.get("PageLimit", 20)
        page = body.get("PageNum", 1)
        for key, value in (("PageLimit", limit), ("PageNum", page)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise MigrationFailure(f"{key} must be a positive integer.")
        return self.state.list_tasks(body.get("Name"), body.get("SrcHost"), limit, page)

    def _check_target(self, body: Body) -> dict[str, Any]:
        """Code 1 with the clashes in Data when anything is taken, else Code 0."""
        data = self.state.check_target(body)
        if data["TaskNameExisted"] or data["ServerNameExisted"] or data["VolumeNameExisted"] or data["IpExisted"]:
            raise MigrationFailure("Target host information already exists.", code=1, data=data)
        return data


def _token(request: Request) -> str:
    """The bare token of the Authorization header (a "Bearer " prefix is tolerated)."""
    header = (request.header("Authorization") or "").strip()
    scheme, _, rest = header.partition(" ")
    return rest.strip() if scheme.lower() == "bearer" and rest else header


def _body(request: Request) -> Body:
    try:
        body = request.json()
    except HttpError as error:
        raise MigrationFailure(error.message) from error
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise MigrationFailure("The request body must be a JSON object.")
    return body


def _flag(body: Body, key: str) -> bool:
    value = body.get(key, False)
    if not isinstance(value, bool):
        raise MigrationFailure(f"{key} must be true or false.")
    return value


def _named(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows as the catalogue calls answer them: Name and ID."""
    return [{"Name": row.get("Name", ""), "ID": row.get("ID", "")} for row in rows]


def _none(_value: Any) -> None:
    """Data null for actions that only check something."""
    return None
