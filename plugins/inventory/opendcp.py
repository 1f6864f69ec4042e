# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: opendcp
short_description: OpenDCP pool nodes as Ansible hosts
version_added: 0.2.0
description:
  - Reads every pool of an OpenDCP server (or the pools named in I(pools)) and their nodes, and makes each node a
    host named by its IP, in the groups C(opendcp_pool_<pool>), C(opendcp_service_<service>) and
    C(opendcp_cluster_<cluster>) (names made safe for Ansible).
  - Each host has C(ansible_host) and the variables C(opendcp_pool), C(opendcp_pool_id), C(opendcp_service),
    C(opendcp_cluster), C(opendcp_node_id), C(opendcp_node_status) and C(opendcp_vm_id).
  - What the server answers is data, never a template. Every variable is marked unsafe, so Ansible never templates
    it (a vm_id that is a Jinja2 expression is printed as it is, on every ansible-core version); group
    names keep only letters, digits and underscores; a node whose ip is not an IP address is left out with a
    warning.
  - Pools are read through the paged list endpoints and the nodes of the pools concurrently.
  - The inventory file's name must end with C(opendcp.yml) or C(opendcp.yaml).
author:
  - converge contributors (@converge)
extends_documentation_fragment:
  - constructed
options:
  plugin:
    description: The name of this plugin.
    type: str
    required: true
    choices: [converge.platforms.opendcp]
  url:
    description: Base URL of the OpenDCP server, such as C(http://127.0.0.1:18083).
    type: str
    required: true
    env:
      - name: OPENDCP_URL
  operator:
    description: Name sent as the C(Authorization) header (OpenDCP records it as the operator).
    type: str
    env:
      - name: OPENDCP_OPERATOR
  validate_certs:
    description: Whether to verify the TLS certificate of an C(https) URL.
    type: bool
    default: true
    env:
      - name: OPENDCP_VALIDATE_CERTS
  timeout:
    description: Seconds one HTTP call may take in all (connecting, sending and reading the whole answer).
    type: int
    default: 30
  pools:
    description: Names of the pools to read; all pools when empty.
    type: list
    elements: str
    default: []
  include_failed:
    description: Also make hosts of nodes whose status is failed (OpenDCP status 3).
    type: bool
    default: false
requirements:
  - requests
"""

EXAMPLES = r"""
# inventory/opendcp.yml
plugin: converge.platforms.opendcp
url: http://127.0.0.1:18083
pools: [frontend-pool]
keyed_groups:
  - key: opendcp_node_status
    prefix: status

# then: ansible -i inventory/opendcp.yml opendcp_pool_frontend_pool -m ansible.builtin.ping
"""

import ipaddress
from concurrent.futures import ThreadPoolExecutor

from ansible.errors import AnsibleParserError
from ansible.plugins.inventory import BaseInventoryPlugin, Constructable
from ansible.utils.display import Display
from ansible.utils.unsafe_proxy import wrap_var
from ansible_collections.converge.platforms.plugins.module_utils.http import ApiError
from ansible_collections.converge.platforms.plugins.module_utils.opendcp import OpenDcpClient

NODE_FAILED = 3

display = Display()


def ip_address(text):
    """`text` when it is an IPv4 or IPv6 address, else None: a host name comes from the server, so only an
    address, which holds no template, is taken as one."""
    try:
        return str(ipaddress.ip_address(text)) if isinstance(text, str) else None
    except ValueError:
        return None


class InventoryModule(BaseInventoryPlugin, Constructable):
    """OpenDCP pool nodes as hosts, grouped by pool, service and cluster."""

    NAME = "converge.platforms.opendcp"

    def verify_file(self, path):
        return super(InventoryModule, self).verify_file(path) and path.endswith(("opendcp.yml", "opendcp.yaml"))

    def parse(self, inventory, loader, path, cache=True):
        super(InventoryModule, self).parse(inventory, loader, path, cache)
        self._read_config_data(path)
        try:
            client = OpenDcpClient(self.get_option("url"), operator=self.get_option("operator"),
                                   timeout=self.get_option("timeout"),
                                   validate_certs=self.get_option("validate_certs"))
        except ValueError as exc:
            raise AnsibleParserError("%s: %s" % (path, exc))
        try:
            self._populate(client)
        except ApiError as exc:
            raise AnsibleParserError("%s: reading OpenDCP failed: %s" % (path, exc))
        finally:
            client.close()

    def _populate(self, client):
        wanted = set(self.get_option("pools") or [])
        pools = [p for p in client.list_pools() if not wanted or p.get("name") in wanted]
        missing = wanted - set(p.get("name") for p in pools)
        if missing:
            raise AnsibleParserError("no OpenDCP pool named %s" % ", ".join(sorted(missing)))
        services, clusters = self._owners(client, pools)
        with ThreadPoolExecutor(max_workers=min(8, len(pools) or 1)) as pool_reader:
            nodes = list(pool_reader.map(lambda p: client.list_pool_nodes(p["id"]), pools))
        for pool, pool_nodes in zip(pools, nodes, strict=True):
            service = services.get(pool.get("service_id"), {})
            cluster = clusters.get(service.get("cluster_id"), {})
            for node in pool_nodes:
                if node.get("status") == NODE_FAILED and not self.get_option("include_failed"):
                    continue
                self._add_host(node, pool, service, cluster)

    @staticmethod
    def _owners(client, pools):
        """Services by id and clusters by id, read only for the services the pools belong to."""
        clusters = dict((c["id"], c) for c in client.list_clusters())
        services = {}
        for cluster_id in clusters:
            for service in client.list_cluster_services(cluster_id):
                services[service["id"]] = service
        return services, clusters

    def _add_host(self, node, pool, service, cluster):
        """The node as a host named by its IP; every value from the server wrapped unsafe (never templated)."""
        host = ip_address(node.get("ip"))
        if host is None:
            display.warning("OpenDCP node %s of pool %r has the ip %r, which is not an IP address: left out" % (
                node.get("id"), pool.get("name"), node.get("ip")))
            return
        self.inventory.add_host(host)
        facts = wrap_var({
            "ansible_host": host,
            "opendcp_pool": pool.get("name"),
            "opendcp_pool_id": pool.get("id"),
            "opendcp_service": service.get("name"),
            "opendcp_cluster": cluster.get("name"),
            "opendcp_node_id": node.get("id"),
            "opendcp_node_status": node.get("status"),
            "opendcp_vm_id": node.get("vm_id") or "",
        })
        for key, value in facts.items():
            self.inventory.set_variable(host, key, value)
        for prefix, name in (("pool", pool.get("name")), ("service", service.get("name")),
                             ("cluster", cluster.get("name"))):
            if name:
                group = self.inventory.add_group(self._sanitize_group_name("opendcp_%s_%s" % (prefix, name)))
                self.inventory.add_child(group, host)
        strict = self.get_option("strict")
        self._set_composite_vars(self.get_option("compose"), facts, host, strict=strict)
        self._add_host_to_composed_groups(self.get_option("groups"), facts, host, strict=strict)
        self._add_host_to_keyed_groups(self.get_option("keyed_groups"), facts, host, strict=strict)
