"""Generated over every documented operation of every platform: a field of the wrong type is refused.

For each operation in `tests/contract/bad_input/<platform>.py`, each field of a valid request (and of the
first object of each list in it) is sent again with values of another JSON type. Every such request must
be refused in the platform's own error shape, with a reason naming the field, and never answered with a
5xx. The valid request itself must not be a 5xx either.
"""

from __future__ import annotations

import importlib
import json

import pytest

import emulators
from tests.contract.bad_input import Operation, mutations
from tests.contract.platforms import platform_names


def _catalogues():
    found = []
    for name in platform_names():
        try:
            found.append(importlib.import_module(f"tests.contract.bad_input.{name}"))
        except ModuleNotFoundError as error:
            if error.name != f"tests.contract.bad_input.{name}":
                raise
    return found


CATALOGUES = _catalogues()
CASES = [pytest.param(catalogue, operation, id=f"{catalogue.PLATFORM}-{operation.name}")
         for catalogue in CATALOGUES for operation in catalogue.OPERATIONS]


@pytest.fixture(scope="module")
def running():
    """One emulator per platform for the whole module, reset before each operation."""
    handles = {}
    yield lambda platform: handles.setdefault(platform, emulators.start(platform, port=0))
    for handle in handles.values():
        handle.stop()


def send(session, url: str, operation: Operation, body):
    """The operation's request with `body` as its JSON body."""
    kwargs = {"params": operation.query or None}
    if body is not None:
        kwargs["data"] = json.dumps(body)
        kwargs["headers"] = {"Content-Type": "application/json"}
    return session.request(operation.method, url + operation.path, timeout=30, **kwargs)


@pytest.mark.parametrize("catalogue", CATALOGUES, ids=[c.PLATFORM for c in CATALOGUES])
def test_the_catalogue_names_every_documented_operation(catalogue):
    names = [operation.name for operation in catalogue.OPERATIONS]
    assert len(names) == len(set(names)), "an operation is listed twice"
    assert len(names) == catalogue.DOCUMENTED_OPERATIONS


@pytest.mark.parametrize("catalogue, operation", CASES)
def test_a_field_of_the_wrong_type_is_refused_naming_it(running, catalogue, operation):
    handle = running(catalogue.PLATFORM)
    problems = []
    for index in range(1 + len(list(mutations(operation)))):
        with handle.app.lock:
            handle.app.reset()
        session = catalogue.connect(handle)
        live = operation.filled(catalogue.prepare(session, handle.url))
        field, body = (None, live.body) if index == 0 else list(mutations(live))[index - 1]
        response = send(session, handle.url, live, body)
        shown = f"{field or 'the valid request'} = {json.dumps(_value(body, field))[:60]}"
        if response.status_code >= 500:
            problems.append(f"{shown}: HTTP {response.status_code}: {response.text[:200]}")
            continue
        if field is None:
            continue
        reason = catalogue.refusal(response)
        leaf = field.rsplit(".", 1)[-1]
        if reason is None:
            problems.append(f"{shown}: not refused: HTTP {response.status_code}: {response.text[:200]}")
        elif leaf.lower() not in reason.lower():
            problems.append(f"{shown}: the reason does not name {leaf!r}: {reason[:200]}")
    assert not problems, "\n".join(problems)


def _value(body, field):
    """The value at `field` (`key` or `key[0].inner`) of `body`, for the failure message."""
    if field is None:
        return body
    key, _, inner = field.partition("[0].")
    value = body[key]
    return value[0][inner] if inner else value
