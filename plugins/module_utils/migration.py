# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Client of the host-to-cloud migration platform ("Transport" servers, "Packer" source hosts).

Every call is a POST of a JSON body to one of a handful of URLs; all but the session calls name
their `Action`. Answers are the envelope `{"Code", "Msg", "Data"}`: `Code` is documented both as a
boolean and as an integer, so `0` and `true` are success (README reading) and anything else raises
MigrationError naming the URL, the Action, the Code and the Msg. `POST /Login` gives `Data.Token`,
sent bare in the `Authorization` header. The document says only that an expired token makes the user
log in again, without a Code, so a refused token is either an HTTP 401 or the envelope's failure whose
Msg says so (`is_token_refusal`); either way the client logs in again and sends the call once more. A
token the server has just refused cannot renew itself, so `/ReAuth` is never used.

The client has a method for each call the specs and `migration_info` make; other actions of the
document go through `call(path, action, fields)`. How answers read in option names is in
migration_wire.py.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.converge.platforms.plugins.module_utils.client_base import (
    Client,
    client_options,
    decoded_json,
)
from ansible_collections.converge.platforms.plugins.module_utils.http import (
    READ,
    SESSION,
    WRITE,
    ApiError,
    HttpSession,
    connection_options,
    envelope_with,
)
from ansible_collections.converge.platforms.plugins.module_utils.paging import pages
from ansible_collections.converge.platforms.plugins.module_utils.retry import LoginGate, renewing

LOGIN_PATH = "/Login"
LOGOUT_PATH = "/Logout"
SETTING_PATH = "/MgntSetting"
CLOUD_PATH = "/MgmtCloudConnection"
TRANSPORT_PATH = "/MgmtTransportConnection"
HOST_PATH = "/portal/MgmtHostConnection"
TASK_PATH = "/MgmtTask"

#: PrepareTaskWorkload, UpdateTask and CreateInstance: Code 1 = the cloud server name exists, 2 = a cloud volume name
CODE_SERVER_NAME_EXISTS = 1
CODE_VOLUME_NAME_EXISTS = 2
DEFAULT_PAGE_LIMIT = 100
#: actions whose documented answer is a bare object rather than the envelope
BARE_ANSWERS = {"ListFlavors": "Flavors", "ListNetworks": "Networks", "ListSecurityGroups": "SecurityGroup"}
#: actions that only read: sent under the retry policy although every call is a POST (retry.py)
READ_ACTIONS = frozenset([
    "CheckTargetHostInfoExisting", "DisplayTaskHistory", "GetInstance", "GetLicense", "GetPackerHost",
    "GetTaskDetail", "ListCloudConnection", "ListCloudType", "ListEnvironment", "ListFlavors", "ListHosts",
    "ListNetworks", "ListProject", "ListQuota", "ListRegion", "ListSecurityGroups", "ListSnapshots", "ListStorages",
    "ListTasks", "ListTransportServer", "ListVSHosts", "ListVolumeTypes", "ListZone", "VerifyCloudConnection",
    "VerifyPackerConnection", "VerifyTransportConnection", "VerifyVSPlatformConnection",
])
#: a failure's Msg that refuses the token ("Token is invalid or expired, please login again.", "Token已过期,请重新登录")
TOKEN_REFUSAL = re.compile(r"(token|令牌).*(expire|invalid|log ?in|过期|失效|无效|登录)|重新登录",
                           re.IGNORECASE | re.DOTALL)
#: keys of request bodies whose values are secrets
SECRET_KEYS = ("Password", "NewPassword", "CloudPass", "SecretKey", "Passwd", "ActivationKey")


class MigrationError(ApiError):
    """A migration call that failed; `action` names it, `data` holds the answer's Data (such as Repeated)."""

    def __init__(self, message, method=None, path=None, status=None, code=None, details=None, action=None,
                 data=None):
        self.action = action
        self.data = data
        super(MigrationError, self).__init__(message, method, path, status, code, details)

    @property
    def repeated(self):
        """Names the platform reported as already taken (Data.Repeated of Code 1 and 2 answers)."""
        data = self.data if isinstance(self.data, dict) else {}
        return list(data.get("Repeated") or [])


def is_success(code):
    """Whether an envelope's Code means success: 0 or true (README reading), also as text."""
    if code is True:
        return True
    if isinstance(code, bool):
        return False
    if isinstance(code, int):
        return code == 0
    if isinstance(code, str):
        return code.strip().lower() in ("0", "true")
    return False


def json_body(response):
    """The decoded JSON object of an answer, or None when it is not one (an HTML page, a list, no body)."""
    body = decoded_json(response)
    return body if isinstance(body, dict) else None


def has_code(body):
    """Whether a decoded answer is the platform's own envelope (it has a Code), not a proxy's page."""
    return body is not None and ("Code" in body or "code" in body)


def is_token_refusal(response):
    """Whether an answer refuses the token: HTTP 401, or an envelope failure whose Msg says the token is no good."""
    if response.status_code == 401:
        return True
    body = json_body(response)
    if not has_code(body):
        return False
    if is_success(body.get("Code", body.get("code"))):
        return False
    message = body.get("Msg") or body.get("msg")
    return isinstance(message, str) and bool(TOKEN_REFUSAL.search(message))


def payload(body):
    """The Data of an envelope, whichever case the key has (AddVSPlatform's doc writes `data`)."""
    if "Data" in body:
        return body["Data"]
    return body.get("data")


def compact(fields):
    """A request body without the keys whose value is None."""
    return dict((key, value) for key, value in fields.items() if value is not None)


def items_of(data, key=None):
    """A list out of a Data that may be the list itself or an object holding it under `key`."""
    if isinstance(data, list):
        return data
    if isinstance(data, dict):
        if key and isinstance(data.get(key), list):
            return data[key]
        lists = [value for value in data.values() if isinstance(value, list)]
        if len(lists) == 1:
            return lists[0]
    return []


def _by_id(path, action, doc, key="Id", default=None):
    """A client method making one call about an object by its id (`{key: id}`); it returns Data, or `default`
    when Data is empty."""
    def call_by_id(self, object_id):
        return self.call(path, action, {key: object_id}) or default
    call_by_id.__doc__ = doc
    call_by_id.__name__ = str(action)
    return call_by_id


class MigrationClient(Client):
    """Calls the migration platform's API; one instance per endpoint and account."""

    error_class = MigrationError

    def __init__(self, url, username, password, timeout=30.0, validate_certs=True, page_limit=DEFAULT_PAGE_LIMIT,
                 http=None, max_answer_bytes=None):
        Client.__init__(self, http or HttpSession(
            url, platform="migration", timeout=timeout, validate_certs=validate_certs,
            is_answer=envelope_with("Code", "code"), max_answer_bytes=max_answer_bytes))
        self.username = username
        self.password = password
        self.redact.add(password)
        self.page_limit = int(page_limit)
        self.token = None
        self._login_gate = LoginGate()

    # --- session -------------------------------------------------------------------------
    def login(self):
        """POST /Login; keeps the token for later calls and returns Data (`Token`, `IsFirstLogin`)."""
        if not self.username or not self.password:
            raise MigrationError("username and password are required to log in", "POST", LOGIN_PATH)
        body = {"UserName": self.username, "Password": self.password}
        data = self._decode(self.http.request("POST", LOGIN_PATH, json=body, headers=_json_headers(),
                                              operation=SESSION), LOGIN_PATH, "Login") or {}
        token = data.get("Token") if isinstance(data, dict) else None
        if not token:
            raise MigrationError("Login answered without a token", "POST", LOGIN_PATH, action="Login")
        self.redact.add(token)
        self.token = token
        return data

    def end_session(self):
        """POST /Logout, if logged in; the token is forgotten either way."""
        if not self.token:
            return
        token, self.token = self.token, None
        response = self.http.request("POST", LOGOUT_PATH, json={}, headers=_json_headers(token), operation=SESSION)
        self._decode(response, LOGOUT_PATH, "Logout")

    def forget_session(self):
        """Drop the token without telling the platform (after a failed logout: it expires on its own)."""
        self.token = None

    def _current_token(self, stale=None):
        """The token to send: logging in first when there is none or the server refused `stale`; one login for
        all threads (`retry.LoginGate`)."""
        return self._login_gate.current(lambda: self.token, stale, self.login)

    # --- calls ---------------------------------------------------------------------------
    def call(self, path, action, fields=None):
        """POST `{"Action": action, **fields}` to `path` with the token; returns Data.

        A refused token (HTTP 401, or the envelope's token failure) is replaced by a new login and the
        call sent again (`retry.renewing`).
        """
        body = {"Action": action}
        body.update(compact(fields or {}))
        for key in SECRET_KEYS:
            if isinstance(body.get(key), str):
                self.redact.add(body[key])
        operation = READ if action in READ_ACTIONS else WRITE

        def refused(response):
            if not is_token_refusal(response):
                return False
            self._refused(operation)
            return True

        response = renewing(self._current_token, lambda token: self.http.request(
            "POST", path, json=body, headers=_json_headers(token), operation=operation), refused)
        try:
            return self._decode(response, path, action)
        except MigrationError:
            if response.status_code < 500 and has_code(json_body(response)):
                self._refused(operation)
            raise

    def _refused(self, operation):
        """A write the platform answered with a refusal changed nothing: it no longer counts as written."""
        refused = getattr(self.http, "write_refused", None)
        if operation == WRITE and refused is not None:
            refused()

    def _decode(self, response, path, action):
        """Data of a successful envelope; MigrationError naming URL, Action, Code and Msg otherwise."""
        body = json_body(response)
        if body is None:
            raise MigrationError("%s: the answer is not a JSON envelope: %s" % (action, self.answer_text(response)),
                                 "POST", path, response.status_code, action=action)
        if not has_code(body):
            if action in BARE_ANSWERS and response.status_code == 200:
                return body
            raise self._failure(response, path, action, body, "the answer has no Code")
        if response.status_code >= 400 or not is_success(body.get("Code", body.get("code"))):
            raise self._failure(response, path, action, body)
        return payload(body)

    def _failure(self, response, path, action, body, default="failed without a message"):
        redact = self.redact
        code = body.get("Code", body.get("code"))
        message = body.get("Msg") or body.get("msg") or default
        data = payload(body)
        repeated = data.get("Repeated") if isinstance(data, dict) else None
        details = "repeated: %s" % ", ".join(str(name) for name in repeated) if repeated else None
        return MigrationError("%s: %s" % (action, redact(message)), "POST", path, response.status_code,
                              code=redact(code) if isinstance(code, str) else code, details=redact(details),
                              action=action, data=data)

    # --- settings (/MgntSetting) ---------------------------------------------------------
    def change_password(self, new_password, username=None, password=None):
        """ChangePassword of an account (this client's by default); later logins use the new password."""
        self.redact.add(new_password)
        own = username in (None, self.username)
        self.call(SETTING_PATH, "ChangePassword", {"UserName": username or self.username,
                                                   "Password": password or self.password,
                                                   "NewPassword": new_password})
        if own:
            self.password = new_password

    def update_license(self, activation_key):
        """UpdateLicense: install an activation key; returns the license (`Credits`, `ExpireTime`, `Id`, `Used`)."""
        return self.call(SETTING_PATH, "UpdateLicense", {"ActivationKey": activation_key}) or {}

    def delete_license(self):
        """DeleteLicense: remove the installed license."""
        self.call(SETTING_PATH, "DeleteLicense")

    def get_license(self):
        """GetLicense: the installed license, or None when there is none (Data null)."""
        data = self.call(SETTING_PATH, "GetLicense")
        return data if isinstance(data, dict) and data.get("Id") else None

    # --- cloud connections (/MgmtCloudConnection) ----------------------------------------
    def list_cloud_types(self):
        """ListCloudType: the cloud platform types the server supports."""
        return items_of(self.call(CLOUD_PATH, "ListCloudType"))

    def add_cloud_connection(self, fields):
        """AddCloudConnection with API fields (`CloudName`, `CloudType`, `CloudPass`, ...); returns the new Id."""
        return _new_id(self.call(CLOUD_PATH, "AddCloudConnection", fields))

    delete_cloud_connection = _by_id(CLOUD_PATH, "DeleteCloudConnection",
                                     "DeleteCloudConnection: refused while a transport server uses the cloud.")

    def update_cloud_connection(self, cloud_id, fields):
        """UpdateCloudConnection with API fields (`Name`, `CloudUser`, `CloudPass`, ...)."""
        self.call(CLOUD_PATH, "UpdateCloudConnection", _with_id(fields, cloud_id))

    def list_cloud_connections(self, name=None):
        """ListCloudConnection, optionally by name; `CloudPass` comes back base64-encoded."""
        items = items_of(self.call(CLOUD_PATH, "ListCloudConnection", {"Name": name}))
        for item in items:
            self.redact.add(item.get("CloudPass"))
        return items

    def verify_cloud_connection(self, fields):
        """VerifyCloudConnection: whether the cloud answers with these credentials (raises when it does not)."""
        self.call(CLOUD_PATH, "VerifyCloudConnection", fields)

    # --- transport servers (/MgmtTransportConnection) ------------------------------------
    def add_transport_server(self, name, serv_type, mgnt_addr, cloud_id=None):
        """AddTransportServer (`On-Premises` or `Cloud`; a Cloud one names its cloud); returns the new Id."""
        fields = {"ServType": serv_type, "Name": name, "CloudId": cloud_id, "MgntAddr": mgnt_addr}
        return _new_id(self.call(TRANSPORT_PATH, "AddTransportServer", fields))

    delete_transport_server = _by_id(TRANSPORT_PATH, "DeleteTransportServer",
                                     "DeleteTransportServer: refused while source hosts use the server.")
    refresh_transport_server = _by_id(TRANSPORT_PATH, "RefreshTransportServer",
                                      "RefreshTransportServer: re-read the server's facts.")

    def list_transport_servers(self, ip=None, name=None, serv_type=None):
        """ListTransportServer, optionally filtered by address, name or type."""
        fields = {"Ip": ip, "Name": name, "ServType": serv_type}
        return items_of(self.call(TRANSPORT_PATH, "ListTransportServer", fields))

    # --- Packer source hosts (/portal/MgmtHostConnection) --------------------------------
    def add_packer_host(self, name, trans_id, mgnt_addr):
        """AddPackerHost through a transport server; returns the new Id."""
        fields = {"Name": name, "TransId": trans_id, "MgntAddr": mgnt_addr}
        return _new_id(self.call(HOST_PATH, "AddPackerHost", fields))

    delete_packer_host = _by_id(HOST_PATH, "DeletePackerHost", "DeletePackerHost: refused while the host is being "
                                                               "copied.")
    refresh_packer_host = _by_id(HOST_PATH, "RefreshPackerHost", "RefreshPackerHost: re-read the host's disks, "
                                                                 "network and OS.")
    get_packer_host = _by_id(HOST_PATH, "GetPackerHost", "GetPackerHost: one host's details (transport server, OS, "
                                                         "disks, whether it can migrate).", default={})

    def update_packer_host(self, host_id, name, trans_id):
        """UpdatePackerHost: its name and transport server."""
        self.call(HOST_PATH, "UpdatePackerHost", {"TransId": trans_id, "Id": host_id, "Name": name})

    def list_hosts(self, name=None, mgnt_addr=None, task_free=None):
        """ListHosts: `{"AgentHosts": [...], "VSPlatforms": [...]}`; TaskFree=true lists hosts free to migrate."""
        data = self.call(HOST_PATH, "ListHosts", {"Name": name, "MgntAddr": mgnt_addr, "TaskFree": task_free}) or {}
        return {"AgentHosts": list(data.get("AgentHosts") or []), "VSPlatforms": list(data.get("VSPlatforms") or [])}

    # --- vSphere platforms (/portal/MgmtHostConnection) ----------------------------------
    def add_vsphere_platform(self, name, ip, username, password, trans_id):
        """AddVSPlatform; returns Data (`Count`, the VMs found). Code 1 lists VMs whose uuid already exists."""
        fields = {"Name": name, "Ip": ip, "UserName": username, "Passwd": password, "TransId": trans_id}
        return self.call(HOST_PATH, "AddVSPlatform", fields) or {}

    delete_vsphere_platform = _by_id(HOST_PATH, "DeleteVSPlatform", "DeleteVSPlatform (keyed `ID`).", key="ID")
    refresh_vsphere_platform = _by_id(HOST_PATH, "RefreshVSPlatform", "RefreshVSPlatform: re-read the platform's VM "
                                                                      "tree and VM configurations.", key="ID")

    def update_vsphere_platform(self, platform_id, name, username=None, password=None, trans_id=None):
        """UpdateVSPlatform: name, credentials and transport server."""
        fields = {"ID": platform_id, "Name": name, "UserName": username, "Passwd": password, "TransId": trans_id}
        self.call(HOST_PATH, "UpdateVSPlatform", fields)

    def list_vsphere_hosts(self):
        """ListVSHosts: every vSphere platform with its data centers, clusters, hosts and VMs."""
        return items_of(self.call(HOST_PATH, "ListVSHosts"))

    # --- migration tasks (/MgmtTask) -----------------------------------------------------
    def prepare_task(self, fields):
        """PrepareTaskWorkload with API fields; returns Data (`ID`, `Repeated`). Takes one license credit."""
        return self.call(TASK_PATH, "PrepareTaskWorkload", fields) or {}

    delete_task = _by_id(TASK_PATH, "DeleteTask", "DeleteTask: an unfinished task gives its license credit back.")

    def update_task(self, task_id, fields):
        """UpdateTask with API fields; the server refuses changes its rules forbid at this point."""
        return self.call(TASK_PATH, "UpdateTask", _with_id(fields, task_id)) or {}

    def list_tasks_page(self, name=None, src_host=None, page_num=1, page_limit=None):
        """One page of ListTasks: Data with `AgentTasks`, `VSTasks` and the counters."""
        fields = {"Name": name, "SrcHost": src_host, "PageLimit": int(page_limit or self.page_limit),
                  "PageNum": page_num}
        return self.call(TASK_PATH, "ListTasks", fields) or {}

    def list_tasks(self, name=None, src_host=None, page_limit=None):
        """Every task (agent tasks and the tasks of vSphere platforms), reading page after page (the one pager)."""
        limit = int(page_limit or self.page_limit)
        found, order = {}, []
        for data in pages(lambda number: self.list_tasks_page(name, src_host, number, limit), "migration", "POST",
                          TASK_PATH, listing="ListTasks"):
            page = flat_tasks(data)
            fresh = [task for task in page if _task_id(task) not in found]
            for task in fresh:
                found[_task_id(task)] = task
                order.append(_task_id(task))
            total = data.get("TaskTotal")
            if len(page) < limit or not fresh or (isinstance(total, int) and len(found) >= total):
                break
        return [found[key] for key in order]

    get_task_detail = _by_id(TASK_PATH, "GetTaskDetail", "GetTaskDetail: the task's settings, progress, source and "
                                                         "target.", default={})
    complete_task = _by_id(TASK_PATH, "CompleteTask", "CompleteTask: final sync and recovery; needs the first full "
                                                      "copy done (SnapTimes >= 2 or 100%).")
    continue_task = _by_id(TASK_PATH, "ContinueTask", "ContinueTask: resume a task paused by an error (ActionState "
                                                      "1003).")
    get_instance = _by_id(TASK_PATH, "GetInstance", "GetInstance: the task's cloud server, `{ID, Name}`.",
                          default={})

    def task_history(self, task_id):
        """DisplayTaskHistory: `[{Number, Msg, Timestamp}]`."""
        return items_of(self.call(TASK_PATH, "DisplayTaskHistory", {"Id": task_id}))

    def list_snapshots(self, task_id):
        """ListSnapshots of a task: `[{TimeStamp}]`."""
        return items_of(self.call(TASK_PATH, "ListSnapshots", {"Id": task_id}))

    def list_volume_types(self, cloud_id, storage_id=None):
        """ListVolumeTypes of a cloud (and storage)."""
        return items_of(self.call(TASK_PATH, "ListVolumeTypes", {"Id": cloud_id, "StorageId": storage_id}))

    def list_storages(self, cloud_id, storage_id=None):
        """ListStorages of a cloud."""
        return items_of(self.call(TASK_PATH, "ListStorages", {"Id": cloud_id, "StorageId": storage_id}))

    def list_flavors(self, cloud_id):
        """ListFlavors of a cloud."""
        return items_of(self.call(TASK_PATH, "ListFlavors", {"Id": cloud_id}), "Flavors")

    def list_networks(self, cloud_id):
        """ListNetworks of a cloud, each with its subnets."""
        return items_of(self.call(TASK_PATH, "ListNetworks", {"Id": cloud_id}), "Networks")

    def list_security_groups(self, cloud_id):
        """ListSecurityGroups of a cloud."""
        return items_of(self.call(TASK_PATH, "ListSecurityGroups", {"Id": cloud_id}), "SecurityGroup")

    list_quota = _by_id(TASK_PATH, "ListQuota", "ListQuota of a cloud: `{CPU, Memory, Disk}` left (GB for memory "
                                                "and disk).", default={})

    def create_instance(self, task_id, fields):
        """CreateInstance: create the task's cloud server with API fields (flavour, network, ...)."""
        return self.call(TASK_PATH, "CreateInstance", _with_id(fields, task_id)) or {}


def flat_tasks(data):
    """The tasks of a ListTasks Data: agent tasks, then the tasks under each vSphere platform."""
    tasks = list((data or {}).get("AgentTasks") or [])
    for platform in (data or {}).get("VSTasks") or []:
        tasks.extend(platform.get("Tasks") or [])
    return tasks


def _task_id(task):
    return task.get("Id") or task.get("ID")


def _new_id(data):
    """The id of a created object from Data (`{"ID": ...}`)."""
    if isinstance(data, dict):
        return data.get("ID") or data.get("Id")
    return data


def _with_id(fields, object_id):
    """A request body: API fields and the object's `Id`."""
    body = dict(fields)
    body["Id"] = object_id
    return body


def _json_headers(token=None):
    headers = {"Accept": "application/json", "Content-Type": "application/json"}
    if token:
        headers["Authorization"] = token
    return headers


# --- connection options, shared by the modules and the reconciler ----------------------------
CONNECTION_ARGUMENT_SPEC = connection_options("MIGRATION", credentials=True)


def client_from_params(params):
    """A MigrationClient from module options or a reconciler endpoint (same names)."""
    return MigrationClient(params.get("url"), params.get("username") or "admin", params.get("password"),
                           **client_options(params))
