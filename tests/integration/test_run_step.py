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
