"""The remote-action renderer: variables, declared parameters, types, sandbox, and the filter plugin."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError
from ansible_collections.converge.platforms.plugins.filter.render_action import FilterModule, render_action
from ansible_collections.converge.platforms.plugins.module_utils.spec import SpecError
from ansible_collections.converge.platforms.plugins.module_utils.templating import (
    MAX_VALUE_LENGTH,
    check_action,
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


# --- the module name is a literal; every command-running module's values are quoted or refused ---------------
def test_a_placeholder_in_the_module_name_is_refused_before_anything_renders():
    """A parameter must not choose the module, or it chooses whether its own values are quoted."""
    template = {"action": {"module": "{{ tool }}", "args": "echo {{ word }}"}}
    with pytest.raises(SpecError) as err:
        render(template, {"tool": "shell", "word": "hi; touch pwned"}, {"tool": "string", "word": "string"},
               action="echo")
    assert err.value.option == "template"
    assert str(err.value) == (
        "template: template.action.module of action 'echo' is '{{ tool }}': the module must be named as it is, "
        "not by a template, so that no parameter chooses what runs or how its values are quoted")
    with pytest.raises(SpecError, match=r"^template: template.action.module is '\{% if 1 %\}shell\{% endif %\}'"):
        check_action({"action": {"module": "{% if 1 %}shell{% endif %}"}})


@pytest.mark.parametrize("module", [
    "shell", "ansible.builtin.shell", "ansible.legacy.command", "raw", "ansible.builtin.script", "expect",
    "ansible.builtin.expect", "longscript",
])
def test_every_value_in_the_action_of_a_posix_command_module_is_one_shell_word(module):
    template = {"action": {"module": module, "args": {"command": "echo {{ w }}"}, "content": "ls {{ w }}"}}
    rendered = render(template, {"w": "hi; touch pwned"}, {"w": "string"})["action"]
    assert rendered == {"module": module, "args": {"command": "echo 'hi; touch pwned'"},
                        "content": "ls 'hi; touch pwned'"}


@pytest.mark.parametrize("module", [
    "win_shell", "ansible.windows.win_shell", "ansible.windows.win_command", "ansible.windows.win_powershell",
    "community.windows.psexec", "community.windows.win_psexec", "ansible.netcommon.cli_command",
    "cisco.ios.ios_command", "community.vmware.vmware_vm_shell", "kubernetes.core.k8s_exec", "ansible.builtin.telnet",
])
def test_a_command_module_no_quoting_fits_takes_a_value_only_through_verbatim(module):
    template = {"action": {"module": module, "args": {"cmd": "Write-Output {{ w }}"}}}
    with pytest.raises(SpecError) as err:
        render(template, {"w": "hi; touch pwned"}, {"w": "string"})
    assert str(err.value) == (
        "template: template.action.args.cmd: '{{ w }}' places a value into the command of %s, which no quoting "
        "protects: write '{{ w | verbatim }}' if the value is meant to be code" % module)
    verbatim = {"action": {"module": module, "args": {"cmd": "Write-Output {{ w | verbatim }}"}}}
    assert render(verbatim, {"w": "hi"}, {"w": "string"})["action"]["args"] == {"cmd": "Write-Output hi"}
    assert check_action(verbatim) is None


def test_modules_that_run_no_command_are_neither_quoted_nor_refused():
    for module in ("debug", "ansible.builtin.copy", "ansible.windows.win_copy", "community.general.ini_file"):
        template = {"action": {"module": module, "args": {"content": "say {{ w }}"}}}
        assert render(template, {"w": "a b"}, {"w": "string"})["action"]["args"] == {"content": "say a b"}


# --- every value a template builds is bounded ------------------------------------------------------------------
BIG = {"w": "string", "n": "integer", "items": "list"}
BIG_VALUES = {"w": "word", "n": 100000000, "items": ["a", "b"]}


@pytest.mark.parametrize("text, what, size", [
    ("{{ 'x' * 200000000 }}", "'*'", 200000000),
    ("{{ w * 100000000 }}", "'*'", 400000000),
    ("{{ n * w }}", "'*'", 400000000),
    ("{{ items * n }}", "'*'", 200000000),
    ("{{ 10 ** n }}", "'**'", 100000001),
    ("{{ '%200000000s' % w }}", "'%'", 200000015),
    ("{{ '{:>200000000}'.format(w) }}", "str.format", 200000017),
    ("{{ w.center(200000000) }}", "str.center", 200000000),
    ("{{ w.rjust(n) }}", "str.rjust", 100000000),
    ("{{ (w * 16000).replace('', w * 4000) }}", "str.replace", 1024080000),
    ("{{ (w * 16000).join([w * 16000] * 4) }}", "str.join", 448000),
    ("{{ w | center(200000000) }}", "the filter 'center'", 200000000),
    ("{{ ((w ~ '\\n') * 10000) | indent(60000) }}", "the filter 'indent'", 600110000),
    ("{{ '%200000000s' | format(w) }}", "the filter 'format'", 200000015),
    ("{{ ([w * 16000] * 4) | join(w * 16000) }}", "the filter 'join'", 448000),
    ("{{ items | batch(n, w) | list }}", "the filter 'batch'", 100000002),
])
def test_a_value_over_the_bound_is_refused_before_it_is_built(text, what, size):
    """The error names the template's place, what would build the value, its size and the bound, and the
    value is never built: the render allocates far less than the value would take."""
    import tracemalloc

    tracemalloc.start()
    try:
        with pytest.raises(SpecError) as err:
            render({"action": {"module": "debug", "msg": text}}, BIG_VALUES, BIG)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert str(err.value) == (
        "template: template.action.msg does not render: %s would make a value of %d characters; a value a template "
        "makes is at most %d characters (MAX_VALUE_LENGTH)" % (what, size, MAX_VALUE_LENGTH))
    assert MAX_VALUE_LENGTH == 65536 and peak < 8 * 1024 * 1024, peak


@pytest.mark.parametrize("text", [
    "{% for i in range(100000) %}{{ w }}{% endfor %}",
    "{% set a %}{% for i in range(100000) %}{{ w }}xxxxxxxx{% endfor %}{% endset %}{{ a | length }}",
    "{% set a = w * 16384 %}{% set b = a ~ a %}{% set c = b ~ b %}{{ c | length }}",
    "{{ w * 10000 ~ w * 10000 }}",
    "{{ (w * 10000) + (w * 10000) }}",
])
def test_rendered_text_and_joins_over_the_bound_are_refused(text):
    with pytest.raises(SpecError, match=r"^template: template.args does not render: .* a value a template makes is "
                                        r"at most 65536 characters \(MAX_VALUE_LENGTH\)$"):
        render({"args": text}, BIG_VALUES, BIG)


def test_values_within_the_bound_render():
    assert render({"args": "{{ w * 16384 }}"}, BIG_VALUES, BIG)["args"] == "word" * 16384
    assert render({"args": "{{ '%5s|%-3d' % (w, 7) }}{{ w.center(8) }}{{ 'x' | indent(2) }}"}, BIG_VALUES, BIG) == {
        "args": " word|7  "  "  word  x"}
    assert render({"args": "{{ items | join(', ') }} {{ 2 ** 10 }}"}, BIG_VALUES, BIG)["args"] == "a, b 1024"


@pytest.mark.parametrize("text, message", [
    ("{{ w + 1 }}", 'can only concatenate str (not "int") to str'),
    ("{% for i in range(1000000) %}{% endfor %}", "Range too big. The sandbox blocks ranges larger than MAX_RANGE "
                                                   "(100000)."),
])
def test_an_error_while_rendering_is_named_not_a_traceback(text, message):
    with pytest.raises(SpecError) as err:
        render({"args": text}, BIG_VALUES, BIG)
    assert str(err.value) == "template: template.args does not render: %s" % message


def test_jinja2_is_required_at_3_1_6_or_newer_where_the_sandbox_escapes_are_fixed():
    """Jinja2 3.1.5 and older let a sandboxed template reach Python through str.format and the attr filter."""
    import tomllib
    from pathlib import Path

    from packaging.requirements import Requirement

    root = Path(__file__).resolve().parents[2]
    project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    runtime = (root / "requirements.txt").read_text(encoding="utf-8").splitlines()
    for source in (project, runtime):
        (pin,) = [Requirement(line).specifier for line in source if line.lower().startswith("jinja2")]
        assert not pin.contains("3.1.5") and pin.contains("3.1.6") and not pin.contains("4.0.0"), source
