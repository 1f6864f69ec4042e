"""The status page of `reconciler watch --listen` (`/`): one HTML document made on the server from the document
`/api/status` serves (WatchStatus.as_dict()), for people.

It shows the source and the revision in force, the last cycle (outcome, when, how long, problems), every entry
grouped by file with its status (a colour and the word), `file:line` and reason, the pending plan (what is held
back, and why), the last applies with each change's outcome, the suspensions in force, the revisions rejected
with their problems, and the dependency graph as inline SVG (reconciler.pictures.svg). No script, no CDN, no
font from elsewhere: it works offline; it reloads itself every 10 s. Every text is escaped: the status holds
what the files and the platforms say, which a page must never run.
"""

from __future__ import annotations

from html import escape
from typing import Any, Iterable

from ..desired.model import resource_title
from ..pictures import svg
from .status import STATUSES

#: status -> (text colour, background) of its badge
STATUS_COLOURS = {"synced": ("#ffffff", "#1a7f37"), "drifted": ("#24292f", "#d4a72c"),
                  "failed": ("#ffffff", "#cf222e"), "suspended": ("#ffffff", "#6e7781")}
#: the outcome of a cycle, an apply or a change -> the status whose colour it is shown in
OUTCOME_STATUS = {"synced": "synced", "applied": "synced", "done": "synced", "succeeded": "synced",
                  "drifted": "drifted", "failed": "failed", "error": "failed", "rejected": "failed",
                  "skipped": "suspended"}

STYLE = """
body { font-family: system-ui, sans-serif; margin: 1.5rem; color: #24292f; background: #f6f8fa; }
header { margin-bottom: 1rem; line-height: 1.6; }
h1 { font-size: 1.4rem; margin: 0 0 .3rem; } h2 { font-size: 1.1rem; margin: 1.6rem 0 .5rem; }
h3 { font-size: 1rem; margin: 1rem 0 .3rem; font-family: monospace; }
section { background: #ffffff; border: 1px solid #d0d7de; border-radius: 6px; padding: .6rem 1rem 1rem;
          margin-bottom: 1rem; }
table { border-collapse: collapse; width: 100%; } td, th { text-align: left; padding: .25rem .5rem;
        border-bottom: 1px solid #eaeef2; vertical-align: top; }
code, .mono { font-family: monospace; } .muted { color: #57606a; }
.badge { display: inline-block; padding: 0 .45rem; border-radius: 1rem; font-size: .85rem; font-weight: 600; }
.counts .badge { margin-right: .4rem; } ul.problems { color: #cf222e; margin: .3rem 0; }
.graph-box { overflow-x: auto; }
"""


def badge(word: str) -> str:
    """A word in the colour of its status (an outcome's word in that of the status it means)."""
    status = word if word in STATUS_COLOURS else OUTCOME_STATUS.get(word, "suspended")
    colour, background = STATUS_COLOURS[status]
    return (f'<span class="badge status-{escape(status)}" style="color:{colour};background:{background}">'
            f'{escape(word)}</span>')


def _table(headers: Iterable[str], rows: list[list[str]], css: str = "") -> str:
    """A table of cells already made HTML."""
    head = "".join(f"<th>{escape(header)}</th>" for header in headers)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f'<table class="{css}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _problems(problems: list[str]) -> str:
    if not problems:
        return ""
    return '<ul class="problems">' + "".join(f"<li><code>{escape(p)}</code></li>" for p in problems) + "</ul>"


def change_title(change: dict[str, Any]) -> str:
    """`kind[identity]` of a change or an outcome as the status lists it."""
    identity = change.get("identity")
    return resource_title(str(change.get("kind", "?")), identity if isinstance(identity, dict) else {})


def file_of(source: str) -> str:
    """The file of a `file:line` (the whole of a source without a line)."""
    name, colon, line = source.rpartition(":")
    return name if colon and line.isdigit() else source


def _header(status: dict[str, Any]) -> str:
    revision = status.get("revision") or "none planned yet"
    owner = f' &middot; owner <code>{escape(str(status["owner"]))}</code>' if status.get("owner") else ""
    return (f"<header><h1>reconciler watch</h1><div>source <code>{escape(str(status.get('source', '')))}</code>"
            f"{owner}</div><div>revision in force <code class=\"revision\">{escape(str(revision))}</code> &middot; "
            f"{_cycles(int(status.get('cycles', 0)))}</div></header>")


def _cycles(count: int) -> str:
    return f"{count} cycle" + ("" if count == 1 else "s")


def _last_cycle(last: dict[str, Any] | None) -> str:
    if last is None:
        return '<section id="last-cycle"><h2>Last cycle</h2><p class="muted">no cycle has ended yet</p></section>'
    counts = "".join(f"{int(last.get('counts', {}).get(status, 0))} {badge(status)} " for status in STATUSES)
    return (f'<section id="last-cycle"><h2>Last cycle</h2><p>cycle {int(last["number"])} at '
            f'<code>{escape(str(last.get("revision") or "no revision"))}</code>: {badge(str(last["outcome"]))} '
            f'ended {escape(str(last["ended_at"]))}, took {float(last["seconds"]):.3f} s</p>'
            f'<p class="counts">{counts}</p>{_problems(list(last.get("problems", [])))}</section>')


def _entries(entries: list[dict[str, Any]]) -> str:
    if not entries:
        return '<section id="entries"><h2>Entries</h2><p class="muted">no entry planned yet</p></section>'
    by_file: dict[str, list[dict[str, Any]]] = {}
    for entry in entries:
        by_file.setdefault(file_of(str(entry.get("source", ""))), []).append(entry)
    parts = ['<section id="entries"><h2>Entries</h2>']
    for name, members in by_file.items():
        rows = [[badge(str(e["status"])), f'<code class="title">{escape(str(e["title"]))}</code>',
                 escape(str(e.get("action", ""))), f'<code class="source">{escape(str(e.get("source", "")))}</code>',
                 escape(str(e.get("reason", "")))] for e in members]
        parts.append(f'<h3>{escape(name)}</h3>' + _table(("status", "entry", "action", "file:line", "reason"),
                                                          rows, "entries"))
    return "".join(parts) + "</section>"


def _pending(held: list[dict[str, Any]]) -> str:
    if not held:
        return '<section id="pending"><h2>Pending plan</h2><p class="muted">nothing held back</p></section>'
    rows = [[f"<code>{escape(change_title(c))}</code>", escape(str(c.get("action", ""))),
             f"<code>{escape(str(c.get('source', '')))}</code>", escape(str(c.get("held", "")))] for c in held]
    return ('<section id="pending"><h2>Pending plan</h2>'
            + _table(("change", "action", "file:line", "held back because"), rows, "pending") + "</section>")


def _applies(applies: list[dict[str, Any]]) -> str:
    if not applies:
        return '<section id="applies"><h2>Last applies</h2><p class="muted">nothing applied yet</p></section>'
    parts = ['<section id="applies"><h2>Last applies</h2>']
    for item in applies:
        rows = [[badge(str(c.get("status", ""))), f"<code>{escape(change_title(c))}</code>",
                 escape(str(c.get("action", ""))), escape(str(c.get("error", "")))] for c in item.get("changes", [])]
        parts.append(f'<h3>cycle {int(item["cycle"])} at {escape(str(item.get("revision") or "")[:12])}, '
                     f'{escape(str(item.get("ended_at", "")))}: {badge(str(item.get("outcome", "")))}</h3>'
                     + _table(("outcome", "change", "action", "error"), rows, "applied"))
    return "".join(parts) + "</section>"


def _suspensions(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return '<section id="suspensions"><h2>Suspensions</h2><p class="muted">none in force</p></section>'
    items = "".join(f"<li>{escape(str(row.get('text', '')))}</li>" for row in rows)
    return f'<section id="suspensions"><h2>Suspensions</h2><ul>{items}</ul></section>'


def _rejected(rejected: list[dict[str, Any]]) -> str:
    if not rejected:
        return ""
    parts = ['<section id="rejected"><h2>Rejected revisions</h2>']
    for item in rejected:
        parts.append(f"<h3>{escape(str(item['revision']))}</h3>{_problems(list(item.get('problems', [])))}")
    return "".join(parts) + "</section>"


def _graph(graph: dict[str, Any]) -> str:
    nodes = list(graph.get("nodes", []))
    if not nodes:
        return '<section id="graph"><h2>Dependency graph</h2><p class="muted">no plan yet</p></section>'
    titles = {index: str(node["title"]) for index, node in enumerate(nodes)}
    actions = {index: str(node["action"]) for index, node in enumerate(nodes)}
    edges = [(int(before), int(after)) for before, after in graph.get("edges", [])]
    return f'<section id="graph"><h2>Dependency graph</h2><div class="graph-box">{svg(titles, edges, actions)}</div>' \
           "</section>"


def status_page(status: dict[str, Any]) -> str:
    """The whole page for a status document (WatchStatus.as_dict())."""
    last = status.get("last_cycle")
    body = [_header(status), _last_cycle(last), _entries(list((last or {}).get("entries", []))),
            _pending(list((last or {}).get("pending", []))), _applies(list(status.get("applies", []))),
            _suspensions(list((last or {}).get("suspensions", []))), _rejected(list(status.get("rejected", []))),
            _graph(dict((last or {}).get("graph", {})))]
    return ('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            '<meta http-equiv="refresh" content="10"><meta name="viewport" content="width=device-width">'
            f"<title>reconciler watch: {escape(str(status.get('source', '')))}</title><style>{STYLE}</style>"
            "</head><body>" + "\n".join(body) + "</body></html>\n")
