"""`reconciler watch`, `reconciler suspend` and `reconciler resume`: continuous reconciliation (reconciler/watch).

Registered on the command group by reconciler/cli.py (`watch_commands()`), whose options and handling of
expected errors they share.
"""

from __future__ import annotations

import getpass
import hashlib
import os
import signal
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, Optional

import click
from click.core import ParameterSource

from .desired import load
from .errors import ReconcilerError
from .ownership import owner_of
from .recording import state_root
from .state import Backend, open_backend, state_url
from .watch.clock import WallClock
from .watch.config import read_config
from .watch.cycle import WatchOptions
from .watch.events import LatestRedaction
from .watch.loop import Watcher
from .watch.notify import notifier_of
from .watch.policy import Policy
from .watch.server import serving
from .watch.source import GitSource, LocalSource, Source
from .watch.suspensions import iso, key_of, parse_duration, target_of


class UsageProblem(ReconcilerError):
    """Options that do not go together, named."""


def cache_home() -> Path:
    """Where a watch keeps its clones: `$XDG_CACHE_HOME/converge/watch`, else `~/.cache/converge/watch`."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "converge" / "watch"


def make_source(path: Optional[str], repo: Optional[str], branch: str, subpath: str, cache: Optional[str]
                ) -> tuple[Source, Optional[Path]]:
    """The source the options name, and (for a git source) its cache directory."""
    if bool(path) == bool(repo):
        raise UsageProblem(["watch: give a directory (PATH) or a git repository (--repo URL --branch NAME), "
                            "one of the two"])
    if repo is None:
        return LocalSource(Path(str(path))), None
    digest = hashlib.sha256(f"{repo}\0{branch}".encode()).hexdigest()[:16]
    directory = Path(cache) if cache else cache_home() / digest
    return GitSource(repo, branch, subpath, directory), directory


def default_state(state: Optional[str], cache: Optional[Path]) -> Optional[str]:
    """The state URL of a watch: the option, else CONVERGE_STATE, else for a git source the cache's `state/`
    (a revision's own directory is unpacked again at every commit), else the desired state's default."""
    if state or os.environ.get("CONVERGE_STATE") or cache is None:
        return state
    return f"file://{cache / 'state'}"


def install_signals(watcher: Watcher) -> None:
    """SIGTERM and SIGINT stop the watch once the change in flight ends; SIGHUP reads the settings again and
    starts a cycle now."""
    for number, name in ((signal.SIGTERM, "SIGTERM"), (signal.SIGINT, "SIGINT")):
        signal.signal(number, lambda *_, name=name: watcher.request_stop(f"the watch received {name}"))
    signal.signal(signal.SIGHUP, lambda *_: watcher.request_reload())


WATCH_OPTIONS = [
    click.argument("path", required=False, type=click.Path(file_okay=False)),
    click.option("--repo", default=None, metavar="URL",
                 help="Follow this git repository (any URL git takes, file:// included) instead of a directory."),
    click.option("--branch", default="main", show_default=True, help="The branch of --repo to follow."),
    click.option("--path", "subpath", default="", metavar="DIR",
                 help="The desired state's directory within the repository (default: its root)."),
    click.option("--cache", default=None, metavar="DIR",
                 help="Where the clone of --repo is kept (default: $XDG_CACHE_HOME/converge/watch/<digest>)."),
    click.option("--interval", type=click.FloatRange(min=0), default=60.0, show_default=True,
                 help="Seconds between cycles (jittered by up to 10% either way)."),
    click.option("--apply", "apply_files", is_flag=True, help="Apply what the files changed."),
    click.option("--self-heal", is_flag=True, help="Also put back what was changed on the platforms."),
    click.option("--cycles", type=click.IntRange(min=1), default=None,
                 help="Stop after this many cycles (default: until SIGTERM or SIGINT)."),
    click.option("--lock-timeout", type=click.FloatRange(min=0), default=0.0,
                 help="Seconds a cycle waits for another apply's lock."),
    click.option("--config", default=None, type=click.Path(dir_okay=False), metavar="FILE",
                 help="Settings (interval, apply, self_heal, prune, max_deletes, lock_timeout) read from FILE as the "
                      "watch starts and again on SIGHUP; the options given on the command line win."),
    click.option("--listen", default=None, metavar="HOST:PORT",
                 help="Serve /metrics, /healthz, /readyz, /api/status and the status page (/) there, as "
                      "127.0.0.1:9100 (port 0: any free port; the address is printed)."),
    click.option("--notify", "notify_urls", multiple=True, metavar="URL",
                 help="POST each apply, failure, drift found and suspension lifted as JSON to this http(s) URL "
                      "(repeatable; docs/watch.md)."),
]
#: seconds the end of a watch waits for the events still queued for --notify
NOTIFY_DRAIN_SECONDS = 30.0


def decorated(function, decorators):
    """`function` with the decorators applied, the first one outermost (as written above a function)."""
    for decorator in reversed(decorators):
        function = decorator(function)
    return function


def watch_commands() -> list[click.Command]:
    """`watch`, `suspend` and `resume`, with the command group's options and handling of expected errors."""
    from .cli import ENDPOINTS, MAX_DELETES, PRUNE, STATE, _guard

    watch = click.command("watch")(decorated(watch_command, [*WATCH_OPTIONS, PRUNE, STATE, MAX_DELETES, ENDPOINTS,
                                                             _guard]))
    return [watch, suspend_command(_guard, STATE, ENDPOINTS), resume_command(_guard, STATE, ENDPOINTS)]


def watch_command(path: Optional[str], repo: Optional[str], branch: str, subpath: str, cache: Optional[str],
                  interval: float, apply_files: bool, self_heal: bool, cycles: Optional[int], lock_timeout: float,
                  config: Optional[str], listen: Optional[str], notify_urls: tuple[str, ...], prune: Optional[bool],
                  state: Optional[str], max_deletes: Optional[int],
                  endpoints_files: tuple[str, ...]) -> None:
    """Follow a directory (PATH) or a git branch (--repo URL --branch NAME) and reconcile it every --interval.

    Each cycle validates the newest revision (one that does not validate is reported and skipped: the last
    good one stays in force), plans it against the platforms and, with --apply, applies what the files
    changed; --self-heal also puts back what was changed on the platforms; without either it only reports.
    Suspensions (`reconciler suspend`) hold their entries back. The same validation, protection, delete
    budget, lock and state as `apply`. SIGTERM or SIGINT ends the change in flight and exits 0; SIGHUP reads
    --config again and starts a cycle at once. Exit 1 when the last of --cycles failed. --listen serves the
    watch's metrics, health, status and status page over HTTP while it runs; --notify posts each event as JSON
    (docs/watch.md).
    """
    source, cache_dir = make_source(path, repo, branch, subpath, cache)
    given: dict[str, Any] = {"interval": interval, "apply": apply_files, "self_heal": self_heal, "prune": prune,
                             "max_deletes": max_deletes, "lock_timeout": lock_timeout}
    settings = Settings(given, config, on_command_line(), default_state(state, cache_dir), endpoints_files)
    options, every = settings()
    redaction = LatestRedaction()
    try:
        notifier = notifier_of(list(notify_urls), redaction, click.echo)
    except ValueError as exc:
        raise UsageProblem([str(exc)]) from None
    watcher = Watcher(source, options, interval=every, clock=WallClock(), log=click.echo,
                      sinks=(notifier,) if notifier else (), redaction=redaction)
    watcher.reloader = settings
    install_signals(watcher)
    try:
        with serving(watcher, listen, click.echo):
            click.echo(f"watching {source.describe()} every {every:g} s ({options.policy.mode})")
            last = watcher.run(cycles)
    finally:
        if notifier is not None:
            notifier.close(NOTIFY_DRAIN_SECONDS)
    if watcher.stopping:
        click.echo(f"stopped: {watcher.halt()}")
        return
    if cycles is not None and last is not None and last.outcome in ("failed", "error", "rejected"):
        sys.exit(1)


#: a --config key -> the command's parameter it stands for
PARAMETERS = {"interval": "interval", "apply": "apply_files", "self_heal": "self_heal", "prune": "prune",
              "max_deletes": "max_deletes", "lock_timeout": "lock_timeout"}


def on_command_line() -> set[str]:
    """The --config keys whose option was given on the command line (they win over the file)."""
    context = click.get_current_context()
    return {key for key, name in PARAMETERS.items()
            if context.get_parameter_source(name) == ParameterSource.COMMANDLINE}


class Settings:
    """The watch's settings: the options, with --config's values where no option was given on the command line;
    called again on SIGHUP (`Watcher.reloader`) to read the file anew."""

    def __init__(self, given: dict[str, Any], config: Optional[str], fixed: set[str], state: Optional[str],
                 endpoints_files: tuple[str, ...]) -> None:
        self.given, self.config, self.fixed = given, config, fixed
        self.state, self.endpoints_files = state, list(endpoints_files) or None

    def __call__(self) -> tuple[WatchOptions, float]:
        chosen = dict(self.given)
        if self.config:
            chosen.update({key: value for key, value in read_config(self.config).items() if key not in self.fixed})
        options = WatchOptions(policy=Policy(apply=chosen["apply"], self_heal=chosen["self_heal"]),
                               prune=chosen["prune"], state=self.state, lock_timeout=chosen["lock_timeout"],
                               max_deletes=chosen["max_deletes"], endpoints_files=self.endpoints_files)
        return options, float(chosen["interval"])


@contextmanager
def owner_state(files: tuple[str, ...], owner: Optional[str], state: Optional[str],
                endpoints_files: tuple[str, ...]) -> Iterator[tuple[str, Backend]]:
    """The owner (of the files, else --owner) and its state backend, open for the block. Without files or
    --owner, the working directory is the desired state, as a watch of it (`reconciler watch .`) reads it."""
    if not files and not owner:
        files = (".",)
    if files:
        desired = load(list(files), list(endpoints_files))
        name, root = owner or owner_of(desired), state_root(desired)
    elif owner and (state or os.environ.get("CONVERGE_STATE")):
        name, root = owner, Path.cwd()
    else:
        raise UsageProblem(["give the desired-state files, or --owner NAME with --state URL (or CONVERGE_STATE)"])
    with open_backend(state_url(state), root) as backend:
        yield name, backend


def _common(command, guard, state_option, endpoints_option):
    files = click.argument("files", nargs=-1, type=click.Path())
    owner = click.option("--owner", default=None, help="The owner (default: the files' settings.owner).")
    return files(owner(state_option(endpoints_option(guard(command)))))


def suspend_command(guard, state_option, endpoints_option) -> click.Command:
    """`reconciler suspend`."""
    target = click.option("--target", default=None, metavar="KIND[/NAME]",
                          help="Only this kind or entry (default: every entry of the owner).")
    duration = click.option("--for", "duration", default=None, metavar="DURATION",
                            help="Lift it after this long: 90s, 30m, 2h, 1h30m (default: until resumed).")
    reason = click.option("--reason", required=True, help="Why: shown beside every change it holds back.")
    return click.command("suspend")(target(duration(reason(_common(suspend, guard, state_option,
                                                                    endpoints_option)))))


def suspend(target: Optional[str], duration: Optional[str], reason: str, files: tuple[str, ...],
            owner: Optional[str], state: Optional[str], endpoints_files: tuple[str, ...]) -> None:
    """Hold back every change of the owner's entries (or of --target) in `watch`, until resumed or --for
    passed. Kept in the state backend, so every watch sharing it sees it. Nothing is sent to a platform."""
    try:
        seconds = parse_duration(duration) if duration else None
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--for") from None
    expires = iso(WallClock().now() + seconds) if seconds is not None else None
    kind, name = key_of(target)
    with owner_state(files, owner, state, endpoints_files) as (who, backend):
        backend.suspend(who, kind, name, reason, expires_at=expires, user=getpass.getuser())
    until = f" until {expires}" if expires else " until resumed"
    click.echo(f"suspended {target or 'every entry'} of {who}{until}: {reason}")


def resume_command(guard, state_option, endpoints_option) -> click.Command:
    """`reconciler resume`."""
    target = click.option("--target", default=None, metavar="KIND[/NAME]",
                          help="Only the suspension of this kind or entry (default: every suspension of the owner).")
    return click.command("resume")(target(_common(resume, guard, state_option, endpoints_option)))


def resume(target: Optional[str], files: tuple[str, ...], owner: Optional[str], state: Optional[str],
           endpoints_files: tuple[str, ...]) -> None:
    """Lift the owner's suspensions (or that of --target). The next cycle of each watch applies what they held
    back, in dependency order, as any plan does. Nothing is sent to a platform."""
    with owner_state(files, owner, state, endpoints_files) as (who, backend):
        chosen = [s for s in backend.suspensions(who) if target is None or target_of(s) == target]
        for suspension in chosen:
            backend.resume(who, suspension.kind, suspension.name)
    if not chosen:
        raise UsageProblem([f"nothing of {who} is suspended{' as ' + target if target else ''}"])
    click.echo("\n".join(f"resumed {target_of(s) or 'every entry'} of {who} ({s.reason})" for s in chosen))



