"""`reconciler import`: what already runs on the platforms, written as desired-state files that adopt it.

    result = import_platforms(ImportOptions(["endpoints.yml"], "desired/"))
    result.files, result.entries, result.kinds, result.plan, result.notes

Every importable kind of every platform the endpoints files name is read (`listed_objects`: the objects the
platform made itself only for a kind `kinds` names) and written through `entries_of` into `<out>/<platform>.yml`
(see `import_writer`). The files are then loaded as any desired state is, and planned: an import whose plan
has nothing but adoptions keeps every object as it is. Bad options are a `DocumentError` before anything is
read or written; a file that does not validate is `ImportResult.problems`, and no plan is made.
"""

from __future__ import annotations

import fnmatch
import os
from dataclasses import dataclass, field
from typing import Any, Optional

from ansible_collections.converge.platforms.plugins.module_utils.entries import entries_of, listed_objects
from ansible_collections.converge.platforms.plugins.module_utils.files import write_atomically
from ansible_collections.converge.platforms.plugins.module_utils.http import ApiError
from ansible_collections.converge.platforms.plugins.module_utils.spec import ResourceSpec

from .api import Options
from .api import plan as plan_run
from .desired import DesiredState, DocumentError, Endpoint, load, resource_title
from .desired.schema import did_you_mean
from .desired.sections import ENDPOINTS_FILES, endpoints_files_given, load_endpoints_files
from .errors import ConnectionProblem
from .import_writer import ImportedKind, ImportedPlatform, document, referenced_elsewhere
from .ownership import ADOPT
from .planner import Plan, PlannedChange, remembering_reads
from .platforms import PLATFORM_NAMES, kinds, platform
from .session import Session

#: the platform whose kinds are listed within the VMs `--vsd-vm` names
VM_SCOPED_PLATFORM = "vsd"


@dataclass
class ImportOptions:
    """What an import is given: the trusted endpoints files (default: CONVERGE_ENDPOINTS), the directory to
    write into, the kinds to take (default: every importable one), `KIND/GLOB` filters, and the VSD VMs
    (`CLUSTER_UUID/COMPUTE_UUID`) whose snapshots to read."""

    endpoints_files: list[str]
    out: str
    kinds: list[str] = field(default_factory=list)
    matches: list[str] = field(default_factory=list)
    vsd_vms: list[str] = field(default_factory=list)


@dataclass
class ImportResult:
    """The files written, the entries and kinds they hold, the notes (kinds not imported and why), the problems
    of files that do not validate (then `plan` is None), and the plan of the files."""

    files: list[str]
    entries: int
    kinds: int
    plan: Optional[Plan]
    notes: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def changes(self) -> list[PlannedChange]:
        """The plan's changes other than adoptions, and its blocked entries: what the import could not avoid."""
        return self.plan.changing + self.plan.blocked if self.plan is not None else []

    @property
    def adoptions(self) -> int:
        """How many objects the next apply adopts (writes this owner's marker on, and nothing else)."""
        return self.plan.summary().get(ADOPT, 0) if self.plan is not None else 0


@dataclass
class _Request:
    """The options checked: the endpoints, the kinds to read per platform, the globs per kind, the VM scopes."""

    endpoints_files: list[str]
    endpoints: dict[str, Endpoint]
    wanted: list[str]
    globs: dict[str, list[str]]
    scopes: dict[str, list[dict[str, str]]]


def import_platforms(options: ImportOptions) -> ImportResult:
    """Read the platforms, write one file per platform into `options.out`, then validate and plan them."""
    request = _checked(options)
    # an embedded emulator is read where the plan of the files written meets it: under `out`
    reading = Session(DesiredState([], request.endpoints, {}, [], secret_root=os.path.realpath(options.out)))
    with reading as session, remembering_reads(session, set(request.endpoints)):  # each identical read sent once
        imported, notes = _read_platforms(request, session)
    os.makedirs(options.out, exist_ok=True)
    existing = referenced_elsewhere(imported)
    files = []
    for platform_read in imported:
        path = os.path.join(options.out, f"{platform_read.name}.yml")
        write_atomically(path, document(platform_read, existing[platform_read.name]), 0o644)
        files.append(path)
    result = ImportResult(files, sum(p.entries for p in imported),
                          sum(1 for p in imported for kind in p.kinds if kind.entries), None, notes)
    try:
        load(files, request.endpoints_files)
    except DocumentError as exc:
        result.problems = exc.problems
        return result
    with plan_run(Options(files, endpoints_files=request.endpoints_files)) as run:
        result.plan = run.plan
    return result


def _checked(options: ImportOptions) -> _Request:
    """The options as a request, or a DocumentError naming the first thing wrong with them (nothing read yet)."""
    files = endpoints_files_given(options.endpoints_files)
    if not files:
        raise DocumentError([f"no endpoints file: give --endpoints FILE (or list the files in {ENDPOINTS_FILES})"])
    endpoints, problems = load_endpoints_files(files)
    if problems:
        raise DocumentError(problems)
    known = kinds()
    for kind in options.kinds:
        _known_kind(kind, known, f"--kind {kind}", endpoints)
    globs: dict[str, list[str]] = {}
    for text in options.matches:
        kind, _, glob = text.partition("/")
        if not glob:
            raise DocumentError([f"--match {text}: give KIND/GLOB, such as opendcp_service/web-*"])
        _known_kind(kind, known, f"--match {text}", endpoints)
        if options.kinds and kind not in options.kinds:
            raise DocumentError([f"--match {text}: {kind} is not imported (--kind names {', '.join(options.kinds)})"])
        globs.setdefault(kind, []).append(glob)
    scopes = {VM_SCOPED_PLATFORM: [vm_scope(text) for text in options.vsd_vms]} if options.vsd_vms else {}
    if scopes and VM_SCOPED_PLATFORM not in endpoints:
        raise DocumentError([f"--vsd-vm: the endpoints file(s) name no {VM_SCOPED_PLATFORM} endpoint"])
    return _Request(files, endpoints, list(options.kinds), globs, scopes)


def _known_kind(kind: str, known: dict[str, Any], option: str, endpoints: dict[str, Endpoint]) -> None:
    """DocumentError unless `kind` is a kind of a platform the endpoints name."""
    if kind not in known:
        raise DocumentError([f"{option}: unknown kind '{kind}'" + (did_you_mean(kind, known)
                                                                    or " (reconciler schema lists the kinds)")])
    if known[kind].platform not in endpoints:
        raise DocumentError([f"{option}: the endpoints file(s) name no {known[kind].platform} endpoint"])


def vm_scope(text: str) -> dict[str, str]:
    """`CLUSTER_UUID/COMPUTE_UUID` as the scope VSD lists snapshots in, or a DocumentError."""
    cluster, _, compute = text.partition("/")
    if not cluster.strip() or not compute.strip() or "/" in compute:
        raise DocumentError([f"--vsd-vm {text}: give CLUSTER_UUID/COMPUTE_UUID, the VM whose snapshots to import"])
    return {"cluster_uuid": cluster.strip(), "compute_uuid": compute.strip()}


def refusal(spec: Any, within: Any = None) -> Optional[str]:
    """Why `reconciler import` cannot read the kind (given the scopes `within`), or None when it can."""
    if spec.import_refusal and not within:
        return str(spec.import_refusal)
    if type(spec).read_all is ResourceSpec.read_all:
        return f"{spec.kind} objects cannot be listed"
    return None


def _read_platforms(request: _Request, session: Session) -> tuple[list[ImportedPlatform], list[str]]:
    """Each platform the endpoints name that has a kind to read (wanted, not refused), read kind by kind; and the
    notes."""
    imported, notes = [], []
    for name in PLATFORM_NAMES:
        if name not in request.endpoints:
            continue
        specs = [spec for spec in platform(name).specs if not request.wanted or spec.kind in request.wanted]
        if not specs:
            continue
        platform_read = ImportedPlatform(name)
        for spec in specs:
            within = request.scopes.get(name)
            refused = refusal(spec, within)
            if refused:
                notes.append(f"note: {spec.kind} not imported: {refused}")
                continue
            lives = [live for live in _listed(spec, session, within, spec.kind in request.wanted)
                     if _kept(spec, live, request.globs.get(spec.kind))]
            platform_read.kinds.append(ImportedKind(spec, entries_of(spec, lives)))
        if platform_read.kinds:
            imported.append(platform_read)
    return imported, notes


def _listed(spec: Any, session: Session, within: Any, platform_made: bool) -> list[dict[str, Any]]:
    """`listed_objects` of the kind; an endpoint that cannot be reached is a ConnectionProblem naming its url and
    the `file:line` that declares it."""
    try:
        return listed_objects(spec, session.client(spec.platform), within, platform_made=platform_made)
    except ApiError as exc:
        unreachable = session.unreachable(spec.platform, exc)
        if unreachable:
            raise ConnectionProblem([unreachable]) from None
        raise


def _kept(spec: Any, live: dict[str, Any], globs: Optional[list[str]]) -> bool:
    """Whether a `--match` glob of the kind matches the object's name, an identity value or its title (as
    `--target KIND/NAME` names an entry); every object when the kind has none."""
    if not globs:
        return True
    names = {str(live.get(key)) for key in (spec.reference_key, *spec.identity) if live.get(key) is not None}
    names.add(resource_title(spec.kind, {key: live.get(key) for key in spec.identity}))
    return any(fnmatch.fnmatchcase(name, glob) for name in names for glob in globs)


def change_line(change: PlannedChange) -> str:
    """One difference the import could not avoid: the object, what the plan would do, and why."""
    if change.blocked:
        return f"  {change.title}: blocked: {change.blocked.reason}"
    fields = ", ".join(sorted(change.change.fields))
    why = change.change.note or (f"the entry's {fields} differs from the platform's, which it cannot hold"
                                 if fields else "")
    return f"  {change.title}: {change.change.action}" + (f" ({why})" if why else "")


def summary_lines(result: ImportResult) -> list[str]:
    """What the command prints after writing: the count, the plan's verdict, each difference kept."""
    changes = result.changes
    verdict = counted(len(changes), "change", "changes") if changes else "no changes"
    lines = [f"imported {counted(result.entries, 'entry', 'entries')} of {counted(result.kinds, 'kind', 'kinds')}; "
             f"plan: {verdict}"]
    lines += [change_line(change) for change in changes]
    if result.adoptions:
        lines.append(f"apply adopts {counted(result.adoptions, 'object', 'objects')}: it writes this desired "
                     f"state's owner on {'it' if result.adoptions == 1 else 'them'} and changes nothing else")
    return lines


def counted(number: int, one: str, many: str) -> str:
    """`1 entry`, `2 entries`."""
    return f"{number} {one if number == 1 else many}"
