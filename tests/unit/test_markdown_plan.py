"""The Markdown plan sized for a pull-request comment: its order, its folded creates, its cuts and its escaping."""

from __future__ import annotations

import re

from ansible_collections.converge.platforms.plugins.module_utils.spec import Field, ResourceSpec

from reconciler.desired import Entry
from reconciler.graph import Graph
from reconciler.markdown_plan import LIMIT, plan_markdown
from reconciler.ownership import prune_change
from reconciler.planner import Plan, PlannedChange


class Tag(ResourceSpec):
    kind = "demo_tag"
    identity = ("name",)
    fields = {"name": Field("str", required=True), "tag": Field("str"), "resource_uuid": Field("str")}


class Disk(ResourceSpec):
    """A kind whose size can change in place and whose type cannot."""

    kind = "demo_disk"
    identity = ("name",)
    fields = {"name": Field("str", required=True), "size": Field("int"), "type": Field("str", updatable=False)}


def create(spec: ResourceSpec, desired: dict, line: int = 1) -> PlannedChange:
    return PlannedChange(Entry(spec.kind, desired, "desired/tags.yml", line), spec.plan(spec.normalize(desired), None))


def prune(spec: ResourceSpec, live: dict) -> PlannedChange:
    return PlannedChange(Entry(spec.kind, live, "desired/tags.yml", 0), prune_change(spec, live), prune=True)


def change(spec: ResourceSpec, desired: dict, live: dict, observed: bool = False) -> PlannedChange:
    return PlannedChange(Entry(spec.kind, desired, "desired/disks.yml", 4),
                         spec.plan(spec.normalize(desired), live), observed=observed)


def tag(index: int) -> dict:
    return {"name": f"tag-{index:04}", "tag": f"owner::team-{index}", "resource_uuid": f"{index:032x}"}


def many_tags(creates: int, deletes: int) -> Plan:
    changes = [create(Tag(), tag(index), index + 1) for index in range(creates)]
    changes += [prune(Tag(), {"name": f"old-{index}", "tag": "x", "resource_uuid": f"{index:032x}"})
                for index in range(deletes)]
    return Plan(changes, Graph(len(changes)))


def test_a_plan_of_1000_creates_and_20_deletes_fits_a_comment_its_summary_first_every_delete_named():
    shown = plan_markdown(many_tags(1000, 20))
    assert len(shown) < 65_000 and len(shown) <= LIMIT
    assert shown.index("**Plan: 1000 to create, 0 to update, 0 to replace, 20 to delete, 0 actions.**") == 0
    assert shown[:1500].count("\n| demo\\_tag | 1000 | 20 |") == 1  # the counts table, early too
    for index in range(20):
        assert f"| delete (prune) | <code>demo\\_tag\\[name=old-{index}\\]</code> |" in shown
    rows = [line for line in shown.splitlines() if line.startswith("| <code>demo\\_tag\\[name=tag-")]
    (more,) = re.findall(r"^(\d+) more, see plan.json$", shown, re.MULTILINE)
    assert 300 < len(rows) < 1000 and len(rows) + int(more) == 1000
    assert rows[0].startswith("| <code>demo\\_tag\\[name=tag-0000\\]</code> |")  # the first rows are kept


def test_sections_come_in_order_and_the_creates_fold_per_kind():
    disks = Disk()
    changes = [create(Tag(), tag(1)), create(disks, {"name": "a", "size": 1}), create(Tag(), tag(2)),
               change(disks, {"name": "u", "size": 20}, {"name": "u", "size": 10}),
               change(disks, {"name": "r", "type": "ssd"}, {"name": "r", "type": "hdd"}),
               prune(Tag(), {"name": "gone", "tag": "x"}),
               change(disks, {"name": "o", "size": 3}, {"name": "o", "size": 2}, observed=True)]
    shown = plan_markdown(Plan(changes, Graph(len(changes))))
    lines = shown.splitlines()
    assert lines[:6] == ["**Plan: 3 to create, 1 to update, 1 to replace, 1 to delete, 0 actions. 1 observed entry "
                         "drifted.** 0 unchanged.", "",
                         "| kind | create | update | replace | delete |", "|---|---:|---:|---:|---:|",
                         "| demo\\_disk | 1 | 1 | 1 |  |", "| demo\\_tag | 2 |  |  | 1 |"]
    headings = [line for line in lines if line.startswith(("### ", "<details>", "</details>"))]
    assert headings == ["### To delete or replace (2)", "### To update (1)", "### To create (3)",
                        "<details><summary><code>demo_disk</code>: 1 to create</summary>", "</details>",
                        "<details><summary><code>demo_tag</code>: 2 to create</summary>", "</details>",
                        "### Drift on observed entries, never written (1)"]
    removing = shown.split("### To delete or replace (2)", 1)[1].split("###", 1)[0]
    assert removing.index("| delete (prune) | <code>demo\\_tag\\[name=gone\\]") < removing.index("| replace |")
    assert 'type: "hdd" -&gt; "ssd"   # forces replacement' in removing
    folded = shown.split("<code>demo_tag</code>: 2 to create</summary>", 1)[1].split("</details>", 1)[0]
    assert folded.startswith("\n\n| resource | changes | after | source |\n|---|---|---|---|\n")
    assert folded.count("| <code>demo\\_tag\\[name=tag-") == 2
    assert "| drift (update) | <code>demo\\_disk\\[name=o\\]</code> | size: 2 -&gt; 3 |" in shown


def test_values_are_escaped_in_every_section():
    hostile = "x` <img src=x onerror=alert(1)> | [click](http://127.0.0.1:9/) @ops-team **bold**"
    changes = [create(Tag(), {"name": "n", "tag": hostile}), prune(Tag(), {"name": "g", "tag": hostile})]
    shown = plan_markdown(Plan(changes, Graph(len(changes))))
    rows = [line for line in shown.splitlines() if "demo\\_tag\\[name=" in line]
    assert len(rows) == 2 and "<img" not in shown and "@ops" not in shown
    for row in rows:
        assert "`" not in row.replace("\\`", "") and "&lt;img src=x onerror=alert(1)&gt;" in row
        assert "\\[click\\](http://127.0.0.1:9/)" in row and "&#64;ops-team" in row and "\\*\\*bold\\*\\*" in row
    assert rows[0].count(" | ") == 4 and rows[1].count(" | ") == 3  # the value's own | is escaped


def chain(count: int) -> Plan:
    """Creates of which each waits for the one before it: an order of work to draw."""
    changes = [create(Tag(), tag(index), index + 1) for index in range(count)]
    graph = Graph(count)
    for index in range(1, count):
        graph.add(index, index - 1)
    return Plan(changes, graph)


def test_the_order_of_work_is_drawn_only_when_everything_fits_beside_it():
    plan = chain(10)
    drawn = plan_markdown(plan)
    assert "```mermaid\nflowchart LR\n" in drawn and "more, see plan.json" not in drawn
    shown = plan_markdown(plan, limit=len(drawn) - 1)
    assert "mermaid" not in shown and "more, see plan.json" not in shown  # the picture goes before any row
    assert shown == drawn.split("\n\nOrder of work", 1)[0]


def test_creates_are_cut_before_updates_and_deletes_never():
    disks = Disk()
    updates = [change(disks, {"name": f"u{index}", "size": 20}, {"name": f"u{index}", "size": 10})
               for index in range(30)]
    changes = [create(Tag(), tag(index)) for index in range(30)] + updates + [
        prune(Tag(), {"name": f"old-{index}", "tag": "x"}) for index in range(30)]
    full = plan_markdown(Plan(changes, Graph(len(changes))))
    for limit in (len(full) - 100, len(full) // 2, 6000):
        shown = plan_markdown(Plan(changes, Graph(len(changes))), limit=limit)
        assert len(shown) <= limit
        assert all(f"<code>demo\\_tag\\[name=old-{index}\\]</code>" in shown for index in range(30))
        creates = shown.count("| <code>demo\\_tag\\[name=tag-")
        updates_shown = shown.count("| update | <code>demo\\_disk")
        assert updates_shown == 30 or creates == 0  # no update is cut while a create is shown
    assert creates == 0 and 0 < updates_shown < 30
    assert "\n30 more, see plan.json\n" in shown and f"\n{30 - updates_shown} more, see plan.json" in shown
    assert "<code>demo_tag</code>: 30 to create</summary>" in shown  # the block stays, its rows in plan.json


def test_the_longest_kind_of_creates_is_cut_first():
    changes = [create(Tag(), tag(index)) for index in range(40)] + [
        create(Disk(), {"name": f"d{index}", "size": index}) for index in range(3)]
    full = plan_markdown(Plan(changes, Graph(len(changes))))
    shown = plan_markdown(Plan(changes, Graph(len(changes))), limit=len(full) - 500)
    assert shown.count("| <code>demo\\_disk\\[name=") == 3 and shown.count("| <code>demo\\_tag\\[name=") < 40
