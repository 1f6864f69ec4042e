"""A pull-request plan of a large change against the ZStack emulator fits one GitHub comment."""

from __future__ import annotations

import re

from reconciler.api import Options, reconcile
from reconciler.report import render_plan
from tests.integration.test_prune import VM, tag_file
from tests.support import writes


def test_a_plan_of_1000_creates_and_20_prunes_fits_a_comment_and_names_every_delete(zstack, tmp_path):
    ours = tmp_path / "tags.yml"
    old = [f"old::{index}" for index in range(20)]
    assert not reconcile(Options([tag_file(ours, zstack.url, "team-a", old)], apply=True)).failed
    new = [f"team::web-{index:04}" for index in range(1000)]
    tag_file(ours, zstack.url, "team-a", new)
    zstack.clear_requests()

    shown = render_plan(reconcile(Options([str(ours)], prune=True)).plan, "markdown")
    assert writes(zstack.requests) == []
    assert len(shown) < 65_000
    assert shown.startswith("**Plan: 1000 to create, 0 to update, 0 to replace, 20 to delete, 0 actions.**")
    assert "\n| zstack\\_user\\_tag | 1000 | 20 |\n" in shown[:1500]
    for tag in old:
        assert (f"| delete (prune) | <code>zstack\\_user\\_tag\\[resource\\_uuid={VM}, "
                f"resource\\_type=VmInstanceVO, tag={tag}\\]</code> |") in shown
    rows = [line for line in shown.splitlines() if line.startswith("| <code>zstack\\_user\\_tag")]
    (more,) = re.findall(r"^(\d+) more, see plan.json$", shown, re.MULTILINE)
    assert rows and len(rows) + int(more) == 1000
    assert "<details><summary><code>zstack_user_tag</code>: 1000 to create</summary>" in shown
