"""The tree stays readable: no source file over 600 lines and no function over 60, outside the tests and the
generated module documentation (plugins/modules/*.py hold DOCUMENTATION blocks written by a tool)."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.support import ROOT

MAX_FILE_LINES = 600
MAX_FUNCTION_LINES = 60
#: where the limits do not hold: tests, and module files whose bulk is generated documentation
EXEMPT = ("tests", "plugins/modules", "build", ".venv")


def source_files() -> list[Path]:
    """The project's own Python files under its packages, tools and bench."""
    files = []
    for path in sorted(ROOT.rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if relative.startswith(EXEMPT) or any(part.startswith(".") for part in path.relative_to(ROOT).parts):
            continue
        files.append(path)
    return files


def test_the_tree_has_the_files_it_checks():
    names = {path.relative_to(ROOT).as_posix() for path in source_files()}
    assert "reconciler/cli.py" in names and "plugins/module_utils/spec.py" in names
    assert not any(name.startswith("tests/") for name in names)


def test_no_source_file_is_over_600_lines():
    long_files = {path.relative_to(ROOT).as_posix(): count for path in source_files()
                  if (count := len(path.read_text(encoding="utf-8").splitlines())) > MAX_FILE_LINES}
    assert long_files == {}


def test_no_function_is_over_60_lines():
    long_functions = {}
    for path in source_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = node.end_lineno - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    long_functions[f"{path.relative_to(ROOT).as_posix()}:{node.lineno} {node.name}"] = length
    assert long_functions == {}
