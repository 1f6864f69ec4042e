"""What a watch cycle applies of its plan, and what it holds back (`Plan.hold`), with why.

- Without `--apply` nor `--self-heal`, nothing is applied: every pending change is held (`report only`).
- With `--apply`, what the files changed is applied: creates, deletes (prune included), and the updates and
  replaces whose cause (reconciler/causes.py) is `files`, `both` or `unknown` (an object the ledger does not
  know yet: the files are the one side known). An update whose every difference was made on the platform
  (`platform`) is drift: reported, held back.
- With `--self-heal`, that drift is put back as well.
- A suspended entry (`reconciler suspend --target KIND/NAME`) is held whatever the mode, and a suspension of
  the whole owner (`reconciler suspend` without `--target`) holds every change.

A held change that creates, replaces or deletes holds what waits for it too (a service waits for its cluster's
create), so nothing is sent that its platform would refuse for want of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from ansible_collections.converge.platforms.plugins.module_utils.spec import DELETE, UPDATE

from ..causes import PLATFORM
from ..planner import Plan, PlannedChange
from ..targets import matches
from .suspensions import Active

#: the hold of every change when the watch only reports
REPORT_ONLY = "report only: run the watch with --apply (or --self-heal) to apply it"
#: the hold of drift without --self-heal
DRIFT = "changed on the platform since the last apply: --self-heal puts it back"


@dataclass(frozen=True)
class Policy:
    """What a watch may apply: the files' changes (`apply`), and the platforms' drift too (`self_heal`)."""

    apply: bool = False
    self_heal: bool = False

    @property
    def mode(self) -> str:
        """The policy in words, as the watch says it."""
        if self.self_heal:
            return "applying the files' changes and putting back the platforms'"
        return "applying the files' changes, reporting drift" if self.apply else "reporting only"

    @property
    def applies(self) -> bool:
        """Whether the watch writes at all."""
        return self.apply or self.self_heal

    def hold_reason(self, planned: PlannedChange, suspended: Active) -> Optional[str]:
        """Why `planned` (a pending change) is held back, None when it is applied."""
        suspension = suspended.covering(lambda target: matches(target, planned.entry) and not planned.prune)
        if suspension is not None:
            return suspension.describe()
        if not self.applies:
            return REPORT_ONLY
        if not self.self_heal and planned.cause is not None and planned.cause.cause == PLATFORM:
            return DRIFT
        return None


def held_changes(plan: Plan, policy: Policy, suspended: Active) -> dict[int, str]:
    """The index of every pending change the policy holds back, with why. What waits for a held change is held
    too, naming it: a write that needs an object a held create or replace would make, a delete of a parent whose
    child's delete is held."""
    held: dict[int, str] = {}
    for index in plan.pending_order:
        reason = policy.hold_reason(plan.changes[index], suspended)
        if reason is not None:
            held[index] = reason
    pending = set(plan.pending_order)
    dependants = plan.graph.dependants()
    todo = [index for index in held if plan.changes[index].change.action != UPDATE]
    while todo:
        origin = todo.pop()
        deleting = plan.changes[origin].change.action == DELETE
        waiting = plan.graph.needs.get(origin, set()) if deleting else dependants[origin]
        for index in sorted(waiting):
            if index in pending and index not in held and (plan.changes[index].change.action == DELETE) == deleting:
                held[index] = f"waits for {plan.changes[origin].title}, held: {held[origin]}"
                todo.append(index)
    return held
