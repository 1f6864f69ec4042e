"""The locks of the test environments (tools/lock.py) stay inside the ranges they were made from."""

from __future__ import annotations

import tomllib

import pytest
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tools.lock import LOCKS, ROOT, install_arguments, lock_file


def pins(name: str, python: str) -> dict[str, str]:
    """{package: version} of a lock file, for the lines whose markers hold on Python `python`."""
    environment = dict(default_environment(), python_version=python, python_full_version=python + ".0")
    result = {}
    for line in lock_file(name).read_text(encoding="utf-8").splitlines():
        if not line or line[0] in "# ":
            continue
        requirement = Requirement(line)
        if requirement.marker is None or requirement.marker.evaluate(environment):
            (specifier,) = requirement.specifier
            assert specifier.operator == "==", line
            result[canonicalize_name(requirement.name)] = specifier.version
    return result


def declared(name: str) -> list[Requirement]:
    """The requirements an environment is made from: pyproject's dependencies and extra, or its own lines."""
    lines = LOCKS[name].requirements
    if lines[0].startswith(".["):
        project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
        lines = project["dependencies"] + project["optional-dependencies"][lines[0][2:-1]]
    return [Requirement(line) for line in lines]


@pytest.mark.parametrize("name", sorted(LOCKS))
def test_every_requirement_is_pinned_inside_its_range(name):
    python = LOCKS[name].python
    pinned = pins(name, python)
    for requirement in declared(name):
        version = pinned.get(canonicalize_name(requirement.name))
        assert version is not None, f"{lock_file(name).name} does not pin {requirement.name}: python -m tools.lock"
        assert requirement.specifier.contains(version, prereleases=True), (
            f"{lock_file(name).name} pins {requirement.name}=={version}, outside {requirement}: python -m tools.lock")


def test_the_test_lock_pins_the_whole_environment_not_only_the_direct_requirements():
    pinned = pins("test", "3.11")
    for indirect in ("cryptography", "packaging", "resolvelib", "jsonschema", "pluggy", "execnet"):
        assert indirect in pinned


def test_environments_install_with_their_lock_unless_the_newest_run_asks_for_none(monkeypatch):
    monkeypatch.delenv("CONVERGE_NEWEST", raising=False)
    assert install_arguments("galaxy-importer") == ["-c", str(lock_file("galaxy-importer")),
                                                    "galaxy-importer>=0.4.44,<0.5"]
    monkeypatch.setenv("CONVERGE_NEWEST", "1")
    assert install_arguments("galaxy-importer") == ["galaxy-importer>=0.4.44,<0.5"]


def test_the_readme_test_command_and_ci_install_with_the_lock():
    command = "pip install -c constraints/test.txt '.[test]'"
    assert command in (ROOT / "README.md").read_text(encoding="utf-8")
    assert command in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "constraints" not in (ROOT / ".ci" / "newest").read_text(encoding="utf-8").split("set -euo")[1]
