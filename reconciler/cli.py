"""`reconciler validate|plan|apply|schema`: desired state in YAML, brought about on the platforms.

Exit codes: 0 success (and, with `plan --detailed-exitcode`, no changes), 1 error (a usage error too),
2 changes pending.
"""

from __future__ import annotations

import json
import sys
import traceback

import click
from ansible_collections.converge.platforms.plugins.module_utils.http import ApiError, Redactor
from ansible_collections.converge.platforms.plugins.module_utils.spec import SpecError

from . import report as reports
from .api import reconcile
from .document import MAX_CONCURRENCY, DocumentError, document_schema, load
from .remote import run_step

FILES = click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
CONCURRENCY = click.option("--concurrency", type=click.IntRange(1, MAX_CONCURRENCY), default=None,
                           help="Changes and reads at once (overrides settings.concurrency).")
FORMAT = click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text",
                      show_default=True, help="Output format of the plan.")


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
        except DocumentError as exc:
            raise Failure("\n".join(redact(p) for p in exc.problems))
        except (ApiError, SpecError) as exc:
            raise Failure("error: " + redact(str(exc)))
        except click.exceptions.Exit:
            raise
        except click.ClickException:
            raise
        except Exception as exc:  # noqa: BLE001 - last line of defence: a traceback shown to a user is a bug
            if "--debug" in sys.argv:
                traceback.print_exc()
            raise Failure(f"internal error: {redact(exc.__class__.__name__ + ': ' + str(exc))} (run with --debug "
                          f"for the traceback)")

    wrapper.__name__ = func.__name__
    wrapper.__doc__ = func.__doc__
    return wrapper


class ReconcilerCommands(click.Group):
    """The command group; a usage error exits 1, since 2 is what `plan --detailed-exitcode` says for changes."""

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


@click.group(cls=ReconcilerCommands, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="Show a traceback on an internal error.")
def main(debug: bool) -> None:
    """Bring platforms to the state that YAML files describe."""


@main.command()
@FILES
@_guard
def validate(files: tuple[str, ...]) -> None:
    """Check files offline: schema, types, duplicates, references. Each problem is file:line: reason."""
    desired = load(list(files))
    click.echo(f"valid: {len(desired.entries)} resources in {len(files)} file(s)")


@main.command()
@FILES
@FORMAT
@click.option("--detailed-exitcode", is_flag=True, help="Exit 0 with no changes, 2 with changes, 1 on error.")
@click.option("--out", type=click.Path(dir_okay=False),
              help="Also save the plan as JSON, for `apply --plan` (which refuses it if live state moved since).")
@CONCURRENCY
@_guard
def plan(files: tuple[str, ...], fmt: str, detailed_exitcode: bool, out: str | None, concurrency: int | None) -> None:
    """Read live state and show what apply would create, change or delete, in the order apply runs it."""
    result = reconcile(list(files), out=out, concurrency=concurrency,
                       on_plan=lambda plan, redact: click.echo(redact(reports.render_plan(plan, fmt))))
    if detailed_exitcode and result.plan.pending:
        sys.exit(2)


@main.command()
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False))
@FORMAT
@click.option("--plan", "saved", type=click.Path(dir_okay=False),
              help="Apply this saved plan (from plan --out); refused if a file or the live state changed since.")
@CONCURRENCY
@_guard
def apply(files: tuple[str, ...], fmt: str, saved: str | None, concurrency: int | None) -> None:
    """Plan, then apply every change as soon as what it depends on is done, independent changes concurrently."""
    if not files and not saved:
        raise click.UsageError("give the desired-state files, or --plan with a saved plan")
    text = fmt != "json"

    def show_plan(plan, redact):
        if text:
            click.echo(redact(reports.render_plan(plan, fmt)))
            if plan.pending:
                click.echo("\nApplying:")

    def show_outcome(outcome, redact):
        if text:
            click.echo(redact(reports.outcome_line(outcome)))

    result = reconcile(list(files), apply=True, saved=saved, on_plan=show_plan, on_outcome=show_outcome,
                       concurrency=concurrency)
    if not text:
        click.echo(result.redact(json.dumps(result.as_dict(), indent=2, sort_keys=True, default=str)))
    elif result.report.outcomes:
        click.echo(reports.report_text(result.report))
    if result.failed:
        sys.exit(1)


@main.command("run-step")
@FILES
@click.option("--step", required=True, help="Name of the opendcp_remote_step entry to run.")
@click.option("--inventory", "-i", required=True, help="Ansible inventory of the nodes (a file, or host,host,).")
@click.option("--param", "params", multiple=True, metavar="NAME=VALUE",
              help="A parameter value, converted to the type its action declares (repeatable).")
@click.option("--limit", default=None, help="Host pattern within the inventory (default: all).")
@click.option("--forks", type=click.IntRange(1, 200), default=5, show_default=True, help="Nodes run at once.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@_guard
def run_step_command(files: tuple[str, ...], step: str, inventory: str, params: tuple[str, ...], limit: str | None,
                     forks: int, fmt: str) -> None:
    """Run a remote step of the desired state on an inventory's nodes through ansible-core.

    Its action templates are rendered and checked first; each node is reported as success or
    failure, and the step as success, partial or error. Exit 0 on success, 1 otherwise.
    """
    desired = load(list(files))
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


if __name__ == "__main__":
    main()
