"""On a terminal `apply` shows the plan and applies it only on `yes`, as Terraform does; `--auto-approve`, a saved
plan and a run without a terminal apply without asking. Run on a pseudo-terminal, read back from the emulator."""

from __future__ import annotations

import os
import pty
import select
import subprocess

import pytest

from tests.integration.test_guardrails import tag_file, user_tags
from tests.support import BIN, ansible_env, run_cli, writes

pytestmark = pytest.mark.slow

QUESTION = ("Do you want to perform these actions?\n  The reconciler will perform the actions described above.\n"
            "  Only 'yes' will be accepted to approve")
#: the most seconds a terminal read may wait before the test gives up (a hung run, never a pause of the test)
PATIENCE = 120


class Terminal:
    """A reconciler run on a pseudo-terminal: what it wrote so far, and what to type into it."""

    def __init__(self, args: list[str], cwd) -> None:
        self.master, follower = pty.openpty()
        self.process = subprocess.Popen([str(BIN / args[0])] + args[1:], stdin=follower, stdout=follower,
                                        stderr=follower, env=ansible_env({"NO_COLOR": "1"}), cwd=str(cwd),
                                        close_fds=True)
        os.close(follower)
        self.output = ""

    def read_until(self, text: str) -> str:
        """Everything the run wrote until `text` appears (or the run ends)."""
        while text not in self.output:
            ready, _, _ = select.select([self.master], [], [], PATIENCE)
            assert ready, f"no output for {PATIENCE} s; so far:\n{self.output}"
            try:
                chunk = os.read(self.master, 4096)
            except OSError:  # the run ended and closed the terminal
                break
            if not chunk:
                break
            self.output += chunk.decode("utf-8", "replace").replace("\r\n", "\n")
        return self.output

    def type(self, line: str) -> None:
        os.write(self.master, line.encode("utf-8") + b"\r")

    def finish(self) -> int:
        """The run's exit code, once it ended, with the rest of its output read."""
        self.read_until("\0never printed\0")
        code = self.process.wait(timeout=PATIENCE)
        os.close(self.master)
        return code


@pytest.mark.parametrize("answer", ["no", "y", ""])
def test_anything_but_yes_writes_nothing_and_exits_1(zstack, tmp_path, answer):
    path = tag_file(tmp_path / "tags.yml", zstack.url, ["tier::web"])
    run = Terminal(["reconciler", "apply", path], tmp_path)
    shown = run.read_until("Enter a value")
    assert "  + zstack_user_tag[resource_uuid=" in shown
    assert QUESTION in shown
    run.type(answer)
    assert run.finish() == 1
    assert "Apply cancelled: nothing was changed." in run.output
    assert writes(zstack.requests) == []
    assert user_tags(zstack) == []


def test_yes_applies_the_plan_shown(zstack, tmp_path):
    path = tag_file(tmp_path / "tags.yml", zstack.url, ["tier::web", "tier::db"])
    run = Terminal(["reconciler", "apply", path], tmp_path)
    run.read_until("Enter a value")
    run.type("yes")
    assert run.finish() == 0, run.output
    assert user_tags(zstack) == ["tier::db", "tier::web"]
    # nothing to change: nothing is asked
    again = Terminal(["reconciler", "apply", path], tmp_path)
    assert again.finish() == 0
    assert QUESTION not in again.output
    assert "No changes." in again.output


def test_auto_approve_and_a_saved_plan_apply_without_asking(zstack, tmp_path):
    path = tag_file(tmp_path / "tags.yml", zstack.url, ["tier::web"])
    run = Terminal(["reconciler", "apply", "--auto-approve", path], tmp_path)
    assert run.finish() == 0, run.output
    assert QUESTION not in run.output
    assert user_tags(zstack) == ["tier::web"]
    tag_file(tmp_path / "tags.yml", zstack.url, ["tier::web", "tier::db"])
    out = tmp_path / "plan.json"
    assert run_cli(["reconciler", "plan", "--out", str(out), path]).returncode == 0
    saved = Terminal(["reconciler", "apply", "--plan", str(out), path], tmp_path)
    assert saved.finish() == 0, saved.output
    assert QUESTION not in saved.output
    assert user_tags(zstack) == ["tier::db", "tier::web"]


def test_without_a_terminal_apply_runs_as_it_always_has(zstack, tmp_path):
    path = tag_file(tmp_path / "tags.yml", zstack.url, ["tier::web"])
    run = run_cli(["reconciler", "apply", path])
    assert run.returncode == 0, run.stderr
    assert QUESTION not in run.stdout + run.stderr
    assert user_tags(zstack) == ["tier::web"]


def test_quiet_and_json_show_the_summary_before_asking(zstack, tmp_path):
    path = tag_file(tmp_path / "tags.yml", zstack.url, ["tier::web"])
    run = Terminal(["reconciler", "apply", "--format", "json", path], tmp_path)
    shown = run.read_until("Enter a value")
    assert "Plan: 1 to create" in shown
    run.type("no")
    assert run.finish() == 1
    assert writes(zstack.requests) == []
