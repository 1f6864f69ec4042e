#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# DOCUMENTATION is written from the resource spec by tools/render_module_docs.py.

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: opendcp_cluster
short_description: Manage OpenDCP clusters
version_added: 0.2.0
description:
- 'An OpenDCP cluster: a product line''s group of services.'
- A cluster with services cannot be deleted.
- Idempotent; supports check mode and diff mode (diff shows only what changes). Also usable as the reconciler kind
  C(opendcp_cluster).
author:
- converge contributors (@converge)
options:
  name:
    description:
    - Name of the cluster; it identifies the cluster. OpenDCP allows two of the same name; converge refuses to guess
      between them. A changed name (with I(id)) is a replacement.
    type: str
    required: true
  desc:
    description:
    - Description of the cluster.
    type: str
  biz:
    description:
    - Product line of the cluster; C(1), the document's usual value, when a cluster is created without one.
    type: str
  id:
    description:
    - 'Id of an existing cluster. When given, the cluster is found by id instead of by name, and a different I(name)
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
- name: A cluster for the web product line
  converge.platforms.opendcp_cluster:
    url: http://127.0.0.1:18083
    name: web
    desc: Web services
    biz: "1"

- name: Delete the cluster (refused while it has services)
  converge.platforms.opendcp_cluster:
    name: web
    state: absent
"""

RETURN = r"""
action:
  description: C(noop), C(create), C(update), C(replace) or C(delete).
  returned: always
  type: str
cluster:
  description: The cluster after the run (predicted in check mode); null once deleted.
  returned: always
  type: dict
  sample: {id: 1, name: web, desc: Web services, biz: "1"}
"""

from ansible_collections.converge.platforms.plugins.module_utils.module import ConnectionSpec, run_spec_module
from ansible_collections.converge.platforms.plugins.module_utils.opendcp import (
    CONNECTION_ARGUMENT_SPEC,
    client_from_params,
)
from ansible_collections.converge.platforms.plugins.module_utils.resources.opendcp import ClusterSpec


def main():
    run_spec_module(ClusterSpec(), ConnectionSpec("opendcp", CONNECTION_ARGUMENT_SPEC, client_from_params))


if __name__ == "__main__":
    main()
