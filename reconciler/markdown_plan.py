"""The plan as Markdown for a pull-request comment, sized for one.

The summary and a table of counts per kind and action come first; then the deletes and replaces in full, the
updates, the creates folded per kind in `<details>` blocks; then the skipped and blocked entries, the drift
of observed entries and the owned objects in no file (with prune off); last the order of work as a Mermaid
graph. GitHub refuses a comment over 65,536 characters: when the plan would pass `LIMIT`, the picture goes
first, then the longest sections lose rows (creates first, then updates, then drift and the owned objects in
no file; never a delete or a replace), each saying how many more plan.json holds.

Every value from the files or a platform goes through `markdown_text` (or `_html_text` inside HTML): a pull
request or a platform must not be able to put HTML, links or mentions in the comment a reviewer reads.
"""

from __future__ import annotations

import html
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass, field
from itertools import accumulate
from typing import Any, Callable

from .causes import cause_lines
from .ownership import ADOPT
from .planner import ACTION_ORDER, BLOCKED, Plan
from .report import (
    _action,
    _blocked_problem,
    _changing,
    _field_lines,
    _markdown_code,
    _sections,
    _title,
    aside_line,
    markdown_text,
    order_of_work,
    summary_line,
    unnamed_heading,
)

#: the most characters of a plan comment; GitHub refuses a comment over 65,536
LIMIT = 65_000
#: the columns of a table of changes, with the action and without it (the creates of one kind)
_HEADER = ["| action | resource | changes | after | source |", "|---|---|---|---|---|"]
_KIND_HEADER = ["| resource | changes | after | source |", "|---|---|---|---|"]
#: the rank of each section that may lose rows, cut in this order (the lowest first)
CREATES, UPDATES, DRIFT, SKIPPED = range(4)


@dataclass
class Section:
    """A part of the comment: lines before its rows, a table header shown with them, the rows, lines after.

    A section with a `rank` may show fewer rows than it has; it then says how many more plan.json holds."""

    head: list[str]
    rows: list[str]
    header: list[str] = field(default_factory=list)
    tail: list[str] = field(default_factory=list)
    rank: int | None = None
    shown: int = field(init=False)
    _ends: list[int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.shown = len(self.rows)
        self._ends = list(accumulate(len(row) + 1 for row in self.rows))  # each row and its line break

    def lines(self) -> list[str]:
        """The section's lines as shown."""
        more = len(self.rows) - self.shown
        table = self.header + self.rows[:self.shown] if self.shown else []
        cut = [f"{more} more, see plan.json"] if more else []
        return self.head + _sections(table, cut) + self.tail

    def size(self) -> int:
        """The length of the section's text, counted without building it."""
        fixed = sum(len(line) + 1 for line in self.head + self.tail)
        table = (sum(len(line) + 1 for line in self.header) + self._ends[self.shown - 1]) if self.shown else 0
        more = len(self.rows) - self.shown
        cut = len(f"{more} more, see plan.json") + 1 if more else 0
        blank = 1 if table and cut else 0
        return fixed + table + blank + cut - 1

    def cut(self, characters: int) -> None:
        """Show fewer rows, enough to save about `characters` (at least one row)."""
        kept = self._ends[self.shown - 1] - characters
        self.shown = min(self.shown - 1, max(0, bisect_right(self._ends, kept)))


def _html_text(text: Any) -> str:
    """Text shown as itself inside HTML, where Markdown is not read: escaped, and no one is mentioned."""
    return html.escape(str(text)).replace("@", "&#64;")


def _row(change: dict[str, Any], action: str | None) -> str:
    """One change as a table row: its action (unless the table is of one action), resource, field changes and why
    they differ (when the ledger tells), what it waits for and its source."""
    fields = "<br>".join(markdown_text(line.strip()) for line in _field_lines(change) + cause_lines(change))
    after = "<br>".join(_markdown_code(title) for title in change.get("depends_on") or [])
    cells = ([markdown_text(action)] if action is not None else []) + [
        _markdown_code(_title(change)), fields, after, markdown_text(change["source"])]
    return "| " + " | ".join(cells) + " |"


def count_lines(data: dict[str, Any]) -> list[str]:
    """A table of how many changes of each kind each action makes, blocked entries included."""
    counts = Counter((change["kind"], change["action"]) for change in data["changes"])
    counts.update((item["kind"], BLOCKED) for item in data["blocked"])
    present = {action for _, action in counts}
    known = [action for action in (*ACTION_ORDER, ADOPT) if action in present]
    actions = known + sorted(present - set(known) - {BLOCKED}) + ([BLOCKED] if BLOCKED in present else [])
    lines = ["| kind | " + " | ".join(actions) + " |", "|---|" + "---:|" * len(actions)]
    for kind in sorted({kind for kind, _ in counts}):
        cells = [str(counts[kind, action]) if counts[kind, action] else "" for action in actions]
        lines.append(f"| {markdown_text(kind)} | " + " | ".join(cells) + " |")
    return lines


def _table(title: str, changes: list[dict[str, Any]], rank: int | None,
           action: Callable[[dict[str, Any]], str] = _action) -> Section:
    """A section of changes with their action, under a heading that counts them (none when there is none)."""
    if not changes:
        return Section([], [])
    return Section([f"### {title} ({len(changes)})", ""], [_row(change, action(change)) for change in changes],
                   _HEADER, rank=rank)


def create_sections(creates: list[dict[str, Any]]) -> list[Section]:
    """The creates under one heading, folded per kind: a `<details>` block whose summary names the kind and
    counts its creates."""
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for change in creates:
        by_kind.setdefault(change["kind"], []).append(change)
    sections = [Section([f"### To create ({len(creates)})"], [])] if creates else []
    for kind, changes in sorted(by_kind.items()):
        summary = f"<details><summary><code>{_html_text(kind)}</code>: {len(changes)} to create</summary>"
        sections.append(Section([summary, ""], [_row(change, None) for change in changes], _KIND_HEADER,
                                ["", "</details>"], rank=CREATES))
    return sections


def blocked_sections(data: dict[str, Any]) -> list[Section]:
    """The skipped changes and the blocked entries as Markdown lists (none when nothing is blocked)."""
    skipped = [f"- {markdown_text(_action(change))} {_markdown_code(_title(change))} "
               f"({markdown_text(change['source'])}): waits for {_markdown_code(change['blocked_by'])}"
               for change in data["skipped"]]
    blocked = [f"- {markdown_text(_blocked_problem(item))}<br>remedy: {markdown_text(item['remedy'])}"
               for item in data["blocked"]]
    return [Section(["**Skipped** (they wait for a blocked entry):", ""], skipped, rank=SKIPPED) if skipped
            else Section([], []), Section(["**Blocked:**", ""] + blocked, []) if blocked else Section([], [])]


def plan_sections(data: dict[str, Any]) -> list[Section]:
    """The comment's sections, in order: summary, counts, deletes and replaces, updates, creates, the skipped and
    blocked entries, drift."""
    changing = _changing(data)
    removing = ([change for change in changing if change["action"] == "delete"]
                + [change for change in changing if change["action"] == "replace"])
    updating = [change for change in changing if change["action"] not in ("create", "delete", "replace")]
    drift = [dict(change, prune=False) for change in data.get("drift", [])]
    summary = f"**{summary_line(data['summary'])}** {data['unchanged']} unchanged."
    return [Section([summary, ""] + count_lines(data), []),
            _table("To delete or replace", removing, None),
            _table("To update", updating, UPDATES),
            *create_sections([change for change in changing if change["action"] == "create"]),
            *blocked_sections(data),
            _table("Drift on observed entries, never written", drift, DRIFT,
                   lambda change: f"drift ({change['action']})"),
            unnamed_section(data)]


def unnamed_section(data: dict[str, Any]) -> Section:
    """With prune off, the owned objects that no file names (what `--prune` would delete), a list that may be cut."""
    unnamed = data.get("unnamed") or []
    if not unnamed:
        return Section([], [])
    return Section([unnamed_heading(len(unnamed)), ""],
                   [f"- {_markdown_code(title)}" for title in unnamed], rank=DRIFT)


def _text(sections: list[Section]) -> str:
    return "\n".join(_sections(*(section.lines() for section in sections)))


def _size(sections: list[Section]) -> int:
    """The length of `_text(sections)`, counted without building it."""
    shown = [section.size() for section in sections if section.head or section.tail or section.rows]
    return sum(shown) + 2 * (len(shown) - 1)


def fit(sections: list[Section], limit: int = LIMIT) -> None:
    """Cut rows until the sections' text is within `limit`: the longest section of the lowest rank first, down to
    the next longest, then the next rank. A section without a rank keeps every row."""
    for rank in (CREATES, UPDATES, DRIFT, SKIPPED):
        group = [section for section in sections if section.rank == rank]
        while _size(sections) > limit and any(section.shown for section in group):
            longest, *others = sorted((s for s in group if s.shown), key=Section.size, reverse=True)
            excess = _size(sections) - limit
            longest.cut(max(1, min(excess, longest.size() - max((s.size() for s in others), default=0))))


def plan_markdown(plan: Plan, limit: int = LIMIT) -> str:
    """The plan as Markdown for a pull-request comment, within `limit` characters when its deletes, replaces and
    blocked entries fit: the order of work is drawn only when everything else fits beside it."""
    data = plan.as_dict()
    aside = aside_line(data["summary"])
    if not _changing(data) and not data["blocked"] and not data.get("drift"):
        matching = f"**No changes.** {data['unchanged']} resources match the desired state."
        return _text([Section([f"{matching} {aside}" if aside else matching], []), unnamed_section(data)])
    sections = plan_sections(data)
    picture = order_of_work(plan)
    if picture:
        drawn = Section(["Order of work (an arrow points to what waits for it):", "", "```mermaid", picture, "```"],
                        [])
        if _size(sections + [drawn]) <= limit:
            return _text(sections + [drawn])
    fit(sections, limit)
    return _text(sections)
