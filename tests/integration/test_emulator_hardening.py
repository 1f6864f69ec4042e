"""The emulators against another local user and a web page: loopback only, a guarded control API, bad headers."""

from __future__ import annotations

import http.client
import json
import signal
import subprocess

import pytest

import emulators
from emulators.common.server import is_loopback
from tests.support import BIN, run_cli


@pytest.fixture
def zstack():
    handle = emulators.start("zstack", port=0)
    yield handle
    handle.stop()


def raw(handle, method: str, path: str, headers: dict[str, str], body: bytes = b"") -> tuple[int, dict]:
    """One request with exactly these headers (http.client adds no Content-Length of its own when given one)."""
    host, port = handle.url.split("//")[1].split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    connection.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
    for key, value in headers.items():
        connection.putheader(key, value)
    connection.endheaders(body or None)
    response = connection.getresponse()
    data = response.read()
    connection.close()
    return response.status, json.loads(data or b"{}")


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.5:8080", "localhost", "localhost:1", "[::1]:80", "::1"])
def test_loopback_hosts(host):
    assert is_loopback(host)


@pytest.mark.parametrize("host", ["0.0.0.0", "[::]", "evil.example", "evil.example:18080", "127.0.0.1.nip.io"])
def test_other_hosts(host):
    assert not is_loopback(host)


def test_a_non_loopback_host_is_refused_without_the_explicit_flag():
    proc = run_cli(["converge-emulator", "--platform", "zstack", "--host", "0.0.0.0", "--port", "0"], timeout=60)
    assert proc.returncode == 2
    assert "Invalid value for --host: 0.0.0.0 is not a loopback address; give --allow-remote" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_the_control_api_refuses_a_host_header_of_another_site(zstack):
    status, body = raw(zstack, "GET", "/_emulator/state", {"Host": "rebound.example:18080"})
    assert (status, body) == (403, {"error": "the control API answers only for a loopback host, not "
                                             "rebound.example:18080"})
    status, _ = raw(zstack, "GET", "/_emulator/state", {"Host": zstack.url.split("//")[1]})
    assert status == 200


@pytest.mark.parametrize("length, status", [("abc", 400), ("-5", 400), ("99999999999", 413)])
def test_a_bad_content_length_is_a_client_error_not_a_traceback(zstack, length, status):
    answer, body = raw(zstack, "POST", "/zstack/v1/accounts/login", {"Host": "127.0.0.1", "Content-Length": length})
    assert answer == status and "error" in body
    assert raw(zstack, "GET", "/_emulator/requests", {"Host": "127.0.0.1"})[0] == 200


def test_a_second_sigterm_while_stopping_does_not_kill_the_emulator(tmp_path):
    state = tmp_path / "zstack.json"
    process = subprocess.Popen([str(BIN / "converge-emulator"), "--platform", "zstack", "--port", "0", "--state",
                                str(state)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stdout.readline().startswith("zstack http://127.0.0.1:")
    process.send_signal(signal.SIGTERM)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 0, stderr
    assert json.loads(state.read_text(encoding="utf-8"))
