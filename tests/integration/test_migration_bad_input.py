"""No bad input makes the migration emulator answer 5xx: every action, every field, many kinds of wrong value.

Beyond the generated wrong-type contract (tests/contract/test_bad_input.py), each field of each of the
54 actions gets values of the right type that are still wrong (huge and negative numbers, blank,
long and non-ASCII text, lone surrogates, nested lists), and each URL gets bodies that are not JSON
objects. Every answer must be the envelope on an HTTP status below 500.
"""

from __future__ import annotations

import json

import pytest
from ansible_collections.converge.platforms.plugins.module_utils.migration import READ_ACTIONS

import emulators
from emulators.migration.schema import BODY_TYPES
from tests.contract.bad_input import migration as catalogue

pytestmark = pytest.mark.slow

HUGE = 10 ** 30
ODD_VALUES = [HUGE, -HUGE, 2 ** 63, -1, 1.5, " ", "x" * 5000, "名字-🙂-\u0000", "\ud800", "9999-99-99 99:99",
              "1e400", "nan", "inf", [[[[1]]]], [{}], {"": None}, True, None]
BODIES = ["[]", "\"text\"", "1", "null", "true", "{", "{\"Action\": ", "\u00ff", "[" * 100000 + "]" * 100000,
          json.dumps({"Action": "ListTasks", "PageNum": float("nan")})]


@pytest.fixture(scope="module")
def migration():
    handle = emulators.start("migration", port=0)
    yield handle
    handle.stop()


def envelope_of(response):
    """The answer's envelope, asserting that it is one and not a 5xx."""
    assert response.status_code < 500, response.text[:300]
    body = response.json()
    assert set(body) == {"Code", "Msg", "Data"}, body
    return body


def send(session, url, operation, body):
    return session.post(url + operation.path, data=json.dumps(body), timeout=30)


#: reads of everything a write can have changed
READS = [(catalogue.CLOUD, "ListCloudConnection"), (catalogue.TRANSPORT, "ListTransportServer"),
         (catalogue.HOST, "ListHosts"), (catalogue.HOST, "ListVSHosts"), (catalogue.TASK, "ListTasks"),
         (catalogue.SETTING, "GetLicense")]
#: accepted, they change the account or the token rather than what the reads show
SESSION_ACTIONS = ("Login", "ReAuth", "Logout", "ChangePassword")
#: accepted, they changed nothing to read back
READS_ONLY = tuple(READ_ACTIONS)
TASK_READS = ["GetTaskDetail", "DisplayTaskHistory", "ListSnapshots", "GetInstance", "CompleteTask"]


def fresh(migration, operation):
    """The emulator reset and prepared for `operation`: (session, the operation filled in)."""
    with migration.app.lock:
        migration.app.reset()
    session = catalogue.connect(migration)
    return session, operation.filled(catalogue.prepare(session, migration.url))


def exercise(migration, session):
    """After an accepted write: every list and every task read, with time moved on by a day; none a 5xx."""
    for _ in range(2):
        for path, name in READS:
            envelope_of(session.post(migration.url + path, json={"Action": name}, timeout=30))
        for task_id in list(migration.state()["tasks"]):
            for name in TASK_READS:
                envelope_of(session.post(migration.url + catalogue.TASK, json={"Action": name, "Id": task_id},
                                         timeout=30))
        migration.app.advance_clock(3 * 3600)
        session.headers["Authorization"] = catalogue.connect(migration).headers["Authorization"]


def mutations(body, key):
    """How to set `key` to each odd value, and each field of its first object item: functions of the body."""
    found = [lambda current, value=value: {**current, key: value} for value in ODD_VALUES]
    valid = body.get(key)
    if isinstance(valid, list) and valid and isinstance(valid[0], dict):
        found += [lambda current, inner=inner, value=value: {**current, key: [{**current[key][0], inner: value}]}
                  for inner in valid[0] for value in ODD_VALUES]
    return found


@pytest.mark.parametrize("operation", catalogue.OPERATIONS, ids=[o.name for o in catalogue.OPERATIONS])
def test_odd_values_in_every_field_are_never_a_5xx(migration, operation):
    session, live = fresh(migration, operation)
    body = dict(live.body or {})
    keys = [key for key in list(body) + list(BODY_TYPES[operation.name]) if key != "Action"]
    for key in dict.fromkeys(keys):
        for mutate in mutations(body, key):
            answer = envelope_of(send(session, migration.url, live, mutate(body)))
            if answer["Code"] == 0 and operation.name not in SESSION_ACTIONS + READS_ONLY:
                exercise(migration, session)
                session, live = fresh(migration, operation)
                body = dict(live.body or {})
    envelope_of(send(session, migration.url, live, {"Action": body.get("Action")}))


@pytest.mark.parametrize("path", ["/Login", "/ReAuth", "/Logout", catalogue.SETTING, catalogue.CLOUD,
                                  catalogue.TRANSPORT, catalogue.HOST, catalogue.TASK])
def test_bodies_that_are_not_json_objects_are_refused_in_the_envelope(migration, path):
    session = catalogue.connect(migration)
    for raw in BODIES:
        response = session.post(migration.url + path, data=raw.encode("utf-8", "surrogatepass"), timeout=30)
        envelope_of(response)


def test_a_wrong_type_is_refused_before_the_action_runs_and_changes_nothing(migration):
    with migration.app.lock:
        migration.app.reset()
    session = catalogue.connect(migration)
    values = catalogue.prepare(session, migration.url)
    before = migration.state()["tasks"]
    answer = envelope_of(session.post(migration.url + catalogue.TASK, json={
        "Action": "CheckTargetHostInfoExisting", "CloudId": values["cloud_id"], "TargetServerName": [1]}, timeout=30))
    assert answer == {"Code": -1, "Msg": "TargetServerName must be a string, got a list.", "Data": None}
    answer = envelope_of(session.post(migration.url + catalogue.TASK, json={
        "Action": "UpdateTask", "Id": values["task_id"], "Name": "renamed",
        "NetInterfaces": [{"NetworkId": "n", "SubNets": [{"SubnetId": "s", "Ip": 10}]}]}, timeout=30))
    assert answer["Msg"] == "NetInterfaces[0].SubNets[0].Ip must be a string, got an integer."
    assert migration.state()["tasks"] == before
