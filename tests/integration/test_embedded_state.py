"""The embedded emulators keep their state under the desired state's directory, whatever the working directory."""

from __future__ import annotations

import fnmatch
import json
import shutil
import textwrap

import pytest
import yaml

from tests.support import ROOT, run_cli

pytestmark = pytest.mark.slow


def write(path, text: str):
    """`text` (dedented) written at `path`, parents made; `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def opendcp_file(path):
    return write(path, """\
        version: 1
        endpoints:
          opendcp: {embedded: true, operator: converge}
        resources:
          opendcp_cluster:
            - {name: web, desc: web services, biz: "1"}
        """)


def test_embedded_state_is_kept_under_the_desired_state_directory_whatever_the_working_directory(tmp_path):
    desired = tmp_path / "repo" / "desired"
    opendcp_file(desired / "site.yml")
    here, there = tmp_path / "here", tmp_path / "there"
    here.mkdir()
    there.mkdir()
    applied = run_cli(["reconciler", "apply", str(desired)], cwd=here)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    for cwd, given in ((there, "../repo/desired/"), (tmp_path / "repo", "desired/site.yml"), (desired, ".")):
        again = run_cli(["reconciler", "plan", "--detailed-exitcode", given], cwd=cwd)
        assert again.returncode == 0, (given, again.stdout + again.stderr)
        assert again.stdout.startswith("No changes.")
    state = desired / ".converge" / "embedded"
    clusters = json.loads((state / "opendcp.json").read_text(encoding="utf-8"))["clusters"]
    assert [cluster["name"] for cluster in clusters.values()] == ["web"]
    assert (state / ".gitignore").read_text(encoding="utf-8").splitlines()[-1] == "*"
    assert not [path for path in tmp_path.rglob(".converge") if path != desired / ".converge"]


def test_an_explicit_state_file_stays_relative_to_the_working_directory(tmp_path):
    desired = tmp_path / "desired"
    opendcp_file(desired / "site.yml")
    text = (desired / "site.yml").read_text(encoding="utf-8")
    (desired / "site.yml").write_text(text.replace("operator: converge}", "operator: converge, "
                                                   "state_file: desired/state/opendcp.json}"), encoding="utf-8")
    applied = run_cli(["reconciler", "apply", "desired/"], cwd=tmp_path)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert (desired / "state" / "opendcp.json").is_file()
    # only converge's own state (docs/state.md) is under the desired state's .converge/: no emulator state
    assert [path.name for path in (desired / ".converge").iterdir()] == ["state"]


def test_import_reads_an_embedded_platform_where_the_plan_of_its_files_meets_it(tmp_path):
    """The import's reads and the plan of the files it writes meet one embedded emulator: the one under --out."""
    their = opendcp_file(tmp_path / "their-team" / "site.yml").parent
    assert run_cli(["reconciler", "apply", "-q", str(their)], cwd=tmp_path).returncode == 0
    (tmp_path / "taken").mkdir()
    shutil.move(str(their / ".converge"), str(tmp_path / "taken" / ".converge"))
    shutil.rmtree(their)
    write(tmp_path / "endpoints.yml", "opendcp: {embedded: true, operator: converge}\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    imported = run_cli(["reconciler", "import", "--endpoints", "../endpoints.yml", "--out", "../taken/"],
                       cwd=elsewhere)
    assert imported.returncode == 0, imported.stdout + imported.stderr
    assert imported.stdout.splitlines()[0] == "imported 1 entry of 1 kind; plan: no changes"
    written = yaml.safe_load((tmp_path / "taken" / "opendcp.yml").read_text(encoding="utf-8"))
    assert [entry["name"] for entry in written["resources"]["opendcp_cluster"]] == ["web"]
    assert not (elsewhere / ".converge").exists()


def test_the_collection_artifact_leaves_out_embedded_state_beside_any_desired_state():
    """The state holds the platforms' passwords in clear; the quickstart leaves one in examples/.converge/."""
    ignored = yaml.safe_load((ROOT / "galaxy.yml").read_text(encoding="utf-8"))["build_ignore"]
    for directory in (".converge", "examples/.converge", "examples/teams/.converge"):
        assert any(fnmatch.fnmatch(directory, pattern) for pattern in ignored), directory
