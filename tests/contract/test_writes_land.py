"""Every write lands: after apply, the emulator's own state holds what the desired state says.

Generated over every kind of the registry, through the reconciler's library API (`writes.converge`): a
create holds every given field, an update the new value of each field the spec updates in place (and the
other fields keep theirs), a delete and a prune leave nothing, a kind's own states (refreshed, running,
current, triggered, reloaded, cancelled...) leave their effect in the state or the request log. The values
are read back from the emulator's model (`writes.WIRE`), never through a converge client or the plan.
"""

from __future__ import annotations

import copy

import pytest

from reconciler.platforms import kinds
from tests.contract.test_every_kind import KINDS
from tests.contract.writes import BEFORE_DELETE, NOT_UPDATED, UNSTORED, UPDATES, WIRE, converge, stored, \
    updated_in_place, wrongly_held

DELETABLE = [kind for kind in KINDS if "absent" in kinds()[kind].states]
PRUNABLE = [kind for kind in KINDS if kinds()[kind].ownership is not None]
FIRST_STATE = {"zstack_gc_job": "triggered"}


def site(platform_of, kind, needs=None):
    """An emulator of `kind`'s platform and a desired state of its own (the catalogue's entries copied, so a test
    may change them), with the entries of `needs` added."""
    platform = platform_of(kind)
    platform.resources = copy.deepcopy(platform.resources)
    for needed, items in (needs or {}).items():
        platform.resources.setdefault(needed, []).extend(copy.deepcopy(items))
    platform.write()
    return platform


def applied(platform, prune=False):
    """Converge the platform's desired state; fail naming what failed."""
    result = converge(platform, prune=prune)
    assert not result.failed, [o.as_dict().get("error") for o in result.report.failed] + result.plan.blocked
    return result


def held(platform, entry):
    """The object `entry` names, as the platform's emulator holds it (None when it holds none)."""
    return stored(platform.kind, platform.spec, platform.handle.state(), entry)


@pytest.mark.parametrize("kind", KINDS)
def test_every_field_is_read_back_from_the_emulator_or_named_unstored(kind):
    spec = kinds()[kind]
    unstored = set(UNSTORED.get(kind, {}))
    assert set(WIRE[kind].fields) | unstored == set(spec.fields), "add the field to writes.WIRE or UNSTORED"
    assert not set(WIRE[kind].fields) & unstored


@pytest.mark.parametrize("kind", KINDS)
def test_every_field_updated_in_place_has_a_new_value(kind):
    tested = [name for step in UPDATES.get(kind, []) for name in list(step)[:1]]
    tested += [name for known, name in NOT_UPDATED if known == kind]
    assert sorted(tested) == sorted(updated_in_place(kinds()[kind])), "add the field to writes.UPDATES"


@pytest.mark.parametrize("kind", KINDS)
def test_a_create_holds_every_given_field(kind, platform_of):
    platform = site(platform_of, kind)
    entries = [entry for entry in platform.resources[kind] if entry.get("state", "present") == "present"]
    applied(platform)
    state = platform.handle.state()
    for entry in entries:
        assert wrongly_held(kind, platform.spec, state, entry) == {}, entry


@pytest.mark.parametrize("kind", sorted(UPDATES))
def test_an_update_holds_the_new_value_and_keeps_the_others(kind, platform_of):
    platform = site(platform_of, kind)
    applied(platform)
    entry = platform.resources[kind][0]
    for step in UPDATES[kind]:
        before = held(platform, entry)
        entry.update(step)
        platform.write()
        applied(platform)
        after = held(platform, entry)
        assert after is not None, f"{kind}: the object is gone after changing {step}"
        assert wrongly_held(kind, platform.spec, platform.handle.state(), step | {
            name: entry[name] for name in platform.spec.identity if name in entry}) == {}, step
        kept = {name: (before[name], after[name]) for name in before
                if name not in step and not derived(kind, name, step) and before[name] != after[name]}
        assert kept == {}, f"{kind}: changing {list(step)} also changed these fields"


def derived(kind, name, step):
    """Whether field `name` follows from a field of `step` (a pool's size is its nodes)."""
    return kind == "opendcp_pool" and name == "size" and "tasks" in step


@pytest.mark.xfail(strict=True, reason=NOT_UPDATED[("opendcp_service", "cluster")])
def test_a_service_given_another_cluster_moves_there(platform_of):
    platform = site(platform_of, "opendcp_service", {"opendcp_cluster": [{"name": "batch", "desc": "batch jobs"}]})
    applied(platform)
    entry = platform.resources["opendcp_service"][0]
    entry["cluster"] = "batch"
    platform.write()
    applied(platform)
    services = platform.handle.state()["services"].values()
    assert [service["name"] for service in services] == ["frontend"]


def emptied_then_deleted(platform, entries, prune=False):
    """Apply what a kind's delete needs first (`BEFORE_DELETE`), then the deletion (`absent`, or prune)."""
    for entry in entries:
        entry.update(BEFORE_DELETE.get(platform.kind, {}))
    platform.write()
    applied(platform)
    if prune:
        platform.resources.pop(platform.kind)
    else:
        for entry in entries:
            entry["state"] = "absent"
    platform.write()
    applied(platform, prune=prune)


@pytest.mark.parametrize("kind", DELETABLE)
def test_a_delete_leaves_nothing(kind, platform_of):
    platform = site(platform_of, kind)
    entries = platform.resources[kind]
    for entry in entries:
        entry["state"] = FIRST_STATE.get(kind, platform.spec.states[0])
    platform.write()
    applied(platform)
    assert all(held(platform, entry) is not None for entry in entries)
    emptied_then_deleted(platform, entries)
    assert [entry for entry in entries if held(platform, entry) is not None] == []


@pytest.mark.parametrize("kind", PRUNABLE)
def test_a_prune_deletes_what_no_entry_names(kind, platform_of):
    platform = site(platform_of, kind)
    applied(platform)
    entries = platform.resources[kind]
    assert all(held(platform, entry) is not None for entry in entries)
    emptied_then_deleted(platform, entries, prune=True)
    assert [entry for entry in entries if held(platform, entry) is not None] == []
