"""Loading desired-state files: every problem as file:line: reason, before anything runs."""

from __future__ import annotations

import textwrap

import pytest

from reconciler.desired import DocumentError, load, read_secret
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
        endpoints: {zstack: {url: "http://127.0.0.1:1", password: {env: CONVERGE_P}}}
        resources:
          zstack_long_job:
            - name: mig
              job_name: APIMsg
          zstack_license:
            - license: "not base64!"
        settings: {inline_secrets: true}
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


TAG = f"""\
resources:
  zstack_user_tag:
    - {{resource_uuid: {VM}, resource_type: VmInstanceVO, tag: a}}
"""
INLINE = ("a secret written inline: give {env: CONVERGE_NAME}, {file: PATH} or the endpoint from --endpoints FILE, "
          "or set settings.inline_secrets: true (for emulators and demos)")


def test_a_secret_written_inline_is_refused_unless_the_files_opt_in(tmp_path):
    text = 'version: 1\nendpoints:\n  zstack: {url: "http://127.0.0.1:1", password: p}\n' + TAG
    assert problems(tmp_path, text) == [f"d.yml:3: endpoints.zstack.password: {INLINE}"]
    assert problems(tmp_path, text + "settings: {inline_secrets: false}\n") == [
        f"d.yml:3: endpoints.zstack.password: {INLINE}"]
    (tmp_path / "d.yml").write_text(text + "settings: {inline_secrets: true}\n")
    assert load([str(tmp_path / "d.yml")]).endpoints["zstack"].resolve()["password"] == "p"


def test_a_reference_reads_converge_variables_and_what_the_pipeline_lists(tmp_path, monkeypatch):
    monkeypatch.delenv("CONVERGE_SECRET_ENV", raising=False)
    text = 'version: 1\nendpoints:\n  zstack: {url: "http://127.0.0.1:1", password: {env: %s}}\n' + TAG
    refusal = ("d.yml:3: endpoints.zstack.password: environment variable PW may not be read from a desired-state "
               "file: name a CONVERGE_* variable, or list PW in CONVERGE_SECRET_ENV (the pipeline's setting, "
               "comma-separated)")
    assert problems(tmp_path, text % "PW") == [refusal]
    monkeypatch.setenv("CONVERGE_SECRET_ENV", "PWD_OTHER,PW")
    monkeypatch.setenv("PW", "listed")
    (tmp_path / "d.yml").write_text(text % "PW")
    assert load([str(tmp_path / "d.yml")]).endpoints["zstack"].resolve()["password"] == "listed"
    monkeypatch.setenv("CONVERGE_SECRET_ENV", "PWD")  # a name, not a prefix
    assert problems(tmp_path, text % "PW") == [refusal]


def test_a_file_is_read_inside_the_desired_state_or_a_listed_directory(tmp_path, monkeypatch):
    """The desired state's directory is the directory given: a file below it reaches `..` while inside it."""
    monkeypatch.delenv("CONVERGE_SECRET_DIRS", raising=False)
    (tmp_path / "desired" / "team").mkdir(parents=True)
    (tmp_path / "desired" / "pw").write_text("beside\n")
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "pw").write_text("outside\n")
    site = tmp_path / "desired" / "team" / "site.yml"
    endpoint = 'version: 1\nendpoints:\n  zstack: {url: "http://127.0.0.1:1", password: {file: %s}}\n'
    site.write_text(endpoint % "../pw")
    assert load([str(tmp_path / "desired")]).endpoints["zstack"].resolve()["password"] == "beside"
    site.write_text(endpoint % "../../outside/pw")
    with pytest.raises(DocumentError) as err:
        load([str(tmp_path / "desired")])
    assert err.value.problems == [
        f"{site}:3: endpoints.zstack.password: file ../../outside/pw ({tmp_path / 'outside' / 'pw'}) is outside the "
        "desired state's directory: put it there, or list its directory in CONVERGE_SECRET_DIRS (the pipeline's "
        "setting, colon-separated)"]
    monkeypatch.setenv("CONVERGE_SECRET_DIRS", f"{tmp_path / 'elsewhere'}:{tmp_path / 'outside'}")
    assert load([str(tmp_path / "desired")]).endpoints["zstack"].resolve()["password"] == "outside"


def test_read_secret_refuses_what_a_desired_state_file_may_not_read_unless_trusted(tmp_path, monkeypatch):
    monkeypatch.delenv("CONVERGE_SECRET_ENV", raising=False)
    monkeypatch.setenv("HOME_SECRET", "s")
    with pytest.raises(DocumentError) as err:
        read_secret({"env": "HOME_SECRET"}, "d.yml:3", "label", str(tmp_path / "d.yml"))
    assert err.value.problems[0].startswith("d.yml:3: label: environment variable HOME_SECRET may not be read")
    with pytest.raises(DocumentError) as err:
        read_secret({"file": "/etc/hostname"}, "d.yml:3", "label", str(tmp_path / "d.yml"))
    assert err.value.problems[0].startswith("d.yml:3: label: file /etc/hostname is outside the desired state's")
    assert read_secret({"env": "HOME_SECRET"}, "e.yml:3", "label", str(tmp_path / "e.yml"), trusted=True) == "s"


def test_endpoints_files_are_trusted_and_a_desired_file_names_only_their_urls(tmp_path, monkeypatch):
    monkeypatch.setenv("DEPLOY_PW", "from-the-pipeline")
    deploy = tmp_path / "deploy"
    deploy.mkdir()
    (deploy / "migration-pw").write_text("beside-the-endpoints\n")
    zstack = deploy / "zstack.yml"
    zstack.write_text('zstack: {url: "http://127.0.0.1:1", password: {env: DEPLOY_PW}, ca_path: ca.pem}\n')
    migration = deploy / "migration.yml"
    migration.write_text('version: 1\nendpoints:\n  migration: {url: "http://127.0.0.1:2", password: {file: '
                         'migration-pw}}\n')
    (tmp_path / "d.yml").write_text('version: 1\nendpoints:\n  zstack: {url: "http://127.0.0.1:1/"}\n' + TAG)
    desired = load([str(tmp_path / "d.yml")], [str(zstack), str(migration)])
    assert desired.endpoints["zstack"].file == str(zstack)
    assert desired.endpoints["zstack"].resolve() == {"url": "http://127.0.0.1:1", "password": "from-the-pipeline",
                                                     "ca_path": str(deploy / "ca.pem")}
    assert desired.endpoints["migration"].resolve()["password"] == "beside-the-endpoints"
    with pytest.raises(DocumentError) as err:
        load([str(tmp_path / "d.yml")], [str(migration)])
    assert [p.replace(str(tmp_path), "") for p in err.value.problems] == [
        "/d.yml:3: endpoints.zstack: not in the --endpoints file(s) (/deploy/migration.yml): a desired-state file "
        "cannot add an endpoint"]
    (tmp_path / "e.yml").write_text("version: 1\n" + TAG)
    with pytest.raises(DocumentError) as err:
        load([str(tmp_path / "e.yml")], [str(migration)])
    assert err.value.problems == [f"{tmp_path / 'e.yml'}:4: zstack_user_tag: no endpoint for platform 'zstack' "
                                  "(add zstack to the --endpoints file)"]


def test_an_endpoints_file_is_checked_as_the_endpoints_of_a_desired_state_file(tmp_path):
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text('zstack: {url: "http://127.0.0.1:1", pasword: x}\nnimbus: {url: "http://127.0.0.1:2"}\n')
    (tmp_path / "d.yml").write_text("version: 1\n" + TAG)
    with pytest.raises(DocumentError) as err:
        load([str(tmp_path / "d.yml")], [str(endpoints)])
    assert err.value.problems == [
        f"{endpoints}:1: endpoints.zstack.pasword: unknown key 'pasword' (did you mean 'password'?)",
        f"{endpoints}:2: endpoints: unknown platform 'nimbus' (known: {', '.join(PLATFORM_NAMES)})"]
