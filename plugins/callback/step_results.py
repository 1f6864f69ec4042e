# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: step_results
type: aggregate
short_description: Write each host's task results of a run to a JSON file
version_added: 0.2.0
description:
  - Records, for every host, each task's status (C(ok), C(changed), C(failed), C(unreachable), C(skipped)) and
    message, and writes them to I(results_file) when the run ends.
  - The reconciler's C(run-step) enables it to report each node of a remote step as success or failure.
author:
  - converge contributors (@converge)
requirements:
  - enable in configuration (C(callbacks_enabled))
options:
  results_file:
    description: Path of the JSON file to write.
    type: path
    required: true
    env:
      - name: CONVERGE_STEP_RESULTS
    ini:
      - section: converge_step_results
        key: results_file
"""

import json

from ansible.plugins.callback import CallbackBase
from ansible_collections.converge.platforms.plugins.module_utils.files import write_atomically


class CallbackModule(CallbackBase):
    """Collects per-host task results; writes them as JSON at the end of the run."""

    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "converge.platforms.step_results"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super(CallbackModule, self).__init__(*args, **kwargs)
        self.hosts = {}

    def _record(self, result, status):
        host = result._host.get_name()
        message = result._result.get("msg") or result._result.get("stderr") or ""
        entry = {"task": result._task.get_name(), "status": status, "msg": str(message)[:2000]}
        if "rc" in result._result:
            entry["rc"] = result._result["rc"]
        if result._result.get("stdout"):
            entry["stdout"] = str(result._result["stdout"])[:2000]
        self.hosts.setdefault(host, []).append(entry)

    def v2_runner_on_ok(self, result):
        self._record(result, "changed" if result._result.get("changed") else "ok")

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._record(result, "failed")

    def v2_runner_on_unreachable(self, result):
        self._record(result, "unreachable")

    def v2_runner_on_skipped(self, result):
        self._record(result, "skipped")

    def v2_playbook_on_stats(self, stats):
        write_atomically(self.get_option("results_file"), json.dumps({"hosts": self.hosts}, indent=1, sort_keys=True))
