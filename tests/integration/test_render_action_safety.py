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


def test_a_template_whose_module_is_a_placeholder_is_refused_by_the_filter(tmp_path):
    """A value choosing the module (shell) would go into its command line unquoted: the filter refuses it."""
    (tmp_path / "impl.json").write_text(json.dumps({"template": {"action": {"module": "{{ tool }}",
                                                                            "args": "echo {{ word }}"}},
                                                    "value": "hi; touch %s" % (tmp_path / "pwned")}),
                                        encoding="utf-8")
    read = {"ansible.builtin.slurp": {"src": str(tmp_path / "impl.json")}}
    render = {"ansible.builtin.set_fact": {"task": "{{ (result_0.content | b64decode | from_json).template | "
                                                   "converge.platforms.render_action({'tool': 'shell', 'word': "
                                                   "(result_0.content | b64decode | from_json).value}, "
                                                   "{'tool': 'string', 'word': 'string'}) }}"}}
    shell = {"ansible.builtin.shell": "{{ task.action.args }}", "args": {"chdir": str(tmp_path)}}
    run = run_playbook([read, render, shell], workdir=tmp_path)
    _, rendered, shelled = run.results
    assert rendered.get("failed") is True, run.output
    assert "render_action: template: template.action.module is '{{ tool }}': the module must be named as it is, " \
           "not by a template, so that no parameter chooses what runs or how its values are quoted" in \
           rendered["msg"], rendered
    assert shelled.get("failed") is True and not (tmp_path / "pwned").exists()
