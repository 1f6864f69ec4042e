"""The OSG view emulator over raw HTTP: the four operations, GET and POST, their shapes and status codes."""

from __future__ import annotations

import json
import re

import pytest
import requests
import yaml

import emulators

LINUX = "6f1d8c2a9b3e4f5a8c7d6e5f4a3b2c1d"  # built-in, image cached, one VM
WEBSEC = "7a2e9d3bac4f4a6b9d8e7f6a5b4c3d2e"  # built-in, image not cached, two VMs
QUOTA = "0e0e0e0e0e0e4e0e8e0e0e0e0e0e0e01"  # fixture: every clone fails in OpenStack
BROKEN = "0e0e0e0e0e0e4e0e8e0e0e0e0e0e0e02"  # fixture: its second VM ends in error
BUILD_SECONDS = 60.0  # long beside any real delay: only the stepped clock ends a build

FIXTURES = {
    "templates": [
        {"gtuuid": QUOTA, "name": "quota", "vms": [{"name": "vm"}], "clone_error": "Quota exceeded for instances"},
        {"gtuuid": BROKEN, "name": "broken", "cached": True,
         "vms": [{"name": "ok", "sysname": "Debian 9"}, {"name": "bad", "error": "No valid host was found"}]},
    ],
}
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


@pytest.fixture
def osgview(tmp_path):
    """An OSG view emulator whose servers build in 60 emulated seconds (120 when the image is not cached)."""
    fixtures = tmp_path / "osgview.yml"
    fixtures.write_text(yaml.safe_dump(FIXTURES), encoding="utf-8")
    handle = emulators.start("osgview", port=0, fixtures_file=str(fixtures), build_seconds=BUILD_SECONDS)
    yield handle
    handle.stop()


def call(handle, path, params, method="GET"):
    """One operation by GET (query) or POST (form); the HTTP status is always 200, the answer is the body."""
    if method == "GET":
        response = requests.get(handle.url + path, params=params, timeout=10)
    else:
        response = requests.post(handle.url + path, data=params, timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    return response.json()


def clone(handle, gtuuid=LINUX, marker="testing", method="POST"):
    body = call(handle, "/osgview/gclone", {"gtuuid": gtuuid, "marker": marker}, method)
    assert body["status"] == 200, body
    return body


def wait_active(handle, gtuuid, body, polls=20):
    """Poll gperpare until every server of a clone answers 200, stepping the emulator's clock between polls."""
    for server_id in body["serverlist"]:
        for _ in range(polls):
            answer = call(handle, "/osgview/gperpare",
                          {"gtuuid": gtuuid, "gnuuid": body["gnuuid"], "server_id": server_id})
            if answer["status"] == 200:
                break
            assert answer["status"] == 102, answer
            handle.advance_clock(BUILD_SECONDS / 2)
        else:
            raise AssertionError(f"server {server_id} still building after {polls} polls")


# --- gclone -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_gclone_answers_the_documented_shape(osgview, method):
    body = clone(osgview, WEBSEC, "course-7", method)
    assert set(body) == {"status", "gnuuid", "serverlist", "count", "if_cache", "msg"}
    assert body["msg"] == ""
    assert re.fullmatch(r"[0-9a-f]{32}", body["gnuuid"])
    assert body["count"] == 2 == len(body["serverlist"])
    assert all(UUID_RE.match(server_id) for server_id in body["serverlist"])
    assert body["if_cache"] is False
    group = osgview.state()["groups"][body["gnuuid"]]
    assert (group["gtuuid"], group["marker"], group["servers"]) == (WEBSEC, "course-7", body["serverlist"])


def test_gclone_caches_the_template_image_for_the_next_clone(osgview):
    assert clone(osgview, WEBSEC)["if_cache"] is False
    assert clone(osgview, WEBSEC)["if_cache"] is True
    assert clone(osgview, LINUX)["if_cache"] is True
    assert WEBSEC in osgview.state()["cached"]


@pytest.mark.parametrize("params, missing", [
    ({"marker": "testing"}, "gtuuid"),
    ({"gtuuid": LINUX}, "marker"),
    ({"gtuuid": " ", "marker": "testing"}, "gtuuid"),
    ({}, "gtuuid, marker"),
])
def test_gclone_without_a_parameter_answers_400(osgview, params, missing):
    body = call(osgview, "/osgview/gclone", params, "POST")
    assert body == {"status": 400, "msg": "missing parameter: " + missing}
    assert osgview.state()["groups"] == {}


def test_gclone_of_an_unknown_template_answers_400(osgview):
    body = call(osgview, "/osgview/gclone", {"gtuuid": "f" * 32, "marker": "testing"}, "POST")
    assert body["status"] == 400
    assert "no permission" in body["msg"]


def test_gclone_that_openstack_refuses_answers_101(osgview):
    body = call(osgview, "/osgview/gclone", {"gtuuid": QUOTA, "marker": "testing"}, "POST")
    assert body == {"status": 101, "msg": "Quota exceeded for instances"}
    assert osgview.state()["groups"] == {}


# --- gperpare -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_gperpare_answers_102_while_building_then_200(osgview, method):
    body = clone(osgview)
    params = {"gtuuid": LINUX, "gnuuid": body["gnuuid"], "server_id": body["serverlist"][0]}
    building = call(osgview, "/osgview/gperpare", params, method)
    assert building["status"] == 102
    assert "building" in building["msg"]
    assert osgview.state()["servers"][params["server_id"]]["status"] == "BUILD"
    osgview.advance_clock(BUILD_SECONDS + 0.1)
    assert call(osgview, "/osgview/gperpare", params, method) == {"status": 200, "msg": ""}
    assert osgview.state()["servers"][params["server_id"]]["status"] == "ACTIVE"


def test_gperpare_of_a_server_of_another_group_answers_300(osgview):
    mine, other = clone(osgview, marker="a"), clone(osgview, marker="b")
    body = call(osgview, "/osgview/gperpare",
                {"gtuuid": LINUX, "gnuuid": mine["gnuuid"], "server_id": other["serverlist"][0]})
    assert body["status"] == 300
    assert mine["gnuuid"] in body["msg"]


def test_gperpare_of_a_server_in_error_answers_101(osgview):
    body = clone(osgview, BROKEN)
    osgview.advance_clock(BUILD_SECONDS + 0.1)
    good, bad = body["serverlist"]
    params = {"gtuuid": BROKEN, "gnuuid": body["gnuuid"]}
    assert call(osgview, "/osgview/gperpare", dict(params, server_id=good))["status"] == 200
    answer = call(osgview, "/osgview/gperpare", dict(params, server_id=bad))
    assert answer["status"] == 101
    assert "No valid host was found" in answer["msg"]


@pytest.mark.parametrize("drop", ["gtuuid", "gnuuid", "server_id"])
def test_gperpare_without_a_parameter_answers_400(osgview, drop):
    body = clone(osgview)
    params = {"gtuuid": LINUX, "gnuuid": body["gnuuid"], "server_id": body["serverlist"][0]}
    del params[drop]
    assert call(osgview, "/osgview/gperpare", params) == {"status": 400, "msg": "missing parameter: " + drop}


def test_gperpare_refuses_an_unknown_group_or_another_template_with_400(osgview):
    body = clone(osgview)
    server_id = body["serverlist"][0]
    unknown = call(osgview, "/osgview/gperpare", {"gtuuid": LINUX, "gnuuid": "0" * 32, "server_id": server_id})
    assert unknown["status"] == 400
    foreign = call(osgview, "/osgview/gperpare", {"gtuuid": WEBSEC, "gnuuid": body["gnuuid"], "server_id": server_id})
    assert foreign["status"] == 400
    assert "not cloned from template" in foreign["msg"]


# --- gstart -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_gstart_reports_the_vm_status(osgview, method):
    body = clone(osgview)
    params = {"gtuuid": LINUX, "gnuuid": body["gnuuid"], "server_id": body["serverlist"][0]}
    assert call(osgview, "/osgview/gstart", params, method) == {"status": 200, "msg": "", "vm_status": "BUILD"}
    wait_active(osgview, LINUX, body)
    assert call(osgview, "/osgview/gstart", params, method) == {"status": 200, "msg": "", "vm_status": "ACTIVE"}


def test_gstart_of_a_server_in_error_answers_101(osgview):
    body = clone(osgview, BROKEN)
    osgview.advance_clock(BUILD_SECONDS + 0.1)
    answer = call(osgview, "/osgview/gstart",
                  {"gtuuid": BROKEN, "gnuuid": body["gnuuid"], "server_id": body["serverlist"][1]})
    assert answer["status"] == 101
    assert "No valid host was found" in answer["msg"]


def test_gstart_refuses_a_missing_parameter_or_a_foreign_server_with_400(osgview):
    mine, other = clone(osgview, marker="a"), clone(osgview, marker="b")
    missing = call(osgview, "/osgview/gstart", {"gtuuid": LINUX, "gnuuid": mine["gnuuid"]})
    assert missing == {"status": 400, "msg": "missing parameter: server_id"}
    # gstart documents no 300: a server of another group is a VM the caller may not use
    foreign = call(osgview, "/osgview/gstart",
                   {"gtuuid": LINUX, "gnuuid": mine["gnuuid"], "server_id": other["serverlist"][0]})
    assert foreign["status"] == 400


# --- gconnent -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("console, port", [("vnc", "5900"), ("rdp", "3389")])
def test_gconnent_answers_address_and_port(osgview, console, port):
    body = clone(osgview)
    wait_active(osgview, LINUX, body)
    answer = call(osgview, "/osgview/gconnent", {"gnuuid": body["gnuuid"], "method": console}, "POST")
    assert answer == {"status": 200, "msg": "", "method": console, "sysname": "Ubuntu 18.04 Desktop",
                      "paramter": port, "ip": osgview.state()["servers"][body["serverlist"][0]]["ip"]}
    assert answer["ip"].startswith("127.0.0.")


def test_gconnent_url_answers_a_console_address_and_defaults_to_vnc(osgview):
    body = clone(osgview)
    wait_active(osgview, LINUX, body)
    answer = call(osgview, "/osgview/gconnent", {"gnuuid": body["gnuuid"], "method": "url"})
    assert answer["status"] == 200
    assert answer["url"] == f"{osgview.url}/osgview/console/{body['serverlist'][0]}"
    assert call(osgview, "/osgview/gconnent", {"gnuuid": body["gnuuid"]})["method"] == "vnc"


def test_gconnent_answers_for_the_groups_first_server(osgview):
    body = clone(osgview, WEBSEC)
    wait_active(osgview, WEBSEC, body)
    answer = call(osgview, "/osgview/gconnent", {"gnuuid": body["gnuuid"], "method": "vnc"})
    assert answer["sysname"] == "Kali Linux 2018.2"
    assert answer["ip"] == osgview.state()["servers"][body["serverlist"][0]]["ip"]


def test_gconnent_errors(osgview):
    body = clone(osgview)
    assert call(osgview, "/osgview/gconnent", {"method": "vnc"}) == {"status": 400, "msg": "missing parameter: gnuuid"}
    assert call(osgview, "/osgview/gconnent", {"gnuuid": "0" * 32})["status"] == 400
    assert call(osgview, "/osgview/gconnent", {"gnuuid": body["gnuuid"], "method": "ssh"})["status"] == 400
    building = call(osgview, "/osgview/gconnent", {"gnuuid": body["gnuuid"]})
    assert building["status"] == 101
    assert "not active" in building["msg"]


# --- the framework around the operations ------------------------------------------------------------------
def post_json(handle, path, body):
    """One operation with its parameters as a JSON body: HTTP 200, the answer in the body."""
    response = requests.post(handle.url + path, data=json.dumps(body), headers={"Content-Type": "application/json"},
                             timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def test_parameters_may_come_as_a_json_object_body(osgview):
    body = post_json(osgview, "/osgview/gclone", {"gtuuid": LINUX, "marker": "json"})
    assert body["status"] == 200 and body["count"] == 1, body
    assert osgview.state()["groups"][body["gnuuid"]]["marker"] == "json"


@pytest.mark.parametrize("wrong", [12345, ["a"], {"wrong": 1}, None, True])
def test_a_json_parameter_that_is_not_a_string_answers_400_naming_it(osgview, wrong):
    body = post_json(osgview, "/osgview/gclone", {"gtuuid": LINUX, "marker": wrong})
    assert body["status"] == 400 and body["msg"].startswith("marker must be a string"), body
    assert osgview.state()["groups"] == {}


@pytest.mark.parametrize("raw", [b"[1, 2]", b"{not json", b"\xff\xfe"])
def test_a_body_that_is_no_json_object_answers_400(osgview, raw):
    response = requests.post(osgview.url + "/osgview/gclone", data=raw, headers={"Content-Type": "application/json"},
                             timeout=10)
    assert response.status_code == 200 and response.json()["status"] == 400, response.text


def test_a_form_body_that_is_not_utf8_answers_400(osgview):
    response = requests.post(osgview.url + "/osgview/gclone", data=b"gtuuid=\xff",
                             headers={"Content-Type": "application/x-www-form-urlencoded"}, timeout=10)
    assert response.status_code == 200 and response.json() == {"status": 400, "msg": "the form body is not UTF-8"}


def test_unknown_paths_and_methods_keep_their_http_status(osgview):
    retired = requests.get(osgview.url + "/osgview/serverrun", params={"serverid": "x"}, timeout=10)
    assert retired.status_code == 404
    assert retired.json()["status"] == 404
    put = requests.put(osgview.url + "/osgview/gclone", data={"gtuuid": LINUX, "marker": "m"}, timeout=10)
    assert put.status_code == 405
    assert osgview.state()["groups"] == {}


def test_requests_are_logged_and_reset_clears_groups(osgview):
    clone(osgview)
    assert [(r["method"], r["path"], r["status"]) for r in osgview.requests] == [("POST", "/osgview/gclone", 200)]
    assert requests.post(osgview.url + "/_emulator/reset", timeout=10).status_code == 200
    state = osgview.state()
    assert state["groups"] == {} and state["servers"] == {}
    assert {LINUX, WEBSEC, QUOTA, BROKEN} <= set(state["templates"])


def test_state_file_keeps_groups_across_restarts(tmp_path):
    state_file = tmp_path / "osgview.json"
    with emulators.start("osgview", port=0, state_file=str(state_file), build_seconds=0) as first:
        body = clone(first)
    assert body["gnuuid"] in json.loads(state_file.read_text(encoding="utf-8"))["groups"]
    with emulators.start("osgview", port=0, state_file=str(state_file), build_seconds=0) as second:
        params = {"gtuuid": LINUX, "gnuuid": body["gnuuid"], "server_id": body["serverlist"][0]}
        assert call(second, "/osgview/gperpare", params)["status"] == 200


def test_time_scale_speeds_up_the_build(tmp_path):
    with emulators.start("osgview", port=0, build_seconds=30, time_scale=1e6) as handle:
        body = clone(handle)
        # 30 emulated seconds are 30 microseconds of real time: built before the next request arrives
        params = {"gtuuid": LINUX, "gnuuid": body["gnuuid"], "server_id": body["serverlist"][0]}
        assert call(handle, "/osgview/gperpare", params) == {"status": 200, "msg": ""}


@pytest.mark.parametrize("fixtures, message", [
    ({"templates": {"a": 1}}, "'templates' must be a list"),
    ({"templates": [{"name": "x"}]}, "needs a string 'gtuuid'"),
    ({"templates": [{"gtuuid": "x", "vms": []}]}, "'vms' must be a non-empty list"),
    ({"templates": [{"gtuuid": "x", "vms": [{}], "build_seconds": -1}]}, "'build_seconds' must be a number >= 0"),
])
def test_bad_fixtures_are_refused(tmp_path, fixtures, message):
    path = tmp_path / "bad.yml"
    path.write_text(yaml.safe_dump(fixtures), encoding="utf-8")
    with pytest.raises(ValueError, match=re.escape(message)):
        emulators.start("osgview", port=0, fixtures_file=str(path))
