"""The remote-action renderer: variables, declared parameters, types, sandbox, and the filter plugin."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError
from ansible_collections.converge.platforms.plugins.filter.render_action import FilterModule, render_action
from ansible_collections.converge.platforms.plugins.module_utils.spec import SpecError
from ansible_collections.converge.platforms.plugins.module_utils.templating import (
    check_declared,
    check_template,
    render,
    template_variables,
)

ECHO = {"action": {"module": "shell", "args": "echo {{echo_word}}"}}
DOCKER = {"action": {"module": "longscript",
                     "content": "docker run -d --net=\"{{host}}\" --name {{name}} {{tag}} "}}


def test_template_variables_lists_every_variable_of_every_string():
    assert template_variables(ECHO) == ["echo_word"]
    assert template_variables(DOCKER) == ["host", "name", "tag"]
    assert template_variables({"a": ["{{ x }}", {"b": "{{ y | upper }} {{ x }}"}], "n": 3}) == ["x", "y"]
    assert template_variables("plain text") == []


def test_loop_variables_and_jinja_globals_are_not_parameters():
    template = {"args": "{% for i in range(times) %}{{ i }}{% endfor %}"}
    assert template_variables(template) == ["times"]


def test_render_replaces_placeholders_and_keeps_the_shape():
    assert render(ECHO, {"echo_word": "hello"}, {"echo_word": "string"}) == {
        "action": {"module": "shell", "args": "echo hello"}}
    rendered = render({"action": {"module": "wait_for", "port": "{{p}}", "timeout": 5}}, {"p": 80}, {"p": "integer"})
    assert rendered == {"action": {"module": "wait_for", "port": "80", "timeout": 5}}


def test_an_undeclared_variable_is_refused_naming_the_template_option():
    with pytest.raises(SpecError) as err:
        render(ECHO, {}, {"word": "string"})
    assert err.value.option == "template"
    assert str(err.value) == "template: uses 'echo_word' not declared by the action (declared: word)"


def test_check_template_names_the_action():
    with pytest.raises(SpecError, match="not declared by action 'echo' \\(declared: none\\)"):
        check_template(ECHO, {}, action="echo")
    assert check_template(ECHO, {"echo_word": "string", "unused": "integer"}) == ["echo_word"]


@pytest.mark.parametrize(("params", "message"), [
    ({"echo_word": 3}, "params: echo_word must be of type string, got int"),
    ({"echo_word": None}, "params: echo_word must be of type string, got NoneType"),
    ({}, "params: no value for 'echo_word'"),
    ({"echo_word": "x", "other": "y"}, "params: 'other' is not a declared parameter (declared: echo_word)"),
])
def test_values_are_checked_before_rendering(params, message):
    with pytest.raises(SpecError) as err:
        render(ECHO, params, {"echo_word": "string"})
    assert str(err.value) == message


@pytest.mark.parametrize(("kind", "good", "bad"), [
    ("integer", 3, True), ("integer", 3, "3"), ("number", 2.5, False), ("boolean", True, 1),
    ("list", [1], "x"), ("map", {"a": 1}, [1]), ("string", "s", 1),
])
def test_each_declared_type_accepts_its_values_only(kind, good, bad):
    template = {"action": {"module": "debug", "msg": "{{v}}"}}
    assert render(template, {"v": good}, {"v": kind})["action"]["msg"] == str(good)
    with pytest.raises(SpecError, match="^params: v must be of type %s" % kind):
        render(template, {"v": bad}, {"v": kind})


def test_unknown_declared_types_and_bad_names_are_refused():
    with pytest.raises(SpecError, match="parameter 'v' has type 'text'; known types: "):
        check_declared({"v": "text"})
    with pytest.raises(SpecError, match="is not a valid template variable name"):
        check_declared({"not valid": "string"})
    with pytest.raises(SpecError, match="must be a mapping"):
        check_declared(["v"])


def test_a_syntax_error_names_the_template_and_where():
    with pytest.raises(SpecError) as err:
        template_variables({"action": {"args": "echo {{ word"}})
    assert err.value.option == "template" and "template.action.args is not a valid Jinja2 template" in str(err.value)


def test_the_sandbox_refuses_unsafe_attribute_access():
    template = {"args": "{{ word.__class__.__mro__ }}"}
    with pytest.raises(SpecError, match="^template: template.args does not render"):
        render(template, {"word": "x"}, {"word": "string"})


def test_the_sandbox_refuses_changing_a_value():
    template = {"args": "{{ items.append(1) }}"}
    with pytest.raises(SpecError, match="does not render"):
        render(template, {"items": []}, {"items": "list"})


def test_nothing_is_escaped():
    assert render({"args": "{{w}}"}, {"w": "<a & b>"}, {"w": "string"}) == {"args": "<a & b>"}


# --- the filter plugin ------------------------------------------------------------------------------
def test_the_filter_renders_and_is_registered_under_its_name():
    assert FilterModule().filters()["render_action"] is render_action
    assert render_action(ECHO, {"echo_word": "hi"}, {"echo_word": "string"})["action"]["args"] == "echo hi"


def test_the_filter_fails_with_the_reason():
    with pytest.raises(AnsibleFilterError, match="render_action: template: uses 'echo_word' not declared"):
        render_action(ECHO, {}, {})
    with pytest.raises(AnsibleFilterError, match="the template must be a mapping, got str"):
        render_action("echo {{x}}", {}, {})


SHELL = {"action": {"module": "shell", "args": "echo {{ w }}"}}


@pytest.mark.parametrize("value, line", [
    ("hi", "echo hi"),
    ("hi; touch pwned", "echo 'hi; touch pwned'"),
    ("$(id)", "echo '$(id)'"),
    ("`id`", "echo '`id`'"),
    ("a\nb", "echo 'a\nb'"),
    ("{{ lookup('pipe', 'id') }}", "echo '{{ lookup('\"'\"'pipe'\"'\"', '\"'\"'id'\"'\"') }}'"),
    ("{% if 1 %}x{% endif %}", "echo '{% if 1 %}x{% endif %}'"),
])
def test_a_value_in_a_command_line_is_one_shell_word(value, line):
    assert render(SHELL, {"w": value}, {"w": "string"})["action"]["args"] == line


def test_only_command_line_args_are_quoted_and_verbatim_says_otherwise():
    debug = {"action": {"module": "debug", "args": {"msg": "say {{ w }}"}}}
    assert render(debug, {"w": "a b"}, {"w": "string"})["action"]["args"] == {"msg": "say a b"}
    raw = {"action": {"module": "ansible.builtin.command", "args": {"cmd": "ls {{ w | verbatim }} {{ n }}"}}}
    assert render(raw, {"w": "-l -a", "n": 3}, {"w": "string", "n": "integer"})["action"]["args"] == \
        {"cmd": "ls -l -a 3"}


def test_shell_templates_that_the_quoting_cannot_protect_are_pointed_out():
    from ansible_collections.converge.platforms.plugins.module_utils.templating import shell_warnings

    assert shell_warnings(SHELL) == []
    assert shell_warnings({"action": {"module": "shell", "args": "echo '{{ w }}' {{ w | verbatim }}"}}) == [
        "template.action.args: '| verbatim' places a value into the command line unquoted: a value with "
        "spaces, ';', '$(...)' or backticks then runs as shell code",
        "template.action.args: a placeholder inside quotes of its own: values are shell-quoted already, so "
        "drop the quotes around it"]
