"""The OpenDCP emulator over raw HTTP: every canonical path and alias, envelopes, codes, and flows over time."""

from __future__ import annotations

import pytest
import requests
import yaml

import emulators

FLOW_SECONDS = 3  # one batch of a flow's nodes takes this long, split evenly over the template's steps
FAILING = "127.0.0.12"  # fixture: flow nodes on this host fail
EXTRA_HOST = "127.0.1.10"  # fixture: one more free host
ECHO_TEMPLATE = {"action": {"module": "shell", "args": "echo {{echo_word}}"}}


@pytest.fixture
def dcp(tmp_path):
    """An OpenDCP emulator whose host 127.0.0.12 fails every flow step that reaches it."""
    fixtures = tmp_path / "opendcp.yml"
    fixtures.write_text(yaml.safe_dump({"failing_hosts": [FAILING], "free_hosts": [EXTRA_HOST]}), encoding="utf-8")
    handle = emulators.start("opendcp", port=0, fixtures_file=str(fixtures), flow_seconds=FLOW_SECONDS)
    yield handle
    handle.stop()


def call(handle, path, body=None, method="POST", **kwargs):
    """One request; bodies are JSON."""
    return requests.request(method, handle.url + path, json=body, timeout=10, **kwargs)


def ok(handle, path, body=None, method="POST", **kwargs):
    """The `data` of a successful answer (HTTP 200, code 0, empty msg)."""
    response = call(handle, path, body, method, **kwargs)
    assert response.status_code == 200, response.text
    payload = response.json()
    assert (payload["code"], payload["msg"]) == (0, ""), payload
    return payload["data"]


def fail(handle, path, body=None, method="POST", code=400, **kwargs):
    """The `msg` of a failure: the code is also the HTTP status and data is {}."""
    response = call(handle, path, body, method, **kwargs)
    payload = response.json()
    assert response.status_code == code == payload["code"], payload
    assert payload["data"] == {}
    return payload["msg"]


def html_404(response):
    assert response.status_code == 404
    assert response.headers["Content-Type"].startswith("text/html")
    assert "Page Not Found" in response.text


def page(handle, path, **params):
    response = call(handle, path, method="GET", params=params)
    assert response.status_code == 200
    return response.json()


# --- building blocks ------------------------------------------------------------------------------------
def make_cluster(handle, name="web"):
    return ok(handle, "/cluster/create", {"name": name, "desc": "web tier", "biz": "1"})


def make_service(handle, cluster_id, name="frontend", image="registry.example.invalid/web:1.0"):
    return ok(handle, "/service/create", {"name": name, "desc": "front", "service_type": "java",
                                         "docker_image": image, "cluster_id": cluster_id})


def make_echo(handle, action="echo", step="say_hello", template=None):
    """An action with one parameter, its ansible implementation and a remote step running it."""
    action_id = ok(handle, "/action/create", {"name": action, "desc": "echo a word",
                                              "params": {"echo_word": "string"}})
    ok(handle, "/actimpl/create", {"action_id": action_id, "type": "ansible", "template": template or ECHO_TEMPLATE})
    ok(handle, "/remote_step/create", {"name": step, "desc": "say it", "actions": [action]})
    return action_id


def make_template(handle, name, steps, path="/task_tpl/create"):
    return ok(handle, path, {"name": name, "desc": name, "steps": steps})


def step(name, retry_times=0, ignore_error=False, **params):
    return {"name": name, "param_values": params, "retry": {"retry_times": retry_times, "ignore_error": ignore_error}}


@pytest.fixture
def pool(dcp):
    """A pool with expand, shrink and deploy templates: ids of (pool, expand, shrink, deploy template)."""
    service_id = make_service(dcp, make_cluster(dcp))
    make_echo(dcp)
    expand = make_template(dcp, "expand_web", [step("create_vm"), step("say_hello", echo_word="hi")])
    shrink = make_template(dcp, "shrink_web", [step("unregister"), step("return_vm")])
    make_echo(dcp, "start_docker", "start_service_web",
              {"action": {"module": "shell", "args": "docker run {{tag}}"}})
    deploy = make_template(dcp, "deploy_web", [step("start_service_web", tag="old:0")])
    pool_id = ok(dcp, "/pool/create", {"name": "web-pool", "desc": "pool", "vm_type": 3, "sd_id": 7,
                                       "service_id": service_id,
                                       "tasks": {"expand": expand, "shrink": shrink, "deploy": deploy}})
    return pool_id, expand, shrink, deploy


def newest_flow(handle, name):
    flows = [f for f in ok(handle, "/task/list", method="GET") if f["task_name"] == name]
    return flows[0]


def flow(handle, flow_id):
    return ok(handle, f"/task/{flow_id}", method="GET")


# --- envelope, routing, bodies, paging --------------------------------------------------------------------
@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "DELETE", "PATCH"])
def test_every_path_answers_any_method(dcp, method):
    assert ok(dcp, "/cluster/create", {"name": f"c-{method}"}, method=method) == 1
    assert [c["name"] for c in ok(dcp, "/cluster/list", method=method)] == [f"c-{method}"]


@pytest.mark.parametrize("path", ["/nope", "/cluster/abc", "/cluster/-1", "/pool/1x/list_nodes", "/task/start/x",
                                  "/task/expandList/1", "/task/uploadList/1", "/task/saveTask", "/actimpl/one"])
def test_unknown_routes_and_non_number_ids_answer_the_html_404_page(dcp, path):
    html_404(call(dcp, path, {}))


def test_a_server_fault_answers_the_html_500_page(dcp, monkeypatch):
    def boom():
        raise RuntimeError("database went away")

    monkeypatch.setattr(dcp.app.state, "list_clusters", boom)
    response = call(dcp, "/cluster/list", method="GET")
    assert response.status_code == 500
    assert response.headers["Content-Type"].startswith("text/html")
    assert "Internal Server Error" in response.text


def test_a_form_encoded_body_reaches_the_handler_empty(dcp):
    response = requests.post(dcp.url + "/cluster/create", data={"name": "web"}, timeout=10)
    assert response.status_code == 400
    assert response.json() == {"code": 400, "msg": "unexpected end of JSON input", "data": {}}
    assert dcp.state()["clusters"] == {}


def test_bodies_must_be_json_objects_with_fields_of_the_right_type(dcp):
    response = requests.post(dcp.url + "/cluster/create", data="{nope", timeout=10,
                             headers={"Content-Type": "application/json"})
    assert response.status_code == 400 and response.json()["msg"].startswith("invalid JSON body")
    msg = fail(dcp, "/cluster/create", ["web"])
    assert msg == "json: cannot unmarshal array into Go value of type api.cluster_struct"
    cluster_id = make_cluster(dcp)
    msg = fail(dcp, "/service/create", {"name": "s", "docker_image": "i", "cluster_id": str(cluster_id)})
    assert msg == "json: cannot unmarshal string into Go struct field service_struct.cluster_id of type int"


def test_paging_comes_from_the_query_string_only(dcp):
    for index in range(12):
        make_cluster(dcp, f"c{index:02d}")
    first = page(dcp, "/cluster/list")
    assert (first["page"], first["page_size"], first["query_count"], len(first["data"])) == (1, 10, 12, 10)
    assert first["data"][0]["name"] == "c11"  # newest first
    second = page(dcp, "/cluster/list", page=2, page_size=10)
    assert [c["name"] for c in second["data"]] == ["c01", "c00"]
    assert page(dcp, "/cluster/list", page="x", page_size=0)["page_size"] == 10
    from_body = call(dcp, "/cluster/list", {"page": 2, "page_size": 5}).json()
    assert (from_body["page"], from_body["page_size"], len(from_body["data"])) == (1, 10, 10)


# --- clusters and services --------------------------------------------------------------------------------
def test_cluster_create_get_update_delete(dcp):
    cluster_id = make_cluster(dcp)
    assert ok(dcp, f"/cluster/{cluster_id}", method="GET") == {"id": cluster_id, "name": "web", "desc": "web tier",
                                                               "biz": "1"}
    assert ok(dcp, f"/cluster/update/{cluster_id}", {"name": "renamed", "biz": "2"}) == ""
    # the name never changes, and a field left out is reset
    assert ok(dcp, f"/cluster/{cluster_id}") == {"id": cluster_id, "name": "web", "desc": "", "biz": "2"}
    assert ok(dcp, f"/cluster/delete/{cluster_id}") == {}
    assert fail(dcp, f"/cluster/{cluster_id}", code=404) == "cluster in db not found"


def test_cluster_rules(dcp):
    assert fail(dcp, "/cluster/create", {"desc": "no name"}) == "param is error!"
    assert fail(dcp, "/cluster/update/9", {"name": "x"}) == "old data not found !"
    assert fail(dcp, "/cluster/delete/9") == "cluster in db not found"
    cluster_id = make_cluster(dcp)
    make_service(dcp, cluster_id)
    assert fail(dcp, f"/cluster/delete/{cluster_id}") == "service exists in this cluster"
    assert dcp.state()["clusters"][str(cluster_id)]["name"] == "web"


def test_service_create_get_update_list_delete(dcp):
    web, db = make_cluster(dcp), make_cluster(dcp, "db")
    service_id = make_service(dcp, web)
    assert ok(dcp, f"/service/{service_id}") == {"id": service_id, "name": "frontend", "desc": "front",
                                                 "service_type": "java",
                                                 "docker_image": "registry.example.invalid/web:1.0", "cluster_id": web}
    assert ok(dcp, f"/service/update/{service_id}", {"name": "x", "docker_image": "img:2", "cluster_id": db}) == ""
    assert ok(dcp, f"/service/{service_id}") == {"id": service_id, "name": "frontend", "desc": "", "service_type": "",
                                                 "docker_image": "img:2", "cluster_id": db}
    assert ok(dcp, f"/cluster/{web}/list_services") == []
    listed = page(dcp, f"/cluster/{db}/list_services")
    assert [s["id"] for s in listed["data"]] == [service_id] and listed["query_count"] == 1
    assert ok(dcp, f"/service/delete/{service_id}", method="DELETE") == {}
    assert fail(dcp, f"/service/{service_id}", code=404) == "service in db not found"


@pytest.mark.parametrize("body", [{"docker_image": "i", "cluster_id": 1}, {"name": "s", "cluster_id": 1},
                                  {"name": "s", "docker_image": "i"}])
def test_service_create_requires_name_image_and_cluster(dcp, body):
    make_cluster(dcp)
    assert fail(dcp, "/service/create", body) == "param is error!"
    assert dcp.state()["services"] == {}


def test_service_rules(dcp):
    assert fail(dcp, "/service/create", {"name": "s", "docker_image": "i", "cluster_id": 5}) == "cluster 5 not found"
    assert fail(dcp, "/service/update/4", {"name": "s", "docker_image": "i", "cluster_id": make_cluster(dcp)},
                code=404) == "service in db not found"
    assert fail(dcp, "/service/delete/4", code=404) == "service in db not found"
    service_id = make_service(dcp, 1)
    ok(dcp, "/pool/create", {"name": "p", "service_id": service_id})
    assert fail(dcp, f"/service/delete/{service_id}") == "sub pool exists"


# --- pools and nodes --------------------------------------------------------------------------------------
def test_pool_create_get_update_list_delete(dcp):
    service_id = make_service(dcp, make_cluster(dcp))
    pool_id = ok(dcp, "/pool/create", {"name": "p1", "desc": "d", "vm_type": 1, "sd_id": 2, "service_id": service_id,
                                       "tasks": {"expand": 4}})
    expected = {"id": pool_id, "name": "p1", "desc": "d", "vm_type": 1, "sd_id": 2, "tasks": {"expand": 4},
                "service_id": service_id, "node_count": 0, "is_bedepen": 0, "is_hascron": 0}
    assert ok(dcp, f"/pool/{pool_id}") == expected
    assert ok(dcp, f"/service/{service_id}/list_pools") == [expected]
    assert ok(dcp, f"/pool/update/{pool_id}", {"name": "p2", "vm_type": 5}) == ""
    assert ok(dcp, f"/pool/{pool_id}") == expected | {"desc": "", "vm_type": 5, "sd_id": 0, "tasks": {}}
    assert ok(dcp, f"/pool/delete/{pool_id}") == {}
    assert fail(dcp, f"/pool/{pool_id}", code=404) == "pool in db not found"
    assert fail(dcp, f"/pool/delete/{pool_id}") == "data not found"
    assert fail(dcp, f"/pool/update/{pool_id}", {}, code=404) == "pool in db not found"


def test_pool_list_query_count_is_the_page_length(dcp):
    service_id = make_service(dcp, make_cluster(dcp))
    for index in range(3):
        ok(dcp, "/pool/create", {"name": f"p{index}", "service_id": service_id})
    answer = page(dcp, "/pool/list", page_size=2)
    assert [p["name"] for p in answer["data"]] == ["p2", "p1"] and answer["query_count"] == 2
    answer = page(dcp, "/pool/list", page=2, page_size=2)
    assert [p["name"] for p in answer["data"]] == ["p0"] and answer["query_count"] == 1


def test_pool_rules(dcp):
    assert fail(dcp, "/pool/create", {"name": "p", "service_id": 3}) == "service 3 not found"
    service_id = make_service(dcp, make_cluster(dcp))
    assert fail(dcp, "/pool/create", {"service_id": service_id}) == "param is error!"
    assert fail(dcp, "/pool/create", {"name": "p", "service_id": service_id, "tasks": {"expand": "x"}}) == (
        "Bad expand task id :x")


def test_nodes_add_list_search_remove(dcp):
    service_id = make_service(dcp, make_cluster(dcp))
    one = ok(dcp, "/pool/create", {"name": "one", "service_id": service_id})
    two = ok(dcp, "/pool/create", {"name": "two", "service_id": service_id})
    ids = ok(dcp, f"/pool/{one}/add_nodes", {"nodes": ["127.0.0.2", " 127.0.0.3 "]})
    assert ids == [1, 2]
    nodes = ok(dcp, f"/pool/{one}/list_nodes", method="GET")
    # README: the real server answers status 0 for a host added by IP (the document says 1 for success)
    assert [(n["id"], n["ip"], n["status"], n["node_type"]) for n in nodes] == [
        (1, "127.0.0.2", 0, "manual"), (2, "127.0.0.3", 0, "manual")]
    # README: node_count is counted only on /service/{id}/list_pools; /pool/{id} and /pool/list answer 0
    assert ok(dcp, f"/pool/{one}")["node_count"] == 0
    assert [p["node_count"] for p in ok(dcp, "/pool/list")] == [0, 0]
    assert [(p["id"], p["node_count"]) for p in ok(dcp, f"/service/{service_id}/list_pools")] == [(one, 2), (two, 0)]
    # an IP belongs to at most one pool
    assert fail(dcp, f"/pool/{two}/add_nodes", {"nodes": ["127.0.0.3"]}, code=404) == "ip: 127.0.0.3 exists already"
    assert ok(dcp, "/pool/search_by_ip/127.0.0.2,127.0.0.9", method="GET") == {"127.0.0.2": one, "127.0.0.9": -1}
    assert fail(dcp, f"/pool/delete/{one}") == "node exists in this pool"
    # remove_nodes takes node ids, not IPs
    assert fail(dcp, f"/pool/{one}/remove_nodes", {"nodes": ["127.0.0.2"]}).startswith("json: cannot unmarshal string")
    assert fail(dcp, f"/pool/{two}/remove_nodes", {"nodes": [1]}).startswith("error when delete id: 1")
    assert ok(dcp, f"/pool/{one}/remove_nodes", {"nodes": [1, 2]}) == {}
    assert ok(dcp, f"/pool/{one}/list_nodes") == []
    assert ok(dcp, "/pool/search_by_ip/127.0.0.2") == {"127.0.0.2": -1}


def test_add_nodes_rules(dcp):
    assert fail(dcp, "/pool/8/add_nodes", {"nodes": ["127.0.0.2"]}, code=404) == "pool_id is not vaild"
    service_id = make_service(dcp, make_cluster(dcp))
    pool_id = ok(dcp, "/pool/create", {"name": "one", "service_id": service_id})
    assert fail(dcp, f"/pool/{pool_id}/add_nodes", {"nodes": [" "]}) == "ip is empty"
    # the document's example sends the list as a string: it is not a JSON array
    msg = fail(dcp, f"/pool/{pool_id}/add_nodes", {"nodes": '["127.0.0.2"]'})
    assert msg == "json: cannot unmarshal string into Go struct field nodes_struct.nodes of type []string"
    assert dcp.state()["nodes"] == {}


# --- remote actions, implementations, remote steps ---------------------------------------------------------
def test_action_create_get_update_list_delete(dcp):
    action_id = ok(dcp, "/action/create", {"name": "check_port", "desc": "check", "params": {"port": "integer"}})
    assert ok(dcp, f"/action/{action_id}") == {"id": action_id, "name": "check_port", "desc": "check",
                                               "params": {"port": "integer"}}
    assert ok(dcp, f"/action/update/{action_id}", {"name": "other", "params": {"times": "integer"}}) == ""
    assert ok(dcp, "/action/list") == [{"id": action_id, "name": "check_port", "desc": "",
                                        "params": {"times": "integer"}}]
    assert ok(dcp, f"/action/delete/{action_id}") == ""
    assert fail(dcp, f"/action/{action_id}", code=404) == "action in db not found"
    assert fail(dcp, f"/action/delete/{action_id}", code=404) == "action in db not found"


def test_action_rules(dcp):
    assert fail(dcp, "/action/create", {"name": "x", "params": {"名字": "string"}}) == (
        "there is unicode character in param")
    ok(dcp, "/action/create", {"name": "x", "params": {}})
    assert fail(dcp, "/action/create", {"name": "x"}) == "action x already exists"
    assert fail(dcp, "/action/update/1", {"params": {"a": "é"}}) == "there is unicode character in param"
    # updating an action that does not exist answers success and changes nothing
    assert ok(dcp, "/action/update/77", {"desc": "ghost"}) == ""
    assert set(dcp.state()["actions"]) == {"1"}


def test_actimpl_is_keyed_by_its_action_id(dcp):
    ok(dcp, "/action/create", {"name": "first"})
    action_id = ok(dcp, "/action/create", {"name": "echo", "params": {"echo_word": "string"}})
    impl_id = ok(dcp, "/actimpl/create", {"action_id": action_id, "type": "ansible", "template": ECHO_TEMPLATE})
    assert impl_id == 1 != action_id
    expected = {"id": impl_id, "type": "ansible", "action_id": action_id, "template": ECHO_TEMPLATE}
    assert ok(dcp, f"/actimpl/{action_id}") == expected
    assert fail(dcp, f"/actimpl/{impl_id}", code=404) == "actimpl in db not found"
    new_template = {"action": {"module": "shell", "args": "which {{echo_word}}"}}
    assert ok(dcp, f"/actimpl/update/{action_id}", {"action_id": action_id, "template": new_template}) == ""
    assert ok(dcp, "/actimpl/list") == [expected | {"template": new_template}]
    assert fail(dcp, f"/actimpl/update/{impl_id}", {"template": {}}, code=404) == "actimpl in db not found"
    assert ok(dcp, f"/actimpl/delete/{action_id}") == ""
    assert ok(dcp, "/actimpl/list") == []
    assert fail(dcp, f"/actimpl/delete/{action_id}", code=404) == "actimpl in db not found"


def test_actimpl_rules(dcp):
    assert fail(dcp, "/actimpl/create", {"action_id": 3, "type": "ansible", "template": {}}) == "action 3 not found"
    action_id = ok(dcp, "/action/create", {"name": "echo"})
    ok(dcp, "/actimpl/create", {"action_id": action_id, "type": "ansible", "template": ECHO_TEMPLATE})
    assert fail(dcp, "/actimpl/create", {"action_id": action_id, "template": {}}) == (
        f"action impl already exists for action {action_id}[ansible]")


def test_remote_step_create_get_update_list_delete(dcp):
    ok(dcp, "/action/create", {"name": "a1", "params": {"x": "string"}})
    ok(dcp, "/action/create", {"name": "a2", "params": {"y": "integer"}})
    step_id = ok(dcp, "/remote_step/create", {"name": "both", "desc": "two", "actions": ["a1", "a2"]})
    assert ok(dcp, f"/remote_step/{step_id}") == {"id": step_id, "name": "both", "desc": "two",
                                                  "actions": ["a1", "a2"]}
    assert ok(dcp, f"/remote_step/update/{step_id}", {"name": "zzz", "actions": ["a2"]}) == ""
    assert ok(dcp, "/remote_step/list") == [{"id": step_id, "name": "both", "desc": "", "actions": ["a2"]}]
    assert fail(dcp, "/action/delete/2", code=404) == f"action is using ! step id:{step_id},step name:both"
    assert ok(dcp, f"/remote_step/delete/{step_id}") == ""
    assert fail(dcp, f"/remote_step/{step_id}", code=404) == "remote_step in db not found"
    assert ok(dcp, "/action/delete/2") == ""


def test_remote_step_rules(dcp):
    # README: upstream stores action names without checking that they exist
    stored = ok(dcp, "/remote_step/create", {"name": "s", "actions": ["missing"]})
    assert ok(dcp, f"/remote_step/{stored}")["actions"] == ["missing"]
    assert ok(dcp, f"/remote_step/update/{stored}", {"name": "s", "actions": ["other"]}) == ""
    assert ok(dcp, f"/remote_step/delete/{stored}") == ""
    msg = fail(dcp, "/remote_step/create", {"name": "create_vm", "actions": []})
    assert msg == "step name create_vm is a built-in step"
    assert ok(dcp, "/remote_step/update/5", {"desc": "ghost", "actions": []}) == ""
    assert fail(dcp, "/remote_step/delete/5", code=404) == "remote_step in db not found"
    make_echo(dcp)
    template_id = make_template(dcp, "tpl", [step("say_hello")])
    say_hello = next(r["id"] for r in ok(dcp, "/remote_step/list") if r["name"] == "say_hello")
    msg = fail(dcp, f"/remote_step/delete/{say_hello}", code=404)
    assert msg == f"step is using ! template id:{template_id},template name:tpl"


# --- task templates and steps -------------------------------------------------------------------------------
def test_task_steps_list_the_built_ins_and_every_remote_step(dcp):
    make_echo(dcp)
    answer = page(dcp, "/task_step/list")
    assert [(s["name"], s["type"]) for s in answer["data"]] == [
        ("create_vm", "vm"), ("return_vm", "vm"), ("register", "sd"), ("unregister", "sd"), ("say_hello", "remote")]
    assert answer["data"][-1]["params"] == {"echo_word": "string"} and answer["query_count"] == 5
    assert len(page(dcp, "/task_step/list", page_size=2)["data"]) == 2


@pytest.mark.parametrize("create, listing", [("/task_tpl/create", "/task_tpl/list"),
                                             ("/task/impl/create", "/task/impl/list"),
                                             ("/action/impl/create", "/action/impl/list")])
def test_templates_through_the_canonical_paths_and_the_older_aliases(dcp, create, listing):
    template_id = ok(dcp, create, {"id": 99, "name": "tpl", "desc": "d", "steps": [
        {"name": "create_vm", "param_values": {"vm_type_id": 1}}, {"name": "register", "retry": {"retry_times": 2}}]})
    expected = {"id": template_id, "name": "tpl", "desc": "d", "steps": [
        step("create_vm", vm_type_id=1), step("register", retry_times=2)]}
    assert ok(dcp, listing) == [expected]
    assert ok(dcp, f"/task_tpl/{template_id}") == expected


def test_template_update_delete_and_rules(dcp):
    template_id = make_template(dcp, "tpl", [step("create_vm")])
    assert fail(dcp, "/task_tpl/create", {"name": "tpl", "steps": []}) == "template tpl already exists"
    # README: a step name /task_step/list does not know makes upstream's create fail with its HTML 500 page
    unknown = call(dcp, "/task_tpl/create", {"name": "x", "steps": [step("nope")]})
    assert unknown.status_code == 500 and unknown.headers["Content-Type"].startswith("text/html")
    assert "Internal Server Error" in unknown.text and [t["name"] for t in ok(dcp, "/task_tpl/list")] == ["tpl"]
    assert ok(dcp, f"/task_tpl/update/{template_id}", {"name": "new", "steps": [step("return_vm")]}) == ""
    assert ok(dcp, f"/task_tpl/{template_id}") == {"id": template_id, "name": "tpl", "desc": "",
                                                   "steps": [step("return_vm")]}
    assert fail(dcp, f"/task_tpl/update/{template_id}", {"steps": [step("nope")]}, code=404) == "step nope not found"
    assert ok(dcp, "/task_tpl/update/55", {"steps": []}) == ""
    # the delete aliases never worked upstream
    assert fail(dcp, "/task/impl/delete", {"id": template_id}, code=404) == "data not found"
    assert fail(dcp, "/action/impl/delete", {"id": template_id}, code=404) == "data not found"
    assert ok(dcp, f"/task_tpl/delete/{template_id}") == {}
    assert fail(dcp, f"/task_tpl/{template_id}", code=404) == "template in db not found"
    assert fail(dcp, f"/task_tpl/delete/{template_id}", code=404) == "data not found"


# --- expand, shrink, deploy ----------------------------------------------------------------------------------
def test_expand_answers_without_a_flow_id_and_the_flow_runs_over_time(dcp, pool):
    pool_id = pool[0]
    assert ok(dcp, f"/pool/expand/{pool_id}", {"num": 2}, headers={"Authorization": "alice"}) == {}
    started = newest_flow(dcp, "expand_web-pool")
    assert (started["state"], started["Stat"], started["opr_user"], started["step_len"]) == (1, [0, 2, 0, 0, 0],
                                                                                             "alice", 2)
    assert started["template_id"] == pool[1] and started["template_name"] == "expand_web"
    assert started["created"].endswith("Z") and "T" in started["created"]
    # the pool's vm type is given to create_vm
    assert started["options"][0] == step("create_vm", vm_type_id=3)
    assert ok(dcp, f"/pool/{pool_id}/list_nodes") == []
    dcp.app.advance_clock(FLOW_SECONDS / 2 + 0.1)
    assert flow(dcp, started["id"])["state"] == 1
    assert {n["steps"] for n in ok(dcp, f"/task/{started['id']}/detail")["1"]} == {"say_hello"}
    dcp.app.advance_clock(FLOW_SECONDS / 2)
    done = flow(dcp, started["id"])
    assert (done["state"], done["Stat"]) == (2, [0, 0, 2, 0, 0])
    nodes = ok(dcp, f"/pool/{pool_id}/list_nodes")
    assert [n["ip"] for n in nodes] == ["127.0.0.10", "127.0.0.11"]
    assert all(n["status"] == 1 and n["vm_id"].startswith("i-") for n in nodes)


def test_flow_log_detail_and_node_log_show_the_rendered_remote_actions(dcp, pool):
    ok(dcp, f"/pool/expand/{pool[0]}", {"num": 1})
    flow_id = newest_flow(dcp, "expand_web-pool")["id"]
    dcp.app.advance_clock(FLOW_SECONDS + 0.1)
    detail = ok(dcp, f"/task/{flow_id}/detail")
    assert list(detail) == ["2"]
    node = detail["2"][0]
    assert (node["ip"], node["state"], node["pool_name"], node["steps"]) == ("127.0.0.10", 2, "web-pool", "say_hello")
    logs = ok(dcp, f"/task/node/{node['id']}/log")
    assert [list(entry) for entry in logs] == [["create_vm"], ["say_hello"]]
    assert logs[1]["say_hello"] == 'action echo: {"action": {"args": "echo hi", "module": "shell"}}'
    entries = ok(dcp, f"/task/flow/{flow_id}/log")
    assert {e["fid"] for e in entries} == {flow_id}
    assert entries[0]["correlation_id"] == f"{flow_id}-0" and isinstance(entries[0]["ctime"], int)
    messages = [e["message"] for e in entries]
    assert "step say_hello on batch 1: success" in messages
    # the lines the real server starts and ends a flow with
    assert messages[:2] == ["Run flow...", f"Start running flow[expand_web-pool,{flow_id}]"]
    assert messages[-1] == f"Finish running flow[expand_web-pool,{flow_id}]"
    assert not [m for m in messages if m.startswith(("Fail to run step", "Run flow error"))]


def test_a_failing_host_makes_the_flow_partial_and_stays_in_the_pool_failed(dcp, pool):
    ok(dcp, f"/pool/expand/{pool[0]}", {"num": 3})  # 127.0.0.10, .11 and the failing .12
    flow_id = newest_flow(dcp, "expand_web-pool")["id"]
    dcp.app.advance_clock(FLOW_SECONDS + 0.1)
    done = flow(dcp, flow_id)
    assert (done["state"], done["Stat"]) == (2, [0, 0, 2, 1, 0])
    failed = ok(dcp, f"/task/{flow_id}/detail")["3"][0]
    assert failed["ip"] == FAILING and failed["steps"] == "say_hello"
    # README: the node log of a failed step holds only <NO LOG>; the reason is in the flow log
    assert ok(dcp, f"/task/node/{failed['id']}/log")[-1] == {"say_hello": "<NO LOG>"}
    assert f"node {failed['id']} ({FAILING}) step say_hello: failed: host {FAILING} is unreachable" in [
        entry["message"] for entry in ok(dcp, f"/task/flow/{flow_id}/log")]
    # as upstream, a node that failed after create_vm made its machine stays in the pool, failed (status 3)
    nodes = ok(dcp, f"/pool/{pool[0]}/list_nodes")
    assert [(n["ip"], n["status"]) for n in nodes] == [("127.0.0.10", 1), ("127.0.0.11", 1), (FAILING, 3)]
    assert nodes[2]["vm_id"] == failed["vm_id"] and nodes[2]["vm_id"].startswith("i-")
    assert FAILING not in dcp.state()["free_hosts"] and dcp.state()["reserved"] == []


def test_a_template_that_does_not_render_fails_every_node(dcp, pool):
    make_echo(dcp, "broken", "broken_step", {"action": {"module": "shell", "args": "echo {{ undefined_word }}"}})
    template_id = make_template(dcp, "expand_broken", [step("create_vm"), step("broken_step")])
    ok(dcp, f"/pool/update/{pool[0]}", {"tasks": {"expand": template_id}})
    ok(dcp, f"/pool/expand/{pool[0]}", {"num": 2})
    flow_id = newest_flow(dcp, "expand_web-pool")["id"]
    dcp.app.advance_clock(FLOW_SECONDS + 0.1)
    assert flow(dcp, flow_id)["state"] == 3
    node = ok(dcp, f"/task/{flow_id}/detail")["3"][0]
    assert ok(dcp, f"/task/node/{node['id']}/log")[-1] == {"broken_step": "<NO LOG>"}
    text = next(e["message"] for e in ok(dcp, f"/task/flow/{flow_id}/log") if f"node {node['id']} " in e["message"]
                and "broken_step" in e["message"])
    assert "UndefinedError" in text and "undefined_word" in text
    assert [(n["ip"], n["status"]) for n in ok(dcp, f"/pool/{pool[0]}/list_nodes")] == [
        ("127.0.0.10", 3), ("127.0.0.11", 3)]


def test_expand_rules(dcp, pool):
    pool_id = pool[0]
    assert fail(dcp, f"/pool/expand/{pool_id}", {"num": 0}) == "Bad num: 0"
    assert fail(dcp, f"/pool/expand/{pool_id}", {"num": 201}) == "Bad num: 201"
    assert fail(dcp, "/pool/expand/42", {"num": 1}) == "Pool not found : 42"
    no_tasks = ok(dcp, "/pool/create", {"name": "bare", "service_id": 1})
    assert fail(dcp, f"/pool/expand/{no_tasks}", {"num": 1}) == "No task id found for:expand"
    ok(dcp, f"/pool/update/{no_tasks}", {"tasks": {"expand": pool[2]}})
    assert fail(dcp, f"/pool/expand/{no_tasks}", {"num": 1}) == "first step of expand template is not create_vm"
    ok(dcp, f"/pool/update/{no_tasks}", {"tasks": {"expand": 99}})
    assert fail(dcp, f"/pool/expand/{no_tasks}", {"num": 1}) == "template not found: 99"
    assert dcp.state()["flows"] == {}


def test_expand_never_hands_out_more_hosts_than_are_free(dcp, pool):
    ok(dcp, f"/pool/expand/{pool[0]}", {"num": 200})
    ok(dcp, f"/pool/expand/{pool[0]}", {"num": 40})  # 241 built-in hosts and one fixture host
    assert fail(dcp, f"/pool/expand/{pool[0]}", {"num": 3}) == "not enough free hosts: 3 requested, 2 available"
    reserved = dcp.state()["reserved"]
    assert len(reserved) == len(set(reserved)) == 240 and EXTRA_HOST not in reserved


def test_shrink_removes_nodes_when_their_flow_node_succeeds(dcp, pool):
    pool_id = pool[0]
    ok(dcp, f"/pool/{pool_id}/add_nodes", {"nodes": ["127.0.0.2", "127.0.0.3"]})
    assert ok(dcp, f"/pool/shrink/{pool_id}", {"nodes": ["127.0.0.3", "127.0.0.99"]},
              headers={"Authorization": "bob"}) == {}
    started = newest_flow(dcp, "shrink_web-pool")
    assert (started["opr_user"], started["Stat"]) == ("bob", [0, 1, 0, 0, 0])
    assert started["options"] == [step("unregister", service_discovery_id=7), step("return_vm", vm_type_id=3)]
    assert len(ok(dcp, f"/pool/{pool_id}/list_nodes")) == 2
    dcp.app.advance_clock(FLOW_SECONDS + 0.1)
    assert flow(dcp, started["id"])["state"] == 2
    assert [n["ip"] for n in ok(dcp, f"/pool/{pool_id}/list_nodes")] == ["127.0.0.2"]


def test_shrink_rules(dcp, pool):
    pool_id = pool[0]
    assert fail(dcp, f"/pool/shrink/{pool_id}", {"nodes": ["127.0.0.5"]}) == (
        "no node of pool web-pool has these IPs: 127.0.0.5")
    ok(dcp, f"/pool/update/{pool_id}", {"tasks": {"shrink": pool[1]}})
    assert fail(dcp, f"/pool/shrink/{pool_id}", {"nodes": ["127.0.0.5"]}) == (
        "last step of shrink template is not return_vm")
    ok(dcp, f"/pool/update/{pool_id}", {"tasks": {}})
    assert fail(dcp, f"/pool/shrink/{pool_id}", {"nodes": ["127.0.0.5"]}) == "No task id found for:shrink"


def test_deploy_runs_max_num_nodes_at_a_time_with_the_new_tag(dcp, pool):
    pool_id = pool[0]
    assert fail(dcp, f"/pool/deploy/{pool_id}", {"max_num": 1, "tag": "web:2"}) == "none node to deploy! "
    assert fail(dcp, f"/pool/deploy/{pool_id}", {"max_num": 0, "tag": "web:2"}) == "Bad max_num: 0"
    assert fail(dcp, f"/pool/deploy/{pool_id}", {"max_num": 1}) == "tag is empty"
    ok(dcp, f"/pool/{pool_id}/add_nodes", {"nodes": ["127.0.0.2", "127.0.0.3", FAILING]})
    assert ok(dcp, f"/pool/deploy/{pool_id}", {"max_num": 2, "tag": "web:2"}) == {}
    started = newest_flow(dcp, "deploy_web-pool")
    assert started["step_len"] == 2 and started["options"] == [step("start_service_web", tag="web:2")]
    dcp.app.advance_clock(FLOW_SECONDS + 0.1)
    assert flow(dcp, started["id"])["Stat"] == [0, 1, 2, 0, 0]  # the second batch is running
    dcp.app.advance_clock(FLOW_SECONDS)
    assert flow(dcp, started["id"])["Stat"] == [0, 0, 2, 1, 0]
    statuses = {n["ip"]: n["status"] for n in ok(dcp, f"/pool/{pool_id}/list_nodes")}
    assert statuses == {"127.0.0.2": 1, "127.0.0.3": 1, FAILING: 3}
    first = ok(dcp, f"/task/{started['id']}/detail")["2"][0]
    assert ok(dcp, f"/task/node/{first['id']}/log") == [
        {"start_service_web": 'action start_docker: {"action": {"args": "docker run web:2", "module": "shell"}}'}]


# --- the VM manager (jupiter) unreachable ----------------------------------------------------------------------
VM_MANAGER = "/_emulator/vm_manager"
#: the lines of the real server's flow log that say why an expand of one node failed (README)
REFUSED = ('Fail to run step [create_vm]: Fail: Post "http://127.0.0.1:9/v1/cluster/3/expand/1": dial tcp '
           "127.0.0.1:9: connect: connection refused")
RUN_FLOW_ERROR = "Run flow error： first step of create_vm all nodes is failed"


def test_with_the_vm_manager_unreachable_an_expand_fails_and_leaves_a_failed_node_as_the_real_server(dcp, pool):
    pool_id = pool[0]
    assert call(dcp, VM_MANAGER, method="GET").json() == {"reachable": True, "address": "127.0.0.1:9"}
    switched = call(dcp, VM_MANAGER, {"reachable": False})
    assert switched.status_code == 200 and switched.json()["reachable"] is False
    ok(dcp, f"/pool/{pool_id}/add_nodes", {"nodes": ["127.0.30.1"]})
    ok(dcp, f"/pool/expand/{pool_id}", {"num": 1})
    flow_id = newest_flow(dcp, "expand_web-pool")["id"]
    dcp.app.advance_clock(FLOW_SECONDS + 0.1)
    done = flow(dcp, flow_id)
    assert (done["state"], done["Stat"]) == (3, [0, 0, 0, 1, 0])
    # README: the pool keeps the node the flow made, failed, its ip its own id, and list_pools counts it
    nodes = ok(dcp, f"/pool/{pool_id}/list_nodes")
    assert [{k: n[k] for k in ("id", "ip", "vm_id", "status", "node_type")} for n in nodes] == [
        {"id": 1, "ip": "127.0.30.1", "vm_id": "", "status": 0, "node_type": "manual"},
        {"id": 2, "ip": "2", "vm_id": "", "status": 3, "node_type": "manual"}]
    assert [p["node_count"] for p in ok(dcp, "/service/1/list_pools")] == [2]
    assert [p["node_count"] for p in ok(dcp, "/pool/list")] == [0]
    failed = ok(dcp, f"/task/{flow_id}/detail")["3"][0]
    assert (failed["ip"], failed["steps"], failed["vm_id"]) == ("2", "create_vm", "")
    assert ok(dcp, f"/task/node/{failed['id']}/log") == [{"create_vm": "<NO LOG>"}]
    assert [e["message"] for e in ok(dcp, f"/task/flow/{flow_id}/log")] == [
        "Run flow...", f"Start running flow[expand_web-pool,{flow_id}]", "There are 1 batches for flow expand_web-pool",
        'Start running step create_vm params: {"vm_type_id":3}', REFUSED, "Finish running step create_vm",
        RUN_FLOW_ERROR, f"Finish running flow[expand_web-pool,{flow_id}]"]
    assert "127.0.0.10" in dcp.state()["free_hosts"] and dcp.state()["reserved"] == []  # no machine was made


def test_the_vm_manager_back_an_expand_started_again_drops_its_failed_node_and_succeeds(dcp, pool):
    call(dcp, VM_MANAGER, {"reachable": False})
    ok(dcp, f"/pool/expand/{pool[0]}", {"num": 1})
    flow_id = newest_flow(dcp, "expand_web-pool")["id"]
    dcp.app.advance_clock(FLOW_SECONDS + 0.1)
    assert [n["ip"] for n in ok(dcp, f"/pool/{pool[0]}/list_nodes")] == ["1"]
    assert call(dcp, VM_MANAGER, {"reachable": True}).json()["reachable"] is True
    ok(dcp, f"/task/start/{flow_id}")
    dcp.app.advance_clock(FLOW_SECONDS + 0.1)
    assert flow(dcp, flow_id)["state"] == 2
    nodes = ok(dcp, f"/pool/{pool[0]}/list_nodes")
    # a new host (127.0.0.10, never made into a machine, went back to the end of the free hosts)
    assert [(n["ip"], n["status"]) for n in nodes] == [("127.0.0.11", 1)] and nodes[0]["vm_id"].startswith("i-")


@pytest.mark.parametrize("body, method", [({"reachable": "no"}, "POST"), ([False], "POST"), (None, "POST"),
                                          ({"reachable": False}, "PUT")])
def test_the_vm_manager_switch_refuses_what_is_not_a_boolean(dcp, body, method):
    answer = call(dcp, VM_MANAGER, body, method=method)
    assert answer.status_code == (404 if method == "PUT" else 400), answer.text
    assert call(dcp, VM_MANAGER, method="GET").json()["reachable"] is True


def test_the_vm_manager_setting_starts_the_emulator_with_it_unreachable_and_survives_a_reset():
    with emulators.start("opendcp", port=0, vm_manager="unreachable") as handle:
        assert call(handle, VM_MANAGER, method="GET").json()["reachable"] is False
        call(handle, VM_MANAGER, {"reachable": True})
        assert requests.post(handle.url + "/_emulator/reset", timeout=10).status_code == 200
        assert call(handle, VM_MANAGER, method="GET").json()["reachable"] is False
    with pytest.raises(ValueError, match="vm_manager must be reachable or unreachable, got 'down'"):
        emulators.start("opendcp", port=0, vm_manager="down")


# --- /task/create, start, pause, stop ------------------------------------------------------------------------
def make_task(dcp, pool, ips, **body):
    ok(dcp, f"/pool/{pool[0]}/add_nodes", {"nodes": ips})
    request = {"template_id": pool[3], "task_name": "rolling", "max_ratio": 50, "max_num": 10,
               "nodes": [{"ip": ip} for ip in ips]} | body
    assert ok(dcp, "/task/create", request, headers={"Authorization": "carol"}) == {}
    return newest_flow(dcp, request["task_name"])


def test_task_create_batches_by_max_ratio_and_max_num(dcp, pool):
    ips = ["127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5"]
    started = make_task(dcp, pool, ips)
    assert (started["step_len"], started["opr_user"], started["pool_name"]) == (2, "carol", "web-pool")
    assert started["Stat"] == [2, 2, 0, 0, 0]
    dcp.app.advance_clock(FLOW_SECONDS + 0.1)
    assert flow(dcp, started["id"])["Stat"] == [0, 2, 2, 0, 0]
    dcp.app.advance_clock(FLOW_SECONDS)
    assert flow(dcp, started["id"])["Stat"] == [0, 0, 4, 0, 0]
    capped = make_task(dcp, pool, ["127.0.0.6", "127.0.0.7"], task_name="capped", max_ratio=100, max_num=1)
    assert capped["step_len"] == 1


def test_task_create_rules(dcp, pool):
    body = {"template_id": pool[3], "task_name": "t", "max_ratio": 50, "nodes": [{"ip": "127.0.0.8"}]}
    assert fail(dcp, "/task/create", body | {"max_ratio": 0}) == "ratio error"
    assert fail(dcp, "/task/create", body | {"max_ratio": 101}) == "ratio error"
    assert fail(dcp, "/task/create", body) == "node :[127.0.0.8,] not found..."
    assert fail(dcp, "/task/create", body | {"nodes": []}) == "run task fails: nodes is empty"
    msg = fail(dcp, "/task/create", body | {"template_id": 77, "nodes": []})
    assert msg == "run task fails: template not found: 77"
    assert dcp.state()["flows"] == {}


def test_a_flow_whose_nodes_all_fail_ends_failed(dcp, pool):
    started = make_task(dcp, pool, [FAILING])
    dcp.app.advance_clock(FLOW_SECONDS + 0.1)
    assert (flow(dcp, started["id"])["state"], flow(dcp, started["id"])["Stat"]) == (3, [0, 0, 0, 1, 0])


def test_pause_start_and_stop(dcp, pool):
    started = make_task(dcp, pool, ["127.0.0.2", "127.0.0.3"], max_ratio=50)
    flow_id = started["id"]
    msg = fail(dcp, f"/task/start/{flow_id}")
    assert msg == f"start task {flow_id} fails: Flow rolling is in state running: 1 do not start"
    assert ok(dcp, f"/task/pause/{flow_id}") == {}
    paused = flow(dcp, flow_id)
    assert (paused["state"], paused["Stat"]) == (4, [0, 0, 0, 0, 2])
    assert fail(dcp, f"/task/pause/{flow_id}") == f"pause task {flow_id} fails: Flow rolling is not running"
    dcp.app.advance_clock(10 * FLOW_SECONDS)
    assert flow(dcp, flow_id)["Stat"] == [0, 0, 0, 0, 2]  # no progress while paused
    assert ok(dcp, f"/task/start/{flow_id}") == {}
    dcp.app.advance_clock(FLOW_SECONDS + 0.1)
    assert flow(dcp, flow_id)["Stat"] == [0, 1, 1, 0, 0]
    assert ok(dcp, f"/task/stop/{flow_id}") == {}
    assert (flow(dcp, flow_id)["state"], flow(dcp, flow_id)["Stat"]) == (4, [0, 0, 1, 0, 1])
    assert ok(dcp, f"/task/start/{flow_id}") == {}
    dcp.app.advance_clock(FLOW_SECONDS + 0.1)
    assert (flow(dcp, flow_id)["state"], flow(dcp, flow_id)["Stat"]) == (2, [0, 0, 2, 0, 0])
    assert fail(dcp, f"/task/stop/{flow_id}") == f"stop task {flow_id} fails: Flow rolling already finished"


def test_start_runs_again_the_failed_nodes_of_a_finished_flow(dcp, pool):
    started = make_task(dcp, pool, ["127.0.0.2", FAILING], max_ratio=100)
    dcp.app.advance_clock(FLOW_SECONDS + 0.1)
    assert flow(dcp, started["id"])["Stat"] == [0, 0, 1, 1, 0]
    assert ok(dcp, f"/task/start/{started['id']}") == {}
    assert flow(dcp, started["id"])["Stat"] == [0, 1, 1, 0, 0]
    dcp.app.advance_clock(FLOW_SECONDS + 0.1)
    assert flow(dcp, started["id"])["Stat"] == [0, 0, 1, 1, 0]


def test_flow_reads_of_a_missing_flow(dcp):
    assert fail(dcp, "/task/9") == "flow not found id: 9"
    assert fail(dcp, "/task/9/detail") == "Flow not found: 9"
    assert fail(dcp, "/task/flow/9/log") == "Flow not found: 9"
    assert fail(dcp, "/task/node/9/log") == "Node state not found: 9"
    assert fail(dcp, "/task/start/9") == "flow not found id: 9"
    assert fail(dcp, "/task/pause/9") == "flow not found id: 9"
    assert fail(dcp, "/task/stop/9") == "flow not found id: 9"
    listed = page(dcp, "/task/list")
    assert (listed["data"], listed["query_count"]) == ([], 0)


# --- state, reset ---------------------------------------------------------------------------------------------
def test_state_survives_a_restart_and_reset_empties_it(tmp_path):
    state_file = tmp_path / "opendcp.json"
    with emulators.start("opendcp", port=0, state_file=str(state_file), flow_seconds=0) as first:
        make_cluster(first)
        service_id = make_service(first, 1)
        pool_id = ok(first, "/pool/create", {"name": "p", "service_id": service_id})
        ok(first, f"/pool/{pool_id}/add_nodes", {"nodes": ["127.0.0.2"]})
    with emulators.start("opendcp", port=0, state_file=str(state_file)) as second:
        assert [n["ip"] for n in ok(second, f"/pool/{pool_id}/list_nodes")] == ["127.0.0.2"]
        assert ok(second, "/cluster/create", {"name": "next"}) == 2
        assert requests.post(second.url + "/_emulator/reset", timeout=10).status_code == 200
        assert ok(second, "/cluster/list") == []


def test_flow_seconds_must_be_a_number():
    with pytest.raises(ValueError, match="flow_seconds"):
        emulators.start("opendcp", port=0, flow_seconds="fast")
