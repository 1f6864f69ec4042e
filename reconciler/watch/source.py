"""Where a watch reads its desired state: a local directory, or a branch of a git repository.

`LocalSource(path)` reads the directory as it is; its revision is the git commit of the repository holding it
(`git rev-parse HEAD`) with `+dirty` when git sees changes, or, outside git, a digest of its files. `GitSource`
keeps a bare copy of the repository in the cache directory (`git clone --bare`, then `git fetch` of the branch
each cycle) and unpacks the branch's commit into `revisions/<commit>/` (`git archive`), so the files planned are
exactly the commit's; only the checkouts still in use are kept. Both hand back a `Checkout`: the desired state's
directory and its revision.
"""

from __future__ import annotations

import hashlib
import io
import re
import shutil
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Protocol

from ansible_collections.converge.platforms.plugins.module_utils.http import REDACTED, redact_url

from ..errors import ReconcilerError
from ..ownership import repository_owner
from ..sources import desired_files_under

#: the user and password of a URL: `scheme://` then anything up to an `@` within the authority
CREDENTIALS = re.compile(r"([a-zA-Z][a-zA-Z0-9+.-]*://)[^/?#\s'\"]+@")
#: seconds a git command may take (a clone of a large repository over a slow link included)
GIT_SECONDS = 300


class SourceFailed(ReconcilerError):
    """The desired state could not be fetched (git failed, the branch or the path is missing)."""


@dataclass(frozen=True)
class Checkout:
    """A revision of the desired state: the directory to plan, and the revision it is (a commit, or a digest)."""

    root: Path
    revision: str
    #: the directory the files are named from: the commit's top (so `--path desired` names `desired/dcp.yml`),
    #: else `root`
    top: Optional[Path] = None

    def relative(self, text: str) -> str:
        """`text` with the revision's directory taken off its paths: `dcp.yml:7`, as the repository names it."""
        return text.replace(f"{self.top or self.root}/", "")

    @property
    def short(self) -> str:
        """The revision as people read it: a commit's first 12 characters."""
        return self.revision[:12] if len(self.revision) == 40 else self.revision


class Source(Protocol):
    """What a watch follows."""

    def fetch(self) -> Checkout:
        """The newest revision (fetched again from its origin), unpacked where it can be planned."""
        ...

    def describe(self) -> str:
        """The source as the status page and the logs name it."""
        ...

    def default_owner(self) -> Optional[str]:
        """The owner of the desired state when its files name none; None: the files' own default."""
        ...

    def keep_only(self, kept: list[Checkout]) -> None:
        """Let go of every unpacked revision but `kept`."""
        ...


def masked(text: str) -> str:
    """`text` with the credentials of every URL in it masked (a token in a repository's URL is never shown)."""
    return CREDENTIALS.sub(lambda found: found.group(1) + REDACTED + "@", text)


def git(*arguments: str, cwd: Optional[Path] = None, binary: bool = False) -> subprocess.CompletedProcess:
    """Run git; SourceFailed with its own message when it fails."""
    try:
        done = subprocess.run(["git", *arguments], cwd=str(cwd) if cwd else None, capture_output=True,
                              text=not binary, timeout=GIT_SECONDS, check=False)
    except (OSError, subprocess.SubprocessError) as exc:  # a timeout names the command, the repository's URL in it
        raise SourceFailed([f"git {arguments[0]}: {masked(str(exc))}"]) from None
    if done.returncode != 0:
        error = done.stderr.decode("utf-8", "replace") if binary else done.stderr
        raise SourceFailed([f"git {arguments[0]} failed: {masked(error.strip()) or done.returncode}"])
    return done


def unpack(repository: Path, commit: str, target: Path) -> None:
    """The files of `commit` of the git repository at `repository` (bare or a work tree) in `target` (`git
    archive`), whole or not at all: what a watch plans, and what `plan --revision` plans."""
    archive = git("archive", "--format=tar", commit, cwd=repository, binary=True).stdout
    partial = target.with_name(target.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(partial, filter="data")
    partial.rename(target)


class LocalSource:
    """A directory of this machine, planned as it is."""

    def __init__(self, path: Path) -> None:
        self.path = path.resolve()

    def describe(self) -> str:
        return str(self.path)

    def default_owner(self) -> Optional[str]:
        """The directory's own default (its repository's origin, or its path), as every other command takes it."""
        return None

    def fetch(self) -> Checkout:
        if not self.path.is_dir():
            raise SourceFailed([f"{self.path}: no such directory"])
        return Checkout(self.path, self._revision())

    def keep_only(self, kept: list[Checkout]) -> None:
        """Nothing is unpacked: nothing to let go of."""

    def _revision(self) -> str:
        try:
            head = git("rev-parse", "HEAD", cwd=self.path).stdout.strip()
            dirty = git("status", "--porcelain", "--", ".", cwd=self.path).stdout.strip()
        except SourceFailed:
            return self._digest()
        return f"{head}+dirty" if dirty else head

    def _digest(self) -> str:
        digest = hashlib.sha256()
        for file in sorted(desired_files_under(self.path)):
            digest.update(str(file.relative_to(self.path)).encode() + b"\0" + file.read_bytes() + b"\0")
        return f"files-{digest.hexdigest()[:12]}"


class GitSource:
    """A branch of a git repository (any URL git takes, `file://` included), fetched into `cache`."""

    def __init__(self, repo: str, branch: str, path: str, cache: Path) -> None:
        self.given = repo
        local = "://" not in repo and ":" not in repo.split("/")[0]
        self.repo = str(Path(repo).resolve()) if local else repo  # git runs in the cache: a relative path moves
        self.branch, self.path = branch, path.strip("/")
        self.cache = cache
        self.mirror = cache / "repo.git"
        self.revisions = cache / "revisions"

    def describe(self) -> str:
        where = f" ({self.path})" if self.path else ""
        return f"{redact_url(self.repo)} {self.branch}{where}"  # a token in the URL is never shown

    def default_owner(self) -> Optional[str]:
        """What a clone of the repository (`origin` the URL given) takes for the same directory, whichever
        commit is unpacked where: the owner stays the same from one commit to the next."""
        return repository_owner(self.given, self.path or ".")

    def fetch(self) -> Checkout:
        self.cache.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not (self.mirror / "HEAD").exists():
            git("init", "--bare", "--quiet", str(self.mirror))
        ref = f"refs/heads/{self.branch}"
        git("fetch", "--quiet", "--force", "--no-tags", self.repo, f"+{ref}:{ref}", cwd=self.mirror)
        commit = git("rev-parse", "--verify", f"refs/heads/{self.branch}^{{commit}}", cwd=self.mirror).stdout.strip()
        unpacked = self.revisions / commit
        if not unpacked.is_dir():
            unpack(self.mirror, commit, unpacked)
        root = unpacked / self.path if self.path else unpacked
        if not root.is_dir():
            raise SourceFailed([f"{self.describe()}: commit {commit[:12]} has no directory {self.path}"])
        return Checkout(root, commit, unpacked)

    def keep_only(self, kept: list[Checkout]) -> None:
        wanted = {checkout.revision for checkout in kept}
        if not self.revisions.is_dir():
            return
        for unpacked in self.revisions.iterdir():
            if unpacked.name not in wanted:
                shutil.rmtree(unpacked, ignore_errors=True)
