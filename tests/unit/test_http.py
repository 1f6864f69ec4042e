"""The HTTP layer: URL validation, redaction, error text, retries of idempotent reads."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from ansible_collections.converge.platforms.plugins.module_utils.http import (
    ApiError,
    HttpSession,
    Redactor,
    TransportError,
    validate_base_url,
)


@pytest.mark.parametrize("url, message", [
    ("", "url: a URL is required, such as http://127.0.0.1:18080"),
    ("127.0.0.1:18080", "url: '127.0.0.1:18080' is not an http:// or https:// URL with a host"),
    ("http://127.0.0.1:notaport", "url: 'http://127.0.0.1:notaport' has an invalid port"),
])
def test_bad_urls_name_the_option(url, message):
    with pytest.raises(ValueError) as err:
        validate_base_url(url)
    assert str(err.value) == message


def test_redactor_masks_known_values_and_secret_shapes():
    redact = Redactor(["hunter22"])
    text = 'login hunter22 {"password": "other-pw"} Authorization: OAuth 0123abcd sessionId=abcd1234&x=1'
    assert redact(text) == ('login ******** {"password": "********"} Authorization: OAuth ******** '
                            'sessionId=********&x=1')
    assert redact("the password: must be given") == "the password: must be given"


def test_api_error_text_names_method_path_status_and_code():
    error = ApiError("invalid argument", "POST", "/zstack/v1/system-tags", 400, "SYS.1007", "tag is missing")
    assert str(error) == "POST /zstack/v1/system-tags: HTTP 400: code SYS.1007: invalid argument (tag is missing)"


class _Flaky(BaseHTTPRequestHandler):
    calls = 0

    def do_GET(self):  # noqa: N802 - http.server's naming
        type(self).calls += 1
        status = 503 if type(self).calls < 3 else 200
        self.send_response(status)
        self.send_header("Content-Length", "2")
        if status == 503:
            self.send_header("Retry-After", "0")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        """Quiet."""


def test_idempotent_reads_are_retried_on_503_and_counted_once():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Flaky)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        http = HttpSession(f"http://127.0.0.1:{server.server_address[1]}", backoff=0.01)
        assert http.request("GET", "/x").status_code == 200
        assert _Flaky.calls == 3 and http.request_count == 1
    finally:
        server.shutdown()


def test_connection_refused_is_a_transport_error_naming_the_call():
    http = HttpSession("http://127.0.0.1:9", retries=0, platform="zstack")
    with pytest.raises(TransportError) as err:
        http.request("GET", "/zstack/v1/management-nodes")
    assert str(err.value).startswith("GET /zstack/v1/management-nodes: zstack did not answer")
