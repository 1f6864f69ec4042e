"""Rollback to a revision: `plan --revision REV` and `apply --revision REV` plan the files given as they were at a
git commit, against live state.

`checkout(paths, rev)` finds the git work tree holding the paths (`git rev-parse --show-toplevel`), resolves REV
to a commit of it, unpacks that commit into a private temporary directory (`git archive`, as a watch does) and
hands back an `AtRevision`: the same relative paths there, and the way back from them to the work tree's, so that
what people read (and what the history and a saved plan record) names the work tree's files. Everything else is
as usual: the endpoints, the guardrails, the prune scope, and the state backend, whose default stays the work
tree's `.converge/state/`.

A rollback applied while the branch is elsewhere would be undone by the next cycle of a watch of that branch; so
a successful `apply --revision` of a commit that is not the branch's head suspends every entry of the owner
until the branch moves past that head (`hold_watches`): the watch lifts it itself when a newer commit arrives.
"""

from __future__ import annotations

import getpass
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Optional

from .errors import ReconcilerError
from .state import Backend
from .watch.source import SourceFailed, git, unpack
from .watch.suspensions import EVERYTHING


class RevisionProblem(ReconcilerError):
    """`--revision` cannot be used: not a commit, the files not in a git work tree, a path absent at the commit."""


@dataclass(frozen=True)
class AtRevision:
    """The files given, unpacked as they were at `commit` of the work tree `toplevel`; `head`: the branch's head
    commit as the rollback began (its upstream's when it has one), `asked`: REV as given; `relative`: the files
    were given relative to the working directory, and are named so."""

    asked: str
    commit: str
    head: str
    toplevel: Path
    unpacked: Path
    files: list[str]
    relative: bool = True

    @property
    def rolls_back(self) -> bool:
        """Whether the commit is not the branch's head (a watch of the branch would undo the apply)."""
        return self.commit != self.head

    def heading(self) -> str:
        """The line above the plan: from which commit to which the files go back."""
        return (f"Rollback from {self.head[:12]} (the branch's head) to {self.commit[:12]} ({self.asked}): the files "
                f"as they were at that commit, planned against live state.")

    @property
    def _named_top(self) -> str:
        """The work tree as its files are named: relative to the working directory when they were given so."""
        return os.path.relpath(self.toplevel) if self.relative else str(self.toplevel)

    def real(self, path: str) -> str:
        """The work tree's path of a path of the unpacked commit (any other path unchanged)."""
        try:
            inside = Path(path).relative_to(self.unpacked)
        except ValueError:
            return path
        return os.path.normpath(os.path.join(self._named_top, inside))

    def located(self, path: str) -> str:
        """The unpacked commit's path of a work tree's path (any other path unchanged)."""
        try:
            return str(self.unpacked / Path(os.path.realpath(path)).relative_to(self.toplevel))
        except ValueError:
            return path

    def shown(self, text: str) -> str:
        """`text` with the unpacked commit's paths named as the work tree's (a problem's `file:line`)."""
        top = self._named_top
        return text.replace(f"{self.unpacked}/", "" if top == "." else f"{top}/").replace(str(self.unpacked), top)


def _git(*arguments: str, cwd: Path) -> Optional[str]:
    """git's output, None when it fails."""
    try:
        return git(*arguments, cwd=cwd).stdout.strip()
    except SourceFailed:
        return None


def work_tree(paths: list[str]) -> Path:
    """The top of the git work tree holding every path (a path that no longer exists counts by its directory)."""
    tops = set()
    for given in paths:
        directory = Path(given).absolute()
        while not directory.is_dir() and directory != directory.parent:
            directory = directory.parent
        top = _git("rev-parse", "--show-toplevel", cwd=directory)
        if not top:
            raise RevisionProblem([f"--revision: {given} is not in a git work tree"])
        tops.add(Path(top).resolve())
    if len(tops) != 1:
        raise RevisionProblem([f"--revision: the files given are in {len(tops)} git work trees "
                               f"({', '.join(sorted(map(str, tops)))}): give files of one"])
    return tops.pop()


def resolve(toplevel: Path, rev: str) -> str:
    """The full commit `rev` names in the work tree's repository; RevisionProblem when it names none."""
    commit = None if rev.startswith("-") else _git("rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}",
                                                   cwd=toplevel)
    if not commit:
        raise RevisionProblem([f"--revision {rev}: not a commit of the git repository {toplevel}"])
    return commit


def branch_head(toplevel: Path) -> str:
    """The head commit of the work tree's branch: its upstream's when it has one (`@{upstream}`), else HEAD's."""
    head = _git("rev-parse", "--verify", "--quiet", "@{upstream}", cwd=toplevel) or _git(
        "rev-parse", "--verify", "--quiet", "HEAD", cwd=toplevel)
    if not head:
        raise RevisionProblem([f"--revision: the git repository {toplevel} has no commit"])
    return head


@contextmanager
def checkout(paths: list[str], rev: str) -> Iterator[AtRevision]:
    """The paths as they were at commit `rev` (see the module), unpacked for the block and removed after it."""
    if not paths:
        raise RevisionProblem(["--revision: give the desired-state files or directories to plan at that commit"])
    toplevel = work_tree(paths)
    commit, head = resolve(toplevel, rev), branch_head(toplevel)
    private = Path(tempfile.mkdtemp(prefix="converge-revision-")).resolve()  # mode 0700: only this user reads it
    try:
        unpacked = private / commit[:12]
        try:
            unpack(toplevel, commit, unpacked)
        except SourceFailed as exc:
            raise RevisionProblem([f"--revision {rev}: {problem}" for problem in exc.problems]) from None
        at = AtRevision(rev, commit, head, toplevel, unpacked, [], not any(os.path.isabs(p) for p in paths))
        files = [at.located(given) for given in paths]
        absent = [given for given, path in zip(paths, files, strict=True) if not Path(path).exists()]
        if absent:
            raise RevisionProblem([f"{given}: not in commit {commit[:12]} ({rev})" for given in absent])
        yield replace(at, files=files)
    finally:
        shutil.rmtree(private, ignore_errors=True)


def hold_watches(backend: Backend, owner: str, at: AtRevision) -> Optional[str]:
    """After a rollback applied: suspend every entry of the owner until the branch moves past its head, so a watch
    of the branch does not undo it; the line that says so, None when the commit is the head (nothing to hold)."""
    if not at.rolls_back:
        return None
    backend.suspend(owner, EVERYTHING, EVERYTHING, f"rolled back to {at.asked} by apply --revision",
                    until_revision=at.head, user=getpass.getuser())
    return (f"Every entry of {owner} is suspended in watch mode until a commit after {at.head[:12]} arrives "
            f"(reconciler resume lifts it sooner).")
