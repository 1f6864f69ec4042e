#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# DOCUMENTATION is written from the resource spec by tools/render_module_docs.py.

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: zstack_gc_job
short_description: Trigger or delete ZStack garbage-collection jobs
version_added: 0.1.0
description:
- 'A ZStack garbage-collection job: trigger it, or delete it.'
- 'C(state=present) leaves the job as it is (it must exist): what C(reconciler import) writes for a job, so that
  importing one triggers nothing.'
- Idempotent; supports check mode and diff mode (diff shows only what changes). Also usable as the reconciler kind
  C(zstack_gc_job).
author:
- converge contributors (@converge)
options:
  uuid:
    description:
    - UUID of the GC job. One of I(uuid) or I(name) is required.
    type: str
  name:
    description:
    - Name of the GC job, when I(uuid) is not given.
    type: str
  state:
    description:
    - 'Desired state:'
    - 'C(triggered): the GC job has run (a job whose status is C(Done) is left alone).'
    - 'C(present): the resource exists as described.'
    - 'C(absent): the resource does not exist.'
    type: str
    default: triggered
    choices:
    - triggered
    - present
    - absent
extends_documentation_fragment:
- converge.platforms.connection
- converge.platforms.zstack
- converge.platforms.attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
"""

EXAMPLES = r"""
- name: Run a garbage-collection job now
  converge.platforms.zstack_gc_job:
    url: http://127.0.0.1:18080
    password: "{{ zstack_password }}"
    name: gc-orphan-volumes
    state: triggered

- name: Drop a GC job
  converge.platforms.zstack_gc_job:
    uuid: 3a5d968dd8d743c280888a4973ea71d5
    state: absent
"""

RETURN = r"""
action:
  description: C(noop), C(trigger) or C(delete).
  returned: always
  type: str
gc_job:
  description: The GC job after the run; null once deleted.
  returned: always
  type: dict
  sample:
    uuid: 3a5d968dd8d743c280888a4973ea71d5
    name: gc-orphan-volumes
    status: Done
    type: TimeBased
"""


from ansible_collections.converge.platforms.plugins.module_utils.module import ConnectionSpec, run_spec_module
from ansible_collections.converge.platforms.plugins.module_utils.resources.zstack import GcJobSpec
from ansible_collections.converge.platforms.plugins.module_utils.zstack import (
    CONNECTION_ARGUMENT_SPEC,
    client_from_params,
)


def main():
    run_spec_module(GcJobSpec(), ConnectionSpec("zstack", CONNECTION_ARGUMENT_SPEC, client_from_params))


if __name__ == "__main__":
    main()
