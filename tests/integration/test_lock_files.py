"""Another local user cannot take over the apply lock: its directory must be ours and private, its file no symlink."""

from __future__ import annotations

import hashlib
import os

import pytest

from reconciler.desired import Endpoint
from reconciler.errors import LockProblem
from reconciler.lock import apply_lock, lock_dir

NOBODY = 65534
ENDPOINTS = {"zstack": Endpoint("zstack", {"url": "http://127.0.0.1:9"}, "desired.yml", 3)}
#: the lock file of that endpoint, named by a digest of its URL
LOCK_NAME = hashlib.sha256(b"http://127.0.0.1:9").hexdigest()[:32] + ".lock"


@pytest.fixture
def default_place(tmp_path, monkeypatch):
    """The lock directory's default place, in a temp dir of the test's own."""
    monkeypatch.delenv("CONVERGE_LOCK_DIR", raising=False)
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    return tmp_path / f"converge-locks-{os.getuid()}"


def refusal() -> str:
    with pytest.raises(LockProblem) as caught:
        with apply_lock(ENDPOINTS, ["desired.yml"]):
            pytest.fail("the lock was taken in a directory that is not ours")
    (problem,) = caught.value.problems
    return problem


def test_a_directory_planted_by_another_user_is_refused_and_its_symlink_target_kept(default_place, tmp_path):
    if os.getuid() != 0:
        pytest.skip("making a directory of another user needs root")
    victim = tmp_path / "victim"
    victim.write_text("precious\n", encoding="utf-8")
    default_place.mkdir(mode=0o700)
    (default_place / LOCK_NAME).symlink_to(victim)
    os.chown(default_place, NOBODY, NOBODY)
    assert refusal() == (f"lock directory {default_place}: belongs to uid {NOBODY}, not to this user (uid 0); "
                         f"remove it, or set CONVERGE_LOCK_DIR to a directory of your own with mode 0700")
    assert victim.read_text(encoding="utf-8") == "precious\n"


def test_a_directory_open_to_others_is_refused(default_place):
    default_place.mkdir()
    default_place.chmod(0o777)
    assert "has mode 0777, open to other users" in refusal()


def test_a_symlink_in_place_of_the_directory_is_refused(default_place, tmp_path):
    (tmp_path / "elsewhere").mkdir(mode=0o700)
    default_place.symlink_to(tmp_path / "elsewhere")
    assert f"lock directory {default_place}: is a symbolic link" in refusal()


def test_a_symlink_in_place_of_the_lock_file_is_not_followed(tmp_path, monkeypatch):
    monkeypatch.setenv("CONVERGE_LOCK_DIR", str(tmp_path / "locks"))
    victim = tmp_path / "victim"
    victim.write_text("precious\n", encoding="utf-8")
    lock_dir().joinpath(LOCK_NAME).symlink_to(victim)
    assert refusal().startswith("desired.yml:3: endpoints.zstack: cannot open the lock file ")
    assert victim.read_text(encoding="utf-8") == "precious\n"


def test_the_default_directory_is_made_private_and_holds_the_lock(default_place):
    with apply_lock(ENDPOINTS, ["desired.yml"]):
        assert oct(default_place.stat().st_mode & 0o777) == "0o700"
        (lock,) = default_place.iterdir()
        assert '"files": ["desired.yml"]' in lock.read_text(encoding="utf-8")
