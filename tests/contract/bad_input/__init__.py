"""Catalogues of every documented operation, one module per platform, for the generated bad-input test.

Each platform module (`zstack.py`, `migration.py`, `opendcp.py`, `vsd.py`, `osgview.py`) defines:

- `PLATFORM`: the emulator's platform name, as `emulators.start` takes it;
- `DOCUMENTED_OPERATIONS`: the operation count the API index gives for the platform;
- `OPERATIONS`: one `Operation` per documented operation, with a valid request;
- `connect(handle) -> requests.Session`: a session that reaches every operation (logged in when the
  platform has sessions), its headers set;
- `prepare(session, url) -> dict[str, str]`: creates what the operations' paths and bodies name and
  returns the values their `{placeholders}` take;
- `refusal(response) -> str | None`: the reason the platform gives when the response is a refusal in the
  platform's own error shape, None when it is not one (a success, or an answer in no known shape).

`tests/contract/test_bad_input.py` sends, for every operation, each field of its body (and of the first item
of a list of objects) replaced by values of a wrong type, and requires each to be refused in the platform's
own shape, naming the field, with no 5xx.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator


@dataclass(frozen=True)
class Operation:
    """One documented operation and a valid request for it."""

    name: str
    method: str
    path: str
    body: dict[str, Any] | None = None
    #: Fields the mutation leaves alone: the ones that select the operation itself (`Action`).
    fixed: tuple[str, ...] = ()
    #: Fields whose wrong types the platform documents as accepted (each with the reason in a comment).
    lenient: tuple[str, ...] = ()
    query: dict[str, Any] = field(default_factory=dict)

    def filled(self, values: dict[str, str]) -> "Operation":
        """The operation with its `{placeholders}` replaced, in the path and in string body values."""
        return Operation(self.name, self.method, self.path.format(**values), _fill(self.body, values),
                         self.fixed, self.lenient, _fill(self.query, values))


def _fill(value: Any, values: dict[str, str]) -> Any:
    if isinstance(value, str) and "{" in value:
        return value.format(**values)
    if isinstance(value, dict):
        return {key: _fill(item, values) for key, item in value.items()}
    if isinstance(value, list):
        return [_fill(item, values) for item in value]
    return value


def wrong_values(valid: Any) -> list[Any]:
    """Values of another JSON type than `valid`: a list and an object always, and a swapped scalar."""
    wrong: list[Any] = [[1], {"wrong": 1}]
    if isinstance(valid, bool):
        wrong.append("yes")
    elif isinstance(valid, (int, float)):
        wrong.append("many")
    elif isinstance(valid, str):
        wrong.append(12345)
    elif isinstance(valid, list):
        wrong = [{"wrong": 1}, "text"]
    elif isinstance(valid, dict):
        wrong = [[1], "text"]
    return wrong


def mutations(operation: Operation) -> Iterator[tuple[str, dict[str, Any]]]:
    """(field path, body) for each field of the body and of the first object of each list, given a wrong type."""
    body = operation.body or {}
    for key, valid in body.items():
        if key in operation.fixed or key in operation.lenient:
            continue
        for wrong in wrong_values(valid):
            yield key, {**body, key: wrong}
        if isinstance(valid, list) and valid and isinstance(valid[0], dict):
            for inner, inner_valid in valid[0].items():
                for wrong in wrong_values(inner_valid):
                    item = {**valid[0], inner: wrong}
                    yield f"{key}[0].{inner}", {**body, key: [item, *valid[1:]]}
