"""Where every identifier an emulator hands out comes from: one `IdSource` per emulator, saved with its state.

A real server never hands out an identifier twice, not even after a restart. The emulators draw their
random identifiers (uuids, tokens, VM ids) from one seeded generator, so that a seed means the same
identifiers on a fresh start; the generator's position is saved with the state and read back with it,
so a restarted emulator goes on where it stopped instead of starting from the seed again. Numbered
identifiers (OpenDCP ids and the like) are counters the platform's model keeps in its own state; they
are drawn here too, so that both kinds skip what is in use and every draw is counted.

Defence in depth: an identifier the restored state holds is never handed out again, even when the
state carries no position (a file written before positions were saved): a random draw that renders as
any text of the restored state is skipped, and a counter skips numbers its model still uses.
"""

from __future__ import annotations

import random
import uuid
from typing import Any, Callable, Container, Iterator, Mapping

#: the version of Python's Mersenne Twister state (`random.Random.getstate()[0]`)
_RANDOM_VERSION = 3
#: 32-bit words of the Mersenne Twister's state, then its index into them
_WORDS = 624


class IdSource:
    """The random identifiers and the draws of counters of one emulator; `export`/`restore` keep its position."""

    def __init__(self, seed: int | None = None):
        self._random = random.Random(seed)
        #: texts of the restored state: a random draw rendered as one of them is skipped
        self._in_use: frozenset[str] = frozenset()
        #: how many identifiers have been handed out: a request that draws one has changed the state
        self.drawn = 0

    # --- drawing -----------------------------------------------------------------------------------
    def uuid4(self) -> uuid.UUID:
        """A new version-4 uuid; with a seed, the same sequence on every fresh start.

        A uuid whose dashed or 32-digit form is a text of the restored state is skipped.
        """
        while True:
            value = uuid.UUID(int=self._random.getrandbits(128), version=4)
            if str(value) not in self._in_use and value.hex not in self._in_use:
                self.drawn += 1
                return value

    def token(self, bits: int, render: Callable[[int], str]) -> str:
        """`render` of `bits` random bits (e.g. a VM id `i-<16 hex digits>`), skipping texts of the restored state."""
        while True:
            text = render(self._random.getrandbits(bits))
            if text not in self._in_use:
                self.drawn += 1
                return text

    def next_number(self, last: int, in_use: Container[int] = ()) -> int:
        """The number after a counter's `last`, past every number `in_use` holds (the caller stores it)."""
        number = last + 1
        while number in in_use:
            number += 1
        self.drawn += 1
        return number

    # --- persistence -------------------------------------------------------------------------------
    def export(self) -> dict[str, Any]:
        """The generator's position as JSON-able data: its state words (hex), index and cached gauss value."""
        version, internal, gauss_next = self._random.getstate()
        words, index = internal[:_WORDS], internal[_WORDS]
        return {"generator": f"mt19937-v{version}", "words": "".join(f"{word:08x}" for word in words),
                "index": index, "gauss_next": gauss_next}

    def restore(self, position: Mapping[str, Any] | None, state: Any) -> None:
        """Go on from a saved `position` (None keeps the current one, as for an old state file), and never
        hand out a text that the restored `state` (any JSON-able data) holds. ValueError on a bad position."""
        if position is not None:
            self._random.setstate(_random_state(position))
        self._in_use = frozenset(_texts(state))


def _random_state(position: Any) -> tuple[int, tuple[int, ...], float | None]:
    """`random.Random.setstate`'s argument from an exported position; ValueError naming what is wrong."""
    if not isinstance(position, Mapping):
        raise ValueError("state file: 'ids' must be an object (the identifier generator's position)")
    if position.get("generator") != f"mt19937-v{_RANDOM_VERSION}":
        raise ValueError(f"state file: unknown identifier generator {position.get('generator')!r}")
    words, index, gauss_next = position.get("words"), position.get("index"), position.get("gauss_next")
    if not isinstance(words, str) or len(words) != 8 * _WORDS:
        raise ValueError(f"state file: ids.words must be {8 * _WORDS} hex digits")
    try:
        numbers = tuple(int(words[at:at + 8], 16) for at in range(0, len(words), 8))
    except ValueError:
        raise ValueError(f"state file: ids.words must be {8 * _WORDS} hex digits") from None
    if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index <= _WORDS:
        raise ValueError(f"state file: ids.index must be an integer from 0 to {_WORDS}")
    if gauss_next is not None and (isinstance(gauss_next, bool) or not isinstance(gauss_next, (int, float))):
        raise ValueError("state file: ids.gauss_next must be a number or null")
    return _RANDOM_VERSION, numbers + (index,), None if gauss_next is None else float(gauss_next)


def _texts(data: Any) -> Iterator[str]:
    """Every string of JSON-able data, keys included."""
    if isinstance(data, str):
        yield data
    elif isinstance(data, Mapping):
        for key, value in data.items():
            if isinstance(key, str):
                yield key
            yield from _texts(value)
    elif isinstance(data, (list, tuple)):
        for item in data:
            yield from _texts(item)
