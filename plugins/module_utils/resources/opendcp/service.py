# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""OpenDCP services."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.converge.platforms.plugins.module_utils.opendcp import concurrently
from ansible_collections.converge.platforms.plugins.module_utils.opendcp_snapshot import get_or_none, list_services
from ansible_collections.converge.platforms.plugins.module_utils.opendcp_wire import names_by_id, service_facts
from ansible_collections.converge.platforms.plugins.module_utils.resources.by_id import crud_calls
from ansible_collections.converge.platforms.plugins.module_utils.resources.opendcp.base import (
    OpenDcpSpec,
    named_fields,
    require_named,
    require_present,
)
from ansible_collections.converge.platforms.plugins.module_utils.spec import Field


class ServiceSpec(OpenDcpSpec):
    """An OpenDCP service: a Docker image run in the pools of one cluster.

    I(cluster) names the cluster, and the service is looked for in that cluster only (OpenDCP lists services per
    cluster). To move a service to another cluster, give its I(id): found by id, a different I(cluster) is an
    update. A service with pools cannot be deleted.
    """

    kind = "opendcp_service"
    result_key = "service"
    description = "Manage OpenDCP services."
    get_call, create_call, update_call, delete_call = crud_calls("service")
    sent_fields = ("cluster", "desc", "service_type", "docker_image")
    fields = named_fields(
        "service",
        cluster=Field("str", "Name of the cluster the service belongs to. Required with C(state=present).",
                      reference="opendcp_cluster"),
        desc=Field("str", "Description of the service."),
        service_type=Field("str", "Type of the service, such as C(java) or C(php)."),
        docker_image=Field("str", "Docker image of the service, such as C(registry.example.invalid/web:1.0). "
                                  "Required with C(state=present)."))

    def check(self, desired):
        OpenDcpSpec.check(self, desired)
        require_present(desired, ("cluster", "docker_image"))

    def list_live(self, client, desired_list):
        """The services of the clusters the entries name, and those the entries give by id, read concurrently.

        OpenDCP lists services only per cluster: reading every cluster would cost one request per cluster.
        Only an entry without a cluster (a deletion by name) makes every cluster be read.
        """
        clusters = client.list_clusters()
        names = names_by_id(clusters)
        wanted = set(desired.get("cluster") for desired in desired_list if desired.get("id") is None)
        chosen = [c["id"] for c in clusters if None in wanted or c.get("name") in wanted]
        lives = [service_facts(item, names) for items in concurrently(client.list_cluster_services, chosen)
                 for item in items]
        known = set(live["id"] for live in lives)
        by_id_ids = sorted(set(d["id"] for d in desired_list if d.get("id") is not None) - known)
        for item in concurrently(lambda service_id: get_or_none(client.get_service, service_id), by_id_ids):
            if item is not None:
                lives.append(service_facts(item, names))
        return lives

    def read_all(self, client, within=None):
        """Every service of every cluster."""
        names = names_by_id(client.list_clusters())
        return [service_facts(item, names) for item in list_services(client)]

    def narrow(self, found, desired):
        within = [live for live in found if live.get("cluster") == desired.get("cluster")]
        return within or found

    def reread(self, client, object_id, desired=None):
        item = client.get_service(object_id)
        return service_facts(item, names_by_id(client.list_clusters()))

    def write_args(self, client, whole):
        cluster_id = require_named(client.list_clusters(), whole["cluster"], "cluster", "cluster")
        return (whole.get("desc") or "", whole.get("service_type") or "", whole["docker_image"], cluster_id)
