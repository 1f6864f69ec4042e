"""reconciler run-step: a remote step rendered from its templates and played through ansible-core."""

from __future__ import annotations

import json
import sys

import pytest

from tests.support import ROOT, run_cli

pytestmark = pytest.mark.slow
EXAMPLE = str(ROOT / "examples" / "opendcp.yml")


@pytest.fixture
def inventory(tmp_path):
    path = tmp_path / "nodes.ini"
    path.write_text("[nodes]\n"
                    f"127.0.0.2 ansible_connection=local ansible_python_interpreter={sys.executable}\n"
                    f"127.0.0.3 ansible_connection=local ansible_python_interpreter={sys.executable}\n"
                    "127.0.0.4 ansible_connection=local ansible_python_interpreter=/nonexistent/python\n")
    return str(path)


def test_each_node_is_reported_and_a_failed_node_makes_the_step_partial(inventory):
    result = run_cli(["reconciler", "run-step", EXAMPLE, "--step", "greet", "-i", inventory,
                      "--param", "echo_word=hello", "--format", "json"])
    assert result.returncode == 1, result.stderr
    run = json.loads(result.stdout)
    assert run["status"] == "partial"
    assert run["tasks"] == [{"name": "greet / echo", "shell": "echo hello"}]
    assert {host: node["status"] for host, node in run["nodes"].items()} == {
        "127.0.0.2": "success", "127.0.0.3": "success", "127.0.0.4": "failure"}
    assert run["nodes"]["127.0.0.2"]["tasks"][0]["stdout"] == "hello"


def test_every_node_succeeding_is_a_success(inventory):
    result = run_cli(["reconciler", "run-step", EXAMPLE, "--step", "greet", "-i", inventory, "--limit",
                      "127.0.0.2:127.0.0.3", "--param", "echo_word=hi there"])
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines() == ["  success  127.0.0.2", "  success  127.0.0.3",
                                          "Step greet: success (2 nodes)"]


def test_parameters_are_checked_before_anything_runs(inventory, tmp_path):
    undeclared = run_cli(["reconciler", "run-step", EXAMPLE, "--step", "greet", "-i", inventory, "--param", "x=1"])
    assert undeclared.returncode == 1
    assert undeclared.stderr.strip() == "error: param: 'x' is not a declared parameter (declared: echo_word)"
    missing = run_cli(["reconciler", "run-step", EXAMPLE, "--step", "greet", "-i", inventory])
    assert missing.returncode == 1 and missing.stderr.strip() == "error: params: no value for 'echo_word'"
    unknown = run_cli(["reconciler", "run-step", EXAMPLE, "--step", "nope", "-i", inventory])
    assert unknown.returncode == 1
    assert unknown.stderr.strip() == f"{EXAMPLE}: no opendcp_remote_step named 'nope' in the desired state"
    assert "Traceback" not in undeclared.stderr + missing.stderr + unknown.stderr


@pytest.mark.parametrize("value", [
    "{{ lookup('pipe', 'touch pwned-controller; id -un') }}",
    "hi; touch pwned-node",
    "`touch pwned-node`",
    "$(touch pwned-node)",
    "hi\ntouch pwned-node",
    "{% if true %}{{ lookup('pipe', 'touch pwned-controller') }}{% endif %}",
])
def test_a_parameter_value_is_data_on_the_controller_and_on_the_node(inventory, tmp_path, value):
    """The value is echoed back as it was given; no file is created, neither by Ansible nor by the shell."""
    workdir = tmp_path / "work"
    workdir.mkdir()
    result = run_cli(["reconciler", "run-step", EXAMPLE, "--step", "greet", "-i", inventory, "--limit", "127.0.0.2",
                      "--param", f"echo_word={value}", "--format", "json"], cwd=workdir)
    assert result.returncode == 0, result.stdout + result.stderr
    run = json.loads(result.stdout)
    assert run["nodes"]["127.0.0.2"]["tasks"][0]["stdout"] == value
    assert list(workdir.iterdir()) == [], "something ran"


def test_a_limit_holding_a_template_is_refused_and_nothing_runs(inventory, tmp_path):
    """--limit is a host pattern, never template text for ansible-core to run on the controller."""
    workdir = tmp_path / "work"
    workdir.mkdir()
    attack = "{{ lookup('pipe','touch %s') }}all" % (workdir / "pwned")
    result = run_cli(["reconciler", "run-step", EXAMPLE, "--step", "greet", "-i", inventory, "--limit", attack,
                      "--param", "echo_word=hi"], cwd=workdir)
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stderr.strip() == (
        "error: --limit: %r holds template syntax ({{, {%% or {#): name the nodes as a host pattern, such as "
        "127.0.0.2:127.0.0.3 or web:!db" % attack)
    assert list(workdir.iterdir()) == [], "something ran"


def implementation_whose_module_is_a_placeholder(tmp_path):
    """examples/opendcp.yml with the echo implementation's module named by a parameter."""
    import yaml

    desired = yaml.safe_load(open(EXAMPLE, encoding="utf-8"))
    desired["resources"]["opendcp_action"][0]["params"] = {"tool": "string", "echo_word": "string"}
    desired["resources"]["opendcp_actimpl"][0]["template"] = {"action": {"module": "{{ tool }}",
                                                                         "args": "echo {{ echo_word }}"}}
    path = tmp_path / "desired.yml"
    path.write_text(yaml.safe_dump(desired, sort_keys=False), encoding="utf-8")
    return path


def test_a_module_named_by_a_parameter_is_refused_and_nothing_runs(inventory, tmp_path):
    """A parameter choosing the module would also choose whether its values are quoted."""
    desired = implementation_whose_module_is_a_placeholder(tmp_path)
    workdir = tmp_path / "work"
    workdir.mkdir()
    result = run_cli(["reconciler", "run-step", str(desired), "--step", "greet", "-i", inventory, "--limit",
                      "127.0.0.2", "--param", "tool=shell", "--param", f"echo_word=hi; touch {workdir / 'pwned'}"],
                     cwd=workdir)
    assert result.returncode == 1, result.stdout + result.stderr
    lines = desired.read_text().splitlines()
    line = next(n for n, text in enumerate(lines, 1) if n > lines.index("  opendcp_actimpl:") and "template:" in text)
    assert result.stderr.strip() == (
        f"{desired}:{line}: resources.opendcp_actimpl[0].template: template.action.module is '{{{{ tool }}}}': the "
        "module must be named as it is, not by a template, so that no parameter chooses what runs or how its values "
        "are quoted")
    assert list(workdir.iterdir()) == [], "something ran"
