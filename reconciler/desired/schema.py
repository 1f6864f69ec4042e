"""The shape of a desired-state document as pydantic models built from the specs, and its JSON schema.

The models check the shape of a document and of its entries (mappings, lists, unknown and missing keys); the
values, nested `Field(options=...)` included, are checked by the one validator, the modules' own
(`checks.validated`). The JSON schema describes nested options as objects of their own. `reconciler schema` prints
`document_schema()`.
"""

from __future__ import annotations

import difflib
from typing import Annotated, Any, Literal, Optional, Union

from ansible_collections.converge.platforms.plugins.module_utils.ownership import OWNER_PATTERN
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    StringConstraints,
    ValidationError,
    WithJsonSchema,
    create_model,
)

from ..platforms import PLATFORM_NAMES, kinds, platform
from .model import DEFAULT_CONCURRENCY, SUPPORTED_VERSIONS
from .schema_text import (
    DIALECT,
    SCHEMA_ID,
    SECTIONS,
    WAIT,
    WAIT_TIMEOUT,
    describe_by_comments,
    endpoint_texts,
    plain_descriptions,
    platform_text,
    state_text,
)
from .secrets import secret_value
from .yaml_reader import line_of

_TYPES: dict[str, Any] = {
    "str": StrictStr,
    "path": StrictStr,
    "int": StrictInt,
    "float": Union[StrictInt, StrictFloat],
    "bool": StrictBool,
    "dict": dict,
    "raw": Any,
}


class SecretRef(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    env: Optional[StrictStr] = Field(None, description="The environment variable that holds the secret.")
    file: Optional[StrictStr] = Field(None, description="The file that holds the secret, relative to the desired "
                                                        "state's directory and inside it.")




SecretValue = Annotated[Any, AfterValidator(secret_value), WithJsonSchema({"anyOf": [
    {"type": "string"}, SecretRef.model_json_schema()]})]


class Settings(BaseModel):
    """`settings:` of a document (each field's `#:` comment is its description in the JSON schema)."""

    model_config = ConfigDict(extra="forbid", strict=True, json_schema_extra=describe_by_comments)
    #: how many changes and reads run at once (also `--concurrency`, which wins)
    concurrency: StrictInt = DEFAULT_CONCURRENCY
    #: the name written into the objects this desired state creates (default: derived from where the files are)
    owner: Optional[Annotated[StrictStr, StringConstraints(pattern=f"^{OWNER_PATTERN}$")]] = None
    #: plan the deletion of owned objects that no entry names (also `--prune`)
    prune: StrictBool = False
    #: true: a secret (endpoint passwords, resource passwords and keys) may be written inline, as the emulators'
    #: demos do; false (the default): each must be `{env: ...}`, `{file: ...}`, or the endpoint from --endpoints
    inline_secrets: StrictBool = False
    #: kind -> fields whose differences are never planned, for every entry of the kind (see `ignore:` on an entry)
    ignore: dict[StrictStr, list[StrictStr]] = {}
    #: `KIND` or `KIND/NAME-GLOB`: objects a plan may never delete (prune, `state: absent`) nor replace, which
    #: holds after their entry is gone
    protect: list[StrictStr] = []
    #: the most objects one plan may delete, replaces and prunes included (also `--max-deletes`, which wins)
    max_deletes: Optional[StrictInt] = None


_JSON_TYPES = {"str": "string", "path": "string", "int": "integer", "float": "number", "bool": "boolean",
               "dict": "object", "list": "array"}



def _json_schema(spec_field: Any) -> dict[str, Any]:
    """The JSON schema of a field's value, for editors (nested `options` as objects, see `_options_schema`)."""
    described = {"description": spec_field.description} if spec_field.description else {}
    if spec_field.choices:
        return {"enum": list(spec_field.choices), **described}
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
    if spec_field.secret:
        # a secret is written inline or as a reference, `{env: ...}` or `{file: ...}`
        schema = {"anyOf": [schema, SecretRef.model_json_schema()]}
    return dict(schema, **described)


def _field_type(spec_field: Any) -> Any:
    """The pydantic type of a field's value: any value, which the one validator checks (nested `options` too,
    naming the option), with its JSON schema for editors (nested options as objects, see `_options_schema`)."""
    if spec_field.options:
        described = {"description": spec_field.description} if spec_field.description else {}
        return Optional[Annotated[Any, WithJsonSchema(_options_schema(spec_field.options, spec_field.type,
                                                                      described))]]
    return Optional[Annotated[Any, WithJsonSchema(_json_schema(spec_field))]]


def _options_schema(options: dict[str, Any], field_type: str, extra: dict[str, Any]) -> dict[str, Any]:
    """The JSON schema of a field with nested options: an object of them (for `list`, an array of such objects)
    with their types, the required ones listed, and no other key."""
    properties = {}
    for option, sub in options.items():
        described = {"description": sub.description} if sub.description else {}
        properties[option] = (_options_schema(sub.options, sub.type, described) if sub.options else _json_schema(sub))
    item: dict[str, Any] = {"type": "object", "properties": properties, "additionalProperties": False}
    required = [option for option, sub in options.items() if sub.required]
    if required:
        item["required"] = required
    schema = {"type": "array", "items": item} if field_type == "list" else item
    return dict(schema, **extra)


#: what the keys every entry may carry, beside its kind's fields, mean (the JSON schema's descriptions)
ADOPT = ("Take over the object that exists on the platform: apply writes this desired state's owner into it (its "
         "marker, or the record beside it) so that prune may delete it later; a kind with no place for a marker "
         "keeps nothing.")
OBSERVE = ("Watch the object and never write it: not created, changed nor deleted (prune included); plan shows its "
           "differences under 'Drift on observed entries'.")
PROTECT = ("Never delete (prune, state absent) nor replace the object: a plan that would fails before anything "
           "is written, naming the object and this entry.")
IGNORE = ("Fields whose differences are never planned (the platform's or people's to change); a create still sends "
          "them. The plan's summary counts the differences ignored.")


def entry_model(spec: Any) -> type[BaseModel]:
    """The pydantic model of one entry of a kind: its fields, `state` and `wait` options, nothing else."""
    fields: dict[str, Any] = {}
    for name, spec_field in spec.fields.items():
        fields[name] = (_field_type(spec_field), ... if spec_field.required else None)
    if spec.states:
        fields["state"] = (Optional[Annotated[Any, WithJsonSchema(
            {"enum": list(spec.states), "description": state_text(spec.states)})]], None)
    fields["adopt"] = (Optional[Annotated[StrictBool, WithJsonSchema({"type": "boolean", "description": ADOPT})]],
                       None)
    fields["observe"] = (Optional[Annotated[StrictBool, WithJsonSchema({"type": "boolean", "description": OBSERVE})]],
                         None)
    fields["protect"] = (Optional[Annotated[StrictBool, WithJsonSchema({"type": "boolean", "description": PROTECT})]],
                         None)
    fields["ignore"] = (Optional[Annotated[list[StrictStr], WithJsonSchema(
        {"type": "array", "items": {"enum": sorted(name for name, field in spec.fields.items() if field.compare)},
         "description": IGNORE})]], None)
    if spec.waits:
        fields["wait"] = (Optional[Annotated[Any, WithJsonSchema({"type": "boolean", "description": WAIT})]], None)
        fields["wait_timeout"] = (Optional[Annotated[Any, WithJsonSchema(
            {"type": "integer", "minimum": 1, "description": WAIT_TIMEOUT})]], None)
    return create_model(f"{spec.kind}_entry", __config__=ConfigDict(extra="forbid"), **fields)


def endpoint_model(name: str) -> type[BaseModel]:
    """The pydantic model of `endpoints.<platform>`: the connection options, plus `embedded`."""
    texts = endpoint_texts(name)
    fields: dict[str, Any] = {"embedded": (Optional[StrictBool], Field(None, description=texts["embedded"])),
                              "state_file": (Optional[StrictStr], Field(None, description=texts["state_file"]))}
    for option, spec in platform(name).connection_argument_spec.items():
        base = _TYPES.get(spec.get("type", "str"), Any)
        if spec.get("no_log"):
            base = SecretValue
        fields[option] = (Optional[base], Field(None, description=texts[option]))
    return create_model(f"{name}_endpoint", __config__=ConfigDict(extra="forbid"), **fields)


def _optional_list(model: Any) -> Any:
    """The type of an optional list of `model` (a model made at run time, which a static type cannot name)."""
    return Optional[list[model]]


def document_schema() -> dict[str, Any]:
    """JSON schema of a whole desired-state document, for editors: draft 2020-12, the project's `$id`, and a
    plain-text description on every field."""
    strict = ConfigDict(extra="forbid")
    resources: dict[str, Any] = {kind: (_optional_list(entry_model(spec)), _described(
        f"The {kind} entries: {spec.description}")) for kind, spec in kinds().items()}
    endpoints: dict[str, Any] = {name: (Optional[endpoint_model(name)], _described(platform_text(name)))
                                 for name in PLATFORM_NAMES}
    existing: dict[str, Any] = {kind: (Optional[list[StrictStr]], _described(
        f"Names of {kind} objects on the platform, not managed here, that entries may refer to."))
        for kind in kinds()}
    sections: dict[str, Any] = {
        "version": (Literal[SUPPORTED_VERSIONS], Field(..., description=SECTIONS["version"])),
        "endpoints": (Optional[create_model("Endpoints", __config__=strict, **endpoints)],
                      _described(SECTIONS["endpoints"])),
        "settings": (Optional[Settings], _described(SECTIONS["settings"])),
        "existing": (Optional[create_model("Existing", __config__=strict, **existing)],
                     _described(SECTIONS["existing"])),
        "resources": (Optional[create_model("Resources", __config__=strict, **resources)],
                      _described(SECTIONS["resources"])),
    }
    schema = create_model("DesiredState", __config__=strict, **sections).model_json_schema()
    return plain_descriptions({"$schema": DIALECT, "$id": SCHEMA_ID, **schema})


def _described(text: str) -> Any:
    """An optional field's default (None) with its description."""
    return Field(None, description=text)


def did_you_mean(name: Any, choices: Any) -> str:
    """` (did you mean 'x'?)` for the closest of `choices`, or an empty string."""
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


def pydantic_problems(exc: ValidationError, file: str, node: Any, prefix: str,
                       model: type[BaseModel] | None = None) -> list[str]:
    problems = []
    for error in exc.errors():
        loc = list(error["loc"])
        # walk the ruamel node to the deepest existing location for its line number
        target, line = node, line_of(node)
        for part in loc:
            if isinstance(target, dict) and part in target:
                line = line_of(target, part)
                target = target[part]
            elif isinstance(target, list) and isinstance(part, int) and part < len(target):
                line = line_of(target, part)
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

