"""The sections of a desired-state document (`version`, `endpoints`, `settings`, `existing`, `resources`) and
the trusted endpoints files of `--endpoints`, each read into the state being loaded with its `file:line`
problems."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Optional

from ansible_collections.converge.platforms.plugins.module_utils.http import answer_cap, call_timeout, validate_base_url
from pydantic import ValidationError

from ..platforms import PLATFORM_NAMES, kinds, platform
from ..sources import IGNORE_FILE
from .checks import validated
from .model import MAX_CONCURRENCY, SUPPORTED_VERSIONS, Endpoint, Entry
from .schema import Settings, did_you_mean, endpoint_model, entry_model, pydantic_problems
from .secrets import REFERENCED, inline_refusal, listed, outside_refusal, reference_refusal, secret_path, secret_refs
from .yaml_reader import line_of, plain, readable

#: the trusted endpoints files (colon-separated, os.pathsep) when no `--endpoints` is given
ENDPOINTS_FILES = "CONVERGE_ENDPOINTS"


@dataclass
class SecretRules:
    """What the secret references of desired-state files may read, and the endpoints the pipeline gave."""

    #: the desired state's directory (`desired_root`)
    root: str
    #: platform -> endpoint of the trusted `--endpoints` files; None when none is given
    trusted: Optional[dict[str, Endpoint]] = None


@dataclass
class Sections:
    """What the files read so far declare, gathered across them; `rules` None reads trusted endpoints files."""

    rules: Optional[SecretRules]
    endpoints: dict[str, Endpoint] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)
    entries: list[Entry] = field(default_factory=list)
    existing: dict[str, set[str]] = field(default_factory=dict)
    #: (`file:line`, label) of each secret written inline, refused unless `settings.inline_secrets`
    inline: list[tuple[str, str]] = field(default_factory=list)

    def inline_problems(self) -> list[str]:
        """The refusal of each secret written inline, unless `settings.inline_secrets` allows them."""
        if self.settings.get("inline_secrets", False):
            return []
        return [inline_refusal(where, label) for where, label in self.inline]


def desired_root(paths: list[str]) -> str:
    """The desired state's directory: the directory given, or the common directory of the files and directories
    given (the working directory when none is), symbolic links resolved."""
    directories = [Path(path) if Path(path).is_dir() else Path(path).parent for path in paths] or [Path.cwd()]
    return os.path.commonpath([str(directory.resolve()) for directory in directories])


def endpoints_files_given(endpoints_files: Optional[list[str]]) -> list[str]:
    """The trusted endpoints files: those given, else those `CONVERGE_ENDPOINTS` lists (colon-separated)."""
    return list(endpoints_files) if endpoints_files else listed(ENDPOINTS_FILES, os.pathsep)


def load_endpoints_files(paths: list[str]) -> tuple[dict[str, Endpoint], list[str]]:
    """The endpoints of trusted files (`--endpoints`), and their problems.

    A file holds what the `endpoints:` section of a desired-state file holds (a mapping of platform to
    connection; a document of `version` and `endpoints` is read the same), checked the same way. It is the
    pipeline's own: its references may read any variable and any file, a secret may be written inline, and its
    relative paths (`{file: PATH}`, `ca_path`, `state_file`) are beside it.
    """
    trusted = Sections(None)
    problems: list[str] = []
    for path, root in readable(paths, problems):
        node = root
        if isinstance(root, dict) and "endpoints" in root and set(root) <= {"version", "endpoints"}:
            node = root["endpoints"]
        problems.extend(_load_endpoints(path, node, root, trusted))
    for endpoint in trusted.endpoints.values():
        endpoint.trusted = True
        for key in ("ca_path", "state_file"):
            if isinstance(endpoint.data.get(key), str):
                endpoint.data[key] = str(secret_path(endpoint.data[key], endpoint.file))
    return trusted.endpoints, problems


#: the sections of a desired-state document
SECTION_NAMES = ("version", "endpoints", "settings", "existing", "resources")


def load_document(path: str, root: Any, sections: Sections) -> list[str]:
    """One desired-state file's document read into `sections`; its problems."""
    if not isinstance(root, dict):
        return [f"{path}:1: a desired-state document must be a mapping with version, endpoints and resources"]
    problems = [f"{path}:{line_of(root, key)}: unknown key '{key}'" + did_you_mean(key, SECTION_NAMES)
                for key in root if key not in SECTION_NAMES]
    if root.get("version") not in SUPPORTED_VERSIONS:
        line = line_of(root, "version") if "version" in root else 1
        problems.append(f"{path}:{line}: version: must be one of {list(SUPPORTED_VERSIONS)}")
    problems.extend(_load_endpoints(path, root.get("endpoints"), root, sections))
    problems.extend(_load_settings(path, root.get("settings"), sections.settings, root))
    problems.extend(_load_existing(path, root.get("existing"), sections.existing, root))
    problems.extend(_load_resources(path, root.get("resources"), root, sections))
    return problems


def is_desired_document(root: Any) -> bool:
    """Whether a file's document is meant as desired state: a mapping with a section beside `version` (or a key
    that misspells one), or whose keys are all sections. Another tool's YAML (an Ansible playbook, a list; an
    execution environment or a Compose file, whose `version` comes with keys of their own) is not."""
    if not isinstance(root, dict):
        return False
    named = [key for key in root if key in SECTION_NAMES or did_you_mean(key, SECTION_NAMES)]
    return any(key != "version" for key in named) or len(named) == len(root)


def not_a_document(path: str, root: Any, directory: Optional[str]) -> list[str]:
    """The refusal of a file that a directory given (`directory`) holds but that is no desired-state document;
    empty for a document, or for a file given by name (`load_document` says what is wrong with it)."""
    if directory is None or is_desired_document(root):
        return []
    relative = Path(path).relative_to(directory).as_posix()
    return [f"{path}:1: not a desired-state document (it has no endpoints, settings, existing or resources): list "
            f"{relative} in {Path(directory) / IGNORE_FILE} to leave it out"]


def _known_kinds(path: str, node: Any, root: Any, section: str, shape: str,
                 problems: list[str]) -> Iterator[tuple[str, Any, int]]:
    """Each known kind of a section that maps kinds to lists (`existing:`, `resources:`) with its value and line;
    the problems of the section's shape (`shape` says what it must be) and of unknown kinds go to `problems`, in
    the order of the file."""
    if node is None:
        return
    if not isinstance(node, dict):
        problems.append(f"{path}:{line_of(root, section)}: {section}: must be {shape}")
        return
    known = kinds()
    for kind, value in node.items():
        line = line_of(node, kind)
        if kind in known:
            yield kind, value, line
        else:
            problems.append(f"{path}:{line}: {section}: unknown kind '{kind}'"
                            + (did_you_mean(kind, known) or " (reconciler schema lists the kinds)"))


def _load_existing(path: str, node: Any, existing: dict[str, set[str]], root: Any) -> list[str]:
    """`existing:`: names, by kind, of objects on the platforms that entries refer to but do not manage."""
    problems: list[str] = []
    for kind, names, line in _known_kinds(path, node, root, "existing", "a mapping of kind to a list of names",
                                          problems):
        if not isinstance(names, list) or not all(isinstance(n, str) and n.strip() for n in names):
            problems.append(f"{path}:{line}: existing.{kind}: must be a list of names")
        else:
            existing.setdefault(kind, set()).update(names)
    return problems


def _load_endpoints(path: str, node: Any, root: Any, sections: Sections) -> list[str]:
    """`endpoints:` of a desired-state file read under `sections.rules`, or (rules None) of a trusted endpoints
    file."""
    if node is None:
        return []
    if not isinstance(node, dict):
        return [f"{path}:{line_of(root, 'endpoints')}: endpoints: must be a mapping of platform to connection"]
    problems = []
    for name, data in node.items():
        line = line_of(node, name)
        refused = _endpoint_refusal(path, line, name, data, sections.endpoints)
        if refused:
            problems.extend(refused)
            continue
        options = plain(data) or {}
        secret_lines = {k: line_of(data, k) for k in options if isinstance(options[k], dict)}
        rules = sections.rules
        endpoint = Endpoint(name, options, path, line, secret_lines, secret_root=rules.root if rules else None)
        if rules and rules.trusted is not None:
            problems.extend(_against_trusted(endpoint, data, rules.trusted))
        elif rules:
            problems.extend(_endpoint_secret_problems(endpoint, data, rules.root, sections.inline))
        sections.endpoints[name] = endpoint
    return problems


def _endpoint_refusal(path: str, line: int, name: Any, data: Any, endpoints: dict[str, Endpoint]) -> list[str]:
    """Why `endpoints.<name>` cannot be taken: an unknown platform, a second endpoint for one, a wrong shape, no
    url (or one with embedded), a url or bound the HTTP layer refuses. Empty when it can."""
    prefix = f"{path}:{line}: endpoints"
    if name not in PLATFORM_NAMES:
        return [f"{prefix}: unknown platform '{name}'"
                + (did_you_mean(name, PLATFORM_NAMES) or f" (known: {', '.join(PLATFORM_NAMES)})")]
    if name in endpoints:
        return [f"{prefix}.{name}: already defined at {endpoints[name].file}:{endpoints[name].line}"]
    if data is not None and not isinstance(data, dict):
        return [f"{prefix}.{name}: must be a mapping of connection options"]
    try:
        endpoint_model(name).model_validate(plain(data) if data is not None else {})
    except ValidationError as exc:
        return pydantic_problems(exc, path, data, f"endpoints.{name}", endpoint_model(name))
    options = plain(data) or {}
    if options.get("embedded") and options.get("url"):
        return [f"{prefix}.{name}: embedded and url are mutually exclusive (embedded starts an emulator with a URL "
                f"of its own)"]
    if not options.get("embedded") and not options.get("url"):
        return [f"{prefix}.{name}: url is required unless embedded is true"]
    if options.get("url"):
        try:
            validate_base_url(options["url"])
        except ValueError as exc:
            return [f"{path}:{line_of(data, 'url')}: endpoints.{name}.{exc}"]
    return _bound_problems(options, lambda option: f"{path}:{line_of(data, option)}: endpoints.{name}.")


def _endpoint_secret_problems(endpoint: Endpoint, node: Any, root: str, inline: list[tuple[str, str]]) -> list[str]:
    """A desired-state file's endpoint: its secrets written inline noted in `inline`, its references and its
    `state_file` refused when they reach outside the desired state's directory `root`."""
    name, path, options = endpoint.platform, endpoint.file, endpoint.data
    connection = platform(name).connection_argument_spec
    inline.extend((f"{path}:{line_of(node, key)}", f"endpoints.{name}.{key}") for key, value in options.items()
                  if connection.get(key, {}).get("no_log") and isinstance(value, str))
    problems = [f"{path}:{line_of(node, key)}: endpoints.{name}.{key}: {refusal}"
                for key, value in options.items() if isinstance(value, dict)
                for refusal in [reference_refusal(value, path, root)] if refusal]
    if options.get("state_file"):
        # the embedded emulator writes it (passwords in clear) and a .gitignore beside it: only where the
        # desired state lives, resolved as the session opens it (from the working directory)
        written = options["state_file"]
        refusal = outside_refusal(written, Path(written).expanduser().resolve(), root, "write")
        if refusal:
            problems.append(f"{path}:{line_of(node, 'state_file')}: endpoints.{name}.state_file: {refusal}")
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
        line = f"{endpoint.file}:{line_of(node, key)}: endpoints.{name}.{key}"
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
    line = line_of(root, "settings")
    if "_declared_at" in settings:
        return [f"{path}:{line}: settings: already declared at {settings['_declared_at']} (declare them once)"]
    settings["_declared_at"] = f"{path}:{line}"
    try:
        settings.update(Settings.model_validate(plain(node)).model_dump())
    except ValidationError as exc:
        return pydantic_problems(exc, path, node, "settings", Settings)
    if not 1 <= settings["concurrency"] <= MAX_CONCURRENCY:
        return [f"{path}:{line_of(node, 'concurrency')}: settings.concurrency: must be from 1 to {MAX_CONCURRENCY}"]
    return _ignore_settings_problems(path, node.get("ignore")) + _guardrail_settings_problems(path, node, settings)


def _ignore_settings_problems(path: str, node: Any) -> list[str]:
    """`settings.ignore`: each key a known kind, each of its names one of the kind's fields."""
    if not node:
        return []
    known = kinds()
    problems = []
    for kind, names in node.items():
        if kind not in known:
            problems.append(f"{path}:{line_of(node, kind)}: settings.ignore: unknown kind '{kind}'"
                            + (did_you_mean(kind, known) or " (reconciler schema lists the kinds)"))
            continue
        problems.extend(ignore_problems(known[kind], names, f"settings.ignore.{kind}", path))
    return problems


def _guardrail_settings_problems(path: str, node: Any, settings: dict[str, Any]) -> list[str]:
    """`settings.protect` (each pattern's kind a known one, its `file:line` kept for the refusals that name it) and
    `settings.max_deletes` (0 or more, its `file:line` kept)."""
    problems = []
    if node.get("max_deletes") is not None:
        settings["_max_deletes_at"] = f"{path}:{line_of(node, 'max_deletes')}"
        if node["max_deletes"] < 0:
            problems.append(f"{settings['_max_deletes_at']}: settings.max_deletes: must be 0 or more")
    patterns = node.get("protect") or []
    settings["_protect_at"] = [f"{path}:{line_of(patterns, index)}" for index in range(len(patterns))]
    known = kinds()
    for index, pattern in enumerate(patterns):
        kind, _, glob = pattern.partition("/")
        where = f"{settings['_protect_at'][index]}: settings.protect[{index}]"
        if kind not in known:
            problems.append(f"{where}: unknown kind '{kind}'"
                            + (did_you_mean(kind, known) or " (reconciler schema lists the kinds)"))
        elif "/" in pattern and not glob:
            problems.append(f"{where}: '{pattern}' names no object: give KIND, or KIND/NAME-GLOB")
    return problems


def ignore_problems(spec: Any, names: list[str], label: str, path: str) -> list[str]:
    """Each name of an `ignore` list (a node of `path`) that is not a compared field of the kind, at its line."""
    problems = []
    for index, name in enumerate(names):
        where = f"{path}:{line_of(names, index)}"
        if name not in spec.fields:
            problems.append(f"{where}: {label}: unknown field '{name}' of {spec.kind}"
                            + (did_you_mean(name, spec.fields) or f" (its fields: {', '.join(spec.fields)})"))
        elif not spec.fields[name].compare:
            problems.append(f"{where}: {label}: {spec.kind}.{name} is never compared, so there is no "
                            f"difference to ignore")
    return problems


def _load_resources(path: str, node: Any, root: Any, sections: Sections) -> list[str]:
    """`resources:`: each kind's entries, shape-checked by the kind's model and value-checked by the validator."""
    problems: list[str] = []
    known = kinds()
    for kind, items, line in _known_kinds(path, node, root, "resources", "a mapping of kind to a list of entries",
                                          problems):
        if not isinstance(items, list):
            problems.append(f"{path}:{line}: resources.{kind}: must be a list of entries")
            continue
        model = entry_model(known[kind])
        for index in range(len(items)):
            problems.extend(_load_entry(path, known[kind], model, items, index, sections))
    return problems


def _load_entry(path: str, spec: Any, model: Any, items: list[Any], index: int, sections: Sections) -> list[str]:
    """`resources.<kind>[index]` added to `sections.entries`, or its problems."""
    item = items[index]
    item_line = line_of(items, index)
    where = f"resources.{spec.kind}[{index}]"
    if not isinstance(item, dict):
        return [f"{path}:{item_line}: {where}: must be a mapping"]
    data = plain(item)
    try:
        model.model_validate(data)
    except ValidationError as exc:
        return pydantic_problems(exc, path, item, where, model)
    assert sections.rules is not None  # entries are read from desired-state files only
    own = _entry_key_problems(path, spec, item, where)
    if own:
        return own
    refs, problems = secret_refs(spec, data, path, item, where, sections.rules.root)
    sections.inline.extend((f"{path}:{line_of(item, key)}", f"{where}.{key}") for key in spec.secret_fields()
                           if isinstance(data.get(key), str))
    # a reference stands for a string: checked as one now, and again with its value once resolved
    referenced = {k: REFERENCED for k in spec.secret_fields() if isinstance(data.get(k), dict)}
    converted, spec_problems = validated(spec, dict(data, **referenced), path, where,
                                         lambda key: line_of(item, key) if key in item else line_of(item))
    if not spec_problems and not problems:
        sections.entries.append(Entry(spec.kind, converted, path, line_of(item) if line_of(item) > 1 else item_line,
                                      refs))
    return problems + spec_problems


def _entry_key_problems(path: str, spec: Any, item: Any, where: str) -> list[str]:
    """The entry-level keys beside the kind's fields: `observe` never writes, so it cannot `adopt`; each `ignore`
    name a compared field of the kind."""
    problems = []
    if item.get("observe") and item.get("adopt"):
        problems.append(f"{path}:{line_of(item, 'observe')}: {where}: observe and adopt are mutually exclusive (an "
                        f"observed entry never writes, so it cannot take the object over)")
    names = item.get("ignore")
    if names:
        problems.extend(ignore_problems(spec, names, f"{where}.ignore", path))
    return problems

