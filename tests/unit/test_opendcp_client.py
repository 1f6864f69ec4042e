"""The OpenDCP client without a server: envelope, errors, HTML pages, paging, ids, operator, flows found by name."""

from __future__ import annotations

import pytest
from ansible_collections.converge.platforms.plugins.module_utils.opendcp import (
    CONNECTION_ARGUMENT_SPEC,
    OpenDcpClient,
    OpenDcpError,
    client_from_params,
    flow_pending,
    new_id,
)

from tests.doc_fragments import connection_fragment
from tests.support import FakeHttp, FakeResponse, check_doc_fragment

ModuleDocFragment = connection_fragment("opendcp")

HTML_404 = "<!DOCTYPE html><html><head><title>Page Not Found</title></head><body><h1>404</h1></body></html>"
HTML_500 = "<!DOCTYPE html><html><head><title>Internal Server Error</title></head><body><h1>500</h1></body></html>"




def ok(data, **extra):
    body = {"code": 0, "msg": "", "data": data}
    body.update(extra)
    return FakeResponse(body)


def fail(code, msg):
    return FakeResponse({"code": code, "msg": msg, "data": {}}, status=code)


def client_with(answer, **kwargs):
    http = FakeHttp(answer, record=("method", "path", "params", "json", "headers"))
    return OpenDcpClient("http://127.0.0.1:1", http=http, **kwargs), http


# --- envelope and errors ------------------------------------------------------------------------
def test_success_returns_data_and_reads_go_by_get_with_json_content_type():
    client, http = client_with(lambda *a: ok({"id": 2, "name": "web", "desc": "", "biz": "1"}))
    assert client.get_cluster(2) == {"id": 2, "name": "web", "desc": "", "biz": "1"}
    method, path, params, body, headers = http.calls[0]
    assert (method, path, params, body) == ("GET", "/cluster/2", {}, None)
    assert headers["Content-Type"] == "application/json" and "Authorization" not in headers


def test_a_failure_raises_with_the_code_the_status_and_the_message():
    client, _http = client_with(lambda *a: fail(404, "cluster in db not found"))
    with pytest.raises(OpenDcpError) as err:
        client.get_cluster(9)
    assert err.value.code == 404 and err.value.status == 404
    assert str(err.value) == "GET /cluster/9: HTTP 404: code 404: cluster in db not found"


def test_a_non_zero_code_is_a_failure_even_with_http_200():
    client, _http = client_with(lambda *a: FakeResponse({"code": 400, "msg": "db server lost...", "data": []}))
    with pytest.raises(OpenDcpError, match="db server lost"):
        client.list_clusters()


def test_an_html_404_page_is_an_error_naming_the_path_not_a_parse_crash():
    client, _http = client_with(lambda *a: FakeResponse(HTML_404, status=404))
    with pytest.raises(OpenDcpError) as err:
        client.get_remote_step(3)
    assert err.value.code is None and err.value.status == 404
    assert "OpenDCP has no such path (/remote_step/3)" in str(err.value) and "Page Not Found" in str(err.value)


def test_an_html_500_page_is_an_error_naming_the_path():
    client, _http = client_with(lambda *a: FakeResponse(HTML_500, status=500))
    with pytest.raises(OpenDcpError, match=r"OpenDCP failed on /pool/create: .*Internal Server Error"):
        client.create_pool("p", "", 1, 1, 1)


# --- paging ---------------------------------------------------------------------------------------
def test_lists_read_pages_from_the_query_string_until_a_short_page():
    items = [{"id": n} for n in range(1, 6)]

    def answer(method, path, params, body):
        start = (params["page"] - 1) * params["page_size"]
        return ok(items[start:start + params["page_size"]], page=params["page"], page_size=params["page_size"],
                  query_count=len(items))

    client, http = client_with(answer, page_size=2)
    assert client.list_actions() == items
    assert [call[2] for call in http.calls] == [{"page": 1, "page_size": 2}, {"page": 2, "page_size": 2},
                                                {"page": 3, "page_size": 2}]
    assert all(call[0] == "GET" and call[3] is None for call in http.calls)


def test_a_full_last_page_costs_one_more_empty_read():
    pages = [[{"id": 1}, {"id": 2}], []]
    client, http = client_with(lambda *a: ok(pages.pop(0)), page_size=2)
    assert [item["id"] for item in client.list_pools()] == [1, 2] and len(http.calls) == 2


def test_a_server_ignoring_page_does_not_loop_forever():
    client, http = client_with(lambda *a: ok([{"id": 1}, {"id": 2}]), page_size=2)
    assert client.list_task_steps() == [{"id": 1}, {"id": 2}] and len(http.calls) == 2


def test_a_list_answer_that_is_not_a_list_is_an_error():
    client, _http = client_with(lambda *a: ok({"id": 1}))
    with pytest.raises(OpenDcpError, match="not a list"):
        client.list_clusters()


@pytest.mark.parametrize(("method", "path"), [
    ("list_clusters", "/cluster/list"), ("list_pools", "/pool/list"), ("list_tasks", "/task/list"),
    ("list_templates", "/task_tpl/list"), ("list_task_steps", "/task_step/list"),
    ("list_remote_steps", "/remote_step/list"), ("list_actions", "/action/list"), ("list_actimpls", "/actimpl/list"),
])
def test_each_list_reads_its_canonical_path(method, path):
    client, http = client_with(lambda *a: ok([]))
    assert getattr(client, method)() == []
    assert http.calls[0][1] == path


# --- writes ---------------------------------------------------------------------------------------
def test_create_answers_a_bare_id_or_an_id_object():
    assert new_id(7) == 7 and new_id({"id": 8}) == 8
    for bad in (None, "7", True, {}):
        with pytest.raises(OpenDcpError, match="without an id"):
            new_id(bad)


@pytest.mark.parametrize(("call", "path", "body"), [
    (lambda c: c.create_cluster("web", "d", "1"), "/cluster/create", {"name": "web", "desc": "d", "biz": "1"}),
    (lambda c: c.create_service("fe", "", "java", "img", 3), "/service/create",
     {"name": "fe", "desc": "", "service_type": "java", "docker_image": "img", "cluster_id": 3}),
    (lambda c: c.create_pool("p", "d", 1, 2, 3, {"expand": 4}), "/pool/create",
     {"name": "p", "desc": "d", "vm_type": 1, "sd_id": 2, "service_id": 3, "tasks": {"expand": 4}}),
    (lambda c: c.create_template("t", "", [{"name": "create_vm"}]), "/task_tpl/create",
     {"name": "t", "desc": "", "steps": [{"name": "create_vm"}]}),
    (lambda c: c.create_remote_step("s", "", ["a"]), "/remote_step/create",
     {"name": "s", "desc": "", "actions": ["a"]}),
    (lambda c: c.create_action("a", "", {"w": "string"}), "/action/create",
     {"name": "a", "desc": "", "params": {"w": "string"}}),
    (lambda c: c.create_actimpl(4, "ansible", {"action": {}}), "/actimpl/create",
     {"action_id": 4, "type": "ansible", "template": {"action": {}}}),
])
def test_creates_post_the_documented_json_body_and_return_the_id(call, path, body):
    client, http = client_with(lambda *a: ok(11))
    assert call(client) == 11
    assert http.calls == [("POST", path, {}, body, {"Content-Type": "application/json"})]


def test_the_operator_is_sent_as_authorization_on_every_call():
    client, http = client_with(lambda *a: ok(""), operator="alice")
    client.delete_pool(3)
    client.get("/pool/3")
    assert all(call[4]["Authorization"] == "alice" for call in http.calls)


@pytest.mark.parametrize(("call", "read_path", "write_path", "body"), [
    (lambda c: c.update_action(5, "a", "d", {"w": "string"}), "/action/5", "/action/update/5",
     {"name": "a", "desc": "d", "params": {"w": "string"}}),
    (lambda c: c.update_remote_step(5, "s", "d", ["a"]), "/remote_step/5", "/remote_step/update/5",
     {"name": "s", "desc": "d", "actions": ["a"]}),
    (lambda c: c.update_template(5, "t", "d", []), "/task_tpl/5", "/task_tpl/update/5",
     {"id": 5, "name": "t", "desc": "d", "steps": []}),
    (lambda c: c.update_actimpl(5, "ansible", {"action": {}}), "/actimpl/5", "/actimpl/update/5",
     {"action_id": 5, "type": "ansible", "template": {"action": {}}}),
])
def test_updates_that_answer_success_for_a_missing_object_read_it_first(call, read_path, write_path, body):
    client, http = client_with(lambda method, path, params, json: ok({"id": 5}) if method == "GET" else ok(""))
    call(client)
    assert [(c[0], c[1]) for c in http.calls] == [("GET", read_path), ("POST", write_path)]
    assert http.calls[1][3] == body

    client, http = client_with(lambda *a: fail(404, "not found"))
    with pytest.raises(OpenDcpError, match="not found"):
        call(client)
    assert [c[0] for c in http.calls] == ["GET"]


def test_a_write_given_the_wrong_values_sends_nothing_and_names_what_it_takes():
    client, http = client_with(lambda *a: ok(11))
    with pytest.raises(TypeError, match="^a write of a remote_step takes name, desc, actions$"):
        client.create_remote_step("s", ["a"])
    assert http.calls == []


@pytest.mark.parametrize(("call", "path", "body"), [
    (lambda c: c.update_cluster(1, "web", "d", "1"), "/cluster/update/1", {"name": "web", "desc": "d", "biz": "1"}),
    (lambda c: c.update_service(2, "fe", "d", "java", "img", 1), "/service/update/2",
     {"name": "fe", "desc": "d", "service_type": "java", "docker_image": "img", "cluster_id": 1}),
    (lambda c: c.update_pool(3, "p", "d", 1, 1, 2, {}), "/pool/update/3",
     {"name": "p", "desc": "d", "vm_type": 1, "sd_id": 1, "service_id": 2, "tasks": {}}),
    (lambda c: c.delete_cluster(1), "/cluster/delete/1", {}),
    (lambda c: c.delete_service(2), "/service/delete/2", {}),
    (lambda c: c.delete_template(4), "/task_tpl/delete/4", {}),
    (lambda c: c.delete_remote_step(5), "/remote_step/delete/5", {}),
    (lambda c: c.delete_action(6), "/action/delete/6", {}),
    (lambda c: c.delete_actimpl(6), "/actimpl/delete/6", {}),
    (lambda c: c.add_pool_nodes(3, ["127.0.0.5"]), "/pool/3/add_nodes", {"nodes": ["127.0.0.5"]}),
    (lambda c: c.remove_pool_nodes(3, ["7", 8]), "/pool/3/remove_nodes", {"nodes": [7, 8]}),
    (lambda c: c.start_task(9), "/task/start/9", {}),
    (lambda c: c.pause_task(9), "/task/pause/9", {}),
    (lambda c: c.stop_task(9), "/task/stop/9", {}),
])
def test_writes_post_to_the_canonical_paths(call, path, body):
    client, http = client_with(lambda *a: ok(""))
    call(client)
    assert [(c[0], c[1], c[3]) for c in http.calls] == [("POST", path, body)]


def test_reads_of_one_object_and_of_logs():
    client, http = client_with(lambda *a: ok({"id": 1}))
    for call in (lambda: client.get_service(1), lambda: client.get_pool(1), lambda: client.get_template(1),
                 lambda: client.get_action(1), lambda: client.get_actimpl(1), lambda: client.task_detail(1),
                 lambda: client.task_log(1), lambda: client.node_log(1)):
        call()
    assert [c[1] for c in http.calls] == ["/service/1", "/pool/1", "/task_tpl/1", "/action/1", "/actimpl/1",
                                          "/task/1/detail", "/task/flow/1/log", "/task/node/1/log"]


def test_search_by_ip_joins_the_ips_and_asks_nothing_for_none():
    client, http = client_with(lambda *a: ok({"127.0.0.5": 2, "127.0.0.6": -1}))
    assert client.search_pools_by_ip(["127.0.0.5", "127.0.0.6"]) == {"127.0.0.5": 2, "127.0.0.6": -1}
    assert http.calls[0][1] == "/pool/search_by_ip/127.0.0.5,127.0.0.6"
    assert client.search_pools_by_ip([]) == {} and len(http.calls) == 1


def test_get_task_accepts_the_documents_one_item_list():
    client, _http = client_with(lambda *a: ok([{"id": 4, "state": 1}]))
    assert client.get_task(4) == {"id": 4, "state": 1}


# --- flows found by name ----------------------------------------------------------------------------
def flows_answer(flows, on_post=None):
    def answer(method, path, params, body):
        if method == "POST":
            if on_post:
                on_post(path, body)
            return ok({})
        return ok(list(flows))
    return answer


def test_expand_returns_the_new_newest_flow_of_its_name():
    flows = [{"id": 3, "task_name": "expand_web", "state": 2}, {"id": 1, "task_name": "expand_web", "state": 2},
             {"id": 2, "task_name": "shrink_web", "state": 2}]
    client, http = client_with(flows_answer(flows, lambda path, body: flows.insert(
        0, {"id": 4, "task_name": "expand_web", "state": 1})), operator="bob")
    flow = client.expand_pool(7, "web", 2)
    assert flow["id"] == 4
    post = [c for c in http.calls if c[0] == "POST"]
    assert post == [("POST", "/pool/expand/7", {}, {"num": 2}, {"Content-Type": "application/json",
                                                                "Authorization": "bob"})]


def test_a_call_that_starts_no_flow_is_an_error():
    flows = [{"id": 3, "task_name": "shrink_web", "state": 2}]
    client, _http = client_with(flows_answer(flows))
    with pytest.raises(OpenDcpError, match="no new flow named shrink_web"):
        client.shrink_pool(7, "web", ["127.0.0.5"])


def test_task_create_sends_its_body():
    flows = []
    client, http = client_with(flows_answer(flows, lambda path, body: flows.append(
        {"id": len(flows) + 1, "task_name": body["task_name"]})), operator="ops")
    assert client.create_task(5, "rerun", ["127.0.0.5"], max_ratio=50)["task_name"] == "rerun"
    posts = [c for c in http.calls if c[0] == "POST"]
    assert [post[1] for post in posts] == ["/task/create"]
    assert posts[0][3] == {"template_id": 5, "task_name": "rerun", "max_ratio": 50, "max_num": 0, "timeout": 0,
                           "auto": 0, "opr_user": "ops", "nodes": [{"ip": "127.0.0.5"}], "params": {}}


def test_flow_pending_counts_nodes_not_yet_run_of_a_running_flow():
    assert flow_pending({"state": 1, "Stat": [1, 2, 3, 0, 0]}) == 3
    assert flow_pending({"state": 2, "Stat": [0, 0, 3, 0, 0]}) == 0
    assert flow_pending({"state": 4, "Stat": [0, 0, 1, 0, 2]}) == 0


# --- connection options -----------------------------------------------------------------------------
def test_client_from_params_names_a_bad_url_and_takes_the_operator():
    with pytest.raises(ValueError, match="^url: "):
        client_from_params({"url": "127.0.0.1:18083"})
    client = client_from_params({"url": "http://127.0.0.1:18083/", "operator": "ops", "timeout": 5,
                                 "validate_certs": False, "username": "ignored"})
    assert client.http.base_url == "http://127.0.0.1:18083" and client.http.session.verify is False
    assert client.operator == "ops" and client.http.timeout[1] == 5.0


def test_the_doc_fragment_matches_the_connection_argument_spec():
    check_doc_fragment(ModuleDocFragment.DOCUMENTATION, CONNECTION_ARGUMENT_SPEC)
    assert [CONNECTION_ARGUMENT_SPEC[k]["fallback"][1] for k in ("url", "operator", "validate_certs")] == [
        ["OPENDCP_URL"], ["OPENDCP_OPERATOR"], ["OPENDCP_VALIDATE_CERTS"]]
