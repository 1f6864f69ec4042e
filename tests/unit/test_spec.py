"""Planning logic of ResourceSpec: create, update, replace, delete, no-op, diffs and validation."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from ansible_collections.converge.platforms.plugins.module_utils.http import ApiError, TransportError
from ansible_collections.converge.platforms.plugins.module_utils.resources.zstack import (
    GcJobSpec,
    LicenseSpec,
    LongJobSpec,
    SystemTagSpec,
    UserTagSpec,
    snake,
)
from ansible_collections.converge.platforms.plugins.module_utils.spec import Change, Field, ResourceSpec, SpecError

from tests.support import SteppedClock

TAG = {"resource_uuid": "a1d6f0bbd21f4b3c8e7a2b9c4d5e6f70", "resource_type": "VmInstanceVO", "tag": "a::1"}


class Widget(ResourceSpec):
    kind = "widget"
    identity = ("name",)
    fields = {
        "name": Field("str", required=True),
        "size": Field("int"),
        "colour": Field("str", choices=["red", "blue"], updatable=False),
        "token": Field("str", secret=True, compare=False),
    }


def plan(spec, desired, live):
    return spec.plan(spec.normalize(desired), live)


def test_missing_live_object_is_a_create_with_the_whole_object_in_the_diff():
    change = plan(Widget(), {"name": "w", "size": 3, "token": "s3cret"}, None)
    assert change.action == "create"
    assert change.diff() == {"before": {}, "after": {"name": "w", "size": 3, "token": "(sensitive value)"}}


def test_only_changed_fields_are_in_an_update_diff():
    change = plan(Widget(), {"name": "w", "size": 4}, {"name": "w", "size": 3, "colour": "red"})
    assert change.action == "update"
    assert change.diff() == {"before": {"size": 3}, "after": {"size": 4}}


def test_unset_fields_are_not_compared():
    assert plan(Widget(), {"name": "w"}, {"name": "w", "size": 3}).action == "noop"


def test_a_field_that_cannot_be_updated_forces_a_replacement():
    assert plan(Widget(), {"name": "w", "colour": "blue"}, {"name": "w", "colour": "red"}).action == "replace"


class WaitingWidget(Widget):
    waits = True


@pytest.mark.parametrize("wait_timeout", [0, -5])
def test_a_waiting_kind_refuses_a_wait_timeout_that_is_not_positive(wait_timeout):
    with pytest.raises(SpecError) as caught:
        WaitingWidget().validate(WaitingWidget().normalize({"name": "w", "wait_timeout": wait_timeout}))
    assert (caught.value.option, str(caught.value)) == ("wait_timeout", "wait_timeout: must be positive")


def test_a_waiting_kind_keeps_a_positive_wait_timeout():
    spec = WaitingWidget()
    assert spec.validate(spec.normalize({"name": "w", "wait_timeout": 5}))["wait_timeout"] == 5


def test_absent_deletes_only_what_exists():
    assert plan(Widget(), {"name": "w", "state": "absent"}, {"name": "w"}).action == "delete"
    assert plan(Widget(), {"name": "w", "state": "absent"}, None).action == "noop"


def test_secrets_are_masked_in_public_output():
    assert Widget().public({"name": "w", "token": "s3cret"}) == {"name": "w", "token": "(sensitive value)"}


@pytest.mark.parametrize("desired, message", [
    ({}, "name: is required"),
    ({"name": [5]}, "name: must be a string, got a list [5]"),
    ({"name": "w", "size": True}, "size: must be a number, got a boolean True"),
    ({"name": "w", "size": "big"}, "size: argument 'size' is of type str and we were unable to convert to int: "
                                   "\"'big'\" cannot be converted to an int"),
    ({"name": "w", "colour": "green"}, "colour: must be one of: red, blue, got: green"),
    ({"name": "w", "state": "gone"}, "state: must be one of present, absent, got 'gone'"),
])
def test_validation_names_the_option(desired, message):
    with pytest.raises(SpecError) as err:
        Widget().validate(desired)
    assert str(err.value) == message


def test_argument_spec_marks_secrets_no_log_and_adds_state():
    spec = Widget().argument_spec()
    assert spec["token"]["no_log"] is True
    assert spec["name"] == {"type": "str", "required": True, "no_log": False}
    assert spec["state"] == {"type": "str", "default": "present", "choices": ["present", "absent"]}


def test_system_tag_text_updates_in_place_but_user_tag_is_replaced():
    live = dict(TAG, uuid="t1")
    desired = dict(TAG, tag="a::2", replaces="a::1")
    assert plan(SystemTagSpec(), desired, live).action == "update"
    assert plan(UserTagSpec(), desired, live).action == "replace"


def test_tag_rules():
    with pytest.raises(SpecError, match="^replaces: must differ from tag$"):
        SystemTagSpec().validate(dict(TAG, replaces="a::1"))
    with pytest.raises(SpecError, match="^resource_type: must not be empty$"):
        SystemTagSpec().validate(dict(TAG, resource_type=" "))


def test_gc_job_trigger_plans_once():
    spec = GcJobSpec()
    assert plan(spec, {"uuid": "g", "state": "triggered"}, {"uuid": "g", "status": "Idle"}).action == "trigger"
    assert plan(spec, {"uuid": "g", "state": "triggered"}, {"uuid": "g", "status": "Done"}).action == "noop"
    with pytest.raises(SpecError, match="^uuid: no such GC job$"):
        plan(spec, {"uuid": "g", "state": "triggered"}, None)


def test_long_job_states():
    spec = LongJobSpec()
    base = {"name": "j", "job_name": "APIMsg", "job_data": {}}
    assert plan(spec, base, None).action == "submit"
    assert plan(spec, base, {"name": "j", "state": "Running"}).action == "noop"
    assert plan(spec, dict(base, state="cancelled"), {"name": "j", "state": "Running"}).action == "cancel"
    assert plan(spec, dict(base, state="cancelled"), {"name": "j", "state": "Succeeded"}).action == "noop"
    deleting = plan(spec, dict(base, state="absent"), {"name": "j", "state": "Running"})
    assert deleting.action == "delete" and "cancelled" in deleting.note


def test_license_compares_fingerprints_and_never_shows_the_license():
    spec = LicenseSpec()
    desired = spec.normalize({"license": "aGVsbG8="})
    import hashlib

    digest = hashlib.sha256(b"aGVsbG8=").hexdigest()
    assert spec.plan(desired, {"license_sha256": digest}).action == "noop"
    change = spec.plan(desired, {"license_sha256": None})
    assert change.action == "update"
    assert change.diff() == {"before": {"license_sha256": None}, "after": {"license_sha256": "sha256:" + digest[:12]}}
    assert "aGVsbG8=" not in repr(change.as_dict())


def test_snake_case_of_inventories():
    assert snake("resourceUuid") == "resource_uuid"
    assert snake("MillionSeconds") == "million_seconds"


class _Flaky(Widget):
    """A widget store whose writes can lose their answers after taking effect."""

    def __init__(self, failures):
        self.failures = list(failures)
        self.store = {}
        self.calls = []

    def read(self, client, desired):
        return self.store.get(desired["name"])

    def create(self, client, desired):
        self.calls.append("create")
        failure = self.failures.pop(0) if self.failures else None
        if failure == "before":
            raise TransportError("connection reset", "POST", "/widgets")
        self.store[desired["name"]] = {"name": desired["name"], "size": desired.get("size")}
        if failure == "after":
            raise ApiError("Service Unavailable", "POST", "/widgets", 503)
        if failure == "refused":
            raise ApiError("quota exceeded", "POST", "/widgets", 400, code="Q1")
        return self.store[desired["name"]]


def _apply_create(spec):
    desired = spec.normalize({"name": "w", "size": 1})
    client = SimpleNamespace(clock=SteppedClock())
    return spec.apply(client, spec.plan(desired, spec.read(client, desired)))


def test_a_create_whose_answer_was_lost_is_found_not_repeated():
    spec = _Flaky(["after"])
    assert _apply_create(spec) == {"name": "w", "size": 1}
    assert spec.calls == ["create"]


def test_a_create_that_never_arrived_is_made_again():
    spec = _Flaky(["before", "before"])
    assert _apply_create(spec) == {"name": "w", "size": 1}
    assert spec.calls == ["create", "create", "create"]


def test_an_error_the_platform_reports_is_not_retried():
    spec = _Flaky(["refused"])
    with pytest.raises(ApiError, match="quota exceeded"):
        _apply_create(spec)
    assert spec.calls == ["create"]


def test_lost_answers_give_up_after_three_attempts():
    spec = _Flaky(["before"] * 5)
    with pytest.raises(TransportError):
        _apply_create(spec)
    assert spec.calls == ["create"] * 3


def test_a_replace_records_the_fields_that_force_it():
    live = {"name": "w", "size": 3, "colour": "red"}
    change = plan(Widget(), {"name": "w", "size": 4, "colour": "blue"}, live)
    assert change.action == "replace"
    assert change.forces_replacement == ("colour",)
    assert change.as_dict()["forces_replacement"] == ["colour"]


def test_an_update_or_a_create_forces_no_replacement():
    update = plan(Widget(), {"name": "w", "size": 4}, {"name": "w", "size": 3, "colour": "red"})
    create = plan(Widget(), {"name": "w", "colour": "blue"}, None)
    assert update.forces_replacement == () == create.forces_replacement
    assert "forces_replacement" not in update.as_dict() and "forces_replacement" not in create.as_dict()


class _Polisher(_Flaky):
    """A widget with an action, `polish`, whose answer can be lost after it took effect."""

    verify_polish = True

    def plan(self, desired, live):
        return Change(self, "polish", desired, live, {"shine": (live.get("shine"), True)})

    def act(self, client, change):
        self.calls.append("polish")
        failure = self.failures.pop(0) if self.failures else None
        if failure == "before":
            raise TransportError("connection reset", "POST", "/widgets/w/polish")
        self.store["w"] = dict(self.store["w"], shine=True)
        if failure == "after":
            raise TransportError("connection reset", "POST", "/widgets/w/polish")
        return self.store["w"]

    def action_done(self, change):
        return (lambda live: bool(live and live.get("shine"))) if self.verify_polish else None

    def settle(self, client, desired, live):
        self.calls.append("settle")
        return live


def _polish(spec):
    spec.store["w"] = {"name": "w", "size": 1}
    desired = spec.normalize({"name": "w"})
    return spec.apply(SimpleNamespace(clock=SteppedClock()), spec.plan(desired, spec.read(None, desired)))


def test_an_action_whose_answer_was_lost_is_read_back_not_repeated_and_settles():
    spec = _Polisher(["after"])
    assert _polish(spec) == {"name": "w", "size": 1, "shine": True}
    assert spec.calls == ["polish", "settle"]


def test_an_action_that_never_arrived_is_sent_again():
    spec = _Polisher(["before"])
    assert _polish(spec)["shine"] is True
    assert spec.calls == ["polish", "polish"]


def test_an_action_no_read_can_verify_raises_its_lost_answer_and_is_sent_once():
    spec = _Polisher(["after"])
    spec.verify_polish = False
    with pytest.raises(TransportError, match="connection reset"):
        _polish(spec)
    assert spec.calls == ["polish"]
