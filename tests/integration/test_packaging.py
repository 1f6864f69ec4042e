"""What `pip install .` and `ansible-galaxy collection build` give a user."""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import zipfile

import pytest
import yaml

from tests.support import BIN, ROOT, build_artifact

pytestmark = pytest.mark.slow


def installed_env(tmp_path) -> dict[str, str]:
    """The environment of a user: no checkout on any path, the collection only from site-packages."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_") and k != "PYTHONPATH"}
    env.update(HOME=str(tmp_path), PATH=str(BIN) + os.pathsep + env.get("PATH", ""), ANSIBLE_NOCOLOR="1")
    return env


def test_ansible_doc_finds_the_installed_collection(tmp_path):
    proc = subprocess.run([str(BIN / "ansible-doc"), "converge.platforms.zstack_system_tag"], cwd=tmp_path,
                          env=installed_env(tmp_path), capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "site-packages/ansible_collections/converge/platforms" in proc.stdout
    assert "resource_uuid" in proc.stdout and "ZSTACK_PASSWORD" in proc.stdout


def test_installed_collection_runs_a_playbook_with_module_defaults(tmp_path, zstack):
    playbook = tmp_path / "play.yml"
    playbook.write_text(f"""
- hosts: localhost
  gather_facts: false
  module_defaults:
    group/converge.platforms.zstack:
      url: {zstack.url}
      password: password
  tasks:
    - converge.platforms.zstack_user_tag:
        resource_uuid: a1d6f0bbd21f4b3c8e7a2b9c4d5e6f70
        resource_type: VmInstanceVO
        tag: installed::yes
""")
    env = installed_env(tmp_path)
    env["ANSIBLE_PYTHON_INTERPRETER"] = sys.executable
    proc = subprocess.run([str(BIN / "ansible-playbook"), "-i", "localhost,", "-c", "local", str(playbook)],
                          cwd=tmp_path, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "changed=1" in proc.stdout
    assert [t["tag"] for t in zstack.state()["tags"].values()] == ["installed::yes"]


def test_galaxy_build_holds_the_collection_only(tmp_path):
    artifact = build_artifact(tmp_path, installed_env(tmp_path))
    galaxy = yaml.safe_load((ROOT / "galaxy.yml").read_text(encoding="utf-8"))
    assert artifact.name == f"converge-platforms-{galaxy['version']}.tar.gz"
    with tarfile.open(artifact) as tar:
        names = set(tar.getnames())
    assert {"MANIFEST.json", "meta/runtime.yml", "plugins/modules/zstack_system_tag.py",
            "plugins/module_utils/zstack.py", "plugins/doc_fragments/zstack.py"} <= names
    files = _files(artifact)
    allowed = ("MANIFEST.json", "FILES.json", "README.md", "CHANGELOG.md", "CONTRIBUTING.md", "requirements.txt",
               "bindep.txt", "meta/", "plugins/", "roles/",
               "playbooks/", "docs/", "examples/", "changelogs/", "tests/integration/targets/",
               "extensions/eda/")
    strays = [name for name in files if not name.startswith(allowed)
              and not (name.startswith("tests/sanity/ignore-") and name.endswith(".txt"))]
    assert strays == []
    assert not any("__pycache__" in name or name.endswith(".pyc") for name in files)


def test_the_execution_environment_needs_what_pyproject_declares():
    import tomllib

    import yaml

    environment = yaml.safe_load((ROOT / "meta" / "execution-environment.yml").read_text(encoding="utf-8"))
    assert environment["dependencies"] == {"python": "requirements.txt", "system": "bindep.txt"}
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    wanted = [line for line in (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines()
              if line and not line.startswith("#")]
    assert wanted and set(wanted) <= set(declared)


def _files(artifact) -> list[str]:
    """The regular files of a collection tarball."""
    with tarfile.open(artifact) as tar:
        return [member.name for member in tar.getmembers() if member.isfile()]


def test_emulator_cli_prints_its_address_when_ready():
    proc = subprocess.Popen([str(BIN / "converge-emulator"), "--platform", "zstack", "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline().strip()
        name, url = line.split(" ")
        assert name == "zstack" and url.startswith("http://127.0.0.1:")
        import requests

        assert requests.get(url + "/_emulator/state", timeout=5).json()["nodes"]
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    assert proc.returncode == 0


def test_emulator_cli_rejects_a_bad_fault_rate():
    proc = subprocess.run([str(BIN / "converge-emulator"), "--platform", "zstack", "--fault-rate", "1.5"],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert "--fault-rate" in proc.stderr and "Traceback" not in proc.stderr


def test_emulator_cli_all_starts_every_platform_on_its_default_port(tmp_path):
    import requests

    import emulators

    proc = subprocess.Popen([str(BIN / "converge-emulator"), "--platform", "all", "--state",
                             str(tmp_path / "state.json")], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        lines = dict(proc.stdout.readline().strip().split(" ") for _ in emulators.PLATFORMS)
        assert lines == {name: f"http://127.0.0.1:{port}" for name, (_m, _c, port) in emulators.PLATFORMS.items()}
        for url in lines.values():
            assert requests.get(url + "/_emulator/state", timeout=5).status_code == 200
        requests.post(lines["zstack"] + "/_emulator/reset", timeout=5)
        assert (tmp_path / "state.zstack.json").exists()
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_the_wheel_holds_every_package_of_the_checkout(tmp_path):
    """`pip install .` installs every package the code imports: a new subpackage is found, not listed."""
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q",
                            "-w", str(tmp_path), str(ROOT)], capture_output=True, text=True, timeout=600)
    assert built.returncode == 0, built.stderr
    (wheel,) = tmp_path.glob("converge_platforms-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        packaged = {name.rsplit("/", 1)[0] for name in archive.namelist() if name.endswith("/__init__.py")}
    expected = {path.parent.relative_to(ROOT).as_posix() for top in ("reconciler", "emulators")
                for path in (ROOT / top).rglob("__init__.py")}
    expected |= {"ansible_collections/converge/platforms/" + path.parent.relative_to(ROOT).as_posix()
                 for path in (ROOT / "plugins").rglob("__init__.py")}
    assert "reconciler/desired" in expected
    assert sorted(expected - packaged) == []
