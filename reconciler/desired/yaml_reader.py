"""Reading a YAML file of the desired state: bounded in size, depth and aliases, with the line of every key.

A plain document is read by `fast_yaml`; anchors, merge keys, tags and errors by ruamel.yaml. Every problem is a
DocumentError `file:line: reason`.
"""

from __future__ import annotations

import re
from typing import Any, Iterator

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import AliasEvent, CollectionEndEvent, CollectionStartEvent

from .. import fast_yaml
from ..errors import DocumentError


def line_of(node: Any, key: Any = None) -> int:
    """1-based line of a key (or item) inside a node (ruamel's or fast_yaml's), else of the node itself."""
    try:
        if key is not None:
            if isinstance(key, int):
                return node.lc.item(key)[0] + 1
            return node.lc.key(key)[0] + 1
        return node.lc.line + 1
    except (AttributeError, KeyError, IndexError, TypeError):
        return 1


#: the largest desired-state file read: larger ones are refused before they are parsed
MAX_FILE_BYTES = 4 * 1024 * 1024
#: the most values a file may expand to once its aliases are followed (a YAML "billion laughs" stops here)
MAX_VALUES = 1_000_000


class RecursiveAlias(ValueError):
    """A YAML alias that contains itself (`&a [*a]`), or aliases that expand beyond MAX_VALUES."""


def plain(node: Any, _inside: tuple = (), _budget: list | None = None) -> Any:
    """Plain dicts and lists of a ruamel node; a node inside itself, or too many values, raise RecursiveAlias."""
    budget = [MAX_VALUES] if _budget is None else _budget
    budget[0] -= 1
    if budget[0] < 0:
        raise RecursiveAlias(f"the document expands to more than {MAX_VALUES:,} values once its aliases are "
                             f"followed (an alias bomb?)")
    if isinstance(node, (dict, list)):
        if any(node is outer for outer in _inside):
            raise RecursiveAlias("a YAML alias refers to a node that contains it")
        inside = _inside + (node,)
        if isinstance(node, dict):
            return {str(k): plain(v, inside, budget) for k, v in node.items()}
        return [plain(v, inside, budget) for v in node]
    return node


def _alias_inside_itself(events: Any) -> int | None:
    """The 1-based line of the first alias used inside the very node it names (`&a {k: *a}`), else None.

    Read from the parser's events, before any value is built: ruamel.yaml builds a mapping that holds an alias
    of itself with None in its place, so the value alone cannot tell. An alias is inside its node when it comes
    while the collection of that anchor is still open.
    """
    open_anchors: list[str | None] = []
    for event in events:
        if isinstance(event, CollectionStartEvent):
            open_anchors.append(event.anchor)
        elif isinstance(event, CollectionEndEvent):
            open_anchors.pop()
        elif isinstance(event, AliasEvent) and event.anchor in open_anchors:
            return event.start_mark.line + 1
    return None



def read_yaml(path: str) -> Any:
    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = False
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise DocumentError([f"{path}:1: cannot read: {exc.strerror}"])
    if len(raw) > MAX_FILE_BYTES:
        raise DocumentError([f"{path}:1: larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB, the most a desired-state "
                             f"file may be (split it into several files of a directory)"])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise DocumentError([f"{path}:{line}: not UTF-8 text (byte 0x{raw[exc.start]:02x})"])
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise DocumentError([f"{path}:{line}: a NUL byte is not allowed"])
    try:
        return _read_text(path, yaml, text)
    except fast_yaml.Refused as exc:
        raise DocumentError([f"{path}:{exc.line}: {exc.reason}"])
    except RecursionError:
        raise DocumentError([f"{path}:1: nested deeper than {fast_yaml.MAX_DEPTH} levels"])
    except ValueError as exc:
        if "integer string conversion" not in str(exc):
            raise
        # ruamel.yaml's int() of a number longer than Python converts, which it reports with no place
        long_number = _LONG_NUMBER.search(text)
        line = text.count("\n", 0, long_number.start()) + 1 if long_number else 1
        raise DocumentError([f"{path}:{line}: an integer longer than {fast_yaml.MAX_INT_DIGITS:,} digits "
                             f"(quote it if it is text)"])


#: a plain number longer than fast_yaml.MAX_INT_DIGITS, where the full reader cannot say where it was
_LONG_NUMBER = re.compile(r"(?<![\w\"'])[-+]?[0-9_]{%d,}" % (fast_yaml.MAX_INT_DIGITS + 1))


def _read_text(path: str, yaml: YAML, text: str) -> Any:
    """The document read from `text`: by fast_yaml when it is plain, else by ruamel.yaml."""
    try:
        root = fast_yaml.load(text)
    except fast_yaml.NotPlain:
        pass  # anchors, merge keys, tags, duplicates, errors: read and reported by ruamel.yaml
    else:
        return root
    try:
        inside_itself = _alias_inside_itself(yaml.parse(text))
        if inside_itself:
            raise DocumentError([f"{path}:{inside_itself}: a YAML alias refers to a node that contains it"])
        root = yaml.load(text)
        plain(root)
        return root
    except RecursiveAlias as exc:
        raise DocumentError([f"{path}:1: {exc}"])
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        raise DocumentError([f"{path}:{line}: invalid YAML: {exc.problem or exc.context}"])
    except YAMLError as exc:
        raise DocumentError([f"{path}:1: invalid YAML: {exc}"])



def readable(paths: list[str], problems: list[str]) -> Iterator[tuple[str, Any]]:
    """Each file's path and document, for the files that read; the problems of the others go to `problems`."""
    for path in paths:
        try:
            yield path, read_yaml(path)
        except DocumentError as exc:
            problems.extend(exc.problems)

