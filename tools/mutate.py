"""Break the write methods of the resource specs on purpose, one at a time, and see whether the tests notice.

    python -m tools.mutate [--kind KIND] [--list] [--thorough]

The write methods of each spec class (create, update, delete, act, apply, refresh, and the methods of the same
class they call that build a request body or call the client) are found by `ast` in every .py file under
plugins/module_utils/resources/. Each gets the mutants of three kinds:

- "old value sent": a value read from `desired` (or `change.desired`) is read from `live` instead;
- "a field dropped": a key of a dict literal, a keyword of a client call or a `body[key] = ...` is removed;
- "a delete skipped": a call that deletes or removes is not made.

Each mutant is written into a scratch copy of the repository (never the working tree) and the tests of its
kinds run there: first tests/contract/test_writes_land.py, then, for a mutant that survived them,
tests/contract and tests/unit (without the slow ones unless --thorough), selected by kind with -k. A mutant
the tests do not kill is a missing test. The table printed at the end counts mutants, killed and survived per
kind, and lists the survivors.
"""

from __future__ import annotations

import argparse
import ast
import copy
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

ROOT = Path(__file__).resolve().parent.parent
RESOURCES = Path("plugins") / "module_utils" / "resources"
WRITE_METHODS = ("create", "update", "delete", "act", "apply", "refresh")
DELETING = ("delete", "remove")
#: methods that read or wait, not write, though they may build a dict or call the client
NOT_WRITING = ("settle", "wait", "_wait", "read", "_read", "reread", "_reread", "predict", "plan", "check", "_check",
               "list_live", "outcome", "_outcome")
FAST_TESTS = ["tests/contract/test_writes_land.py"]
ALL_TESTS = ["tests/contract", "tests/unit"]
#: tests of ALL_TESTS left out: they repeat applies under injected faults, which a broken write does not change
SLOW_KEYWORDS = "under_faults"
COPY_IGNORED = shutil.ignore_patterns(".git", ".venv", "build", "__pycache__", ".mypy_cache", ".ruff_cache",
                                      ".pytest_cache", "*.egg-info", ".tox")
RUN_TIMEOUT = 900


@dataclass
class Mutant:
    """One deliberate break: where it is, what it does, the kinds whose tests must notice, the mutated source."""

    path: Path
    method: str
    line: int
    kind_of_break: str
    what: str
    kinds: tuple[str, ...]
    source: str

    def label(self) -> str:
        where = self.path.relative_to(RESOURCES) if self.path.is_relative_to(RESOURCES) else self.path
        return f"{where}:{self.line} {self.method}: {self.kind_of_break}: {self.what}"


@dataclass
class SpecClass:
    """A class of a resources file: its node, its bases by name, its kind (empty for a base class), its file."""

    node: ast.ClassDef
    bases: tuple[str, ...]
    kind: str
    path: Path


def class_kind(node: ast.ClassDef) -> str:
    """The `kind = "..."` a class sets, or ""."""
    for statement in node.body:
        if isinstance(statement, ast.Assign) and isinstance(statement.value, ast.Constant):
            if any(isinstance(t, ast.Name) and t.id == "kind" for t in statement.targets):
                return str(statement.value.value)
    return ""


def qualified(path: Path, name: str) -> str:
    """A class's key: its file and its name (two files may hold classes of the same name)."""
    return f"{path}::{name}"


def spec_classes(tree: ast.Module, path: Path) -> dict[str, SpecClass]:
    """The classes of the module at `path`, by `qualified` name."""
    return {qualified(path, node.name): SpecClass(node, tuple(ast.unparse(b).split(".")[-1] for b in node.bases),
                                                  class_kind(node), path)
            for node in tree.body if isinstance(node, ast.ClassDef)}


def is_base(base: str, spec: SpecClass, key: str, classes: dict[str, SpecClass]) -> bool:
    """Whether `spec`'s base named `base` is the class `key`: the class of that name in `spec`'s own file if
    there is one, else one of that name in another file (imported)."""
    own = qualified(spec.path, base)
    return own == key if own in classes else key.endswith("::" + base)


def kinds_of(key: str, classes: dict[str, SpecClass]) -> tuple[str, ...]:
    """The kinds a class's methods serve: its own, and those of every class deriving from it."""
    found = {classes[key].kind} if classes[key].kind else set()
    for other, spec in classes.items():
        if other != key and any(is_base(base, spec, key, classes) for base in spec.bases):
            found.update(kinds_of(other, classes))
    return tuple(sorted(found))


def methods(node: ast.ClassDef) -> dict[str, ast.FunctionDef]:
    return {item.name: item for item in node.body if isinstance(item, ast.FunctionDef)}


def is_client_call(node: ast.AST) -> bool:
    """Whether a node calls a method of `client`."""
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
        isinstance(node.func.value, ast.Name) and node.func.value.id == "client"


def builds_a_write(function: ast.FunctionDef) -> bool:
    """Whether a function calls the client, builds a dict or tuple, or reads `desired`, `live` or `whole`."""
    return any(is_client_call(node) or isinstance(node, (ast.Dict, ast.Tuple))
               or (isinstance(node, ast.Name) and node.id in ("desired", "live", "whole"))
               for node in ast.walk(function))


def methods_called(function: ast.FunctionDef) -> set[str]:
    """The names of the methods a function calls on `self` (`self.x(...)`, `Base.x(self, ...)`, `getattr`)."""
    called = set()
    for node in ast.walk(function):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            target = node.func.value
            if isinstance(target, ast.Name) and (target.id == "self" or (
                    node.args and isinstance(node.args[0], ast.Name) and node.args[0].id == "self")):
                called.add(node.func.attr)
    return called


def write_method_names(classes: dict[str, SpecClass]) -> set[str]:
    """The write methods, and the methods they call (to any depth) that are not reads or waits."""
    names = set(WRITE_METHODS)
    while True:
        more = {called for spec in classes.values() for name, function in methods(spec.node).items()
                if name in names for called in methods_called(function) if not called.startswith(NOT_WRITING)}
        if more <= names:
            return names
        names |= more


def write_methods(node: ast.ClassDef, names: set[str]) -> list[ast.FunctionDef]:
    """A class's own write methods and the helpers among `names` that build what a write sends."""
    return [function for name, function in methods(node).items()
            if name in WRITE_METHODS or (name in names and builds_a_write(function))]


def names_in_scope(function: ast.FunctionDef) -> set[str]:
    """The parameters and assigned names of a function."""
    names = {arg.arg for arg in function.args.args}
    names.update(t.id for node in ast.walk(function) if isinstance(node, (ast.Assign, ast.For))
                 for t in ast.walk(node.targets[0] if isinstance(node, ast.Assign) else node.target)
                 if isinstance(t, ast.Name))
    return names


Edit = Callable[[ast.FunctionDef], str]


def old_value_edits(function: ast.FunctionDef) -> Iterator[Edit]:
    """Each read of `desired` (or `change.desired`) made a read of `live` (`change.live`)."""
    has_live = "live" in names_in_scope(function)
    places = [i for i, node in enumerate(ast.walk(function))
              if (has_live and isinstance(node, ast.Name) and node.id == "desired" and isinstance(node.ctx, ast.Load))
              or (isinstance(node, ast.Attribute) and node.attr == "desired")]
    for place in places:
        def edit(tree: ast.FunctionDef, place=place) -> str:
            node = list(ast.walk(tree))[place]
            if isinstance(node, ast.Name):
                node.id = "live"
            else:
                node.attr = "live"
            return f"desired read from live at line {node.lineno}"
        yield edit


def dropped_field_edits(function: ast.FunctionDef) -> Iterator[Edit]:
    """Each key of a dict literal, keyword of a client call and `body[key] = ...` statement removed; each argument
    of a client call (but the ids) given as None."""
    for i, node in enumerate(ast.walk(function)):
        if is_client_call(node):
            for k, argument in enumerate(node.args):
                if "id" not in ast.unparse(argument) and not isinstance(argument, ast.Starred):
                    yield lambda tree, i=i, k=k: blank_argument(list(ast.walk(tree))[i], k)
        if isinstance(node, ast.Return) and isinstance(node.value, ast.Tuple):
            for k, element in enumerate(node.value.elts):
                if "id" not in ast.unparse(element) and not isinstance(element, ast.Starred):
                    yield lambda tree, i=i, k=k: blank_element(list(ast.walk(tree))[i], k)
        if isinstance(node, ast.Dict):
            for k in range(len(node.keys)):
                if node.keys[k] is not None:
                    yield lambda tree, i=i, k=k: drop_key(list(ast.walk(tree))[i], k)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.keywords:
            for k in range(len(node.keywords)):
                if node.keywords[k].arg:
                    yield lambda tree, i=i, k=k: drop_keyword(list(ast.walk(tree))[i], k)
        elif isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Subscript):
            yield lambda tree, i=i: drop_statement(tree, list(ast.walk(tree))[i], "the item set")


def blank_argument(node: ast.Call, index: int) -> str:
    given = ast.unparse(node.args[index])
    node.args[index] = ast.Constant(None)
    return f"argument {given} of {ast.unparse(node.func)} sent as None at line {node.lineno}"


def blank_element(node: ast.Return, index: int) -> str:
    assert isinstance(node.value, ast.Tuple)
    given = ast.unparse(node.value.elts[index])
    node.value.elts[index] = ast.Constant(None)
    return f"returned {given} sent as None at line {node.lineno}"


def drop_key(node: ast.Dict, index: int) -> str:
    key = ast.unparse(node.keys[index])
    del node.keys[index]
    del node.values[index]
    return f"key {key} dropped at line {node.lineno}"


def drop_keyword(node: ast.Call, index: int) -> str:
    name = node.keywords.pop(index).arg
    return f"keyword {name} of {ast.unparse(node.func)} dropped at line {node.lineno}"


def drop_statement(tree: ast.FunctionDef, statement: ast.stmt, what: str) -> str:
    """Replace a statement by `pass` wherever it is in the function."""
    for parent in ast.walk(tree):
        for field in ("body", "orelse", "finalbody"):
            block = getattr(parent, field, None)
            if isinstance(block, list) and statement in block:
                block[block.index(statement)] = ast.Pass()
                return f"{what} skipped at line {statement.lineno}: {ast.unparse(statement)[:80]}"
    raise ValueError("statement not found")


def skipped_delete_edits(function: ast.FunctionDef) -> Iterator[Edit]:
    """Each statement calling something that deletes or removes (any call of a `delete` method), not made."""
    for i, node in enumerate(ast.walk(function)):
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
            called = ast.unparse(node.value.func).split(".")[-1]
            if function.name == "delete" or any(word in called for word in DELETING):
                yield lambda tree, i=i: drop_statement(tree, list(ast.walk(tree))[i], "the delete")


EDITS = {"old value sent": old_value_edits, "a field dropped": dropped_field_edits,
         "a delete skipped": skipped_delete_edits}


def spliced(source: str, function: ast.FunctionDef, mutated: ast.FunctionDef) -> str:
    """`source` with a function's lines (decorators included) replaced by the mutated function."""
    lines = source.splitlines(keepends=True)
    first = min([function.lineno] + [d.lineno for d in function.decorator_list]) - 1
    indent = " " * function.col_offset
    body = "".join(indent + line + "\n" for line in ast.unparse(mutated).splitlines())
    return "".join(lines[:first]) + body + "".join(lines[function.end_lineno:])


def mutants_of(path: Path, root: Path = ROOT, classes: dict[str, SpecClass] | None = None) -> Iterator[Mutant]:
    """Every mutant of the write methods of the classes of one file (relative to `root`).

    `classes` are the classes of every resources file (by `qualified` name), so that a base class in one file (a by-id
    create) serves the kinds of its subclasses in the others; by default those of this file only.
    """
    source = (root / path).read_text(encoding="utf-8")
    tree = ast.parse(source)
    own = spec_classes(tree, path)
    every = dict(classes or {}, **own)
    names = write_method_names(every)
    for key, spec in own.items():
        name = spec.node.name
        kinds = kinds_of(key, every)
        if not kinds:
            continue
        for function in write_methods(spec.node, names):
            for kind_of_break, edits in EDITS.items():
                for edit in edits(function):
                    mutated = copy.deepcopy(function)
                    what = edit(mutated)
                    if ast.dump(mutated) == ast.dump(function):
                        continue
                    yield Mutant(path, f"{name}.{function.name}", function.lineno, kind_of_break, what, kinds,
                                 spliced(source, function, mutated))


def all_mutants(root: Path = ROOT, kind: str | None = None) -> list[Mutant]:
    """The mutants of every resources file (recursively), those of `kind` only when given."""
    paths = sorted(path.relative_to(root) for path in (root / RESOURCES).rglob("*.py"))
    classes: dict[str, SpecClass] = {}
    for path in paths:
        classes.update(spec_classes(ast.parse((root / path).read_text(encoding="utf-8")), path))
    found = []
    for path in paths:
        found.extend(m for m in mutants_of(path, root, classes) if kind is None or kind in m.kinds)
    return found


def interleaved(mutants: list[Mutant]) -> list[Mutant]:
    """The mutants one kind at a time in turn, so that a run cut short has tried every kind."""
    groups: dict[tuple[str, ...], list[Mutant]] = {}
    for mutant in mutants:
        groups.setdefault(mutant.kinds, []).append(mutant)
    queues = [list(reversed(group)) for group in groups.values()]
    ordered = []
    while any(queues):
        ordered.extend(queue.pop() for queue in queues if queue)
    return ordered


#: (words in a write method's name, the tests of test_writes_land that its break fails first)
FOCUS = ((("delete",), "delete or prune"), (("update", "write_args"), "update"), (("create", "api_fields"), "create"),
         (("act", "refresh"), "state"))


def focus(mutant: Mutant) -> str | None:
    """The tests of the fast pass that a break of the mutant's method fails first, None for all of them."""
    method = mutant.method.split(".")[-1]
    for words, tests in FOCUS:
        if method.startswith(words) or method.lstrip("_").startswith(words):
            return tests
    return None


def passes(mutant: Mutant) -> list[tuple[list[str], str | None]]:
    """The test runs of a mutant, each tried when the one before passed: the fast tests its method's break
    fails first, then tests/contract and tests/unit."""
    first = focus(mutant)
    return ([(FAST_TESTS, first)] if first else []) + [(ALL_TESTS, None)]


def killed(scratch: Path, mutant: Mutant, tests: list[str], thorough: bool, words: str | None = None) -> bool:
    """Whether the tests of the mutant's kinds (those matching `words`) fail in `scratch` as it is."""
    selection = f"({' or '.join(mutant.kinds)}) and not {SLOW_KEYWORDS}" + (f" and ({words})" if words else "")
    command = [sys.executable, "-m", "pytest", "-p", "no:xdist", "-p", "no:cacheprovider", "-x", "-q",
               "-k", selection] + tests
    if not thorough:
        command += ["-m", "not slow and not reliability"]
    try:
        run = subprocess.run(command, cwd=scratch, capture_output=True, text=True, timeout=RUN_TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        return True  # a write that never ends is noticed too
    return run.returncode not in (0, 5)  # 5: no test selected


def passes_unmutated(scratch: Path, mutant: Mutant, tests: list[str], words: str | None, thorough: bool,
                     known: dict[tuple[tuple[str, ...], str], bool]) -> bool:
    """Whether the mutant's tests pass in `scratch` unmutated (once per set of kinds and tests): a failing
    baseline would count every mutant as killed."""
    key = (mutant.kinds, " ".join(tests) + f" -k {words}")
    if key not in known:
        known[key] = not killed(scratch, mutant, tests, thorough, words)
    return known[key]


def verdict(scratch: Path, mutant: Mutant, thorough: bool,
            known: dict[tuple[tuple[str, ...], str], bool]) -> bool | None:
    """Run the mutant in the scratch copy (its file restored afterwards): whether the tests killed it, the
    runs of `passes` in turn; None when the tests fail unmutated."""
    target = scratch / mutant.path
    original = target.read_text(encoding="utf-8")
    for tests, words in passes(mutant):
        if not passes_unmutated(scratch, mutant, tests, words, thorough, known):
            return None
        target.write_text(mutant.source, encoding="utf-8")
        try:
            if killed(scratch, mutant, tests, thorough, words):
                return True
        finally:
            target.write_text(original, encoding="utf-8")
    return False


def table(results: list[tuple[Mutant, bool]]) -> str:
    """Mutants, killed and survived per kind (a mutant of a base class counts for each kind it serves)."""
    counts: dict[str, list[int]] = {}
    for mutant, dead in results:
        for kind in mutant.kinds:
            counts.setdefault(kind, [0, 0])[0 if dead else 1] += 1
    lines = ["| kind | mutants | killed | survived |", "|---|---:|---:|---:|"]
    lines += [f"| {kind} | {sum(c)} | {c[0]} | {c[1]} |" for kind, c in sorted(counts.items())]
    total = [sum(1 for _m, dead in results if dead), sum(1 for _m, dead in results if not dead)]
    lines.append(f"| all (each mutant once) | {sum(total)} | {total[0]} | {total[1]} |")
    return "\n".join(lines)


def run_all(mutants: list[Mutant], scratch: Path, jobs: int, thorough: bool,
            time_limit: float | None = None) -> list[tuple[Mutant, bool]]:
    """Run every mutant, `jobs` at once (each worker in a copy of the repository of its own), none started
    after `time_limit` seconds; the verdicts of those run whose tests pass unmutated, in the mutants' order."""
    deadline = time.monotonic() + time_limit if time_limit else None
    copies = []
    for number in range(max(1, jobs)):
        shutil.copytree(ROOT, scratch / f"repo-{number}", ignore=COPY_IGNORED, symlinks=True)
        copies.append(scratch / f"repo-{number}")
    free = list(copies)
    guard = threading.Lock()
    known: dict[tuple[tuple[str, ...], str], bool] = {}

    def run(numbered: tuple[int, Mutant]) -> tuple[Mutant, bool | None]:
        number, mutant = numbered
        if deadline is not None and time.monotonic() > deadline:
            return mutant, None
        with guard:
            copy_root = free.pop()
        try:
            dead = verdict(copy_root, mutant, thorough, known)
        finally:
            with guard:
                free.append(copy_root)
        word = {True: "killed", False: "SURVIVED", None: "not run (its tests fail unmutated)"}[dead]
        print(f"[{number}/{len(mutants)}] {word}: {','.join(mutant.kinds)}: {mutant.label()}", flush=True)
        return mutant, dead

    with ThreadPoolExecutor(max_workers=len(copies)) as pool:
        verdicts = list(pool.map(run, enumerate(mutants, 1)))
    return [(mutant, dead) for mutant, dead in verdicts if dead is not None]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.mutate", description=__doc__.split("\n\n")[0])
    parser.add_argument("--kind", help="only the mutants of this kind")
    parser.add_argument("--list", action="store_true", help="list the mutants without running the tests")
    parser.add_argument("--thorough", action="store_true", help="run the slow tests too (the modules' plays)")
    parser.add_argument("--time-limit", type=float, help="seconds after which no mutant is started (the table then "
                                                         "counts those run: interleaved, every kind is tried early)")
    parser.add_argument("--jobs", type=int, default=1, help="mutants run at once, each in a scratch copy of its own")
    options = parser.parse_args(argv)
    mutants = all_mutants(kind=options.kind)
    if options.list:
        for mutant in mutants:
            print(f"{','.join(mutant.kinds)}\t{mutant.label()}")
        print(f"{len(mutants)} mutants")
        return 0
    with tempfile.TemporaryDirectory(prefix="converge-mutate-") as scratch:
        results = run_all(interleaved(mutants), Path(scratch), options.jobs, options.thorough, options.time_limit)
    print(f"{len(results)} of {len(mutants)} mutants run")
    print(table(results))
    survivors = [m for m, dead in results if not dead]
    for mutant in survivors:
        print(f"survived: {','.join(mutant.kinds)}: {mutant.label()}")
    return 1 if survivors else 0


if __name__ == "__main__":
    sys.exit(main())
