"""Every directory of Python files of the reconciler and the emulators is a package that setup.py ships: a
directory without `__init__.py` imports from a checkout (a namespace package) but is left out of the
distribution, and the installed `reconciler` then fails to import it."""

from __future__ import annotations

from setuptools import find_packages

from tests.support import ROOT


def test_every_directory_of_python_files_is_shipped():
    shipped = set(find_packages(where=str(ROOT), include=["reconciler", "reconciler.*", "emulators", "emulators.*"]))
    for top in ("reconciler", "emulators"):
        directories = {path.parent for path in (ROOT / top).rglob("*.py") if "__pycache__" not in path.parts}
        names = {".".join(directory.relative_to(ROOT).parts) for directory in directories}
        assert names - shipped == set(), "add an __init__.py to each"
