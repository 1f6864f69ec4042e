"""A hostile or broken server (tests/hostile_server.py) meets every client, the reconciler's plan and the inventory.

Each mode must end in an error naming the platform and the call, within the retry policy, without a
traceback and without a byte of a password or session going anywhere but the endpoint: a server that drips
its answer (`timeout` bounds the whole call), an answer larger than `max_answer_bytes`, a list whose pages
never end, JSON nested 200,000 deep, a redirect to another origin, an HTML page, a reset connection. Each
client is driven in-process through a read it does (its retry policy on a stepped clock, two attempts);
the reconciler's `plan` and the OpenDCP inventory plugin run as the user runs them, all at once.
"""

from __future__ import annotations

import random
import subprocess
import textwrap

import pytest
from ansible_collections.converge.platforms.plugins.module_utils import paging
from ansible_collections.converge.platforms.plugins.module_utils.http import ApiError, TransportError
from ansible_collections.converge.platforms.plugins.module_utils.module import ConnectionSpec
from ansible_collections.converge.platforms.plugins.module_utils.platforms import DESCRIPTORS
from ansible_collections.converge.platforms.plugins.module_utils.retry import RetryPolicy
from ansible_collections.converge.platforms.plugins.module_utils.spec import SpecError

from reconciler.desired import DocumentError, load
from tests.hostile_server import MIGRATION_TOKEN, ZSTACK_SESSION, HostileServer
from tests.support import BIN, SteppedClock, ansible_env

pytestmark = pytest.mark.slow
PLATFORMS = tuple(descriptor.name for descriptor in DESCRIPTORS)
#: each platform's client module
MODULES = {descriptor.name: descriptor.client_module() for descriptor in DESCRIPTORS}
PASSWORD = "Planted-Hostile-pw-5531"
GROUP = "7a2e9d3bac4f4a6b9d8e7f6a5b4c3d2e"
#: a read each client does: its method, its path and how to make it
READS = {
    "zstack": ("GET", "/zstack/v1/user-tags", lambda client: client.query_tags("user")),
    "vsd": ("GET", "/v1/compute/vsd/snapshot/list",
            lambda client: client.list_snapshots({"cluster_uuid": "c1", "compute_uuid": "vm1"})),
    "osgview": ("GET", "/osgview/gstart", lambda client: client.start(GROUP, GROUP, "server-1")),
    "migration": ("POST", "/MgmtTask", lambda client: client.list_tasks()),
    "opendcp": ("GET", "/cluster/list", lambda client: client.list_clusters()),
}
#: the call that carries the password, redirected before any read
LOGINS = {"zstack": ("PUT", "/zstack/v1/accounts/login"), "migration": ("POST", "/Login")}
#: the size of the pages the endless lists are read in: small, so the pages stay light
SMALL_PAGES = {"zstack": "page_size", "vsd": "page_size", "migration": "page_limit", "opendcp": "page_size"}
DEFAULT_CAP = 64 << 20
TEST_CAP = 1 << 20


def client_for(server: HostileServer, **options):
    """The server's platform client, built from connection options as the modules and the reconciler build it,
    with a retry policy of two attempts on a stepped clock."""
    params = dict({"url": server.url, "username": "admin", "password": PASSWORD, "validate_certs": True,
                   "timeout": 30}, **options)
    client = MODULES[server.platform].client_from_params(params)
    client.http.policy = RetryPolicy(attempts=2, clock=SteppedClock(), rng=random.Random(1))
    return client


def failure_of(server: HostileServer, **options) -> ApiError:
    """The error the platform's read ends in against the server (the client closed afterwards)."""
    client = client_for(server, **options)
    try:
        with pytest.raises(ApiError) as caught:
            READS[server.platform][2](client)
    finally:
        client.close()
    return caught.value


def read_call(platform: str) -> str:
    method, path, _read = READS[platform]
    return f"{method} {path}"


def reads(server: HostileServer) -> list[dict]:
    """The requests of the read (logins and logouts aside)."""
    path = READS[server.platform][1]
    return [r for r in server.requests if r["path"] == path]


def assert_no_secret(text: str) -> None:
    assert PASSWORD not in text and ZSTACK_SESSION not in text and MIGRATION_TOKEN not in text


# --- every client, in-process --------------------------------------------------------------------------------
@pytest.mark.parametrize("mode", ["drip", "slow-headers"])
@pytest.mark.parametrize("platform", PLATFORMS)
def test_a_server_that_drips_its_answer_is_a_timeout_of_the_whole_call(platform, mode):
    with HostileServer(platform, mode) as server:
        error = failure_of(server, timeout=0.3)
    assert isinstance(error, TransportError)
    assert str(error) == f"{read_call(platform)}: {platform} did not answer within the timeout of 0.3 s"
    assert error.attempts == 2 and len(reads(server)) == 2


@pytest.mark.parametrize("platform", PLATFORMS)
def test_an_answer_larger_than_max_answer_bytes_is_refused_at_the_cap(platform):
    with HostileServer(platform, "huge", huge_bytes=64 << 20) as server:
        error = failure_of(server, max_answer_bytes=TEST_CAP)
    assert not isinstance(error, TransportError)
    assert str(error) == (f"{read_call(platform)}: {platform} answered more than {TEST_CAP} bytes, the most "
                          "converge reads of one answer (max_answer_bytes)")
    assert len(reads(server)) == 1
    # reading stopped at the cap: the rest of the 64 MiB never left the server (beyond the sockets' buffers)
    assert server.sent < 32 << 20


def test_the_default_cap_is_64_mib_and_a_declared_length_over_it_is_refused_unread():
    with HostileServer("opendcp", "huge", huge_bytes=DEFAULT_CAP + (1 << 20)) as server:
        error = failure_of(server)
    assert str(error) == (f"GET /cluster/list: opendcp answered more than {DEFAULT_CAP} bytes, the most converge "
                          "reads of one answer (max_answer_bytes)")
    with HostileServer("zstack", "huge", huge_bytes=64 << 20, declare_length=True) as server:
        error = failure_of(server, max_answer_bytes=TEST_CAP)
    assert str(error) == (f"GET /zstack/v1/user-tags: zstack answered more than {TEST_CAP} bytes, the most "
                          "converge reads of one answer (max_answer_bytes)")


@pytest.mark.parametrize("platform", sorted(SMALL_PAGES))
def test_a_list_whose_pages_never_end_stops_at_the_bound(platform, monkeypatch):
    # the bound of 1,000 pages itself is met by the plan and the inventory below
    monkeypatch.setattr(paging, "MAX_PAGES", 50)
    with HostileServer(platform, "endless") as server:
        client = client_for(server)
        setattr(client, SMALL_PAGES[platform], 2)
        try:
            with pytest.raises(ApiError) as caught:
                READS[platform][2](client)
        finally:
            client.close()
    listing = "ListTasks" if platform == "migration" else READS[platform][1]
    assert str(caught.value) == (f"{read_call(platform)}: {platform} answered 50 full pages of {listing} and "
                                 "had more: converge reads at most 50 pages of one list")
    assert server.pages == 50


@pytest.mark.parametrize("platform", PLATFORMS)
def test_json_nested_too_deep_is_a_clear_error(platform):
    with HostileServer(platform, "deep") as server:
        error = failure_of(server)
    assert str(error) == f"{read_call(platform)}: {platform} answered JSON nested deeper than 256 levels"
    assert len(reads(server)) == 1


@pytest.mark.parametrize("platform", PLATFORMS)
def test_a_redirect_to_another_origin_is_never_followed(platform):
    with HostileServer(platform, "redirect") as server:
        error = failure_of(server)
    method, path = LOGINS.get(platform) or READS[platform][:2]
    assert str(error) == (f"{method} {path}: HTTP 307: {platform} redirected the call to {server.thief.url}, "
                          f"another origin: converge sends its calls to {server.url} only")
    assert server.thief.requests == []
    assert_no_secret(str(error))


@pytest.mark.parametrize("platform", PLATFORMS)
def test_a_redirect_within_the_endpoint_is_followed(platform):
    with HostileServer(platform, "redirect-home") as server:
        client = client_for(server)
        try:
            READS[platform][2](client)
        finally:
            client.close()
    first, again = reads(server)
    assert "redirected" not in first["query"] and again["query"]["redirected"] == ["1"]
    assert (again["method"], again["json"]) == (first["method"], first["json"])


HTML = {"zstack": "the answer is not JSON: Sign in Sign in to the guest network",
        "vsd": "the answer is not a VSD Output envelope: Sign in Sign in to the guest network",
        "osgview": "the answer is not a JSON object: Sign in Sign in to the guest network",
        "migration": "ListTasks: the answer is not a JSON envelope: Sign in Sign in to the guest network",
        "opendcp": "the answer to /cluster/list is not an OpenDCP envelope: Sign in Sign in to the guest network"}


@pytest.mark.parametrize("platform", PLATFORMS)
def test_an_html_page_is_the_platforms_own_clear_error(platform):
    with HostileServer(platform, "html") as server:
        error = failure_of(server)
    assert str(error) == f"{read_call(platform)}: HTTP 200: {HTML[platform]}"


@pytest.mark.parametrize("platform", PLATFORMS)
def test_a_reset_connection_is_retried_then_a_transport_error(platform):
    with HostileServer(platform, "reset") as server:
        error = failure_of(server)
    assert isinstance(error, TransportError) and error.attempts == 2 and len(reads(server)) == 2
    assert str(error).startswith(f"{read_call(platform)}: {platform} did not answer: ")


# --- credentials in a URL ---------------------------------------------------------------------------------------
def test_credentials_in_a_url_are_refused_without_showing_them(tmp_path):
    path = tmp_path / "d.yml"
    path.write_text(f"version: 1\nendpoints:\n  opendcp:\n    url: http://ops:{PASSWORD}@127.0.0.1:9/\n")
    with pytest.raises(DocumentError) as caught:
        load([str(path)])
    assert caught.value.problems == [
        f"{path}:4: endpoints.opendcp.url: 'http://********@127.0.0.1:9/' has credentials in it (user:password@): "
        "converge refuses them there, where every message naming the URL would show them"]
    for platform in PLATFORMS:  # a module's url option, as the module base builds its client
        connection = ConnectionSpec(platform, MODULES[platform].CONNECTION_ARGUMENT_SPEC,
                                    MODULES[platform].client_from_params)
        with pytest.raises(SpecError) as refused:
            connection.client({"url": f"https://admin:{PASSWORD}@127.0.0.1:9", "password": PASSWORD})
        assert refused.value.option == "url" and PASSWORD not in str(refused.value)
        assert str(refused.value).startswith("url: 'https://********@127.0.0.1:9' has credentials in it")


# --- the reconciler's plan and the inventory plugin, as users run them ------------------------------------------
#: mode -> (platform planned, what its endpoint adds, what the one line of the error says)
PLANS = {
    "drip": ("zstack", {"timeout": 1},
             "after 5 attempts: GET /zstack/v1/user-tags: zstack did not answer within the timeout of 1 s"),
    "slow-headers": ("vsd", {"timeout": 1}, "after 5 attempts: GET /v1/compute/vsd/snapshot/"),
    "huge": ("migration", {"max_answer_bytes": TEST_CAP},
             f"migration answered more than {TEST_CAP} bytes, the most converge reads of one answer"),
    "endless": ("opendcp", {}, "opendcp answered 1000 full pages of /cluster/list and had more"),
    "deep": ("vsd", {}, "vsd answered JSON nested deeper than 256 levels"),
    "redirect": ("zstack", {}, "PUT /zstack/v1/accounts/login: HTTP 307: zstack redirected the call to"),
    "redirect-migration": ("migration", {}, "POST /Login: HTTP 307: migration redirected the call to"),
    "html": ("opendcp", {}, "is not an OpenDCP envelope: Sign in Sign in to the guest network"),
    "reset": ("migration", {}, "migration did not answer: "),
}
ENTRIES = {
    "zstack": "zstack_user_tag:\n  - {resource_uuid: a1d6f0bbd21f4b3c8e7a2b9c4d5e6f70, resource_type: VmInstanceVO, "
              "tag: hostile}\n",
    "vsd": "vsd_snapshot:\n  - {cluster_uuid: 650ea11b-b7fb-4269-8232-aa53865aab3b, compute_uuid: "
           "b6b0e5b9-dacd-432b-9b83-c3e89799009d, name: hostile}\n",
    "migration": "migration_cloud_connection:\n  - {name: hostile, cloud_type: Openstack, project_name: admin, "
                 "cloud_user: admin, cloud_password: password, address: 127.0.0.1, identity_port: 5000}\n",
    "opendcp": "opendcp_cluster:\n  - {name: hostile, desc: hostile, biz: hostile}\n",
}
#: mode -> what `ansible-inventory` says of the OpenDCP source (the first read is /pool/list)
INVENTORIES = {
    "drip": "GET /pool/list: opendcp did not answer within the timeout of 1 s",
    "slow-headers": "GET /pool/list: opendcp did not answer within the timeout of 1 s",
    "huge": f"GET /pool/list: opendcp answered more than {DEFAULT_CAP} bytes, the most converge reads of one answer",
    "endless": "GET /pool/list: opendcp answered 1000 full pages of /pool/list and had more",
    "deep": "GET /pool/list: opendcp answered JSON nested deeper than 256 levels",
    "redirect": "GET /pool/list: HTTP 307: opendcp redirected the call to http://127.0.0.1:",
    "html": "GET /pool/list: HTTP 200: the answer to /pool/list is not an OpenDCP envelope: Sign in",
    "reset": "GET /pool/list: opendcp did not answer: ",
}


def _plan(tmp_path, mode: str, server: HostileServer, options: dict) -> tuple[subprocess.Popen, str]:
    endpoint = dict({"url": server.url}, **options)
    if server.platform in ("zstack", "migration"):
        endpoint["password"] = PASSWORD
    path = tmp_path / f"plan-{mode}.yml"
    path.write_text("version: 1\nendpoints:\n  %s: {%s}\nresources:\n%ssettings: {inline_secrets: true}\n" % (
        server.platform, ", ".join(f"{k}: {v}" for k, v in endpoint.items()),
        textwrap.indent(ENTRIES[server.platform], "  ")))
    return subprocess.Popen([str(BIN / "reconciler"), "plan", str(path)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=ansible_env(), cwd=str(tmp_path)), str(path)


def _inventory(tmp_path, mode: str, server: HostileServer) -> subprocess.Popen:
    directory = tmp_path / f"inventory-{mode}"
    directory.mkdir()
    source = directory / "opendcp.yml"
    source.write_text(f"plugin: converge.platforms.opendcp\nurl: {server.url}\ntimeout: 1\n")
    env = ansible_env({"ANSIBLE_INVENTORY_ENABLED": "converge.platforms.opendcp",
                       "ANSIBLE_INVENTORY_UNPARSED_FAILED": "true"})
    return subprocess.Popen([str(BIN / "ansible-inventory"), "-i", str(source), "--list"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env, cwd=str(directory))


@pytest.fixture(scope="module")
def outside_runs(tmp_path_factory):
    """Every `reconciler plan` of PLANS and every `ansible-inventory` of INVENTORIES, run at once against their
    own hostile servers: {("plan" or "inventory", mode): (returncode, stdout, stderr, path, server)}."""
    tmp_path = tmp_path_factory.mktemp("hostile")
    servers, running = [], {}
    try:
        for mode, (platform, options, _said) in PLANS.items():
            server = HostileServer(platform, mode.replace("-migration", "")).start()
            servers.append(server)
            running[("plan", mode)] = _plan(tmp_path, mode, server, options) + (server,)
        for mode in INVENTORIES:
            server = HostileServer("opendcp", mode, huge_bytes=DEFAULT_CAP + (1 << 20)).start()
            servers.append(server)
            running[("inventory", mode)] = (_inventory(tmp_path, mode, server), None, server)
        results = {}
        for key, (process, path, server) in running.items():
            stdout, stderr = process.communicate(timeout=300)
            results[key] = (process.returncode, stdout, stderr, path, server)
        yield results
    finally:
        for process, _path, _server in running.values():
            if process.poll() is None:
                process.kill()
                process.wait()
        for server in servers:
            server.stop()


@pytest.mark.parametrize("mode", sorted(PLANS))
def test_plan_against_a_hostile_server_is_one_line_naming_the_endpoint_and_the_call(outside_runs, mode):
    returncode, stdout, stderr, path, server = outside_runs[("plan", mode)]
    platform, _options, said = PLANS[mode]
    output = stdout + stderr
    assert returncode == 1, output
    # on stderr when the login fails, else on the blocked entry's line of the plan: one line either way
    lines = [line for line in output.splitlines() if f"{path}:3: endpoints.{platform}: " in line]
    assert len(lines) == 1, output
    assert said in lines[0], output
    if mode in ("drip", "slow-headers"):
        assert f"{platform} did not answer within the timeout of 1 s" in lines[0]
    assert any(f"{method} /" in lines[0] for method in ("GET", "PUT", "POST"))
    assert "Traceback" not in output and "internal error" not in output
    assert_no_secret(output)
    assert server.thief.requests == []


@pytest.mark.parametrize("mode", sorted(INVENTORIES))
def test_the_inventory_plugin_against_a_hostile_server_fails_naming_the_call(outside_runs, mode):
    returncode, _stdout, stderr, _path, server = outside_runs[("inventory", mode)]
    assert returncode != 0
    assert f"reading OpenDCP failed: {INVENTORIES[mode]}" in " ".join(stderr.split()), stderr
    assert "Traceback" not in stderr
    assert server.thief.requests == []
