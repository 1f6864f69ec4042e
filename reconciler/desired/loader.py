"""Loading a desired state: its files read and checked into a `DesiredState`, then its secrets read."""

from __future__ import annotations

import os
from typing import Optional

from ..errors import DocumentError
from ..graph import entry_graph
from ..platforms import kinds
from ..sources import SourceError, sources
from .checks import check_cycles, check_endpoints, check_entries, validated, warnings_of
from .model import DesiredState, Entry
from .secrets import REFERENCED, read_secret
from .sections import (
    SecretRules,
    Sections,
    desired_root,
    endpoints_files_given,
    load_document,
    load_endpoints_files,
    not_a_document,
)
from .yaml_reader import readable


def load(paths: list[str], endpoints_files: Optional[list[str]] = None) -> DesiredState:
    """Load and validate desired-state files and directories; raise DocumentError listing every problem.

    A directory stands for every `*.yml` / `*.yaml` below it (sorted, hidden ones and those its `.convergeignore`
    names left out), each of which must be a desired-state document (`not_a_document`); entries merge
    across files, and endpoints and settings declared in one file serve the entries of every other. With
    `endpoints_files` (`--endpoints`; default: the files `CONVERGE_ENDPOINTS` lists) the endpoints come from
    those trusted files alone (`load_endpoints_files`), and a desired-state file may name an endpoint only by
    the same url. The secret references of desired-state files read only what `reference_refusal` allows, and
    a secret written inline is refused unless `settings.inline_secrets` is true. The entries' graph is built
    here, once, and kept by the state.
    """
    rules = SecretRules(desired_root(paths))
    try:
        found = sources(paths)
    except SourceError as exc:
        raise DocumentError(exc.problems) from None
    paths = [source.path for source in found]
    found_in = {source.path: source.directory for source in found}
    problems: list[str] = []
    trusted_files = endpoints_files_given(endpoints_files)
    if trusted_files:
        rules.trusted, trusted_problems = load_endpoints_files(trusted_files)
        problems.extend(trusted_problems)
    sections = Sections(rules)
    for path, root in readable(paths, problems):
        problems.extend(not_a_document(path, root, found_in[path]) or load_document(path, root, sections))
    problems.extend(sections.inline_problems())
    endpoints = rules.trusted if rules.trusted is not None else sections.endpoints
    entries = sections.entries
    if not problems:
        problems.extend(check_entries(entries, sections.existing))
        problems.extend(check_endpoints(entries, endpoints, rules.trusted is not None))
    graph = entry_graph(entries, kinds()) if not problems else None
    if graph is not None:
        problems.extend(check_cycles(entries, graph))
    if problems:
        raise DocumentError(problems)
    return DesiredState(list(paths), endpoints, sections.settings, entries, sections.existing, warnings_of(entries),
                        rules.root, known_graph=graph)


def resolve_secrets(desired: DesiredState) -> list[str]:
    """Read every secret an entry gives by reference into its data, checked by the validator like one written
    inline; returns the values read (for redaction). DocumentError lists every variable unset, file unreadable
    or value refused."""
    problems: list[str] = []
    values: list[str] = []
    for entry in desired.entries:
        if entry.secret_refs:
            problems.extend(_resolve_entry(entry, desired.secret_root, values, check=not problems))
    if problems:
        raise DocumentError(problems)
    return values


def _resolve_entry(entry: Entry, root: Optional[str], values: list[str], check: bool) -> list[str]:
    """An entry's references read (their values added to `values`) and, with `check` (no earlier entry failed),
    its data validated with them; or the problems of the references that cannot be read or the values the
    validator refuses."""
    resolved = dict(entry.data)
    problems: list[str] = []
    for key, (line, ref) in entry.secret_refs.items():
        if _waits_for_a_write(entry, ref):
            resolved[key] = REFERENCED  # checked as the string it stands for, as at load; left out once checked
            entry.unset_secrets[key] = (f"{entry.file}:{line}: {entry.kind}.{key}: environment variable {ref['env']} "
                                        f"is not set")
            continue
        try:
            resolved[key] = read_secret(ref, f"{entry.file}:{line}", f"{entry.kind}.{key}", entry.file, root=root)
            values.append(resolved[key])
        except DocumentError as exc:
            problems.extend(exc.problems)
    if problems or not check:
        return problems
    refs = entry.secret_refs
    converted, refused = validated(kinds()[entry.kind], resolved, entry.file, entry.kind,
                                   lambda key: refs[key][0] if key in refs else entry.line)
    if not refused:
        entry.data, entry.secret_refs = {k: v for k, v in converted.items() if k not in entry.unset_secrets}, {}
    return refused


def _waits_for_a_write(entry: Entry, ref: dict[str, str]) -> bool:
    """Whether an unset variable may wait until a write needs it: the entry adopts (or observes) an object that
    exists, so its secret is sent only if the plan creates or changes the object (`reconcile import` writes its
    secrets so). Anywhere else an unset variable is refused before any request."""
    adopting = bool(entry.data.get("adopt") or entry.data.get("observe"))
    return adopting and "env" in ref and os.environ.get(ref["env"]) is None

