"""ZStack client logic that needs no server: conditions, password hashing, job polling backoff."""

from __future__ import annotations

import hashlib

import pytest
from ansible_collections.converge.platforms.plugins.module_utils import zstack
from ansible_collections.converge.platforms.plugins.module_utils.zstack import ZStackClient, condition, hash_password

from tests.support import SteppedClock


def test_conditions_as_zstack_writes_them():
    assert condition("name", "=", "vm1") == "name=vm1"
    assert condition("uuid", "?=", ["a", "b"]) == "uuid?=a,b"
    assert condition("name", "is null") == "name is null"
    with pytest.raises(ValueError):
        condition("name", "==", "x")


def test_password_is_sent_as_sha512():
    assert hash_password("password") == hashlib.sha512(b"password").hexdigest()


class _Answer:
    def __init__(self, status, body):
        self.status_code = status
        self._body = body
        self.content = b"x"
        self.text = "x"
        self.reason = ""

    def json(self):
        return self._body


def test_job_polling_is_every_50ms_while_the_job_is_young(monkeypatch):
    clock = SteppedClock()
    answers = [_Answer(202, {"location": "l"})] * 7 + [_Answer(200, {"inventory": {"uuid": "x"}})]
    client = ZStackClient("http://127.0.0.1:1", "admin", "pw", clock=clock)
    client.session_uuid = "s" * 32
    monkeypatch.setattr(client.http, "request", lambda *a, **k: answers.pop(0))
    assert client.wait_job("http://127.0.0.1:1/zstack/v1/api-jobs/j") == {"inventory": {"uuid": "x"}}
    # a job done after t seconds is seen within max(50 ms, t / 10): the waiter's schedule
    assert clock.sleeps == [0.05] * 8


def test_a_bare_503_while_polling_is_polled_again_but_a_zstack_error_is_the_answer(monkeypatch):
    answers = [_Answer(503, "not json"), _Answer(503, {"error": {"code": "SYS.1", "description": "boom"}})]
    client = ZStackClient("http://127.0.0.1:1", "admin", "pw", clock=SteppedClock())
    client.session_uuid = "s" * 32

    def request(*args, **kwargs):
        answer = answers.pop(0)
        if answer._body == "not json":
            answer.json = lambda: (_ for _ in ()).throw(ValueError("no json"))
        return answer

    monkeypatch.setattr(client.http, "request", request)
    with pytest.raises(zstack.ZStackError) as err:
        client.wait_job("http://127.0.0.1:1/zstack/v1/api-jobs/j")
    assert err.value.code == "SYS.1" and answers == []


@pytest.mark.parametrize("text", ["uuid = abc", "uuid =abc", "uuid= abc", " uuid=abc"])
def test_a_condition_with_spaces_around_its_operator_is_refused_before_it_is_sent(monkeypatch, text):
    client = ZStackClient("http://127.0.0.1:1", "admin", "pw", clock=SteppedClock())
    sent = []
    monkeypatch.setattr(client.http, "request", lambda *a, **k: sent.append(a))
    with pytest.raises(zstack.ZStackError, match="has spaces around its operator; write it as 'uuid=abc'"):
        client.query("/system-tags", [text])
    assert sent == []


def test_conditions_zstack_takes_pass_as_written():
    for text in ("uuid=abc", "name~=vm%", "name is null", "name=my vm", "totalCapacity>=10"):
        assert zstack.check_condition(text) == text


def test_tag_conditions_are_built_and_passed_as_written():
    assert condition(zstack.SYSTEM_TAG_CONDITION, "=", "staticIp:127.0.0.20") == "__systemTag__=staticIp:127.0.0.20"
    assert condition(zstack.USER_TAG_CONDITION, "?=", ["a", "b"]) == "__userTag__?=a,b"
    assert condition(zstack.USER_TAG_CONDITION, "is null") == "__userTag__ is null"
    for text in ("__systemTag__=staticIp:127.0.0.20", "__userTag__~=owner::%", "__userTag__ not null"):
        assert zstack.check_condition(text) == text
    with pytest.raises(zstack.ZStackError, match="write it as '__userTag__=x'"):
        zstack.check_condition("__userTag__ = x")
