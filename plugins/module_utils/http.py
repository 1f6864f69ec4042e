# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one HTTP layer of converge: a session per endpoint with retries, timeouts, bounds and redaction.

A server may be broken or hostile; whatever it does, a call ends within its bounds, with an error naming
the platform and the call (docs/security.md, "Hostile or broken server"):

- `timeout` bounds the whole call: connecting, sending, and every byte of the answer (deadline.py);
- an answer larger than `max_answer_bytes` (MAX_ANSWER_BYTES by default) is refused, read no further
  than the cap;
- JSON nested deeper than MAX_JSON_DEPTH is refused before anything decodes it;
- a redirect is followed only within the endpoint's origin (scheme, host and port), at most
  MAX_REDIRECTS times: the session or password a call carries never goes anywhere else;
- a URL with credentials in it (`user:password@`) is refused, and a URL is shown without them.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import re
import threading

from ansible_collections.converge.platforms.plugins.module_utils.deadline import CallDeadline, DeadlineAdapter
from ansible_collections.converge.platforms.plugins.module_utils.optional_library import OptionalLibrary
from ansible_collections.converge.platforms.plugins.module_utils.read_memo import ReadMemo, read_key
from ansible_collections.converge.platforms.plugins.module_utils.retry import RetryPolicy

try:
    from urllib.parse import urljoin, urlsplit
except ImportError:  # pragma: no cover
    from urlparse import urljoin, urlsplit  # type: ignore

#: reported by the module base (module.py) when missing; an HttpSession cannot be made without it
REQUESTS = OptionalLibrary("requests")
requests = REQUESTS.module
REDACTED = "********"
IDEMPOTENT_METHODS = frozenset(["GET", "HEAD", "OPTIONS"])
#: what a call means, which decides whether it may be sent again (see retry.py)
READ = "read"
WRITE = "write"
KEYED_WRITE = "keyed-write"
SESSION = "session"
OPERATIONS = (READ, WRITE, KEYED_WRITE, SESSION)
RETRY_SAFE = (READ, KEYED_WRITE, SESSION)
#: the most bytes of one answer read, unless the endpoint's `max_answer_bytes` says otherwise (64 MiB)
MAX_ANSWER_BYTES = 64 * 1024 * 1024
#: the deepest nesting of arrays and objects accepted in a JSON answer
MAX_JSON_DEPTH = 256
#: redirects within the endpoint's origin followed for one call
MAX_REDIRECTS = 3
_CHUNK_BYTES = 64 * 1024
_DEFAULT_PORTS = {"http": 80, "https": 443}
#: a JSON string, or the rest of a text cut off inside one
_JSON_STRING = re.compile(br'"[^"\\]*(?:\\.[^"\\]*)*(?:"|\Z)')
_NOT_A_BRACKET = re.compile(br"[^\[\]{}]+")
_OPENING = frozenset(bytearray(b"[{"))

# Values that look like secrets in free text: OAuth session ids, tokens and passwords in JSON or
# query strings. Known secret values are redacted exactly as well (see Redactor.add).
_SECRET_PATTERNS = [
    re.compile(r"(?i)(authorization[\"']?\s*[:=]\s*[\"']?(?:oauth|bearer|basic)?\s*)([^\s\"',}]+)"),
    # "password": "x" in JSON, or password=x in a query string or form body
    re.compile(r"(?i)([\"'](?:password|passwd|token|session_?id|sessionuuid|cloudpass|license|secret)[\"']\s*:\s*[\"']?)"
               r"([^\s\"'&,}]+)"),
    re.compile(r"(?i)(\b(?:password|passwd|token|session_?id|sessionuuid|cloudpass|license|secret)=)([^\s\"'&,}]+)"),
]


class ApiError(Exception):
    """An API call that failed: names the method, the path, the status and the platform's own text."""

    def __init__(self, message, method=None, path=None, status=None, code=None, details=None):
        #: the call (method and path), the HTTP status, the platform's own code, and its text
        self.method, self.path, self.status = method, path, status
        self.code, self.details, self.reason = code, details, message
        super(ApiError, self).__init__(self._format())

    def _format(self):
        parts = []
        if self.method and self.path:
            parts.append("%s %s" % (self.method, self.path))
        if self.status is not None:
            parts.append("HTTP %s" % self.status)
        if self.code not in (None, ""):
            parts.append("code %s" % self.code)
        text = ": ".join(parts)
        message = self.reason
        if self.details and self.details not in message:
            message = "%s (%s)" % (message, self.details)
        return "%s: %s" % (text, message) if text else message


class TransportError(ApiError):
    """The request never got an HTTP answer: connection refused or reset, timeout, TLS failure."""

    transport = True


class Redactor:
    """Replaces secret values, and text shaped like secrets, with a fixed mask."""

    def __init__(self, secrets=None):
        self._secrets = set()
        self._lock = threading.Lock()
        for value in secrets or ():
            self.add(value)

    def add(self, value):
        """Remember a secret value (a password, a token, a session id) for redaction."""
        if value and isinstance(value, str) and len(value) >= 4:
            with self._lock:
                self._secrets.add(value)

    def __call__(self, text):
        if text is None:
            return text
        text = str(text)
        with self._lock:
            secrets = sorted(self._secrets, key=len, reverse=True)
        for value in secrets:
            text = text.replace(value, REDACTED)
        for pattern in _SECRET_PATTERNS:
            text = pattern.sub(lambda m: m.group(1) + REDACTED, text)
        return text


def from_env(name):
    """An argument_spec `fallback` reading the environment variable `name` (connection options)."""
    from ansible.module_utils.basic import env_fallback

    return (env_fallback, [name])


def connection_options(prefix, credentials=False, **extra):
    """A platform's connection options for its modules and endpoints; `prefix` names the environment variables.

    `url`, with `username` and `password` when the platform logs in, any `extra` options, then
    `validate_certs`, `ca_path`, `timeout` (of a whole call) and `max_answer_bytes`.
    """
    options = {"url": {"type": "str", "required": True, "fallback": from_env(prefix + "_URL")}}
    if credentials:
        options["username"] = {"type": "str", "default": "admin", "fallback": from_env(prefix + "_USERNAME")}
        options["password"] = {"type": "str", "required": True, "no_log": True,
                               "fallback": from_env(prefix + "_PASSWORD")}
    options.update(extra)
    options["validate_certs"] = {"type": "bool", "default": True, "fallback": from_env(prefix + "_VALIDATE_CERTS")}
    options["ca_path"] = {"type": "path", "fallback": from_env(prefix + "_CA_PATH")}
    options["timeout"] = {"type": "int", "default": 30}
    options["max_answer_bytes"] = {"type": "int", "default": MAX_ANSWER_BYTES}
    return options


def tls_verify(params):
    """What `requests` verifies an https endpoint with: False, the `ca_path` bundle, or the system's CAs (True).

    It is passed on every request, so REQUESTS_CA_BUNDLE or CURL_CA_BUNDLE in the environment never
    overrides `validate_certs: false` or `ca_path`.
    """
    if params.get("validate_certs", True) is False:
        return False
    return params.get("ca_path") or True


def cut_off(response):
    """Whether a JSON answer ends before its last bracket: the rest of it was lost on the way."""
    headers = getattr(response, "headers", None) or {}
    if "json" not in (headers.get("Content-Type") or "").lower():
        return False
    body = (getattr(response, "content", None) or b"").rstrip()
    return bool(body) and body[-1:] not in (b"}", b"]")


def envelope_with(*keys):
    """An `is_answer` predicate: a response whose JSON object has one of `keys` is the platform's own answer."""

    def is_answer(response):
        try:
            body = response.json()
        except ValueError:
            return False
        return isinstance(body, dict) and any(key in body for key in keys)

    return is_answer


def validate_base_url(url, option="url"):
    """Return the URL without a trailing slash; raise ValueError naming the option if it is not http(s) or has
    credentials in it (the message shows the URL without them)."""
    if not isinstance(url, str) or not url.strip():
        raise ValueError("%s: a URL is required, such as http://127.0.0.1:18080" % option)
    parts = urlsplit(url.strip())
    shown = redact_url(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("%s: %r is not an http:// or https:// URL with a host" % (option, shown))
    if "@" in parts.netloc:
        raise ValueError("%s: %r has credentials in it (user:password@): converge refuses them there, where every "
                         "message naming the URL would show them" % (option, shown))
    try:
        _port = parts.port  # raises ValueError for a port out of range or not a number
    except ValueError:
        raise ValueError("%s: %r has an invalid port" % (option, shown))
    return url.strip().rstrip("/")


def redact_url(url):
    """A URL as it may be shown: whatever comes before an `@` of its authority (user:password) masked."""
    text = str(url)
    start = text.find("://")
    start = 0 if start < 0 else start + 3
    end = len(text)
    for mark in "/?#":
        found = text.find(mark, start)
        if found >= 0:
            end = min(end, found)
    at = text.rfind("@", start, end)
    return text if at < 0 else text[:start] + REDACTED + text[at:]


def origin(url):
    """The origin of a URL, `scheme://host[:port]` (the default port left out), without credentials."""
    parts = urlsplit(url)
    scheme = (parts.scheme or "").lower()
    host = parts.hostname or ""
    if ":" in host:
        host = "[%s]" % host
    try:
        port = parts.port
    except ValueError:
        port = None
    return "%s://%s%s" % (scheme, host, "" if port in (None, _DEFAULT_PORTS.get(scheme)) else ":%d" % port)


def answer_cap(value):
    """`max_answer_bytes` as given (MAX_ANSWER_BYTES when it is not); ValueError naming it when it is no size."""
    if value is None:
        return MAX_ANSWER_BYTES
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError("max_answer_bytes: must be a number of bytes, at least 1, got %r" % (value,))
    return value


def call_timeout(value):
    """`timeout` in seconds as a float; ValueError naming it when it is not a number above 0."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < float("inf"):
        raise ValueError("timeout: must be a number of seconds above 0, got %r" % (value,))
    return float(value)


def nested_deeper(body, limit=MAX_JSON_DEPTH):
    """Whether a JSON text nests arrays and objects deeper than `limit` (brackets inside strings do not count).

    `json` decodes by recursion, so JSON nested some thousands deep raises RecursionError wherever it is
    decoded: the HTTP layer refuses it first. A text that does not start as an array or an object is not
    looked into.
    """
    text = body.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text[:1] not in (b"[", b"{") or text.count(b"[") + text.count(b"{") <= limit:
        return False
    depth = 0
    for byte in bytearray(_NOT_A_BRACKET.sub(b"", _JSON_STRING.sub(b"", text))):
        if byte in _OPENING:
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


class HttpSession:
    """One `requests.Session` for one endpoint, sending each call under the one retry policy.

    A call is declared by what it means (`operation`: read, write, keyed-write or session), not by its
    method: retry-safe calls are resent by `RetryPolicy` on lost answers; plain writes are sent once
    and verified by the resource spec. Every failure is raised as ApiError or TransportError with
    secrets redacted. `is_answer(response)` tells a platform's own error (never retried) from a bare
    502/503/504 of a proxy.

    Each send has `timeout` seconds for all of it (connecting within `connect_timeout` of them) and reads
    at most `max_answer_bytes` of answer; see the module's docstring for the other bounds.
    """

    def __init__(self, base_url, platform="", timeout=30.0, connect_timeout=10.0, validate_certs=True,
                 policy=None, is_answer=None, redactor=None, user_agent="converge", max_answer_bytes=None):
        REQUESTS.required()
        self.base_url = validate_base_url(base_url)
        self.platform = platform
        #: (seconds to connect, seconds for the whole call)
        self.timeout = (float(connect_timeout), call_timeout(timeout))
        self.max_answer_bytes = answer_cap(max_answer_bytes)
        self.redact = redactor or Redactor()
        self.policy = policy or RetryPolicy()
        self.is_answer = is_answer or (lambda response: False)
        self.request_count = 0
        #: sends by the HTTP status of their answer ("none" when no answer came); read through status_counts()
        self._status_counts = {}
        #: sends of writes (plain or keyed): a failure after one of them may have changed something
        self.write_count = 0
        self._count_lock = threading.Lock()
        self._thread = threading.local()
        #: a ReadMemo while `remembering()` is open
        self.memo = None
        self.session = requests.Session()
        # retries are the policy's alone; urllib3 sends each request once, under the call's deadline
        adapter = DeadlineAdapter(max_retries=0, pool_connections=4, pool_maxsize=32)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        # True, False, or the path of a CA bundle (`tls_verify`)
        self.verify = validate_certs if isinstance(validate_certs, str) else bool(validate_certs)
        self.session.verify = self.verify
        self.session.headers["User-Agent"] = user_agent

    def url(self, path):
        """Absolute URL of a path on this endpoint (an absolute URL is rebased on this endpoint)."""
        if path.startswith("http://") or path.startswith("https://"):
            parts = urlsplit(path)
            path = parts.path + ("?" + parts.query if parts.query else "")
        return self.base_url + ("" if path.startswith("/") else "/") + path

    def request(self, method, path, params=None, json=None, data=None, headers=None, timeout=None, operation=None):
        """Send one call and return the `requests.Response`, whatever its final status.

        `operation` defaults to a read for GET/HEAD/OPTIONS and a write otherwise. Raises
        TransportError when no HTTP answer came back (its `attempts` says how many sends were made).
        """
        method = method.upper()
        if operation is None:
            operation = READ if method in IDEMPOTENT_METHODS else WRITE
        if operation not in OPERATIONS:
            raise ValueError("unknown operation %r" % operation)

        sends = []

        def send():
            sends.append(1)
            with self._count_lock:
                self.request_count += 1
                if operation in (WRITE, KEYED_WRITE):
                    self.write_count += 1
                    self._thread.writes = self.thread_write_count + 1
            response = None
            try:
                response = self._send_once(method, path, params, json, data, headers, timeout)
                return response
            finally:
                self._count_status(response)

        memo = self.memo
        if operation == READ and memo is not None:
            response = memo.answer(read_key(method, path, params, json if json is not None else data, headers),
                                   lambda: self.policy.run(send, self.lost_answer, safe=True),
                                   lambda answer: answer.status_code < 400 and not cut_off(answer))
        else:
            response = self.policy.run(send, self.lost_answer, safe=operation in RETRY_SAFE)
        if cut_off(response):
            # the answer never arrived whole: as good as none (and what did arrive is not quoted, it may be a session)
            error = TransportError("%s's answer was cut off after %d bytes"
                                   % (self.platform or "the endpoint", len(response.content)),
                                   method, _path_only(path))
            error.attempts = len(sends)
            raise error
        return response

    def _count_status(self, response):
        """Count one send under its answer's status ("none": no answer, or one refused unread)."""
        status = str(response.status_code) if response is not None else "none"
        with self._count_lock:
            self._status_counts[status] = self._status_counts.get(status, 0) + 1

    def status_counts(self):
        """Sends so far by the HTTP status of their answer (a copy): {"200": 12, "none": 1}."""
        with self._count_lock:
            return dict(self._status_counts)

    @contextlib.contextmanager
    def remembering(self):
        """Within this block, identical reads are sent once (see read_memo); yields the ReadMemo."""
        if self.memo is not None:
            yield self.memo
            return
        self.memo = ReadMemo()
        try:
            yield self.memo
        finally:
            self.memo = None

    def write_refused(self):
        """The calling thread's last write was refused by the platform itself: it changed nothing, so it stops
        counting as a write."""
        with self._count_lock:
            if self.thread_write_count > 0:
                self.write_count -= 1
                self._thread.writes = self.thread_write_count - 1

    @property
    def thread_write_count(self):
        """Writes sent by the calling thread: what one change, run in one thread, has written."""
        return getattr(self._thread, "writes", 0)

    def lost_answer(self, response):
        """Whether a response is a lost answer rather than one: a transient status that is not the platform's own,
        or JSON cut off before its end (the connection went mid-answer)."""
        if self.policy.transient(response.status_code) and not self.is_answer(response):
            return True
        return cut_off(response)

    def _send_once(self, method, path, params, json, data, headers, timeout):
        """Send one call and read its whole answer within the call's deadline (`timeout`, else the session's)."""
        with CallDeadline(timeout or self.timeout[1]) as deadline:
            try:
                return self._exchange(method, path, params, json, data, headers, deadline)
            except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as exc:
                if deadline.passed():
                    raise self._timed_out(method, path, deadline)
                raise TransportError("%s did not answer: %s" % (self._name(), self.redact(_root_cause(exc))),
                                     method, _path_only(path))
            except requests.exceptions.RequestException as exc:
                if deadline.expired:
                    raise self._timed_out(method, path, deadline)
                raise ApiError("request failed: %s" % self.redact(exc), method, _path_only(path))

    def _exchange(self, method, path, params, json, data, headers, deadline):
        """The answer to a call, its body read whole, after following redirects within the endpoint's origin."""
        url, sent = self.url(path), method
        for _hop in range(MAX_REDIRECTS + 1):
            if deadline.passed():
                raise self._timed_out(method, path, deadline)
            left = deadline.remaining()
            # verify is given on every request: on the session alone, REQUESTS_CA_BUNDLE or CURL_CA_BUNDLE in
            # the environment would override validate_certs=false
            response = self.session.request(sent, url, params=params, json=json, data=data, headers=headers,
                                            timeout=(min(self.timeout[0], left), left), verify=self.verify,
                                            stream=True, allow_redirects=False)
            if not response.is_redirect:
                self._read_answer(response, method, path, deadline)
                return response
            response.close()
            url = self._redirect_target(response, method, path)
            sent, json, data = _redirected(response.status_code, sent, json, data)
            params = None  # the Location carries the query
        raise ApiError("%s redirected the call more than %d times" % (self._name(), MAX_REDIRECTS), method,
                       _path_only(path), response.status_code)

    def _redirect_target(self, response, method, path):
        """Where a redirect points, when it stays within the endpoint's origin; ApiError naming it otherwise."""
        target = urljoin(response.url, response.headers["Location"])
        if origin(target) != origin(self.base_url):
            raise ApiError("%s redirected the call to %s, another origin: converge sends its calls to %s only"
                           % (self._name(), origin(target), origin(self.base_url)), method, _path_only(path),
                           response.status_code)
        return target

    def _read_answer(self, response, method, path, deadline):
        """Read the body of a streamed response into it, refusing more than `max_answer_bytes` and JSON nested
        deeper than MAX_JSON_DEPTH; a deadline that passed meanwhile is a timeout of the call."""
        try:
            if _declared_length(response) > self.max_answer_bytes:
                raise self._too_big(method, path)
            body = bytearray()
            for chunk in response.iter_content(_CHUNK_BYTES):
                if len(body) + len(chunk) > self.max_answer_bytes:
                    raise self._too_big(method, path)
                body += chunk
            if deadline.expired:
                raise self._timed_out(method, path, deadline)
        except BaseException:
            response.close()
            raise
        # what `requests` itself does once it has read a body: `content`, `text` and `json()` answer from it
        response._content = bytes(body)
        response._content_consumed = True
        if nested_deeper(response._content):
            raise ApiError("%s answered JSON nested deeper than %d levels" % (self._name(), MAX_JSON_DEPTH), method,
                           _path_only(path))

    def _too_big(self, method, path):
        return ApiError("%s answered more than %d bytes, the most converge reads of one answer (max_answer_bytes)"
                        % (self._name(), self.max_answer_bytes), method, _path_only(path))

    def _timed_out(self, method, path, deadline):
        return TransportError("%s did not answer within the timeout of %g s" % (self._name(), deadline.seconds),
                              method, _path_only(path))

    def _name(self):
        return self.platform or "the endpoint"

    def error(self, response, message, code=None, details=None):
        """Build the ApiError for a response, redacted."""
        request = response.request
        return ApiError(self.redact(message), request.method, _path_only(request.path_url), response.status_code,
                        self.redact(code) if code is not None else None,
                        self.redact(details) if details else None)

    def close(self):
        self.session.close()


def _path_only(path):
    return urlsplit(path).path or path


def _declared_length(response):
    """The Content-Length an answer declares, 0 when it declares none (or nonsense)."""
    try:
        return int((response.headers or {}).get("Content-Length") or 0)
    except ValueError:
        return 0


def _redirected(status, method, json, data):
    """The method and body of a call sent again after a redirect: 303, and 301 or 302 after a POST, become a GET
    without a body (as browsers and `requests` do); 307 and 308 keep both."""
    if (status == 303 and method != "HEAD") or (status in (301, 302) and method == "POST"):
        return "GET", None, None
    return method, json, data


def _root_cause(exc):
    seen = exc
    while getattr(seen, "__cause__", None) is not None or getattr(seen, "__context__", None) is not None:
        seen = seen.__cause__ or seen.__context__
    text = str(seen) or seen.__class__.__name__
    return text if len(text) < 300 else text[:300] + "..."


def response_text(response, limit=500):
    """A short, printable excerpt of a response body (HTML pages reduced to their text)."""
    text = response.text or ""
    if "<html" in text.lower():
        text = re.sub(r"<[^>]+>", " ", text)
        text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= limit else text[:limit] + "..."
