#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# The work is done on the controller by the action plugin of the same name (plugins/action/reconcile.py).

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: reconcile
short_description: Plan and apply converge desired-state files from a playbook
version_added: 0.2.0
description:
  - "Runs the converge reconciler on the controller, as C(reconciler apply) does from a shell: validates the
    files (every problem as C(file:line: reason)), reads live state, plans, and applies the plan."
  - In check mode the plan is made and returned, and nothing is applied; C(changed) tells whether apply would
    change anything. In diff mode each pending change is a diff holding only the fields that change.
  - An entry that cannot be planned (a refusal that needs a person, such as an OSG view clone whose answer was
    lost, or a read that failed after its retries) is C(blocked) with its reason and remedy, and the changes that
    wait for it are skipped; every other change is applied, and the task fails naming the blocked entries.
  - "Secrets in the files are written as C({env: CONVERGE_NAME}) or C({file: PATH}) and never returned; a
    desired-state file reads only C(CONVERGE_*) variables (and those C(CONVERGE_SECRET_ENV) lists) and files
    inside its directory (or those C(CONVERGE_SECRET_DIRS) lists), and a secret written inline is refused
    unless the files set C(settings.inline_secrets: true)."
author:
  - converge contributors (@converge)
options:
  files:
    description:
      - Desired-state files, relative to the playbook or role; with I(plan), the files the plan was made from.
    required: true
    type: list
    elements: path
  plan:
    description:
      - A plan saved by C(reconciler plan --out) or by I(out), applied to I(files), which must be the files it was
        made from. It is applied only if neither those files nor the live state moved since it was made; otherwise
        the task fails, naming each difference, and changes nothing.
    type: path
  out:
    description:
      - Save the plan to this file, for a later run with I(plan).
    type: path
  apply:
    description:
      - Apply the plan. With C(false) the task only plans, as in check mode.
    type: bool
    default: true
  target:
    description:
      - Limit the run to these entries and what they depend on, each given as C(KIND) or C(KIND/NAME)
        (the entry's name or an identity value), as C(reconciler plan --target) does.
    type: list
    elements: str
    default: []
  concurrency:
    description:
      - Changes and reads at once, from 1 to 256 (overrides C(settings.concurrency) of the files).
    type: int
  prune:
    description:
      - Also delete the objects this desired state's owner created that no entry names any more, as
        C(reconciler apply --prune) does. By default C(settings.prune) of the files (off). Off under I(target).
      - Only objects this owner's marker or converge's ledger names are ever deleted; see the README for the
        carrier of each kind.
    type: bool
  lock_timeout:
    description:
      - An apply holds a lock per endpoint on the controller from its plan to its end, as
        C(reconciler apply) does (with a PostgreSQL I(state_url), across machines too); another apply sharing
        an endpoint fails at once, or waits up to this many seconds for the lock.
    type: float
    default: 0
  state_url:
    description:
      - converge's own state (the ledger of the objects this owner created or adopted, the history of applies,
        the lock), as C(reconciler apply --state URL) takes it; C(file://PATH) or C(postgresql://USER@HOST/DB).
      - By default the controller's environment variable C(CONVERGE_STATE); without it, C(file://) under the
        desired state's C(.converge/state/).
      - A password in the URL is never shown; prefer a C(~/.pgpass) or C(PGPASSWORD) on the controller.
    type: str
  endpoints_files:
    description:
      - Trusted files the endpoints (URL, credentials, TLS) come from, as C(reconciler plan --endpoints FILE)
        does; relative to the playbook or role. Each holds what the C(endpoints) section of a desired-state file
        holds, and may read any variable and any file (a relative path is beside it).
      - A desired-state file may then name an endpoint only by the same URL, with no credential or other
        option; one that declares another URL, a credential or a platform these files do not declare is
        refused at its C(file:line), before any request.
      - By default the files that the controller's environment variable C(CONVERGE_ENDPOINTS) lists
        (colon-separated); without either, the endpoints come from the desired-state files.
    type: list
    elements: path
attributes:
  check_mode:
    support: full
    description: Plans without applying; reports whether apply would change anything.
  diff_mode:
    support: full
    description: One diff per pending change, only the fields that change.
notes:
  - Needs the C(converge-platforms) Python distribution (C(python -m pip install converge-platforms)) on the
    controller, of the same version as this collection; the task fails naming both versions when they differ,
    and with that install command when it is missing.
"""

EXAMPLES = r"""
- name: Bring the platforms to the state in git
  converge.platforms.reconcile:
    files:
      - desired/zstack.yml
      - desired/opendcp.yml

- name: Review first - plan only, and save the plan
  converge.platforms.reconcile:
    files: [desired/zstack.yml]
    out: /tmp/plan.json
    apply: false
  register: planned

- name: Apply exactly what was reviewed, to the same files
  converge.platforms.reconcile:
    files: [desired/zstack.yml]
    plan: /tmp/plan.json
  when: planned.changed

- name: Plan a contribution with the endpoints and credentials of the deploy branch, never those of the files
  converge.platforms.reconcile:
    files: [desired/]
    endpoints_files: [/run/deploy/endpoints.yml]
    apply: false
"""

RETURN = r"""
plan:
  description: The plan - a summary of counts by action, the pending changes with only their changed fields, the
    entries that could not be planned (C(blocked), each with its reason and remedy), the changes C(skipped) because
    they wait for one (each naming it in C(blocked_by)), and the number of resources left unchanged.
  returned: always
  type: dict
  sample:
    summary: {create: 1, update: 0, replace: 0, delete: 0, action: 0, blocked: 0, skipped: 0}
    changes:
      - kind: zstack_system_tag
        action: create
        identity: {resource_uuid: a1d6f0bbd21f4b3c8e7a2b9c4d5e6f70, resource_type: VmInstanceVO, tag: "ha::NeverStop"}
        source: desired/zstack.yml:9
    blocked: []
    skipped: []
    unchanged: 3
report:
  description: What happened to each change (C(done), C(failed) or C(skipped)), and the entries the plan left
    C(blocked); null when nothing was applied.
  returned: always
  type: dict
problems:
  description: "Every problem found in the files, as C(file:line: reason)."
  returned: when the files are not valid
  type: list
  elements: str
"""
