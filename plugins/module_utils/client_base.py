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

from ansible_collections.converge.platforms.plugins.module_utils.http import ApiError, response_text
from ansible_collections.converge.platforms.plugins.module_utils.retry import SYSTEM_CLOCK


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

    @property
    def redact(self):
        """The endpoint's Redactor: every secret this client has seen is masked in what it reports."""
        return self.http.redact

    @property
    def base_url(self):
        """The endpoint's URL, without credentials."""
        return self.http.base_url

    @property
    def policy(self):
        """The one retry policy of this endpoint."""
        return self.http.policy

    @property
    def write_count(self):
        """Writes sent on this endpoint so far (a failure after one of them may have changed something)."""
        return self.http.write_count

    @property
    def thread_write_count(self):
        """Writes sent by the calling thread on this endpoint."""
        return self.http.thread_write_count

    def json_object(self, response, method, path, allow_empty=False):
        """The decoded JSON object of an answer; anything else (an HTML error page, a list) raises `error_class`.

        With `allow_empty`, an answer without a body decodes as `{}`.
        """
        if allow_empty and not response.content:
            return {}
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            text = response_text(response) or response.reason or "an empty answer"
            raise self.error_class("the answer is not a JSON object: %s" % self.redact(text), method, path,
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

