"""The module side of the contract, generated over every kind: check mode writes nothing and predicts
exactly what the real run then does; the real run changes, the next one does not."""

from __future__ import annotations

import pytest
import yaml

from reconciler.platforms import kinds
from tests.contract.platforms import module_environment
from tests.contract.test_every_kind import KINDS, entries_for
from tests.support import run_playbook, writes

pytestmark = pytest.mark.slow


def untemplated(value):
    """A value as a playbook must write it so that Ansible passes `{{ }}` through to the module."""
    if isinstance(value, str) and "{{" in value:
        return "{% raw %}" + value + "{% endraw %}"
    if isinstance(value, dict):
        return {k: untemplated(v) for k, v in value.items()}
    if isinstance(value, list):
        return [untemplated(v) for v in value]
    return value


def module_env(platform):
    """The environment variables giving the modules the endpoint of a contract Platform's emulator."""
    return module_environment(platform.spec.platform, platform.handle.url)


@pytest.mark.parametrize("kind", KINDS)
def test_check_mode_predicts_the_real_run_and_the_second_run_changes_nothing(kind, platform_of, tmp_path):
    platform = platform_of(kind)
    options = platform.resources[kind][0]
    platform.resources = {k: v for k, v in entries_for(kind).items() if k != kind}
    platform.write()
    if platform.resources:
        assert not platform.reconcile(apply=True).failed  # what the entry depends on
    platform.handle.clear_requests()
    task = {f"converge.platforms.{kind}": untemplated(options)}
    env = module_env(platform)
    checked = run_playbook([task], check=True, diff=True, env=env, workdir=tmp_path / "run-0").results[0]
    assert not checked.get("failed"), checked.get("msg")
    assert checked["changed"] is True and writes(platform.handle.requests) == []
    real = run_playbook([task, task], diff=True, env=env, workdir=tmp_path / "run-0").results
    assert not real[0].get("failed"), real[0].get("msg")
    assert real[0]["changed"] is True and real[0]["action"] == checked["action"]
    assert yaml.safe_dump(real[0].get("diff")) == yaml.safe_dump(checked.get("diff"))
    if kinds()[kind].idempotent:
        assert real[1]["changed"] is False and real[1]["action"] == "noop", real[1]
