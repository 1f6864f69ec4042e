"""`reconciler unmanaged FILES...`: the objects on the platforms that no entry of the files names.

Registered on the command group by reconciler/cli.py (`unmanaged_command()`), whose FILES, --endpoints and
handling of expected errors it shares.
"""

from __future__ import annotations

import json

import click

from .causes import plan_ledger
from .cli_state import opened
from .desired.schema import did_you_mean
from .importer import vm_scope
from .platforms import kinds
from .session import Session
from .unmanaged import Unmanaged, UnmanagedObject, find_unmanaged


def known_kinds(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> tuple[str, ...]:
    """The kinds given, each one the reconciler knows (a usage error naming the closest one otherwise)."""
    known = kinds()
    for kind in value:
        if kind not in known:
            raise click.BadParameter(f"unknown kind {kind!r}{did_you_mean(kind, known)}")
    return value


FORMAT = click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
                      help="Output format.")
KIND = click.option("--kind", "asked", multiple=True, metavar="KIND", callback=known_kinds,
                    help="Only this kind (repeatable); the objects a platform makes itself (GC jobs, notifications, "
                         "the system tags ZStack writes, a pool's nodes) are listed only for a kind named here, as "
                         "import takes them.")
VSD_VM = click.option("--vsd-vm", "vsd_vms", multiple=True, metavar="CLUSTER_UUID/COMPUTE_UUID",
                      help="A VSD VM whose snapshots to list too (repeatable): VSD lists snapshots only per VM, so "
                           "only the VMs named here or by a vsd_snapshot entry are listed.")


def unmanaged_command() -> click.Command:
    """The `unmanaged` command, with the command group's FILES, --endpoints and handling of expected errors:
    reconciler/cli.py registers it once those are defined (so this module never imports cli before cli imports it).
    """
    from .cli import ENDPOINTS, FILES, STATE, _guard

    return click.command("unmanaged")(FILES(FORMAT(KIND(VSD_VM(STATE(ENDPOINTS(_guard(list_unmanaged))))))))


def list_unmanaged(files: tuple[str, ...], fmt: str, asked: tuple[str, ...], vsd_vms: tuple[str, ...],
                   state: str | None, endpoints_files: tuple[str, ...]) -> None:
    """List, per kind, the objects on the platforms that no entry of FILES names, with the owner each one's
    marker names (another desired state's, this one's for an owned object whose entry is gone, or none). For a
    kind owned through converge's ledger, the owner is this one's when its ledger (`--state`) names the object.

    Every platform with an endpoint is read, through each kind's listing; kinds that cannot be listed are
    named with the reason. FILES may hold no entry at all (`version: 1` and endpoints, or endpoints from
    --endpoints): everything is then listed, as before an import. Nothing is written; exit 0.
    """
    scopes = [vm_scope(text) for text in vsd_vms]
    with opened(files, endpoints_files, state) as (desired, owner, backend), Session(desired) as session:
        found = find_unmanaged(desired, session, asked, scopes=scopes, ledger=plan_ledger(backend, owner))
        if fmt == "json":
            click.echo(session.redact(json.dumps(found.as_dict(), indent=2, sort_keys=False)))
        else:
            click.echo(session.redact("\n".join(unmanaged_lines(found))))


def unmanaged_lines(found: Unmanaged) -> list[str]:
    """The text report: per kind with objects a heading with their count and a line per object (its owner in a
    column), the kinds not listed with the reason, and the total."""
    lines: list[str] = []
    for kind, objects in found.kinds.items():
        if objects:
            lines.append(f"{kind} ({len(objects)}):")
            lines.extend(_object_lines(objects))
    if found.not_listed:
        lines.append("Not listed:")
        lines.extend(f"  {kind}: {reason}" for kind, reason in found.not_listed.items())
    total = found.total
    lines.append(f"{total} object{'s' if total != 1 else ''} on the platforms {'are' if total != 1 else 'is'} "
                 f"named by no entry.")
    return lines


def _object_lines(objects: list[UnmanagedObject]) -> list[str]:
    width = max(len(item.title) for item in objects)
    return [f"  {item.title:<{width}}   owner: {item.owner or 'none'}" for item in objects]
