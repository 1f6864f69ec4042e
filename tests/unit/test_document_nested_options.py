"""Nested options (`Field(options=...)`) of a spec: their JSON schema, and the problems of an entry's nested
values, named by their path at the line of the entry's field."""

from __future__ import annotations

import pytest
from ansible_collections.converge.platforms.plugins.module_utils.spec import Field, ResourceSpec

from reconciler.desired.checks import validated
from reconciler.desired.schema import entry_model
from reconciler.desired.yaml_reader import line_of, plain, read_yaml


class PipelineSpec(ResourceSpec):
    """A kind of this test: a list of steps (each with a nested mapping of its own) and a mapping of limits."""

    kind = "demo_pipeline"
    platform = "demo"
    identity = ("name",)
    fields = {
        "name": Field("str", required=True),
        "steps": Field("list", elements="dict", description="What runs, in order.", options={
            "name": Field("str", required=True),
            "retries": Field("int", min=0),
            "trigger": Field("dict", options={"event": Field("str", choices=["push", "tag"], required=True)}),
        }),
        "limits": Field("dict", options={"cpu": Field("int"), "memory": Field("str")}),
    }


def value_schema(schema: dict, name: str) -> dict:
    """The schema of a field's value, without the `null` an optional field also takes."""
    (value,) = [option for option in schema["properties"][name]["anyOf"] if option != {"type": "null"}]
    return value


def test_the_json_schema_of_nested_options_is_an_object_with_their_types_required_keys_and_no_other():
    schema = entry_model(PipelineSpec()).model_json_schema()
    assert value_schema(schema, "steps") == {
        "type": "array", "description": "What runs, in order.",
        "items": {"type": "object", "additionalProperties": False, "required": ["name"], "properties": {
            "name": {"type": "string"},
            "retries": {"type": "integer", "minimum": 0},
            "trigger": {"type": "object", "additionalProperties": False, "required": ["event"],
                        "properties": {"event": {"enum": ["push", "tag"]}}}}}}
    assert value_schema(schema, "limits") == {
        "type": "object", "additionalProperties": False,
        "properties": {"cpu": {"type": "integer"}, "memory": {"type": "string"}}}


def entry_problems(path, text: str) -> list[str]:
    """The problems of one entry written in a file, as the loader finds them: its shape by the kind's model, then
    its values by the one validator, each at the line of the entry's field."""
    path.write_text(text, encoding="utf-8")
    node = read_yaml(str(path))
    data = plain(node)
    entry_model(PipelineSpec()).model_validate(data)
    _converted, problems = validated(PipelineSpec(), data, str(path), "resources.demo_pipeline[0]",
                                     lambda key: line_of(node, key) if key in node else line_of(node))
    return problems


def test_a_well_formed_entry_with_nested_options_passes(tmp_path):
    assert entry_problems(tmp_path / "pipeline.yml", "name: build\n"
                                                     "steps:\n"
                                                     "  - {name: compile, retries: 2, trigger: {event: push}}\n"
                                                     "limits: {cpu: 2}\n") == []


@pytest.mark.parametrize(("text", "problem"), [
    ("steps:\n  - {name: compile, trigger: {}}\n", "2: resources.demo_pipeline[0].steps[0].trigger.event: is required"),
    ("steps:\n  - {retries: 1, bogus: 2}\n",
     "2: resources.demo_pipeline[0].steps[0].bogus: unknown key 'bogus' (known: name, retries, trigger)"),
    ("limits:\n  cpus: 4\n", "2: resources.demo_pipeline[0].limits.cpus: unknown key 'cpus' (known: cpu, memory)"),
])
def test_a_nested_problem_is_named_by_its_path_at_its_fields_line(tmp_path, text, problem):
    path = tmp_path / "pipeline.yml"
    assert entry_problems(path, "name: build\n" + text) == [f"{path}:{problem}"]
