"""A second process for the state lock tests: `python -m tests.state_lock_holder hold|try URL KEY`.

`hold` takes the lock of KEY, prints `holding`, waits for a line on stdin, lets go and prints `released`.
`try` tries the lock of KEY without waiting and prints `took` or `refused: <the refusal>`.
The holder is this process on this host, applying `child.yml`.
"""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path

from reconciler.errors import LockHeld
from reconciler.state import LockHolder, open_backend
from reconciler.state.backend import utc_now


def main(mode: str, url: str, key: str) -> int:
    """Hold or try the lock of `key` in the backend `url`, saying what happened on stdout."""
    holder = LockHolder(socket.gethostname(), os.getpid(), ["child.yml"], utc_now())
    with open_backend(url, Path.cwd()) as backend:
        try:
            with backend.lock([key], holder, timeout=0):
                print("holding" if mode == "hold" else "took", flush=True)
                if mode == "hold":
                    sys.stdin.readline()
        except LockHeld as exc:
            print(f"refused: {exc}", flush=True)
            return 1
    if mode == "hold":
        print("released", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
