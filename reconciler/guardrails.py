"""What a plan may not do, checked once it is made and before anything is written: delete or replace a protected
object, or delete more objects than the delete budget allows.

An object is protected by `protect: true` on its entry, or by a pattern of `settings.protect` (`KIND`, or
`KIND/NAME-GLOB` matched with fnmatch against its name or any of its identity values), which holds after its
entry is gone and so protects a pruned object too. The delete budget (`--max-deletes N`, else
`settings.max_deletes`) counts every delete the plan makes: prunes, `state: absent` and replaces (a replace
deletes the object it makes again). `plan` checks both for every run, a saved plan's apply included (it plans
again), and raises `Refused` naming each object at fault.
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any, Optional

from ansible_collections.converge.platforms.plugins.module_utils.spec import DELETE, REPLACE

from .errors import ReconcilerError
from .planner import Plan, PlannedChange
from .platforms import kinds

#: the settings keys where the loader records the `file:line` of each `settings.protect` pattern and of
#: `settings.max_deletes`
PROTECT_AT = "_protect_at"
MAX_DELETES_AT = "_max_deletes_at"


class Refused(ReconcilerError):
    """A plan that would delete or replace a protected object, or delete more than the delete budget allows."""


@dataclass
class Rule:
    """One `settings.protect` pattern: its kind, its name glob (None: every object of the kind), where it is."""

    pattern: str
    where: str

    @property
    def kind(self) -> str:
        return self.pattern.split("/", 1)[0]

    @property
    def glob(self) -> Optional[str]:
        return self.pattern.split("/", 1)[1] if "/" in self.pattern else None

    def protects(self, planned: PlannedChange) -> bool:
        """Whether the pattern names the object: its kind, and (with a glob) its name or an identity value."""
        if planned.change.kind != self.kind:
            return False
        glob = self.glob
        return glob is None or any(fnmatchcase(value, glob) for value in names_of(planned))


def names_of(planned: PlannedChange) -> set[str]:
    """The values a name glob is matched against: the object's name (its kind's reference key) and its identity
    values, from the entry and from the live object (a replace may change them)."""
    spec = kinds()[planned.change.kind]
    keys = set(spec.identity) | {spec.reference_key}
    values = set()
    for data in (planned.change.desired, planned.change.live):
        for key in keys:
            if isinstance(data, dict) and data.get(key) not in (None, ""):
                values.add(str(data[key]))
    return values


def rules_of(settings: dict[str, Any]) -> list[Rule]:
    """The `settings.protect` patterns, each with its `file:line`."""
    patterns = settings.get("protect") or []
    places = settings.get(PROTECT_AT) or []
    return [Rule(pattern, places[index] if index < len(places) else settings.get("_declared_at", "settings"))
            for index, pattern in enumerate(patterns)]


def deleting(plan: Plan) -> list[PlannedChange]:
    """The changes that delete an object: deletes (prunes and `state: absent`) and replaces, observed ones aside."""
    return [planned for planned in plan.changes
            if planned.change.action in (DELETE, REPLACE) and not planned.observed and not planned.blocked]


def protection(planned: PlannedChange, rules: list[Rule]) -> Optional[str]:
    """The rule that protects the object of a change, said as the user wrote it, or None."""
    if planned.entry.data.get("protect") is True:
        return f"protect: true at {planned.entry.where}"
    for rule in rules:
        if rule.protects(planned):
            return f"settings.protect '{rule.pattern}' at {rule.where}"
    return None


def described(planned: PlannedChange) -> str:
    """`kind[identity] (file:line): delete (prune)`: a deleting change as the refusals list it."""
    action = planned.change.action + (" (prune)" if planned.prune else "")
    return f"{planned.title} ({planned.entry.where}): {action}"


def protection_problems(changes: list[PlannedChange], settings: dict[str, Any]) -> list[str]:
    """One line per protected object the changes would delete or replace, then what to do; none when none."""
    rules = rules_of(settings)
    problems = []
    for planned in changes:
        rule = protection(planned, rules)
        if rule:
            problems.append(f"{described(planned)}: refused, the object is protected ({rule})")
    if problems:
        problems.append(f"the plan would delete or replace {_objects(len(problems))} that the desired state "
                        f"protects: nothing is written (take the protection off first if this is meant)")
    return problems


def budget_problems(changes: list[PlannedChange], settings: dict[str, Any], max_deletes: Optional[int]) -> list[str]:
    """The refusal of a plan that deletes more than its budget (`max_deletes`, else `settings.max_deletes`),
    listing each delete; none when within it or when there is no budget."""
    if max_deletes is not None:
        budget, source = max_deletes, f"--max-deletes {max_deletes}"
    elif settings.get("max_deletes") is not None:
        budget = settings["max_deletes"]
        source = f"settings.max_deletes: {budget} at {settings.get(MAX_DELETES_AT, settings.get('_declared_at'))}"
    else:
        return []
    if len(changes) <= budget:
        return []
    return ([f"the plan deletes {_objects(len(changes))} (a replace deletes the one it makes again), more than "
             f"the delete budget allows ({source}): nothing is written"]
            + [f"  {described(planned)}" for planned in changes])


def check(plan: Plan, settings: dict[str, Any], max_deletes: Optional[int] = None) -> None:
    """Refused, naming each object at fault, when the plan would delete or replace a protected object or delete
    more than the budget allows; nothing when it may be applied."""
    changes = deleting(plan)
    problems = protection_problems(changes, settings) + budget_problems(changes, settings, max_deletes)
    if problems:
        raise Refused(problems)


def _objects(count: int) -> str:
    return f"{count} object" if count == 1 else f"{count} objects"
