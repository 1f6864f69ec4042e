"""The words of `reconciler schema`: what each section, endpoint option and entry key means, as plain text.

Editors show a schema's descriptions as they are, so the Ansible markup of the collection's documentation
(`I(name)`, `C(state=present)`, `L(text,url)`, ...) is turned into plain text here, once, by `plain_text`;
`plain_descriptions` applies it to every description of a finished schema. The endpoint options are described
by the texts the modules' documentation is written from (`module_utils.platforms`).
"""

from __future__ import annotations

import inspect
import json
import re
from typing import Any

from ansible_collections.converge.platforms.plugins.module_utils import platforms as descriptors

#: where the schema says it lives: a name of the project's own, on no real host (RFC 2606 `.invalid`)
SCHEMA_ID = "https://converge.invalid/schema/desired-state-1.json"
DIALECT = "https://json-schema.org/draft/2020-12/schema"

#: `L(text,url)`: the text, then the address
_LINK = re.compile(r"\bL\(([^,()]*),\s*([^()]*)\)")
#: `P(fqcn#type)`: the plugin's name; O(), V(), RV() may name a plugin first (`fqcn#type:option=value`)
_PLUGIN = re.compile(r"\bP\(([^#()]*)#[^()]*\)")
_SEMANTIC = re.compile(r"\b(?:RV|O|V)\((?:[^#():]*#[^():]*:)?([^()]*)\)")
#: `I(x)`, `C(x)`, `M(x)`, `E(x)`, `B(x)`, `U(x)`: their content
_FORMAT = re.compile(r"\b[ICMEBU]\(([^()]*)\)")
_RULE = re.compile(r"\s*\bHORIZONTALLINE\b\s*")


def plain_text(text: str) -> str:
    """`text` without Ansible's documentation markup: `I(name)` -> `name`, `C(state=present)` ->
    `state=present`, `L(text,url)` -> `text (url)`, `O(plugin#type:x=1)` -> `x=1`, HORIZONTALLINE -> a break."""
    text = _LINK.sub(r"\1 (\2)", text)
    text = _PLUGIN.sub(r"\1", text)
    text = _SEMANTIC.sub(r"\1", text)
    text = _FORMAT.sub(r"\1", text)
    return _RULE.sub("\n", text).strip()


def plain_descriptions(schema: Any) -> Any:
    """`schema` with every `description` in it (at any depth) in plain text, and the description of an optional
    value (`anyOf: [{...description}, {type: null}]`) on the value itself, where editors look for it."""
    if isinstance(schema, list):
        return [plain_descriptions(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    result = {key: plain_text(value) if key == "description" and isinstance(value, str) else plain_descriptions(value)
              for key, value in schema.items()}
    described = [branch for branch in result.get("anyOf", []) if isinstance(branch, dict) and "description" in branch]
    if "description" not in result and len(described) == 1:
        result["description"] = described[0].pop("description")
    return result


#: the top-level sections of a document
SECTIONS = {
    "version": "The version of the desired-state format; 1 is the only one.",
    "endpoints": "How to reach each platform the entries need, one mapping per platform (or the trusted files "
                 "of --endpoints, which are used instead).",
    "settings": "How the reconciler treats this desired state: owner, prune, concurrency, secrets, ignored "
                "fields. Declared in one file of a desired state only.",
    "existing": "Per kind, the names of objects that are on the platform and not managed here, which entries may "
                "refer to.",
    "resources": "Per kind, the list of its entries: the objects that should exist (or not) on the platforms.",
}

#: the endpoint options that are the reconciler's, not a module's
EMBEDDED = ("true: start the platform's emulator inside the reconciler instead of reaching a url (demos and "
            "tests); its state is kept between runs. Mutually exclusive with url.")
STATE_FILE = ("With embedded: the file the embedded emulator keeps its state in, relative to the working directory "
              "and inside the desired state's directory (default: .converge/embedded/PLATFORM.json under that "
              "directory).")

WAIT = "Wait until the object has finished its work (default: true)."
WAIT_TIMEOUT = "How long to wait, in seconds (default: 600)."


def state_text(states: tuple[str, ...]) -> str:
    """The description of an entry's `state`: its choices and default (the module's documentation says more)."""
    text = f"Desired state of the object: {', '.join(states)} (default: {states[0]})."
    if "absent" in states:
        text += " absent deletes it."
    return text


def platform_text(name: str) -> str:
    """The description of `endpoints.<name>`."""
    title = descriptors.descriptor(name).title
    return (f"Connection to the {title} platform: its url and credentials, or embedded: true for its emulator. "
            f"Each option falls back to its environment variable.")


def endpoint_texts(name: str) -> dict[str, str]:
    """Connection option -> its description for platform `name`, from the texts of the modules' documentation
    (the shared ones, the platform's own, the url's note, the environment variable it falls back to)."""
    known = descriptors.descriptor(name)
    texts = {"embedded": EMBEDDED, "state_file": STATE_FILE}
    for option, spec in known.connection_argument_spec().items():
        lines = list(descriptors.SHARED_OPTION_DOCS.get(option) or known.option_docs.get(option) or [])
        if option == "url":
            lines.append(descriptors.URL_NOTE)
        if spec.get("fallback"):
            lines.append(f"If not set, the environment variable {spec['fallback'][1][0]} is used.")
        if spec.get("default") is not None:
            lines.append(f"Default: {json.dumps(spec['default'])}.")
        texts[option] = " ".join(lines) or option.replace("_", " ").capitalize() + "."
    return texts


def commented_fields(cls: type) -> dict[str, str]:
    """Field -> the `#:` comment lines just above it in the source of class `cls` (its documentation)."""
    texts: dict[str, str] = {}
    comment: list[str] = []
    for line in inspect.getsource(cls).splitlines():
        stripped = line.strip()
        field = re.match(r"(\w+)\s*:", stripped)
        if stripped.startswith("#:"):
            comment.append(stripped[2:].strip())
            continue
        if field and comment:
            text = " ".join(comment)
            texts[field.group(1)] = text[:1].upper() + text[1:]
        comment = []
    return texts


def describe_by_comments(schema: dict[str, Any], cls: type) -> None:
    """pydantic's `json_schema_extra`: each property of the model's schema described by its `#:` comment."""
    texts = commented_fields(cls)
    for name, prop in schema.get("properties", {}).items():
        if name in texts:
            prop.setdefault("description", texts[name])
