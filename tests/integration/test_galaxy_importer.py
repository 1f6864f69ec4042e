"""galaxy-importer, the checks Galaxy and Automation Hub run on an upload, on the artifact as it is built.

galaxy-importer lives in a virtual environment of its own (tests.support.cached_venv): it pins an
ansible-lint of its own. Its ansible-test step needs a container engine and is turned off here; the
whole sanity suite runs in tests/sanity instead.
"""

from __future__ import annotations

import os
import subprocess

import pytest

from tests.support import build_artifact, cached_venv

pytestmark = pytest.mark.slow

CONFIG = """\
[galaxy-importer]
RUN_ANSIBLE_TEST = False
RUN_ANSIBLE_LINT = True
RUN_FLAKE8 = False
CHECK_CHANGELOG = True
LOG_LEVEL_MAIN = INFO
"""


def test_galaxy_importer_reports_no_error_and_no_warning(tmp_path):
    artifact = build_artifact(tmp_path)
    venv = cached_venv("galaxy-importer")
    config = tmp_path / "galaxy-importer.cfg"
    config.write_text(CONFIG, encoding="utf-8")
    env = {key: value for key, value in os.environ.items() if not key.startswith("ANSIBLE_")}
    env.update({"GALAXY_IMPORTER_CONFIG": str(config), "HOME": str(tmp_path),
                "PATH": str(venv / "bin") + os.pathsep + env.get("PATH", "")})
    env.pop("PYTHONPATH", None)
    proc = subprocess.run([str(venv / "bin" / "python"), "-m", "galaxy_importer.main", str(artifact)], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=900)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output
    assert "Importer processing completed successfully" in output, output
    assert "ansible-lint run complete" in output, output
    problems = [line for line in output.splitlines() if line.startswith(("WARNING", "ERROR", "CRITICAL"))]
    assert problems == []
