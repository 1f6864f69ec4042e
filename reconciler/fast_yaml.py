"""A fast reader of plain YAML documents that keeps the line of every key and item.

Desired-state files are large and plain: mappings, sequences and scalars. They are composed by
libyaml (PyYAML's C parser) and built into dicts and lists that carry their lines the way
ruamel.yaml's round-trip nodes do (`.lc.line`, `.lc.key(k)`, `.lc.item(i)`), with scalars read by
YAML 1.2's core schema as ruamel.yaml reads them (`yes` is a string, `017` is 17).

Anything beyond that (an anchor or alias, a merge key, a custom tag, a duplicate key, a syntax
error, a tab) raises NotPlain, and the caller reads the file with ruamel.yaml instead, which reports
each of those problems in its own words. Without libyaml everything goes to ruamel.yaml.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

HAS_LIBYAML = hasattr(yaml, "CSafeLoader")
_CORE = "tag:yaml.org,2002:"


#: the most digits of an integer: Python's own bound on converting text to int (sys.get_int_max_str_digits)
MAX_INT_DIGITS = 4300
#: the deepest a document may nest mappings and sequences
MAX_DEPTH = 200


class NotPlain(Exception):
    """The document needs the full reader."""


class Refused(ValueError):
    """A document no reader should build: `line` (1-based) and why."""

    def __init__(self, line: int, reason: str):
        super().__init__(reason)
        self.line, self.reason = line, reason


class _Lines:
    """ruamel.yaml's `lc`: 0-based (line, column) of a node, of its keys and of its items."""

    __slots__ = ("line", "col", "_keys", "_items")

    def __init__(self, mark: Any):
        self.line, self.col = mark.line, mark.column
        self._keys: dict[Any, tuple[int, int]] = {}
        self._items: list[tuple[int, int]] = []

    def key(self, key: Any) -> tuple[int, int]:
        return self._keys[key]

    def item(self, index: int) -> tuple[int, int]:
        return self._items[index]


class LinedDict(dict):
    """A mapping that knows the lines of its keys."""

    lc: _Lines


class LinedList(list):
    """A sequence that knows the lines of its items."""

    lc: _Lines


_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_INT = re.compile(r"^(?:[-+]?[0-9][0-9_]*|0o[0-7_]+|0x[0-9a-fA-F_]+)$")
_FLOAT = re.compile(r"^(?:[-+]?(?:\.[0-9]+|[0-9][0-9_]*(?:\.[0-9_]*)?)(?:[eE][-+]?[0-9]+)?"
                    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$")
_TIMESTAMP = re.compile(r"^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}"
                        r"(?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)?$")


class _Loader(yaml.CSafeLoader if HAS_LIBYAML else yaml.SafeLoader):  # type: ignore[misc]
    """Composes with libyaml; resolves plain scalars as YAML 1.2's core schema."""


_Loader.yaml_implicit_resolvers = {}
for _tag, _pattern, _first in (("bool", _BOOL, "tTfF"), ("null", _NULL, ["~", "n", "N", ""]),
                               ("int", _INT, "-+0123456789"), ("float", _FLOAT, "-+.0123456789"),
                               ("timestamp", _TIMESTAMP, "0123456789")):
    _Loader.add_implicit_resolver(_CORE + _tag, _pattern, list(_first))


def _integer(text: str, line: int) -> int:
    digits = text.replace("_", "")
    if len(digits) > MAX_INT_DIGITS:
        raise Refused(line, f"an integer of {len(digits):,} digits is longer than {MAX_INT_DIGITS:,} digits "
                            f"(quote it if it is text)")
    if digits.startswith("0o"):
        return int(digits[2:], 8)
    if digits.startswith("0x"):
        return int(digits[2:], 16)
    return int(digits, 10)


def load(text: str) -> Any:
    """The document as LinedDict / LinedList / scalars; NotPlain when it is more than plain YAML."""
    if not HAS_LIBYAML:
        raise NotPlain("libyaml is not available")
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        return None if node is None else _Builder(loader).build(node)
    except yaml.YAMLError as exc:
        if "maximum nesting depth" in str(exc):  # libyaml's own bound, far past ours: no reader should go on
            mark = getattr(exc, "problem_mark", None)
            raise Refused(mark.line + 1 if mark else 1, f"nested deeper than {MAX_DEPTH} levels") from None
        raise NotPlain(str(exc)) from None
    finally:
        loader.dispose()


class _Builder:
    """Nodes to values, refusing what only the full reader can say well."""

    def __init__(self, loader: Any):
        self.loader = loader
        self.seen: set[int] = set()
        self.depth = 0

    def build(self, node: Any) -> Any:
        if id(node) in self.seen:
            raise NotPlain("an alias")
        self.seen.add(id(node))
        if isinstance(node, yaml.ScalarNode):
            return self._scalar(node)
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise Refused(node.start_mark.line + 1, f"nested deeper than {MAX_DEPTH} levels")
        try:
            return self._mapping(node) if isinstance(node, yaml.MappingNode) else self._sequence(node)
        finally:
            self.depth -= 1

    def _mapping(self, node: Any) -> LinedDict:
        if node.tag != _CORE + "map":
            raise NotPlain("a tagged mapping")
        result = LinedDict()
        result.lc = _Lines(node.start_mark)
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == _CORE + "merge":
                raise NotPlain("a key that is not a plain scalar")
            key = self._scalar(key_node)
            if key in result or key == "<<":
                raise NotPlain("a duplicate or merge key")
            result.lc._keys[key] = (key_node.start_mark.line, key_node.start_mark.column)
            result[key] = self.build(value_node)
        return result

    def _sequence(self, node: Any) -> LinedList:
        if node.tag != _CORE + "seq":
            raise NotPlain("a tagged sequence")
        result = LinedList()
        result.lc = _Lines(node.start_mark)
        for item in node.value:
            result.lc._items.append((item.start_mark.line, item.start_mark.column))
            result.append(self.build(item))
        return result

    def _scalar(self, node: Any) -> Any:
        tag = node.tag
        if not tag.startswith(_CORE):
            raise NotPlain("a custom tag")
        kind = tag[len(_CORE):]
        if kind == "str":
            return node.value
        if kind == "int" and not node.style:
            return _integer(node.value, node.start_mark.line + 1)
        if kind in ("bool", "null", "float", "timestamp") and not node.style:
            try:
                return self.loader.construct_object(node)
            except Exception as exc:  # noqa: BLE001 - a value PyYAML reads otherwise than YAML 1.2: the full reader
                raise NotPlain("a scalar %r" % node.value) from exc
        raise NotPlain("a scalar of tag %s" % tag)
