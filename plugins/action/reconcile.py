# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of converge.platforms.reconcile: runs the reconciler on the controller."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible.plugins.action import ActionBase
from ansible_collections.converge.platforms.plugins.module_utils.http import Redactor

try:
    from reconciler.api import Options, reconcile, redacted
    from reconciler.desired import MAX_CONCURRENCY, resource_title
    from reconciler.errors import ReconcilerError
    from reconciler.version import collection_version, reconciler_version

    RECONCILER_IMPORT_ERROR = None
except ImportError as exc:
    RECONCILER_IMPORT_ERROR = "%s: %s" % (type(exc).__name__, exc)
    MAX_CONCURRENCY = 256

ARGUMENT_SPEC = {
    "files": {"type": "list", "elements": "path", "required": True},
    "plan": {"type": "path"},
    "out": {"type": "path"},
    "apply": {"type": "bool", "default": True},
    "target": {"type": "list", "elements": "str", "default": []},
    "concurrency": {"type": "int"},
    "prune": {"type": "bool"},
    "lock_timeout": {"type": "float", "default": 0},
    "state_url": {"type": "str", "no_log": True},
    "endpoints_files": {"type": "list", "elements": "path"},
}

#: how to install the reconciler into the Python that runs ansible (the distribution of this collection)
INSTALL_COMMAND = "python -m pip install converge-platforms"

#: this collection's directory (plugins/action/reconcile.py is two levels below it)
COLLECTION_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _title(change):
    return resource_title(change["kind"], change["identity"])


def version_mismatch():
    """Why the installed reconciler cannot serve this collection (None when their versions agree)."""
    import pathlib

    ours, theirs = collection_version(pathlib.Path(COLLECTION_ROOT)), reconciler_version()
    if ours == theirs:
        return None
    return ("the installed reconciler is version %s but this collection is %s: install the matching one "
            "(%s==%s)" % (theirs, ours, INSTALL_COMMAND, ours))


def _failures(data):
    """What went wrong in a run, for its msg: the entries its plan left blocked, then the changes that failed
    or were skipped. Empty when nothing did."""
    parts = []
    blocked = data["plan"]["blocked"]
    if blocked:
        parts.append("%d blocked: %s" % (len(blocked), "; ".join(
            "%s: %s: %s (remedy: %s)" % (b["source"], _title(b), b["reason"], b["remedy"]) for b in blocked)))
    outcomes = (data["report"] or {}).get("outcomes") or []
    failed = [o for o in outcomes if o["status"] != "done"]
    if failed:
        parts.append("%d of %d changes failed: %s" % (len(failed), len(outcomes), "; ".join(
            "%s: %s" % (_title(o), o.get("error")) for o in failed)))
    return parts


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
        dummy, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        if RECONCILER_IMPORT_ERROR:
            return dict(result, failed=True, msg="the reconciler is not installed on the controller: %s (%s)" % (
                INSTALL_COMMAND, RECONCILER_IMPORT_ERROR))
        mismatch = version_mismatch()
        if mismatch:
            return dict(result, failed=True, msg=mismatch)
        if args["concurrency"] is not None and not 1 <= args["concurrency"] <= MAX_CONCURRENCY:
            return dict(result, failed=True, msg="concurrency: must be from 1 to %d" % MAX_CONCURRENCY)
        if args["lock_timeout"] < 0:
            return dict(result, failed=True, msg="lock_timeout: must be 0 or more seconds")
        files = [self._loader.path_dwim(path) for path in args["files"] or []]
        saved = self._loader.path_dwim(args["plan"]) if args["plan"] else None
        out = self._loader.path_dwim(args["out"]) if args["out"] else None
        endpoints_files = [self._loader.path_dwim(path) for path in args["endpoints_files"] or []]
        apply = args["apply"] and not self._task.check_mode
        try:
            outcome = reconcile(Options(files, apply=apply, saved=saved, out=out, targets=args["target"],
                                        concurrency=args["concurrency"], prune=args["prune"],
                                        lock_timeout=args["lock_timeout"], endpoints_files=endpoints_files,
                                        state=args["state_url"]))
        except ReconcilerError as exc:
            problems = redacted(exc.problems, Redactor())
            return dict(result, failed=True, msg="\n".join(problems), problems=problems)
        except Exception as exc:  # noqa: BLE001 - ApiError and SpecError carry a message meant for the user
            return dict(result, failed=True, msg=Redactor()(str(exc)))
        data = outcome.redacted_dict()
        result.update(changed=bool(outcome.plan.pending) and (apply or self._task.check_mode or not args["apply"]),
                      plan=data["plan"], report=data["report"])
        if outcome.failed:
            result.update(failed=True, msg=". ".join(_failures(data)))
        if self._task.diff and data["plan"]["changes"]:
            result["diff"] = _diffs(data["plan"])
        return result
