"""Bad input on every documented ZStack operation, beyond the generated contract test's top-level fields.

The catalogue `tests/contract/bad_input/zstack.py` gives each of the 29 operations a valid request. Here:
its valid request succeeds; every field inside an action or `params` section, given a wrong type, is
refused with 400 in ZStack's error shape naming the field; and malformed bodies and query strings never
get a 5xx.
"""

from __future__ import annotations

import json

import pytest
import requests

import emulators
from tests.contract.bad_input import Operation, wrong_values
from tests.contract.bad_input import zstack as catalogue

TIMEOUT = 10
JUNK_BODIES = ["{not json", "[]", "\"text\"", "12", "null", "\xff\xfe"]
JUNK_QUERIES = [{"q": "uuid"}, {"q": "= x"}, {"q": "__systemTag__"}, {"limit": "-5"}, {"start": "many"},
                {"count": "perhaps"}, {"sort": "+__userTag__"}, {"fields": "__systemTag__,uuid"},
                {"sortDirection": "sideways"}, {"groupBy": "nothing"}, {"all": "yes"}, {"managementNodeId": "../x"},
                {"hostUuids": ""}, {"replyWithCount": "1"}, {"q": "uuid?="}, {"q": "name~=\\"}]


@pytest.fixture(scope="module")
def handle():
    running = emulators.start("zstack", port=0)
    yield running
    running.stop()


def fresh(handle) -> tuple[requests.Session, dict[str, str]]:
    """A pristine emulator, a logged-in session and the values of the catalogue's placeholders."""
    with handle.app.lock:
        handle.app.reset()
    session = catalogue.connect(handle)
    return session, catalogue.prepare(session, handle.url)


def send(session: requests.Session, url: str, operation: Operation, data: bytes | str | None,
         query: dict[str, str] | None = None) -> requests.Response:
    headers = {"Content-Type": "application/json"} if data is not None else {}
    return session.request(operation.method, url + operation.path, data=data, headers=headers,
                           params=query if query is not None else operation.query or None, timeout=TIMEOUT)


def finished(session: requests.Session, url: str, response: requests.Response) -> requests.Response:
    """The final answer: the job's result for a 202, stepping the emulator's clock, else the answer itself."""
    if response.status_code != 202:
        return response
    requests.post(url + "/_emulator/clock", json={"advance": catalogue.JOB_WAIT_SECONDS}, timeout=TIMEOUT)
    return session.get(response.json()["location"], timeout=TIMEOUT)


def nested_mutations(body: dict | None):
    """(field, body) for each field inside each section of the body, given each wrong type."""
    for section, inner in (body or {}).items():
        if not isinstance(inner, dict):
            continue
        for name, valid in inner.items():
            for wrong in wrong_values(valid):
                yield name, {**body, section: {**inner, name: wrong}}


def operations_with_sections():
    return [op for op in catalogue.OPERATIONS if any(list(nested_mutations(op.body)))]


@pytest.mark.parametrize("operation", catalogue.OPERATIONS, ids=lambda op: op.name)
def test_the_valid_request_of_every_operation_succeeds(handle, operation):
    session, values = fresh(handle)
    live = operation.filled(values)
    data = json.dumps(live.body) if live.body is not None else None
    answer = finished(session, handle.url, send(session, handle.url, live, data))
    assert answer.status_code == 200, answer.text


@pytest.mark.parametrize("operation", operations_with_sections(), ids=lambda op: op.name)
def test_a_wrong_type_inside_an_action_or_params_section_is_refused_naming_it(handle, operation):
    problems = []
    for index, (name, _body) in enumerate(nested_mutations(operation.body)):
        session, values = fresh(handle)
        body = list(nested_mutations(operation.filled(values).body))[index][1]
        response = send(session, handle.url, operation.filled(values), json.dumps(body))
        reason = catalogue.refusal(response)
        if response.status_code != 400 or reason is None or name.lower() not in reason.lower():
            problems.append(f"{name} = {json.dumps(body)[:80]}: HTTP {response.status_code}: {response.text[:160]}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("operation", catalogue.OPERATIONS, ids=lambda op: op.name)
def test_malformed_bodies_and_queries_never_get_a_500(handle, operation):
    session, values = fresh(handle)
    live = operation.filled(values)
    answers = [send(session, handle.url, live, junk.encode("latin-1")) for junk in JUNK_BODIES]
    answers += [send(session, handle.url, live, None, query) for query in JUNK_QUERIES]
    for section in (live.body or {}):
        for junk in (None, "", 0, False):
            answers.append(send(session, handle.url, live, json.dumps({**live.body, section: junk})))
    for answer in answers:
        assert answer.status_code < 500, answer.text
        if answer.status_code >= 400:
            assert catalogue.refusal(answer), answer.text


def test_non_json_bodies_are_refused_naming_the_body(handle):
    session, values = fresh(handle)
    for operation in catalogue.OPERATIONS:
        if operation.method == "GET" or operation.body is None:
            continue
        response = send(session, handle.url, operation.filled(values), "{not json")
        assert response.status_code == 400, (operation.name, response.text)
        assert "body" in catalogue.refusal(response)
