"""`converge-emulator`: run one or all platform emulators in the foreground."""

from __future__ import annotations

import signal
import sys
import threading
from typing import Any

import click
import yaml

from . import build_options
from .common.server import EmulatorServer, is_loopback, serve_in_thread
from .registry import PLATFORMS, app_class, default_port


def _state_file(path: str | None, platform: str, several: bool) -> str | None:
    """With several platforms, each keeps its state beside the given file: state.json -> state.zstack.json."""
    if not path or not several:
        return path
    stem, dot, suffix = path.rpartition(".")
    return f"{stem}.{platform}.{suffix}" if dot and "/" not in suffix else f"{path}.{platform}"


def setting_value(text: str) -> Any:
    """A `--set` value typed as YAML reads it: `1` a number, `true` a boolean, anything else text."""
    text = text.strip()
    try:
        value = yaml.safe_load(text) if text else ""
    except yaml.YAMLError:
        return text
    return value if isinstance(value, (int, float, bool)) else text


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--platform", "platform_name", required=True, type=click.Choice(sorted(PLATFORMS) + ["all"]),
              help="Which platform to emulate; 'all' starts every one on its default port.")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on: a loopback address unless --allow-remote is given.")
@click.option("--allow-remote", is_flag=True, default=False,
              help="Listen on a --host other machines reach. The emulators have no real authentication and their "
                   "state holds passwords in clear: only on a network of your own.")
@click.option("--port", type=int, default=None,
              help="Port; defaults to the platform's own ("
                   + ", ".join(f"{name} {default_port(name)}" for name in PLATFORMS) + ").")
@click.option("--latency-ms", type=float, default=0.0, show_default=True, help="Delay added to every response.")
@click.option("--fault-rate", type=click.FloatRange(0, 1), default=0.0, show_default=True,
              help="Share of requests that fail: before the change (503 or dropped connection) or after it.")
@click.option("--seed", type=int, default=None,
              help="Seed for fault injection and identifiers, so both repeat on a fresh start.")
@click.option("--fault-modes", default=None, metavar="MODE,...",
              help="Faults drawn: 503, drop, 504, 429, html, truncated, timeout, jitter, envelope, expire, "
                   "restart (default 503,drop,504).")
@click.option("--fault-delay", "fault_delay_s", type=click.FloatRange(min=0), default=2.0, show_default=True,
              help="Seconds a 'timeout' fault holds its answer (longer than the client's read timeout).")
@click.option("--jitter-ms", type=click.FloatRange(min=0), default=200.0, show_default=True,
              help="The most a 'jitter' fault delays an answer.")
@click.option("--time-scale", type=click.FloatRange(min=0, min_open=True), default=1.0, show_default=True,
              help="Run the emulator's clock this many times faster.")
@click.option("--state", "state_file", type=click.Path(dir_okay=False), default=None,
              help="Keep state in this JSON file across restarts, identifiers going on where they stopped "
                   "(with 'all': one file per platform beside it).")
@click.option("--fixtures", "fixtures_file", type=click.Path(exists=True, dir_okay=False), default=None,
              help="YAML file of objects the API reads but cannot create.")
@click.option("--tls-cert", type=click.Path(exists=True, dir_okay=False), default=None,
              help="PEM certificate (chain) to answer HTTPS with; needs --tls-key.")
@click.option("--tls-key", type=click.Path(exists=True, dir_okay=False), default=None,
              help="PEM private key of --tls-cert.")
@click.option("--username", default="admin", show_default=True, help="Login name where the platform has a login.")
@click.option("--password", default="password", show_default=True, help="Password where the platform has a login.")
@click.option("--set", "settings", multiple=True, metavar="KEY=VALUE",
              help="A platform setting, such as zstack long_job_seconds=2 or osgview build_seconds=1 (repeatable).")
def main(platform_name: str, host: str, allow_remote: bool, port: int | None, latency_ms: float, fault_rate: float,
         seed: int | None, fault_modes: str | None, fault_delay_s: float, jitter_ms: float, time_scale: float,
         state_file: str | None, fixtures_file: str | None, tls_cert: str | None, tls_key: str | None,
         username: str, password: str, settings: tuple[str, ...]) -> None:
    """Serve platform emulators until interrupted."""
    if not allow_remote and not is_loopback(host):
        raise click.BadParameter(f"{host} is not a loopback address; give --allow-remote to listen where other "
                                 f"machines reach the emulator", param_hint="--host")
    extra = {}
    for item in settings:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"{item!r} is not KEY=VALUE", param_hint="--set")
        extra[key.strip()] = setting_value(value)
    stopped = threading.Event()
    _stop_on_signals(stopped)
    names = sorted(PLATFORMS) if platform_name == "all" else [platform_name]
    if len(names) > 1 and port is not None:
        raise click.UsageError("--port applies to a single platform, not to 'all' (each takes its own port)")
    servers = []
    for name in names:
        state = _state_file(state_file, name, len(names) > 1)
        options = build_options(host=host, port=port if port is not None else default_port(name),
                                latency_ms=latency_ms, fault_rate=fault_rate, seed=seed, time_scale=time_scale,
                                fault_modes=fault_modes, fault_delay_s=fault_delay_s, jitter_ms=jitter_ms,
                                state_file=state, fixtures_file=fixtures_file, username=username, password=password,
                                tls_cert=tls_cert, tls_key=tls_key, **extra)
        try:
            server = EmulatorServer(app_class(name)(options))
        except OSError as exc:
            raise click.ClickException(f"{name}: cannot listen on {host}:{options.port}: {exc.strerror}") from exc
        except (ValueError, KeyError, TypeError) as exc:
            raise click.ClickException(f"{name}: {exc}") from exc
        serve_in_thread(server)
        servers.append(server)
        click.echo(f"{name} {server.url}")
        sys.stdout.flush()

    stopped.wait()
    unsaved = [f"{server.app.platform}: {problem}" for server in servers if (problem := _stop(server))]
    if unsaved:
        raise click.ClickException("; ".join(unsaved))


def _stop_on_signals(stopped: threading.Event) -> None:
    """SIGTERM and SIGINT set `stopped`, from before any server starts (one right after the URL is printed must
    stop the emulator cleanly); later ones are ignored, since Python gives a signal its default action back while
    it exits, and a second SIGTERM then would kill the process before its last state file is written."""

    def stop(*_: Any) -> None:
        for number in (signal.SIGTERM, signal.SIGINT):
            signal.signal(number, signal.SIG_IGN)
        stopped.set()

    for number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(number, stop)


def _stop(server: EmulatorServer) -> str | None:
    """Stop a server, its state file written a last time with every change answered; what went wrong, if anything."""
    try:
        server.stop()
    except OSError as exc:
        return f"cannot write the state file {server.app.options.state_file}: {exc.strerror or exc}"
    return None


if __name__ == "__main__":
    main()
