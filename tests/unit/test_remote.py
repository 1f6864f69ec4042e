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


def test_the_play_runs_on_all_hosts_and_a_limit_is_never_template_text():
    """The limit goes to ansible-playbook as its own --limit; the play's hosts stay the literal `all`."""
    from reconciler.remote import check_limit, playbook_text

    assert "\n  hosts: all\n" in playbook_text("greet", [{"name": "t", "debug": {"msg": "x"}}])
    assert check_limit(None) is None and check_limit("127.0.0.2:web-*:!db:&prod") is None
    for attack in ("{{ lookup('pipe','touch pwned') }}all", "{% if 1 %}all{% endif %}", "web{# x #}"):
        with pytest.raises(SpecError) as err:
            check_limit(attack)
        assert err.value.option == "--limit"
        assert str(err.value) == ("--limit: %r holds template syntax ({{, {%% or {#): name the nodes as a host "
                                  "pattern, such as 127.0.0.2:127.0.0.3 or web:!db" % attack)
