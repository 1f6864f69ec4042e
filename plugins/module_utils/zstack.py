# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Client of the ZStack 2.3.1 REST API (global part).

Sessions: login with the SHA-512 digest of the password, `Authorization: OAuth <session>`,
transparent re-login when the session expires. Async calls: every non-GET call may answer
202 with a `location` to poll; polls follow the one waiter (every 50 ms, then a tenth of the wait,
up to 1 s). Each async call carries an `X-Job-UUID`, so a call retried after a lost answer returns the
first call's result instead of running twice.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import re
import uuid

from ansible_collections.converge.platforms.plugins.module_utils.client_base import Client, client_options, decoded_json
from ansible_collections.converge.platforms.plugins.module_utils.http import (
    KEYED_WRITE,
    SESSION,
    ApiError,
    HttpSession,
    TransportError,
    connection_options,
    response_text,
)
from ansible_collections.converge.platforms.plugins.module_utils.paging import pages
from ansible_collections.converge.platforms.plugins.module_utils.retry import LoginGate, renewing
from ansible_collections.converge.platforms.plugins.module_utils.waiter import WaitTimeout, wait_until

API_PREFIX = "/zstack/v1"
DEFAULT_PAGE_SIZE = 1000
QUERY_OPERATORS = ("!?=", "!~=", "?=", "~=", ">=", "<=", "!=", "=", ">", "<")
#: the two special query conditions that select resources by the text of their tags
SYSTEM_TAG_CONDITION = "__systemTag__"
USER_TAG_CONDITION = "__userTag__"
#: `auth=` of a call that ZStack's SDKs send without a session but the document lists one for: the
#: session is sent when one is open; without one the call goes without, and on 401 after a login
AUTH_IF_REFUSED = "if-refused"


class ZStackError(ApiError):
    """A ZStack call or job that failed with ZStack's own error code and text."""


class JobTimeout(ZStackError):
    """An async job did not finish within the caller's time limit."""


def hash_password(password):
    """ZStack logs in with the SHA-512 hex digest of the password."""
    return hashlib.sha512(password.encode("utf-8")).hexdigest()


def new_job_uuid():
    """A v4 UUID written without hyphens, as `X-Job-UUID` requires."""
    return uuid.uuid4().hex


_SPACED_CONDITION = re.compile(r"^\s*[A-Za-z_][\w.]*(\s*)(%s)(\s*)" % "|".join(re.escape(op) for op in QUERY_OPERATORS))


def check_condition(text):
    """Refuse, before it is sent, a condition ZStack refuses: spaces around its operator (`uuid = x`)."""
    match = _SPACED_CONDITION.match(text) if isinstance(text, str) else None
    if match and (match.group(1) or match.group(3) or text[:1].isspace()):
        field, _sep, value = text.partition(match.group(2))
        raise ZStackError("query condition %r has spaces around its operator; write it as %r" % (
            text, field.strip() + match.group(2) + value.strip()))
    return text


def condition(field, operator, value=None):
    """Build one query condition (`name=vm1`, `uuid?=a,b`, `name is null`).

    `field` may be `SYSTEM_TAG_CONDITION` or `USER_TAG_CONDITION` to select resources by their tags
    (`__userTag__=owner::ops`).
    """
    if operator in ("is null", "not null"):
        return "%s %s" % (field, operator)
    if operator not in QUERY_OPERATORS:
        raise ValueError("unknown ZStack query operator %r" % operator)
    if isinstance(value, (list, tuple, set)):
        value = ",".join(str(v) for v in value)
    return "%s%s%s" % (field, operator, value)


class ZStackClient(Client):
    """Calls the ZStack REST API; one instance per endpoint and account."""

    error_class = ZStackError

    def __init__(self, url, username, password, timeout=30.0, validate_certs=True, job_timeout=300.0,
                 page_size=DEFAULT_PAGE_SIZE, http=None, clock=None, max_answer_bytes=None):
        super(ZStackClient, self).__init__(
            http or HttpSession(url, platform="zstack", timeout=timeout, validate_certs=validate_certs,
                                is_answer=lambda response: _error_body(response) is not None,
                                max_answer_bytes=max_answer_bytes),
            clock)
        self.username = username
        self.redact.add(password)
        self._password_hash = hash_password(password) if password else None
        self.redact.add(self._password_hash)
        self.job_timeout = float(job_timeout)
        self.page_size = int(page_size)
        self.session_uuid = None
        self._login_gate = LoginGate()

    # --- session -------------------------------------------------------------------------
    def login(self):
        """Open a session; returns the session inventory (its uuid is kept for later calls)."""
        if not self.username or not self._password_hash:
            raise ZStackError("username and password are required to log in to ZStack")
        body = {"logInByAccount": {"accountName": self.username, "password": self._password_hash}}
        response = self._send("PUT", "/accounts/login", body, job_uuid=None, operation=SESSION)
        inventory = self._result(response, "PUT", "/accounts/login").get("inventory") or {}
        if not inventory.get("uuid"):
            raise ZStackError("login answered without a session uuid", "PUT", API_PREFIX + "/accounts/login")
        self.session_uuid = inventory["uuid"]
        self.redact.add(self.session_uuid)
        return inventory

    def end_session(self):
        """Log out (DELETE the session), if a session is open."""
        if not self.session_uuid:
            return
        session, self.session_uuid = self.session_uuid, None
        path = "/accounts/sessions/%s" % session
        response = self.http.request("DELETE", API_PREFIX + path, headers={"Authorization": "OAuth %s" % session},
                                     operation=SESSION)
        self._result(response, "DELETE", path)

    def forget_session(self):
        """Drop the session after a failed logout: it expires on its own."""
        self.session_uuid = None

    # --- calls ---------------------------------------------------------------------------
    def get(self, path, params=None, auth=True):
        """A synchronous GET; returns the decoded body."""
        response = self._authed(lambda headers: self._send("GET", path, None, job_uuid=None, headers=headers,
                                                           params=params), auth)
        return self._result(response, "GET", path)

    def call(self, method, path, body=None, auth=True, wait=True, timeout=None):
        """A write (POST, PUT, DELETE): submits with an X-Job-UUID and waits for the job's result.

        With wait=False, returns `{"job_uuid", "location"}` as soon as the job is accepted.
        """
        job_uuid = new_job_uuid()

        def send(headers):
            return self._send(method, path, body, job_uuid=job_uuid, headers=headers)

        response = self._authed(send, auth)
        if response.status_code == 202:
            location = self._location(response, method, path)
            if not wait:
                return {"job_uuid": job_uuid, "location": location}
            return self.wait_job(location, method, path, timeout=timeout)
        return self._result(response, method, path)

    def wait_job(self, location, method="GET", path=None, timeout=None):
        """Poll a job location until it answers 200 (result), 503 (error) or 404 (expired), through the waiter."""
        path = path or location

        def poll():
            try:
                return self._authed(lambda headers: self.http.request("GET", location, headers=headers), True)
            except TransportError:
                return None  # no answer even after the retry policy: poll again

        def finished(response):
            # a proxy hiccup that outlived the retry policy is not the job's answer either
            return response is not None and response.status_code != 202 and not self.http.lost_answer(response)

        try:
            response = wait_until(poll, finished, timeout if timeout is not None else self.job_timeout,
                                  clock=self.clock, describe="the job")
        except WaitTimeout:
            raise JobTimeout("the job did not finish in time", method, path)
        if response.status_code == 404:
            raise ZStackError("the job's polling address expired or is unknown", method, path, 404)
        return self._result(response, method, path)

    def _send(self, method, path, body, job_uuid, headers=None, params=None, operation=None):
        """Send one call under the retry policy.

        Writes carry an X-Job-UUID, which makes them retry-safe: a resent write whose first answer
        was lost returns the first result instead of running again.
        """
        headers = dict(headers or {})
        if job_uuid:
            headers["X-Job-UUID"] = job_uuid
            operation = operation or KEYED_WRITE
        return self.http.request(method, API_PREFIX + path, json=body, headers=headers, params=params,
                                 operation=operation)

    def _authed(self, send, auth):
        """Run `send(headers)` with the session header; log in first or again when needed.

        `auth=False` never sends a session; `AUTH_IF_REFUSED` sends the open session, or none when no
        session is open, logging in only when the server refuses the call without one (401).
        """
        if not auth:
            return send({})
        if auth == AUTH_IF_REFUSED and not self.session_uuid:
            response = send({})
            if response.status_code != 401:
                return response
        return renewing(self._session, lambda session: send({"Authorization": "OAuth %s" % session}),
                        lambda response: response.status_code == 401)

    def _session(self, stale):
        """The current session, logging in when there is none or it is `stale`; one login for all threads."""
        return self._login_gate.current(lambda: self.session_uuid, stale, self.login)

    def _location(self, response, method, path):
        body = self._json(response, method, path)
        location = body.get("location") if isinstance(body, dict) else None
        if not location:
            raise self.http.error(response, "a 202 answer without a location")
        return location

    def _json(self, response, method, path):
        if not response.content:
            return {}
        try:
            return response.json()
        except ValueError:
            raise ZStackError("the answer is not JSON: %s" % self.answer_text(response), method,
                              API_PREFIX + path if path.startswith("/") else path, response.status_code)

    def _result(self, response, method, path):
        """Decode a final answer; raise ZStackError with ZStack's code and text on failure."""
        full_path = API_PREFIX + path if path.startswith("/") else path
        if response.status_code == 200:
            body = self._json(response, method, path)
            error = body.get("error") if isinstance(body, dict) else None
            if error:
                raise self._error(error, method, full_path, 200)
            return body if isinstance(body, dict) else {"value": body}
        error = _error_body(response)
        if error:
            raise self._error(error, method, full_path, response.status_code)
        raise ZStackError(self.redact(response_text(response) or response.reason or "failed"), method, full_path,
                          response.status_code)

    def _error(self, error, method, path, status):
        redact = self.redact
        return ZStackError(redact(error.get("description") or "ZStack reported an error"), method, path, status,
                           code=error.get("code"),
                           details=redact(error.get("details")) if error.get("details") else None)

    # --- query API -----------------------------------------------------------------------
    def query(self, resource, conditions=(), fields=None, sort=None, limit=None, page_size=None):
        """Read every row matching the conditions, page by page (`start`/`limit`), through the one pager.

        `resource` is the path under /zstack/v1, such as `/system-tags`. Returns a list.
        """
        page_size = int(page_size or self.page_size)
        conditions = [check_condition(c) for c in conditions]
        rows = []

        def wanted():
            return page_size if limit is None else min(page_size, limit - len(rows))

        def read_page(_number):
            params = [("q", c) for c in conditions] + [("start", len(rows)), ("limit", wanted())]
            if fields:
                params.append(("fields", ",".join(fields)))
            if sort:
                params.append(("sort", sort))
            return self.get(resource, params=params).get("inventories") or []

        if wanted() <= 0:
            return rows
        for page in pages(read_page, "zstack", "GET", API_PREFIX + resource):
            want = wanted()
            rows.extend(page)
            if len(page) < want or wanted() <= 0:
                break
        return rows

    # --- management nodes ----------------------------------------------------------------
    def query_management_nodes(self, conditions=()):
        return self.query("/management-nodes", conditions)

    def get_version(self):
        return self.call("PUT", "/management-nodes/actions", {"getVersion": {}}, auth=False).get("version")

    def get_current_time(self):
        return self.call("PUT", "/management-nodes/actions", {"getCurrentTime": {}}, auth=False).get("currentTime")

    def is_ready_to_go(self, management_node_id=None):
        """IsReadyToGo: ZStack's SDKs send it without a session, the document with one; both are accepted."""
        params = {"managementNodeId": management_node_id} if management_node_id else None
        return self.get("/management-nodes/ready", params=params, auth=AUTH_IF_REFUSED)

    # --- tags ----------------------------------------------------------------------------
    def create_tag(self, kind, resource_type, resource_uuid, tag):
        """Create a system or user tag (`kind` is 'system' or 'user'); returns its inventory."""
        body = {"params": {"resourceType": resource_type, "resourceUuid": resource_uuid, "tag": tag}}
        return self.call("POST", "/%s-tags" % kind, body).get("inventory")

    def query_tags(self, kind, conditions=()):
        return self.query("/%s-tags" % kind, conditions)

    def update_system_tag(self, tag_uuid, tag):
        body = {"updateSystemTag": {"tag": tag}}
        return self.call("PUT", "/system-tags/%s/actions" % tag_uuid, body).get("inventory")

    def delete_tag(self, tag_uuid, delete_mode=None):
        body = {"deleteMode": delete_mode} if delete_mode else None
        return self.call("DELETE", "/tags/%s" % tag_uuid, body)

    # --- task progress -------------------------------------------------------------------
    def get_task_progress(self, api_id, all_entries=False):
        params = {"all": "true" if all_entries else "false"}
        return self.get("/task-progresses/%s" % api_id, params=params).get("inventories") or []

    # --- notifications -------------------------------------------------------------------
    def query_notifications(self, conditions=()):
        return self.query("/notifications", conditions)

    def update_notifications_status(self, uuids, status):
        body = {"updateNotificationsStatus": {"uuids": list(uuids), "status": status}}
        return self.call("PUT", "/notifications/actions", body)

    def delete_notifications(self, uuids):
        return self.call("DELETE", "/notifications", {"uuids": list(uuids)})

    # --- capacity ------------------------------------------------------------------------
    def get_cpu_memory_capacity(self, zone_uuids=(), cluster_uuids=(), host_uuids=(), all_hosts=False):
        params = [("zoneUuids", u) for u in zone_uuids] + [("clusterUuids", u) for u in cluster_uuids]
        params += [("hostUuids", u) for u in host_uuids]
        if all_hosts or not params:
            params.append(("all", "true"))
        return self.get("/hosts/capacities/cpu-memory", params=params)

    # --- GC jobs -------------------------------------------------------------------------
    def query_gc_jobs(self, conditions=()):
        return self.query("/gc-jobs", conditions)

    def trigger_gc_job(self, job_uuid):
        return self.call("PUT", "/gc-jobs/%s/actions" % job_uuid, {"triggerGCJob": {}})

    def delete_gc_job(self, job_uuid):
        return self.call("DELETE", "/gc-jobs/%s" % job_uuid)

    # --- licenses ------------------------------------------------------------------------
    def get_license_info(self):
        return self.get("/licenses").get("inventory") or {}

    def get_license_capabilities(self):
        return self.get("/licenses/capabilities").get("capabilities") or {}

    def reload_license(self, management_node_uuids=None):
        """ReloadLicense: an async API by the document, answered at once by servers that ZStack's SDKs expect.

        `call` takes either answer: 200 with the inventory, or 202 and the job's result.
        """
        body = {"reloadLicense": {"managementNodeUuids": list(management_node_uuids or [])}}
        return self.call("PUT", "/licenses/actions", body).get("inventory") or {}

    def update_license(self, management_node_uuid, license_text):
        """Install a license on a management node; `license_text` is the license, base64-encoded."""
        self.redact.add(license_text)
        body = {"updateLicense": {"license": license_text}}
        return self.call("PUT", "/licenses/mn/%s/actions" % management_node_uuid, body).get("inventory") or {}

    # --- long jobs -----------------------------------------------------------------------
    def query_long_jobs(self, conditions=()):
        return self.query("/longjobs", conditions)

    def submit_long_job(self, job_name, job_data, name=None, description=None, target_resource_uuid=None,
                        resource_uuid=None):
        params = {"jobName": job_name, "jobData": job_data}
        for key, value in (("name", name), ("description", description),
                           ("targetResourceUuid", target_resource_uuid), ("resourceUuid", resource_uuid)):
            if value is not None:
                params[key] = value
        return self.call("POST", "/longjobs", {"params": params}).get("inventory")

    def cancel_long_job(self, job_uuid):
        return self.call("PUT", "/longjobs/%s/actions" % job_uuid, {"cancelLongJob": {}})

    def delete_long_job(self, job_uuid):
        return self.call("DELETE", "/longjobs/%s" % job_uuid)


def _error_body(response):
    """ZStack's `{"error": {...}}` from a response, or None when the body is something else."""
    body = decoded_json(response)
    error = body.get("error") if isinstance(body, dict) else None
    return error if isinstance(error, dict) else None


# --- connection options, shared by the modules and the reconciler ----------------------------
CONNECTION_ARGUMENT_SPEC = connection_options("ZSTACK", credentials=True, job_timeout={"type": "int", "default": 300})


def client_from_params(params):
    """A ZStackClient from module options or a reconciler endpoint (same names)."""
    return ZStackClient(params["url"], params.get("username") or "admin", params.get("password"),
                        job_timeout=params.get("job_timeout") or 300, **client_options(params))
