"""write_atomically: every file converge writes is made beside its target and renamed over it."""

from __future__ import annotations

import os
import stat

from ansible_collections.converge.platforms.plugins.module_utils.files import write_atomically

from reconciler.planner import Plan
from reconciler.saved_plan import save


def test_a_symlink_planted_at_the_target_is_replaced_not_written_through(tmp_path):
    victim = tmp_path / "victim"
    victim.write_text("precious\n", encoding="utf-8")
    target = tmp_path / "state.json"
    target.symlink_to(victim)
    write_atomically(str(target), '{"password": "p"}')
    assert victim.read_text(encoding="utf-8") == "precious\n"
    assert not target.is_symlink() and target.read_text(encoding="utf-8") == '{"password": "p"}'
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert sorted(os.listdir(tmp_path)) == ["state.json", "victim"]


def test_a_saved_plan_goes_through_it(tmp_path):
    victim = tmp_path / "victim"
    victim.write_text("precious\n", encoding="utf-8")
    out = tmp_path / "plan.json"
    out.symlink_to(victim)
    save(Plan([]), [], str(out), lambda text: text)
    assert victim.read_text(encoding="utf-8") == "precious\n" and '"saved_format"' in out.read_text(encoding="utf-8")
