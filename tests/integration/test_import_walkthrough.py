"""The README's "Bring an existing platform under converge" walkthrough, run as written on an embedded OpenDCP."""

from __future__ import annotations

import shutil

import yaml

from tests.integration.test_documented_commands import ROOT, block, run_script


def test_the_readme_import_walkthrough_takes_a_platform_over(tmp_path):
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    shown = run_script("set -e\n" + block("README.md", "import-walkthrough"), tmp_path)
    assert shown.returncode == 0, shown.stdout + shown.stderr
    lines = shown.stdout.splitlines()
    assert lines[1:3] == ["imported 8 entries of 7 kinds; plan: no changes",
                          "apply adopts 8 objects: it writes this desired state's owner on them and changes nothing "
                          "else"]
    assert "No changes. 0 resources match the desired state. 8 to adopt (the owner's marker only)." in lines
    assert "Apply complete: 8 applied, 0 failed, 0 skipped." in lines
    assert lines[-1] == "0 objects on the platforms are named by no entry."
    written = yaml.safe_load((tmp_path / "desired" / "opendcp.yml").read_text(encoding="utf-8"))
    assert {kind: [entry.get("name", entry.get("pool", entry.get("action"))) for entry in entries]
            for kind, entries in written["resources"].items()} == {
        "opendcp_cluster": ["web"], "opendcp_service": ["frontend"], "opendcp_pool": ["frontend-pool"],
        "opendcp_task_template": ["expand-frontend", "shrink-frontend"],
        "opendcp_remote_step": ["greet"], "opendcp_action": ["echo"], "opendcp_actimpl": ["echo"]}

    # the markers written, and nothing else: a second import is the same file, and desired/ has nothing to adopt
    again = run_script(".venv/bin/reconciler import --endpoints endpoints.yml --out again/ && "
                       ".venv/bin/reconciler plan --detailed-exitcode --endpoints endpoints.yml desired/", tmp_path)
    assert again.returncode == 0, again.stdout + again.stderr
    assert again.stdout.splitlines()[0] == "imported 8 entries of 7 kinds; plan: no changes"
    assert again.stdout.splitlines()[2] == "No changes. 8 resources match the desired state."
    assert (tmp_path / "again" / "opendcp.yml").read_bytes() == (tmp_path / "desired" / "opendcp.yml").read_bytes()
