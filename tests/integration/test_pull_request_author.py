"""What whoever writes a pull request can make a plan do with the pipeline's secrets.

A pull request's plan runs with the pipeline's secrets in its environment. A desired-state file may read only
`CONVERGE_*` variables (and those `CONVERGE_SECRET_ENV` lists), only files inside the desired state's directory
(symbolic links followed, never a `.git` directory) or inside a directory `CONVERGE_SECRET_DIRS` lists, and with
`--endpoints FILE` the endpoints (url, credentials, TLS) come from that trusted file alone. Everything refused is
a `file:line` problem, exit 1, before any request: a server of the file's own choosing records nothing, and the
emulators' request logs stay empty. docs/security.md ("Whoever writes a pull request") names these tests.
"""

from __future__ import annotations

import http.server
import textwrap
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

import emulators
from reconciler.cli import main

VM = "a1d6f0bbd21f4b3c8e7a2b9c4d5e6f70"
#: the pipeline's secrets, as a CI job holds them in its environment
ZSTACK_SECRET = "Sentinel-pipeline-zstack-6203"
GIT_TOKEN = "ghs_SentinelCheckoutToken4410"
LICENSE = "CONVERGE-EXAMPLE-KEY-2030"
ALLOWED_ENV = "may not be read from a desired-state file: name a CONVERGE_* variable, or list {name} in " \
              "CONVERGE_SECRET_ENV (the pipeline's setting, comma-separated)"
OUTSIDE = "is outside the desired state's directory: put it there, or list its directory in CONVERGE_SECRET_DIRS " \
          "(the pipeline's setting, colon-separated)"


class Recorder:
    """An HTTP server on 127.0.0.1 that answers anything and records every connection and request it gets."""

    def __init__(self):
        self.connections: list[str] = []
        self.received: list[bytes] = []
        recorder = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                recorder.received.append(self.requestline.encode() + b"\n" + bytes(self.headers) +
                                         self.rfile.read(length))
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _answer

            def log_message(self, *args):
                """Quiet: what arrived is in `received`."""

        class Server(http.server.ThreadingHTTPServer):
            def verify_request(self, request, client_address):
                recorder.connections.append(client_address[0])
                return True

        self.server = Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def trap():
    """A server a pull request's author controls."""
    recorder = Recorder()
    yield recorder
    recorder.stop()


@pytest.fixture
def live():
    """The platforms the pipeline deploys to."""
    handles = {name: emulators.start(name, port=0) for name in ("zstack", "migration")}
    yield handles
    for handle in handles.values():
        handle.stop()


@pytest.fixture(autouse=True)
def pipeline_environment(monkeypatch, tmp_path):
    """A CI job's environment: the pipeline's secrets set, no allow-list of its own, run from the checkout."""
    for variable in ("CONVERGE_SECRET_ENV", "CONVERGE_SECRET_DIRS", "CONVERGE_ENDPOINTS"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("ZSTACK_PASSWORD", ZSTACK_SECRET)
    monkeypatch.setenv("CONVERGE_MIGRATION_PASSWORD", "password")
    monkeypatch.setenv("CONVERGE_LICENSE", LICENSE)
    monkeypatch.chdir(tmp_path)


def reconciler(*args: str):
    """`reconciler ARGS` in this process; the result's output holds stdout and stderr."""
    return CliRunner().invoke(main, list(args))


def write(path: Path, text: str) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return str(path)


def quiet(*handles) -> None:
    for handle in handles:
        handle.clear_requests()


def assert_refused(result, expected: list[str]) -> None:
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert result.output.strip().splitlines() == expected
    assert ZSTACK_SECRET not in result.output and GIT_TOKEN not in result.output


# --- a file names any variable, or any file ---------------------------------------------------------------------
def test_a_file_cannot_send_a_pipeline_variable_to_a_server_of_its_own(trap, tmp_path):
    """The attack: the migration endpoint at the author's server, its password the pipeline's ZSTACK_PASSWORD."""
    path = write(tmp_path / "desired" / "site.yml", f"""\
        version: 1
        endpoints:
          migration: {{url: {trap.url}, username: admin, password: {{env: ZSTACK_PASSWORD}}}}
        resources:
          migration_license:
            - activation_key: {{env: CONVERGE_LICENSE}}
        """)
    expected = [f"{path}:3: endpoints.migration.password: environment variable ZSTACK_PASSWORD "
                + ALLOWED_ENV.format(name="ZSTACK_PASSWORD")]
    for command in ("validate", "plan", "apply"):
        assert_refused(reconciler(command, path), expected)
    assert trap.connections == [] and trap.received == []


def test_a_file_cannot_read_the_checkout_credentials_in_git_config(live, tmp_path):
    """The attack: `activation_key: {file: ../.git/config}`, where actions/checkout keeps its token."""
    repository = tmp_path / "repository"
    write(repository / ".git" / "config", f"""\
        [http "https://github.com/"]
        \textraheader = AUTHORIZATION: basic {GIT_TOKEN}
        """)
    beside = write(repository / "desired" / "site.yml", f"""\
        version: 1
        endpoints:
          migration: {{url: {live["migration"].url}, username: admin, password: {{env: CONVERGE_MIGRATION_PASSWORD}}}}
        resources:
          migration_license:
            - activation_key: {{file: ../.git/config}}
        """)
    at_the_root = write(repository / "site.yml", Path(beside).read_text(encoding="utf-8").replace("../.git", ".git"))
    quiet(*live.values())
    config = repository / ".git" / "config"
    assert_refused(reconciler("plan", beside), [
        f"{beside}:6: resources.migration_license[0].activation_key: file ../.git/config ({config}) {OUTSIDE}"])
    assert_refused(reconciler("plan", at_the_root), [
        f"{at_the_root}:6: resources.migration_license[0].activation_key: file .git/config ({config}) is inside a "
        ".git directory, which a desired-state file may not read"])
    assert live["migration"].requests == []


def test_a_symbolic_link_cannot_lead_out_of_the_desired_state(live, tmp_path):
    outside = tmp_path / "elsewhere" / "zstack-password"
    write(outside, "password\n")
    desired = tmp_path / "desired"
    desired.mkdir()
    (desired / "zstack-password").symlink_to(outside)
    path = write(desired / "site.yml", f"""\
        version: 1
        endpoints:
          zstack:
            url: {live["zstack"].url}
            password: {{file: zstack-password}}
        resources:
          zstack_user_tag:
            - {{resource_uuid: {VM}, resource_type: VmInstanceVO, tag: "tier::web"}}
        """)
    quiet(*live.values())
    for command in ("validate", "plan"):
        assert_refused(reconciler(command, str(desired)), [
            f"{path}:5: endpoints.zstack.password: file zstack-password ({outside}) {OUTSIDE}"])
    assert live["zstack"].requests == []


def test_the_pipeline_allows_a_variable_and_a_directory_by_name(live, tmp_path, monkeypatch):
    """What the pipeline lists in CONVERGE_SECRET_ENV and CONVERGE_SECRET_DIRS is read; a file beside it too."""
    outside = tmp_path / "run-secrets"
    write(outside / "migration", "password\n")
    write(tmp_path / "desired" / "license.txt", LICENSE + "\n")
    path = write(tmp_path / "desired" / "site.yml", f"""\
        version: 1
        endpoints:
          zstack: {{url: {live["zstack"].url}, password: {{env: ZSTACK_PASSWORD}}}}
          migration: {{url: {live["migration"].url}, username: admin, password: {{file: {outside}/migration}}}}
        resources:
          zstack_user_tag:
            - {{resource_uuid: {VM}, resource_type: VmInstanceVO, tag: "tier::web"}}
          migration_license:
            - activation_key: {{file: license.txt}}
        """)
    monkeypatch.setenv("ZSTACK_PASSWORD", "password")
    monkeypatch.setenv("CONVERGE_SECRET_ENV", "OTHER, ZSTACK_PASSWORD")
    monkeypatch.setenv("CONVERGE_SECRET_DIRS", f"/nonexistent:{outside}")
    result = reconciler("plan", "--detailed-exitcode", path)
    assert result.exit_code == 2, result.output
    assert "Plan: 1 to create, 0 to update, 0 to replace, 0 to delete, 1 actions." in result.output


# --- --endpoints: the endpoints come from the pipeline ----------------------------------------------------------
def trusted_endpoints(directory: Path, live) -> str:
    """The deploy branch's endpoints file: a variable of any name, and a file beside it (outside the desired state)."""
    write(directory / "zstack-password", "password\n")
    return write(directory / "endpoints.yml", f"""\
        zstack:
          url: {live["zstack"].url}
          username: admin
          password: {{file: zstack-password}}
        migration: {{url: {live["migration"].url}, username: admin, password: {{env: MIGRATION_DEPLOY_PASSWORD}}}}
        """)


TAG = f"""\
resources:
  zstack_user_tag:
    - {{resource_uuid: {VM}, resource_type: VmInstanceVO, tag: "tier::web"}}
"""


def test_the_endpoints_come_from_the_trusted_file(live, tmp_path, monkeypatch):
    """Neither the env-name nor the file-root rule holds for --endpoints; a file may name the same url, nothing else
    needed; CONVERGE_ENDPOINTS stands for --endpoints."""
    monkeypatch.setenv("MIGRATION_DEPLOY_PASSWORD", "password")
    endpoints = trusted_endpoints(tmp_path / "deploy", live)
    bare = write(tmp_path / "bare" / "site.yml", "version: 1\n" + TAG)
    described = write(tmp_path / "described" / "site.yml",
                      f"version: 1\nendpoints:\n  zstack: {{url: '{live['zstack'].url}/'}}\n" + TAG)
    for path in (bare, described):
        result = reconciler("plan", "--detailed-exitcode", "--endpoints", endpoints, path)
        assert result.exit_code == 2, result.output
    assert reconciler("apply", "--endpoints", endpoints, bare).exit_code == 0
    monkeypatch.setenv("CONVERGE_ENDPOINTS", f"{tmp_path}/none.yml:{endpoints}")
    assert reconciler("plan", "--detailed-exitcode", bare).output.startswith(f"{tmp_path}/none.yml:1: cannot read")
    monkeypatch.setenv("CONVERGE_ENDPOINTS", endpoints)
    again = reconciler("plan", "--detailed-exitcode", described)
    assert again.exit_code == 0, again.output
    assert [t["tag"] for t in live["zstack"].state()["tags"].values() if t["tag"] == "tier::web"] == ["tier::web"]


@pytest.mark.parametrize("command", [["validate"], ["plan"], ["apply"], ["graph"], ["graph", "--plan"],
                                     ["run-step", "--step", "greet", "-i", "127.0.0.1,"]])
def test_a_file_cannot_redirect_or_add_an_endpoint_when_the_pipeline_gives_them(command, live, trap, tmp_path,
                                                                                monkeypatch):
    monkeypatch.setenv("MIGRATION_DEPLOY_PASSWORD", "password")
    endpoints = trusted_endpoints(tmp_path / "deploy", live)
    path = write(tmp_path / "desired" / "site.yml", f"""\
        version: 1
        endpoints:
          zstack:
            url: {live["zstack"].url}
            password: {{env: CONVERGE_ZSTACK_PASSWORD}}
            validate_certs: false
          migration: {{url: {trap.url}}}
          opendcp: {{url: {trap.url}, operator: pr}}
        resources:
          zstack_user_tag:
            - {{resource_uuid: {VM}, resource_type: VmInstanceVO, tag: "tier::web"}}
          migration_license:
            - activation_key: {{env: CONVERGE_LICENSE}}
        """)
    quiet(*live.values())
    assert_refused(reconciler(*command, "--endpoints", endpoints, path), [
        f"{path}:5: endpoints.zstack.password: the endpoint's connection comes from --endpoints ({endpoints}:1): "
        "a desired-state file may name only its url",
        f"{path}:6: endpoints.zstack.validate_certs: the endpoint's connection comes from --endpoints "
        f"({endpoints}:1): a desired-state file may name only its url",
        f"{path}:7: endpoints.migration.url: {trap.url} is not the url that --endpoints gives ({endpoints}:5): "
        "a desired-state file cannot move an endpoint",
        f"{path}:8: endpoints.opendcp: not in the --endpoints file(s) ({endpoints}): a desired-state file cannot "
        "add an endpoint",
    ])
    assert trap.connections == []
    assert {name: handle.requests for name, handle in live.items()} == {name: [] for name in live}


def test_a_file_cannot_have_the_embedded_emulator_write_its_state_outside_the_desired_state(tmp_path, monkeypatch):
    """`state_file` holds passwords in clear and gets a `.gitignore` of `*` beside it: only inside the desired state."""
    monkeypatch.chdir(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    path = write(tmp_path / "desired" / "site.yml", f"""\
        version: 1
        endpoints:
          zstack: {{embedded: true, state_file: {elsewhere}/zstack.json}}
        resources: {{}}
        """)
    for command in ("validate", "plan", "apply"):
        assert_refused(reconciler(command, path), [
            f"{path}:3: endpoints.zstack.state_file: file {elsewhere}/zstack.json is outside the desired state's "
            f"directory: put it there"])
    assert list(elsewhere.iterdir()) == []
