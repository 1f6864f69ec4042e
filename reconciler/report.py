"""Plans and apply reports as text, JSON or Markdown (for a pull-request comment)."""

from __future__ import annotations

import json
from typing import Any

from .document import resource_title
from .executor import Outcome, Report
from .planner import Plan

SYMBOLS = {"create": "+", "update": "~", "replace": "-/+", "delete": "-"}


def _value(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def _title(change: dict[str, Any]) -> str:
    return resource_title(change["kind"], change["identity"])


def _field_lines(change: dict[str, Any]) -> list[str]:
    before, after = change.get("before") or {}, change.get("after") or {}
    lines = []
    for key in sorted(set(before) | set(after)):
        if change["action"] == "create":
            lines.append(f"      {key}: {_value(after[key])}")
        elif change["action"] == "delete":
            lines.append(f"      {key}: {_value(before[key])}")
        else:
            lines.append(f"      {key}: {_value(before.get(key))} -> {_value(after.get(key))}")
    return lines


def summary_line(summary: dict[str, int]) -> str:
    return (f"Plan: {summary['create']} to create, {summary['update']} to update, {summary['replace']} to replace, "
            f"{summary['delete']} to delete, {summary['action']} other actions.")


def plan_text(plan: Plan) -> str:
    data = plan.as_dict()
    if not data["changes"]:
        return f"No changes. {data['unchanged']} resources match the desired state."
    lines = []
    for change in data["changes"]:
        symbol = SYMBOLS.get(change["action"], "!")
        lines.append(f"  {symbol} {_title(change)}: {change['action']}   ({change['source']})")
        if change.get("depends_on"):
            lines.append(f"      after: {', '.join(change['depends_on'])}")
        lines.extend(_field_lines(change))
        if change.get("note"):
            lines.append(f"      note: {change['note']}")
    lines.append("")
    lines.append(summary_line(data["summary"]) + f" {data['unchanged']} unchanged.")
    return "\n".join(lines)


def plan_markdown(plan: Plan) -> str:
    data = plan.as_dict()
    if not data["changes"]:
        return f"**No changes.** {data['unchanged']} resources match the desired state."
    lines = ["| action | resource | changes | after | source |", "|---|---|---|---|---|"]
    for change in data["changes"]:
        fields = "<br>".join(line.strip().replace("|", "\\|") for line in _field_lines(change))
        after = "<br>".join(f"`{title}`" for title in change.get("depends_on") or [])
        lines.append(f"| {change['action']} | `{_title(change)}` | {fields} | {after} | {change['source']} |")
    lines.append("")
    lines.append(f"**{summary_line(data['summary'])}** {data['unchanged']} unchanged.")
    return "\n".join(lines)


def render_plan(plan: Plan, fmt: str) -> str:
    if fmt == "json":
        return json.dumps(plan.as_dict(), indent=2, sort_keys=True, default=str)
    if fmt == "markdown":
        return plan_markdown(plan)
    return plan_text(plan)


def outcome_line(outcome: Outcome) -> str:
    change = outcome.planned.as_dict()
    text = f"  {outcome.status:7} {change['action']:8} {_title(change)} ({outcome.seconds:.2f}s)"
    if outcome.error:
        text += f"\n          {outcome.error}"
    if outcome.status == "failed" and outcome.wrote:
        text += "\n          (it wrote to the platform before it failed: the resource changed)"
    return text


def report_text(report: Report) -> str:
    data = report.as_dict()
    return f"Apply complete: {data['applied']} applied, {data['failed']} failed, {data['skipped']} skipped."
