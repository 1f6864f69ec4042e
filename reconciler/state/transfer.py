"""Moving a state from one backend to another (from a machine's `file://` to a team's `postgresql://`):
`python -m reconciler.state.transfer FROM_URL TO_URL`.

Every owner's ledger, history and suspensions are copied as they are, in one transaction of the target, which
must hold no state yet; the source is left as it was. No apply may run meanwhile: who holds a lock is not copied.
"""

from __future__ import annotations

import sys
from pathlib import Path

from ..errors import StateError
from . import open_backend
from .sql import SqlStore


def move_state(source_url: str | None, target_url: str, root: Path) -> dict[str, int]:
    """Copy the state of `source_url` (None: the file default under `root`) into `target_url`; the rows copied,
    by table. Raises StateError when either backend cannot be used or the target holds a state already."""
    with open_backend(source_url, root) as source, open_backend(target_url, root) as target:
        if not isinstance(source, SqlStore) or not isinstance(target, SqlStore):
            raise StateError([f"state backend {target.shown_url}: only the SQL backends can be moved"])
        tables = source.kept_rows()
        target.load(tables)
    return {table: len(rows) for table, rows in tables.items()}


def main(argv: list[str] | None = None) -> int:
    """The command: move the state of FROM_URL to TO_URL, relative `file://` paths from the working directory."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print("usage: python -m reconciler.state.transfer FROM_URL TO_URL", file=sys.stderr)
        return 1
    try:
        counts = move_state(args[0], args[1], Path.cwd())
    except StateError as exc:
        print("\n".join(exc.problems), file=sys.stderr)
        return 1
    print(f"moved {counts['ledger']} ledger entries, {counts['applies']} applies of the history and "
          f"{counts['suspensions']} suspensions")
    return 0


if __name__ == "__main__":
    sys.exit(main())
