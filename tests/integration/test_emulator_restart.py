"""A restarted emulator goes on where it stopped: it never hands out an identifier twice.

Each platform is started with a seed and a state file, objects are made through its HTTP API, the emulator is
stopped as `converge-emulator` is (SIGTERM) and started again with the same command line, and more objects are
made. No identifier repeats (sessions and tokens, ZStack jobs and tags, VSD snapshots and disk snapshots,
migration clouds, OpenDCP ids and VM ids, OSG view groups and servers), and every earlier object is still there
with its own values, read from the emulator's state. The same holds for an in-process restart (the `restart`
fault), for a state file written before generator positions were saved, and for a SIGTERM in the middle of an
apply; a change answered to a GET (OSG view and OpenDCP take writes by GET) is in the state file after SIGTERM.
"""

from __future__ import annotations

import contextlib
import json
import signal
import subprocess
import threading
from typing import Any, Callable, Iterator

import pytest
import requests

import emulators
from emulators.vsd.state import BUILTIN_CLUSTER, BUILTIN_STOPPED_VM
from tests.support import BIN

SEED = 7
TIMEOUT = 10
#: settings under which every object is final at once, so no test waits on a clock
SETTINGS: dict[str, dict[str, Any]] = {"zstack": {"job_delay": 0}, "vsd": {}, "migration": {},
                                        "opendcp": {"flow_seconds": 0}, "osgview": {"build_seconds": 0}}
ZSTACK_VM = "a1d6f0bbd21f4b3c8e7a2b9c4d5e6f70"
VSD_SCOPE = {"cluster_uuid": BUILTIN_CLUSTER, "compute_uuid": BUILTIN_STOPPED_VM}
OSG_TEMPLATE = "7a2e9d3bac4f4a6b9d8e7f6a5b4c3d2e"  # web-security: two VMs, so two server ids a clone
CREATE_VM = {"name": "create_vm", "param_values": {}, "retry": {"retry_times": 0, "ignore_error": False}}


def emulator_state(url: str) -> dict[str, Any]:
    """The emulator's whole model, as its control API answers it."""
    return requests.get(f"{url}/_emulator/state", timeout=TIMEOUT).json()


# --- one user of each platform: makes objects, keeps the identifiers it was answered -------------------------

class ZStackUser:
    """Logs in and makes user tags on a built-in VM; every session, job and tag uuid it is given is `issued`."""

    def __init__(self, url: str):
        import hashlib

        self.url = url
        body = {"logInByAccount": {"accountName": "admin", "password": hashlib.sha512(b"password").hexdigest()}}
        session = requests.put(f"{url}/zstack/v1/accounts/login", json=body, timeout=TIMEOUT).json()["inventory"]
        self.headers = {"Authorization": f"OAuth {session['uuid']}"}
        self.issued = [session["uuid"]]

    def make(self, label: str, count: int = 3) -> None:
        for number in range(count):
            self.tag(f"{label}::{number}")

    def submit_tag(self, text: str) -> str:
        """POST a user tag; the job's location once the emulator has answered 202."""
        body = {"params": {"resourceType": "VmInstanceVO", "resourceUuid": ZSTACK_VM, "tag": text}}
        answer = requests.post(f"{self.url}/zstack/v1/user-tags", json=body, headers=self.headers, timeout=TIMEOUT)
        assert answer.status_code == 202, answer.text
        return answer.json()["location"]

    def tag(self, text: str) -> None:
        location = self.submit_tag(text)
        inventory = requests.get(location, headers=self.headers, timeout=TIMEOUT).json()["inventory"]
        assert inventory["tag"] == text
        self.issued += [location.rsplit("/", 1)[1], inventory["uuid"]]

    @staticmethod
    def kept(state: dict[str, Any]) -> dict[str, Any]:
        return {uuid: (record["resourceUuid"], record["tag"]) for uuid, record in state["tags"].items()}


class VsdUser:
    """Takes disk snapshots of the built-in stopped VM; every snapshot and disk snapshot uuid is `issued`."""

    def __init__(self, url: str):
        self.url = url
        self.issued: list[str] = []

    def make(self, label: str, count: int = 3) -> None:
        snap = f"{self.url}/v1/compute/vsd/snapshot"
        for number in range(count):
            name = f"{label}-{number}"
            created = requests.post(f"{snap}/create", json=dict(VSD_SCOPE, name=name, description=f"{label} {number}",
                                                                  domain_memory=False), timeout=TIMEOUT).json()
            assert created["scode"] == 0, created
            data = requests.get(f"{snap}/get", params=dict(VSD_SCOPE, name=name), timeout=TIMEOUT).json()["data"]
            self.issued += [data["uuid"]] + [disk["SnapshotUuid"] for disk in data["disk_snapshot_list"]]

    @staticmethod
    def kept(state: dict[str, Any]) -> dict[str, Any]:
        return {record["uuid"]: (vm, record["name"], record["description"], record["seq"],
                                 tuple(disk["SnapshotUuid"] for disk in record["disks"]))
                for vm, snapshots in state["snapshots"].items() for record in snapshots.values()}


class MigrationUser:
    """Logs in and adds cloud connections; every token and cloud id is `issued`."""

    def __init__(self, url: str):
        self.url = url
        login = requests.post(f"{url}/Login", json={"UserName": "admin", "Password": "password"},
                              timeout=TIMEOUT).json()
        self.token = login["Data"]["Token"]
        self.issued = [self.token]

    def make(self, label: str, count: int = 3) -> None:
        for number in range(count):
            body = {"Action": "AddCloudConnection", "CloudName": f"{label}-{number}", "CloudType": "Openstack",
                    "ProjectName": "cmigrate", "CloudUser": "admin", "CloudPass": "password",
                    "CloudAddr": "127.0.0.1", "IdentityPort": "5000"}
            answer = requests.post(f"{self.url}/MgmtCloudConnection", json=body,
                                   headers={"Authorization": self.token}, timeout=TIMEOUT).json()
            assert answer["Code"] == 0, answer
            self.issued.append(answer["Data"]["ID"])

    @staticmethod
    def kept(state: dict[str, Any]) -> dict[str, Any]:
        return {cloud_id: (record["Name"], record["AccountId"]) for cloud_id, record in state["clouds"].items()}


class OpenDcpUser:
    """Makes a cluster, service, expand template and pool, and expands the pool by two hosts.

    Every id it is answered is `issued` as `<kind>:<id>`, and each new VM's id as it is.
    """

    def __init__(self, url: str):
        self.url = url
        self.issued: list[str] = []

    def call(self, path: str, body: Any = None, method: str = "POST") -> Any:
        answer = requests.request(method, self.url + path, json=body, timeout=TIMEOUT).json()
        assert answer["code"] == 0, answer
        return answer["data"]

    def make(self, label: str) -> None:
        cluster = self.call("/cluster/create", {"name": f"c-{label}", "desc": label, "biz": "1"})
        service = self.call("/service/create", {"name": f"s-{label}", "desc": label, "service_type": "java",
                                                "docker_image": f"registry.example.invalid/{label}:1",
                                                "cluster_id": cluster})
        template = self.call("/task_tpl/create", {"name": f"t-{label}", "desc": label, "steps": [CREATE_VM]})
        pool = self.call("/pool/create", {"name": f"p-{label}", "desc": label, "vm_type": 1, "sd_id": 1,
                                          "service_id": service, "tasks": {"expand": template}})
        self.call(f"/pool/expand/{pool}", {"num": 2})
        flows = [flow["id"] for flow in self.call("/task/list", method="GET")
                 if flow["task_name"] == f"expand_p-{label}"]
        nodes = self.call(f"/pool/{pool}/list_nodes", method="GET")
        assert len(flows) == 1 and len(nodes) == 2
        self.issued += [f"cluster:{cluster}", f"service:{service}", f"template:{template}", f"pool:{pool}",
                        f"flow:{flows[0]}"] + [f"node:{node['id']}" for node in nodes] + [n["vm_id"] for n in nodes]

    @staticmethod
    def kept(state: dict[str, Any]) -> dict[str, Any]:
        kept = {f"cluster:{key}": record["name"] for key, record in state["clusters"].items()}
        kept.update({f"pool:{key}": (record["name"], record["service_id"]) for key, record in state["pools"].items()})
        kept.update({f"node:{key}": (record["ip"], record["vm_id"]) for key, record in state["nodes"].items()})
        kept.update({f"flow_node:{key}": (record["flow_id"], record["ip"], record["vm_id"])
                     for key, record in state["flow_nodes"].items()})
        return kept


class OsgViewUser:
    """Clones the web-security lab; every group and server id is `issued`."""

    def __init__(self, url: str):
        self.url = url
        self.issued: list[str] = []

    def make(self, label: str, count: int = 2) -> None:
        for number in range(count):
            answer = requests.post(f"{self.url}/osgview/gclone", data={"gtuuid": OSG_TEMPLATE,
                                                                       "marker": f"{label}-{number}"},
                                   timeout=TIMEOUT).json()
            assert answer["status"] == 200, answer
            self.issued += [answer["gnuuid"]] + answer["serverlist"]

    @staticmethod
    def kept(state: dict[str, Any]) -> dict[str, Any]:
        kept = {gnuuid: (group["marker"], tuple(group["servers"])) for gnuuid, group in state["groups"].items()}
        kept.update({sid: (server["gnuuid"], server["name"], server["ip"]) for sid, server in state["servers"].items()})
        return kept


USERS: dict[str, Any] = {"zstack": ZStackUser, "vsd": VsdUser, "migration": MigrationUser,
                         "opendcp": OpenDcpUser, "osgview": OsgViewUser}


# --- ways to run an emulator twice --------------------------------------------------------------------------

def emulator_command(platform: str, state_file) -> list[str]:
    """The `converge-emulator` command line of a platform with the seed, a state file and its settings."""
    command = [str(BIN / "converge-emulator"), "--platform", platform, "--port", "0", "--seed", str(SEED),
               "--state", str(state_file)]
    for key, value in SETTINGS[platform].items():
        command += ["--set", f"{key}={value}"]
    return command


@contextlib.contextmanager
def converge_emulator(platform: str, state_file) -> Iterator[tuple[str, subprocess.Popen]]:
    """`converge-emulator` in a subprocess: its URL and process; stopped with SIGTERM, which it must survive cleanly."""
    process = subprocess.Popen(emulator_command(platform, state_file), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        words = process.stdout.readline().split()
        if words[:1] != [platform]:
            process.kill()
            raise AssertionError(f"converge-emulator did not start: {process.communicate(timeout=TIMEOUT)[1]}")
        yield words[1], process
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=30)
    assert process.returncode == 0, stderr


@contextlib.contextmanager
def in_process(platform: str, state_file) -> Iterator[str]:
    """The emulator in this process (`emulators.start`) with the same options; its URL. Stopped by `stop()`."""
    with emulators.start(platform, port=0, seed=SEED, state_file=str(state_file), **SETTINGS[platform]) as handle:
        yield handle.url


@contextlib.contextmanager
def subprocess_url(platform: str, state_file) -> Iterator[str]:
    """`converge_emulator`, yielding its URL alone."""
    with converge_emulator(platform, state_file) as (url, _process):
        yield url


def run_twice(platform: str, start: Callable[[], contextlib.AbstractContextManager[str]],
              between: Callable[[], None] = lambda: None) -> None:
    """Make objects, stop, (`between`), start again, make more: every earlier object kept, no id handed out twice."""
    user_class = USERS[platform]
    with start() as url:
        first = user_class(url)
        first.make("first")
        before = user_class.kept(emulator_state(url))
    between()
    with start() as url:
        assert user_class.kept(emulator_state(url)) == before, "the restart lost or changed objects"
        second = user_class(url)
        second.make("second")
        after = user_class.kept(emulator_state(url))
    lost = {key: value for key, value in before.items() if after.get(key) != value}
    assert not lost, f"objects made before the restart were overwritten or lost: {lost}"
    repeated = sorted({one for one in second.issued if one in first.issued})
    assert not repeated, f"identifiers handed out again after the restart: {repeated}"
    issued = first.issued + second.issued
    assert len(set(issued)) == len(issued)
    assert len(after) > len(before)


# --- the tests -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("platform", sorted(USERS))
def test_converge_emulator_stopped_with_sigterm_goes_on_with_its_ids(platform, tmp_path):
    run_twice(platform, lambda: subprocess_url(platform, tmp_path / f"{platform}.json"))


@pytest.mark.parametrize("platform", sorted(USERS))
def test_an_emulator_started_again_in_process_goes_on_with_its_ids(platform, tmp_path):
    run_twice(platform, lambda: in_process(platform, tmp_path / f"{platform}.json"))


@pytest.mark.parametrize("platform", sorted(USERS))
def test_a_state_file_without_generator_positions_gives_no_id_it_holds(platform, tmp_path):
    """A state file written before the positions were kept: the generator starts from the seed again, and
    skips every identifier the restored state holds."""
    state_file = tmp_path / f"{platform}.json"

    def forget_positions() -> None:
        data = json.loads(state_file.read_text(encoding="utf-8"))
        data.pop("ids", None)
        state_file.write_text(json.dumps(data), encoding="utf-8")

    run_twice(platform, lambda: in_process(platform, state_file), between=forget_positions)


@pytest.mark.parametrize("platform", sorted(USERS))
def test_the_restart_fault_goes_on_with_the_ids(platform, tmp_path):
    """The `restart` fault saves, forgets and reads back the state: the ids go on after it as after a real one."""
    user_class = USERS[platform]
    with emulators.start(platform, port=0, seed=SEED, state_file=str(tmp_path / f"{platform}.json"),
                         **SETTINGS[platform]) as handle:
        first = user_class(handle.url)
        first.make("first")
        before = user_class.kept(handle.state())
        handle.set_faults(fault_rate=1.0, modes=["restart"])
        with pytest.raises(requests.ConnectionError):
            requests.get(f"{handle.url}/", timeout=TIMEOUT)
        handle.set_faults(fault_rate=0)
        assert handle.requests[-1]["fault"] == "before-restart"
        second = user_class(handle.url)
        second.make("second")
        after = user_class.kept(handle.state())
    assert before.items() <= after.items()
    assert not set(first.issued) & set(second.issued)


def test_sigterm_in_the_middle_of_an_apply_keeps_every_answered_tag_and_the_ids_go_on(tmp_path):
    """Tags are made one after another until the emulator, stopped with SIGTERM, stops answering: every tag it
    answered 202 for is there after the restart with its own uuid, and the tags made then get new uuids."""
    state_file = tmp_path / "zstack.json"
    answered: list[str] = []
    halfway = threading.Event()
    with converge_emulator("zstack", state_file) as (url, process):
        user = ZStackUser(url)

        def apply() -> None:
            for number in range(10_000):
                try:
                    user.submit_tag(f"apply::{number}")
                except requests.RequestException:
                    return
                answered.append(f"apply::{number}")
                if number == 5:
                    halfway.set()

        applying = threading.Thread(target=apply)
        applying.start()
        assert halfway.wait(timeout=60)
        process.send_signal(signal.SIGTERM)
        # a loaded machine may take a while to stop it; once it has exited, nothing answers the client
        process.wait(timeout=120)
        applying.join(timeout=60)
        assert not applying.is_alive()
    with converge_emulator("zstack", state_file) as (url, _process):
        before = ZStackUser.kept(emulator_state(url))
        assert set(answered) <= {text for _vm, text in before.values()}
        second = ZStackUser(url)
        second.make("after")
        after = ZStackUser.kept(emulator_state(url))
    assert before.items() <= after.items()
    assert len(after) == len(before) + 3
    assert not set(second.issued) & set(before)


def test_a_group_cloned_by_get_is_in_the_state_file_after_sigterm(tmp_path):
    """OSG view takes its operations by GET: the clone it answered is kept, though no POST came after it."""
    state_file = tmp_path / "osgview.json"
    with converge_emulator("osgview", state_file) as (url, _process):
        clone = requests.get(f"{url}/osgview/gclone", params={"gtuuid": OSG_TEMPLATE, "marker": "by-get"},
                             timeout=TIMEOUT).json()
        assert clone["status"] == 200
    with converge_emulator("osgview", state_file) as (url, _process):
        group = emulator_state(url)["groups"].get(clone["gnuuid"])
    assert group is not None and (group["marker"], group["servers"]) == ("by-get", clone["serverlist"])


def test_an_update_answered_to_a_get_is_in_the_state_file_after_sigterm(tmp_path):
    """OpenDCP routes any method: a cluster changed by a GET, with no id drawn and no write after it, is written
    when the emulator is stopped."""
    state_file = tmp_path / "opendcp.json"
    with converge_emulator("opendcp", state_file) as (url, _process):
        user = OpenDcpUser(url)
        cluster = user.call("/cluster/create", {"name": "web", "desc": "before", "biz": "1"})
        user.call(f"/cluster/update/{cluster}", {"name": "web", "desc": "changed by a GET", "biz": "2"}, method="GET")
    with converge_emulator("opendcp", state_file) as (url, _process):
        record = emulator_state(url)["clusters"][str(cluster)]
    assert (record["desc"], record["biz"]) == ("changed by a GET", "2")


def test_a_state_file_with_a_bad_generator_position_is_refused_naming_it(tmp_path):
    state_file = tmp_path / "zstack.json"
    state_file.write_text(json.dumps({"ids": {"generator": "mt19937-v3", "words": "00", "index": 0}}),
                          encoding="utf-8")
    refused = subprocess.run(emulator_command("zstack", state_file), capture_output=True, text=True, timeout=60)
    assert refused.returncode == 1
    assert "zstack: state file: ids.words must be 4992 hex digits" in refused.stderr
    assert "Traceback" not in refused.stderr


def test_the_uuid_of_a_deleted_snapshot_is_not_handed_out_again_after_a_restart(tmp_path):
    """A real server never reuses an id, not even one whose object is gone and that the state no longer holds:
    only the generator's position, saved in the state file, keeps it from coming again."""
    state_file = tmp_path / "vsd.json"
    with in_process("vsd", state_file) as url:
        user = VsdUser(url)
        user.make("gone", count=1)
        deleted = requests.post(f"{url}/v1/compute/vsd/snapshot/delete", json=dict(VSD_SCOPE, name="gone-0"),
                                timeout=TIMEOUT).json()
        assert deleted["scode"] == 0, deleted
        assert not set(user.issued) & set(json.dumps(emulator_state(url)).split('"'))
    with in_process("vsd", state_file) as url:
        second = VsdUser(url)
        second.make("after")
    assert not set(second.issued) & set(user.issued)
