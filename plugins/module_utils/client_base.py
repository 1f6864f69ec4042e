# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What every platform client shares: its HTTP session, its clock, decoding a JSON object, and closing.

A platform client subclasses `Client`, sets `error_class` to its ApiError subclass, and overrides
`end_session` when it logs in (ZStack, the migration platform). Everything outside the clients (the
module runner, the verified-write path, the reconciler's executor and session) reads the counters and
the redaction through these properties, never through `client.http` directly.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.converge.platforms.plugins.module_utils.http import (
    ApiError,
    HttpSession,
    envelope_with,
    response_text,
    tls_verify,
)
from ansible_collections.converge.platforms.plugins.module_utils.retry import SYSTEM_CLOCK

#: the timeout of a call, in seconds, when the options give none
DEFAULT_TIMEOUT = 30


def decoded_json(response):
    """The decoded JSON body of an answer, or None when it is not JSON."""
    try:
        return response.json()
    except ValueError:
        return None


def envelope_http(url, platform, key, timeout, validate_certs, max_answer_bytes):
    """The HttpSession of a platform whose own answers are JSON objects carrying `key` (its envelope)."""
    return HttpSession(url, platform=platform, timeout=timeout, validate_certs=validate_certs,
                       is_answer=envelope_with(key), max_answer_bytes=max_answer_bytes)


def client_options(params):
    """The keyword arguments of a client that module options or a reconciler endpoint give (the same names)."""
    return {"timeout": params.get("timeout") or DEFAULT_TIMEOUT, "validate_certs": tls_verify(params),
            "max_answer_bytes": params.get("max_answer_bytes")}


def _from_http(name, doc):
    """A read-only property of a client that is the attribute `name` of its HttpSession."""
    return property(lambda self: getattr(self.http, name), doc=doc)


class Client:
    """The base of the five platform clients.

    `http` is the endpoint's HttpSession; `clock` is what the client waits on, so tests step an emulator's
    clock instead of sleeping.
    """

    #: the error raised for a failed call; each platform names its own
    error_class = ApiError

    def __init__(self, http, clock=None):
        self.http = http
        self.clock = clock

    @property
    def clock(self):
        """The clock given (or set later), else the retry policy's (a test may step either), else real time."""
        return self._clock or getattr(getattr(self.http, "policy", None), "clock", None) or SYSTEM_CLOCK

    @clock.setter
    def clock(self, value):
        self._clock = value

    redact = _from_http("redact", "The endpoint's Redactor: every secret this client has seen is masked in what it "
                                  "reports.")
    base_url = _from_http("base_url", "The endpoint's URL, without credentials.")
    policy = _from_http("policy", "The one retry policy of this endpoint.")
    write_count = _from_http("write_count", "Writes sent on this endpoint so far (a failure after one of them may "
                                            "have changed something).")
    thread_write_count = _from_http("thread_write_count", "Writes sent by the calling thread on this endpoint.")

    def status_counts(self):
        """Requests sent on this endpoint so far by the HTTP status of their answer ("none": no answer)."""
        return self.http.status_counts()

    def remembering(self):
        """A context in which each identical read of this endpoint is sent once and its answer reused.

        A plan reads under it, so two entries that need the same list cost one request.
        """
        return self.http.remembering()

    def answer_text(self, response):
        """What an answer says, for an error: its text (HTML reduced, secrets masked), else its HTTP reason."""
        return self.redact(response_text(response)) or response.reason or "an empty answer"

    def json_object(self, response, method, path, allow_empty=False):
        """The decoded JSON object of an answer; anything else (an HTML error page, a list) raises `error_class`.

        With `allow_empty`, an answer without a body decodes as `{}`.
        """
        if allow_empty and not response.content:
            return {}
        body = decoded_json(response)
        if not isinstance(body, dict):
            raise self.error_class("the answer is not a JSON object: %s" % self.answer_text(response), method, path,
                                   response.status_code)
        return body

    def end_session(self):
        """End the platform session this client opened, if any. Clients that log in override it."""
        return None

    def close(self):
        """End the session (an error doing so is ignored: the session expires on its own) and release the pool."""
        try:
            self.end_session()
        except ApiError:
            self.forget_session()
        finally:
            self.http.close()

    def forget_session(self):
        """Drop the session this client holds without telling the platform (after a failed logout)."""
        return None
