"""ansible-test sanity, ansible-lint and the generated docs, run as part of the suite."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from tests.support import BIN, ROOT, ansible_env

pytestmark = pytest.mark.slow
SANITY_TESTS = ("validate-modules", "compile", "import")


def tracked_files() -> list[str]:
    """Files of the collection as git sees them (tracked and new, not ignored)."""
    out = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout
    return [line for line in out.splitlines() if line and (ROOT / line).is_file()]


def test_ansible_test_sanity(tmp_path):
    """validate-modules, compile and import on a copy at ansible_collections/converge/platforms."""
    target = tmp_path / "ansible_collections" / "converge" / "platforms"
    for name in tracked_files():
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target / name)
    home = tmp_path / "home"
    cache = home / ".ansible" / "test" / "cache"
    cache.mkdir(parents=True)
    # ansible-test downloads pip's bootstrap script; an offline stand-in is put where it looks first.
    for version in ("24_2", "25_0", "25_1", "25_2", "25_3"):
        shutil.copy2(ROOT / "tests" / "sanity" / "get_pip.py", cache / f"get_pip_{version}.py")
    cmd = [str(BIN / "ansible-test"), "sanity", "--python", f"{sys.version_info[0]}.{sys.version_info[1]}",
           "--color", "no"]
    for name in SANITY_TESTS:
        cmd += ["--test", name]
    env = ansible_env({"HOME": str(home)})
    env.pop("ANSIBLE_COLLECTIONS_PATH", None)
    proc = subprocess.run(cmd, cwd=target, env=env, capture_output=True, text=True, timeout=1200)
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-6000:]


def test_ansible_lint():
    """Playbooks, roles and the collection's metadata pass ansible-lint's production profile."""
    proc = subprocess.run([str(BIN / "ansible-lint"), "--offline", "--nocolor", "--profile", "production"],
                          cwd=ROOT, env=ansible_env(), capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-6000:]


def test_ruff_finds_nothing():
    """pyflakes, pycodestyle, bugbear and import order, as configured in pyproject.toml."""
    proc = subprocess.run([str(BIN / "ruff"), "check", "--no-cache", "."], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_module_docs_are_generated_from_specs():
    """Each module's DOCUMENTATION matches what tools/render_module_docs.py writes from its spec."""
    proc = subprocess.run([sys.executable, str(ROOT / "tools" / "render_module_docs.py"), "--check"],
                          env=ansible_env(), capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
