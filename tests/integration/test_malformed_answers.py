"""Every client, given answers that are not its platform's: an error naming the endpoint and the call, never a crash.

Each platform's emulator answers every request with one fault mode (a proxy's HTML page, a 429, JSON cut
off halfway, a 503, a 504, a dropped connection, an answer held past the read timeout, a restart, a 200 whose
envelope carries the platform's own error); planning its kinds of the all-platform example must block every
entry with a `file:line` reason that names the endpoint and the operation, quote no session or token, and write
nothing.
"""

from __future__ import annotations

import pytest
import yaml

import emulators
from reconciler.api import Options, reconcile
from tests.contract.platforms import endpoint
from tests.integration.test_all_platforms_faults import EXAMPLE
from tests.support import INLINE_SECRETS, writes

pytestmark = pytest.mark.slow
#: platforms whose kinds read the platform when planning (an OSG view group is found in its record file)
READING = ("zstack", "vsd", "migration", "opendcp")
EXPECTED = {"html": "HTTP 502", "429": "HTTP 429", "truncated": "answer was cut off after", "503": "HTTP 503",
            "504": "HTTP 504", "drop": "did not answer", "timeout": "did not answer", "restart": "did not answer",
            "envelope": "internal error (injected fault)"}


@pytest.mark.parametrize("mode", sorted(EXPECTED))
@pytest.mark.parametrize("platform", READING)
def test_an_answer_that_is_not_the_platforms_is_a_clear_error(platform, mode, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    document = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    with emulators.start(platform, port=0, fault_rate=1.0, fault_modes=[mode], fault_delay_s=1.2) as handle:
        path = tmp_path / "desired.yml"
        path.write_text(yaml.safe_dump({
            "version": 1, "endpoints": {platform: dict(endpoint(platform, handle.url), timeout=1)},
            "settings": INLINE_SECRETS,
            "resources": {k: v for k, v in document["resources"].items() if k.startswith(platform)}}),
            encoding="utf-8")
        plan = reconcile(Options([str(path)])).plan
        assert plan.blocked == plan.changes
        sessions = [r for r in handle.state().get("sessions", {})] + list(handle.state().get("tokens", {}))
        for problem in {change.blocked.reason for change in plan.blocked}:
            assert problem.startswith(f"{path}:2: endpoints.{platform}: "), problem
            assert EXPECTED[mode] in problem
            assert any(f"{method} /" in problem for method in ("GET", "PUT", "POST")), problem
            assert not any(session in problem for session in sessions)
        assert writes(handle.requests) == []
