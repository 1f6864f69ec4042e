"""The dependency graph as a picture: DOT (Graphviz) or Mermaid, as `terraform graph` prints it.

An edge points from what comes first to what waits for it (a cluster to its services), so the picture
reads in the order of work. A node may carry its planned action (`+ create`, `~ update`, ...).
"""

from __future__ import annotations

import json

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
