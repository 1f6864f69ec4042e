#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# DOCUMENTATION is written from the resource spec by tools/render_module_docs.py.

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: migration_cloud_connection
short_description: Manage the cloud connections of the migration platform
version_added: 0.2.0
description:
- A connection to the target cloud (OpenStack, Huayun, CloudUltra 4, ArcherOS 2020), identified by its name.
- The platform adds the connection without contacting the cloud; I(verify=true) checks the credentials with C(VerifyCloudConnection)
  first. I(cloud_password) is compared with the one the platform holds (it returns it base64-encoded), and is never
  shown. I(cloud_type) and I(owner_id) cannot change once the connection exists. The platform refuses to delete
  a connection while a transport server uses it.
- Idempotent; supports check mode and diff mode (diff shows only what changes). Also usable as the reconciler kind
  C(migration_cloud_connection).
author:
- converge contributors (@converge)
options:
  name:
    description:
    - Name of the connection (2 to 20 letters, digits, CJK characters, C(_) or C(-)); it identifies the connection.
    type: str
    required: true
  cloud_type:
    description:
    - Type of the cloud. Required to add the connection.
    type: str
    choices:
    - Openstack
    - Huayun
    - CloudUltra 4
    - ArcherOS 2020
  project_name:
    description:
    - Project (tenant) to migrate into; C(None) for clouds with AK/SK authentication; the project name of CloudUltra
      4.
    type: str
  cloud_user:
    description:
    - Keystone user name, or the access key.
    type: str
  cloud_password:
    description:
    - Keystone password, or the secret key.
    type: str
  identity_port:
    description:
    - Port of the Keystone identity service (the platform's default is 5000).
    type: int
  address:
    description:
    - Address or domain name of the cloud's identity service, or the CloudUltra 4 API address. Required to add the
      connection.
    type: str
  owner_id:
    description:
    - Project id (CloudUltra 4); set when the connection is added.
    type: str
  environment_id:
    description:
    - Cloud environment id (CloudUltra 4).
    type: str
  zone_id:
    description:
    - Data center id (CloudUltra 4).
    type: str
  zone_name:
    description:
    - Data center name (CloudUltra 4).
    type: str
  region_id:
    description:
    - Region id (Huayun public cloud).
    type: str
  region_name:
    description:
    - Region name (Huayun public cloud).
    type: str
  verify:
    description:
    - Check the cloud's address and credentials with C(VerifyCloudConnection) before adding or changing the connection.
    type: bool
    default: false
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
- converge.platforms.migration
- converge.platforms.attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
"""

EXAMPLES = r"""
- name: Connect the platform to an OpenStack cloud
  converge.platforms.migration_cloud_connection:
    url: https://migration.example.invalid
    password: "{{ migration_password }}"
    name: openstack-prod
    cloud_type: Openstack
    project_name: migration
    cloud_user: admin
    cloud_password: "{{ vault_openstack_password }}"
    identity_port: 5000
    address: keystone.example.invalid
    verify: true

- name: Remove the connection (refused while a transport server uses it)
  converge.platforms.migration_cloud_connection:
    name: openstack-prod
    state: absent
"""

RETURN = r"""
action:
  description: C(noop), C(create), C(update) or C(delete).
  returned: always
  type: str
note:
  description: Why a change is planned the way it is, when that needs saying.
  returned: when there is one
  type: str
cloud_connection:
  description: The connection after the run (predicted in check mode); null once deleted. The password is masked.
  returned: always
  type: dict
  sample:
    id: ad106d0c2be84a33be3c27fe504c2c86
    name: openstack-prod
    cloud_type: Openstack
    project_name: migration
    cloud_user: admin
    cloud_password: (sensitive value)
    identity_port: 5000
    address: keystone.example.invalid
    created_time: "2026-01-20 13:34:01"
"""

from ansible_collections.converge.platforms.plugins.module_utils.migration import (
    CONNECTION_ARGUMENT_SPEC,
    client_from_params,
)
from ansible_collections.converge.platforms.plugins.module_utils.module import ConnectionSpec, run_spec_module
from ansible_collections.converge.platforms.plugins.module_utils.resources.migration import CloudConnectionSpec


def main():
    run_spec_module(CloudConnectionSpec(), ConnectionSpec("migration", CONNECTION_ARGUMENT_SPEC, client_from_params))


if __name__ == "__main__":
    main()
