"""The dependency graph as a picture: DOT (Graphviz) or Mermaid, as `terraform graph` prints it, or SVG for the
status page of `reconciler watch --listen`.

An edge points from what comes first to what waits for it (a cluster to its services), so the picture
reads in the order of work. A node may carry its planned action (`+ create`, `~ update`, ...).
"""

from __future__ import annotations

import json
from html import escape

from .graph import Graph

#: planned action -> (symbol, DOT colour) for marked nodes
ACTION_STYLE = {"create": ("+", "darkgreen"), "update": ("~", "darkgoldenrod"), "replace": ("-/+", "darkorange"),
                "delete": ("-", "firebrick"), "noop": ("=", "gray40"), "blocked": ("!", "red")}


def edges_of(graph: Graph, members: list[int] | None = None) -> list[tuple[int, int]]:
    """(dependency, dependant) pairs among `members` (all items when None), sorted."""
    chosen = set(range(graph.size)) if members is None else set(members)
    return sorted((dependency, item) for item, needs in graph.needs.items() if item in chosen
                  for dependency in needs if dependency in chosen)


def _label(title: str, action: str | None) -> str:
    if action is None:
        return title
    symbol = ACTION_STYLE.get(action, ("!", "black"))[0]
    return f"{symbol} {title} ({action})"


def dot(titles: dict[int, str], edges: list[tuple[int, int]], actions: dict[int, str] | None = None) -> str:
    """A DOT digraph: one node per title (labelled with its action when given), one edge per pair."""
    lines = ["digraph converge {", "  rankdir=LR;", '  node [shape=box, fontname="monospace"];']
    for index, title in titles.items():
        action = (actions or {}).get(index)
        style = f", color={ACTION_STYLE[action][1]}" if action in ACTION_STYLE else ""
        lines.append(f"  n{index} [label={json.dumps(_label(title, action))}{style}];")
    lines.extend(f"  n{before} -> n{after};" for before, after in edges)
    lines.append("}")
    return "\n".join(lines)


#: characters of a label written as Mermaid entity codes: the quote ends the label, the others would be read as
#: HTML or Markdown by a renderer that allows them in labels
_MERMAID_ENTITIES = {'"': "#quot;", "<": "#60;", ">": "#62;", "`": "#96;", "&": "#38;"}


def _mermaid_text(text: str) -> str:
    """A label's text as itself in a quoted Mermaid label."""
    return "".join(_MERMAID_ENTITIES.get(character, character) for character in text)


def mermaid(titles: dict[int, str], edges: list[tuple[int, int]], actions: dict[int, str] | None = None) -> str:
    """A Mermaid flowchart, left to right: one node per title, one arrow per pair."""
    lines = ["flowchart LR"]
    for index, title in titles.items():
        lines.append(f'  n{index}["{_mermaid_text(_label(title, (actions or {}).get(index)))}"]')
    lines.extend(f"  n{before} --> n{after}" for before, after in edges)
    return "\n".join(lines)


def render(fmt: str, titles: dict[int, str], edges: list[tuple[int, int]],
           actions: dict[int, str] | None = None) -> str:
    """The picture in `fmt` ("dot" or "mermaid")."""
    return (mermaid if fmt == "mermaid" else dot)(titles, edges, actions)


#: planned action -> SVG (CSS) colour of a node's frame
SVG_COLOURS = {"create": "#1a7f37", "update": "#9a6700", "replace": "#bc4c00", "delete": "#cf222e",
               "noop": "#6e7781", "blocked": "#cf222e"}
#: the geometry of the SVG picture, in pixels
SVG_BOX_HEIGHT, SVG_ROW, SVG_GAP, SVG_MARGIN, SVG_CHAR = 40, 56, 70, 12, 7.2
#: the longest label drawn whole; a longer one is cut (the node's tooltip has it whole)
SVG_LABEL_CHARS = 56


def levels(size: int, edges: list[tuple[int, int]]) -> list[int]:
    """Each node's level: the longest path to it from a node nothing comes before (0), so every edge goes
    from a lower level to a higher one."""
    level = [0] * size
    waiting = [0] * size
    after: dict[int, list[int]] = {}
    for before, later in edges:
        waiting[later] += 1
        after.setdefault(before, []).append(later)
    ready = [node for node in range(size) if not waiting[node]]
    while ready:
        node = ready.pop()
        for later in after.get(node, []):
            level[later] = max(level[later], level[node] + 1)
            waiting[later] -= 1
            if not waiting[later]:
                ready.append(later)
    return level


def _svg_label(title: str, action: str | None) -> str:
    label = _label(title, action)
    return label if len(label) <= SVG_LABEL_CHARS else label[:SVG_LABEL_CHARS - 1] + "…"


def svg(titles: dict[int, str], edges: list[tuple[int, int]], actions: dict[int, str] | None = None) -> str:
    """An SVG picture, left to right in layers (a node's column is its level): one framed box per title,
    labelled with its action and coloured by it, one arrow per pair. Every text is escaped."""
    nodes = sorted(titles)
    place = {node: position for position, node in enumerate(nodes)}
    level = levels(len(nodes), [(place[a], place[b]) for a, b in edges if a in place and b in place])
    labels = {node: _svg_label(titles[node], (actions or {}).get(node)) for node in nodes}
    width = max([len(label) for label in labels.values()] + [10]) * SVG_CHAR + 16
    rows: dict[int, int] = {}
    corner = {}
    for node in nodes:
        column = level[place[node]]
        corner[node] = (SVG_MARGIN + column * (width + SVG_GAP), SVG_MARGIN + rows.get(column, 0) * SVG_ROW)
        rows[column] = rows.get(column, 0) + 1
    total_width = SVG_MARGIN * 2 + (max(level, default=0) + 1) * (width + SVG_GAP) - SVG_GAP
    total_height = SVG_MARGIN * 2 + max(rows.values(), default=0) * SVG_ROW
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="graph" width="{total_width:.0f}" '
             f'height="{total_height:.0f}" viewBox="0 0 {total_width:.0f} {total_height:.0f}" role="img" '
             f'aria-label="dependency graph">',
             '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
             'orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#57606a"/></marker></defs>']
    for before, after in edges:
        if before in corner and after in corner:
            (x1, y1), (x2, y2) = corner[before], corner[after]
            parts.append(f'<line class="edge" x1="{x1 + width:.0f}" y1="{y1 + SVG_BOX_HEIGHT / 2:.0f}" '
                         f'x2="{x2:.0f}" y2="{y2 + SVG_BOX_HEIGHT / 2:.0f}" stroke="#57606a" '
                         f'marker-end="url(#arrow)"/>')
    for node in nodes:
        x, y = corner[node]
        action = (actions or {}).get(node)
        colour = SVG_COLOURS.get(action or "", "#24292f")
        parts.append(f'<g class="node" data-action="{escape(action or "")}"><title>{escape(titles[node])}</title>'
                     f'<rect x="{x:.0f}" y="{y:.0f}" width="{width:.0f}" height="{SVG_BOX_HEIGHT}" rx="6" '
                     f'fill="#ffffff" stroke="{colour}" stroke-width="2"/>'
                     f'<text x="{x + 8:.0f}" y="{y + SVG_BOX_HEIGHT / 2 + 4:.0f}" font-family="monospace" '
                     f'font-size="12" fill="{colour}">{escape(labels[node])}</text></g>')
    parts.append("</svg>")
    return "\n".join(parts)
