"""What `pip install -e .` gives a contributor: ansible-core finds the collection in the checkout itself.

A copy of the checkout is installed in editable mode into a virtual environment of its own, as a
contributor's `pip install -e .` builds it (pyproject.toml's build requirements, in an isolated build
environment, from the configured index). The dependencies are not installed again: the new environment
borrows this one's (ansible-core, requests...) through a .pth file, read after those of the editable
install.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import venv

import pytest

from tests.support import ROOT

pytestmark = pytest.mark.slow

MODULE = "plugins/modules/zstack_user_tag.py"


def checkout_copy(target) -> None:
    """The files git knows of (tracked and new, not ignored), copied to `target`."""
    out = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout
    for name in out.splitlines():
        if (ROOT / name).is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, target / name)


@pytest.fixture(scope="module")
def editable(tmp_path_factory):
    """(python of the new environment, the checkout copy it was installed from, its environment variables)."""
    base = tmp_path_factory.mktemp("editable")
    source, environment = base / "src", base / "venv"
    checkout_copy(source)
    venv.EnvBuilder(with_pip=False).create(environment)
    python = environment / "bin" / "python"
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    (environment / site).joinpath("zz-borrowed.pth").write_text(sysconfig.get_paths()["purelib"] + "\n",
                                                                  encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_") and k != "PYTHONPATH"}
    env.update(ANSIBLE_HOME=str(base / "ansible"), ANSIBLE_NOCOLOR="1", PIP_DISABLE_PIP_VERSION_CHECK="1")
    proc = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "-e",
                           str(source)],
                          capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return python, source, env


def ansible(editable, *args, cwd=None):
    python, _source, env = editable
    return subprocess.run([str(python), "-m", "ansible", *args], capture_output=True, text=True, env=env,
                          cwd=cwd, timeout=300)


def test_ansible_doc_reads_the_module_from_the_checkout_and_sees_an_edit_at_once(editable):
    _python, source, _env = editable
    proc = ansible(editable, "doc", "converge.platforms.zstack_user_tag")
    assert proc.returncode == 0, proc.stderr
    linked = source / "build" / "__editable__.collections" / "ansible_collections" / "converge" / "platforms"
    assert f"({linked / MODULE})" in proc.stdout
    assert linked.resolve() == source.resolve()

    module = source / MODULE
    text = module.read_text(encoding="utf-8")
    assert "short_description: Manage ZStack user tags" in text
    module.write_text(text.replace("short_description: Manage ZStack user tags",
                                   "short_description: Manage ZStack user tags, from the checkout"), encoding="utf-8")
    edited = ansible(editable, "doc", "--json", "converge.platforms.zstack_user_tag")
    assert edited.returncode == 0, edited.stderr
    documentation = json.loads(edited.stdout)["converge.platforms.zstack_user_tag"]["doc"]
    assert documentation["short_description"] == "Manage ZStack user tags, from the checkout"


def test_a_playbook_runs_a_module_of_the_editable_install(editable, zstack, tmp_path):
    python, _source, _env = editable
    playbook = tmp_path / "play.yml"
    playbook.write_text(f"""
- hosts: localhost
  gather_facts: false
  tasks:
    - converge.platforms.zstack_user_tag:
        url: {zstack.url}
        password: password
        resource_uuid: a1d6f0bbd21f4b3c8e7a2b9c4d5e6f70
        resource_type: VmInstanceVO
        tag: editable::yes
""", encoding="utf-8")
    cmd = ("playbook", "-i", "localhost,", "-c", "local", "-e", f"ansible_python_interpreter={python}", str(playbook))
    first, second = ansible(editable, *cmd, cwd=tmp_path), ansible(editable, *cmd, cwd=tmp_path)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "changed=1" in first.stdout and "changed=0" in second.stdout, second.stdout
    assert [t["tag"] for t in zstack.state()["tags"].values()] == ["editable::yes"]
