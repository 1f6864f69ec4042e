"""converge.platforms.opendcp inventory: pool nodes as hosts, through ansible-inventory."""

from __future__ import annotations

import json
import subprocess

import pytest
from ansible_collections.converge.platforms.plugins.module_utils.opendcp import OpenDcpClient

import emulators
from tests.support import BIN, ansible_env

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
