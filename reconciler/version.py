"""The reconciler's version and that of the converge.platforms collection it runs with."""

from __future__ import annotations

import json
from importlib import metadata
from pathlib import Path

import yaml

DISTRIBUTION = "converge-platforms"


def reconciler_version() -> str:
    """The installed reconciler's version (the `converge-platforms` distribution), or "unknown" when not installed."""
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return "unknown"


def collection_version(root: Path | None = None) -> str:
    """The collection's version from its MANIFEST.json (a Galaxy install) or galaxy.yml (a source tree).

    `root` is the collection's directory; by default, the `ansible_collections.converge.platforms` found on
    the path. "unknown" when neither file says.
    """
    if root is None:
        import ansible_collections.converge.platforms as collection

        root = Path(next(iter(collection.__path__)))
    manifest = root / "MANIFEST.json"
    if manifest.is_file():
        return str(json.loads(manifest.read_text(encoding="utf-8"))["collection_info"]["version"])
    galaxy = root / "galaxy.yml"
    if galaxy.is_file():
        return str((yaml.safe_load(galaxy.read_text(encoding="utf-8")) or {}).get("version", "unknown"))
    return "unknown"


def version_text() -> str:
    """What `reconciler version` prints."""
    return f"reconciler {reconciler_version()}\nconverge.platforms collection {collection_version()}"
