#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# DOCUMENTATION is written from the resource spec by tools/render_module_docs.py.

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: zstack_long_job
short_description: Submit, cancel and delete ZStack long jobs
version_added: 0.1.0
description:
- A ZStack long job, identified by its name.
- 'In check mode, C(state=cancelled) on a job that does not exist yet predicts the cancel instead of failing: an
  earlier task of the play (in check mode, submitting nothing) may be the one that submits it, and ZStack would
  then show that job Running and cancel it.'
- Idempotent; supports check mode and diff mode (diff shows only what changes). Also usable as the reconciler kind
  C(zstack_long_job).
author:
- converge contributors (@converge)
options:
  name:
    description:
    - Name of the long job; it identifies the job, so give each job its own name.
    type: str
    required: true
  job_name:
    description:
    - ZStack message the job runs, such as C(APIPrimaryStorageMigrateVolumeMsg). Required to submit.
    type: str
  job_data:
    description:
    - 'Parameters of the job: a mapping (sent as JSON) or a JSON string. Required to submit.'
    type: raw
  description:
    description:
    - Description of the long job.
    type: str
  target_resource_uuid:
    description:
    - UUID of the resource the job works on.
    type: str
  state:
    description:
    - 'Desired state:'
    - 'C(submitted): a long job of this name exists; it is submitted when none does.'
    - 'C(cancelled): the long job is not running; a running one is cancelled.'
    - 'C(absent): the resource does not exist.'
    type: str
    default: submitted
    choices:
    - submitted
    - cancelled
    - absent
  wait:
    description:
    - Wait until the object has finished its work.
    type: bool
    default: true
  wait_timeout:
    description:
    - How long to wait, in seconds.
    type: int
    default: 600
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
- name: Migrate a volume as a long job and wait for it
  converge.platforms.zstack_long_job:
    url: http://127.0.0.1:18080
    password: "{{ zstack_password }}"
    name: migrate-db-volume
    job_name: APIPrimaryStorageMigrateVolumeMsg
    job_data:
      volumeUuid: 45a53d3d93384433add8ead7616586cf
      dstPrimaryStorageUuid: 70a0618804864b3dabe8be9824c8028c
    target_resource_uuid: 45a53d3d93384433add8ead7616586cf
    wait_timeout: 3600

- name: Cancel it
  converge.platforms.zstack_long_job:
    name: migrate-db-volume
    state: cancelled

- name: Delete its record (a running job is cancelled first)
  converge.platforms.zstack_long_job:
    name: migrate-db-volume
    state: absent
"""

RETURN = r"""
action:
  description: C(noop), C(submit), C(cancel) or C(delete).
  returned: always
  type: str
long_job:
  description: The long job after the run; null once deleted.
  returned: always
  type: dict
  sample:
    uuid: 23598186b9ef35aa89fbebf8f04d497a
    name: migrate-db-volume
    job_name: APIPrimaryStorageMigrateVolumeMsg
    state: Succeeded
"""

from ansible.module_utils.basic import _load_params
from ansible_collections.converge.platforms.plugins.module_utils.module import ConnectionSpec, run_spec_module
from ansible_collections.converge.platforms.plugins.module_utils.resources.zstack import LongJobSpec
from ansible_collections.converge.platforms.plugins.module_utils.zstack import (
    CONNECTION_ARGUMENT_SPEC,
    client_from_params,
)


def check_mode_requested():
    """Whether the task runs in check mode, read before the module is built so that the spec can plan for it."""
    try:
        return bool((_load_params() or {}).get("_ansible_check_mode"))
    except Exception:  # parameters not from a controller (a test harness): a real run
        return False


def main():
    """Bring one long job to its state; in check mode a cancel of a job not yet submitted is predicted."""
    run_spec_module(LongJobSpec(check_mode=check_mode_requested()),
                    ConnectionSpec("zstack", CONNECTION_ARGUMENT_SPEC, client_from_params))


if __name__ == "__main__":
    main()
