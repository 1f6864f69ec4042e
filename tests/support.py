"""Helpers for the tests: a source checkout visible as the collection, and ansible-playbook runs."""

from __future__ import annotations

import atexit
import fcntl
import glob
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
#: `settings` of a test's desired state that writes an emulator's well-known password inline, which the reconciler
#: refuses unless the files opt in
INLINE_SECRETS = {"inline_secrets": True}
#: the same as a line of YAML, for desired states written as text
INLINE_SECRETS_YAML = "settings: {inline_secrets: true}\n"
_COLLECTIONS_DIR = Path(tempfile.mkdtemp(prefix="converge-collections-"))
# the process that made it removes it when it exits (each pytest-xdist worker has its own)
atexit.register(shutil.rmtree, _COLLECTIONS_DIR, ignore_errors=True)


def collections_dir() -> Path:
    """A directory holding ansible_collections/converge/platforms -> this checkout."""
    link = _COLLECTIONS_DIR / "ansible_collections" / "converge" / "platforms"
    if not link.exists():
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(ROOT, target_is_directory=True)
    return _COLLECTIONS_DIR


def ansible_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """Environment for ansible-* subprocesses: this checkout's collection, no host keys, no retry files."""
    env = dict(os.environ)
    env.update({
        "ANSIBLE_COLLECTIONS_PATH": str(collections_dir()),
        "ANSIBLE_COLLECTIONS_SCAN_SYS_PATH": "false",
        "ANSIBLE_HOST_KEY_CHECKING": "false",
        "ANSIBLE_RETRY_FILES_ENABLED": "false",
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_LOCALHOST_WARNING": "false",
        "ANSIBLE_INVENTORY_UNPARSED_WARNING": "false",
        "ANSIBLE_PYTHON_INTERPRETER": sys.executable,
        "PYTHONPATH": str(collections_dir()) + os.pathsep + str(ROOT),
        "PATH": str(BIN) + os.pathsep + env.get("PATH", ""),
    })
    env.update(extra or {})
    return env


def venv_env(venv: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    """ansible_env() for a virtual environment of tests.support.cached_venv: its ansible-* and Python, the checkout
    as the collection only."""
    env = ansible_env(extra)
    env.update({
        "PATH": str(venv / "bin") + os.pathsep + os.environ.get("PATH", ""),
        "ANSIBLE_PYTHON_INTERPRETER": str(venv / "bin" / "python"),
        "PYTHONPATH": str(collections_dir()),
        "VIRTUAL_ENV": str(venv),
    })
    env.update(extra or {})
    return env


def find_python(version: str) -> str | None:
    """A working python<version> ("3.12"): this one, one on PATH or one of pyenv's (a pyenv shim of another
    version does not run)."""
    if version == "%d.%d" % sys.version_info[:2]:
        return sys.executable
    pyenv = os.environ.get("PYENV_ROOT") or str(Path.home() / ".pyenv")
    candidates = [shutil.which("python" + version)] + sorted(glob.glob(os.path.join(pyenv, "versions", version + ".*",
                                                                                    "bin", "python" + version)))
    for candidate in filter(None, candidates):
        proc = subprocess.run([candidate, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                              capture_output=True, text=True, timeout=60, check=False)
        if proc.returncode == 0 and proc.stdout.strip() == version:
            return candidate
    return None


#: the first line of a record of Python's `warnings` module: "path:line: SomeWarning: message"
_PYTHON_WARNING = re.compile(r"^(?P<path>\S.*?):\d+: (?P<category>[A-Za-z_][\w.]*(Warning|Error)): ")


def own_lines(output: str, *own_packages: str) -> list[str]:
    """A tool's own lines of output: the non-blank lines, without the records of Python's `warnings` module
    (the "path:line: Category: message" line and the indented source line under it) that a package other than
    `own_packages` printed, as a dependency does on import (cryptography's deprecations through ansible-core).
    """
    kept: list[str] = []
    skipping = False
    for line in output.splitlines():
        if skipping and line.startswith((" ", "\t")):
            continue
        record = _PYTHON_WARNING.match(line)
        skipping = bool(record) and not any(f"/{package}/" in record["path"] for package in own_packages)
        if not skipping and line.strip():
            kept.append(line)
    return kept


def cached_venv(name: str) -> Path:
    """The locked environment `name` of tools.lock.LOCKS, under $XDG_CACHE_HOME (or ~/.cache)/converge-venvs.

    Made on first use with its lock file (constraints/<name>.txt) and reused while the lock and the
    requirements stay the same: a marker written after a complete install names them, so an install cut
    short or a refreshed lock makes it again. Under `.ci/newest` (tools.lock.newest()) it is made apart, with
    no lock, and again each day. Skips the test when this machine has no Python of the environment's version.
    A lock keeps parallel workers apart.
    """
    from tools.lock import LOCKS, install_arguments, lock_file, newest

    wanted = LOCKS[name]
    python = find_python(wanted.python)
    if python is None:
        import pytest

        pytest.skip(f"the environment {name} is made with Python {wanted.python}, which this machine does not have")
    if python == sys.executable:  # a venv's own Python would make a venv of the venv
        python = getattr(sys, "_base_executable", sys.executable)
    arguments = install_arguments(name)
    pins = "newest %s" % time.strftime("%Y-%m-%d") if newest() else lock_file(name).read_text(encoding="utf-8")
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    root = Path(base) / "converge-venvs"
    root.mkdir(parents=True, exist_ok=True)
    venv = root / (name + ("-newest" if newest() else ""))
    marker = venv / "converge-requirements.sha256"
    stamp = hashlib.sha256(json.dumps([python, arguments, pins]).encode()).hexdigest()
    with open(root / (venv.name + ".lock"), "w", encoding="utf-8") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if marker.exists() and marker.read_text(encoding="utf-8") == stamp:
            return venv
        shutil.rmtree(venv, ignore_errors=True)
        subprocess.run([python, "-m", "venv", str(venv)], check=True, capture_output=True, timeout=300)
        install = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--disable-pip-version-check",
                                  "--quiet"] + arguments, capture_output=True, text=True, timeout=900, check=False)
        assert install.returncode == 0, install.stdout + install.stderr
        marker.write_text(stamp, encoding="utf-8")
    return venv


@dataclass
class PlaybookRun:
    """What one ansible-playbook run produced: exit code, output and each task's registered result."""

    rc: int
    stdout: str
    stderr: str
    results: list[dict[str, Any]] = field(default_factory=list)

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def run_playbook(tasks: list[dict[str, Any]], *, check: bool = False, diff: bool = False, verbosity: int = 0,
                 env: dict[str, str] | None = None, workdir: Path | None = None, ignore_errors: bool = True,
                 module_defaults: dict[str, Any] | None = None) -> PlaybookRun:
    """Run tasks on localhost through ansible-playbook; each task's result is registered and returned.

    Failed tasks do not stop the play (ignore_errors) so the test can assert on their `msg`. The playbook is
    written to `workdir` (the test's tmp_path, say), else to a directory removed after the run.
    """
    if workdir is None:
        with tempfile.TemporaryDirectory(prefix="converge-play-") as scratch:
            return run_playbook(tasks, check=check, diff=diff, verbosity=verbosity, env=env, workdir=Path(scratch),
                                ignore_errors=ignore_errors, module_defaults=module_defaults)
    out_file = workdir / "results.json"
    play_tasks = []
    names = []
    for index, task in enumerate(tasks):
        task = dict(task)
        task.setdefault("name", f"task {index}")
        task["register"] = f"result_{index}"
        if ignore_errors:
            task["ignore_errors"] = True
        play_tasks.append(task)
        names.append(f"result_{index}")
    collect = "{{ [" + ", ".join(names) + "] | to_json }}"
    play_tasks.append({"name": "collect results", "ansible.builtin.copy": {"content": collect, "dest": str(out_file)},
                       "check_mode": False, "diff": False, "delegate_to": "localhost"})
    play = {"hosts": "localhost", "gather_facts": False, "connection": "local", "tasks": play_tasks}
    if module_defaults:
        play["module_defaults"] = module_defaults
    playbook = workdir / "play.yml"
    playbook.write_text(yaml.safe_dump([play], sort_keys=False), encoding="utf-8")
    cmd = [str(BIN / "ansible-playbook"), "-i", "localhost,", str(playbook)]
    if check:
        cmd.append("--check")
    if diff:
        cmd.append("--diff")
    if verbosity:
        cmd.append("-" + "v" * verbosity)
    proc = subprocess.run(cmd, capture_output=True, text=True, env=ansible_env(env), cwd=str(workdir), timeout=600)
    results = json.loads(out_file.read_text(encoding="utf-8")) if out_file.exists() else []
    return PlaybookRun(proc.returncode, proc.stdout, proc.stderr, results)


def run_cli(args: list[str], *, env: dict[str, str] | None = None, cwd: Path | None = None,
            timeout: int = 300) -> subprocess.CompletedProcess:
    """Run a console script of this project (reconciler, converge-emulator) as a subprocess."""
    return subprocess.run([str(BIN / args[0])] + args[1:], capture_output=True, text=True, env=ansible_env(env),
                          cwd=str(cwd) if cwd else None, timeout=timeout)


def build_artifact(output: Path, env: dict[str, str] | None = None, ansible_galaxy: Path | None = None) -> Path:
    """The Galaxy artifact of this checkout, built by `ansible-galaxy collection build` into `output`."""
    galaxy = ansible_galaxy or BIN / "ansible-galaxy"
    proc = subprocess.run([str(galaxy), "collection", "build", "--output-path", str(output), str(ROOT)],
                          env=env if env is not None else ansible_env({"HOME": str(output)}), capture_output=True,
                          text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (artifact,) = output.glob("converge-platforms-*.tar.gz")
    return artifact


AUTH_PATH = re.compile(r"(?i)(/login|/logout|/reauth|/accounts/sessions/)")
READ_ACTION = re.compile(r"^(List|Get|Verify|Check|Display)")
#: OpenDCP reads by POST too: its lists, searches, logs and objects by id
READ_PATH = re.compile(r"/(list\w*|search_by_ip/[^/]*|log|detail)$|^/\w+/\d+$")


def writes(requests: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The requests of an emulator log that could change state (logging in and out aside).

    Action-RPC platforms send reads by POST too: their log entries name the `action`; OpenDCP's reads are POSTs
    to the paths READ_PATH matches.
    """
    return [r for r in requests if r["method"] not in ("GET", "HEAD", "OPTIONS") and not AUTH_PATH.search(r["path"])
            and not READ_ACTION.match(r.get("action") or "") and not READ_PATH.search(r["path"])]


class SteppedClock:
    """A clock for the retry policy and the waiter whose `sleep` steps time instead of waiting."""

    def __init__(self, start: float = 1000.0):
        self.now = start
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += max(0.0, seconds)

    @classmethod
    def instead_of_the_system_clock(cls, monkeypatch: Any) -> "SteppedClock":
        """A stepped clock put in place of the retry policy's system clock for the test (`monkeypatch`)."""
        from ansible_collections.converge.platforms.plugins.module_utils.retry import SYSTEM_CLOCK

        stepped = cls()
        monkeypatch.setattr(SYSTEM_CLOCK, "monotonic", stepped.monotonic)
        monkeypatch.setattr(SYSTEM_CLOCK, "sleep", stepped.sleep)
        return stepped


class FakeHttp:
    """Stands in for HttpSession in client tests: records each request and answers it with `answer`.

    A request's parts are method, path, params, json, headers and operation (what the call means: read,
    write, keyed-write or session). `calls` gets one tuple per request of the parts named by `record`, and
    `close_record` when the client closes the session; `answer` is called with the parts named by
    `answer_with`, in that order, and returns the response. `requests` keeps every part of every request.
    `methods`, when given, are the only HTTP methods the client may send.
    """

    PARTS = ("method", "path", "params", "json", "headers", "operation")

    def __init__(self, answer, *, record=("method", "path", "params", "json"),
                 answer_with=("method", "path", "params", "json"), close_record=("close",), redact=None,
                 base_url="http://127.0.0.1:1", methods=None):
        unknown = (set(record) | set(answer_with)) - set(self.PARTS)
        if unknown:
            raise ValueError("unknown request parts: %s" % ", ".join(sorted(unknown)))
        self.answer = answer
        self.record = tuple(record)
        self.answer_with = tuple(answer_with)
        self.close_record = tuple(close_record)
        self.methods = tuple(methods) if methods else None
        self.redact = redact or (lambda text: text)
        self.base_url = base_url
        self.calls: list[tuple] = []
        self.requests: list[dict[str, Any]] = []

    def request(self, method, path, params=None, json=None, data=None, headers=None, timeout=None,
                operation=None):
        """HttpSession.request's signature: a client passing anything else fails here as it would there."""
        from ansible_collections.converge.platforms.plugins.module_utils.http import OPERATIONS

        if operation is not None and operation not in OPERATIONS:
            raise ValueError("unknown operation %r" % operation)
        if self.methods is not None:
            assert method in self.methods, "%s %s: this client sends only %s" % (method, path, "/".join(self.methods))
        parts = {"method": method, "path": path, "params": dict(params or {}), "json": json,
                 "headers": dict(headers or {}), "operation": operation}
        self.requests.append(parts)
        self.calls.append(tuple(parts[name] for name in self.record))
        return self.answer(*(parts[name] for name in self.answer_with))

    def close(self):
        self.calls.append(self.close_record)


class FakeResponse:
    """A `requests.Response` stand-in: a JSON body (or text, which `json()` refuses) and a status."""

    def __init__(self, body: Any, status: int = 200):
        self._body = body
        self.status_code = status
        self.reason = "OK" if status < 400 else "Error"
        self.headers: dict[str, str] = {}
        self.text = body if isinstance(body, str) else json.dumps(body)
        self.content = self.text.encode()

    def json(self) -> Any:
        if isinstance(self._body, str):
            raise ValueError("not JSON")
        return self._body


def check_doc_fragment(fragment: str, argument_spec: dict[str, Any]) -> None:
    """A platform's connection doc fragment documents exactly its connection options: types, defaults, env."""
    documented = yaml.safe_load(fragment)["options"]
    assert set(documented) == set(argument_spec)
    for name, entry in argument_spec.items():
        doc = documented[name]
        assert doc["type"] == entry["type"]
        assert doc.get("default") == entry.get("default") and doc.get("required", False) == entry.get("required", False)
        if "fallback" in entry:
            assert "E(%s)" % entry["fallback"][1][0] in " ".join(doc["description"])


def platform_tags(tags: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """The ZStack emulator's tags without the reconciler's ownership records (`converge::owner::...`)."""
    from ansible_collections.converge.platforms.plugins.module_utils.resources.zstack_ownership import RECORD_PREFIX

    return [tag for tag in tags.values() if not tag["tag"].startswith(RECORD_PREFIX)]


def emulator_fixture(platform: str, doc: str, **options: Any):
    """A pytest fixture, to assign to the fixture's name: a fresh emulator of `platform` started with `options`
    for one test (`doc` says which), stopped after it."""
    import pytest

    def running():
        import emulators

        handle = emulators.start(platform, port=0, **options)
        yield handle
        handle.stop()

    running.__doc__ = doc
    return pytest.fixture(running)


def client_fixture(make, emulator: str = "zstack"):
    """A pytest fixture, to assign to the fixture's name: the client `make(handle)` builds for the test's
    `emulator` fixture, closed after the test."""
    import pytest

    def client(request):
        made = make(request.getfixturevalue(emulator))
        yield made
        made.close()

    return pytest.fixture(client)


#: the steps of the OpenDCP expand template `grow` that build_opendcp_pool makes
GROW_STEPS = [{"name": "create_vm", "param_values": {"vm_type_id": 1}},
              {"name": "greet", "param_values": {"echo_word": "hi"}}]


def build_opendcp_pool(client, echo: dict[str, Any], service_desc: str = "", step_desc: str = "",
                       deploy_steps: list[dict[str, Any]] | None = None) -> int:
    """Through an OpenDCP client: the cluster `web`, its service `fe`, the action `echo` implemented by `echo`,
    the remote step `greet`, the templates `grow` (expand) and `cut` (shrink), `ship` (deploy) when
    `deploy_steps` are given, and the pool `fe-pool` naming them; the pool's id."""
    cluster = client.create_cluster("web", "web services", "1")
    service = client.create_service("fe", service_desc, "java", "registry.example.invalid/fe:1", cluster)
    action = client.create_action("echo", "print", {"echo_word": "string"})
    client.create_actimpl(action, "ansible", echo)
    client.create_remote_step("greet", step_desc, ["echo"])
    tasks = {"expand": client.create_template("grow", "", GROW_STEPS),
             "shrink": client.create_template("cut", "", [{"name": "return_vm"}])}
    if deploy_steps:
        tasks["deploy"] = client.create_template("ship", "", deploy_steps)
    return client.create_pool("fe-pool", "", 1, 1, service, tasks)
