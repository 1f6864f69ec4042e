"""Nested options (`Field(options=...)`) in the schema built from a spec: their JSON schema, and the shape of an
entry refused at the line of the nested key."""

from __future__ import annotations

import pytest
from ansible_collections.converge.platforms.plugins.module_utils.spec import Field, ResourceSpec
from pydantic import ValidationError

from reconciler.desired.schema import entry_model, pydantic_problems
from reconciler.desired.yaml_reader import plain, read_yaml


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


def test_a_well_formed_entry_passes_the_shape_check():
    entry = {"name": "build", "steps": [{"name": "compile", "retries": 2, "trigger": {"event": "push"}}],
             "limits": {"cpu": 2}}
    entry_model(PipelineSpec()).model_validate(entry)


def test_unknown_and_missing_nested_keys_are_refused_at_their_own_lines(tmp_path):
    path = tmp_path / "pipeline.yml"
    path.write_text("name: build\n"
                    "steps:\n"
                    "  - name: compile\n"
                    "    trigger: {}\n"
                    "  - retries: 1\n"
                    "    bogus: 2\n"
                    "limits:\n"
                    "  cpus: 4\n"
                    "  memory: 1G\n", encoding="utf-8")
    node = read_yaml(str(path))
    model = entry_model(PipelineSpec())
    with pytest.raises(ValidationError) as caught:
        model.model_validate(plain(node))
    assert sorted(pydantic_problems(caught.value, str(path), node, "resources.demo_pipeline[0]", model)) == sorted([
        f"{path}:4: resources.demo_pipeline[0].steps[0].trigger.event: is required",
        f"{path}:5: resources.demo_pipeline[0].steps[1].name: is required",
        f"{path}:6: resources.demo_pipeline[0].steps[1].bogus: unknown key 'bogus'",
        f"{path}:8: resources.demo_pipeline[0].limits.cpus: unknown key 'cpus'",
    ])


def test_a_list_of_nested_options_given_a_mapping_says_it_must_be_a_list(tmp_path):
    path = tmp_path / "pipeline.yml"
    path.write_text("name: build\nsteps:\n  name: compile\n", encoding="utf-8")
    node = read_yaml(str(path))
    model = entry_model(PipelineSpec())
    with pytest.raises(ValidationError) as caught:
        model.model_validate(plain(node))
    assert pydantic_problems(caught.value, str(path), node, "resources.demo_pipeline[0]", model) == [
        f"{path}:2: resources.demo_pipeline[0].steps: must be a list"]
