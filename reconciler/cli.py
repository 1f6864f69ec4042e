"""`reconciler validate|plan|apply|graph|run-step|schema|version|state`: desired state in YAML, brought about.

Exit codes: 0 success (and, with `plan --detailed-exitcode`, no changes), 1 error (a usage error too, and an
entry the plan left blocked), 2 changes pending.
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from contextlib import ExitStack
from typing import Callable

import click
from ansible_collections.converge.platforms.plugins.module_utils.http import ApiError, Redactor
from ansible_collections.converge.platforms.plugins.module_utils.spec import SpecError
from rich.console import Console

from . import report as reports
from .api import Options, Result
from .api import apply as apply_run
from .api import plan as plan_run
from .cli_import import import_command
from .cli_state import state_command
from .cli_unmanaged import unmanaged_command
from .cli_watch import watch_commands
from .desired import MAX_CONCURRENCY, document_schema, entry_title, load
from .errors import ReconcilerError
from .executor import Outcome
from .pictures import edges_of, render
from .planner import Plan, PlannedChange
from .progress import LiveProgress, PlainProgress
from .remote import run_step
from .targets import exclude, select
from .unmanaged import count_unmanaged, named_by_plan
from .version import version_text

FILES = click.argument("files", nargs=-1, required=True, type=click.Path())
TARGET = click.option("--target", "targets", multiple=True, metavar="KIND[/NAME]",
                      help="Only this kind, or this one entry, and what it depends on (repeatable).")
EXCLUDE = click.option("--exclude", "excludes", multiple=True, metavar="KIND[/NAME]",
                       help="Leave out this kind, or this one entry, and every entry that depends on it (repeatable; "
                            "prune is off).")
REPLACE = click.option("--replace", "replaces", multiple=True, metavar="KIND/NAME",
                       help="Delete this entry's object and make it again, even when nothing differs (repeatable).")
QUIET = click.option("--quiet", "-q", is_flag=True, help="Print only failures and the final summary.")
PRUNE = click.option("--prune/--no-prune", default=None,
                     help="Also delete owned objects that no entry names (default: settings.prune; off under "
                          "--target and --exclude).")
NO_COLOR = click.option("--no-color", is_flag=True, help="No colours (also when NO_COLOR is set).")
CONCURRENCY = click.option("--concurrency", type=click.IntRange(1, MAX_CONCURRENCY), default=None,
                           help="Changes and reads at once (overrides settings.concurrency).")
FORMAT = click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text",
                      show_default=True, help="Output format of the plan.")
ENDPOINTS = click.option("--endpoints", "endpoints_files", multiple=True, metavar="FILE",
                         type=click.Path(dir_okay=False),
                         help="Take the endpoints (url, credentials, TLS) from this trusted file, never from the "
                              "desired state (repeatable; default: the files CONVERGE_ENDPOINTS lists, "
                              "colon-separated).")
MAX_DELETES = click.option("--max-deletes", type=click.IntRange(min=0), default=None, metavar="N",
                           help="Refuse a plan that deletes more than N objects, prunes and replaces included "
                                "(default: settings.max_deletes; no limit without either).")
STATE = click.option("--state", "state", metavar="URL", default=None,
                     help="converge's own state (ledger, history, lock): file://PATH or postgresql://USER@HOST/DB "
                          "(default: CONVERGE_STATE, else file:// under the desired state's .converge/state/).")
REVISION = click.option("--revision", "at_revision", metavar="REV", default=None,
                        help="Plan the files given as they were at this commit of their git repository (a rollback: "
                             "a commit, a tag, HEAD~2), against live state. A successful apply --revision of a commit "
                             "that is not the branch's head suspends every entry in watch mode until a newer commit.")


def choosing(command):
    """`--target`, `--exclude` and `--replace`: which entries a plan takes, and which it makes again."""
    return TARGET(EXCLUDE(REPLACE(command)))


class Failure(click.ClickException):
    """An error already formatted for the user; exit 1, no traceback."""

    exit_code = 1

    def show(self, file=None) -> None:
        click.echo(self.message, err=True)


def _guard(func):
    """Turn every expected error into lines on stderr and exit 1; never show a traceback."""

    def wrapper(*args, **kwargs):
        redact = Redactor()
        try:
            return func(*args, **kwargs)
        except ReconcilerError as exc:
            raise Failure("\n".join(redact(p) for p in exc.problems))
        except (ApiError, SpecError) as exc:
            raise Failure("error: " + redact(str(exc)))
        except click.exceptions.Exit:
            raise
        except click.ClickException:
            raise
        except Exception as exc:  # noqa: BLE001 - last line of defence: a traceback shown to a user is a bug
            if _debugging():
                traceback.print_exc()
            raise Failure(f"internal error: {redact(exc.__class__.__name__ + ': ' + str(exc))} (run with --debug "
                          f"for the traceback)")

    wrapper.__name__ = func.__name__
    wrapper.__doc__ = func.__doc__
    return wrapper


def _debugging() -> bool:
    """Whether `--debug` was given (anywhere on the command line, see `debug_first`)."""
    context = click.get_current_context(silent=True)
    return bool(context and context.find_root().params.get("debug"))


def debug_first(args: list[str]) -> list[str]:
    """`args` with each `--debug` given after the subcommand (before a `--`) moved in front of it, where the
    group reads it: `reconciler plan --debug x.yml` is `reconciler --debug plan x.yml`."""
    end = args.index("--") if "--" in args else len(args)
    if "--debug" not in args[:end]:
        return args
    return ["--debug"] + [arg for arg in args[:end] if arg != "--debug"] + args[end:]


class ReconcilerCommands(click.Group):
    """The command group; a usage error exits 1, since 2 is what `plan --detailed-exitcode` says for changes.
    `--debug` is read anywhere on the command line."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        return super().parse_args(ctx, debug_first(list(args)))

    def main(self, *args, **kwargs):
        kwargs["standalone_mode"] = False
        try:
            return super().main(*args, **kwargs)
        except click.exceptions.Abort:
            click.echo("Aborted!", err=True)
            sys.exit(1)
        except click.ClickException as exc:
            exc.show()
            sys.exit(1)


def _show_version(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        click.echo(version_text())
        ctx.exit()


def colour_wanted(no_color: bool) -> bool:
    """Colour only on a terminal, unless --no-color or NO_COLOR (https://no-color.org) says otherwise."""
    return not no_color and "NO_COLOR" not in os.environ and sys.stdout.isatty()


def _styler(colour: bool):
    if not colour:
        return None
    return lambda text, action: click.style(text, fg=reports.COLOURS.get(action), bold=action == "replace")


@click.group(cls=ReconcilerCommands, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="Show a traceback on an internal error.")
@click.option("--version", is_flag=True, expose_value=False, is_eager=True, callback=_show_version,
              help="Print the reconciler's and the collection's versions.")
def main(debug: bool) -> None:
    """Bring platforms to the state that YAML files (or directories of them) describe."""


@main.command()
def version() -> None:
    """Print the reconciler's and the collection's versions."""
    click.echo(version_text())


@main.command()
@FILES
@ENDPOINTS
@_guard
def validate(files: tuple[str, ...], endpoints_files: tuple[str, ...]) -> None:
    """Check files offline: schema, types, duplicates, references. Each problem is file:line: reason."""
    desired = load(list(files), list(endpoints_files))
    for warning in desired.warnings:
        click.echo(warning, err=True)
    click.echo(f"valid: {len(desired.entries)} resources in {len(desired.files)} file(s)")


@main.command()
@FILES
@click.option("--format", "fmt", type=click.Choice(["dot", "mermaid"]), default="dot", show_default=True,
              help="DOT for Graphviz (dot -Tsvg), or Mermaid for Markdown.")
@click.option("--plan", "with_plan", is_flag=True, help="Read live state and mark each entry with its planned action.")
@TARGET
@EXCLUDE
@click.option("--prune/--no-prune", default=None,
              help="With --plan: also mark the owned objects no entry names, which prune deletes (default: "
                   "settings.prune).")
@ENDPOINTS
@STATE
@_guard
def graph(files: tuple[str, ...], fmt: str, with_plan: bool, targets: tuple[str, ...], excludes: tuple[str, ...],
          prune: bool | None, endpoints_files: tuple[str, ...], state: str | None = None) -> None:
    """Print the dependency graph of the entries; an arrow points from an entry to what waits for it."""
    if with_plan:
        options = Options(list(files), targets=list(targets), excludes=list(excludes), prune=prune,
                          endpoints_files=list(endpoints_files), state=state)
        with plan_run(options) as run:
            show_excluded(run.excluded)
            titles = {index: change.title for index, change in enumerate(run.plan.changes)}
            actions = {index: change.change.action for index, change in enumerate(run.plan.changes)}
            click.echo(render(fmt, titles, edges_of(run.plan.graph), actions))
        return
    desired, excluded = exclude(select(load(list(files), list(endpoints_files)), list(targets)), list(excludes))
    show_excluded(excluded)
    titles = {index: entry_title(entry) for index, entry in enumerate(desired.entries)}
    click.echo(render(fmt, titles, edges_of(desired.graph)))


@main.command()
@FILES
@FORMAT
@click.option("--detailed-exitcode", is_flag=True,
              help="Exit 0 with no changes, 2 with changes, 1 on error (an entry blocked too).")
@click.option("--out", type=click.Path(dir_okay=False),
              help="Also save the plan as JSON, for `apply --plan` (which refuses it if live state moved since).")
@CONCURRENCY
@choosing
@PRUNE
@QUIET
@NO_COLOR
@ENDPOINTS
@click.option("--unmanaged", is_flag=True,
              help="End with the count of objects on the platforms that no entry names (reconciler unmanaged lists "
                   "them); it lists every kind, so it costs their listings beyond the plan's own reads.")
@click.option("--owned-hint/--no-owned-hint", default=True, show_default=True,
              help="With prune off, end with the owned objects that no file names (what --prune would delete, a "
                   "renamed entry's old object among them); it reads what prune reads, beyond the plan's own reads.")
@MAX_DELETES
@STATE
@REVISION
@_guard
def plan(files: tuple[str, ...], fmt: str, detailed_exitcode: bool, out: str | None, concurrency: int | None,
         targets: tuple[str, ...], prune: bool | None, quiet: bool, no_color: bool,
         endpoints_files: tuple[str, ...], unmanaged: bool, owned_hint: bool, max_deletes: int | None,
         excludes: tuple[str, ...] = (), replaces: tuple[str, ...] = (), state: str | None = None,
         at_revision: str | None = None) -> None:
    """Read live state and show what apply would create, change or delete, in the order apply runs it.

    An entry that cannot be planned (a refusal that needs a person, a read that failed after its retries)
    is shown blocked with its reason and remedy, and what waits for it skipped; the rest is planned, and
    the command exits 1.
    """
    if unmanaged and targets:
        raise click.UsageError("--unmanaged counts what the whole desired state names: it cannot go with --target")
    options = Options(list(files), out=out, concurrency=concurrency, targets=list(targets), prune=prune,
                      endpoints_files=list(endpoints_files), max_deletes=max_deletes)
    options.excludes, options.replaces, options.unnamed = list(excludes), list(replaces), owned_hint
    options.state, options.at_revision = state, at_revision
    with plan_run(options) as run:
        show_excluded(run.excluded)
        show_rollback(run, fmt)
        if quiet and fmt == "text":
            click.echo(run.redact(reports.quiet_plan_text(run.plan)))
        else:
            click.echo(run.redact(reports.render_plan(run.plan, fmt, _styler(colour_wanted(no_color)))))
        if unmanaged and fmt != "json":
            click.echo(run.redact(unmanaged_line(run)))
        show_blocked(run.plan, fmt, run.redact)
    if run.plan.blocked:
        sys.exit(1)
    if detailed_exitcode and run.plan.changing:
        sys.exit(2)


def unmanaged_line(run) -> str:
    """The plan's closing line: how many objects on the platforms no entry names (`reconciler unmanaged`)."""
    try:
        count = count_unmanaged(run.desired, run.session, named_by_plan(run.plan))
    except (ReconcilerError, ApiError, SpecError) as exc:
        reason = "; ".join(exc.problems) if isinstance(exc, ReconcilerError) else str(exc)
        return f"Unmanaged objects not counted: {reason}"
    if not count:
        return "Unmanaged: every object on the platforms is named by an entry."
    return (f"Unmanaged: {count} {'object' if count == 1 else 'objects'} on the platforms named by no entry "
            f"(reconciler unmanaged lists them).")


def show_rollback(run, fmt: str) -> None:
    """Above the plan of a rollback (`--revision`): from which commit to which (on stderr beside JSON)."""
    if run.rollback is not None:
        click.echo(run.rollback.heading(), err=fmt == "json")


def show_excluded(notes: list[str]) -> None:
    """On stderr, each entry `--exclude` left out because it depends on an excluded entry (stdout may be JSON)."""
    for note in notes:
        click.echo(note, err=True)


def show_blocked(plan, fmt: str, redact) -> None:
    """Blocked entries on stderr too when the plan goes out as JSON or Markdown (a file, a comment), so the log
    of a run that exits 1 says why; the text plan already lists them under `Blocked:`."""
    if fmt != "text":
        for problem in reports.blocked_problems(plan.as_dict()):
            click.echo(redact(problem), err=True)


@main.command()
@click.argument("files", nargs=-1, type=click.Path())
@FORMAT
@click.option("--plan", "saved", type=click.Path(dir_okay=False),
              help="Apply this saved plan (from plan --out) to FILES, the files it was made from; refused if a file or "
                   "the live state changed since.")
@CONCURRENCY
@choosing
@PRUNE
@QUIET
@NO_COLOR
@click.option("--lock/--no-lock", default=True, show_default=True,
              help="Hold a lock per endpoint while applying, so a second apply on this machine (or, with a "
                   "postgresql:// --state, on any machine) cannot run at once.")
@click.option("--lock-timeout", type=click.FloatRange(min=0), default=0.0, show_default=True, metavar="SECONDS",
              help="How long to wait for another apply's lock before giving up.")
@ENDPOINTS
@MAX_DELETES
@click.option("--auto-approve", is_flag=True,
              help="Apply without asking: on a terminal, apply shows the plan and asks for 'yes' first (never with "
                   "--plan, whose plan was reviewed, nor without a terminal).")
@STATE
@REVISION
@_guard
def apply(files: tuple[str, ...], fmt: str, saved: str | None, concurrency: int | None, targets: tuple[str, ...],
          prune: bool | None, quiet: bool, no_color: bool, lock: bool, lock_timeout: float,
          endpoints_files: tuple[str, ...], max_deletes: int | None, auto_approve: bool,
          excludes: tuple[str, ...] = (), replaces: tuple[str, ...] = (), state: str | None = None,
          at_revision: str | None = None) -> None:
    """Plan, then apply every change as soon as what it depends on is done, independent changes concurrently.

    On a terminal a live display shows the progress; elsewhere each outcome is one timestamped line. The
    apply holds a lock per endpoint from its plan to its end: another apply on this machine that shares
    an endpoint is refused (or waits --lock-timeout seconds). On a terminal, the plan is applied only once
    'yes' is typed (--auto-approve: at once); a saved plan (--plan) is applied without asking.
    """
    if not files:
        raise click.UsageError("give the desired-state files (with --plan, the files the saved plan was made from)")
    options = Options(list(files), apply=True, saved=saved, concurrency=concurrency, targets=list(targets),
                      prune=prune, lock=lock, lock_timeout=lock_timeout, endpoints_files=list(endpoints_files),
                      max_deletes=max_deletes)
    options.excludes, options.replaces, options.state = list(excludes), list(replaces), state
    options.at_revision = at_revision
    confirm = not auto_approve and not saved and sys.stdin.isatty()
    with ApplyView(fmt, quiet, colour_wanted(no_color), confirm) as view, plan_run(options) as run:
        show_excluded(run.excluded)
        show_rollback(run, fmt)
        report = apply_run(run, view)
    result = Result(run.plan, report, run.redact)
    if fmt == "json":
        click.echo(result.redact(json.dumps(result.as_dict(), indent=2, sort_keys=True, default=str)))
    elif report.outcomes or report.blocked:
        click.echo(result.redact(reports.report_text(report)))
    elif quiet:
        click.echo("No changes.")
    for problem in report.problems:
        click.echo(result.redact(problem), err=True)
    for note in run.notes:
        click.echo(note, err=fmt == "json")
    if result.failed:
        sys.exit(1)


class ApplyView:
    """What `apply` shows as it runs, as its observer: the plan, then each change's progress.

    On a terminal (without --quiet) a live display; elsewhere one timestamped line per outcome. Nothing but the
    blocked entries on stderr for JSON. The display opens when the plan is known (its size is the number of
    outcomes) and closes as the view's `with` block ends.
    """

    def __init__(self, fmt: str, quiet: bool, colour: bool, confirm: bool = False) -> None:
        self.fmt = fmt
        self.text = fmt != "json"
        self.quiet = quiet
        self.colour = colour
        self.confirm = confirm
        self.display: LiveProgress | PlainProgress | None = None
        self._open = ExitStack()

    def on_plan(self, plan: Plan, redact: Callable[[str], str]) -> None:
        if self.text and not self.quiet:
            click.echo(redact(reports.render_plan(plan, self.fmt, _styler(self.colour))))
        elif self.text and plan.blocked:
            click.echo(redact("\n".join(reports.blocked_lines(plan.as_dict()))))
        show_blocked(plan, self.fmt, redact)
        if self.confirm and plan.pending:
            confirmed(plan, redact, quiet=self.quiet or not self.text)
        if self.text and not self.quiet and plan.pending:
            click.echo("\nApplying:")
        outcomes = len(plan.pending) + len(plan.skipped)
        if self.text and outcomes:
            if sys.stdout.isatty() and not self.quiet:
                self.display = LiveProgress(outcomes, Console(no_color=not self.colour))
            else:
                self.display = PlainProgress(lambda line: click.echo(line), self.quiet)
            self._open.enter_context(self.display)

    def on_start(self, planned: PlannedChange) -> None:
        if self.display:
            self.display.start(planned)

    def on_outcome(self, outcome: Outcome, redact: Callable[[str], str]) -> None:
        if self.display:
            self.display.outcome(outcome, redact)

    def __enter__(self) -> ApplyView:
        return self

    def __exit__(self, *exc: object) -> None:
        self._open.close()


def confirmed(plan: Plan, redact: Callable[[str], str], quiet: bool) -> None:
    """Ask on the terminal whether to apply the plan shown; anything but `yes` ends the run with nothing written
    (exit 1), as Terraform's apply does without -auto-approve. Where the plan was not shown (--quiet, JSON), its
    summary is shown first, on stderr beside JSON."""
    if quiet:
        click.echo(redact(reports.quiet_plan_text(plan)), err=True)
    click.echo("\nDo you want to perform these actions?\n  The reconciler will perform the actions described above."
               "\n  Only 'yes' will be accepted to approve (--auto-approve skips this question).\n", err=True)
    answer = click.prompt("  Enter a value", default="", show_default=False, err=True)
    if answer.strip() != "yes":
        raise Failure("Apply cancelled: nothing was changed.")


@main.command("run-step")
@FILES
@click.option("--step", required=True, help="Name of the opendcp_remote_step entry to run.")
@click.option("--inventory", "-i", required=True, help="Ansible inventory of the nodes (a file, or host,host,).")
@click.option("--param", "params", multiple=True, metavar="NAME=VALUE",
              help="A parameter value, converted to the type its action declares (repeatable).")
@click.option("--limit", default=None, help="Host pattern within the inventory (default: all).")
@click.option("--forks", type=click.IntRange(1, 200), default=5, show_default=True, help="Nodes run at once.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@ENDPOINTS
@_guard
def run_step_command(files: tuple[str, ...], step: str, inventory: str, params: tuple[str, ...], limit: str | None,
                     forks: int, fmt: str, endpoints_files: tuple[str, ...]) -> None:
    """Run a remote step of the desired state on an inventory's nodes through ansible-core.

    Its action templates are rendered and checked first; each node is reported as success or
    failure, and the step as success, partial or error. Exit 0 on success, 1 otherwise.
    """
    desired = load(list(files), list(endpoints_files))
    result = run_step(desired, step, list(params), inventory, limit, forks)
    if fmt == "json":
        click.echo(json.dumps(result.as_dict(), indent=2, sort_keys=True))
    else:
        for host, node in result.nodes.items():
            failed = [t for t in node["tasks"] if t["status"] in ("failed", "unreachable")]
            detail = f"  ({failed[0]['task']}: {failed[0]['msg']})" if failed else ""
            click.echo(f"  {node['status']:8} {host}{detail}")
        click.echo(f"Step {step}: {result.status} ({len(result.nodes)} nodes)")
    if result.status != "success":
        sys.exit(1)


@main.command()
def schema() -> None:
    """Print the JSON schema of a desired-state document."""
    click.echo(json.dumps(document_schema(), indent=2, sort_keys=True))


main.add_command(import_command())
main.add_command(unmanaged_command())
main.add_command(state_command())
for command in watch_commands():
    main.add_command(command)

if __name__ == "__main__":
    main()
