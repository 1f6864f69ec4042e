"""A plan with a blocked entry: which changes wait for it (skipped), and how the plan shows both."""

from __future__ import annotations

from ansible_collections.converge.platforms.plugins.module_utils.spec import CREATE, DELETE, Change

from reconciler.desired import Entry
from reconciler.planner import Blocked, Plan, PlannedChange, blocked_change
from reconciler.platforms import kinds
from reconciler.report import plan_text, summary_line

WHY = Blocked("name: refused", "change the entry (or the platform) as the reason says, then run again")


def cluster(state: str = "present", line: int = 3) -> Entry:
    return Entry("opendcp_cluster", {"name": "web", "state": state}, "site.yml", line)


def service(state: str = "present", line: int = 5) -> Entry:
    return Entry("opendcp_service", {"name": "frontend", "cluster": "web", "docker_image": "img", "state": state},
                 "site.yml", line)


def planned(entry: Entry, action: str) -> PlannedChange:
    spec = kinds()[entry.kind]
    live = None if action == CREATE else {"id": 1, **entry.normalized}
    return PlannedChange(entry, Change(spec, action, entry.normalized, live))


def blocked(entry: Entry) -> PlannedChange:
    return blocked_change(kinds()[entry.kind], entry, WHY)


def test_a_write_that_needs_a_blocked_entry_is_skipped_naming_it():
    plan = Plan([blocked(cluster()), planned(service(), CREATE)])
    assert plan.blocked_by == {1: 0}
    assert plan.pending == [] and plan.skipped == [plan.changes[1]]
    assert plan.summary() == {"create": 0, "update": 0, "replace": 0, "delete": 0, "action": 0, "blocked": 1,
                              "skipped": 1}
    assert plan_text(plan).splitlines() == [
        "Skipped (they wait for a blocked entry):",
        "  + opendcp_service[name=frontend]: create   (site.yml:5)",
        "      waits for opendcp_cluster[name=web], which is blocked",
        "",
        "Blocked:",
        "  site.yml:3: opendcp_cluster[name=web]: name: refused",
        "      remedy: change the entry (or the platform) as the reason says, then run again",
        "",
        "Plan: 0 to create, 0 to update, 0 to replace, 0 to delete, 0 actions; 1 blocked, 1 skipped. 0 unchanged.",
    ]


def test_a_parent_is_not_deleted_while_the_delete_of_its_child_is_blocked():
    plan = Plan([planned(cluster("absent"), DELETE), blocked(service("absent"))])
    assert plan.blocked_by == {0: 1}
    assert plan.pending == []


def test_what_does_not_wait_for_the_blocked_entry_goes_ahead():
    # a child's delete does not wait for its parent's write, nor a parent's write for its child's
    plan = Plan([blocked(cluster()), planned(service("absent"), DELETE)])
    assert plan.blocked_by == {} and [c.change.action for c in plan.pending] == [DELETE]
    plan = Plan([planned(cluster(), CREATE), blocked(service())])
    assert plan.blocked_by == {} and [c.change.action for c in plan.pending] == [CREATE]
    assert plan.as_dict()["blocked"] == [{"kind": "opendcp_service", "action": "blocked",
                                          "identity": {"name": "frontend"}, "source": "site.yml:5",
                                          "reason": "name: refused", "remedy": WHY.remedy}]


def test_the_summary_line_names_blocked_and_skipped_entries_only_when_there_are_some():
    counts = {"create": 3, "update": 0, "replace": 0, "delete": 0, "action": 0, "blocked": 0, "skipped": 0}
    assert summary_line(counts) == "Plan: 3 to create, 0 to update, 0 to replace, 0 to delete, 0 actions."
    assert summary_line(dict(counts, blocked=1)) == ("Plan: 3 to create, 0 to update, 0 to replace, 0 to delete, "
                                                     "0 actions; 1 blocked.")
