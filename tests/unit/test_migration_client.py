"""The migration client without a server: session, envelope, errors, redaction, paging, every action's request."""

from __future__ import annotations

import pytest
import yaml
from ansible_collections.converge.platforms.plugins.module_utils.http import Redactor
from ansible_collections.converge.platforms.plugins.module_utils.migration import (
    CONNECTION_ARGUMENT_SPEC,
    MigrationClient,
    MigrationError,
    client_from_params,
    is_success,
)
from ansible_collections.converge.platforms.plugins.module_utils.retry import CREDENTIAL_ATTEMPTS

from tests.doc_fragments import connection_fragment
from tests.support import FakeHttp, FakeResponse

ModuleDocFragment = connection_fragment("migration")


def migration_http(answer):
    """A fake session for the migration client: every call a POST; records and answers (path, json, headers)."""
    return FakeHttp(answer, record=("path", "headers", "json"), answer_with=("path", "json", "headers"),
                    close_record=("close", {}, None), redact=Redactor(), methods=("POST",))


def envelope(data=None, code=0, msg="Success."):
    return FakeResponse({"Code": code, "Msg": msg, "Data": data})


def server(routes=None, token="tok-1"):
    """Login gives `token`; other calls answer routes[action] (a FakeResponse or a callable) or an empty success."""
    routes = routes or {}

    def answer(path, body, headers):
        if path == "/Login":
            return envelope({"Token": token, "IsFirstLogin": False})
        if path in ("/Logout", "/ReAuth"):
            return routes.get(path) or envelope(None if path == "/Logout" else {"Token": "tok-renewed"})
        reply = routes.get(body.get("Action"), envelope())
        return reply(path, body, headers) if callable(reply) else reply

    return answer


def client_for(routes=None, **kwargs):
    http = migration_http(server(routes, **kwargs))
    return MigrationClient("http://127.0.0.1:1", "admin", "s3cret-pass", http=http), http


def action_calls(http):
    return [(path, body) for path, _headers, body in http.calls
            if path not in ("/Login", "/Logout", "/ReAuth", "close")]


# --- session ----------------------------------------------------------------------------------------
def test_the_first_call_logs_in_and_sends_the_token_bare_in_authorization():
    client, http = client_for({"ListCloudType": envelope(["Huayun", "Openstack"])})
    assert client.list_cloud_types() == ["Huayun", "Openstack"]
    login, call = http.calls
    assert login[0] == "/Login" and login[2] == {"UserName": "admin", "Password": "s3cret-pass"}
    assert call[0] == "/MgmtCloudConnection" and call[2] == {"Action": "ListCloudType"}
    assert call[1]["Authorization"] == "tok-1" and call[1]["Content-Type"] == "application/json"
    assert call[1]["Accept"] == "application/json"


def token_refused(status=200, msg="Token is invalid or expired, please login again."):
    """The token refusal: the envelope's failure on HTTP 200 (the emulator, the document), or HTTP 401."""
    return FakeResponse({"Code": -1, "Msg": msg, "Data": None}, status)


@pytest.mark.parametrize("refused", [token_refused(), token_refused(401, "Unauthorized"),
                                     token_refused(msg="Token已过期,请重新登录"),
                                     token_refused(msg="请重新登录")],
                         ids=["envelope", "http-401", "chinese", "log-in-again"])
def test_a_refused_token_is_replaced_by_a_new_login_and_the_call_sent_again(refused):
    answers = iter([refused, envelope([])])
    tokens = iter(["tok-1", "tok-2"])
    http = migration_http(lambda path, body, headers: envelope({"Token": next(tokens), "IsFirstLogin": False})
                          if path == "/Login" else answers.__next__())
    client = MigrationClient("http://127.0.0.1:1", "admin", "s3cret-pass", http=http)
    client.list_tasks_page()
    assert [c[0] for c in http.calls] == ["/Login", "/MgmtTask", "/Login", "/MgmtTask"]
    assert http.calls[1][1]["Authorization"] == "tok-1"
    assert http.calls[3][1]["Authorization"] == "tok-2"


def test_a_call_refused_for_every_new_token_fails_after_the_policys_attempts():
    http = migration_http(lambda path, body, headers: envelope({"Token": "tok-1", "IsFirstLogin": False})
                          if path == "/Login" else token_refused())
    client = MigrationClient("http://127.0.0.1:1", "admin", "s3cret-pass", http=http)
    with pytest.raises(MigrationError) as caught:
        client.get_license()
    assert str(caught.value) == ("POST /MgntSetting: HTTP 200: code -1: GetLicense: Token is invalid or expired, "
                                 "please login again.")
    assert [c[0] for c in http.calls] == ["/Login", "/MgntSetting"] * CREDENTIAL_ATTEMPTS


@pytest.mark.parametrize("msg", ["The license has expired.", "Task 'x' does not exist.", "Invalid activation key."])
def test_other_failures_are_not_token_refusals_and_are_not_sent_again(msg):
    client, http = client_for({"GetLicense": envelope(None, code=-1, msg=msg)})
    with pytest.raises(MigrationError):
        client.get_license()
    assert [c[0] for c in http.calls] == ["/Login", "/MgntSetting"]


def test_a_wrong_password_fails_naming_login_and_the_platform_message():
    refused = FakeResponse({"Code": -1, "Msg": "UserName or Password is wrong.", "Data": None})
    http = migration_http(lambda path, body, headers: refused)
    client = MigrationClient("http://127.0.0.1:1", "admin", "wrong-pass", http=http)
    with pytest.raises(MigrationError) as caught:
        client.list_cloud_types()
    assert str(caught.value) == "POST /Login: HTTP 200: code -1: Login: UserName or Password is wrong."
    assert len(http.calls) == 1


def test_close_logs_out_with_the_token_and_ignores_a_failed_logout():
    client, http = client_for({"/Logout": envelope(None, code=False, msg="already out")})
    client.list_cloud_types()
    client.close()
    assert http.calls[-2][0] == "/Logout" and http.calls[-2][1]["Authorization"] == "tok-1"
    assert http.calls[-1][0] == "close" and client.token is None


# --- envelope ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(("code", "ok"), [(0, True), (True, True), ("0", True), ("true", True), (False, False),
                                          (1, False), (2, False), (-1, False), (None, False)])
def test_code_zero_and_true_are_success(code, ok):
    assert is_success(code) is ok


def test_a_failure_names_the_url_the_action_the_code_the_msg_and_the_repeated_names():
    clash = envelope({"ID": "", "Repeated": ["web-01-cloud"]}, code=1, msg="Target host name exists.")
    client, _http = client_for({"PrepareTaskWorkload": clash})
    with pytest.raises(MigrationError) as caught:
        client.prepare_task({"Name": "t"})
    error = caught.value
    assert str(error) == ("POST /MgmtTask: HTTP 200: code 1: PrepareTaskWorkload: Target host name exists. "
                          "(repeated: web-01-cloud)")
    assert error.action == "PrepareTaskWorkload" and error.code == 1 and error.repeated == ["web-01-cloud"]


def test_code_false_is_a_failure_too():
    client, _http = client_for({"DeleteCloudConnection": envelope(None, code=False, msg="Transport server uses it")})
    with pytest.raises(MigrationError) as caught:
        client.delete_cloud_connection("c1")
    assert "code False" in str(caught.value) and "DeleteCloudConnection: Transport server uses it" in str(caught.value)


def test_an_html_answer_fails_naming_the_action_and_the_status():
    client, _http = client_for({"ListHosts": FakeResponse("<html><body>Bad Gateway</body></html>", 502)})
    with pytest.raises(MigrationError) as caught:
        client.list_hosts()
    assert str(caught.value) == "POST /portal/MgmtHostConnection: HTTP 502: ListHosts: the answer is not a JSON " \
                                "envelope: Bad Gateway"


def test_lowercase_data_and_bare_catalogue_answers_are_accepted():
    client, _http = client_for({
        "AddVSPlatform": FakeResponse({"Code": 0, "Msg": "ok", "data": {"Count": 2}}),
        "ListFlavors": FakeResponse({"Flavors": [{"ID": "f1", "Name": "small"}]}),
        "ListNetworks": envelope({"Networks": [{"Id": "n1", "Subnets": []}]}),
    })
    assert client.add_vsphere_platform("vc", "127.0.0.21", "u", "p", "t1") == {"Count": 2}
    assert client.list_flavors("c1") == [{"ID": "f1", "Name": "small"}]
    assert client.list_networks("c1") == [{"Id": "n1", "Subnets": []}]


def test_secrets_never_reach_an_error_message():
    def refuse(path, body, headers):
        return envelope(None, code=-1, msg="bad key %s for password s3cret-pass, CloudPass %s" % (
            body.get("ActivationKey"), body.get("CloudPass")))

    client, _http = client_for({"UpdateLicense": refuse, "AddCloudConnection": refuse}, token="tok-secret-1")
    for call in (lambda: client.update_license("KEY-1234-5678-abcd"),
                 lambda: client.add_cloud_connection({"CloudName": "c", "CloudPass": "cloud-pw-9"})):
        with pytest.raises(MigrationError) as caught:
            call()
        text = str(caught.value)
        for secret in ("KEY-1234-5678-abcd", "s3cret-pass", "cloud-pw-9", "tok-secret-1"):
            assert secret not in text
        assert "********" in text


def test_change_password_sends_old_and_new_and_later_logins_use_the_new_one():
    client, http = client_for()
    client.change_password("n3w-passw0rd")
    assert action_calls(http) == [("/MgntSetting", {"Action": "ChangePassword", "UserName": "admin",
                                                    "Password": "s3cret-pass", "NewPassword": "n3w-passw0rd"})]
    assert client.password == "n3w-passw0rd"


def test_get_license_is_none_when_data_is_null():
    client, _http = client_for({"GetLicense": envelope(None)})
    assert client.get_license() is None


# --- paging -----------------------------------------------------------------------------------------
def test_list_tasks_reads_every_page_and_the_tasks_of_vsphere_platforms():
    agent = [{"Id": "t%d" % i, "Name": "task-%d" % i} for i in range(5)]
    vs_task = {"Id": "v1", "Name": "vm-task"}

    def pages(path, body, headers):
        start = (body["PageNum"] - 1) * body["PageLimit"]
        rows = (agent + [vs_task])[start:start + body["PageLimit"]]
        return envelope({"AgentTasks": [r for r in rows if r["Id"] != "v1"],
                         "VSTasks": [{"ID": "p1", "Tasks": [r for r in rows if r["Id"] == "v1"]}],
                         "TaskTotal": 6})

    client, http = client_for({"ListTasks": pages})
    tasks = client.list_tasks(page_limit=2)
    assert [t["Id"] for t in tasks] == ["t0", "t1", "t2", "t3", "t4", "v1"]
    assert [body["PageNum"] for _p, body in action_calls(http)] == [1, 2, 3]


def test_list_tasks_stops_when_a_server_ignores_the_page_number():
    same = envelope({"AgentTasks": [{"Id": "a", "Name": "a"}, {"Id": "b", "Name": "b"}], "VSTasks": []})
    client, http = client_for({"ListTasks": same})
    assert [t["Id"] for t in client.list_tasks(page_limit=2)] == ["a", "b"]
    assert len(action_calls(http)) == 2


# --- every action -----------------------------------------------------------------------------------
#: the CloudUltra 4 API's credentials, as its catalogue actions take them
CLOUD_ULTRA = {"APIMgntURL": "http://127.0.0.1/api", "AccessKey": "ak", "SecretKey": "sk", "IsEncrypted": "False"}
ACTIONS = [
    (lambda c: c.update_license("K"), "/MgntSetting", {"Action": "UpdateLicense", "ActivationKey": "K"}),
    (lambda c: c.delete_license(), "/MgntSetting", {"Action": "DeleteLicense"}),
    (lambda c: c.get_license(), "/MgntSetting", {"Action": "GetLicense"}),
    (lambda c: c.list_cloud_types(), "/MgmtCloudConnection", {"Action": "ListCloudType"}),
    (lambda c: c.add_cloud_connection({"CloudName": "c", "CloudType": "Openstack"}), "/MgmtCloudConnection",
     {"Action": "AddCloudConnection", "CloudName": "c", "CloudType": "Openstack"}),
    (lambda c: c.delete_cloud_connection("c1"), "/MgmtCloudConnection", {"Action": "DeleteCloudConnection",
                                                                         "Id": "c1"}),
    (lambda c: c.update_cloud_connection("c1", {"Name": "c", "CloudUser": "u"}), "/MgmtCloudConnection",
     {"Action": "UpdateCloudConnection", "Id": "c1", "Name": "c", "CloudUser": "u"}),
    (lambda c: c.list_cloud_connections("c"), "/MgmtCloudConnection", {"Action": "ListCloudConnection", "Name": "c"}),
    (lambda c: c.verify_cloud_connection({"CloudType": "Openstack", "CloudAddr": "127.0.0.1"}),
     "/MgmtCloudConnection", {"Action": "VerifyCloudConnection", "CloudType": "Openstack", "CloudAddr": "127.0.0.1"}),
    # the actions no module makes go through the client's generic call
    (lambda c: c.call("/MgmtCloudConnection", "ListProject", CLOUD_ULTRA), "/MgmtCloudConnection",
     dict(CLOUD_ULTRA, Action="ListProject")),
    (lambda c: c.call("/MgmtCloudConnection", "ListEnvironment", dict(CLOUD_ULTRA, HypervisorType="KVM")),
     "/MgmtCloudConnection", dict(CLOUD_ULTRA, Action="ListEnvironment", HypervisorType="KVM")),
    (lambda c: c.call("/MgmtCloudConnection", "ListZone", dict(CLOUD_ULTRA, EnvironmentId="e1", OwnerId="o1")),
     "/MgmtCloudConnection", dict(CLOUD_ULTRA, Action="ListZone", EnvironmentId="e1", OwnerId="o1")),
    (lambda c: c.call("/MgmtCloudConnection", "ListRegion", {"AccessKey": "ak", "SecretKey": "sk",
                                                             "isEncrypted": "False"}), "/MgmtCloudConnection",
     {"Action": "ListRegion", "AccessKey": "ak", "SecretKey": "sk", "isEncrypted": "False"}),
    (lambda c: c.call("/MgmtTransportConnection", "VerifyTransportConnection", {"MgntAddr": "127.0.0.2"}),
     "/MgmtTransportConnection", {"Action": "VerifyTransportConnection", "MgntAddr": "127.0.0.2"}),
    (lambda c: c.call("/MgmtTransportConnection", "UpdateTransportServer", {"Id": "t1", "Name": "new"}),
     "/MgmtTransportConnection", {"Action": "UpdateTransportServer", "Id": "t1", "Name": "new"}),
    (lambda c: c.call("/portal/MgmtHostConnection", "VerifyPackerConnection", {"HostId": "h1",
                                                                              "TransAddr": "127.0.0.2"}),
     "/portal/MgmtHostConnection", {"Action": "VerifyPackerConnection", "HostId": "h1", "TransAddr": "127.0.0.2"}),
    (lambda c: c.call("/portal/MgmtHostConnection", "VerifyVSPlatformConnection", {"VSPlatformID": "p1",
                                                                                  "TransAddr": "127.0.0.2"}),
     "/portal/MgmtHostConnection", {"Action": "VerifyVSPlatformConnection", "VSPlatformID": "p1",
                                    "TransAddr": "127.0.0.2"}),
    (lambda c: c.call("/MgmtTask", "CheckTargetHostInfoExisting", {"CloudId": "c1", "TaskName": "t",
                                                                   "CloudVolumeNames": ["v1"]}), "/MgmtTask",
     {"Action": "CheckTargetHostInfoExisting", "CloudId": "c1", "TaskName": "t", "CloudVolumeNames": ["v1"]}),
    (lambda c: c.add_transport_server("t", "Cloud", "127.0.0.2", "c1"), "/MgmtTransportConnection",
     {"Action": "AddTransportServer", "ServType": "Cloud", "Name": "t", "CloudId": "c1", "MgntAddr": "127.0.0.2"}),
    (lambda c: c.delete_transport_server("t1"), "/MgmtTransportConnection",
     {"Action": "DeleteTransportServer", "Id": "t1"}),
    (lambda c: c.refresh_transport_server("t1"), "/MgmtTransportConnection",
     {"Action": "RefreshTransportServer", "Id": "t1"}),
    (lambda c: c.list_transport_servers(serv_type="cloud"), "/MgmtTransportConnection",
     {"Action": "ListTransportServer", "ServType": "cloud"}),
    (lambda c: c.add_packer_host("h", "t1", "127.0.0.11"), "/portal/MgmtHostConnection",
     {"Action": "AddPackerHost", "Name": "h", "TransId": "t1", "MgntAddr": "127.0.0.11"}),
    (lambda c: c.delete_packer_host("h1"), "/portal/MgmtHostConnection", {"Action": "DeletePackerHost", "Id": "h1"}),
    (lambda c: c.refresh_packer_host("h1"), "/portal/MgmtHostConnection", {"Action": "RefreshPackerHost", "Id": "h1"}),
    (lambda c: c.update_packer_host("h1", "h", "t1"), "/portal/MgmtHostConnection",
     {"Action": "UpdatePackerHost", "TransId": "t1", "Id": "h1", "Name": "h"}),
    (lambda c: c.list_hosts(task_free=True), "/portal/MgmtHostConnection", {"Action": "ListHosts", "TaskFree": True}),
    (lambda c: c.get_packer_host("h1"), "/portal/MgmtHostConnection", {"Action": "GetPackerHost", "Id": "h1"}),
    (lambda c: c.add_vsphere_platform("vc", "127.0.0.21", "u", "p", "t1"), "/portal/MgmtHostConnection",
     {"Action": "AddVSPlatform", "Name": "vc", "Ip": "127.0.0.21", "UserName": "u", "Passwd": "p", "TransId": "t1"}),
    (lambda c: c.delete_vsphere_platform("p1"), "/portal/MgmtHostConnection", {"Action": "DeleteVSPlatform",
                                                                               "ID": "p1"}),
    (lambda c: c.refresh_vsphere_platform("p1"), "/portal/MgmtHostConnection", {"Action": "RefreshVSPlatform",
                                                                                "ID": "p1"}),
    (lambda c: c.update_vsphere_platform("p1", "vc", "u", "p", "t1"), "/portal/MgmtHostConnection",
     {"Action": "UpdateVSPlatform", "ID": "p1", "Name": "vc", "UserName": "u", "Passwd": "p", "TransId": "t1"}),
    (lambda c: c.list_vsphere_hosts(), "/portal/MgmtHostConnection", {"Action": "ListVSHosts"}),
    (lambda c: c.prepare_task({"Name": "t", "MaxSnapsNum": 3}), "/MgmtTask",
     {"Action": "PrepareTaskWorkload", "Name": "t", "MaxSnapsNum": 3}),
    (lambda c: c.delete_task("k1"), "/MgmtTask", {"Action": "DeleteTask", "Id": "k1"}),
    (lambda c: c.update_task("k1", {"MaxSnapNum": 4}), "/MgmtTask", {"Action": "UpdateTask", "Id": "k1",
                                                                     "MaxSnapNum": 4}),
    (lambda c: c.list_tasks_page(name="t"), "/MgmtTask", {"Action": "ListTasks", "Name": "t", "PageLimit": 100,
                                                          "PageNum": 1}),
    (lambda c: c.get_task_detail("k1"), "/MgmtTask", {"Action": "GetTaskDetail", "Id": "k1"}),
    (lambda c: c.complete_task("k1"), "/MgmtTask", {"Action": "CompleteTask", "Id": "k1"}),
    (lambda c: c.continue_task("k1"), "/MgmtTask", {"Action": "ContinueTask", "Id": "k1"}),
    (lambda c: c.task_history("k1"), "/MgmtTask", {"Action": "DisplayTaskHistory", "Id": "k1"}),
    (lambda c: c.list_snapshots("k1"), "/MgmtTask", {"Action": "ListSnapshots", "Id": "k1"}),
    (lambda c: c.list_volume_types("c1", "s1"), "/MgmtTask", {"Action": "ListVolumeTypes", "Id": "c1",
                                                              "StorageId": "s1"}),
    (lambda c: c.list_storages("c1"), "/MgmtTask", {"Action": "ListStorages", "Id": "c1"}),
    (lambda c: c.list_flavors("c1"), "/MgmtTask", {"Action": "ListFlavors", "Id": "c1"}),
    (lambda c: c.list_networks("c1"), "/MgmtTask", {"Action": "ListNetworks", "Id": "c1"}),
    (lambda c: c.list_security_groups("c1"), "/MgmtTask", {"Action": "ListSecurityGroups", "Id": "c1"}),
    (lambda c: c.list_quota("c1"), "/MgmtTask", {"Action": "ListQuota", "Id": "c1"}),
    (lambda c: c.create_instance("k1", {"FlavorId": "f1"}), "/MgmtTask", {"Action": "CreateInstance", "Id": "k1",
                                                                          "FlavorId": "f1"}),
    (lambda c: c.get_instance("k1"), "/MgmtTask", {"Action": "GetInstance", "Id": "k1"}),
    (lambda c: c.change_password("n3w-pass1"), "/MgntSetting",
     {"Action": "ChangePassword", "UserName": "admin", "Password": "s3cret-pass", "NewPassword": "n3w-pass1"}),
]


@pytest.mark.parametrize(("call", "path", "body"), ACTIONS, ids=[a[2]["Action"] for a in ACTIONS])
def test_each_action_posts_its_documented_body_to_its_url(call, path, body):
    client, http = client_for()
    call(client)
    assert action_calls(http) == [(path, body)]


def test_the_session_calls_and_the_actions_number_54():
    assert len({body["Action"] for _c, _p, body in ACTIONS}) + 3 == 54


# --- connection options -------------------------------------------------------------------------------
def test_connection_options_match_the_doc_fragment():
    documented = yaml.safe_load(ModuleDocFragment.DOCUMENTATION)["options"]
    assert set(documented) == set(CONNECTION_ARGUMENT_SPEC)
    for name, option in CONNECTION_ARGUMENT_SPEC.items():
        assert documented[name]["type"] == option["type"]
        assert documented[name].get("default") == option.get("default")
        assert bool(documented[name].get("required")) == bool(option.get("required"))
        env = option.get("fallback", (None, [None]))[1][0]
        if env:
            assert "E(%s)" % env in " ".join(documented[name]["description"])
    assert CONNECTION_ARGUMENT_SPEC["password"]["no_log"] is True
    assert [CONNECTION_ARGUMENT_SPEC[n]["fallback"][1] for n in ("url", "username", "password", "validate_certs")] == \
        [["MIGRATION_URL"], ["MIGRATION_USERNAME"], ["MIGRATION_PASSWORD"], ["MIGRATION_VALIDATE_CERTS"]]


def test_client_from_params_checks_the_url_and_applies_defaults():
    client = client_from_params({"url": "http://127.0.0.1:18082/", "password": "pw-123456", "timeout": 7,
                                 "validate_certs": False})
    assert client.http.base_url == "http://127.0.0.1:18082" and client.username == "admin"
    assert client.http.timeout[1] == 7.0 and client.http.session.verify is False
    with pytest.raises(ValueError) as caught:
        client_from_params({"url": "ftp://127.0.0.1", "password": "x"})
    assert str(caught.value).startswith("url:")
