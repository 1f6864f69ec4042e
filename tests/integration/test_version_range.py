"""The collection across its ansible-core range, each point in a virtual environment of its own.

For each point of the range (the latest 2.16 patch, the newest ansible-core that installs on this
Python, and the newest ansible-core of all on the oldest Python it installs on), a virtual environment
with that ansible-core and the libraries of requirements.txt (what the modules import, nothing of the
project's own) is made once by tests.support.cached_venv and reused afterwards. In it, the module_utils
import and validate a spec, the controller-side plugins import, and one playbook of modules of three
platforms, from the artifact installed with ansible-galaxy, runs twice against the emulators: changed,
then nothing to do.
"""

from __future__ import annotations

import json
import subprocess
import textwrap
from pathlib import Path

import pytest
import yaml

import emulators
from emulators.vsd.state import BUILTIN_CLUSTER, BUILTIN_RUNNING_VM
from tests.support import ROOT, build_artifact, cached_venv, platform_tags, venv_env
from tools.lock import LOCKS

pytestmark = pytest.mark.slow

#: the points of the range tested: the lines of tools.lock's environments of ansible-core and requirements.txt
RANGE = tuple(name.removeprefix("ansible-core-") for name in LOCKS if name.startswith("ansible-core-"))
VM = "a1d6f0bbd21f4b3c8e7a2b9c4d5e6f70"


@pytest.fixture(scope="session", params=sorted(RANGE))
def core(request) -> Path:
    """The virtual environment of one point of the range."""
    return cached_venv("ansible-core-" + request.param)


def run_in(venv: Path, args: list[str], cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run a program of the virtual environment."""
    return subprocess.run([str(venv / "bin" / args[0])] + args[1:], cwd=str(cwd), env=venv_env(venv, env),
                          capture_output=True, text=True, timeout=600, check=False)


SMOKE = textwrap.dedent("""\
    import json
    import ansible.release
    from ansible_collections.converge.platforms.plugins.module_utils import (
        migration_info, opendcp_info, osgview_info, vsd_info, zstack_info)
    from ansible_collections.converge.platforms.plugins.module_utils.resources import (
        migration, opendcp, osgview, vsd, zstack)
    from ansible_collections.converge.platforms.plugins.module_utils.spec import SpecError
    from ansible_collections.converge.platforms.plugins.module_utils.validate import check_options
    from ansible_collections.converge.platforms.plugins.action import reconcile
    from ansible_collections.converge.platforms.plugins.callback import step_results
    from ansible_collections.converge.platforms.plugins.filter import render_action
    from ansible_collections.converge.platforms.plugins.inventory import opendcp as opendcp_inventory

    spec = next(s for s in zstack.SPECS if s.kind == "zstack_user_tag")
    good = check_options(spec, {"resource_uuid": "%(vm)s", "resource_type": "VmInstanceVO", "tag": "tier::web"})
    try:
        check_options(spec, {"resource_uuid": "%(vm)s", "resource_type": "VmInstanceVO", "tag": ["a", "b"]})
    except SpecError as exc:
        bad = [exc.option, str(exc)]
    pool = next(s for s in opendcp.SPECS if s.kind == "opendcp_pool")
    ints = []
    for value in ("two", [1]):
        try:
            check_options(pool, {"name": "p", "vm_type": value})
        except SpecError as exc:
            ints.append(str(exc))
    print(json.dumps({"version": ansible.release.__version__, "good": good, "bad": bad, "ints": ints}))
    """) % {"vm": VM}


def test_module_utils_import_and_validate(core, tmp_path):
    """Every platform's module_utils and the controller plugins import; the one validator converts and refuses,
    in the same words on every version."""
    proc = run_in(core, ["python", "-c", SMOKE], tmp_path)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["version"].startswith(core.name.removeprefix("ansible-core-").split("-")[0] + ".")
    assert result["good"] == {"resource_uuid": VM, "resource_type": "VmInstanceVO", "tag": "tier::web",
                              "replaces": None}
    assert result["bad"] == ["tag", "tag: must be a string, got a list ['a', 'b']"]
    # ansible-core's own words for a text it cannot make an int of, the same on every version; a list is
    # refused before ansible-core sees it (it would read it as a Decimal tuple)
    assert result["ints"] == [
        "vm_type: argument 'vm_type' is of type str and we were unable to convert to int: \"'two'\" cannot be "
        "converted to an int",
        "vm_type: must be a number, got a list [1]"]


@pytest.fixture
def platforms():
    """ZStack, VSD and OpenDCP emulators for one test."""
    handles = {name: emulators.start(name, port=0) for name in ("zstack", "vsd", "opendcp")}
    yield handles
    for handle in handles.values():
        handle.stop()


def three_platform_play(platforms) -> list[dict]:
    """A ZStack user tag, a VSD snapshot and an OpenDCP cluster, each result registered and printed."""
    tasks = [
        {"name": "tag", "converge.platforms.zstack_user_tag": {
            "url": platforms["zstack"].url, "username": "admin", "password": "password",
            "resource_uuid": VM, "resource_type": "VmInstanceVO", "tag": "tier::web"}, "register": "tag"},
        {"name": "snapshot", "converge.platforms.vsd_snapshot": {
            "url": platforms["vsd"].url, "cluster_uuid": BUILTIN_CLUSTER, "compute_uuid": BUILTIN_RUNNING_VM,
            "name": "before-upgrade", "description": "upgrade"}, "register": "snapshot"},
        {"name": "cluster", "converge.platforms.opendcp_cluster": {
            "url": platforms["opendcp"].url, "operator": "deployer", "name": "web", "desc": "web services"},
         "register": "cluster"},
        {"name": "results", "ansible.builtin.debug": {"msg": "RESULTS={{ [tag, snapshot, cluster] | to_json }}"}},
    ]
    return [{"hosts": "localhost", "gather_facts": False, "connection": "local", "tasks": tasks}]


def results(proc: subprocess.CompletedProcess) -> list[dict]:
    """The three registered results the play printed."""
    assert proc.returncode == 0, proc.stdout + proc.stderr
    line = next(line for line in proc.stdout.splitlines() if '"msg": "RESULTS=' in line)
    return json.loads(json.loads("{" + line.strip() + "}")["msg"][len("RESULTS="):])


@pytest.fixture(scope="session")
def installed(core: Path, tmp_path_factory) -> Path:
    """The Galaxy artifact built and installed, with this ansible-core's ansible-galaxy, into an empty directory;
    once per point of the range."""
    tmp_path = tmp_path_factory.mktemp("artifact-" + core.name)
    artifact = build_artifact(tmp_path, venv_env(core), core / "bin" / "ansible-galaxy")
    collections = tmp_path / "collections"
    # the checkout linked as the collection must not be on the path, or ansible-galaxy finds it installed already
    install = run_in(core, ["ansible-galaxy", "collection", "install", "-p", str(collections), str(artifact)], tmp_path,
                     installed_env(collections, tmp_path))
    assert install.returncode == 0, install.stdout + install.stderr
    assert (collections / "ansible_collections" / "converge" / "platforms" / "MANIFEST.json").is_file(), install.stdout
    return collections


def installed_env(collections: Path, home: Path) -> dict[str, str]:
    """Only the installed artifact as the collection: no checkout on the collections path or on sys.path."""
    return {"ANSIBLE_COLLECTIONS_PATH": str(collections), "PYTHONPATH": "", "HOME": str(home)}


def test_modules_of_three_platforms_converge_then_change_nothing(core, installed, platforms, tmp_path):
    """From the artifact installed with ansible-galaxy, in an environment of ansible-core and requirements.txt
    only: the first run creates on each platform; the second finds each object as desired and writes nothing."""
    playbook = tmp_path / "play.yml"
    playbook.write_text(yaml.safe_dump(three_platform_play(platforms), sort_keys=False), encoding="utf-8")
    command = ["ansible-playbook", "-i", "localhost,", str(playbook)]
    env = installed_env(installed, tmp_path)
    first = results(run_in(core, command, tmp_path, env))
    assert [(r["changed"], r["action"]) for r in first] == [(True, "create")] * 3
    second = results(run_in(core, command, tmp_path, env))
    assert [(r["changed"], r["action"]) for r in second] == [(False, "noop")] * 3
    assert [t["tag"] for t in platform_tags(platforms["zstack"].state()["tags"])] == ["tier::web"]
    assert platforms["vsd"].state()["snapshots"][BUILTIN_RUNNING_VM]["before-upgrade"]["description"] == "upgrade"
    assert [(c["name"], c["desc"]) for c in platforms["opendcp"].state()["clusters"].values()] == [
        ("web", "web services")]


def test_requires_ansible_and_the_distribution_claim_the_range_tested_here():
    """meta/runtime.yml starts at the low end; pyproject.toml admits every line tested and none above them."""
    import tomllib

    from packaging.requirements import Requirement
    from packaging.specifiers import SpecifierSet

    declared = yaml.safe_load((ROOT / "meta" / "runtime.yml").read_text(encoding="utf-8"))["requires_ansible"]
    low, high = sorted(RANGE, key=lambda line: tuple(int(part) for part in line.split(".")))[::len(RANGE) - 1]
    assert declared == ">=%s.0" % low
    assert all(SpecifierSet(declared).contains("%s.0" % line) for line in (low, high))
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    (pin,) = [Requirement(item).specifier for item in project["dependencies"] if item.startswith("ansible-core")]
    major, minor = (int(part) for part in high.split("."))
    assert [pin.contains("%s.0" % line) for line in (low, high)] == [True, True]
    assert not pin.contains("%d.%d.0" % (major, minor + 1)) and not pin.contains("2.15.13")


def test_the_reconcile_action_without_the_reconciler_names_the_install_command(core, installed, tmp_path):
    """The artifact in an environment of ansible-core and requirements.txt only: no reconciler to import."""
    desired = tmp_path / "desired.yml"
    desired.write_text("version: 1\nresources: {}\n", encoding="utf-8")
    play = [{"hosts": "localhost", "gather_facts": False, "connection": "local",
             "tasks": [{"name": "reconcile", "converge.platforms.reconcile": {"files": [str(desired)]}}]}]
    playbook = tmp_path / "play.yml"
    playbook.write_text(yaml.safe_dump(play, sort_keys=False), encoding="utf-8")
    proc = run_in(core, ["ansible-playbook", "-i", "localhost,", str(playbook)], tmp_path,
                  installed_env(installed, tmp_path))
    output = proc.stdout + proc.stderr
    assert proc.returncode == 2, output
    assert "the reconciler is not installed on the controller: python -m pip install converge-platforms (" in output
    assert "Traceback" not in output and "dead state" not in output, output
