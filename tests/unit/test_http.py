"""The HTTP layer: URL validation, redaction, error text, transport errors."""

from __future__ import annotations

import pytest
from ansible_collections.converge.platforms.plugins.module_utils.http import (
    ApiError,
    HttpSession,
    Redactor,
    TransportError,
    validate_base_url,
)
from ansible_collections.converge.platforms.plugins.module_utils.retry import RetryPolicy


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


def test_connection_refused_is_a_transport_error_naming_the_call():
    http = HttpSession("http://127.0.0.1:9", policy=RetryPolicy(attempts=1), platform="zstack")
    with pytest.raises(TransportError) as err:
        http.request("GET", "/zstack/v1/management-nodes")
    assert str(err.value).startswith("GET /zstack/v1/management-nodes: zstack did not answer")


def test_validate_certs_false_holds_whatever_ca_bundle_the_environment_names(monkeypatch):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/nonexistent/ca.pem")
    monkeypatch.setenv("CURL_CA_BUNDLE", "/nonexistent/ca.pem")
    http = HttpSession("https://127.0.0.1:9", validate_certs=False, policy=RetryPolicy(attempts=1))
    sent = {}

    def request(method, url, **kwargs):
        sent.update(kwargs)
        raise TransportError("no server", method, url)

    monkeypatch.setattr(http.session, "request", request)
    with pytest.raises(TransportError):
        http.request("GET", "/x")
    assert sent["verify"] is False


def test_a_json_answer_cut_off_is_a_lost_answer_and_never_quoted():
    from ansible_collections.converge.platforms.plugins.module_utils.http import cut_off

    class Answer:
        def __init__(self, content, content_type="application/json"):
            self.content = content
            self.headers = {"Content-Type": content_type}

    assert cut_off(Answer(b'{"inventory": {"uuid": "a1'))
    assert not cut_off(Answer(b'{"inventory": {}}\n'))
    assert not cut_off(Answer(b"[1, 2]"))
    assert not cut_off(Answer(b"plain text", "text/plain"))
    assert not cut_off(Answer(b""))
