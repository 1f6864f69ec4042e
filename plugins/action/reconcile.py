# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of converge.platforms.reconcile: runs the reconciler on the controller."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import traceback

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

try:
    from reconciler.api import reconcile
    from reconciler.document import DocumentError

    RECONCILER_IMPORT_ERROR = None
except ImportError:
    RECONCILER_IMPORT_ERROR = traceback.format_exc()

ARGUMENT_SPEC = {
    "files": {"type": "list", "elements": "path"},
    "plan": {"type": "path"},
    "out": {"type": "path"},
    "apply": {"type": "bool", "default": True},
}


def _title(change):
    identity = ", ".join("%s=%s" % item for item in sorted(change["identity"].items()))
    return "%s[%s]" % (change["kind"], identity)


def _diffs(plan):
    """One Ansible diff per pending change, with only the fields that change."""
    return [{"before_header": "%s (%s)" % (_title(c), c["source"]), "after_header": "%s: %s" % (_title(c), c["action"]),
             "before": c.get("before") or {}, "after": c.get("after") or {}} for c in plan["changes"]]


class ActionModule(ActionBase):
    """Plan desired-state files and, unless in check mode, apply them."""

    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        dummy, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC, required_one_of=[["files", "plan"]])
        if RECONCILER_IMPORT_ERROR:
            raise AnsibleActionFail("the reconciler is not installed on the controller: pip install converge",
                                    orig_exc=RECONCILER_IMPORT_ERROR)
        files = [self._loader.path_dwim(path) for path in args["files"] or []]
        saved = self._loader.path_dwim(args["plan"]) if args["plan"] else None
        out = self._loader.path_dwim(args["out"]) if args["out"] else None
        apply = args["apply"] and not self._task.check_mode
        try:
            outcome = reconcile(files, apply=apply, saved=saved, out=out)
        except DocumentError as exc:
            return dict(result, failed=True, msg="\n".join(exc.problems), problems=exc.problems)
        except Exception as exc:  # ApiError and SpecError carry a message meant for the user, already redacted
            return dict(result, failed=True, msg=str(exc))
        data = outcome.as_dict()
        result.update(changed=bool(outcome.plan.pending) and (apply or self._task.check_mode or not args["apply"]),
                      plan=data["plan"], report=data["report"])
        if outcome.failed:
            failed = [o for o in data["report"]["outcomes"] if o["status"] != "done"]
            result.update(failed=True, msg="%d of %d changes failed: %s" % (
                len(failed), len(data["report"]["outcomes"]),
                "; ".join("%s: %s" % (_title(o), o.get("error")) for o in failed)))
        if self._task.diff and data["plan"]["changes"]:
            result["diff"] = _diffs(data["plan"])
        return result
