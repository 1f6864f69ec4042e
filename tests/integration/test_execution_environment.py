"""The execution environment: ansible-builder's build context, and what it finds in the installed collection.

`ansible-builder create` writes the context a container engine would build (nothing is pulled or built
here); `ansible-builder introspect` is the step of that build that collects the Python and system
requirements of every collection it installed.
"""

from __future__ import annotations

import os
import re
import subprocess
import tomllib

import pytest
import yaml

from tests.support import BIN, ROOT, build_artifact

pytestmark = pytest.mark.slow

DEFINITION = ROOT / "examples" / "runner" / "execution-environment.yml"


def pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def pin(requirements: list[str], name: str) -> str:
    """The requirement of `name` in a list of requirement strings."""
    [found] = [r for r in requirements if re.split(r"[<>=!~\[ ]", r, maxsplit=1)[0] == name]
    return found


def requirement_lines(path) -> list[str]:
    """The requirements of a pip or bindep file: neither comments nor blank lines."""
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.lstrip().startswith("#")]


def clean_env(tmp_path) -> dict[str, str]:
    """No ANSIBLE_* settings of the caller, no checkout on the path, and no collection from site-packages."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_") and k != "PYTHONPATH"}
    env.update(HOME=str(tmp_path), PATH=str(BIN) + os.pathsep + env.get("PATH", ""), ANSIBLE_NOCOLOR="1",
               ANSIBLE_COLLECTIONS_SCAN_SYS_PATH="false")
    return env


def test_the_definition_is_schema_3_and_pins_what_this_checkout_declares():
    definition = yaml.safe_load(DEFINITION.read_text(encoding="utf-8"))
    project = pyproject()["project"]
    galaxy = yaml.safe_load((ROOT / "galaxy.yml").read_text(encoding="utf-8"))
    dependencies = definition["dependencies"]
    assert definition["version"] == 3
    assert definition["images"]["base_image"]["name"].endswith("ee-minimal:latest")
    assert dependencies["ansible_core"]["package_pip"] == pin(project["dependencies"], "ansible-core")
    assert dependencies["ansible_runner"]["package_pip"] == pin(project["optional-dependencies"]["test"],
                                                                 "ansible-runner")
    assert dependencies["galaxy"] == {"collections": [{"name": "converge.platforms", "version": galaxy["version"]}]}
    assert dependencies["python"] == [f"{project['name']}=={project['version']}"]


def test_create_writes_the_build_context_without_a_container_engine(tmp_path):
    context = tmp_path / "context"
    proc = subprocess.run([str(BIN / "ansible-builder"), "create", "-f", str(DEFINITION), "-c", str(context),
                           "--output-filename", "Containerfile"], capture_output=True, text=True,
                          env=clean_env(tmp_path), cwd=tmp_path, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    containerfile = (context / "Containerfile").read_text(encoding="utf-8")
    assert 'ARG EE_BASE_IMAGE="ghcr.io/ansible-community/community-ee-minimal:latest"' in containerfile
    assert 'ARG ANSIBLE_INSTALL_REFS="ansible-core>=2.16,<2.22 ansible-runner>=2.4,<3"' in containerfile
    assert 'ARG PKGMGR="/usr/bin/microdnf"' in containerfile
    assert "ansible-galaxy collection install $ANSIBLE_GALAXY_CLI_COLLECTION_OPTS -r requirements.yml" in containerfile
    # the build collects the installed collections' own requirements (below) with the definition's
    assert "introspect.py introspect --user-pip=requirements.txt" in containerfile
    collections = yaml.safe_load((context / "_build" / "requirements.yml").read_text(encoding="utf-8"))
    version = pyproject()["project"]["version"]
    assert collections == {"collections": [{"name": "converge.platforms", "version": version}]}
    assert requirement_lines(context / "_build" / "requirements.txt") == [f"converge-platforms=={version}"]
    assert (context / "_build" / "scripts" / "introspect.py").is_file()


def test_introspect_finds_the_requirements_of_the_installed_collection(tmp_path):
    env = clean_env(tmp_path)
    artifact = build_artifact(tmp_path, env)
    galaxy = yaml.safe_load((ROOT / "galaxy.yml").read_text(encoding="utf-8"))
    assert artifact.name == f"converge-platforms-{galaxy['version']}.tar.gz"
    collections = tmp_path / "collections"
    install = subprocess.run([str(BIN / "ansible-galaxy"), "collection", "install", "-p", str(collections),
                              str(artifact)],
                             capture_output=True, text=True, env=env, timeout=120)
    assert install.returncode == 0, install.stderr
    installed = collections / "ansible_collections" / "converge" / "platforms"
    assert (installed / "requirements.txt").is_file() and (installed / "bindep.txt").is_file()

    pip, bindep = tmp_path / "pip.txt", tmp_path / "bindep.txt"
    proc = subprocess.run([str(BIN / "ansible-builder"), "introspect", "--sanitize", str(collections),
                           "--write-pip", str(pip), "--write-bindep", str(bindep)],
                          capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    found = yaml.safe_load(proc.stdout)
    wanted = requirement_lines(ROOT / "requirements.txt")
    assert {"requests", "urllib3", "jinja2", "deepdiff"} <= {re.split(r"[<>=!~ ]", line)[0] for line in wanted}
    assert found == {"python": [f"{line}  # from collection converge.platforms" for line in wanted], "system": []}
    assert [line.split("  #")[0] for line in requirement_lines(pip)] == wanted
    # the collection needs no system package: bindep.txt is there, and lists none
    assert requirement_lines(ROOT / "bindep.txt") == [] and not bindep.exists()
