"""`reconciler import`: write what the platforms hold as desired-state files that adopt it, then plan them."""

from __future__ import annotations

import sys

import click
from ansible_collections.converge.platforms.plugins.module_utils.spec import ResourceSpec

from .importer import ImportOptions, import_platforms, refusal, summary_lines
from .platforms import kinds


def platform_made_kinds() -> list[str]:
    """The kinds whose objects (some or all) the platform makes itself: imported only when `--kind` names them."""
    return [kind for kind, spec in kinds().items()
            if spec.made_by_platform or type(spec).platform_made is not ResourceSpec.platform_made]


def not_importable() -> list[tuple[str, str]]:
    """(kind, why) of every kind import cannot read without more options, as the specs say it."""
    return [(kind, reason) for kind, spec in kinds().items() for reason in [refusal(spec)] if reason]


class ImportCommand(click.Command):
    """The command whose help ends with what the specs say: the kinds not imported and why, and those the
    platform makes itself."""

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with formatter.section("Kinds not imported"):
            formatter.write_dl(not_importable() or [("(none)", "every kind can be listed")])
        with formatter.section("Kinds whose objects the platform makes, all or some (imported only when --kind "
                               "names the kind)"):
            formatter.write_text(", ".join(platform_made_kinds()) or "(none)")


OUT = click.option("--out", required=True, type=click.Path(file_okay=False), metavar="DIR",
                   help="Write DIR/<platform>.yml, one file per platform (DIR is made if missing).")
KIND = click.option("--kind", "kinds_named", multiple=True, metavar="KIND",
                    help="Only this kind (repeatable); the only way to import a kind the platform makes itself.")
MATCH = click.option("--match", "matches", multiple=True, metavar="KIND/GLOB",
                     help="Of KIND, only the objects whose name (or an identity value) matches GLOB (repeatable).")
VSD_VM = click.option("--vsd-vm", "vsd_vms", multiple=True, metavar="CLUSTER_UUID/COMPUTE_UUID",
                      help="A VSD VM whose snapshots to import (repeatable): VSD lists snapshots only per VM.")


def import_command() -> click.Command:
    """The `import` command, with the command group's --endpoints and handling of expected errors: reconciler/cli.py
    registers it once those are defined (so this module never imports cli before cli imports it)."""
    from .cli import ENDPOINTS, _guard

    return click.command("import", cls=ImportCommand)(ENDPOINTS(OUT(KIND(MATCH(VSD_VM(_guard(import_files)))))))


def import_files(endpoints_files: tuple[str, ...], out: str, kinds_named: tuple[str, ...], matches: tuple[str, ...],
                 vsd_vms: tuple[str, ...]) -> None:
    """Write what the platforms already hold as desired-state files whose entries adopt it, then plan them.

    Every importable kind of every platform the endpoints files name is read and written into
    DIR/<platform>.yml: each entry with `adopt: true`, references by name, `existing:` for what the
    entries name but the import did not take, each secret the platform never returns as an
    `{env: CONVERGE_...}` placeholder listed at the top of its file. The files are then validated and
    planned: `plan: no changes` means an apply only writes the owner's marker. Exit 0 when the written
    files validate, 1 otherwise.
    """
    run_import(ImportOptions(list(endpoints_files), out, list(kinds_named), list(matches), list(vsd_vms)))


def run_import(options: ImportOptions) -> None:
    """Import, print the notes and the plan's verdict; exit 1 when the files written do not validate."""
    result = import_platforms(options)
    for note in result.notes:
        click.echo(note, err=True)
    if result.problems:
        for problem in result.problems:
            click.echo(problem, err=True)
        click.echo(f"import: the files written into {options.out} do not validate", err=True)
        sys.exit(1)
    for line in summary_lines(result):
        click.echo(line)
