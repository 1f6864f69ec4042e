"""The command sequences the documents give, run as written against the embedded emulators."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from tests.support import BIN, ROOT, ansible_env, platform_tags

pytestmark = pytest.mark.slow


def block(document: str, name: str) -> str:
    """The shell code between `<!-- name:start -->` and `<!-- name:end -->` of a document."""
    text = (ROOT / document).read_text(encoding="utf-8")
    found = re.search(rf"<!-- {name}:start -->\n```sh\n(.*?)```\n<!-- {name}:end -->", text, re.S)
    assert found, f"{document} has no {name} block"
    return found.group(1)


def run_script(script: str, cwd, extra_env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    env = ansible_env(extra_env)
    env["PATH"] = f"{BIN}:{env.get('PATH', '')}"
    return subprocess.run(["bash", "-c", script.replace(".venv/bin/", f"{BIN}/")], cwd=str(cwd), env=env,
                          capture_output=True, text=True, timeout=600)


def embedded_tags(root) -> list[str]:
    """The tags of the embedded ZStack of the desired state in directory `root`."""
    import json

    state = json.loads((root / ".converge" / "embedded" / "zstack.json").read_text(encoding="utf-8"))
    return sorted(tag["tag"] for tag in platform_tags(state["tags"]))


def test_the_ci_sequence_of_docs_ci_passes_as_written(tmp_path):
    """With the endpoints file the pipeline gives (CONVERGE_ENDPOINTS): the same embedded endpoint the files name."""
    shutil.copytree(ROOT / "examples" / "teams", tmp_path / "desired")
    (tmp_path / "endpoints.yml").write_text("zstack: {embedded: true}\n", encoding="utf-8")
    script = block("docs/ci.md", "ci-shell")
    pipeline = {"CONVERGE_ENDPOINTS": str(tmp_path / "endpoints.yml")}
    first = run_script(script, tmp_path, pipeline)
    assert first.returncode == 0, first.stdout + first.stderr
    assert first.stdout.splitlines()[:2] == ["valid: 3 resources in 3 file(s)",
                                             "changes pending: post plan.md as a comment, keep plan.json"]
    assert "in sync" in first.stdout
    comment = (tmp_path / "plan.md").read_text(encoding="utf-8")
    assert comment.startswith("**Plan: 3 to create, 0 to update")
    assert "<details><summary><code>zstack_user_tag</code>: 3 to create</summary>" in comment
    assert comment.count("| <code>zstack\\_user\\_tag\\[") == 3
    assert embedded_tags(tmp_path / "desired") == ["backup::nightly", "team::db", "team::web"]
    again = run_script(script, tmp_path, pipeline)
    assert again.returncode == 0, again.stdout + again.stderr
    assert again.stdout.splitlines()[1] == "no changes"


def test_the_readme_prune_and_directory_walkthrough(tmp_path):
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    quickstart = run_script(".venv/bin/reconciler apply examples/quickstart.yml", tmp_path)
    assert quickstart.returncode == 0, quickstart.stderr
    shown = run_script(block("README.md", "prune-walkthrough"), tmp_path)
    assert shown.returncode == 0, shown.stdout + shown.stderr
    assert "tag=backup::nightly]: delete (prune)   (owned by teams-example, in no file)" in shown.stdout
    # the team's tag is gone; the quickstart's tags, of another owner, are all still there
    assert embedded_tags(tmp_path / "examples") == sorted(["team::db", "team::web", "ha::NeverStop",
                                                           "reservedMemory::2G", "tier::web", "tier::db"])
