"""Every molecule scenario under extensions/molecule, run as `molecule test` with the delegated driver."""

from __future__ import annotations

import subprocess

import pytest

from tests.support import BIN, ROOT, ansible_env

pytestmark = pytest.mark.slow
SCENARIOS = sorted(path.parent.name for path in (ROOT / "extensions" / "molecule").glob("*/molecule.yml"))


def test_every_role_has_a_scenario():
    roles = sorted(path.name for path in (ROOT / "roles").iterdir() if (path / "tasks").is_dir())
    assert SCENARIOS == roles


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_molecule_scenario(scenario):
    """create (the emulators), converge, idempotence (a second converge changes nothing), verify, destroy."""
    env = ansible_env({"NO_COLOR": "1", "MOLECULE_NO_LOG": "false"})
    proc = subprocess.run([str(BIN / "molecule"), "test", "-s", scenario], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=900)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output[-8000:]
    for step in ("create", "converge", "idempotence", "verify", "destroy"):
        assert f"{scenario} > {step}: Executed: Successful" in output, (step, output[-8000:])
