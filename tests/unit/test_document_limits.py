"""Desired-state files that no reader should build are `file:line` errors, never "internal error"."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from reconciler.cli import main
from reconciler.desired import DocumentError, load

HEAD = 'version: 1\nendpoints:\n  zstack: {url: "http://127.0.0.1:9", username: admin, password: p}\n'
TAG = "    - {resource_uuid: a1d6f0bbd21f4b3c8e7a2b9c4d5e6f70, resource_type: VmInstanceVO, tag: %s}\n"
#: an alias sends a file to the full reader (ruamel.yaml) instead of the fast one
ALIASED = "x: &a 1\ny: *a\n"


def problems(tmp_path, text: str) -> list[str]:
    path = tmp_path / "d.yml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DocumentError) as caught:
        load([str(path)])
    return [problem.replace(str(path), "d.yml") for problem in caught.value.problems]


@pytest.mark.parametrize("extra", ["", ALIASED], ids=["fast reader", "full reader"])
def test_an_integer_of_5000_digits_is_refused_at_its_line(tmp_path, extra):
    text = HEAD + extra + "resources:\n  zstack_user_tag:\n" + TAG % ("1" * 5000)
    line = text.count("\n")
    (problem,) = problems(tmp_path, text)
    assert problem.startswith(f"d.yml:{line}: an integer ") and "longer than 4,300 digits (quote it if it is text)" \
        in problem


@pytest.mark.parametrize("extra", ["", ALIASED], ids=["fast reader", "full reader"])
def test_yaml_nested_5000_deep_is_refused_at_its_line_at_once(tmp_path, extra):
    text = HEAD + extra + "resources: " + "[" * 5000 + "]" * 5000 + "\n"
    (problem,) = problems(tmp_path, text)
    assert problem == f"d.yml:{text.count(chr(10))}: nested deeper than 200 levels"


def test_nesting_past_the_bound_within_the_readers_reach_is_refused_at_its_line(tmp_path):
    (problem,) = problems(tmp_path, HEAD + "resources: " + "[" * 300 + "]" * 300 + "\n")
    assert problem == "d.yml:4: nested deeper than 200 levels"


def test_an_embedded_emulator_state_file_that_is_not_json_is_refused_at_its_endpoint(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bad.json").write_text("not json {", encoding="utf-8")
    (tmp_path / "d.yml").write_text("version: 1\nsettings: {inline_secrets: true}\nendpoints:\n"
                                    "  zstack: {embedded: true, state_file: bad.json}\nresources:\n"
                                    "  zstack_user_tag:\n" + TAG % "'a::b'", encoding="utf-8")
    result = CliRunner().invoke(main, ["plan", "d.yml"])
    assert result.exit_code == 1
    assert result.output.startswith("d.yml:4: endpoints.zstack.state_file: the embedded emulator cannot start from "
                                    "it: "), result.output
    assert "internal error" not in result.output


@pytest.mark.parametrize("option, value, reason", [
    ("timeout", "-1", "timeout: must be a number of seconds above 0, got -1"),
    ("timeout", "0", "timeout: must be a number of seconds above 0, got 0"),
    ("max_answer_bytes", "0", "max_answer_bytes: must be a number of bytes, at least 1, got 0")])
def test_an_endpoint_bound_that_is_no_bound_is_refused_at_its_line(tmp_path, option, value, reason):
    text = ('version: 1\nsettings: {inline_secrets: true}\nendpoints:\n  zstack:\n    url: "http://127.0.0.1:9"\n'
            f"    password: p\n    {option}: {value}\nresources: {{}}\n")
    assert problems(tmp_path, text) == [f"d.yml:7: endpoints.zstack.{reason}"]
