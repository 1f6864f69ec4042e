"""The one retry policy: what a call means decides whether it is sent again, and how often."""

from __future__ import annotations

import json
import random

import pytest
import requests
from ansible_collections.converge.platforms.plugins.module_utils.http import (
    KEYED_WRITE,
    READ,
    WRITE,
    HttpSession,
    TransportError,
    envelope_with,
)
from ansible_collections.converge.platforms.plugins.module_utils.retry import RetryPolicy, backoff, retry_after

from tests.support import SteppedClock


class Answers:
    """Stands in for requests.Session: answers from a script, one per send, and counts them."""

    def __init__(self, script):
        self.script = list(script)
        self.sent = 0

    def request(self, method, url, **kwargs):
        self.sent += 1
        step = self.script.pop(0) if len(self.script) > 1 else self.script[0]
        if step == "drop":
            raise requests.exceptions.ConnectionError("connection reset by peer")
        status, body, headers = step if len(step) == 3 else (step[0], step[1], {})
        return answer(status, body, headers)


def answer(status, body, headers):
    """A `requests.Response` whose body has arrived, as the HTTP layer reads it (`iter_content`)."""
    response = requests.models.Response()
    response.status_code = status
    response.headers.update(headers)
    response._content = (body if isinstance(body, str) else json.dumps(body)).encode()
    response._content_consumed = True
    return response

    def close(self):
        """Nothing to release."""


def session(script, clock=None, is_answer=None, **policy):
    clock = clock or SteppedClock()
    http = HttpSession("http://127.0.0.1:9", policy=RetryPolicy(clock=clock, rng=random.Random(1), **policy),
                       is_answer=is_answer)
    http.session = Answers(script)
    return http, clock


def test_a_read_is_resent_on_503_until_it_gets_an_answer():
    http, clock = session([(503, "busy"), (503, "busy"), (200, {})])
    assert http.request("GET", "/x").status_code == 200
    assert http.session.sent == 3 and http.request_count == 3 and len(clock.sleeps) == 2


def test_a_read_by_post_is_resent_when_declared_a_read():
    http, _clock = session(["drop", (200, {"Code": 0})])
    assert http.request("POST", "/MgmtTask", json={"Action": "ListTasks"}, operation=READ).status_code == 200
    assert http.session.sent == 2 and http.write_count == 0


def test_a_plain_write_is_sent_once_unless_the_server_says_it_did_not_handle_it():
    http, clock = session([(502, "bad gateway"), (200, {})])
    assert http.request("POST", "/x").status_code == 502
    assert http.session.sent == 1 and http.write_count == 1 and clock.sleeps == []
    http, _clock = session([(504, "gateway timeout"), (200, {})])
    assert http.request("POST", "/x").status_code == 504 and http.session.sent == 1
    http, _clock = session([(503, "busy"), (429, "slow down"), (200, {})])
    assert http.request("POST", "/x").status_code == 200 and http.session.sent == 3
    http, _clock = session(["drop"])
    with pytest.raises(TransportError) as err:
        http.request("POST", "/x", operation=WRITE)
    assert http.session.sent == 1 and err.value.attempts == 1


def test_a_keyed_write_is_resent_and_counted_as_a_write():
    http, _clock = session(["drop", (200, {})])
    assert http.request("PUT", "/x", operation=KEYED_WRITE).status_code == 200
    assert http.session.sent == 2 and http.write_count == 2


def test_the_platforms_own_error_is_an_answer_and_never_resent():
    http, _clock = session([(503, {"error": {"code": "SYS.1000"}}), (200, {})],
                           is_answer=lambda response: "error" in response.json())
    assert http.request("GET", "/x").status_code == 503 and http.session.sent == 1
    http, _clock = session([(503, {"scode": 1}), (200, {})], is_answer=envelope_with("scode"))
    assert http.request("GET", "/x").status_code == 503 and http.session.sent == 1


def test_attempts_are_bounded_and_the_last_answer_is_returned():
    http, _clock = session([(502, "bad gateway")], attempts=4)
    assert http.request("GET", "/x").status_code == 502 and http.session.sent == 4
    http, _clock = session(["drop"], attempts=4)
    with pytest.raises(TransportError) as err:
        http.request("GET", "/x")
    assert http.session.sent == 4 and err.value.attempts == 4


def test_retry_after_is_honoured_and_the_deadline_stops_early():
    http, clock = session([(429, "slow down", {"Retry-After": "7"}), (200, {})], deadline=60)
    assert http.request("GET", "/x").status_code == 200 and clock.sleeps[0] == 7
    http, clock = session([(503, "later", {"Retry-After": "120"}), (200, {})], deadline=60)
    assert http.request("GET", "/x").status_code == 503 and clock.sleeps == [] and http.session.sent == 1


def test_backoff_is_jittered_exponential_and_capped():
    rng = random.Random(3)
    delays = [backoff(n, first=0.1, cap=2.0, rng=rng) for n in range(1, 9)]
    assert 0.05 <= delays[0] <= 0.1 and 0.1 <= delays[1] <= 0.2
    assert all(1.0 <= d <= 2.0 for d in delays[5:])


@pytest.mark.parametrize("value, expected", [("3", 3.0), ("0", 0.0), ("-2", 0.0), ("soon", None), (None, None),
                                             ("Wed, 21 Oct 2015 07:28:10 GMT", 10.0)])
def test_retry_after_reads_seconds_and_http_dates(value, expected):
    assert retry_after(value, now=1445412480.0) == expected


class CountingLock:
    """A lock that counts the threads that have asked for it."""

    def __init__(self):
        import threading

        self.lock, self.asked = threading.Lock(), 0

    def __enter__(self):
        self.asked += 1
        self.lock.acquire()

    def __exit__(self, *exc):
        self.lock.release()


def test_threads_that_waited_on_a_failed_login_fail_with_it_and_do_not_log_in_again():
    import threading

    from ansible_collections.converge.platforms.plugins.module_utils.retry import LoginGate

    gate, logins, errors = LoginGate(), [], []
    gate._lock = CountingLock()

    def failing_login():
        logins.append(1)
        while gate._lock.asked < 4:  # the three other callers are waiting for this login
            threading.Event().wait(0.01)
        raise RuntimeError("unreachable")

    def caller():
        try:
            gate.current(lambda: None, None, failing_login)
        except RuntimeError as exc:
            errors.append(str(exc))

    threads = [threading.Thread(target=caller) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert (len(logins), errors) == (1, ["unreachable"] * 4)
    # a call made after the failure tries again
    assert gate.current(lambda: "s-2" if len(logins) > 1 else None, None, lambda: logins.append(1)) == "s-2"


def test_each_send_is_counted_under_the_status_of_its_answer_and_a_lost_one_under_none():
    http, _clock = session([(503, "busy"), "drop", (200, {})])
    assert http.request("GET", "/x").status_code == 200
    assert http.status_counts() == {"503": 1, "none": 1, "200": 1} and http.request_count == 3
    http.status_counts()["200"] = 99  # a copy: the session's own count is not the caller's to change
    assert http.status_counts()["200"] == 1
