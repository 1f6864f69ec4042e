"""The OSG view lab model: VM group templates, cloned groups, their VMs and the rules the document states.

A template (`gtuuid`, "the VM group id on the UI") lists the VMs of one course lab. Cloning it
(`gclone`) creates a group (`gnuuid`) holding one new server per template VM. A server is
building until its build time has passed on the emulated clock, then active (or in error when
the fixtures say so). The status is worked out lazily from the clock, never stored.

Operation failures raise `OsgFailure` with the document's status codes; the HTTP layer puts
them in the `{"status", "msg"}` envelope.
"""

from __future__ import annotations

import copy
import uuid as uuidlib
from dataclasses import dataclass
from typing import Any, Mapping

from ..common.model import PlatformModel

STATE_FORMAT = 1

OK = 200
BAD_REQUEST = 400  # "no valid parameter, or no permission to use this VM"
OPENSTACK_FAILURE = 101  # "the OpenStack interface failed" / "the VM status is wrong (else)"
BUILDING = 102  # "the VM is building"
NOT_IN_GROUP = 300  # "no configured resource found: the group does not hold this VM"

ACTIVE = "ACTIVE"
BUILD = "BUILD"
ERROR = "ERROR"

#: gconnent `method` -> the port it answers in `paramter` (the document: "3389 or 5900")
CONSOLE_PORTS = {"vnc": "5900", "rdp": "3389", "url": ""}
DEFAULT_METHOD = "vnc"

#: servers get loopback addresses only, 127.0.0.2 to 127.0.0.254
FIRST_HOST, LAST_HOST = 2, 254

BUILTIN_TEMPLATES: list[dict[str, Any]] = [
    {"gtuuid": "6f1d8c2a9b3e4f5a8c7d6e5f4a3b2c1d", "name": "linux-basics", "cached": True,
     "vms": [{"name": "ubuntu-desktop", "sysname": "Ubuntu 18.04 Desktop"}]},
    {"gtuuid": "7a2e9d3bac4f4a6b9d8e7f6a5b4c3d2e", "name": "web-security", "cached": False,
     "vms": [{"name": "kali-attacker", "sysname": "Kali Linux 2018.2"},
             {"name": "dvwa-target", "sysname": "CentOS 7 (DVWA)"}]},
    {"gtuuid": "8b3fae4cbd5a4b7cae9f8a7b6c5d4e3f", "name": "windows-admin", "cached": True,
     "vms": [{"name": "win-desktop", "sysname": "Windows Server 2012 R2"}]},
]


class OsgFailure(Exception):
    """An operation OSG view refuses, with the document's status code and message."""

    def __init__(self, status: int, msg: str):
        super().__init__(msg)
        self.status = status
        self.msg = msg


@dataclass(frozen=True)
class Settings:
    """What the emulator's options decide about the model."""

    #: emulated seconds a server takes to build when its template's image is cached;
    #: an uncached image takes twice as long (the clone copies it first)
    build_seconds: float = 5.0


class OsgViewState(PlatformModel[Settings]):
    """The whole model: templates, groups, servers and which template images are cached."""

    platform = "osgview"
    state_format = STATE_FORMAT
    templates: dict[str, dict[str, Any]]
    groups: dict[str, dict[str, Any]]
    servers: dict[str, dict[str, Any]]
    #: the templates whose image is cached
    cached: list[str]
    next_host: int

    # --- built-ins, fixtures, persistence ---------------------------------------------------
    def load(self, fixtures: Mapping[str, Any]) -> None:
        """Replace everything with the built-in templates, overridden or extended by fixtures."""
        self.templates = _templates(fixtures.get("templates"))
        self.groups, self.servers = {}, {}
        self.cached = [gtuuid for gtuuid, template in self.templates.items() if template["cached"]]
        self.next_host = FIRST_HOST

    def export(self) -> dict[str, Any]:
        """Everything, as JSON-able data; each server also shows its status at this moment."""
        servers = {sid: dict(record, status=self.server_status(record)) for sid, record in self.servers.items()}
        return copy.deepcopy({"format": STATE_FORMAT, "templates": self.templates, "groups": self.groups,
                              "servers": servers, "cached": self.cached, "next_host": self.next_host})

    def restore(self, data: Mapping[str, Any]) -> None:
        """Replace everything with what `export` produced."""
        if data.get("format", STATE_FORMAT) != STATE_FORMAT:
            raise ValueError(f"unsupported osgview state format {data.get('format')!r}")
        self.templates = copy.deepcopy(dict(data.get("templates") or {}))
        self.groups = copy.deepcopy(dict(data.get("groups") or {}))
        self.servers = {sid: {k: v for k, v in record.items() if k != "status"}
                        for sid, record in copy.deepcopy(dict(data.get("servers") or {})).items()}
        self.cached = list(data.get("cached") or [])
        self.next_host = int(data.get("next_host") or FIRST_HOST)

    # --- the four operations ----------------------------------------------------------------
    def clone(self, gtuuid: str, marker: str) -> dict[str, Any]:
        """gclone: a new group with one building server per template VM."""
        template = self._template(gtuuid)
        if template.get("clone_error"):
            raise OsgFailure(OPENSTACK_FAILURE, str(template["clone_error"]))
        if_cache = gtuuid in self.cached
        build = self._build_seconds(template) * (1 if if_cache else 2)
        now = self.now()
        gnuuid = self._new_id().hex
        server_ids = [self._new_server(gnuuid, vm, now, now + build) for vm in template["vms"]]
        self.groups[gnuuid] = {"gnuuid": gnuuid, "gtuuid": gtuuid, "marker": marker, "created_at": now,
                               "if_cache": if_cache, "servers": server_ids}
        if not if_cache:
            self.cached.append(gtuuid)
        return {"gnuuid": gnuuid, "serverlist": list(server_ids), "count": len(server_ids), "if_cache": if_cache}

    def prepare(self, gtuuid: str, gnuuid: str, server_id: str) -> None:
        """gperpare: returns when the server is active; raises 102 while building, 101 in error."""
        record = self._server_in_group(gtuuid, gnuuid, server_id, NOT_IN_GROUP)
        status = self.server_status(record)
        if status == BUILD:
            raise OsgFailure(BUILDING, f"server {server_id} is building")
        if status == ERROR:
            raise OsgFailure(OPENSTACK_FAILURE, f"server {server_id} is in error: {record['error']}")

    def start(self, gtuuid: str, gnuuid: str, server_id: str) -> str:
        """gstart: the server's OpenStack status (BUILD or ACTIVE); 101 when it is in error."""
        # The document lists no 300 for gstart, so a server outside the group is refused as a VM
        # the caller may not use (400).
        record = self._server_in_group(gtuuid, gnuuid, server_id, BAD_REQUEST)
        status = self.server_status(record)
        if status == ERROR:
            raise OsgFailure(OPENSTACK_FAILURE, f"server {server_id} is in error: {record['error']}")
        return status

    def connect(self, gnuuid: str, method: str, base_url: str) -> dict[str, Any]:
        """gconnent: how to reach the group's first server with a vnc, rdp or url console."""
        if method not in CONSOLE_PORTS:
            raise OsgFailure(BAD_REQUEST, f"unsupported method {method!r}: use vnc, rdp or url")
        group = self._group(gnuuid)
        # gconnent names no server, so it answers for the group's first server: the one the
        # lab page opens.
        record = self.servers[group["servers"][0]]
        status = self.server_status(record)
        if status != ACTIVE:
            raise OsgFailure(OPENSTACK_FAILURE, f"server {record['server_id']} is not active ({status})")
        answer = {"method": method, "sysname": record["sysname"], "paramter": CONSOLE_PORTS[method],
                  "ip": record["ip"]}
        if method == "url":
            answer["url"] = f"{base_url}/osgview/console/{record['server_id']}"
        return answer

    # --- rules --------------------------------------------------------------------------------
    def server_status(self, record: Mapping[str, Any]) -> str:
        """BUILD until the server's build time has passed, then ACTIVE or ERROR."""
        if self.now() < record["ready_at"]:
            return BUILD
        return ERROR if record.get("error") else ACTIVE

    def _template(self, gtuuid: str) -> dict[str, Any]:
        template = self.templates.get(gtuuid)
        if template is None:
            raise OsgFailure(BAD_REQUEST, f"no VM group template {gtuuid} or no permission to use it")
        return template

    def _group(self, gnuuid: str) -> dict[str, Any]:
        group = self.groups.get(gnuuid)
        if group is None:
            raise OsgFailure(BAD_REQUEST, f"no VM group {gnuuid} or no permission to use it")
        return group

    def _server_in_group(self, gtuuid: str, gnuuid: str, server_id: str, foreign_status: int) -> dict[str, Any]:
        group = self._group(gnuuid)
        if group["gtuuid"] != gtuuid:
            raise OsgFailure(BAD_REQUEST, f"VM group {gnuuid} was not cloned from template {gtuuid}")
        if server_id not in group["servers"]:
            raise OsgFailure(foreign_status, f"VM group {gnuuid} has no server {server_id}")
        return self.servers[server_id]

    def _build_seconds(self, template: Mapping[str, Any]) -> float:
        value = template.get("build_seconds")
        return float(self.settings.build_seconds if value is None else value)

    def _new_server(self, gnuuid: str, vm: Mapping[str, Any], now: float, ready_at: float) -> str:
        server_id = str(self._new_id())
        self.servers[server_id] = {"server_id": server_id, "gnuuid": gnuuid, "name": vm["name"],
                                   "sysname": vm["sysname"], "ip": self._new_ip(), "created_at": now,
                                   "ready_at": ready_at, "error": vm.get("error")}
        return server_id

    def _new_ip(self) -> str:
        host = self.next_host
        self.next_host = FIRST_HOST if host >= LAST_HOST else host + 1
        return f"127.0.0.{host}"

    def _new_id(self) -> uuidlib.UUID:
        """A uuid4 for a group (32 hex digits) or a server (dashed), from the emulator's `ids`."""
        return self.ids.uuid4()


# --- fixture records ---------------------------------------------------------------------------

def _templates(fixture_items: Any) -> dict[str, dict[str, Any]]:
    """Built-in templates merged with fixture templates by gtuuid, each checked."""
    merged = {item["gtuuid"]: copy.deepcopy(item) for item in BUILTIN_TEMPLATES}
    if fixture_items is not None:
        if not isinstance(fixture_items, list):
            raise ValueError("osgview fixtures: 'templates' must be a list")
        for item in fixture_items:
            if not isinstance(item, Mapping) or not isinstance(item.get("gtuuid"), str) or not item["gtuuid"]:
                raise ValueError("osgview fixtures: every template needs a string 'gtuuid'")
            merged.setdefault(item["gtuuid"], {}).update(copy.deepcopy(dict(item)))
    return {gtuuid: _template_record(item) for gtuuid, item in merged.items()}


def _template_record(item: Mapping[str, Any]) -> dict[str, Any]:
    gtuuid = item["gtuuid"]
    vms = item.get("vms")
    if not isinstance(vms, list) or not vms:
        raise ValueError(f"osgview fixtures: template {gtuuid}: 'vms' must be a non-empty list")
    build = item.get("build_seconds")
    if build is not None and (isinstance(build, bool) or not isinstance(build, (int, float)) or build < 0):
        raise ValueError(f"osgview fixtures: template {gtuuid}: 'build_seconds' must be a number >= 0")
    return {"gtuuid": gtuuid, "name": str(item.get("name", gtuuid)), "cached": bool(item.get("cached", False)),
            "build_seconds": build, "clone_error": item.get("clone_error"),
            "vms": [_vm_record(gtuuid, index, vm) for index, vm in enumerate(vms)]}


def _vm_record(gtuuid: str, index: int, vm: Any) -> dict[str, Any]:
    if not isinstance(vm, Mapping):
        raise ValueError(f"osgview fixtures: template {gtuuid}: vms[{index}] must be a mapping")
    name = str(vm.get("name") or f"vm-{index + 1}")
    error = vm.get("error")
    return {"name": name, "sysname": str(vm.get("sysname") or name),
            "error": (error if isinstance(error, str) else "instance went to ERROR") if error else None}
