"""TLS that means what it says, against a ZStack emulator answering HTTPS with a self-signed certificate.

Four cases: verification is on by default (the self-signed certificate is refused); `validate_certs:
false` works whatever REQUESTS_CA_BUNDLE says; `ca_path` trusts exactly the given bundle; and the
module takes `ca_path` from ZSTACK_CA_PATH.
"""

from __future__ import annotations

import datetime
import ipaddress
import textwrap

import pytest

import emulators
from reconciler.api import Options, reconcile
from tests.support import platform_tags, run_playbook

pytestmark = pytest.mark.slow
VM = "a1d6f0bbd21f4b3c8e7a2b9c4d5e6f70"


def self_signed(directory):
    """A certificate for 127.0.0.1 signed by its own key: (cert.pem, key.pem)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "converge test")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=30))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


@pytest.fixture
def https_zstack(tmp_path):
    cert, key = self_signed(tmp_path)
    with emulators.start("zstack", port=0, tls_cert=str(cert), tls_key=str(key)) as handle:
        assert handle.url.startswith("https://127.0.0.1:")
        yield handle, cert


def desired(tmp_path, url: str, options: str = "") -> str:
    path = tmp_path / "desired.yml"
    path.write_text(textwrap.dedent(f"""\
        version: 1
        endpoints:
          zstack: {{url: {url}, username: admin, password: password{options}}}
        settings: {{inline_secrets: true}}
        resources:
          zstack_user_tag:
            - {{resource_uuid: {VM}, resource_type: VmInstanceVO, tag: "tls::yes"}}
        """), encoding="utf-8")
    return str(path)


def test_verification_is_on_by_default(https_zstack, tmp_path):
    handle, _ = https_zstack
    (blocked,) = reconcile(Options([desired(tmp_path, handle.url)])).plan.blocked
    assert "endpoints.zstack: cannot reach https://127.0.0.1:" in blocked.blocked.reason
    assert "CERTIFICATE_VERIFY_FAILED" in blocked.blocked.reason
    assert handle.requests == []


def test_validate_certs_false_holds_whatever_the_environment_says(https_zstack, tmp_path, monkeypatch):
    handle, _ = https_zstack
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tmp_path / "no-such-bundle.pem"))
    monkeypatch.setenv("CURL_CA_BUNDLE", str(tmp_path / "no-such-bundle.pem"))
    assert not reconcile(Options([desired(tmp_path, handle.url, ", validate_certs: false")], apply=True)).failed
    assert [t["tag"] for t in platform_tags(handle.state()["tags"])] == ["tls::yes"]


def test_ca_path_trusts_the_given_bundle_over_the_environment(https_zstack, tmp_path, monkeypatch):
    handle, cert = https_zstack
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tmp_path / "no-such-bundle.pem"))
    assert not reconcile(Options([desired(tmp_path, handle.url, f", ca_path: {cert}")], apply=True)).failed
    assert [t["tag"] for t in platform_tags(handle.state()["tags"])] == ["tls::yes"]


def test_the_module_takes_ca_path_from_the_environment(https_zstack):
    handle, cert = https_zstack
    task = {"converge.platforms.zstack_user_tag": {"resource_uuid": VM, "resource_type": "VmInstanceVO",
                                                    "tag": "tls::module"}}
    run = run_playbook([task], env={"ZSTACK_URL": handle.url, "ZSTACK_PASSWORD": "password",
                                    "ZSTACK_CA_PATH": str(cert)})
    assert run.results[0]["changed"] is True, run.output
    refused = run_playbook([task], env={"ZSTACK_URL": handle.url, "ZSTACK_PASSWORD": "password"})
    assert refused.results[0]["failed"] is True and "CERTIFICATE_VERIFY_FAILED" in refused.results[0]["msg"]
