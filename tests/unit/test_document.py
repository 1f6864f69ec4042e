"""Loading desired-state files: every problem as file:line: reason, before anything runs."""

from __future__ import annotations

import textwrap

import pytest

from reconciler.document import DocumentError, load
from reconciler.platforms import PLATFORM_NAMES

VM = "a1d6f0bbd21f4b3c8e7a2b9c4d5e6f70"


def problems(tmp_path, text: str) -> list[str]:
    path = tmp_path / "d.yml"
    path.write_text(textwrap.dedent(text))
    with pytest.raises(DocumentError) as err:
        load([str(path)])
    return [p.replace(str(path), "d.yml") for p in err.value.problems]


def test_not_a_mapping_and_wrong_version(tmp_path):
    assert problems(tmp_path, "- a\n") == [
        "d.yml:1: a desired-state document must be a mapping with version, endpoints and resources"]
    assert problems(tmp_path, "version: 2\n") == ["d.yml:1: version: must be one of [1]"]


def test_invalid_yaml_and_duplicate_keys(tmp_path):
    assert problems(tmp_path, "version: 1\n  bad: [\n") == [
        "d.yml:2: invalid YAML: mapping values are not allowed here"]
    assert problems(tmp_path, "version: 1\nversion: 1\n")[0].startswith("d.yml:2: invalid YAML: found duplicate key")


def test_endpoint_problems(tmp_path):
    assert problems(tmp_path, """\
        version: 1
        endpoints:
          zstack: {url: "http://127.0.0.1:1", password: 3}
          nimbus: {url: "http://127.0.0.1:2"}
        """) == ["d.yml:3: endpoints.zstack.password: must be a string, {env: NAME} or {file: PATH}",
                 f"d.yml:4: endpoints: unknown platform 'nimbus' (known: {', '.join(PLATFORM_NAMES)})"]
    assert problems(tmp_path, """\
        version: 1
        endpoints:
          zstack:
            password: {env: X}
            url: notaurl
        """) == ["d.yml:5: endpoints.zstack.url: 'notaurl' is not an http:// or https:// URL with a host"]


def test_entries_without_an_endpoint(tmp_path):
    assert problems(tmp_path, f"""\
        version: 1
        resources:
          zstack_user_tag:
            - {{resource_uuid: {VM}, resource_type: VmInstanceVO, tag: a}}
        """) == ["d.yml:4: zstack_user_tag: no endpoint for platform 'zstack' (add endpoints.zstack)"]


def test_spec_rules_are_checked_offline(tmp_path):
    assert problems(tmp_path, """\
        version: 1
        endpoints: {zstack: {url: "http://127.0.0.1:1", password: p}}
        resources:
          zstack_long_job:
            - name: mig
              job_name: APIMsg
          zstack_license:
            - license: "not base64!"
        """) == ["d.yml:5: resources.zstack_long_job[0].job_data: is required with state=submitted",
                 "d.yml:8: resources.zstack_license[0].license: is not valid base64 text"]


def test_secrets_are_resolved_only_when_asked(tmp_path, monkeypatch):
    path = tmp_path / "d.yml"
    secret = tmp_path / "pw"
    secret.write_text("from-file\n")
    path.write_text('version: 1\nendpoints:\n  zstack: {url: "http://127.0.0.1:1", password: {file: pw}}\n')
    desired = load([str(path)])
    assert desired.endpoints["zstack"].data["password"] == {"file": "pw"}
    assert desired.endpoints["zstack"].resolve()["password"] == "from-file"


def test_template_variables_and_values_are_checked_against_the_desired_actions(tmp_path):
    from tests.support import ROOT

    text = (ROOT / "examples" / "opendcp.yml").read_text()
    text = text.replace('args: "echo {{echo_word}}"', 'args: "echo {{echo_word}} {{colour}}"')
    text = text.replace("param_values: {echo_word: hello}", "param_values: {echo_word: 7}")
    assert problems(tmp_path, text) == [
        "d.yml:25: opendcp_actimpl.template: uses 'colour' not declared by action 'echo' (declared: echo_word)",
        "d.yml:33: opendcp_task_template.steps: echo_word must be of type string, got int",
    ]
