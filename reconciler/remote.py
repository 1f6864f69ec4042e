"""Run an OpenDCP remote step through ansible-core, the way OpenDCP runs it, with per-node results.

A remote step names actions in order; each action declares typed parameters and has an
implementation whose template is an Ansible task in JSON with Jinja2 placeholders. The step's
templates are rendered with the given parameter values (sandboxed, every variable declared,
every value of its declared type: checked before anything runs), played in order on every host
of an inventory (5 forks, as OpenDCP), and each node is reported as success or failure and the
step as success, partial or error.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import yaml
from ansible_collections.converge.platforms.plugins.module_utils.spec import SpecError
from ansible_collections.converge.platforms.plugins.module_utils.templating import holds_template, render

from .desired import DesiredState, Entry
from .errors import DocumentError
from .platforms import kinds

DEFAULT_FORKS = 5
FAILED_STATUSES = ("failed", "unreachable")
CONVERTERS: dict[str, Callable[[str], Any]] = {
    "integer": int,
    "number": float,
    "boolean": lambda text: {"true": True, "false": False}[text.lower()],
    "list": json.loads,
    "map": json.loads,
}


@dataclass
class StepRun:
    """What running a step did: the tasks it played and each node's outcome."""

    step: str
    tasks: list[dict[str, Any]]
    nodes: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def status(self) -> str:
        """success (every node), partial (some), error (none, or no node at all)."""
        succeeded = [n for n in self.nodes.values() if n["status"] == "success"]
        if self.nodes and len(succeeded) == len(self.nodes):
            return "success"
        return "partial" if succeeded else "error"

    def as_dict(self) -> dict[str, Any]:
        return {"step": self.step, "status": self.status, "tasks": self.tasks, "nodes": self.nodes}


def _named(desired: DesiredState, kind: str, key: str = "name") -> dict[str, Entry]:
    """The entries of a kind by the value of `key` (those without one left out)."""
    return {entry.data[key]: entry for entry in desired.by_kind().get(kind, []) if entry.data.get(key) is not None}


def parse_params(pairs: list[str], declared: dict[str, str]) -> dict[str, Any]:
    """`name=value` pairs, each value converted to its parameter's declared type."""
    params = {}
    for pair in pairs:
        name, sep, text = pair.partition("=")
        if not sep or not name:
            raise SpecError("param", "%r is not NAME=VALUE" % pair)
        if name not in declared:
            raise SpecError("param", "%r is not a declared parameter (declared: %s)" % (
                name, ", ".join(sorted(declared)) or "none"))
        convert = CONVERTERS.get(declared[name])
        try:
            params[name] = convert(text) if convert else text
        except (ValueError, KeyError):
            raise SpecError("param", "%s must be of type %s, got %r" % (name, declared[name], text)) from None
    return params


def step_tasks(desired: DesiredState, step: str, pairs: list[str]) -> list[dict[str, Any]]:
    """The step's Ansible tasks, rendered; raises DocumentError or SpecError before anything runs."""
    steps = _named(desired, "opendcp_remote_step")
    if step not in steps:
        raise DocumentError([f"{', '.join(desired.files)}: no opendcp_remote_step named '{step}' in the desired state"])
    actions, impls = _named(desired, "opendcp_action"), _named(desired, "opendcp_actimpl", "action")
    entry = steps[step]
    declared: dict[str, str] = {}
    for name in entry.data.get("actions") or []:
        if name not in actions or name not in impls:
            missing = "opendcp_action" if name not in actions else "opendcp_actimpl"
            raise DocumentError([f"{entry.where}: step '{step}' runs action '{name}', which has no {missing} "
                                 "in the desired state"])
        declared.update(actions[name].data.get("params") or {})
    params = parse_params(pairs, declared)
    tasks = []
    for name in entry.data.get("actions") or []:
        own = actions[name].data.get("params") or {}
        values = {key: value for key, value in params.items() if key in own}
        rendered = render(impls[name].data["template"], values, own, action=name)
        tasks.append(_task(f"{step} / {name}", rendered, impls[name]))
    return tasks


def _task(title: str, rendered: dict[str, Any], impl: Entry) -> dict[str, Any]:
    """OpenDCP's `{"action": {"module": M, "args": A}}` as the Ansible task `{M: A}`."""
    action = rendered.get("action") or {}
    module = action.get("module")
    if not isinstance(module, str) or not module:
        raise DocumentError([f"{impl.where}: opendcp_actimpl.template: needs action.module"])
    task: dict[str, Any] = {"name": title, module: action.get("args", {})}
    task.update({k: v for k, v in action.items() if k not in ("module", "args")})
    return task


class Unsafe(str):
    """A string ansible-core must take as data, never as a template (written with YAML's `!unsafe` tag)."""


class _PlaybookDumper(yaml.SafeDumper):
    """Writes `Unsafe` strings as `!unsafe`, so what a step renders is never templated a second time."""


_PlaybookDumper.add_representer(Unsafe, lambda dumper, text: dumper.represent_scalar("!unsafe", str(text)))


def unsafe(value: Any) -> Any:
    """`value` with every string in it (not the mapping keys) made `Unsafe`."""
    if isinstance(value, dict):
        return {key: unsafe(item) for key, item in value.items()}
    if isinstance(value, list):
        return [unsafe(item) for item in value]
    return Unsafe(value) if isinstance(value, str) else value


def playbook_text(step: str, tasks: list[dict[str, Any]]) -> str:
    """The play of a step on every host (a limit is ansible-playbook's own --limit), every value of its tasks
    (names included: they hold names from the files) unsafe."""
    play = {"name": Unsafe(f"remote step {step}"), "hosts": "all", "gather_facts": False, "tasks": unsafe(tasks)}
    return yaml.dump([play], Dumper=_PlaybookDumper, sort_keys=False)


def check_limit(limit: str | None) -> None:
    """A --limit is a host pattern: one holding template syntax is refused, as ansible-core might template it."""
    if limit is not None and holds_template(limit):
        raise SpecError("--limit", "%r holds template syntax ({{, {%% or {#): name the nodes as a host pattern, such "
                                   "as 127.0.0.2:127.0.0.3 or web:!db" % limit)


def run_step(desired: DesiredState, step: str, pairs: list[str], inventory: str, limit: str | None = None,
             forks: int = DEFAULT_FORKS) -> StepRun:
    """Render the step and play it on the inventory's hosts; returns each node's outcome."""
    kinds()  # fail early, as for any command, if a platform cannot be loaded
    check_limit(limit)
    tasks = step_tasks(desired, step, pairs)
    run = StepRun(step, tasks)
    with tempfile.TemporaryDirectory(prefix="converge-step-") as tmp:
        playbook, results = Path(tmp) / "step.yml", Path(tmp) / "results.json"
        playbook.write_text(playbook_text(step, tasks), encoding="utf-8")
        env = dict(os.environ, CONVERGE_STEP_RESULTS=str(results),
                   ANSIBLE_CALLBACKS_ENABLED="converge.platforms.step_results", ANSIBLE_RETRY_FILES_ENABLED="false")
        command = [str(Path(sys.executable).parent / "ansible-playbook"), "-i", inventory, "-f", str(forks),
                   *([f"--limit={limit}"] if limit else []), str(playbook)]
        proc = subprocess.run(command, capture_output=True, text=True, env=env)
        if not results.exists():
            tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
            raise DocumentError([f"{inventory}: ansible-playbook did not run the step: " + " | ".join(tail)])
        hosts = json.loads(results.read_text(encoding="utf-8"))["hosts"]
    for host, entries in sorted(hosts.items()):
        failed = [e for e in entries if e["status"] in FAILED_STATUSES]
        run.nodes[host] = {"status": "failure" if failed else "success", "tasks": entries}
    return run
