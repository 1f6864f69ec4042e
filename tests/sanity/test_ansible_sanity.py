"""ansible-test sanity (the whole default suite), ansible-lint and the generated docs, run as part of the suite."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from tests.support import BIN, ROOT, ansible_env, build_artifact, find_python

pytestmark = pytest.mark.slow
OWN_VERSION = "%d.%d" % sys.version_info[:2]


def cache_home() -> Path:
    """ansible-test's home: $XDG_CACHE_HOME (or ~/.cache)/converge-sanity, so its virtual environments are reused."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "converge-sanity" / "home"


def python_versions() -> tuple[str, ...]:
    """The Python versions this ansible-test tests: the remote-only ones and the controller's."""
    from ansible_test._util.target.common.constants import CONTROLLER_PYTHON_VERSIONS, REMOTE_ONLY_PYTHON_VERSIONS

    return tuple(REMOTE_ONLY_PYTHON_VERSIONS) + tuple(CONTROLLER_PYTHON_VERSIONS)


def interpreters(bin_dir: Path) -> dict[str, Path]:
    """Each Python version found, as bin_dir/pythonX.Y, so ansible-test finds it first on PATH."""
    found = {}
    bin_dir.mkdir(parents=True, exist_ok=True)
    for version in python_versions():
        path = find_python(version)
        if path:
            found[version] = bin_dir / ("python" + version)
            found[version].symlink_to(path)
    return found


def built_collection(tmp_path: Path) -> Path:
    """The collection as `ansible-galaxy collection build` ships it, at .../ansible_collections/converge/platforms.

    ansible-test checks what the artifact holds: the reconciler, the emulators and the project's tests and
    tools are Python packages of their own, left out by galaxy.yml's build_ignore (and checked by ruff).
    """
    artifact = build_artifact(tmp_path)
    target = tmp_path / "ansible_collections" / "converge" / "platforms"
    target.mkdir(parents=True)
    with tarfile.open(artifact) as tar:
        tar.extractall(target, filter="data")
    return target


def test_ansible_test_sanity(tmp_path):
    """Every test of the default `ansible-test sanity` suite, on every Python version found here."""
    target = built_collection(tmp_path)
    found = interpreters(tmp_path / "bin")
    home = cache_home()
    cache = home / ".ansible" / "test" / "cache"
    cache.mkdir(parents=True, exist_ok=True)
    # ansible-test downloads pip's bootstrap script; an offline stand-in is put where it looks first.
    for version in ("24_2", "25_0", "25_1", "25_2", "25_3"):
        shutil.copy2(ROOT / "tests" / "sanity" / "get_pip.py", cache / f"get_pip_{version}.py")
    cmd = [str(BIN / "ansible-test"), "sanity", "--color", "no", "--controller",
           f"origin:python={OWN_VERSION}@{found[OWN_VERSION]}"]
    for version, path in found.items():
        cmd += ["--target-python", f"{version}@{path}"]
    env = ansible_env({"HOME": str(home), "PATH": str(tmp_path / "bin") + os.pathsep + ansible_env()["PATH"]})
    env.pop("ANSIBLE_COLLECTIONS_PATH", None)
    proc = subprocess.run(cmd, cwd=target, env=env, capture_output=True, text=True, timeout=1500, check=False)
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-6000:]
    for version in found:
        assert 'Running sanity test "compile" on Python %s' % version in proc.stdout + proc.stderr


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
