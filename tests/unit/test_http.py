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
    assert url_refusal(url) == message


def url_refusal(url: str) -> str:
    """What validate_base_url says when it refuses `url`."""
    with pytest.raises(ValueError) as err:
        validate_base_url(url)
    return str(err.value)


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


# --- a hostile or broken server (the whole exchange: tests/integration/test_hostile_server.py) -----------------
@pytest.mark.parametrize("url, shown", [
    ("http://ops:Hunter-pw-22@127.0.0.1:18083", "http://********@127.0.0.1:18083"),
    ("https://:Hunter-pw-22@host.example.invalid/api", "https://********@host.example.invalid/api"),
    ("http://ops:p@ss@127.0.0.1:1/x?y=@z", "http://********@127.0.0.1:1/x?y=@z"),
])
def test_a_url_with_credentials_is_refused_without_showing_them(url, shown):
    assert url_refusal(url) == (f"url: {shown!r} has credentials in it (user:password@): converge refuses them there, "
                                "where every message naming the URL would show them")


def test_urls_are_shown_without_their_credentials_and_compared_by_origin():
    from ansible_collections.converge.platforms.plugins.module_utils.http import origin, redact_url

    assert redact_url("ops:Hunter-pw-22@127.0.0.1:9") == "********@127.0.0.1:9"
    assert redact_url("http://127.0.0.1:9/a@b") == "http://127.0.0.1:9/a@b"
    with pytest.raises(ValueError) as err:
        validate_base_url("ops:Hunter-pw-22@127.0.0.1:9")
    assert "Hunter-pw-22" not in str(err.value)
    assert origin("HTTP://u:p@Example.invalid:80/x") == origin("http://example.invalid") == "http://example.invalid"
    assert origin("https://127.0.0.1:8443/x") == "https://127.0.0.1:8443" != origin("http://127.0.0.1:8443")


def test_cannot_reach_never_shows_the_credentials_of_a_url():
    from types import SimpleNamespace

    from reconciler.session import Session

    endpoint = SimpleNamespace(file="d.yml", line=3, data={"url": "http://ops:Hunter-pw-22@127.0.0.1:9"})
    session = Session(SimpleNamespace(endpoints={"opendcp": endpoint}))
    error = TransportError("opendcp did not answer: connection refused", "GET", "/pool/list")
    assert session.unreachable("opendcp", error) == ("d.yml:3: endpoints.opendcp: cannot reach "
                                                      "http://********@127.0.0.1:9 after 1 attempt: GET /pool/list: "
                                                      "opendcp did not answer: connection refused")


@pytest.mark.parametrize("body, deeper", [
    (b"[" * 256 + b"]" * 256, False),
    (b"[" * 257 + b"]" * 257, True),
    (b' \n{"a": ' * 300 + b"1" + b"}" * 300, True),
    (b'["' + b"[{" * 1000 + b'", "\\"[[[["]', False),  # brackets inside strings, an escaped quote
    (b"[" + b"[], " * 5000 + b"[]]", False),  # many brackets, shallow
    (b"<html>" + b"{" * 1000 + b"</html>", False),  # not JSON: not looked into
])
def test_json_nesting_is_measured_outside_strings(body, deeper):
    from ansible_collections.converge.platforms.plugins.module_utils.http import nested_deeper

    assert nested_deeper(body) is deeper


@pytest.mark.parametrize("value", [0, -1, True, "64"])
def test_max_answer_bytes_must_be_a_size(value):
    with pytest.raises(ValueError) as err:
        HttpSession("http://127.0.0.1:9", max_answer_bytes=value)
    assert str(err.value) == f"max_answer_bytes: must be a number of bytes, at least 1, got {value!r}"


def test_json_cut_off_inside_a_string_is_not_taken_for_nesting():
    from ansible_collections.converge.platforms.plugins.module_utils.http import nested_deeper

    assert not nested_deeper(b'{"a": ["' + b"[" * 1000)
    assert nested_deeper(b"[" * 1000)  # cut off, and deep already
