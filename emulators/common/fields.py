"""Reading the optional fields of a request body, each platform refusing a wrong type in its own words."""

from __future__ import annotations

from typing import Any, Callable, Mapping, TypeVar

T = TypeVar("T")


def optional_field(body: Mapping[str, Any], key: str, kind: type[T], default: T,
                   refuse: Callable[[str], Exception]) -> T:
    """`body[key]` when it is a `kind`, `default` when it is absent or null; another type raises what `refuse`
    makes of the key (the platform's own failure, naming the field)."""
    value = body.get(key)
    if value is None:
        return default
    if not isinstance(value, kind):
        raise refuse(key)
    return value
