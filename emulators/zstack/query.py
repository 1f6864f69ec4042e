"""ZStack's query language, as a pure function over a list of inventories.

The document ("查询API") defines the parameters every query API takes: `q` conditions (the
legacy name `condition` is accepted too), `limit` (default 1000), `start`, `count`,
`replyWithCount`, `sort` (`+field` / `-field`), `sortBy` + `sortDirection`, `fields` and
`groupBy`. `run_query` applies them to plain dicts, so the engine can be tested without HTTP.

Readings taken where the document is silent:

- A condition is split where its field name ends, at the longest operator that starts
  there (`!?=` before `!=` before `=`), so a value may itself contain `=` or `!=`
  (`tag=a!=b` compares `tag` with `a!=b`). The value is kept as written, spaces included.
- Comparisons follow SQL: a field that is null matches only `is null`, never `=`, `!=`,
  `!?=` or `!~=`.
- Two numbers compare as numbers (exactly, so 32-digit strings never collide); two dates
  (ZStack's `Apr 24, 2017 7:10:55 PM` or ISO `2017-04-24 19:10:55`) compare as dates;
  anything else compares as text. Booleans read as `true` / `false`.
- `~=` is SQL LIKE: `%` any run of characters, `_` one character, `\\` escapes; it is
  case-sensitive, as is `=`.
- Sorting puts nulls first in ascending order and last in descending order, as MySQL does.
- `groupBy` keeps the first row of each group (after sorting); `total` counts the groups.

The two special conditions `__systemTag__` and `__userTag__` ("允许用户通过tag查询资源") select
rows by the text of their system or user tags, as ZStack's tag subquery does: `=`, `>`, `>=`,
`<`, `<=`, `?=`, `~=` and `not null` keep a row when one of its tags matches (`not null`: it has a
tag at all); their negations `!=`, `!?=`, `!~=` and `is null` keep a row when none of its tags
matches the positive form (`is null`: it has no tag). Tag text compares as text. Only the
resource's own fields may be selected (`fields`), sorted or grouped on, never these two.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Callable, Iterable, Mapping, Sequence, TypeVar

DEFAULT_LIMIT = 1000
VALUE_OPERATORS = ("!?=", "!~=", "?=", "~=", ">=", "<=", "!=", "=", ">", "<")
NULL_OPERATORS = ("is null", "not null")
SYSTEM_TAG_FIELD = "__systemTag__"
USER_TAG_FIELD = "__userTag__"
TAG_FIELDS = (SYSTEM_TAG_FIELD, USER_TAG_FIELD)
#: a negated operator on tags keeps the rows that no tag matches with its positive form
_TAG_NEGATIONS = {"!=": "=", "!?=": "?=", "!~=": "~=", "is null": "not null"}

#: tag field -> resource uuid -> the texts of that resource's tags of that kind
TagIndex = Mapping[str, Mapping[str, Sequence[str]]]
#: what a condition compares: numbers, dates or texts, each with its own kind
Ordered = TypeVar("Ordered", Decimal, datetime, str)

_FIELD = r"[A-Za-z_][\w.]*"
_VALUE_CONDITION = re.compile(
    r"^(?P<field>%s)(?P<op>%s)(?P<value>.*)$" % (_FIELD, "|".join(re.escape(op) for op in VALUE_OPERATORS)),
    re.DOTALL,
)
_SPACED_OPERATOR = re.compile(
    r"^\s*%s\s*(%s)" % (_FIELD, "|".join(re.escape(op) for op in VALUE_OPERATORS)))
_NULL_CONDITION = re.compile(r"^\s*(?P<field>%s)\s+(?P<op>is null|not null)\s*$" % _FIELD)
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_ZSTACK_DATE = re.compile(
    r"^(?P<mon>%s) (?P<day>\d{1,2}), (?P<year>\d{4}) (?P<hour>\d{1,2}):(?P<min>\d{2}):(?P<sec>\d{2}) (?P<ampm>AM|PM)$"
    % "|".join(_MONTHS)
)
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2})?)?$")


class QueryError(ValueError):
    """A query parameter that is missing, malformed or names an unknown field."""

    def __init__(self, parameter: str, reason: str):
        super().__init__(f"parameter[{parameter}] {reason}")
        self.parameter = parameter
        self.reason = reason


@dataclass(frozen=True)
class Condition:
    """One `q` condition: a field, an operator and (except for the null tests) a value."""

    field: str
    op: str
    value: str | None = None

    def matches(self, row: Mapping[str, Any], tags: TagIndex | None = None) -> bool:
        """Whether a row satisfies the condition (SQL semantics for nulls; tag conditions on the row's tags)."""
        if self.field in TAG_FIELDS:
            uuid = row.get("uuid")
            of_field = (tags or {}).get(self.field) or {}
            return self.matches_tags(of_field.get(uuid, ()) if isinstance(uuid, str) else ())
        actual = row.get(self.field)
        if self.op == "is null":
            return actual is None
        if self.op == "not null":
            return actual is not None
        if actual is None:
            return False
        return _MATCHERS[self.op](actual, self.value or "")

    def matches_tags(self, tag_texts: Sequence[str]) -> bool:
        """A `__systemTag__` / `__userTag__` condition over the texts of one resource's tags."""
        positive = _TAG_NEGATIONS.get(self.op, self.op)
        found = any(_tag_matches(positive, text, self.value or "") for text in tag_texts)
        return not found if self.op in _TAG_NEGATIONS else found


def _tag_matches(op: str, text: str, value: str) -> bool:
    """One tag's text against a positive operator: compared as text, as the tag column is."""
    if op == "not null":
        return True
    if op == "?=":
        return text in value.split(",")
    if op == "~=":
        return like(text, value)
    return {"=": text == value, ">": text > value, ">=": text >= value,
            "<": text < value, "<=": text <= value}[op]


@dataclass(frozen=True)
class QuerySpec:
    """Every query parameter, parsed and checked."""

    conditions: tuple[Condition, ...] = ()
    limit: int = DEFAULT_LIMIT
    start: int = 0
    count: bool = False
    reply_with_count: bool = False
    sort_by: str | None = None
    descending: bool = False
    fields: tuple[str, ...] = ()
    group_by: str | None = None


def parse_condition(text: str) -> Condition:
    """Split a condition such as `name~=vm%` or `name is null` at its operator."""
    match = _NULL_CONDITION.match(text)
    if match:
        return Condition(match["field"], match["op"])
    match = _VALUE_CONDITION.match(text)
    spaced = _SPACED_OPERATOR.match(text)
    if spaced and (not match or match["value"][:1].isspace()):
        operator = spaced.group(1)
        field, _sep, value = text.partition(operator)
        raise QueryError("q", f"has spaces around its operator: {text!r} (write it as "
                              f"{field.strip() + operator + value.strip()!r})")
    if not match:
        operators = ", ".join(VALUE_OPERATORS + NULL_OPERATORS)
        raise QueryError("q", f"has a condition without a query operator: {text!r} (valid operators: {operators})")
    return Condition(match["field"], match["op"], match["value"])


def parse_query(params: Mapping[str, Sequence[str]], fields: Iterable[str]) -> QuerySpec:
    """Parse the query parameters of a request against the queryable fields.

    Parameters that are not query parameters are ignored, as ZStack does.
    """
    known = frozenset(fields)
    conditions = tuple(_parse_conditions(params, known))
    sort_by, descending = _parse_sort(params, known)
    return QuerySpec(
        conditions=conditions,
        limit=_non_negative_int(params, "limit", DEFAULT_LIMIT),
        start=_non_negative_int(params, "start", 0),
        count=_boolean(params, "count"),
        reply_with_count=_boolean(params, "replyWithCount"),
        sort_by=sort_by,
        descending=descending,
        fields=_parse_fields(params, known),
        group_by=_known_field(_first(params, "groupBy"), "groupBy", known),
    )


def run_query(
    rows: Sequence[Mapping[str, Any]], params: Mapping[str, Sequence[str]], fields: Iterable[str],
    tags: TagIndex | None = None,
) -> dict[str, Any]:
    """Answer a query API: `{"inventories": [...]}`, plus `total` when asked, or `{"total": N}` for a count.

    `tags` gives, for `__systemTag__` and `__userTag__`, the tag texts of each row's uuid.
    Raises QueryError for an invalid parameter or a condition on an unknown field.
    """
    spec = parse_query(params, fields)
    selected = [row for row in rows if all(cond.matches(row, tags) for cond in spec.conditions)]
    if spec.sort_by:
        selected = sort_rows(selected, spec.sort_by, spec.descending)
    if spec.group_by:
        selected = first_of_each_group(selected, spec.group_by)
    total = len(selected)
    if spec.count:
        return {"total": total}
    page = selected[spec.start: spec.start + spec.limit]
    if spec.fields:
        page = [{name: row[name] for name in spec.fields if name in row} for row in page]
    else:
        page = [dict(row) for row in page]
    answer: dict[str, Any] = {"inventories": page}
    if spec.reply_with_count:
        answer["total"] = total
    return answer


def sort_rows(rows: Sequence[Mapping[str, Any]], field: str, descending: bool = False) -> list[Mapping[str, Any]]:
    """Stable sort on one field: numerically, by date or as text, whichever all its values allow."""
    key = _column_key([row.get(field) for row in rows])
    return sorted(rows, key=lambda row: _null_first(row.get(field), key), reverse=descending)


def first_of_each_group(rows: Sequence[Mapping[str, Any]], field: str) -> list[Mapping[str, Any]]:
    """The first row of every distinct value of a field, in the order the groups first appear."""
    seen: set[tuple[Any, ...]] = set()
    kept = []
    for row in rows:
        value = row.get(field)
        group = (0,) if value is None else (1, as_text(value))
        if group not in seen:
            seen.add(group)
            kept.append(row)
    return kept


# --- value semantics ---------------------------------------------------------------------

def as_text(value: Any) -> str:
    """How a stored value reads as text: booleans as `true`/`false`, whole floats without `.0`."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def as_number(value: Any) -> Decimal | None:
    """The value as an exact number, or None when it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, str) and _NUMBER.match(value.strip()):
        try:
            return Decimal(value.strip())
        except InvalidOperation:
            return None
    return None


def as_date(value: Any) -> datetime | None:
    """The value as a date when written like `Apr 24, 2017 7:10:55 PM` or `2017-04-24 19:10:55`."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    match = _ZSTACK_DATE.match(text)
    if match:
        hour = int(match["hour"]) % 12 + (12 if match["ampm"] == "PM" else 0)
        try:
            return datetime(int(match["year"]), _MONTHS.index(match["mon"]) + 1, int(match["day"]),
                            hour, int(match["min"]), int(match["sec"]))
        except ValueError:
            return None
    if _ISO_DATE.match(text):
        try:
            return datetime.fromisoformat(text)
        except ValueError:
            return None
    return None


def compare(actual: Any, expected: str) -> int:
    """-1, 0 or 1: numbers as numbers, dates as dates, everything else as text."""
    left_number, right_number = as_number(actual), as_number(expected)
    if left_number is not None and right_number is not None:
        return _order(left_number, right_number)
    left_date, right_date = as_date(actual), as_date(expected)
    if left_date is not None and right_date is not None:
        return _order(left_date, right_date)
    return _order(as_text(actual), expected)


def _order(left: Ordered, right: Ordered) -> int:
    """-1, 0 or 1 as `left` is below, equal to or above `right`."""
    return (left > right) - (left < right)


def equals(actual: Any, expected: str) -> bool:
    """`=` semantics: booleans ignore case, numbers and dates compare by value, text exactly."""
    if isinstance(actual, bool):
        return as_text(actual) == expected.strip().lower()
    return compare(actual, expected) == 0


def like(actual: Any, pattern: str) -> bool:
    """SQL LIKE: `%` matches any run of characters, `_` exactly one, `\\` escapes the next one."""
    return _like_regex(pattern).fullmatch(as_text(actual)) is not None


def _like_regex(pattern: str) -> re.Pattern[str]:
    parts = []
    chars = iter(pattern)
    for char in chars:
        if char == "\\":
            parts.append(re.escape(next(chars, "\\")))
        elif char == "%":
            parts.append(".*")
        elif char == "_":
            parts.append(".")
        else:
            parts.append(re.escape(char))
    return re.compile("".join(parts), re.DOTALL)


def _in_list(actual: Any, values: str) -> bool:
    return any(equals(actual, item) for item in values.split(","))


_MATCHERS: dict[str, Callable[[Any, str], bool]] = {
    "=": equals,
    "!=": lambda actual, value: not equals(actual, value),
    ">": lambda actual, value: compare(actual, value) > 0,
    "<": lambda actual, value: compare(actual, value) < 0,
    ">=": lambda actual, value: compare(actual, value) >= 0,
    "<=": lambda actual, value: compare(actual, value) <= 0,
    "?=": _in_list,
    "!?=": lambda actual, value: not _in_list(actual, value),
    "~=": like,
    "!~=": lambda actual, value: not like(actual, value),
}


def _column_key(values: Sequence[Any]) -> Callable[[Any], Any]:
    present = [value for value in values if value is not None]
    for convert in (as_number, as_date):
        if present and all(convert(value) is not None for value in present):
            return convert
    return as_text


def _null_first(value: Any, key: Callable[[Any], Any]) -> tuple[Any, ...]:
    return (0,) if value is None else (1, key(value))


# --- parameter parsing -------------------------------------------------------------------

def _first(params: Mapping[str, Sequence[str]], name: str) -> str | None:
    values = params.get(name) or []
    return values[0].strip() if values else None


def _parse_conditions(params: Mapping[str, Sequence[str]], known: frozenset[str]) -> Iterable[Condition]:
    for name in ("q", "condition"):
        for text in params.get(name) or []:
            if not text.strip():
                continue
            condition = parse_condition(text)
            if condition.field not in known and condition.field not in TAG_FIELDS:
                raise QueryError(name, f"names an unknown field {condition.field!r} in {text!r}")
            yield condition


def _non_negative_int(params: Mapping[str, Sequence[str]], name: str, default: int) -> int:
    text = _first(params, name)
    if text is None or text == "":
        return default
    if not re.fullmatch(r"[+]?\d+", text):
        raise QueryError(name, f"must be a non-negative integer, not {text!r}")
    return int(text)


def _boolean(params: Mapping[str, Sequence[str]], name: str) -> bool:
    text = _first(params, name)
    if text is None or text == "":
        return False
    if text.lower() not in ("true", "false"):
        raise QueryError(name, f"must be true or false, not {text!r}")
    return text.lower() == "true"


def _known_field(name: str | None, parameter: str, known: frozenset[str]) -> str | None:
    if not name:
        return None
    if name in TAG_FIELDS:
        raise QueryError(parameter, f"cannot name {name!r}: it is a query condition, not a field of the resource")
    if name not in known:
        raise QueryError(parameter, f"names an unknown field {name!r}")
    return name


def _parse_sort(params: Mapping[str, Sequence[str]], known: frozenset[str]) -> tuple[str | None, bool]:
    """`sort=+f` / `sort=-f` (a bare name sorts ascending; an unencoded `+` arrives as a space)."""
    sort = _first(params, "sort")
    if sort:
        descending = sort.startswith("-")
        return _known_field(sort.lstrip("+-").strip(), "sort", known), descending
    direction = (_first(params, "sortDirection") or "").lower()
    if direction not in ("", "asc", "desc"):
        raise QueryError("sortDirection", f"must be asc or desc, not {direction!r}")
    sort_by = _known_field(_first(params, "sortBy"), "sortBy", known)
    if direction and not sort_by:
        raise QueryError("sortDirection", "needs sortBy")
    return sort_by, direction == "desc"


def _parse_fields(params: Mapping[str, Sequence[str]], known: frozenset[str]) -> tuple[str, ...]:
    names: list[str] = []
    for value in params.get("fields") or []:
        for name in (part.strip() for part in value.split(",")):
            if name and name not in names:
                _known_field(name, "fields", known)
                names.append(name)
    return tuple(names)
