"""Parameters of a remote step run are converted to their declared types, or refused naming why."""

from __future__ import annotations

import pytest
from ansible_collections.converge.platforms.plugins.module_utils.spec import SpecError

from reconciler.remote import StepRun, parse_params

DECLARED = {"word": "string", "count": "integer", "ratio": "number", "force": "boolean", "hosts": "list"}


def test_values_take_their_declared_types():
    assert parse_params(["word=hi=there", "count=3", "ratio=0.5", "force=True", 'hosts=["a"]'], DECLARED) == {
        "word": "hi=there", "count": 3, "ratio": 0.5, "force": True, "hosts": ["a"]}


@pytest.mark.parametrize("pair, message", [
    ("count=three", "param: count must be of type integer, got 'three'"),
    ("force=maybe", "param: force must be of type boolean, got 'maybe'"),
    ("colour=red", "param: 'colour' is not a declared parameter (declared: count, force, hosts, ratio, word)"),
    ("word", "param: 'word' is not NAME=VALUE"),
])
def test_bad_values_are_refused(pair, message):
    with pytest.raises(SpecError) as err:
        parse_params([pair], DECLARED)
    assert str(err.value) == message


def test_step_status_from_its_nodes():
    run = StepRun("s", [])
    assert run.status == "error"
    run.nodes = {"a": {"status": "success"}, "b": {"status": "failure"}}
    assert run.status == "partial"
    run.nodes["b"]["status"] = "success"
    assert run.status == "success"
