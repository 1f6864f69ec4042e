"""The fast reader of plain YAML gives what ruamel.yaml gives: the same values and the same line of every key."""

from __future__ import annotations

import pytest
from ruamel.yaml import YAML

from reconciler import fast_yaml
from reconciler.desired.yaml_reader import line_of as _line
from reconciler.desired.yaml_reader import plain as _plain
from tests.support import ROOT

SCALARS = ("a: 2026-01-01\nb: yes\nc: 0o17\nd: 017\ne: 1_000\nf: 1:20\ng: .inf\nh: ~\ni: 0x1F\nj: 1e3\nk: True\n"
           "l: NULL\nm: -0.5\nn: +12\no: '017'\np: on\nq: 1.\nr:\ns: \"x\"\nt: [1, two, {u: 3}]\n")


def lines(node, path=()):
    """(path, line) of every key and item, depth first."""
    found = []
    if isinstance(node, dict):
        for key, value in node.items():
            found.append((path + (str(key),), _line(node, key)))
            found += lines(value, path + (str(key),))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found.append((path + (index,), _line(node, index)))
            found += lines(value, path + (index,))
    return found


def both(text):
    return fast_yaml.load(text), YAML(typ="rt").load(text)


@pytest.mark.parametrize("name", sorted(p.name for p in (ROOT / "examples").rglob("*.yml")))
def test_every_example_reads_the_same_with_the_same_lines(name):
    path = next((ROOT / "examples").rglob(name))
    fast, full = both(path.read_text(encoding="utf-8"))
    assert _plain(fast) == _plain(full)
    assert lines(fast) == lines(full)


def test_scalars_are_read_as_yaml_1_2_core_as_ruamel_reads_them():
    fast, full = both(SCALARS)
    assert _plain(fast) == _plain(full)
    def base(value):
        for kind in (bool, int, float, str, type(None)):
            if isinstance(value, kind):
                return kind
        return type(value).__name__ if not isinstance(value, (dict, list)) else "container"

    assert [base(v) for v in fast.values()] == [base(v) for v in full.values()]
    assert lines(fast) == lines(full)


@pytest.mark.parametrize("text", [
    "a: &x 1\nb: *x\n",          # anchors and aliases
    "a: 1\na: 2\n",              # a duplicate key
    "a: {<<: {b: 1}}\n",         # a merge key
    "a: !custom 1\n",            # a custom tag
    "a:\n\t- 1\n",               # a tab
    "a: [1\n",                   # a syntax error
    "---\na: 1\n---\nb: 2\n",    # two documents
])
def test_what_is_not_plain_goes_to_the_full_reader(text):
    with pytest.raises(fast_yaml.NotPlain):
        fast_yaml.load(text)
