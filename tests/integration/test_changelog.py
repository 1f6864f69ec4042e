"""The changelog: fragments antsibull-changelog accepts, CHANGELOG.md as it generates it, the releases it
recorded (0.2.0, the five platforms and the reconciler) and the next one.

The next release is previewed in a copy of the collection, so the checkout's fragments stay unreleased.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest
import yaml

from tests.support import BIN, ROOT, own_lines

pytestmark = pytest.mark.slow

CHANGELOGS = ROOT / "changelogs"
#: the release that brought the four platforms after ZStack, the reconciler's prune, import and guardrails
FIVE_PLATFORMS_RELEASE = "0.2.0"
PLATFORMS = ("ZStack", "VSD", "OSG view", "migration platform", "OpenDCP")
#: what antsibull-changelog reads to release: the collection's metadata, changelog and plugins
RELEASE_INPUTS = ("galaxy.yml", "changelogs", "plugins", "meta", "roles", "playbooks")
RELEASE_SUMMARY_HINT = "Found no release_summary section"


def version_key(version: str) -> tuple[int, ...]:
    """A MAJOR.MINOR.PATCH version as numbers, to order releases."""
    return tuple(int(part) for part in version.split("."))


def galaxy_version() -> str:
    """The collection's version, as galaxy.yml declares it."""
    return str(yaml.safe_load((ROOT / "galaxy.yml").read_text(encoding="utf-8"))["version"])


def next_version() -> str:
    """The minor release after the checkout's version, which the preview makes."""
    major, minor, _ = version_key(galaxy_version())
    return f"{major}.{minor + 1}.0"


def fragment_names() -> list[str]:
    """The fragment files waiting for the next release (`.keep` holds the directory in git when there is none)."""
    return sorted(path.name for path in (CHANGELOGS / "fragments").iterdir() if not path.name.startswith("."))


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
    proc = changelog_tool("release", "--version", next_version(), "--date", "2026-12-09", cwd=copy)
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
    # the config ignores other extensions, so a fragment named *.yaml.txt or *.md would be silently left out
    assert [name for name in fragment_names() if not name.endswith(".yml")] == []
    for name in fragment_names():
        content = yaml.safe_load((CHANGELOGS / "fragments" / name).read_text(encoding="utf-8"))
        assert isinstance(content, dict) and content, name


def test_no_fragment_waiting_was_released_already():
    # keep_fragments is off, so the tool would release a fragment written again under a released name twice
    released_fragments = {name for release in releases_of(ROOT).values() for name in release.get("fragments", [])}
    assert sorted(released_fragments & set(fragment_names())) == []


def test_changelog_md_is_exactly_what_the_tool_generates(tmp_path):
    copy = collection_copy(tmp_path / "collection")
    proc = changelog_tool("generate", "--output", str(tmp_path / "generated.md"), "--output-format", "md", cwd=copy)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (ROOT / "CHANGELOG.md").read_text(encoding="utf-8") == (tmp_path / "generated.md").read_text(
        encoding="utf-8")


def test_the_checkout_is_at_its_latest_release():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    latest = max(releases_of(ROOT), key=version_key)
    assert (galaxy_version(), project["version"]) == (latest, latest)


def test_the_five_platforms_release_covers_the_platforms_and_the_reconciler():
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    heading = f"## v{FIVE_PLATFORMS_RELEASE}".replace(".", "\\.")
    section = text.split(heading + "\n", 1)[1].split("\n## v", 1)[0]
    summary = releases_of(ROOT)[FIVE_PLATFORMS_RELEASE]["changes"]["release_summary"]
    assert [name for name in (*PLATFORMS, "reconciler") if name not in summary] == []
    for title in ("Release Summary", "Major Changes", "Minor Changes", "Breaking Changes / Porting Guide",
                  "Security Fixes", "Bugfixes", "Known Issues", "New Modules", "New Roles", "New Playbooks"):
        assert f"### {title}" in section, title


def test_the_five_platforms_release_lists_each_breaking_change():
    breaking = releases_of(ROOT)[FIVE_PLATFORMS_RELEASE]["changes"]["breaking_changes"]
    assert sorted(entry.split(" - ", 1)[0] for entry in breaking) == [
        "A number given for a string option is refused instead of converted to text, in modules and in "
        "desired-state files alike. Quote such values (for example ``name: \"2024\"``).",
        "connection options",
        # apply --plan takes the files again; a file reads only CONVERGE_* variables; inline secrets are refused;
        # the library API is two phases
        "reconciler", "reconciler", "reconciler", "reconciler",
        "vsd_snapshot_before_maintenance playbook", "zstack_info"]


def test_the_next_release_takes_every_fragment_without_a_word(released):
    left = [path.name for path in (released / "changelogs" / "fragments").iterdir() if not path.name.startswith(".")]
    assert left == []
    assert set(releases_of(released)) == {*releases_of(ROOT), next_version()}


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
