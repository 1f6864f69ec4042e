"""`reconciler schema` for editors: a draft 2020-12 schema with the project's `$id`, a plain-text description on
every field, which every example passes and the schema-level cases of the invalid corpus fail; and `--debug`
anywhere on the command line."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Iterator

import jsonschema
import pytest
import yaml
from click.testing import CliRunner

from reconciler import cli
from reconciler.desired.schema import document_schema
from reconciler.desired.schema_text import SCHEMA_ID, plain_text
from tests.support import ROOT

#: Ansible's documentation markup, which no description of the schema may carry
MARKUP = re.compile(r"\b(?:[ICMEBULOVP]|RV)\([^)]*\)|HORIZONTALLINE")

#: the cases of tests/data/invalid that the schema alone refuses: a key missing, unknown, or of the wrong type
SCHEMA_LEVEL_CASES = (
    # a key missing
    "020-top-missing-version.yml", "061-key-missing-required.yml",
    # a key unknown: a section, a platform, an endpoint option, a setting, a kind, an entry's key
    "023-top-unknown-key-typo.yml", "024-top-unknown-key.yml", "029-endpoint-unknown-platform-typo.yml",
    "030-endpoint-unknown-platform.yml", "031-endpoint-unknown-key-typo.yml", "051-settings-unknown-key-typo.yml",
    "055-kind-unknown-typo.yml", "056-kind-unknown.yml", "059-key-unknown-typo.yml", "060-key-unknown.yml",
    "064-existing-unknown-kind.yml", "122-ignore-unknown-field.yml",
    # a value of the wrong type or outside its choices
    "011-yaml-document-is-a-list.yml", "012-yaml-document-is-a-string.yml", "021-top-wrong-version.yml",
    "022-top-version-string.yml", "025-top-resources-list.yml", "026-top-endpoints-list.yml",
    "027-top-existing-list.yml", "028-top-settings-list.yml", "036-endpoint-url-number.yml",
    "038-endpoint-embedded-not-bool.yml", "039-endpoint-secret-bad-ref.yml", "041-endpoint-secret-list.yml",
    "042-endpoint-timeout-string.yml", "043-endpoint-validate-certs-string.yml", "044-endpoint-not-mapping.yml",
    "050-settings-concurrency-string.yml", "054-settings-prune-string.yml", "057-kind-entries-mapping.yml",
    "058-kind-entry-string.yml", "063-key-adopt-not-bool.yml", "065-existing-not-names.yml",
    "066-state-unknown.yml", "067-type-tag-list.yml", "068-type-tag-mapping.yml", "069-type-tag-bool.yml",
    "070-type-tag-number.yml", "075-type-cluster-biz-list.yml", "077-type-pool-size-string.yml",
    "078-type-pool-size-bool.yml", "097-type-number-for-string.yml", "115-secret-reference-bad-shape.yml",
)


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    """The schema as `reconciler schema` prints it."""
    result = CliRunner().invoke(cli.main, ["schema"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def desired_state_examples() -> list[Path]:
    """Every YAML file under examples/ that is a desired-state document (a mapping with `version: 1`)."""
    found = []
    for path in sorted(ROOT.joinpath("examples").rglob("*.y*ml")):
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        if isinstance(document, dict) and document.get("version") == 1:
            found.append(path)
    return found


def fields(node: Any, where: str = "") -> Iterator[tuple[str, Any]]:
    """(path, schema) of every property of every object in `node`, at any depth."""
    if isinstance(node, dict):
        for name, prop in (node.get("properties") or {}).items():
            yield f"{where}.{name}", prop
        for key, value in node.items():
            yield from fields(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from fields(value, f"{where}[{index}]")


def descriptions(node: Any) -> Iterator[str]:
    """Every description in `node`, at any depth."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "description" and isinstance(value, str):
                yield value
            else:
                yield from descriptions(value)
    elif isinstance(node, list):
        for value in node:
            yield from descriptions(value)


def test_the_schema_is_draft_2020_12_with_the_projects_own_id(schema):
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == SCHEMA_ID == "https://converge.invalid/schema/desired-state-1.json"
    jsonschema.Draft202012Validator.check_schema(schema)


def test_every_field_has_a_plain_text_description(schema):
    undescribed = [where for where, prop in fields(schema) if not (isinstance(prop, dict) and prop.get("description"))]
    assert undescribed == []
    marked = [text for text in descriptions(schema) if MARKUP.search(text)]
    assert marked == []


def test_the_keys_every_entry_and_endpoint_has_are_described(schema):
    job = schema["$defs"]["zstack_long_job_entry"]["properties"]
    assert job["state"]["description"] == ("Desired state of the object: submitted, cancelled, absent (default: "
                                           "submitted). absent deletes it.")
    assert job["wait"]["description"] == "Wait until the object has finished its work (default: true)."
    assert job["wait_timeout"]["description"] == "How long to wait, in seconds (default: 600)."
    assert job["adopt"]["description"].startswith("Take over the object that exists on the platform")
    zstack = schema["$defs"]["zstack_endpoint"]["properties"]
    assert zstack["url"]["description"].startswith("Base URL of the ZStack API, such as http://127.0.0.1:18080 "
                                                   "(the /zstack/v1 prefix is added).")
    assert "environment variable ZSTACK_URL" in zstack["url"]["description"]
    assert zstack["validate_certs"]["description"] == (
        "Whether to verify the TLS certificate of an https URL. If not set, the environment variable "
        "ZSTACK_VALIDATE_CERTS is used. Default: true.")
    assert zstack["embedded"]["description"].startswith("true: start the platform's emulator")
    assert set(zstack) >= {"url", "username", "password", "validate_certs", "ca_path", "timeout", "embedded",
                           "state_file"}


def test_a_setting_is_described_by_its_comment(schema):
    settings = schema["$defs"]["Settings"]["properties"]
    assert settings["prune"]["description"] == "Plan the deletion of owned objects that no entry names (also " \
                                               "`--prune`)"


@pytest.mark.parametrize("text, plain", [
    ("I(name) and C(state=present)", "name and state=present"),
    ("see M(converge.platforms.opendcp_pool_nodes)", "see converge.platforms.opendcp_pool_nodes"),
    ("E(ZSTACK_URL), B(bold), U(https://example.invalid)", "ZSTACK_URL, bold, https://example.invalid"),
    ("L(the guide,https://example.invalid/guide)", "the guide (https://example.invalid/guide)"),
    ("O(validate_certs=false), V(true), RV(changed)", "validate_certs=false, true, changed"),
    ("O(converge.platforms.zstack_user_tag#module:tag=x)", "tag=x"),
    ("P(converge.platforms.zstack#inventory) HORIZONTALLINE more", "converge.platforms.zstack\nmore"),
    ("IC(x) stays, as does a (parenthesis)", "IC(x) stays, as does a (parenthesis)"),
])
def test_plain_text_drops_ansible_markup(text, plain):
    assert plain_text(text) == plain


def test_every_example_passes_the_schema(schema):
    examples = desired_state_examples()
    assert {path.relative_to(ROOT).as_posix() for path in examples} >= {
        "examples/quickstart.yml", "examples/all-platforms.yml", "examples/teams/00-platform.yml",
        "examples/teams/db.yml", "examples/teams/web.yml"}
    validator = jsonschema.Draft202012Validator(schema)
    for path in examples:
        problems = [error.message for error in validator.iter_errors(yaml.safe_load(path.read_text()))]
        assert problems == [], path


@pytest.mark.parametrize("case", SCHEMA_LEVEL_CASES)
def test_the_schema_level_cases_of_the_invalid_corpus_fail_the_schema(schema, case):
    document = yaml.safe_load((ROOT / "tests" / "data" / "invalid" / case).read_text(encoding="utf-8"))
    assert not jsonschema.Draft202012Validator(schema).is_valid(document)


def test_the_schema_is_the_one_document_schema_builds(schema):
    assert schema == json.loads(json.dumps(document_schema()))


@pytest.mark.parametrize("args", [
    ["--debug", "validate", "x.yml"], ["validate", "--debug", "x.yml"], ["validate", "x.yml", "--debug"]])
def test_debug_anywhere_shows_the_traceback_of_an_internal_error(monkeypatch, args):
    monkeypatch.setattr(cli, "load", broken_load)
    result = CliRunner().invoke(cli.main, args)
    assert result.exit_code == 1
    assert "Traceback (most recent call last)" in result.stderr
    assert "RuntimeError: the loader broke" in result.stderr
    assert result.stderr.rstrip().endswith("internal error: RuntimeError: the loader broke (run with --debug for "
                                           "the traceback)")


def test_without_debug_an_internal_error_has_no_traceback(monkeypatch):
    monkeypatch.setattr(cli, "load", broken_load)
    result = CliRunner().invoke(cli.main, ["validate", "x.yml"])
    assert result.exit_code == 1
    assert result.stderr == "internal error: RuntimeError: the loader broke (run with --debug for the traceback)\n"


def test_debug_after_a_double_dash_is_a_file_name(monkeypatch):
    seen: list[list[str]] = []
    monkeypatch.setattr(cli, "load", lambda files, endpoints: seen.append(files) or broken_load())
    result = CliRunner().invoke(cli.main, ["validate", "--", "--debug"])
    assert seen == [["--debug"]]
    assert "Traceback" not in result.stderr


def broken_load(*_args: Any) -> None:
    """A `load` that fails as a bug would."""
    raise RuntimeError("the loader broke")


def test_the_readme_shows_editors_the_schema():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "`reconciler schema > desired-state.schema.json`" in readme
    assert "`# yaml-language-server: $schema=desired-state.schema.json`" in readme
