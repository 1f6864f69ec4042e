"""The emulators' one source of identifiers: a seed's ids, its saved position, and no id of the restored state."""

from __future__ import annotations

import json
import random
import uuid

import pytest

from emulators.common.ids import IdSource


def uuids(source: IdSource, count: int) -> list[uuid.UUID]:
    return [source.uuid4() for _ in range(count)]


def test_a_seed_gives_the_uuids_it_always_gave():
    """The emulators drew uuid4s from random.Random(seed).getrandbits(128) before: a seed keeps its ids."""
    old = random.Random(7)
    assert uuids(IdSource(7), 5) == [uuid.UUID(int=old.getrandbits(128), version=4) for _ in range(5)]
    assert uuids(IdSource(7), 5) == uuids(IdSource(7), 5)


def test_a_restored_position_goes_on_where_the_source_stopped():
    first = IdSource(7)
    handed_out = uuids(first, 3) + [first.token(64, "i-{:016x}".format)]
    saved = json.loads(json.dumps(first.export()))
    then = uuids(first, 3)

    again = IdSource(7)
    again.restore(saved, {})
    assert uuids(again, 3) == then
    assert not set(then) & set(handed_out)


def test_without_a_position_no_text_of_the_restored_state_is_handed_out():
    """An old state file (no position): the seed's sequence starts again, skipping whatever the state holds."""
    first = IdSource(7)
    held = uuids(first, 2)
    vm_id = first.token(64, "i-{:016x}".format)
    state = {"tags": {held[0].hex: {"resourceUuid": "vm"}}, "servers": [{"server_id": str(held[1])}],
             "nodes": {"1": {"vm_id": vm_id}}}

    again = IdSource(7)
    again.restore(None, state)
    fresh = uuids(again, 2)
    assert not set(fresh) & set(held)
    assert again.token(64, "i-{:016x}".format) != vm_id


def test_next_number_skips_numbers_in_use_and_counts_every_draw():
    source = IdSource(1)
    assert source.next_number(0) == 1
    assert source.next_number(0, {1, 2, 4}) == 3
    source.uuid4()
    assert source.drawn == 3


@pytest.mark.parametrize("position, message", [
    ([], "'ids' must be an object"),
    ({"generator": "pcg64"}, "unknown identifier generator 'pcg64'"),
    ({"generator": "mt19937-v3", "words": "00", "index": 0}, "ids.words must be 4992 hex digits"),
    ({"generator": "mt19937-v3", "words": "zz" * 2496, "index": 0}, "ids.words must be 4992 hex digits"),
    ({"generator": "mt19937-v3", "words": "0" * 4992, "index": 700}, "ids.index must be an integer from 0 to 624"),
    ({"generator": "mt19937-v3", "words": "0" * 4992, "index": 1, "gauss_next": "x"},
     "ids.gauss_next must be a number or null"),
])
def test_a_bad_position_is_refused_naming_what_is_wrong(position, message):
    with pytest.raises(ValueError) as info:
        IdSource(1).restore(position, {})
    assert message in str(info.value)
