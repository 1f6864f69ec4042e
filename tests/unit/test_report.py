"""Plan text in the Terraform habit and the live progress display."""

from __future__ import annotations

import io

from ansible_collections.converge.platforms.plugins.module_utils.spec import Field, ResourceSpec
from rich.console import Console

from reconciler.desired import Entry
from reconciler.executor import Outcome
from reconciler.graph import Graph
from reconciler.planner import Plan, PlannedChange
from reconciler.progress import LiveProgress, PlainProgress
from reconciler.report import plan_text


class Template(ResourceSpec):
    kind = "opendcp_task_template"
    identity = ("name",)
    fields = {"name": Field("str", required=True), "steps": Field("list"), "token": Field("str", secret=True)}


def planned(desired, live):
    spec = Template()
    return PlannedChange(Entry(spec.kind, desired, "desired.yml", 3), spec.plan(spec.normalize(desired), live))


def test_nested_changes_are_indented_under_their_field_and_secrets_are_masked():
    change = planned({"name": "t", "steps": [{"name": "a", "retry": 2}], "token": "s3cret"},
                     {"name": "t", "steps": [{"name": "a", "retry": 1}], "token": "old"})
    text = plan_text(Plan([change]))
    assert text.splitlines() == [
        "  ~ opendcp_task_template[name=t]: update   (desired.yml:3)",
        "      steps:",
        "        steps[0].retry: 1 -> 2",
        '      token: "(sensitive value)" -> "(sensitive value)"',
        "",
        "Plan: 0 to create, 1 to update, 0 to replace, 0 to delete, 0 actions. 0 unchanged.",
    ]
    assert "s3cret" not in text


def test_plain_progress_is_one_timestamped_line_per_outcome_and_quiet_keeps_failures():
    change = planned({"name": "t"}, None)
    lines = []
    progress = PlainProgress(lines.append)
    progress.outcome(Outcome(change, "done", seconds=0.5), str)
    quiet = PlainProgress(lines.append, quiet=True)
    quiet.outcome(Outcome(change, "done"), str)
    quiet.outcome(Outcome(change, "failed", "boom"), str)
    assert len(lines) == 2
    assert lines[0].endswith("Z done    create   opendcp_task_template[name=t] (0.50s)")
    assert lines[1].split(" ", 1)[1].startswith("failed  create   opendcp_task_template[name=t]")


def test_the_live_display_counts_outcomes_and_names_what_is_in_flight():
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=120, no_color=True)
    first, second = planned({"name": "a"}, None), planned({"name": "b"}, None)
    with LiveProgress(2, console) as live:  # what the display shows is rendered from its table
        live.start(first)
        live.start(second)
        shown = io.StringIO()
        Console(file=shown, width=120, no_color=True).print(live._table())
        assert "0/2" in shown.getvalue() and "2 running" in shown.getvalue()
        assert "opendcp_task_template[name=a]" in shown.getvalue()
        live.outcome(Outcome(first, "done"), str)
        shown = io.StringIO()
        Console(file=shown, width=120, no_color=True).print(live._table())
        assert "1/2" in shown.getvalue() and "1 done" in shown.getvalue() and "1 running" in shown.getvalue()
    assert "done    create   opendcp_task_template[name=a]" in out.getvalue()


def test_markdown_text_and_mermaid_labels_show_a_value_as_itself():
    from reconciler.pictures import mermaid
    from reconciler.report import markdown_text

    assert markdown_text("<script>`x`|[a](b)!@t\nnext") == "&lt;script&gt;\\`x\\`\\|\\[a\\](b)\\!&#64;t next"
    drawn = mermaid({0: 'tag[<b onclick=x>"`q`&]', 1: "other"}, [(0, 1)])
    assert "<b" not in drawn and "`" not in drawn and "#60;b onclick=x#62;#quot;#96;q#96;#38;" in drawn


class Disk(ResourceSpec):
    """A kind whose size can change in place and whose type cannot."""

    kind = "demo_disk"
    identity = ("name",)
    fields = {"name": Field("str", required=True), "size": Field("int"), "type": Field("str", updatable=False)}


def test_a_field_that_forces_the_replace_is_marked_in_the_text_json_and_markdown_plans():
    from reconciler.report import plan_markdown

    spec = Disk()
    desired = {"name": "d", "size": 20, "type": "ssd"}
    change = PlannedChange(Entry(spec.kind, desired, "desired.yml", 7),
                           spec.plan(spec.normalize(desired), {"name": "d", "size": 10, "type": "hdd"}))
    plan = Plan([change], Graph(1))  # a kind of this test: no graph of the platforms' kinds
    assert plan_text(plan).splitlines()[:3] == [
        "  -/+ demo_disk[name=d]: replace   (desired.yml:7)",
        "      size: 10 -> 20",
        '      type: "hdd" -> "ssd"   # forces replacement',
    ]
    (data,) = plan.as_dict()["changes"]
    assert data["action"] == "replace" and data["forces_replacement"] == ["type"]
    (row,) = [line for line in plan_markdown(plan).splitlines() if "<code>demo\\_disk" in line]  # not the counts
    assert '| size: 10 -&gt; 20<br>type: "hdd" -&gt; "ssd"   # forces replacement |' in row


def test_an_update_in_place_forces_no_replacement():
    spec = Disk()
    desired = {"name": "d", "size": 20}
    change = PlannedChange(Entry(spec.kind, desired, "desired.yml", 7),
                           spec.plan(spec.normalize(desired), {"name": "d", "size": 10, "type": "hdd"}))
    plan = Plan([change], Graph(1))
    assert "forces replacement" not in plan_text(plan)
    assert "forces_replacement" not in plan.as_dict()["changes"][0]
