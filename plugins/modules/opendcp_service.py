#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# DOCUMENTATION is written from the resource spec by tools/render_module_docs.py.

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: opendcp_service
short_description: Manage OpenDCP services
version_added: 0.2.0
description:
- 'An OpenDCP service: a Docker image run in the pools of one cluster.'
- 'I(cluster) names the cluster, and the service is looked for in that cluster only (OpenDCP lists services per
  cluster). To move a service to another cluster, give its I(id): found by id, a different I(cluster) is an update.
  A service with pools cannot be deleted.'
- Idempotent; supports check mode and diff mode (diff shows only what changes). Also usable as the reconciler kind
  C(opendcp_service).
author:
- converge contributors (@converge)
options:
  name:
    description:
    - Name of the service; it identifies the service. OpenDCP allows two of the same name; converge refuses to guess
      between them. A changed name (with I(id)) is a replacement.
    type: str
    required: true
  cluster:
    description:
    - Name of the cluster the service belongs to. Required with C(state=present).
    type: str
  desc:
    description:
    - Description of the service.
    type: str
  service_type:
    description:
    - Type of the service, such as C(java) or C(php).
    type: str
  docker_image:
    description:
    - Docker image of the service, such as C(registry.example.invalid/web:1.0). Required with C(state=present).
    type: str
  id:
    description:
    - 'Id of an existing service. When given, the service is found by id instead of by name, and a different I(name)
      replaces it: OpenDCP cannot rename.'
    type: int
  state:
    description:
    - 'Desired state:'
    - 'C(present): the resource exists as described.'
    - 'C(absent): the resource does not exist.'
    type: str
    default: present
    choices:
    - present
    - absent
extends_documentation_fragment:
- converge.platforms.connection
- converge.platforms.opendcp
- converge.platforms.attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
"""

EXAMPLES = r"""
- name: A Java service in the web cluster
  converge.platforms.opendcp_service:
    url: http://127.0.0.1:18083
    name: frontend
    cluster: web
    service_type: java
    docker_image: registry.example.invalid/frontend:1.0
"""

RETURN = r"""
action:
  description: C(noop), C(create), C(update), C(replace) or C(delete).
  returned: always
  type: str
service:
  description: The service after the run (predicted in check mode); null once deleted. C(cluster) is the cluster's
    name, C(cluster_id) its id.
  returned: always
  type: dict
  sample: {id: 1, name: frontend, desc: "", service_type: java, docker_image: "registry.example.invalid/frontend:1.0",
           cluster_id: 1, cluster: web}
"""

from ansible_collections.converge.platforms.plugins.module_utils.module import ConnectionSpec, run_spec_module
from ansible_collections.converge.platforms.plugins.module_utils.opendcp import (
    CONNECTION_ARGUMENT_SPEC,
    client_from_params,
)
from ansible_collections.converge.platforms.plugins.module_utils.resources.opendcp import ServiceSpec


def main():
    run_spec_module(ServiceSpec(), ConnectionSpec("opendcp", CONNECTION_ARGUMENT_SPEC, client_from_params))


if __name__ == "__main__":
    main()
