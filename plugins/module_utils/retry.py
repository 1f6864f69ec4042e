# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one retry policy of converge, keyed on what a call means rather than on its HTTP method.

Every client operation is declared *retry-safe* or not when it is sent:

- reads (a GET, or an action-RPC `List*`/`Get*` sent by POST) are retry-safe;
- writes that carry the platform's own idempotency key (ZStack's `X-Job-UUID`) are retry-safe: a
  resent call answers the first call's result;
- every other write is sent again by the HTTP layer only after a 429 or 503 (the server says it did not
  handle it, RFC 9110); when its answer is otherwise lost, the resource spec reads
  back to learn whether it took effect before it sends it again (`ResourceSpec.verified_write`); writes no
  read can verify (an OSG view clone, a VSD volume rollback) are never sent twice.

A retry-safe call is resent on a connection error, a timeout, or a 429/502/503/504 that is not the
platform's own answer, after a jittered, capped exponential backoff that honours `Retry-After`, until
`attempts` sends or the `deadline` (seconds since the first send) is reached.

Worst case per call, with the defaults: a read or a keyed write is sent 5 times. A verified write is sent
once per attempt after a lost answer, or up to 5 times while it is answered 429/503, over at most 3
attempts with a read-back (itself up to 5 sends) between two: 15 sends of the write at the very most. An
unverifiable write is sent again only while it is answered 429/503: 5 sends at most, never after a
lost answer. Five sends (as botocore's legacy mode) keep a read that meets independent faults at a
rate of 20% failing once in 3,000 calls; four would fail once in 600.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import email.utils
import random
import re
import threading
import time

RETRY_STATUSES = (429, 502, 503, 504)
_SECONDS = re.compile(r"^[+-]?\d+(\.\d*)?$")
#: answers that say the request was not handled at all (RFC 9110): even a write may be sent again
NOT_HANDLED_STATUSES = (429, 503)
ATTEMPTS = 5
FIRST_DELAY = 0.1
MAX_DELAY = 2.0
DEADLINE = 60.0
#: resends of a write whose answer was lost, each after a read that found it had not taken effect
WRITE_ATTEMPTS = 3


class SystemClock:
    """Real time: `monotonic()` and `sleep()`. Tests pass a fake with the same two methods."""

    @staticmethod
    def monotonic():
        return time.monotonic()

    @staticmethod
    def sleep(seconds):
        if seconds > 0:
            time.sleep(seconds)


SYSTEM_CLOCK = SystemClock()


def backoff(attempt, first=FIRST_DELAY, cap=MAX_DELAY, rng=random):
    """Delay before send `attempt + 1` (attempt counts from 1): exponential, capped, with equal jitter."""
    ceiling = min(cap, first * (2 ** (attempt - 1)))
    return ceiling / 2.0 + rng.uniform(0, ceiling / 2.0)


def retry_after(value, now=None):
    """Seconds a `Retry-After` header asks to wait (a number or an HTTP date), or None."""
    if not value:
        return None
    value = str(value).strip()
    if _SECONDS.match(value):
        return max(0.0, float(value))
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - (now if now is not None else time.time()))


class RetryPolicy:
    """When and how long to wait before a retry-safe call is sent again."""

    def __init__(self, attempts=ATTEMPTS, first_delay=FIRST_DELAY, max_delay=MAX_DELAY, deadline=DEADLINE,
                 statuses=RETRY_STATUSES, clock=None, rng=None):
        if attempts < 1:
            raise ValueError("attempts must be at least 1")
        self.attempts = int(attempts)
        self.first_delay = float(first_delay)
        self.max_delay = float(max_delay)
        self.deadline = float(deadline)
        self.statuses = tuple(statuses)
        self.clock = clock or SYSTEM_CLOCK
        self.rng = rng or random.Random()

    def transient(self, status):
        """Whether an HTTP status is worth another try (the caller decides whether the body is an answer)."""
        return status in self.statuses

    def run(self, send, transient_response, safe=True):
        """Call `send()` until it gives a final answer, and return it.

        `send` returns a response or raises a transport error (an exception whose `transport` attribute
        is true); `transient_response(response)` tells whether a response is a lost answer rather than
        the platform's own. With `safe` false, `send` is called again only after a 429 or 503, which
        say the request was not handled; a lost connection, a timeout, a 502 or a 504 may hide a
        change that was made.
        """
        started = self.clock.monotonic()
        attempt = 0
        while True:
            attempt += 1
            try:
                response = send()
                error = None
            except Exception as exc:  # only transport failures are retried; anything else goes up at once
                if not getattr(exc, "transport", False):
                    raise
                response, error = None, exc
            if response is not None and not transient_response(response):
                return response
            wait = self._wait_before(attempt, response, started)
            unhandled = response is not None and response.status_code in NOT_HANDLED_STATUSES
            if (not safe and not unhandled) or wait is None:
                if error is not None:
                    error.attempts = attempt
                    raise error
                return response
            self.clock.sleep(wait)

    def _wait_before(self, attempt, response, started):
        """Seconds to wait before the next send, or None when no send is left."""
        if attempt >= self.attempts:
            return None
        wait = backoff(attempt, self.first_delay, self.max_delay, self.rng)
        asked = retry_after(response.headers.get("Retry-After")) if response is not None else None
        if asked is not None:
            wait = max(wait, asked)
        if self.clock.monotonic() - started + wait > self.deadline:
            return None
        return wait


#: sends of one call while the platform refuses its session or token as expired, each with a renewed one
CREDENTIAL_ATTEMPTS = ATTEMPTS


def renewing(credential, send, refused, attempts=CREDENTIAL_ATTEMPTS):
    """Send a call with the current credential, renewing it while the platform refuses it.

    `credential(stale)` returns the credential to use (logging in when there is none or it is `stale`,
    once for all threads); `send(value)` makes the call; `refused(response)` says whether the answer
    refuses the credential. A session can expire again between the login and the resend, so the call
    is sent up to `attempts` times, each with a new credential; the last answer is returned.
    """
    value = credential(None)
    response = send(value)
    for _attempt in range(attempts - 1):
        if not refused(response):
            break
        value = credential(value)
        response = send(value)
    return response


class LoginGate:
    """One login at a time for the threads of one client, and one failure for all that waited on it.

    Threads that find the session or token missing or refused wait here: the first logs in, the others
    use what it got. When that login fails (the endpoint unreachable after the retry policy, a wrong
    password), the threads that were waiting fail with the same error at once instead of each logging in
    again, so an unreachable endpoint costs one login's retries, not one per thread.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._finished = 0  # logins that have ended, in success or failure
        self._failure = None

    def current(self, value, stale, login):
        """The credential `value()` unless it is missing or `stale`; else `login()` (once) and the new `value()`."""
        seen = self._finished
        with self._lock:
            now = value()
            if now and now != stale:
                return now
            if self._finished != seen and self._failure is not None:
                raise self._failure  # the login this thread waited on failed: so does this call
            try:
                login()
            except Exception as exc:
                self._failure = exc
                raise
            else:
                self._failure = None
            finally:
                self._finished += 1
            return value()
