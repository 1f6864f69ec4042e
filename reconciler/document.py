"""The desired-state document: YAML with line numbers, validated against schemas built from the specs.

Every problem is reported as `file:line: reason`, all of them at once, before anything reads or
writes a platform.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Callable, Iterator, Literal, Optional, Union

from ansible_collections.converge.platforms.plugins.module_utils.http import answer_cap, call_timeout, validate_base_url
from ansible_collections.converge.platforms.plugins.module_utils.ownership import OWNER_PATTERN
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    StringConstraints,
    ValidationError,
    WithJsonSchema,
    create_model,
)
from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import AliasEvent, CollectionEndEvent, CollectionStartEvent

from . import fast_yaml
from .platforms import PLATFORM_NAMES, kinds, platform
from .sources import SourceError, expand

SUPPORTED_VERSIONS = (1,)
DEFAULT_CONCURRENCY = 8
#: the most changes (and reads) a run makes at once
MAX_CONCURRENCY = 256
_TYPES: dict[str, Any] = {
    "str": StrictStr,
    "path": StrictStr,
    "int": StrictInt,
    "float": Union[StrictInt, StrictFloat],
    "bool": StrictBool,
    "dict": dict,
    "raw": Any,
}


class DocumentError(Exception):
    """One or more `file:line: reason` problems."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass
class Entry:
    """One desired resource: its kind, its fields (plain data) and where it was written."""

    kind: str
    data: dict[str, Any]
    file: str
    line: int
    #: secret field -> (its line, its `{env: ...}` / `{file: ...}` reference), resolved by `resolve_secrets`
    secret_refs: dict[str, tuple[int, dict[str, str]]] = field(default_factory=dict)
    #: (the data it was made from, `normalized`): made once, again only when `data` is replaced
    _normal: tuple = field(default=(None, None), repr=False, compare=False)

    @property
    def normalized(self) -> dict[str, Any]:
        """The data with the kind's defaults and `state` filled in; shared by every reader, so not to be changed."""
        data, normalized = self._normal
        if data is not self.data:
            normalized = kinds()[self.kind].normalize(self.data)
            self._normal = (self.data, normalized)
        return normalized

    @property
    def where(self) -> str:
        """`file:line`; an entry no file holds (an owned object to prune) says so instead."""
        return f"{self.file}:{self.line}" if self.line else self.file


@dataclass
class Endpoint:
    """Connection settings of one platform; secrets stay unresolved until `resolve()`.

    An endpoint of a desired-state file reads only what `reference_refusal` allows, with `secret_root` (default:
    its file's directory) as the desired state's directory; one of a `--endpoints` file is `trusted`.
    """

    platform: str
    data: dict[str, Any]
    file: str
    line: int
    secret_lines: dict[str, int] = field(default_factory=dict)
    trusted: bool = False
    secret_root: Optional[str] = None

    @property
    def embedded(self) -> bool:
        return bool(self.data.get("embedded"))

    def resolve(self) -> dict[str, Any]:
        """Connection parameters with `{env: NAME}` and `{file: PATH}` values read now."""
        params = {}
        for key, value in self.data.items():
            if isinstance(value, dict) and ("env" in value or "file" in value):
                value = self._secret(key, value)
            params[key] = value
        return params

    def _secret(self, key: str, ref: dict[str, str]) -> str:
        where = f"{self.file}:{self.secret_lines.get(key, self.line)}"
        return read_secret(ref, where, f"endpoints.{self.platform}.{key}", self.file, root=self.secret_root,
                           trusted=self.trusted)


#: the environment variables a desired-state file may read start with this...
SECRET_ENV_PREFIX = "CONVERGE_"
#: ...or are listed in this variable (comma-separated), which the pipeline sets
SECRET_ENV_LIST = "CONVERGE_SECRET_ENV"
#: directories (colon-separated, os.pathsep) outside the desired state whose files a desired-state file may read
SECRET_DIRS = "CONVERGE_SECRET_DIRS"
#: the trusted endpoints files (colon-separated, os.pathsep) when no `--endpoints` is given
ENDPOINTS_FILES = "CONVERGE_ENDPOINTS"


def _listed(variable: str, separator: str) -> list[str]:
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
        if name.startswith(SECRET_ENV_PREFIX) or name in _listed(SECRET_ENV_LIST, ","):
            return None
        return (f"environment variable {name} may not be read from a desired-state file: name a "
                f"{SECRET_ENV_PREFIX}* variable, or list {name} in {SECRET_ENV_LIST} (the pipeline's setting, "
                f"comma-separated)")
    resolved = secret_path(ref["file"], relative_to).resolve()
    if any(resolved.is_relative_to(Path(directory).expanduser().resolve())
           for directory in _listed(SECRET_DIRS, os.pathsep)):
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


@dataclass
class Desired:
    """Everything the files say: endpoints, settings and entries in file order."""

    files: list[str]
    endpoints: dict[str, Endpoint]
    settings: dict[str, Any]
    entries: list[Entry]
    #: kind -> names that exist on the platform without an entry here (references may name them)
    existing: dict[str, set] = field(default_factory=dict)
    #: `file:line: warning: ...` for what is valid but probably not meant (a shell template quoting a value)
    warnings: list[str] = field(default_factory=list)
    #: the desired state's directory: the files that `{file: PATH}` references may read are inside it
    secret_root: Optional[str] = None

    def by_kind(self) -> dict[str, list[Entry]]:
        grouped: dict[str, list[Entry]] = {}
        for entry in self.entries:
            grouped.setdefault(entry.kind, []).append(entry)
        return grouped


class SecretRef(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    env: Optional[StrictStr] = None
    file: Optional[StrictStr] = None


def _secret_value(value: Any) -> Any:
    """A secret is a string, `{env: NAME}` or `{file: PATH}`; one clear message otherwise."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and len(value) == 1 and isinstance(next(iter(value.values())), str) \
            and next(iter(value)) in ("env", "file"):
        if not next(iter(value.values())).strip():
            raise ValueError(f"{next(iter(value))}: must name a variable or a file, not be empty")
        return value
    raise ValueError("must be a string, {env: NAME} or {file: PATH}")


SecretValue = Annotated[Any, AfterValidator(_secret_value), WithJsonSchema({"anyOf": [
    {"type": "string"}, SecretRef.model_json_schema()]})]


class Settings(BaseModel):
    """`settings:` of a document."""

    model_config = ConfigDict(extra="forbid", strict=True)
    concurrency: StrictInt = DEFAULT_CONCURRENCY
    #: the name written into the objects this desired state creates (default: derived from where the files are)
    owner: Optional[Annotated[StrictStr, StringConstraints(pattern=f"^{OWNER_PATTERN}$")]] = None
    #: plan the deletion of owned objects that no entry names (also `--prune`)
    prune: StrictBool = False
    #: true: a secret (endpoint passwords, resource passwords and keys) may be written inline, as the emulators'
    #: demos do; false (the default): each must be `{env: ...}`, `{file: ...}`, or the endpoint from --endpoints
    inline_secrets: StrictBool = False


_JSON_TYPES = {"str": "string", "path": "string", "int": "integer", "float": "number", "bool": "boolean",
               "dict": "object", "list": "array"}


def _json_schema(spec_field) -> dict[str, Any]:
    """The JSON schema of a field, for editors; values are checked by the one validator, not by pydantic."""
    if spec_field.choices:
        return {"enum": list(spec_field.choices)}
    schema: dict[str, Any] = {}
    if spec_field.type in _JSON_TYPES:
        schema["type"] = _JSON_TYPES[spec_field.type]
    if spec_field.type == "list" and spec_field.elements in _JSON_TYPES:
        schema["items"] = {"type": _JSON_TYPES[spec_field.elements]}
    for key, value in (("minimum", spec_field.min), ("maximum", spec_field.max), ("pattern", spec_field.pattern)):
        if value is not None:
            schema[key] = value
    if spec_field.format:
        schema["format"] = spec_field.format
    if spec_field.description:
        schema["description"] = spec_field.description
    return schema


def _field_type(spec_field) -> Any:
    return Optional[Annotated[Any, WithJsonSchema(_json_schema(spec_field))]]


def entry_model(spec) -> type[BaseModel]:
    """The pydantic model of one entry of a kind: its fields, `state` and `wait` options, nothing else."""
    fields: dict[str, Any] = {}
    for name, spec_field in spec.fields.items():
        fields[name] = (_field_type(spec_field), ... if spec_field.required else None)
    if spec.states:
        fields["state"] = (Optional[Annotated[Any, WithJsonSchema({"enum": list(spec.states)})]], None)
    if spec.ownership is not None:
        fields["adopt"] = (Optional[StrictBool], None)
    if spec.waits:
        fields["wait"] = (Optional[Annotated[Any, WithJsonSchema({"type": "boolean"})]], None)
        fields["wait_timeout"] = (Optional[Annotated[Any, WithJsonSchema({"type": "integer", "minimum": 1})]], None)
    return create_model(f"{spec.kind}_entry", __config__=ConfigDict(extra="forbid"), **fields)


def endpoint_model(name: str) -> type[BaseModel]:
    """The pydantic model of `endpoints.<platform>`: the connection options, plus `embedded`."""
    fields: dict[str, Any] = {"embedded": (Optional[StrictBool], None), "state_file": (Optional[StrictStr], None)}
    for option, spec in platform(name).connection_argument_spec.items():
        base = _TYPES.get(spec.get("type", "str"), Any)
        if spec.get("no_log"):
            base = SecretValue
        fields[option] = (Optional[base], None)
    return create_model(f"{name}_endpoint", __config__=ConfigDict(extra="forbid"), **fields)


def document_schema() -> dict[str, Any]:
    """JSON schema of a whole desired-state document."""
    resources = {kind: (Optional[list[entry_model(spec)]], None) for kind, spec in kinds().items()}
    endpoints = {name: (Optional[endpoint_model(name)], None) for name in PLATFORM_NAMES}
    model = create_model(
        "DesiredState",
        __config__=ConfigDict(extra="forbid"),
        version=(Literal[SUPPORTED_VERSIONS], ...),
        endpoints=(Optional[create_model("Endpoints", __config__=ConfigDict(extra="forbid"), **endpoints)], None),
        settings=(Optional[Settings], None),
        existing=(Optional[create_model("Existing", __config__=ConfigDict(extra="forbid"), **{
            kind: (Optional[list[StrictStr]], None) for kind in kinds()})], None),
        resources=(Optional[create_model("Resources", __config__=ConfigDict(extra="forbid"), **resources)], None),
    )
    return model.model_json_schema()


# --- loading ------------------------------------------------------------------------------
def _line(node: Any, key: Any = None) -> int:
    """1-based line of a key (or item) inside a node (ruamel's or fast_yaml's), else of the node itself."""
    try:
        if key is not None:
            if isinstance(key, int):
                return node.lc.item(key)[0] + 1
            return node.lc.key(key)[0] + 1
        return node.lc.line + 1
    except (AttributeError, KeyError, IndexError, TypeError):
        return 1


#: the largest desired-state file read: larger ones are refused before they are parsed
MAX_FILE_BYTES = 4 * 1024 * 1024
#: the most values a file may expand to once its aliases are followed (a YAML "billion laughs" stops here)
MAX_VALUES = 1_000_000


class RecursiveAlias(ValueError):
    """A YAML alias that contains itself (`&a [*a]`), or aliases that expand beyond MAX_VALUES."""


def _plain(node: Any, _inside: tuple = (), _budget: list | None = None) -> Any:
    """Plain dicts and lists of a ruamel node; a node inside itself, or too many values, raise RecursiveAlias."""
    budget = [MAX_VALUES] if _budget is None else _budget
    budget[0] -= 1
    if budget[0] < 0:
        raise RecursiveAlias(f"the document expands to more than {MAX_VALUES:,} values once its aliases are "
                             f"followed (an alias bomb?)")
    if isinstance(node, (dict, list)):
        if any(node is outer for outer in _inside):
            raise RecursiveAlias("a YAML alias refers to a node that contains it")
        inside = _inside + (node,)
        if isinstance(node, dict):
            return {str(k): _plain(v, inside, budget) for k, v in node.items()}
        return [_plain(v, inside, budget) for v in node]
    return node


def _alias_inside_itself(events: Any) -> int | None:
    """The 1-based line of the first alias used inside the very node it names (`&a {k: *a}`), else None.

    Read from the parser's events, before any value is built: ruamel.yaml builds a mapping that holds an alias
    of itself with None in its place, so the value alone cannot tell. An alias is inside its node when it comes
    while the collection of that anchor is still open.
    """
    open_anchors: list[str | None] = []
    for event in events:
        if isinstance(event, CollectionStartEvent):
            open_anchors.append(event.anchor)
        elif isinstance(event, CollectionEndEvent):
            open_anchors.pop()
        elif isinstance(event, AliasEvent) and event.anchor in open_anchors:
            return event.start_mark.line + 1
    return None


def did_you_mean(name: Any, choices: Any) -> str:
    """` (did you mean 'x'?)` for the closest of `choices`, or an empty string."""
    import difflib

    close = difflib.get_close_matches(str(name), [str(choice) for choice in choices], n=1, cutoff=0.75)
    return f" (did you mean '{close[0]}'?)" if close else ""


#: pydantic's error types, said the way the rest of the reconciler says them
PYDANTIC_REASONS = {
    "dict_type": "must be a mapping", "model_type": "must be a mapping", "model_attributes_type": "must be a mapping",
    "string_type": "must be a string", "int_type": "must be an integer", "int_parsing": "must be an integer",
    "bool_type": "must be true or false", "bool_parsing": "must be true or false", "float_type": "must be a number",
    "list_type": "must be a list",
    "string_pattern_mismatch": "must be letters, digits, '.', '_' or '-' (at most 63), starting with a letter or "
                               "digit",
}


def _pydantic_problems(exc: ValidationError, file: str, node: Any, prefix: str,
                       model: type[BaseModel] | None = None) -> list[str]:
    problems = []
    for error in exc.errors():
        loc = list(error["loc"])
        # walk the ruamel node to the deepest existing location for its line number
        target, line = node, _line(node)
        for part in loc:
            if isinstance(target, dict) and part in target:
                line = _line(target, part)
                target = target[part]
            elif isinstance(target, list) and isinstance(part, int) and part < len(target):
                line = _line(target, part)
                target = target[part]
            else:
                break
        path = prefix + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc)
        if error["type"] == "extra_forbidden":
            reason = f"unknown key '{loc[-1]}'"
            if model is not None and len(loc) == 1:
                reason += did_you_mean(loc[-1], model.model_fields)
        elif error["type"] == "missing":
            reason = "is required"
        elif error["type"] in PYDANTIC_REASONS:
            reason = PYDANTIC_REASONS[error["type"]]
        else:
            reason = error["msg"].removeprefix("Value error, ")
            if error["type"].startswith("literal_error"):
                reason = reason.replace("Input should be", "must be")
        problems.append(f"{file}:{line}: {path}: {reason}")
    return problems


def _read_yaml(path: str) -> Any:
    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = False
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise DocumentError([f"{path}:1: cannot read: {exc.strerror}"])
    if len(raw) > MAX_FILE_BYTES:
        raise DocumentError([f"{path}:1: larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB, the most a desired-state "
                             f"file may be (split it into several files of a directory)"])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise DocumentError([f"{path}:{line}: not UTF-8 text (byte 0x{raw[exc.start]:02x})"])
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise DocumentError([f"{path}:{line}: a NUL byte is not allowed"])
    try:
        return _read_text(path, yaml, text)
    except fast_yaml.Refused as exc:
        raise DocumentError([f"{path}:{exc.line}: {exc.reason}"])
    except RecursionError:
        raise DocumentError([f"{path}:1: nested deeper than {fast_yaml.MAX_DEPTH} levels"])
    except ValueError as exc:
        if "integer string conversion" not in str(exc):
            raise
        # ruamel.yaml's int() of a number longer than Python converts, which it reports with no place
        long_number = _LONG_NUMBER.search(text)
        line = text.count("\n", 0, long_number.start()) + 1 if long_number else 1
        raise DocumentError([f"{path}:{line}: an integer longer than {fast_yaml.MAX_INT_DIGITS:,} digits "
                             f"(quote it if it is text)"])


#: a plain number longer than fast_yaml.MAX_INT_DIGITS, where the full reader cannot say where it was
_LONG_NUMBER = re.compile(r"(?<![\w\"'])[-+]?[0-9_]{%d,}" % (fast_yaml.MAX_INT_DIGITS + 1))


def _read_text(path: str, yaml: YAML, text: str) -> Any:
    """The document read from `text`: by fast_yaml when it is plain, else by ruamel.yaml."""
    try:
        root = fast_yaml.load(text)
    except fast_yaml.NotPlain:
        pass  # anchors, merge keys, tags, duplicates, errors: read and reported by ruamel.yaml
    else:
        return root
    try:
        inside_itself = _alias_inside_itself(yaml.parse(text))
        if inside_itself:
            raise DocumentError([f"{path}:{inside_itself}: a YAML alias refers to a node that contains it"])
        root = yaml.load(text)
        _plain(root)
        return root
    except RecursiveAlias as exc:
        raise DocumentError([f"{path}:1: {exc}"])
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        raise DocumentError([f"{path}:{line}: invalid YAML: {exc.problem or exc.context}"])
    except YAMLError as exc:
        raise DocumentError([f"{path}:1: invalid YAML: {exc}"])


@dataclass
class SecretRules:
    """What the secret references of desired-state files may read, and the endpoints the pipeline gave."""

    #: the desired state's directory (`desired_root`)
    root: str
    #: platform -> endpoint of the trusted `--endpoints` files; None when none is given
    trusted: Optional[dict[str, Endpoint]] = None


def desired_root(paths: list[str]) -> str:
    """The desired state's directory: the directory given, or the common directory of the files and directories
    given (the working directory when none is), symbolic links resolved."""
    directories = [Path(path) if Path(path).is_dir() else Path(path).parent for path in paths] or [Path.cwd()]
    return os.path.commonpath([str(directory.resolve()) for directory in directories])


def endpoints_files_given(endpoints_files: Optional[list[str]]) -> list[str]:
    """The trusted endpoints files: those given, else those `CONVERGE_ENDPOINTS` lists (colon-separated)."""
    return list(endpoints_files) if endpoints_files else _listed(ENDPOINTS_FILES, os.pathsep)


def load(paths: list[str], endpoints_files: Optional[list[str]] = None) -> Desired:
    """Load and validate desired-state files and directories; raise DocumentError listing every problem.

    A directory stands for every `*.yml` / `*.yaml` below it (sorted, hidden ones left out); entries merge
    across files, and endpoints and settings declared in one file serve the entries of every other. With
    `endpoints_files` (`--endpoints`; default: the files `CONVERGE_ENDPOINTS` lists) the endpoints come from
    those trusted files alone (`load_endpoints_files`), and a desired-state file may name an endpoint only by
    the same url. The secret references of desired-state files read only what `reference_refusal` allows, and
    a secret written inline is refused unless `settings.inline_secrets` is true.
    """
    rules = SecretRules(desired_root(paths))
    try:
        paths = expand(paths)
    except SourceError as exc:
        raise DocumentError(exc.problems) from None
    problems: list[str] = []
    trusted_files = endpoints_files_given(endpoints_files)
    if trusted_files:
        rules.trusted, trusted_problems = load_endpoints_files(trusted_files)
        problems.extend(trusted_problems)
    endpoints: dict[str, Endpoint] = {}
    settings: dict[str, Any] = {}
    entries: list[Entry] = []
    existing: dict[str, set] = {}
    inline: list[str] = []
    for path, root in _readable(paths, problems):
        problems.extend(_load_one(path, root, endpoints, settings, entries, existing, inline, rules))
    if not settings.get("inline_secrets", False):
        problems.extend(_inline_refusal(where, label) for where, label in inline)
    if rules.trusted is not None:
        endpoints = rules.trusted
    if not problems:
        problems.extend(_check_entries(entries, existing))
        problems.extend(_check_endpoints(entries, endpoints, rules.trusted is not None))
    if not problems:
        problems.extend(_check_cycles(entries))
    if problems:
        raise DocumentError(problems)
    return Desired(list(paths), endpoints, settings, entries, existing, _warnings(entries), rules.root)


def _readable(paths: list[str], problems: list[str]) -> Iterator[tuple[str, Any]]:
    """Each file's path and document, for the files that read; the problems of the others go to `problems`."""
    for path in paths:
        try:
            yield path, _read_yaml(path)
        except DocumentError as exc:
            problems.extend(exc.problems)


def _inline_refusal(where: str, label: str) -> str:
    """The refusal of a secret written inline in a desired-state file, saying what to write instead."""
    instead = ("{env: CONVERGE_NAME}, {file: PATH} or the endpoint from --endpoints FILE"
               if label.startswith("endpoints.") else "{env: CONVERGE_NAME} or {file: PATH}")
    return (f"{where}: {label}: a secret written inline: give {instead}, or set settings.inline_secrets: true "
            f"(for emulators and demos)")


def load_endpoints_files(paths: list[str]) -> tuple[dict[str, Endpoint], list[str]]:
    """The endpoints of trusted files (`--endpoints`), and their problems.

    A file holds what the `endpoints:` section of a desired-state file holds (a mapping of platform to
    connection; a document of `version` and `endpoints` is read the same), checked the same way. It is the
    pipeline's own: its references may read any variable and any file, a secret may be written inline, and its
    relative paths (`{file: PATH}`, `ca_path`, `state_file`) are beside it.
    """
    endpoints: dict[str, Endpoint] = {}
    problems: list[str] = []
    for path, root in _readable(paths, problems):
        node = root
        if isinstance(root, dict) and "endpoints" in root and set(root) <= {"version", "endpoints"}:
            node = root["endpoints"]
        problems.extend(_load_endpoints(path, node, endpoints, root, [], None))
    for endpoint in endpoints.values():
        endpoint.trusted = True
        for key in ("ca_path", "state_file"):
            if isinstance(endpoint.data.get(key), str):
                endpoint.data[key] = str(secret_path(endpoint.data[key], endpoint.file))
    return endpoints, problems


def _warnings(entries: list[Entry]) -> list[str]:
    known = kinds()
    return [f"{entry.where}: warning: {entry.kind}.{text}" for entry in entries
            for text in known[entry.kind].warnings(entry.normalized)]


def _load_one(path: str, root: Any, endpoints: dict, settings: dict, entries: list, existing: dict,
              inline: list, rules: SecretRules) -> list[str]:
    if not isinstance(root, dict):
        return [f"{path}:1: a desired-state document must be a mapping with version, endpoints and resources"]
    problems = []
    for key in root:
        if key not in ("version", "endpoints", "settings", "existing", "resources"):
            problems.append(f"{path}:{_line(root, key)}: unknown key '{key}'"
                            + did_you_mean(key, ("version", "endpoints", "settings", "existing", "resources")))
    if root.get("version") not in SUPPORTED_VERSIONS:
        line = _line(root, "version") if "version" in root else 1
        problems.append(f"{path}:{line}: version: must be one of {list(SUPPORTED_VERSIONS)}")
    problems.extend(_load_endpoints(path, root.get("endpoints"), endpoints, root, inline, rules))
    problems.extend(_load_settings(path, root.get("settings"), settings, root))
    problems.extend(_load_existing(path, root.get("existing"), existing, root))
    problems.extend(_load_resources(path, root.get("resources"), entries, root, inline, rules))
    return problems


def _load_existing(path: str, node: Any, existing: dict, root: Any) -> list[str]:
    """`existing:`: names, by kind, of objects on the platforms that entries refer to but do not manage."""
    if node is None:
        return []
    if not isinstance(node, dict):
        return [f"{path}:{_line(root, 'existing')}: existing: must be a mapping of kind to a list of names"]
    known = kinds()
    problems = []
    for kind, names in node.items():
        line = _line(node, kind)
        if kind not in known:
            problems.append(f"{path}:{line}: existing: unknown kind '{kind}'"
                            + (did_you_mean(kind, known) or " (reconciler schema lists the kinds)"))
        elif not isinstance(names, list) or not all(isinstance(n, str) and n.strip() for n in names):
            problems.append(f"{path}:{line}: existing.{kind}: must be a list of names")
        else:
            existing.setdefault(kind, set()).update(names)
    return problems


def _load_endpoints(path: str, node: Any, endpoints: dict, root: Any, inline: list,
                    rules: Optional[SecretRules]) -> list[str]:
    """`endpoints:` of a desired-state file read under `rules`, or (`rules` None) of a trusted endpoints file."""
    if node is None:
        return []
    if not isinstance(node, dict):
        return [f"{path}:{_line(root, 'endpoints')}: endpoints: must be a mapping of platform to connection"]
    problems = []
    for name, data in node.items():
        line = _line(node, name)
        if name not in PLATFORM_NAMES:
            problems.append(f"{path}:{line}: endpoints: unknown platform '{name}'"
                            + (did_you_mean(name, PLATFORM_NAMES) or f" (known: {', '.join(PLATFORM_NAMES)})"))
            continue
        if name in endpoints:
            other = endpoints[name]
            problems.append(f"{path}:{line}: endpoints.{name}: already defined at {other.file}:{other.line}")
            continue
        if data is not None and not isinstance(data, dict):
            problems.append(f"{path}:{line}: endpoints.{name}: must be a mapping of connection options")
            continue
        try:
            endpoint_model(name).model_validate(_plain(data) if data is not None else {})
        except ValidationError as exc:
            problems.extend(_pydantic_problems(exc, path, data, f"endpoints.{name}", endpoint_model(name)))
            continue
        plain = _plain(data) or {}
        if plain.get("embedded") and plain.get("url"):
            problems.append(f"{path}:{line}: endpoints.{name}: embedded and url are mutually exclusive (embedded "
                            f"starts an emulator with a URL of its own)")
            continue
        if not plain.get("embedded") and not plain.get("url"):
            problems.append(f"{path}:{line}: endpoints.{name}: url is required unless embedded is true")
            continue
        if plain.get("url"):
            try:
                validate_base_url(plain["url"])
            except ValueError as exc:
                problems.append(f"{path}:{_line(data, 'url')}: endpoints.{name}.{exc}")
                continue
        bounds = _bound_problems(plain, lambda option, data=data, name=name: f"{path}:{_line(data, option)}: "
                                                                            f"endpoints.{name}.")
        if bounds:
            problems.extend(bounds)
            continue
        secret_lines = {k: _line(data, k) for k in plain if isinstance(plain[k], dict)}
        endpoint = Endpoint(name, plain, path, line, secret_lines, secret_root=rules.root if rules else None)
        if rules and rules.trusted is not None:
            problems.extend(_against_trusted(endpoint, data, rules.trusted))
        elif rules:
            options = platform(name).connection_argument_spec
            inline.extend((f"{path}:{_line(data, key)}", f"endpoints.{name}.{key}") for key, value in plain.items()
                          if options.get(key, {}).get("no_log") and isinstance(value, str))
            problems.extend(f"{path}:{_line(data, key)}: endpoints.{name}.{key}: {refusal}"
                            for key, value in plain.items() if isinstance(value, dict)
                            for refusal in [reference_refusal(value, path, rules.root)] if refusal)
            if plain.get("state_file"):
                # the embedded emulator writes it (passwords in clear) and a .gitignore beside it: only where the
                # desired state lives, resolved as the session opens it (from the working directory)
                written = plain["state_file"]
                refusal = outside_refusal(written, Path(written).expanduser().resolve(), rules.root, "write")
                if refusal:
                    problems.append(f"{path}:{_line(data, 'state_file')}: endpoints.{name}.state_file: {refusal}")
        endpoints[name] = endpoint
    return problems


def _bound_problems(options: dict[str, Any], where: Callable[[str], str]) -> list[str]:
    """An endpoint's `timeout` and `max_answer_bytes` checked as the HTTP layer takes them, before any request;
    `where(option)` starts each problem."""
    problems = []
    for option, check in (("timeout", call_timeout), ("max_answer_bytes", answer_cap)):
        if options.get(option) is not None:
            try:
                check(options[option])
            except ValueError as exc:
                problems.append(where(option) + str(exc))
    return problems


def _against_trusted(endpoint: Endpoint, node: Any, trusted: dict[str, Endpoint]) -> list[str]:
    """A desired-state file's endpoint when `--endpoints` gives the endpoints: refused unless the trusted files
    declare its platform and it names nothing but the same url (or `embedded` as they do)."""
    name, where = endpoint.platform, f"{endpoint.file}:{endpoint.line}"
    given = trusted.get(name)
    if given is None:
        files = ", ".join(sorted({other.file for other in trusted.values()})) or "no endpoint"
        return [f"{where}: endpoints.{name}: not in the --endpoints file(s) ({files}): a desired-state file "
                f"cannot add an endpoint"]
    problems = []
    for key, value in endpoint.data.items():
        line = f"{endpoint.file}:{_line(node, key)}: endpoints.{name}.{key}"
        if key == "url" and str(value).rstrip("/") != str(given.data.get("url", "")).rstrip("/"):
            problems.append(f"{line}: {value} is not the url that --endpoints gives ({given.file}:{given.line}): "
                            f"a desired-state file cannot move an endpoint")
        elif key == "embedded" and bool(value) != given.embedded:
            problems.append(f"{line}: not what --endpoints gives ({given.file}:{given.line})")
        elif key not in ("url", "embedded"):
            problems.append(f"{line}: the endpoint's connection comes from --endpoints ({given.file}:{given.line}): "
                            f"a desired-state file may name only its url")
    return problems


def _load_settings(path: str, node: Any, settings: dict, root: Any) -> list[str]:
    """`settings:`, declared in one file of the desired state and holding for all of them."""
    if node is None:
        return []
    line = _line(root, "settings")
    if "_declared_at" in settings:
        return [f"{path}:{line}: settings: already declared at {settings['_declared_at']} (declare them once)"]
    settings["_declared_at"] = f"{path}:{line}"
    try:
        settings.update(Settings.model_validate(_plain(node)).model_dump())
    except ValidationError as exc:
        return _pydantic_problems(exc, path, node, "settings", Settings)
    if not 1 <= settings["concurrency"] <= MAX_CONCURRENCY:
        return [f"{path}:{_line(node, 'concurrency')}: settings.concurrency: must be from 1 to {MAX_CONCURRENCY}"]
    return []


def _load_resources(path: str, node: Any, entries: list, root: Any, inline: list, rules: SecretRules) -> list[str]:
    if node is None:
        return []
    if not isinstance(node, dict):
        return [f"{path}:{_line(root, 'resources')}: resources: must be a mapping of kind to a list of entries"]
    known = kinds()
    problems = []
    for kind, items in node.items():
        line = _line(node, kind)
        if kind not in known:
            problems.append(f"{path}:{line}: resources: unknown kind '{kind}'"
                            + (did_you_mean(kind, known) or " (reconciler schema lists the kinds)"))
            continue
        if not isinstance(items, list):
            problems.append(f"{path}:{line}: resources.{kind}: must be a list of entries")
            continue
        model = entry_model(known[kind])
        for index, item in enumerate(items):
            item_line = _line(items, index)
            where = f"resources.{kind}[{index}]"
            if not isinstance(item, dict):
                problems.append(f"{path}:{item_line}: {where}: must be a mapping")
                continue
            plain = _plain(item)
            try:
                model.model_validate(plain)
            except ValidationError as exc:
                problems.extend(_pydantic_problems(exc, path, item, where, model))
                continue
            refs, ref_problems = _secret_refs(known[kind], plain, path, item, where, rules.root)
            problems.extend(ref_problems)
            inline.extend((f"{path}:{_line(item, key)}", f"{where}.{key}") for key in known[kind].secret_fields()
                          if isinstance(plain.get(key), str))
            # a reference stands for a string: checked as one now, and again with its value once resolved
            referenced = {k: REFERENCED for k in known[kind].secret_fields() if isinstance(plain.get(k), dict)}
            data, spec_problems = _validated(known[kind], dict(plain, **referenced), path, where,
                                             lambda key, item=item: _line(item, key) if key in item else _line(item))
            problems.extend(spec_problems)
            if not spec_problems and not ref_problems:
                entries.append(Entry(kind, data, path, _line(item) if _line(item) > 1 else item_line, refs))
    return problems


def _validated(spec, data: dict, path: str, where: str, line_of: Callable[[Any], int]) -> tuple[dict, list[str]]:
    """An entry checked by the one validator (the modules' own): its values converted, or its problem at the line
    `line_of(option)` gives (`option` None for the entry itself)."""
    from ansible_collections.converge.platforms.plugins.module_utils.spec import SpecError

    try:
        converted = spec.validate(spec.normalize(data))
    except SpecError as exc:
        key = re.split(r"[\[.]", exc.option)[0] if exc.option else None
        option = f".{exc.option}" if exc.option else ""
        return data, [f"{path}:{line_of(key)}: {where}{option}: {exc.message}"]
    return {key: converted.get(key, value) for key, value in data.items()}, []


#: what the validator sees for a secret given by reference, until the reference is read
REFERENCED = "(secret reference)"


def _secret_refs(spec, plain: dict, path: str, node: Any, where: str, root: str) -> tuple[dict, list[str]]:
    """The secret fields of an entry given as `{env: NAME}` or `{file: PATH}`, with their lines; or problems
    (a malformed reference, or one that `reference_refusal` refuses within `root`)."""
    refs, problems = {}, []
    secrets = set(spec.secret_fields())
    for key, value in plain.items():
        if not isinstance(value, dict) or key not in secrets:
            continue
        try:
            _secret_value(value)
        except ValueError as exc:
            problems.append(f"{path}:{_line(node, key)}: {where}.{key}: {exc}")
            continue
        refusal = reference_refusal(value, path, root)
        if refusal:
            problems.append(f"{path}:{_line(node, key)}: {where}.{key}: {refusal}")
            continue
        refs[key] = (_line(node, key), value)
    return refs, problems


def resolve_secrets(desired: Desired) -> list[str]:
    """Read every secret an entry gives by reference into its data, checked by the validator like one written
    inline; returns the values read (for redaction). DocumentError lists every variable unset, file unreadable
    or value refused."""
    known = kinds()
    problems, values = [], []
    for entry in desired.entries:
        if not entry.secret_refs:
            continue
        resolved = dict(entry.data)
        for key, (line, ref) in entry.secret_refs.items():
            try:
                resolved[key] = read_secret(ref, f"{entry.file}:{line}", f"{entry.kind}.{key}", entry.file,
                                            root=desired.secret_root)
                values.append(resolved[key])
            except DocumentError as exc:
                problems.extend(exc.problems)
        if problems:
            continue
        refs = entry.secret_refs
        converted, refused = _validated(known[entry.kind], resolved, entry.file, entry.kind,
                                        lambda key, refs=refs, line=entry.line: refs[key][0] if key in refs else line)
        problems.extend(refused)
        if not refused:
            entry.data, entry.secret_refs = converted, {}
    if problems:
        raise DocumentError(problems)
    return values


def _check_entries(entries: list[Entry], existing: dict[str, set]) -> list[str]:
    """Duplicate identities, and references to entries that neither exist here nor are declared existing."""
    known = kinds()
    problems = []
    seen: dict[tuple, Entry] = {}
    names: dict[str, set] = {kind: set(values) for kind, values in existing.items()}
    related: dict[str, dict[str, dict]] = {}
    normalized = [entry.normalized for entry in entries]
    for entry, data in zip(entries, normalized, strict=True):
        spec = known[entry.kind]
        key = (entry.kind,) + spec.identity_of(data)
        if key in seen:
            first = seen[key]
            ident = ", ".join(f"{n}={entry.data.get(n)}" for n in spec.identity)
            problems.append(f"{entry.where}: duplicate {entry.kind} ({ident}); first defined at {first.where}")
        else:
            seen[key] = entry
        if data.get(spec.reference_key) is not None:
            names.setdefault(entry.kind, set()).add(data[spec.reference_key])
        if data.get("name") is not None:
            related.setdefault(entry.kind, {})[data["name"]] = data
    for entry, data in zip(entries, normalized, strict=True):
        spec = known[entry.kind]
        problems.extend(_related_problems(spec, entry, data, related))
        for reference in spec.references(data):
            if reference.required and reference.name not in names.get(reference.kind, set()):
                problems.append(f"{entry.where}: {entry.kind}.{reference.option}: no {reference.kind} named "
                                f"'{reference.name}' in the desired state (name it under existing.{reference.kind} "
                                f"if it exists on the platform)")
    return problems


def _check_cycles(entries: list[Entry]) -> list[str]:
    """Entries that depend on each other in a loop: one problem per loop, naming each member."""
    from .graph import entry_graph

    known = kinds()
    graph = entry_graph(entries, known)
    problems = []
    for cycle in graph.cycles():
        members = " -> ".join(f"{entry_title(entries[i])} ({entries[i].where})" for i in cycle)
        problems.append(f"{entries[cycle[0]].where}: dependency cycle: {members} -> "
                        f"{entry_title(entries[cycle[0]])}")
    return problems


def entry_title(entry: Entry) -> str:
    """How an entry is named in messages: its kind and identity (see `resource_title`)."""
    return resource_title(entry.kind, {name: entry.data.get(name) for name in kinds()[entry.kind].identity})


def resource_title(kind: str, identity: dict[str, Any]) -> str:
    """`kind[field=value, ...]`: how validation, plans, reports and saved plans name a resource.

    Identity fields without a value are left out, and a kind with no identity value is its bare name.
    """
    shown = ", ".join(f"{key}={value}" for key, value in identity.items() if value is not None and value != "")
    return f"{kind}[{shown}]" if shown else kind


def _related_problems(spec, entry: Entry, data: dict, related: dict) -> list[str]:
    from ansible_collections.converge.platforms.plugins.module_utils.spec import SpecError

    try:
        spec.check_related(data, related)
    except SpecError as exc:
        option = f".{exc.option}" if exc.option else ""
        return [f"{entry.where}: {entry.kind}{option}: {exc.message}"]
    return []


def _check_endpoints(entries: list[Entry], endpoints: dict[str, Endpoint], trusted: bool = False) -> list[str]:
    """An entry of a platform no endpoint is declared for (with `trusted`, none in the --endpoints files)."""
    known = kinds()
    problems = []
    reported = set()
    for entry in entries:
        name = known[entry.kind].platform
        if name not in endpoints and name not in reported:
            reported.add(name)
            remedy = f"add {name} to the --endpoints file" if trusted else f"add endpoints.{name}"
            problems.append(f"{entry.where}: {entry.kind}: no endpoint for platform '{name}' ({remedy})")
    return problems
