"""Plans and apply reports as text, JSON or Markdown (for a pull-request comment)."""

from __future__ import annotations

import html
import json
import re
from collections import Counter
from typing import Any, Callable

from .causes import cause_lines
from .desired import resource_title
from .executor import Outcome, Report
from .ownership import ADOPT
from .pictures import edges_of, mermaid
from .planner import Plan

SYMBOLS = {"create": "+", "update": "~", "replace": "-/+", "delete": "-"}
COLOURS = {"create": "green", "update": "yellow", "replace": "magenta", "delete": "red"}
_STEP = re.compile(r"\.([^.\[]+)|\[(\d+)\]")


def _value(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def _title(change: dict[str, Any]) -> str:
    return resource_title(change["kind"], change["identity"])


def _action(change: dict[str, Any]) -> str:
    """The change's action, `delete (prune)` for an owned object that no file names any more."""
    return f"{change['action']} (prune)" if change.get("prune") else change["action"]


def _at(value: Any, path: str) -> Any:
    """The value at a nested path such as `.retry.retry_times` or `[0].name` (None where it is absent)."""
    for key, index in _STEP.findall(path):
        if index:
            value = value[int(index)] if isinstance(value, list) and int(index) < len(value) else None
        else:
            value = value.get(key) if isinstance(value, dict) else None
    return value


#: after a field's line when its change alone makes the change a replace, as Terraform marks it
FORCES_REPLACEMENT = "   # forces replacement"


def _field_lines(change: dict[str, Any]) -> list[str]:
    """One line per field (create and delete), or per changed field with its nested changes indented below it;
    a field that forces the replace is marked `# forces replacement`."""
    before, after = change.get("before") or {}, change.get("after") or {}
    nested = change.get("changed_paths") or {}
    forced = set(change.get("forces_replacement") or ())
    lines = []
    for key in sorted(set(before) | set(after)):
        mark = FORCES_REPLACEMENT if key in forced else ""
        if change["action"] == "create":
            lines.append(f"      {key}: {_value(after[key])}")
        elif change["action"] == "delete":
            lines.append(f"      {key}: {_value(before[key])}")
        elif nested.get(key):
            lines.append(f"      {key}:{mark}")
            for path in nested[key]:
                rest = path[len(key):]
                lines.append(f"        {path}: {_value(_at(before.get(key), rest))} -> "
                             f"{_value(_at(after.get(key), rest))}")
        else:
            lines.append(f"      {key}: {_value(before.get(key))} -> {_value(after.get(key))}{mark}")
    return lines


def summary_line(summary: dict[str, int]) -> str:
    """`Plan: 3 to create, 1 to update, 1 to replace, 2 to delete, 4 actions.`, as Terraform sums a plan up, with
    `; 1 blocked, 2 skipped` before the full stop when entries are blocked, and the adoptions, the observed
    entries that drifted and the differences ignored after it (`aside_line`)."""
    blocked = ""
    if summary.get("blocked"):
        blocked = f"; {summary['blocked']} blocked" + (f", {summary['skipped']} skipped" if summary["skipped"] else "")
    line = (f"Plan: {summary['create']} to create, {summary['update']} to update, {summary['replace']} to replace, "
            f"{summary['delete']} to delete, {summary['action']} actions{blocked}.")
    aside = aside_line(summary)
    return f"{line} {aside}" if aside else line


def aside_line(summary: dict[str, int]) -> str:
    """What a plan counts beside its changes, so nothing is hidden: `2 to adopt (the owner's marker only), 1
    observed entry drifted, 3 differences ignored.` (empty when there is none)."""
    parts = []
    if summary.get("adopt"):
        parts.append(f"{summary['adopt']} to adopt (the owner's marker only)")
    if summary.get("drift"):
        parts.append(f"{summary['drift']} observed {_plural(summary['drift'], 'entry', 'entries')} drifted")
    if summary.get("ignored"):
        parts.append(f"{summary['ignored']} {_plural(summary['ignored'], 'difference', 'differences')} ignored")
    return (", ".join(parts) + ".") if parts else ""


def _plural(count: int, one: str, many: str) -> str:
    return one if count == 1 else many


def _blocked_title(item: dict[str, Any]) -> str:
    return _title(item) + (" (prune)" if item.get("prune") else "")


def _blocked_problem(item: dict[str, Any]) -> str:
    """`file:line: kind[identity]: reason` of one blocked entry."""
    return f"{item['source']}: {_blocked_title(item)}: {item['reason']}"


def blocked_problems(data: dict[str, Any]) -> list[str]:
    """`file:line: kind[identity]: reason` for each blocked entry of a plan's `as_dict()`."""
    return [_blocked_problem(item) for item in data["blocked"]]


def blocked_lines(data: dict[str, Any]) -> list[str]:
    """The `Blocked:` section: each entry that could not be planned with its reason, the remedy below it."""
    if not data["blocked"]:
        return []
    lines = ["Blocked:"]
    for item in data["blocked"]:
        lines.append(f"  {_blocked_problem(item)}")
        lines.append(f"      remedy: {item['remedy']}")
    return lines


def skipped_lines(data: dict[str, Any]) -> list[str]:
    """The changes not made because they wait for a blocked entry, each naming it."""
    if not data["skipped"]:
        return []
    lines = ["Skipped (they wait for a blocked entry):"]
    for change in data["skipped"]:
        lines.append(f"  {SYMBOLS.get(change['action'], '!')} {_title(change)}: {_action(change)}   "
                     f"({change['source']})")
        lines.append(f"      waits for {change['blocked_by']}, which is blocked")
    return lines


def _change_lines(change: dict[str, Any], style: Callable[[str, str], str]) -> list[str]:
    """One pending change: its heading, what it waits for, its fields, why they differ (`# changed in the files`,
    `# changed on the platform since ...`, when the ledger tells) and its note."""
    symbol = SYMBOLS.get(change["action"], "!")
    lines = [style(f"  {symbol} {_title(change)}: {_action(change)}", change["action"]) + f"   ({change['source']})"]
    if change.get("depends_on"):
        lines.append(f"      after: {', '.join(change['depends_on'])}")
    lines.extend(_field_lines(change))
    lines.extend(f"      # {line}" for line in cause_lines(change))
    if change.get("note"):
        lines.append(f"      note: {change['note']}")
    return lines


def _sections(*sections: list[str]) -> list[str]:
    """The non-empty sections, a blank line between two."""
    lines: list[str] = []
    for section in sections:
        if section:
            lines.extend(([""] if lines else []) + section)
    return lines


def _changing(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The plan's changes but the adoptions, which are counted by kind (`adopt_lines`)."""
    return [change for change in data["changes"] if change["action"] != ADOPT]


def adopt_lines(data: dict[str, Any]) -> list[str]:
    """How many objects of each kind apply adopts: it writes only the owner's marker (or record) into them."""
    counts = Counter(change["kind"] for change in data["changes"] if change["action"] == ADOPT)
    if not counts:
        return []
    return ["To adopt (apply writes only the owner's marker or record):"] + [
        f"  {kind}: {count}" for kind, count in sorted(counts.items())]


def drift_lines(data: dict[str, Any], style: Callable[[str, str], str]) -> list[str]:
    """`Drift on observed entries`: what differs on the objects that `observe: true` entries watch, never written."""
    if not data.get("drift"):
        return []
    lines = ["Drift on observed entries (never written):"]
    for change in data.get("drift", []):
        lines.extend(_change_lines(change, style))
    return lines


def unnamed_lines(plan: Plan) -> list[str]:
    """With prune off, the owned objects that no entry names, which `--prune` would delete (none when none is)."""
    if not plan.unnamed:
        return []
    return [unnamed_heading(len(plan.unnamed))] + [f"  {title}" for title in plan.unnamed] + renamed_lines(plan)


def unnamed_heading(count: int) -> str:
    """`N owned objects are in no file; `--prune` would delete them:`."""
    return (f"{count} owned {_plural(count, 'object is', 'objects are')} in no file; `--prune` would delete "
            f"{_plural(count, 'it', 'them')}:")


def renamed_lines(plan: Plan) -> list[str]:
    """A note when the plan creates objects of a kind that also has owned objects in no file: a renamed entry
    plans a create, and the object under its old name stays behind until prune deletes it."""
    created = {planned.change.kind for planned in plan.pending if planned.change.action == "create"}
    both = sorted(created & {title.split("[", 1)[0] for title in plan.unnamed})
    if not both:
        return []
    return [f"Renamed an entry? The plan creates {', '.join(both)} objects while owned ones are in no file: the "
            f"object under the old name stays until `--prune` deletes it."]


def plan_text(plan: Plan, style: Callable[[str, str], str] = lambda text, action: text) -> str:
    """The plan in the Terraform habit; `style(text, action)` may colour each change's heading. Entries that
    could not be planned follow under `Blocked:`, after the changes skipped because they wait for them; then
    the adoptions by kind and the drift of observed entries."""
    data = plan.as_dict()
    extra = _sections(adopt_lines(data), drift_lines(data, style))
    if not _changing(data) and not data["blocked"]:
        aside = aside_line(data["summary"])
        return "\n".join(_sections([f"No changes. {data['unchanged']} resources match the desired state."
                                    + (f" {aside}" if aside else "")], extra, unnamed_lines(plan)))
    changes = [line for change in _changing(data) for line in _change_lines(change, style)]
    total = [summary_line(data["summary"]) + f" {data['unchanged']} unchanged."]
    return "\n".join(_sections(changes, skipped_lines(data), blocked_lines(data), extra, total, unnamed_lines(plan)))


def quiet_plan_text(plan: Plan) -> str:
    """What `plan --quiet` prints: the blocked entries, if any, and the summary line (or `No changes.`)."""
    data = plan.as_dict()
    if not _changing(data) and not data["blocked"]:
        aside = aside_line(data["summary"])
        return f"No changes. {aside}" if aside else "No changes."
    return "\n".join(_sections(blocked_lines(data), [summary_line(data["summary"])]))


def order_of_work(plan: Plan) -> str | None:
    """The Mermaid picture of the pending changes that wait for one another (None when none do)."""
    order = plan.pending_order
    edges = edges_of(plan.execution_graph(), order)
    if not edges:
        return None
    linked = sorted({index for edge in edges for index in edge}, key=order.index)
    titles = {index: plan.changes[index].title for index in linked}
    actions = {index: plan.changes[index].change.action for index in linked}
    return mermaid(titles, edges, actions)


#: what Markdown (GitHub's included) reads as markup inside a line: each is written with a backslash before it
_MARKDOWN_PUNCTUATION = re.compile(r"([\\`*_\[\]|~!])")


def markdown_text(text: Any) -> str:
    """Text of the files or of a platform, shown as itself in a Markdown comment: HTML escaped (no tag, entity
    or comment of a value reaches the page), Markdown punctuation escaped (no backtick closes a code span, no
    `|` ends a cell, no link or image appears, no one is mentioned), line breaks as spaces (no line ends a table
    row)."""
    escaped = html.escape(str(text), quote=False).replace("@", "&#64;")  # no @mention of a person or team
    return _MARKDOWN_PUNCTUATION.sub(r"\\\1", " ".join(escaped.splitlines()))


def _markdown_code(text: Any) -> str:
    """A name in code style, built with <code> around escaped text (a code span cannot escape a backtick)."""
    return f"<code>{markdown_text(text)}</code>"


def plan_markdown(plan: Plan) -> str:
    """The plan as Markdown for a pull-request comment, sized for one (see `markdown_plan`)."""
    from .markdown_plan import plan_markdown as sized  # it builds on this module's lines

    return sized(plan)


def render_plan(plan: Plan, fmt: str, style: Callable[[str, str], str] | None = None) -> str:
    """The plan as `fmt`: "text" (optionally styled), "json" or "markdown"."""
    if fmt == "json":
        return json.dumps(plan.as_dict(), indent=2, sort_keys=True, default=str)
    if fmt == "markdown":
        return plan_markdown(plan)
    return plan_text(plan, style) if style else plan_text(plan)


def outcome_line(outcome: Outcome) -> str:
    """One outcome: its status, action, resource and time, the error below it when it failed."""
    change = outcome.planned.as_dict()
    text = f"  {outcome.status:7} {_action(change):8} {_title(change)} ({outcome.seconds:.2f}s)"
    if outcome.error:
        text += f"\n          {outcome.error}"
    if outcome.status == "failed" and outcome.wrote:
        text += "\n          (it wrote to the platform before it failed: the resource changed)"
    return text


def report_text(report: Report) -> str:
    """The one-line sum of an apply, naming the entries its plan left blocked."""
    data = report.as_dict()
    text = f"Apply complete: {data['applied']} applied, {data['failed']} failed, {data['skipped']} skipped"
    if data["blocked"]:
        names = ", ".join(f"{_blocked_title(item)} ({item['source']})" for item in data["blocked"])
        text += f"; {len(data['blocked'])} blocked: {names}"
    return text + "."
