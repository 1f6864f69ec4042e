"""The one nested comparison: equal values, nested paths that differ, lists in no particular order."""

from __future__ import annotations

from ansible_collections.converge.platforms.plugins.module_utils.compare import changed_paths, same
from ansible_collections.converge.platforms.plugins.module_utils.spec import Change, Field, ResourceSpec


def test_nested_paths_name_what_changed():
    want = {"expand": "t1", "shrink": "t2", "steps": [{"name": "a", "retry": {"retry_times": 2}}]}
    have = {"expand": "t1", "shrink": "t3", "steps": [{"name": "a", "retry": {"retry_times": 0}}]}
    assert changed_paths(want, have, name="tasks") == ["tasks.shrink", "tasks.steps[0].retry.retry_times"]
    assert changed_paths({"a": 1}, {"a": 1}) == [] and same([1, {"b": 2}], [1, {"b": 2}])


def test_unordered_lists_compare_as_multisets():
    assert same(["127.0.0.2", "127.0.0.1"], ["127.0.0.1", "127.0.0.2"], unordered=True)
    assert not same(["127.0.0.2", "127.0.0.1"], ["127.0.0.1", "127.0.0.2"])
    assert not same(["a", "a"], ["a"], unordered=True)


def test_scalars_of_another_type_differ():
    assert changed_paths(1, "1", name="size") == ["size"]


class Pool(ResourceSpec):
    kind = "pool"
    identity = ("name",)
    fields = {"name": Field("str"), "tasks": Field("dict"), "nodes": Field("list", elements="str", unordered=True)}


def test_a_change_of_a_nested_field_shows_its_path_in_the_diff():
    spec = Pool()
    live = {"name": "p", "tasks": {"expand": "t1", "shrink": "t2"}, "nodes": ["127.0.0.1", "127.0.0.2"]}
    change = spec.plan({"name": "p", "tasks": {"expand": "t1", "shrink": "t9"}, "nodes": ["127.0.0.2", "127.0.0.1"]},
                       live)
    assert isinstance(change, Change) and change.action == "update" and list(change.fields) == ["tasks"]
    assert change.diff()["changed_paths"] == {"tasks": ["tasks.shrink"]}
    assert change.as_dict()["changed_paths"] == {"tasks": ["tasks.shrink"]}
