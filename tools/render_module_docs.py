"""Write each module's DOCUMENTATION from its resource spec, so options are described once.

Usage: python tools/render_module_docs.py [--check]
With --check, exits 1 and names the modules whose DOCUMENTATION is out of date.
"""

from __future__ import annotations

import argparse
import importlib
import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
MODULES_DIR = ROOT / "plugins" / "modules"
PKG = "ansible_collections.converge.platforms.plugins.module_utils."

#: module name -> where its options come from and its platform's doc fragment
MODULES = {
    "zstack_system_tag": {"spec": "resources.zstack:SystemTagSpec", "fragment": "zstack"},
    "zstack_user_tag": {"spec": "resources.zstack:UserTagSpec", "fragment": "zstack"},
    "zstack_license": {"spec": "resources.zstack:LicenseSpec", "fragment": "zstack"},
    "zstack_gc_job": {"spec": "resources.zstack:GcJobSpec", "fragment": "zstack"},
    "zstack_long_job": {"spec": "resources.zstack:LongJobSpec", "fragment": "zstack"},
    "zstack_notification": {"spec": "resources.zstack:NotificationSpec", "fragment": "zstack"},
    "zstack_info": {"fields": "zstack_info:INFO_FIELDS", "fragment": "zstack",
                    "short": "Read ZStack management nodes, version, time, capacity, license, tags, jobs",
                    "description": ["Reads what the ZStack global API exposes; never changes anything.",
                                    "Independent reads run concurrently; query subsets read every page."]},
    "osgview_vm_group": {"spec": "resources.osgview:VmGroupSpec", "fragment": "osgview"},
    "osgview_vm_group_info": {"fields": "osgview_info:INFO_FIELDS", "fragment": "osgview",
                              "short": "Read the VMs and the console of an OSG view lab VM group",
                              "description": ["Reports each VM's readiness (C(gperpare)) and start status "
                                              "(C(gstart)), and the group's connection details (C(gconnent)) once "
                                              "every VM is active; never changes anything."]},
    "vsd_snapshot": {"spec": "resources.vsd:SnapshotSpec", "fragment": "vsd"},
    "vsd_volume_snapshot_rollback": {"spec": "resources.vsd:VolumeSnapshotRollbackSpec", "fragment": "vsd"},
    "vsd_snapshot_info": {"fields": "vsd_info:INFO_FIELDS", "fragment": "vsd",
                          "short": "Read the snapshots of a VSD VM, its snapshot tree and its head",
                          "description": ["Reads the snapshots of one VSD virtual machine; never changes anything.",
                                          "The snapshot list is read page by page, every page."]},
    "migration_cloud_connection": {"spec": "resources.migration:CloudConnectionSpec", "fragment": "migration"},
    "migration_transport_server": {"spec": "resources.migration:TransportServerSpec", "fragment": "migration"},
    "migration_source_host": {"spec": "resources.migration:SourceHostSpec", "fragment": "migration"},
    "migration_vsphere_platform": {"spec": "resources.migration:VspherePlatformSpec", "fragment": "migration"},
    "migration_task": {"spec": "resources.migration:TaskSpec", "fragment": "migration"},
    "migration_license": {"spec": "resources.migration:LicenseSpec", "fragment": "migration"},
    "migration_password": {"spec": "resources.migration:PasswordSpec", "fragment": "migration"},
    "migration_info": {"fields": "migration_info:INFO_FIELDS", "fragment": "migration",
                       "short": "Read the migration platform's clouds, servers, hosts, tasks and license",
                       "description": ["Reads what the migration platform lists, and the details of one task, "
                                       "cloud connection or source host; never changes anything.",
                                       "The task list is read page by page, every page."]},
    "opendcp_cluster": {"spec": "resources.opendcp:ClusterSpec", "fragment": "opendcp"},
    "opendcp_service": {"spec": "resources.opendcp:ServiceSpec", "fragment": "opendcp"},
    "opendcp_pool": {"spec": "resources.opendcp:PoolSpec", "fragment": "opendcp"},
    "opendcp_pool_nodes": {"spec": "resources.opendcp:PoolNodesSpec", "fragment": "opendcp"},
    "opendcp_task_template": {"spec": "resources.opendcp:TaskTemplateSpec", "fragment": "opendcp"},
    "opendcp_remote_step": {"spec": "resources.opendcp:RemoteStepSpec", "fragment": "opendcp"},
    "opendcp_action": {"spec": "resources.opendcp:ActionSpec", "fragment": "opendcp"},
    "opendcp_actimpl": {"spec": "resources.opendcp:ActImplSpec", "fragment": "opendcp"},
    "opendcp_flow": {"spec": "resources.opendcp:FlowSpec", "fragment": "opendcp"},
    "opendcp_info": {"fields": "opendcp_info:INFO_FIELDS", "fragment": "opendcp",
                     "short": "Read OpenDCP clusters, services, pools, nodes, templates, actions and flows",
                     "description": ["Reads what OpenDCP lists, every page, and a pool's nodes, the pools of IPs, "
                                     "or one flow with its nodes and log; never changes anything."]},
}

STATE_DOCS = {
    "present": "the resource exists as described",
    "absent": "the resource does not exist",
    "reloaded": "the license is reloaded (always reports a change)",
    "triggered": "the GC job has run (a job whose status is C(Done) is left alone)",
    "submitted": "a long job of this name exists; it is submitted when none does",
    "cancelled": "the long job is not running; a running one is cancelled",
    "current": "the VM runs from this snapshot: it is rolled back to it unless it already is the head (see I(force))",
    "rolled_back": "the volumes are rolled back to their snapshots (runs, and reports a change, on every call)",
    "refreshed": "the object exists and the platform re-reads its facts (runs, and reports a change, on every call)",
    "running": "the task exists as described and runs: a task an error paused is resumed",
    "completed": "the task is completed: final sync and cloud server (see I(wait))",
    "started": "the flow exists and has run: created when missing, a stopped flow resumed, the failed nodes of a "
               "finished flow run again",
    "paused": "the flow is not running: a running flow is paused",
    "stopped": "the flow is not running: a running flow is stopped",
}


def _load(ref: str):
    module_name, attr = ref.split(":")
    return getattr(importlib.import_module(PKG + module_name), attr)


def _field_doc(field) -> dict:
    doc: dict = {"description": [field.description] if isinstance(field.description, str) else field.description,
                 "type": field.type}
    if field.required:
        doc["required"] = True
    if field.default is not None:
        doc["default"] = field.default
    if field.choices:
        doc["choices"] = list(field.choices)
    if field.elements:
        doc["elements"] = field.elements
    if field.aliases:
        doc["aliases"] = list(field.aliases)
    return doc


def options_of(entry: dict) -> tuple[dict, object | None]:
    if "spec" in entry:
        spec = _load(entry["spec"])()
        options = {name: _field_doc(field) for name, field in spec.fields.items()}
        if spec.states:
            options["state"] = {
                "description": ["Desired state:"] + [f"C({s}): {STATE_DOCS[s]}." for s in spec.states],
                "type": "str", "default": spec.states[0], "choices": list(spec.states)}
        if spec.waits:
            options["wait"] = {"description": ["Wait until the object has finished its work."], "type": "bool",
                               "default": True}
            options["wait_timeout"] = {"description": ["How long to wait, in seconds."], "type": "int",
                                       "default": 600}
        return options, spec
    return {name: _field_doc(field) for name, field in _load(entry["fields"]).items()}, None


def documentation(name: str, entry: dict) -> str:
    options, spec = options_of(entry)
    short = entry.get("short") or spec.description.rstrip(".")
    description = list(entry.get("description") or [])
    if spec is not None:
        doc = (spec.__class__.__doc__ or "").strip()
        description = [" ".join(p.split()) for p in doc.split("\n\n") if p.strip()] or [spec.description]
        behaviour = ("Idempotent; supports" if spec.idempotent else
                     "Acts on every run, since the API cannot show whether the action is needed; supports")
        behaviour += " check mode and diff mode (diff shows only what changes)."
        if spec.reconcilable:
            behaviour += " Also usable as the reconciler kind C(%s)." % name
        description.append(behaviour)
    doc = {
        "module": name,
        "short_description": short,
        "version_added": "0.1.0",
        "description": description,
        "author": ["converge contributors (@converge)"],
        "options": options,
        "extends_documentation_fragment": [f"converge.platforms.{entry['fragment']}", "converge.platforms.attributes"],
        "attributes": {
            "check_mode": {"support": "full"},
            "diff_mode": {"support": "full" if spec is not None else "none"},
        },
    }
    return yaml.safe_dump(doc, sort_keys=False, default_flow_style=False, width=110)


DOC_RE = re.compile(r'DOCUMENTATION = r"""\n.*?"""', re.S)


def render(check: bool) -> int:
    stale = []
    for name, entry in MODULES.items():
        path = MODULES_DIR / f"{name}.py"
        text = path.read_text(encoding="utf-8")
        block = 'DOCUMENTATION = r"""\n' + documentation(name, entry) + '"""'
        new = DOC_RE.sub(lambda _m, block=block: block, text, count=1)
        if new != text:
            stale.append(name)
            if not check:
                path.write_text(new, encoding="utf-8")
    if check and stale:
        print("DOCUMENTATION out of date (run python tools/render_module_docs.py): " + ", ".join(stale))
        return 1
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true")
    sys.exit(render(parser.parse_args().check))
