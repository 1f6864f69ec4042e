"""Secrets of a desired state: what a `{env: NAME}` or `{file: PATH}` reference may read, reading it, and the
refusal of a secret written inline."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ansible_collections.converge.platforms.plugins.module_utils.spec import SECRET_REFERENCE

from ..errors import DocumentError
from .yaml_reader import line_of

#: the environment variables a desired-state file may read start with this...
SECRET_ENV_PREFIX = "CONVERGE_"
#: ...or are listed in this variable (comma-separated), which the pipeline sets
SECRET_ENV_LIST = "CONVERGE_SECRET_ENV"
#: directories (colon-separated, os.pathsep) outside the desired state whose files a desired-state file may read
SECRET_DIRS = "CONVERGE_SECRET_DIRS"


def listed(variable: str, separator: str) -> list[str]:
    """The non-empty items of an environment variable holding a list."""
    return [item.strip() for item in os.environ.get(variable, "").split(separator) if item.strip()]


def secret_path(written: str, relative_to: str) -> Path:
    """The file a `{file: PATH}` reference names: `~` expanded, a relative path beside the file naming it."""
    path = Path(written).expanduser()
    return path if path.is_absolute() else Path(relative_to).parent / path


def reference_refusal(ref: dict[str, str], relative_to: str, root: str | Path) -> str | None:
    """Why a desired-state file (`relative_to`) may not read the reference `ref`, or None when it may.

    `{env: NAME}`: only `CONVERGE_*` variables and those listed in `CONVERGE_SECRET_ENV`. `{file: PATH}`: only
    files inside `root` (the desired state's directory), never inside a `.git` directory, or inside a directory
    listed in `CONVERGE_SECRET_DIRS`; symbolic links are followed before the check.
    """
    if "env" in ref:
        name = ref["env"]
        if name.startswith(SECRET_ENV_PREFIX) or name in listed(SECRET_ENV_LIST, ","):
            return None
        return (f"environment variable {name} may not be read from a desired-state file: name a "
                f"{SECRET_ENV_PREFIX}* variable, or list {name} in {SECRET_ENV_LIST} (the pipeline's setting, "
                f"comma-separated)")
    resolved = secret_path(ref["file"], relative_to).resolve()
    if any(resolved.is_relative_to(Path(directory).expanduser().resolve())
           for directory in listed(SECRET_DIRS, os.pathsep)):
        return None
    refusal = outside_refusal(ref["file"], resolved, root, "read")
    if refusal and not resolved.is_relative_to(Path(root).resolve()):
        refusal += f", or list its directory in {SECRET_DIRS} (the pipeline's setting, colon-separated)"
    return refusal


def outside_refusal(written: str, resolved: Path, root: str | Path, verb: str) -> str | None:
    """Why a desired-state file may not `verb` the file `written` (`resolved`, symlinks followed): outside the
    desired state's directory `root`, or inside a `.git` directory of it; None when it may."""
    shown = written if written == str(resolved) else f"{written} ({resolved})"
    root = Path(root).resolve()
    if not resolved.is_relative_to(root):
        return f"file {shown} is outside the desired state's directory: put it there"
    if ".git" in resolved.relative_to(root).parts:
        return f"file {shown} is inside a .git directory, which a desired-state file may not {verb}"
    return None


def read_secret(ref: dict[str, str], where: str, label: str, relative_to: str, root: str | Path | None = None,
                trusted: bool = False) -> str:
    """The value of `{env: NAME}` or `{file: PATH}` (a relative path is beside the file naming it); DocumentError
    `where: label: ...` when the variable is not set, the file cannot be read, or (unless `trusted`: a
    `--endpoints` file) `reference_refusal` refuses it within `root` (default: the directory of `relative_to`)."""
    refusal = None if trusted else reference_refusal(ref, relative_to, root or Path(relative_to).parent)
    if refusal:
        raise DocumentError([f"{where}: {label}: {refusal}"])
    if "env" in ref:
        value = os.environ.get(ref["env"])
        if value is None:
            raise DocumentError([f"{where}: {label}: environment variable {ref['env']} is not set"])
        return value
    path = secret_path(ref["file"], relative_to)
    try:
        return path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise DocumentError([f"{where}: {label}: cannot read {path}: {exc.strerror}"]) from None




def secret_value(value: Any) -> Any:
    """A secret is a string, `{env: NAME}` or `{file: PATH}`; one clear message otherwise."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and len(value) == 1 and isinstance(next(iter(value.values())), str) \
            and next(iter(value)) in ("env", "file"):
        if not next(iter(value.values())).strip():
            raise ValueError(f"{next(iter(value))}: must name a variable or a file, not be empty")
        return value
    raise ValueError("must be a string, {env: NAME} or {file: PATH}")



#: what the validator sees for a secret given by reference, until the reference is read (the specs' own stand-in)
REFERENCED = SECRET_REFERENCE


def secret_refs(spec, plain: dict, path: str, node: Any, where: str, root: str) -> tuple[dict, list[str]]:
    """The secret fields of an entry given as `{env: NAME}` or `{file: PATH}`, with their lines; or problems
    (a malformed reference, or one that `reference_refusal` refuses within `root`)."""
    refs, problems = {}, []
    secrets = set(spec.secret_fields())
    for key, value in plain.items():
        if not isinstance(value, dict) or key not in secrets:
            continue
        try:
            secret_value(value)
        except ValueError as exc:
            problems.append(f"{path}:{line_of(node, key)}: {where}.{key}: {exc}")
            continue
        refusal = reference_refusal(value, path, root)
        if refusal:
            problems.append(f"{path}:{line_of(node, key)}: {where}.{key}: {refusal}")
            continue
        refs[key] = (line_of(node, key), value)
    return refs, problems




def inline_refusal(where: str, label: str) -> str:
    """The refusal of a secret written inline in a desired-state file, saying what to write instead."""
    instead = ("{env: CONVERGE_NAME}, {file: PATH} or the endpoint from --endpoints FILE"
               if label.startswith("endpoints.") else "{env: CONVERGE_NAME} or {file: PATH}")
    return (f"{where}: {label}: a secret written inline: give {instead}, or set settings.inline_secrets: true "
            f"(for emulators and demos)")

