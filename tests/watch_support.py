"""What the watch tests share: a stepped clock, a bare git repository to push desired states to, and a watcher
of it (in-process: no test waits on the wall clock)."""

from __future__ import annotations

import json
import subprocess
import textwrap
import threading
from pathlib import Path

from reconciler.watch.cycle import WatchOptions
from reconciler.watch.loop import Watcher
from reconciler.watch.policy import Policy
from reconciler.watch.source import GitSource

OWNER = "team-a"


class SteppedClock:
    """A clock that moves only when stepped; a wait moves it by the seconds waited, at once."""

    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self.current = start
        self.waits: list[float] = []

    def now(self) -> float:
        return self.current

    def monotonic(self) -> float:
        return self.current

    def step(self, seconds: float) -> None:
        """Move the clock on by `seconds`."""
        self.current += seconds

    def wait(self, seconds: float, wake: threading.Event) -> bool:
        self.waits.append(seconds)
        if wake.is_set():
            return True
        self.current += max(0.0, seconds)
        return False


def git(*arguments: str, cwd: Path) -> str:
    """Run git in `cwd` (a commit as converge's test author); its output."""
    done = subprocess.run(["git", "-c", "user.name=converge-test", "-c", "user.email=test@localhost",
                           "-c", "init.defaultBranch=main", *arguments], cwd=str(cwd), capture_output=True, text=True,
                          check=True, timeout=60)
    return done.stdout.strip()


class Repository:
    """A bare repository (the remote a watch follows) and a working copy that pushes to it."""

    def __init__(self, root: Path) -> None:
        self.bare = root / "remote.git"
        self.work = root / "work"
        self.bare.mkdir(parents=True)
        git("init", "--bare", "--quiet", str(self.bare), cwd=root)
        self.work.mkdir()
        git("init", "--quiet", cwd=self.work)
        git("remote", "add", "origin", str(self.bare), cwd=self.work)

    @property
    def url(self) -> str:
        return f"file://{self.bare}"

    def push(self, files: dict[str, str], message: str = "desired state") -> str:
        """Commit the files (path -> text) and push them to `main`; the commit."""
        for name, text in files.items():
            path = self.work / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        git("add", "-A", cwd=self.work)
        git("commit", "--quiet", "-m", message, cwd=self.work)
        git("push", "--quiet", "origin", "HEAD:main", cwd=self.work)
        return git("rev-parse", "HEAD", cwd=self.work)


def clusters_file(url: str, clusters: dict[str, dict], state_dir: str = "") -> str:
    """A desired state of OpenDCP clusters (name -> fields), owned by team-a."""
    lines = "\n".join(f"    - {json.dumps(dict(name=name, **fields))}" for name, fields in clusters.items())
    return textwrap.dedent(f"""\
        version: 1
        endpoints:
          opendcp: {{url: {url}, operator: converge}}
        settings: {{owner: {OWNER}}}
        resources:
          opendcp_cluster:
        """) + lines + "\n"


def watcher_of(repository: Repository, cache: Path, policy: Policy, state: str, sinks=(), interval: float = 60.0
               ) -> tuple[Watcher, SteppedClock]:
    """A watcher of the repository's `main`, with a stepped clock."""
    clock = SteppedClock()
    options = WatchOptions(policy=policy, state=state)
    watcher = Watcher(GitSource(repository.url, "main", "", cache), options, interval=interval, clock=clock,
                      sinks=tuple(sinks), seed=1)
    return watcher, clock
