"""Write what is derived from the resource specs, so each module is registered in one place.

The platforms are the descriptors of plugins/module_utils/platforms.py. Their modules are the kinds of
their specs (`SPECS`), their info modules (no spec; documented in INFO_MODULES) and the modules in
OTHER_MODULES (reconcile). From them this writes:

- each module's DOCUMENTATION block (options from the spec or the info fields);
- the connection doc fragments: plugins/doc_fragments/connection.py for the options every platform shares,
  and plugins/doc_fragments/<platform>.py for its own (url, credentials, extras), from the descriptors'
  texts and the clients' CONNECTION_ARGUMENT_SPEC (types, defaults, environment variables);
- the `action_groups` of meta/runtime.yml (one group per platform, `all` extending them; the rest of the
  file is left as it is);
- the module table of README.md, between `<!-- modules:start -->` and `<!-- modules:end -->`.

Usage: python tools/render_module_docs.py [--check]
With --check, writes nothing, and exits 1 naming what is out of date.
"""

from __future__ import annotations

import argparse
import atexit
import importlib
import importlib.util
import re
import sys
import tempfile
from pathlib import Path
from typing import Callable

import yaml

ROOT = Path(__file__).resolve().parent.parent
MODULES_DIR = Path("plugins") / "modules"
FRAGMENTS_DIR = Path("plugins") / "doc_fragments"
RUNTIME = Path("meta") / "runtime.yml"
README = Path("README.md")
SHARED_FRAGMENT = "connection"
COLLECTION = "ansible_collections.converge.platforms"
PKG = COLLECTION + ".plugins.module_utils."


def _use_this_checkout() -> None:
    """Make `ansible_collections.converge.platforms` this checkout rather than an installed copy of it."""
    try:
        found = importlib.util.find_spec(COLLECTION)
    except ImportError:
        found = None
    locations = list(found.submodule_search_locations or []) if found else []
    if locations and Path(locations[0]).resolve() == ROOT:
        return
    if COLLECTION + ".plugins" in sys.modules:
        raise SystemExit("%s is already imported from %s, not from %s" % (COLLECTION, locations[0], ROOT))
    holder = tempfile.TemporaryDirectory(prefix="converge-collections-")
    atexit.register(holder.cleanup)
    link = Path(holder.name) / "ansible_collections" / "converge" / "platforms"
    link.parent.mkdir(parents=True)
    link.symlink_to(ROOT, target_is_directory=True)
    sys.path.insert(0, holder.name)
    importlib.invalidate_caches()


_use_this_checkout()

PLATFORM_DESCRIPTORS = importlib.import_module(PKG + "platforms")


def platform_titles() -> dict[str, str]:
    """platform name -> its README name, for every platform now known, in the descriptors' order."""
    return {d.name: d.title for d in PLATFORM_DESCRIPTORS.descriptors()}


#: the info modules' texts: no spec, options from their INFO_FIELDS; `manages` is their README text;
#: which platform has each is its descriptor's `info_modules`
INFO_MODULES = {
    "zstack_info": {
        "fields": "zstack_info:INFO_FIELDS",
        "short": "Read ZStack management nodes, version, time, capacity, license, tags, jobs",
        "description": ["Reads what the ZStack global API exposes; never changes anything.",
                        "Independent reads run concurrently; query subsets read every page."],
        "manages": "management nodes, version, time, readiness, capacity, task progress, license, tags, "
                   "notifications, GC and long jobs"},
    "vsd_snapshot_info": {
        "fields": "vsd_info:INFO_FIELDS",
        "short": "Read the snapshots of a VSD VM, its snapshot tree and its head",
        "description": ["Reads the snapshots of one VSD virtual machine; never changes anything.",
                        "The snapshot list is read page by page, every page."],
        "manages": "snapshots of a VM (name filter, every page), one snapshot, the tree, the head"},
    "osgview_vm_group_info": {
        "fields": "osgview_info:INFO_FIELDS",
        "short": "Read the VMs and the console of an OSG view lab VM group",
        "description": ["Reports each VM's readiness (C(gperpare)) and start status (C(gstart)), and the group's "
                        "connection details (C(gconnent)) once every VM is active; never changes anything."],
        "manages": "readiness and start status of each VM, connection details (`vnc`, `rdp`, `url`)"},
    "migration_info": {
        "fields": "migration_info:INFO_FIELDS",
        "short": "Read the migration platform's clouds, servers, hosts, tasks and license",
        "description": ["Reads what the migration platform lists, and the details of one task, cloud connection "
                        "or source host; never changes anything.",
                        "The task list is read page by page, every page."],
        "manages": "clouds and their catalogues, servers, hosts, tasks with details, history and snapshots, license"},
    "opendcp_info": {
        "fields": "opendcp_info:INFO_FIELDS",
        "short": "Read OpenDCP clusters, services, pools, nodes, templates, actions and flows",
        "description": ["Reads what OpenDCP lists, every page, and a pool's nodes, the pools of IPs, or one flow "
                        "with its nodes and log; never changes anything."],
        "manages": "clusters, services, pools, nodes, flows with detail and logs, templates, steps, actions"},
}

#: modules with neither a spec nor info fields (their DOCUMENTATION is written by hand), in no action group
OTHER_MODULES = {
    "reconcile": {"platform": "all", "manages": "the reconciler from a playbook (below)"},
}

#: what the README's module table says a spec's module manages; a spec missing here shows its description
MANAGES = {
    "zstack_system_tag": "system tags on any resource; `replaces:` changes an existing tag in place",
    "zstack_user_tag": "user tags on any resource; `replaces:` changes an existing tag (deleted and created again)",
    "zstack_license": "the management node's license (base64 text or a file); `state: reloaded`",
    "zstack_gc_job": "`state: triggered` runs a GC job, `present` leaves it as it is (what import writes), "
                     "`absent` deletes it",
    "zstack_long_job": "`submitted` (with `wait`), `cancelled`, `absent`",
    "zstack_notification": "read/unread status, `absent`",
    "vsd_snapshot": "VM snapshots: `present` (description through modify), `absent`, `current` (roll the VM back "
                    "unless it already runs from it; `force` to roll back anyway), `memory` snapshots with `wait`",
    "vsd_volume_snapshot_rollback": "the batch volume rollback, per-volume success and failure (acts on every run)",
    "osgview_vm_group": "clone a course-lab VM group from a template and wait until every VM is active; idempotent "
                        "through `gnuuid` + `server_ids` of an earlier run, or a `record_file` keyed by `gtuuid` + "
                        "`marker`",
    "migration_cloud_connection": "target clouds (`CloudPass` and keys are `no_log`)",
    "migration_transport_server": "Transport servers; `state: refreshed` re-reads their facts",
    "migration_source_host": "Packer source hosts; `state: refreshed` re-reads their facts",
    "migration_vsphere_platform": "vSphere platforms; `state: refreshed` re-reads their facts",
    "migration_task": "migration tasks: `present`, `running`, `completed` (final sync and cloud server, with "
                      "`wait`), `absent`; changes the platform refuses now (near the start time, after recovery "
                      "began) fail naming the option",
    "migration_license": "the license (activation key `no_log`)",
    "migration_password": "the account password",
    "opendcp_cluster": "clusters",
    "opendcp_service": "services (by cluster name)",
    "opendcp_pool": "pools (by service name); a pool's `size` is reached through expand and shrink flows, "
                    "with `wait`",
    "opendcp_pool_nodes": "node membership of a pool by IP",
    "opendcp_task_template": "task templates",
    "opendcp_remote_step": "remote steps",
    "opendcp_action": "remote actions (declared parameters)",
    "opendcp_actimpl": "the implementations of remote actions (Ansible task templates, checked against the "
                       "parameters)",
    "opendcp_flow": "flows (tasks): `started`, `paused`, `stopped`, with `wait`",
}


def platform_specs(descriptor) -> list:
    """A platform's specs in their `SPECS` order, each naming that platform."""
    found = list(descriptor.specs())
    for spec in found:
        if spec.platform != descriptor.name:
            raise SystemExit("spec %s of platform %s names the platform %r"
                             % (spec.kind, descriptor.name, spec.platform))
    return found


def modules() -> dict[str, dict]:
    """module name -> where its options come from and its platform's doc fragment, platform by platform:
    the platform's spec kinds in `SPECS` order, then its info modules."""
    result: dict[str, dict] = {}
    for descriptor in PLATFORM_DESCRIPTORS.descriptors():
        entries = [(s.kind, {"spec": s, "fragment": descriptor.name}) for s in platform_specs(descriptor)]
        for name in descriptor.info_modules:
            if name not in INFO_MODULES:
                raise SystemExit("info module %s of platform %s has no texts in INFO_MODULES" % (name, descriptor.name))
            entries.append((name, dict(INFO_MODULES[name], fragment=descriptor.name)))
        for name, entry in entries:
            if name in result or name in OTHER_MODULES:
                raise SystemExit("module %s is registered twice" % name)
            result[name] = entry
    return result


#: module name -> {"spec": spec} or {"fields": ref, "short": ..., "description": [...]}, with "fragment", when this
#: tool was imported (render() reads modules(), which sees a registered platform)
MODULES = modules()

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


def as_yaml(data) -> str:
    """YAML as the generated docs write it: keys in their order, block style, lines of about 110 characters."""
    return yaml.safe_dump(data, sort_keys=False, default_flow_style=False, width=110)


def _load(ref: str):
    module_name, attr = ref.split(":")
    return getattr(importlib.import_module(PKG + module_name), attr)


#: what DOCUMENTATION repeats of a field's argument_spec entry, in this order
DOC_KEYS = ("required", "default", "choices", "elements", "aliases")


def _field_doc(field) -> dict:
    """A field as an option of DOCUMENTATION: its description and type, what its argument_spec declares of
    DOC_KEYS, and its nested `options` as `suboptions`."""
    declared = field.argument_spec()
    doc: dict = {"description": [field.description] if isinstance(field.description, str) else field.description,
                 "type": field.type}
    doc.update((key, declared[key]) for key in DOC_KEYS if key in declared)
    if field.options:
        doc["suboptions"] = {name: _field_doc(sub) for name, sub in field.options.items()}
    return doc


def options_of(entry: dict) -> tuple[dict, object | None]:
    if "spec" in entry:
        spec = entry["spec"]
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


#: 0.1.0 held the ZStack modules alone; the other platforms' modules came with 0.2.0
FIRST_RELEASE_PREFIX = "zstack_"


def version_added(module: str) -> str:
    """The release that brought the module: 0.1.0 for ZStack's, 0.2.0 for the other platforms'."""
    return "0.1.0" if module.startswith(FIRST_RELEASE_PREFIX) else "0.2.0"



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
        "version_added": version_added(name),
        "description": description,
        "author": ["converge contributors (@converge)"],
        "options": options,
        "extends_documentation_fragment": [f"converge.platforms.{SHARED_FRAGMENT}",
                                           f"converge.platforms.{entry['fragment']}", "converge.platforms.attributes"],
        "attributes": {
            "check_mode": {"support": "full"},
            "diff_mode": {"support": "full" if spec is not None else "none"},
        },
    }
    return as_yaml(doc)


DOC_RE = re.compile(r'DOCUMENTATION = r"""\n.*?"""', re.S)


def module_files(root: Path = ROOT) -> set[str]:
    return {p.stem for p in (root / MODULES_DIR).glob("*.py") if p.stem != "__init__"}


def unregistered(root: Path = ROOT, found: dict | None = None) -> list[str]:
    """Problems no rendering can fix: module files that nothing registers, info modules with no file,
    README texts for modules that do not exist, info module texts no platform claims, connection options
    the fragments cannot document."""
    found = modules() if found is None else found
    known = set(found) | set(OTHER_MODULES)
    files = module_files(root)
    problems = ["plugins/modules/%s.py is neither a spec's kind, an info module nor in OTHER_MODULES" % name
                for name in sorted(files - known)]
    problems += ["%s has no module file plugins/modules/%s.py" % (name, name) for name in sorted(known - files)
                 if "spec" not in found.get(name, {})]
    problems += ["MANAGES names %s, which is no spec's kind" % name
                 for name in sorted(set(MANAGES) - {n for n, e in found.items() if "spec" in e})]
    problems += ["INFO_MODULES names %s, which no platform descriptor lists in its info_modules" % name
                 for name in sorted(set(INFO_MODULES) - set(found))]
    return problems + connection_problems()


# --- connection doc fragments ------------------------------------------------------------------------------
FRAGMENT_FILE = '''# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Written by tools/render_module_docs.py from plugins/module_utils/platforms.py; do not edit by hand.

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    """%s"""

    DOCUMENTATION = r"""
%s"""
'''


def _env_variable(entry: dict) -> str | None:
    """The environment variable a connection option falls back to, if any."""
    fallback = entry.get("fallback")
    return fallback[1][0] if fallback else None


def _option_doc(description: list[str], entry: dict) -> dict:
    """A connection option's documentation: its text, then its type, requirement and default from the spec."""
    doc: dict = {"description": description, "type": entry["type"]}
    if entry.get("required"):
        doc["required"] = True
    if entry.get("default") is not None:
        doc["default"] = entry["default"]
    return doc


def _is_shared(name: str) -> bool:
    return name in PLATFORM_DESCRIPTORS.SHARED_OPTION_DOCS


def own_options(descriptor) -> dict[str, dict]:
    """The documentation of a platform's own connection options (not shared by every platform), in spec order."""
    options = {}
    for name, entry in descriptor.connection_argument_spec().items():
        if _is_shared(name):
            continue
        description = list(descriptor.option_docs.get(name) or [])
        if name == "url":
            description.append(PLATFORM_DESCRIPTORS.URL_NOTE)
        if _env_variable(entry):
            description.append("If not set, the environment variable E(%s) is used." % _env_variable(entry))
        options[name] = _option_doc(description, entry)
    return options


def shared_options() -> dict[str, dict]:
    """The documentation of the connection options every platform has: each names every platform's variable."""
    specs = [(d, d.connection_argument_spec()) for d in PLATFORM_DESCRIPTORS.descriptors()]
    options = {}
    for name, text in PLATFORM_DESCRIPTORS.SHARED_OPTION_DOCS.items():
        description = list(text)
        variables = ["E(%s) (%s)" % (_env_variable(spec[name]), d.title) for d, spec in specs
                     if _env_variable(spec[name])]
        if variables:
            description.append("If not set, the environment variable of the module's platform is used: "
                               + ", ".join(variables) + ".")
        options[name] = _option_doc(description, specs[0][1][name])
    return options


def connection_problems() -> list[str]:
    """Connection options the fragments cannot document: a shared option missing or typed otherwise on a
    platform, an own option with no text in the descriptor, a text for an option the platform lacks."""
    known = PLATFORM_DESCRIPTORS.descriptors()
    first = known[0].connection_argument_spec()
    problems = []
    for descriptor in known:
        spec = descriptor.connection_argument_spec()
        problems += ["%s: the shared connection option %s is missing or differs from %s's" % (
            descriptor.name, name, known[0].name) for name in PLATFORM_DESCRIPTORS.SHARED_OPTION_DOCS
            if name not in spec or _option_doc([], spec[name]) != _option_doc([], first[name])]
        own = [name for name in spec if not _is_shared(name)]
        problems += ["%s: connection option %s has no text in its descriptor's option_docs" % (descriptor.name, name)
                     for name in own if not descriptor.option_docs.get(name)]
        problems += ["%s: option_docs names %s, which is no connection option of its own" % (descriptor.name, name)
                     for name in descriptor.option_docs if name not in own]
    return problems


def _fragment(summary: str, documentation: dict) -> str:
    return FRAGMENT_FILE % (summary, as_yaml(documentation))


def fragments() -> dict[str, str]:
    """doc fragment name -> the text of its file: the shared one, then each platform's."""
    texts = {SHARED_FRAGMENT: _fragment(
        "Connection options every platform's modules share; each platform's own are in its fragment.",
        {"options": shared_options(), "requirements": ["requests"]})}
    for descriptor in PLATFORM_DESCRIPTORS.descriptors():
        note = " (%s)" % descriptor.summary if descriptor.summary else ""
        summary = "Connection options of the %s modules%s, beside the shared ones of %s.py." % (
            descriptor.title, note, SHARED_FRAGMENT)
        texts[descriptor.name] = _fragment(summary, {"options": own_options(descriptor)})
    return texts


# --- meta/runtime.yml and README.md -------------------------------------------------------------------------
def action_groups(found: dict | None = None) -> dict[str, list]:
    """meta/runtime.yml's action groups: each platform's modules, and `all` extending every platform's group."""
    found = modules() if found is None else found
    groups: dict[str, list] = {platform: [] for platform in platform_titles()}
    for name, entry in found.items():
        groups[entry["fragment"]].append(name)
    groups["all"] = [{"metadata": {"extend_group": list(platform_titles())}}]
    return groups


GROUPS_RE = re.compile(r"^action_groups:[^\n]*\n(?:(?:[ \t]*\n)*[ \t]+[^\n]*\n)*", re.M)


def render_runtime(text: str, found: dict | None = None) -> str:
    """runtime.yml with its `action_groups` block written from the specs; everything else kept."""
    lines = ["action_groups:  # written by tools/render_module_docs.py from the specs; do not edit by hand"]
    for group, members in action_groups(found).items():
        lines.append(f"  {group}:")
        if group == "all":
            extended = members[0]["metadata"]["extend_group"]
            lines += ["    - metadata:", "        extend_group:"] + [f"          - {p}" for p in extended]
        else:
            lines += [f"    - {name}" for name in members]
    block = "\n".join(lines) + "\n"
    if text and not text.endswith("\n"):
        text += "\n"
    if GROUPS_RE.search(text):
        return GROUPS_RE.sub(lambda _m: block, text, count=1)
    return text + block


README_START, README_END = "<!-- modules:start -->", "<!-- modules:end -->"


def table_rows(found: dict | None = None) -> list[tuple[str, str, str]]:
    """(platform, module, what it manages) for every module, in action-group order, reconcile last."""
    found = modules() if found is None else found
    titles = platform_titles()
    rows = []
    for name, entry in found.items():
        if "spec" in entry:
            text = MANAGES.get(name) or entry["spec"].description.rstrip(".")
        else:
            text = entry["manages"]
        rows.append((titles[entry["fragment"]], name, text))
    rows += [(entry["platform"], name, entry["manages"]) for name, entry in OTHER_MODULES.items()]
    return rows


def readme_table(found: dict | None = None) -> str:
    lines = ["| platform | module | what it manages |", "|---|---|---|"]
    lines += ["| %s | `%s` | %s |" % (platform, name, text.replace("|", "\\|"))
              for platform, name, text in table_rows(found)]
    return "\n".join(lines) + "\n"


def render_readme(text: str, found: dict | None = None) -> str:
    """README.md with the lines between the module-table markers written from the specs."""
    start, end = text.find(README_START + "\n"), text.find(README_END)
    if start < 0 or end < start:
        raise SystemExit(f"README.md has no {README_START} ... {README_END} lines around the module table")
    start += len(README_START) + 1
    return text[:start] + readme_table(found) + text[end:]


# --- a new kind's module file ----------------------------------------------------------------------------------
MODULE_FILE = '''#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# DOCUMENTATION is written from the resource spec by tools/render_module_docs.py.

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
"""

EXAMPLES = r"""
%(examples)s"""

RETURN = r"""
%(returns)s"""

from %(module_utils)smodule import ConnectionSpec, run_spec_module
from %(client)s import CONNECTION_ARGUMENT_SPEC, client_from_params
from %(resources)s import %(spec_class)s


def main():
    run_spec_module(%(spec_class)s(), ConnectionSpec("%(platform)s", CONNECTION_ARGUMENT_SPEC, client_from_params))


if __name__ == "__main__":
    main()
'''

#: what a new module's example gives a required option of each type, to be replaced by a real value
EXAMPLE_VALUES = {"str": "example", "int": 1, "float": 1.0, "bool": True, "list": [], "dict": {},
                  "path": "/tmp/example"}


def new_module_file(name: str, spec) -> str:
    """The first text of a spec kind's module file: DOCUMENTATION to be rendered, an example with its
    required options, and RETURN's action and object; the tool never writes it again but its DOCUMENTATION."""
    descriptor = PLATFORM_DESCRIPTORS.descriptor(spec.platform)
    spec_class = type(spec).__name__
    resources = descriptor.resources
    if not hasattr(importlib.import_module(resources), spec_class):
        resources = type(spec).__module__
    example = {field: EXAMPLE_VALUES.get(declared.type, "example") for field, declared in spec.fields.items()
               if declared.required}
    returns = {"action": {"description": "C(noop), C(create), C(update), C(replace) or C(delete).",
                          "returned": "always", "type": "str"},
               spec.result_key: {"description": "The object after the run (predicted in check mode); null once "
                                                "deleted.", "returned": "always", "type": "dict"}}
    return MODULE_FILE % {
        "examples": as_yaml([{"name": spec.description.rstrip("."), "converge.platforms." + name: example}]),
        "returns": as_yaml(returns), "module_utils": PKG, "client": descriptor.client, "resources": resources,
        "spec_class": spec_class, "platform": spec.platform}


# --- writing -------------------------------------------------------------------------------------------------
def module_doc_rewriter(name: str, entry: dict):
    """A module file's text with its DOCUMENTATION block written from its spec or info fields; a spec kind
    with no file yet (an empty text) starts from `new_module_file`."""
    block = 'DOCUMENTATION = r"""\n' + documentation(name, entry) + '"""'

    def rewrite(text: str) -> str:
        if not text and "spec" in entry:
            text = new_module_file(name, entry["spec"])
        return DOC_RE.sub(lambda _m: block, text, count=1)
    return rewrite


def generated(found: dict) -> list[tuple[Path, Callable[[str], str], str]]:
    """(path under the root, the text it should have given the text it has, what to call it) for every
    generated text."""
    targets = [(MODULES_DIR / f"{name}.py", module_doc_rewriter(name, entry), "DOCUMENTATION of " + name)
               for name, entry in found.items()]
    targets += [(FRAGMENTS_DIR / f"{name}.py", lambda _old, text=text: text, "doc fragment " + name)
                for name, text in fragments().items()]
    targets.append((RUNTIME, lambda text: render_runtime(text, found), "meta/runtime.yml action_groups"))
    targets.append((README, lambda text: render_readme(text, found), "README.md module table"))
    return targets


def render(check: bool, root: Path = ROOT) -> int:
    """Write (or with check, compare) every generated text under `root`; 0 when all is up to date or written."""
    found = modules()
    problems = unregistered(root, found)
    stale = []
    for relative, rewrite, what in generated(found):
        path = root / relative
        if relative.parent == MODULES_DIR and not path.exists() and "spec" not in found[relative.stem]:
            continue  # an info module's file is written by hand; unregistered() reports it
        text = path.read_text(encoding="utf-8") if path.exists() else ""
        new = rewrite(text)
        if new != text:
            stale.append(what)
            if not check:
                path.write_text(new, encoding="utf-8")
    for problem in problems:
        print("not registered: " + problem)
    if stale:
        print(("out of date (run python tools/render_module_docs.py): " if check else "wrote: ") + ", ".join(stale))
    return 1 if problems or (check and stale) else 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 naming what is out of date")
    sys.exit(render(parser.parse_args().check))
