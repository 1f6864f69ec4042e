"""The changelog: fragments antsibull-changelog accepts, CHANGELOG.md as it generates it, and the next release.

The release is previewed in a copy of the collection, so the checkout's fragments stay unreleased.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.support import BIN, ROOT, own_lines

pytestmark = pytest.mark.slow

CHANGELOGS = ROOT / "changelogs"
NEXT_VERSION = "0.2.0"
PLATFORMS = ("ZStack", "VSD", "OSG view", "migration platform", "OpenDCP")
#: what antsibull-changelog reads to release: the collection's metadata, changelog and plugins
RELEASE_INPUTS = ("galaxy.yml", "changelogs", "plugins", "meta", "roles", "playbooks")
RELEASE_SUMMARY_HINT = "Found no release_summary section"


def changelog_tool(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """Run the venv's antsibull-changelog in cwd, with the venv's ansible-doc first on the path."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    env.update(PATH=str(BIN) + os.pathsep + env.get("PATH", ""), ANSIBLE_NOCOLOR="1")
    return subprocess.run([str(BIN / "antsibull-changelog"), *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120)


def collection_copy(destination: Path) -> Path:
    """A copy of what a release reads and writes, so a release there leaves the checkout as it is."""
    destination.mkdir()
    for name in RELEASE_INPUTS:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, destination / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc",
                                                                                        ".plugin-cache.yaml"))
        else:
            shutil.copy2(source, destination / name)
    return destination


@pytest.fixture(scope="module")
def released(tmp_path_factory) -> Path:
    """A copy of the collection in which `antsibull-changelog release` made the next version of the changelog."""
    copy = collection_copy(tmp_path_factory.mktemp("release") / "collection")
    proc = changelog_tool("release", "--version", NEXT_VERSION, "--date", "2026-12-09", cwd=copy)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    said = own_lines(proc.stdout + proc.stderr, "antsibull_changelog")
    assert [line for line in said if RELEASE_SUMMARY_HINT not in line] == []
    return copy


def releases_of(collection: Path) -> dict:
    """The releases recorded in a collection's changelogs/changelog.yaml."""
    return yaml.safe_load((collection / "changelogs" / "changelog.yaml").read_text(encoding="utf-8"))["releases"]


def test_fragments_pass_the_linter_without_a_word():
    proc = changelog_tool("lint", cwd=ROOT)
    assert (proc.returncode, own_lines(proc.stdout + proc.stderr, "antsibull_changelog")) == (0, [])


def test_the_changelog_data_passes_its_linter_without_a_word():
    proc = changelog_tool("lint-changelog-yaml", "changelogs/changelog.yaml", cwd=ROOT)
    assert (proc.returncode, own_lines(proc.stdout + proc.stderr, "antsibull_changelog")) == (0, [])


def test_every_fragment_is_read_by_the_tool():
    fragments = sorted(path.name for path in (CHANGELOGS / "fragments").iterdir())
    # the config ignores other extensions, so a fragment named *.yaml.txt or *.md would be silently left out
    assert fragments and [name for name in fragments if not name.endswith(".yml")] == []
    for name in fragments:
        content = yaml.safe_load((CHANGELOGS / "fragments" / name).read_text(encoding="utf-8"))
        assert isinstance(content, dict) and content, name


def test_changelog_md_is_exactly_what_the_tool_generates(tmp_path):
    copy = collection_copy(tmp_path / "collection")
    proc = changelog_tool("generate", "--output", str(tmp_path / "generated.md"), "--output-format", "md", cwd=copy)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (ROOT / "CHANGELOG.md").read_text(encoding="utf-8") == (tmp_path / "generated.md").read_text(
        encoding="utf-8")


def test_the_checkout_stays_at_its_released_version():
    galaxy = yaml.safe_load((ROOT / "galaxy.yml").read_text(encoding="utf-8"))
    assert list(releases_of(ROOT)) == [galaxy["version"]]


def test_the_next_release_covers_the_five_platforms_and_the_reconciler(released):
    text = (released / "CHANGELOG.md").read_text(encoding="utf-8")
    upcoming = text.split(f"## v{NEXT_VERSION}".replace(".", "\\."), 1)[1].split("## v0\\.1\\.0", 1)[0]
    missing = [name for name in (*PLATFORMS, "reconciler") if name not in upcoming]
    assert missing == []
    for title in ("Major Changes", "Minor Changes", "Breaking Changes / Porting Guide", "Security Fixes",
                  "Bugfixes", "Known Issues", "New Modules", "New Roles", "New Playbooks"):
        assert f"### {title}" in upcoming, title
    assert list((released / "changelogs" / "fragments").iterdir()) == []


def test_the_next_release_lists_each_breaking_change(released):
    breaking = releases_of(released)[NEXT_VERSION]["changes"]["breaking_changes"]
    assert sorted(entry.split(" - ", 1)[0] for entry in breaking) == [
        "A number given for a string option is refused instead of converted to text, in modules and in "
        "desired-state files alike. Quote such values (for example ``name: \"2024\"``).",
        "connection options",
        # apply --plan takes the files again; a file reads only CONVERGE_* variables; inline secrets are refused;
        # the library API is two phases
        "reconciler", "reconciler", "reconciler", "reconciler",
        "vsd_snapshot_before_maintenance playbook", "zstack_info"]


def test_every_module_plugin_role_and_playbook_is_new_in_exactly_one_release(released):
    listed = {}
    for version, release in releases_of(released).items():
        entries = [("module", m["name"]) for m in release.get("modules", [])]
        entries += [(kind, p["name"]) for kind, plugins in release.get("plugins", {}).items() for p in plugins]
        entries += [(kind, o["name"]) for kind, objects in release.get("objects", {}).items() for o in objects]
        for entry in entries:
            listed.setdefault(entry, []).append(version)
    present = {("module", path.stem) for path in (ROOT / "plugins" / "modules").glob("[!_]*.py")}
    for kind in ("callback", "filter", "inventory"):
        present |= {(kind, path.stem) for path in (ROOT / "plugins" / kind).glob("[!_]*.py")}
    present |= {("role", path.name) for path in (ROOT / "roles").iterdir() if (path / "tasks").is_dir()}
    present |= {("playbook", path.stem) for path in (ROOT / "playbooks").glob("*.yml")}
    assert sorted(set(listed) ^ present) == []
    assert {entry: versions for entry, versions in listed.items() if len(versions) != 1} == {}
    assert sorted(name for (kind, name), versions in listed.items() if versions == ["0.1.0"]) == sorted(
        path.stem for path in (ROOT / "plugins" / "modules").glob("zstack_*.py"))
