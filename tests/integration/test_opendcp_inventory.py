"""converge.platforms.opendcp inventory: pool nodes as hosts, through ansible-inventory."""

from __future__ import annotations

import json
import re
import subprocess

import pytest
import yaml
from ansible_collections.converge.platforms.plugins.module_utils.opendcp import OpenDcpClient

import emulators
from tests.support import BIN, ansible_env, cached_venv, venv_env

pytestmark = pytest.mark.slow


@pytest.fixture
def opendcp():
    handle = emulators.start("opendcp", port=0)
    client = OpenDcpClient(handle.url)
    cluster = client.create_cluster("web", "web services", "1")
    service = client.create_service("front-end", "site", "java", "registry.example.invalid/fe:1", cluster)
    first = client.create_pool("fe-pool", "hosts", 1, 1, service)
    second = client.create_pool("batch", "batch hosts", 1, 1, service)
    client.add_pool_nodes(first, ["127.0.0.5", "127.0.0.6"])
    client.add_pool_nodes(second, ["127.0.0.7"])
    client.close()
    yield handle
    handle.stop()


def inventory(tmp_path, config: str) -> tuple[int, dict, str]:
    path = tmp_path / "opendcp.yml"
    path.write_text(config)
    proc = subprocess.run([str(BIN / "ansible-inventory"), "-i", str(path), "--list"], capture_output=True, text=True,
                          env=ansible_env({"ANSIBLE_INVENTORY_ENABLED": "converge.platforms.opendcp",
                                           "ANSIBLE_INVENTORY_UNPARSED_FAILED": "true"}))
    data = json.loads(proc.stdout, object_hook=_plain) if proc.returncode == 0 else {}
    return proc.returncode, data, proc.stderr


def _plain(obj: dict):
    """ansible-inventory marks values from inventory sources as unsafe: `{"__ansible_unsafe": value}`."""
    return obj["__ansible_unsafe"] if set(obj) == {"__ansible_unsafe"} else obj


def test_pool_nodes_become_hosts_grouped_by_pool_service_and_cluster(opendcp, tmp_path):
    rc, data, err = inventory(tmp_path, f"plugin: converge.platforms.opendcp\nurl: {opendcp.url}\n"
                                        "keyed_groups:\n  - key: opendcp_pool\n    prefix: by\n")
    assert rc == 0, err
    assert sorted(data["opendcp_pool_fe_pool"]["hosts"]) == ["127.0.0.5", "127.0.0.6"]
    assert data["opendcp_pool_batch"]["hosts"] == ["127.0.0.7"]
    assert sorted(data["opendcp_service_front_end"]["hosts"]) == ["127.0.0.5", "127.0.0.6", "127.0.0.7"]
    assert sorted(data["opendcp_cluster_web"]["hosts"]) == ["127.0.0.5", "127.0.0.6", "127.0.0.7"]
    assert data["by_batch"]["hosts"] == ["127.0.0.7"]
    hostvars = data["_meta"]["hostvars"]["127.0.0.5"]
    assert hostvars["ansible_host"] == "127.0.0.5" and hostvars["opendcp_pool"] == "fe-pool"
    assert hostvars["opendcp_service"] == "front-end" and hostvars["opendcp_cluster"] == "web"


def test_pools_option_limits_and_unknown_pool_is_an_error(opendcp, tmp_path):
    rc, data, err = inventory(tmp_path, f"plugin: converge.platforms.opendcp\nurl: {opendcp.url}\npools: [batch]\n")
    assert rc == 0, err
    assert sorted(data["_meta"]["hostvars"]) == ["127.0.0.7"]
    rc, _data, err = inventory(tmp_path, f"plugin: converge.platforms.opendcp\nurl: {opendcp.url}\npools: [nope]\n")
    assert rc != 0 and "no OpenDCP pool named nope" in err


# --- a hostile server: what it answers is data, never a template Ansible runs on the controller ----------------
def hostile(workdir, what: str) -> str:
    """A name or vm_id that, templated by Ansible, would create the file pwned-<what> in `workdir`."""
    return "{{ lookup('pipe', 'touch %s') }}" % (workdir / ("pwned-" + what))


@pytest.fixture
def hostile_opendcp(tmp_path):
    """An OpenDCP server whose cluster, service and pool names and nodes' vm_ids are templates, and one of whose
    two nodes has a template for an ip; returns the emulator and the directory the templates would write to."""
    workdir = tmp_path / "work"
    workdir.mkdir()
    handle = emulators.start("opendcp", port=0)
    client = OpenDcpClient(handle.url)
    cluster = client.create_cluster(hostile(workdir, "cluster"), "", "1")
    service = client.create_service(hostile(workdir, "service"), "", "java", "registry.example.invalid/fe:1", cluster)
    pool = client.create_pool(hostile(workdir, "pool"), "", 1, 1, service)
    client.add_pool_nodes(pool, ["127.0.0.5", "127.0.0.6"])
    client.close()
    with handle.app.lock:  # what a hostile server answers for its nodes
        for node in handle.app.state.nodes.values():
            node["vm_id"] = hostile(workdir, "vm_id")
            if node["ip"] == "127.0.0.6":
                node["ip"] = hostile(workdir, "ip")
    yield handle, workdir
    handle.stop()


@pytest.fixture(params=["ansible-core-2.16", "this environment"])
def controller(request):
    """The ansible-* programs and their environment: ansible-core 2.16's (cached_venv), or this one's."""
    extra = {"ANSIBLE_INVENTORY_ENABLED": "converge.platforms.opendcp", "ANSIBLE_INVENTORY_UNPARSED_FAILED": "true"}
    if request.param == "this environment":
        return BIN, ansible_env(extra)
    venv = cached_venv(request.param)
    return venv / "bin", venv_env(venv, extra)


def safe_group(name: str) -> str:
    """An inventory group name as ansible-core makes it safe: every character but a word character an underscore."""
    return re.sub(r"\W", "_", name)


def test_what_a_hostile_server_answers_is_printed_as_text_and_runs_nothing(hostile_opendcp, controller):
    """The ad-hoc command of the report prints the vm_id as it is; a play sees every variable, group name and
    composed variable as the server's text; the node whose ip is no IP address is left out with a warning."""
    handle, workdir = hostile_opendcp
    bin_dir, env = controller
    source = workdir.parent / "x.opendcp.yml"
    source.write_text(f"plugin: converge.platforms.opendcp\nurl: {handle.url}\n"
                      "compose:\n  from_server: opendcp_pool ~ '/' ~ opendcp_vm_id\n"
                      "keyed_groups:\n  - key: opendcp_vm_id\n    prefix: vm\n", encoding="utf-8")
    adhoc = subprocess.run([str(bin_dir / "ansible"), "all", "-i", str(source), "-m", "debug", "-a",
                            "msg={{ opendcp_vm_id }}"], capture_output=True, text=True, env=env, cwd=str(workdir),
                           timeout=300)
    assert adhoc.returncode == 0, adhoc.stdout + adhoc.stderr
    assert '"msg": "%s"' % hostile(workdir, "vm_id") in adhoc.stdout, adhoc.stdout
    play = [{"hosts": "all", "gather_facts": False, "tasks": [{"ansible.builtin.debug": {
        "msg": "VARS={{ [inventory_hostname, opendcp_vm_id, opendcp_pool, opendcp_service, opendcp_cluster, "
               "group_names | sort, from_server] | to_json }}"}}]}]
    playbook = workdir.parent / "play.yml"
    playbook.write_text(yaml.safe_dump(play), encoding="utf-8")
    proc = subprocess.run([str(bin_dir / "ansible-playbook"), "-i", str(source), str(playbook)], capture_output=True,
                          text=True, env=env, cwd=str(workdir), timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    printed = [json.loads(json.loads("{" + line.strip() + "}")["msg"][len("VARS="):])
               for line in proc.stdout.splitlines() if '"msg": "VARS=' in line]
    names = {what: hostile(workdir, what) for what in ("vm_id", "pool", "service", "cluster")}
    assert printed == [["127.0.0.5", names["vm_id"], names["pool"], names["service"], names["cluster"],
                        sorted(["opendcp_cluster_" + safe_group(names["cluster"]),
                                "opendcp_pool_" + safe_group(names["pool"]),
                                "opendcp_service_" + safe_group(names["service"]), "vm_" + safe_group(names["vm_id"])]),
                        names["pool"] + "/" + names["vm_id"]]], proc.stdout
    assert "is not an IP address: left out" in " ".join(proc.stderr.split()), proc.stderr
    assert list(workdir.iterdir()) == [], "the server's text ran on the controller"
