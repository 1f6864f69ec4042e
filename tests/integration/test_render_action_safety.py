"""The render_action filter inside a playbook: a parameter value is data, never templated again or run."""

from __future__ import annotations

import json

import pytest

from tests.support import run_playbook

pytestmark = pytest.mark.slow

VALUE = "{{ lookup('pipe', 'touch pwned-by-filter') }}; touch pwned-by-shell"


def test_a_rendered_value_is_neither_templated_again_nor_run(tmp_path):
    # template and value come from outside the playbook, as they would from OpenDCP or a pull request
    (tmp_path / "impl.json").write_text(json.dumps({"template": {"action": {"module": "shell",
                                                                            "args": "echo {{ word }}"}},
                                                    "value": VALUE}), encoding="utf-8")
    read = {"ansible.builtin.slurp": {"src": str(tmp_path / "impl.json")}}
    render = {"ansible.builtin.set_fact": {"task": "{{ (result_0.content | b64decode | from_json).template | "
                                                   "converge.platforms.render_action({'word': (result_0.content | "
                                                   "b64decode | from_json).value}, {'word': 'string'}) }}"}}
    shell = {"ansible.builtin.shell": "{{ task.action.args }}", "args": {"chdir": str(tmp_path)}}
    run = run_playbook([read, render, shell], workdir=tmp_path)
    _, rendered, shelled = run.results
    assert rendered.get("ansible_facts", {}).get("task", {}).get("action", {}).get("args") == \
        "echo '%s'" % VALUE.replace("'", "'\"'\"'"), run.output
    assert shelled["stdout"] == VALUE, run.output
    assert not (tmp_path / "pwned-by-filter").exists() and not (tmp_path / "pwned-by-shell").exists()
