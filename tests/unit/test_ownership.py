"""Ownership markers and the README's table of where each kind keeps its owner."""

from __future__ import annotations

import re

import pytest
from ansible_collections.converge.platforms.plugins.module_utils.ownership import TextMarker

from reconciler.ledger_owned import ledger_owned
from reconciler.platforms import kinds
from tests.support import ROOT

MARK = TextMarker("desc")


@pytest.mark.parametrize("desired, live, adopt, sent", [
    ({"desc": "web"}, None, False, "web [converge:me]"),                        # create: marked
    ({"desc": None}, None, False, "[converge:me]"),
    ({"desc": "new"}, {"desc": "old [converge:me]"}, False, "new [converge:me]"),  # update keeps the marker
    ({"desc": "new"}, {"desc": "old [converge:them]"}, False, "new [converge:them]"),
    ({"desc": "new"}, {"desc": "by hand"}, False, "new"),                      # not ours: no marker added
    ({"desc": None}, {"desc": "by hand"}, False, None),
    ({"desc": None}, {"desc": "by hand"}, True, "by hand [converge:me]"),       # adopt keeps the live text
    ({"desc": "x [converge:forged]"}, None, False, "x [converge:me]"),
])
def test_a_text_marker_is_written_on_create_and_adopt_and_kept_on_update(desired, live, adopt, sent):
    assert MARK.claim(desired, live, "me", adopt)["desc"] == sent


def test_the_owner_is_read_from_the_end_of_the_text():
    assert MARK.owner_of({"desc": "web [converge:team-a]"}) == "team-a"
    assert MARK.owner_of({"desc": "[converge:team-a] web"}) is None
    assert MARK.owner_of({"desc": None}) is None


def pruned_through(spec) -> str:
    """What the README's column "pruned through" says of a kind: its marker, its record tag, the ledger, or none."""
    if isinstance(spec.ownership, TextMarker):
        return "marker"
    if spec.ownership is not None:
        return "record tag"
    return "ledger" if ledger_owned(spec) else "none"


def test_the_readme_names_the_carrier_of_every_kind_and_how_it_is_pruned():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("<!-- ownership:start -->", 1)[1].split("<!-- ownership:end -->", 1)[0]
    through, unprunable = {}, []
    for row in table.strip().splitlines()[2:]:
        cells = [cell.strip() for cell in re.split(r"(?<!\\)\|", row)[1:-1]]
        for kind in re.findall(r"`(\w+)`", cells[0]):
            assert kind not in through, f"{kind} is in the table twice"
            through[kind] = cells[2].split(":", 1)[0]
        if cells[2].startswith("none"):
            unprunable.append(cells[2])
    reconcilable = {name: spec for name, spec in kinds().items() if spec.reconcilable}
    assert through == {name: pruned_through(spec) for name, spec in reconcilable.items()}
    # a kind that cannot be pruned says which of the document's calls rule it out
    assert unprunable and all(cell.startswith("none: the document") and re.search(r"\(\S+\)", cell)
                              for cell in unprunable)


def test_every_kind_marked_in_its_own_objects_can_list_them_all():
    marked = [name for name, spec in kinds().items() if isinstance(spec.ownership, TextMarker)]
    assert marked
    assert [name for name in marked if not callable(getattr(kinds()[name], "read_all", None))] == []
