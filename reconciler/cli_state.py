"""`reconciler state list|show KIND/NAME|forget KIND/NAME|history FILES...`: converge's own state of the desired
state FILES name (their owner's ledger and history, in the backend `--state` or `CONVERGE_STATE` names, else the
file default under their directory's `.converge/state/`).

None of them sends a request to a platform: `forget` drops an object from the ledger only, leaving it as it is on
its platform. Registered on the command group by reconciler/cli.py (`state_command()`), whose FILES, --endpoints
and handling of expected errors it shares.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from typing import Any

import click

from .desired import DesiredState, Entry, load, resource_title
from .errors import DocumentError
from .ownership import owner_of
from .platforms import kinds
from .recording import ledger_identity, state_root
from .state import Backend, LedgerEntry, open_backend, state_url
from .state.backend import canonical
from .targets import matches

FORMAT = click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
                      help="Output format.")
OBJECT = click.argument("target", metavar="KIND/NAME")


def state_command() -> click.Group:
    """The `state` group, with the command group's FILES, --endpoints and handling of expected errors:
    reconciler/cli.py registers it once those are defined (so this module never imports cli before cli imports it).
    """
    from .cli import ENDPOINTS, FILES, STATE, _guard

    group = click.Group("state", help="converge's own state of FILES' owner: the ledger of the objects it created or "
                                      "adopted, and the history of its applies. Nothing is sent to a platform.")
    for name, function, takes_object in (("list", list_ledger, False), ("show", show_object, True),
                                         ("forget", forget_object, True), ("history", show_history, False)):
        command = FILES(STATE(ENDPOINTS(FORMAT(_guard(function)))))
        group.add_command(click.command(name)(OBJECT(command) if takes_object else command))
    return group


@contextmanager
def opened(files: tuple[str, ...], endpoints_files: tuple[str, ...], state: str | None
           ) -> Iterator[tuple[DesiredState, str, Backend]]:
    """The desired state of `files`, its owner, and its state backend (open for the block; a file state not yet
    made reads as empty)."""
    desired = load(list(files), list(endpoints_files))
    with open_backend(state_url(state), state_root(desired), create=False) as backend:  # made by an apply only
        yield desired, owner_of(desired), backend


def identity_fields(entry: LedgerEntry) -> dict[str, Any]:
    """A ledger entry's identity by field name (the ledger keeps the values of the kind's identity, in order)."""
    if isinstance(entry.identity, dict):
        return dict(entry.identity)
    spec = kinds().get(entry.kind)
    names = spec.identity if spec is not None else [str(n) for n in range(len(entry.identity))]
    return dict(zip(names, entry.identity, strict=False))


def title(entry: LedgerEntry) -> str:
    """`kind[identity]`, as plans name the object."""
    return resource_title(entry.kind, identity_fields(entry))


def entry_data(entry: LedgerEntry) -> dict[str, Any]:
    """A ledger entry as JSON shows it: its identity by field name."""
    return dict(asdict(entry), identity=identity_fields(entry))


def entry_line(entry: LedgerEntry) -> str:
    """One line of `state list`: the object, its status, when it was last applied and from which revision."""
    revision = f" ({entry.revision})" if entry.revision else ""
    return f"{title(entry)}: {entry.status}, applied {entry.applied_at}{revision}"


def matching(target: str, desired: DesiredState, entries: list[LedgerEntry]) -> list[LedgerEntry]:
    """The ledger entries `KIND/NAME` names: the object of an entry of the files it matches (as --target matches
    one: by name, identity value or title), or an object whose identity it matches. A DocumentError when none."""
    kind, _, name = target.partition("/")
    spec = kinds().get(kind)
    if spec is None or not name:
        raise DocumentError([f"{target}: give KIND/NAME, KIND being one the reconciler knows"])
    named = {canonical(ledger_identity(spec, entry.normalized)) for entry in desired.entries
             if matches(target, entry)}
    found = [entry for entry in entries if entry.kind == kind and (
        canonical(entry.identity) in named or matches(target, Entry(kind, identity_fields(entry), "", 0)))]
    if not found:
        raise DocumentError([f"{target}: no object of the ledger of owner {owner_of(desired)} matches it "
                             f"(reconciler state list shows them)"])
    return found


def echo_json(data: Any) -> None:
    """`data` on stdout as indented JSON."""
    click.echo(json.dumps(data, indent=2, sort_keys=True, default=str))


def list_ledger(files: tuple[str, ...], state: str | None, endpoints_files: tuple[str, ...], fmt: str) -> None:
    """List the objects of FILES' owner in the ledger: each one's status (confirmed, or intent: a write cut short)
    and when it was last applied, from which revision."""
    with opened(files, endpoints_files, state) as (_, owner, backend):
        entries = backend.ledger(owner)
        if fmt == "json":
            echo_json({"owner": owner, "state": backend.shown_url, "ledger": [entry_data(e) for e in entries]})
            return
        click.echo(f"Ledger of {owner} in {backend.shown_url}: {len(entries)} "
                   f"{'object' if len(entries) == 1 else 'objects'}")
        for entry in entries:
            click.echo(f"  {entry_line(entry)}")


def show_object(target: str, files: tuple[str, ...], state: str | None, endpoints_files: tuple[str, ...],
                fmt: str) -> None:
    """Show what the ledger holds of one object (KIND/NAME, NAME an entry's name or an identity value): the
    values last applied (secrets masked), when, from which revision."""
    with opened(files, endpoints_files, state) as (desired, owner, backend):
        found = matching(target, desired, backend.ledger(owner, target.partition("/")[0]))
    if fmt == "json":
        echo_json([entry_data(entry) for entry in found])
        return
    for entry in found:
        click.echo(f"{title(entry)} (owner {owner}, platform {entry.platform})")
        click.echo(f"  status: {entry.status}")
        click.echo(f"  applied at: {entry.applied_at}")
        click.echo(f"  revision: {entry.revision or '(none: not in a git repository)'}")
        click.echo("  values last applied:")
        for name, value in sorted(entry.applied.items()):
            click.echo(f"    {name}: {json.dumps(value, default=str)}")


def forget_object(target: str, files: tuple[str, ...], state: str | None, endpoints_files: tuple[str, ...],
                  fmt: str) -> None:
    """Drop one object (KIND/NAME) from the ledger, never touching its platform: converge no longer owns it
    through the ledger (a marker on the object, where its kind has one, still says who owns it)."""
    with opened(files, endpoints_files, state) as (desired, owner, backend):
        found = matching(target, desired, backend.ledger(owner, target.partition("/")[0]))
        for entry in found:
            backend.forget(owner, entry.kind, entry.identity)
    if fmt == "json":
        echo_json({"owner": owner, "forgotten": [entry_data(entry) for entry in found]})
        return
    for entry in found:
        click.echo(f"Forgot {title(entry)} from the ledger of {owner}; the object on the platform is left as it is.")


def show_history(files: tuple[str, ...], state: str | None, endpoints_files: tuple[str, ...], fmt: str) -> None:
    """List the last applies of FILES' owner, newest first: when, by whom, which revision, the outcome and counts."""
    with opened(files, endpoints_files, state) as (_, owner, backend):
        records = backend.history(owner)
    if fmt == "json":
        echo_json({"owner": owner, "history": [asdict(record) for record in records]})
        return
    click.echo(f"Applies of {owner}, newest first: {len(records)}")
    for record in records:
        counts = ", ".join(f"{count} {name}" for name, count in record.counts.items() if count) or "no changes"
        revision = record.revision or "no revision"
        click.echo(f"  #{record.id} {record.started_at} .. {record.ended_at or '(not ended)'}: "
                   f"{record.outcome or 'running or cut short'} ({counts}); {record.user}@{record.host}, "
                   f"{revision}, {', '.join(record.files)}")
