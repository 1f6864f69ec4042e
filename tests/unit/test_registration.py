"""Every module is registered once, from the specs: module files, meta/runtime.yml, README.md, DOCUMENTATION.

tools/render_module_docs.py writes the generated parts; these tests fail when any of them drifts from the
platforms' `SPECS`, the info modules or the module files.
"""

from __future__ import annotations

import importlib
import re
import subprocess
import sys

import pytest
import yaml

from tests.support import ROOT, ansible_env

PLATFORMS = ["zstack", "vsd", "osgview", "migration", "opendcp"]
MODULES_DIR = ROOT / "plugins" / "modules"


def _tool():
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        return importlib.import_module("render_module_docs")
    finally:
        sys.path.remove(str(ROOT / "tools"))


render = _tool()


def platform_specs(platform):
    return importlib.import_module(
        f"ansible_collections.converge.platforms.plugins.module_utils.resources.{platform}").SPECS


def spec_kinds() -> list[str]:
    return [spec.kind for platform in PLATFORMS for spec in platform_specs(platform)]


def module_files() -> set[str]:
    return {path.stem for path in MODULES_DIR.glob("*.py") if path.stem != "__init__"}


def readme_rows() -> list[tuple[str, list[str]]]:
    """(platform, modules) of each row of README.md's module table."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert text.count(render.README_START) == 1 and text.count(render.README_END) == 1
    table = text.split(render.README_START + "\n", 1)[1].split(render.README_END, 1)[0]
    rows = []
    for line in table.splitlines()[2:]:
        cells = [cell.strip() for cell in line.strip().strip("|").split(" | ")]
        rows.append((cells[0], re.findall(r"`([a-z0-9_]+)`", cells[1])))
    return rows


# --- module files and specs ------------------------------------------------------------------------------
def test_every_module_file_is_a_spec_kind_an_info_module_or_reconcile():
    registered = set(spec_kinds()) | set(render.INFO_MODULES) | {"reconcile"}
    assert module_files() - registered == set()


def test_every_spec_kind_and_info_module_has_a_module_file():
    kinds = spec_kinds()
    assert len(kinds) == len(set(kinds)), "a kind is in two SPECS lists"
    assert (set(kinds) | set(render.INFO_MODULES)) - module_files() == set()
    assert set(kinds).isdisjoint(render.INFO_MODULES)


@pytest.mark.parametrize("platform", PLATFORMS)
def test_a_platforms_specs_name_its_platform_and_its_doc_fragment_exists(platform):
    for spec in platform_specs(platform):
        assert spec.platform == platform and spec.kind.startswith(platform + "_"), spec.kind
    assert (ROOT / "plugins" / "doc_fragments" / f"{platform}.py").exists()


def test_the_tool_derives_its_modules_from_the_specs_and_the_info_table():
    assert list(render.PLATFORMS) == PLATFORMS
    assert set(render.MODULES) == set(spec_kinds()) | set(render.INFO_MODULES)
    for platform in PLATFORMS:
        for spec in platform_specs(platform):
            assert render.MODULES[spec.kind] == {"spec": spec, "fragment": platform}
    assert set(render.OTHER_MODULES) == {"reconcile"}


# --- meta/runtime.yml ------------------------------------------------------------------------------------
def test_the_action_groups_are_what_the_specs_say():
    runtime = yaml.safe_load((ROOT / "meta" / "runtime.yml").read_text(encoding="utf-8"))
    expected = {platform: [spec.kind for spec in platform_specs(platform)]
                + [name for name, entry in render.INFO_MODULES.items() if entry["fragment"] == platform]
                for platform in PLATFORMS}
    expected["all"] = [{"metadata": {"extend_group": PLATFORMS}}]
    assert runtime["action_groups"] == expected
    grouped = [name for platform in PLATFORMS for name in runtime["action_groups"][platform]]
    assert sorted(grouped) == sorted(module_files() - {"reconcile"})


def test_rendering_runtime_rewrites_only_the_action_groups():
    text = (ROOT / "meta" / "runtime.yml").read_text(encoding="utf-8")
    drifted = text.replace("    - opendcp_flow\n", "") + "plugin_routing:\n  modules:\n    old: {redirect: new}\n"
    rendered = render.render_runtime(drifted)
    assert rendered == text + "plugin_routing:\n  modules:\n    old: {redirect: new}\n"


# --- README.md -------------------------------------------------------------------------------------------
def test_the_readme_table_lists_exactly_the_modules():
    rows = readme_rows()
    listed = [name for _platform, names in rows for name in names]
    assert sorted(listed) == sorted(module_files())
    titles = dict(render.PLATFORMS, all="all")
    for platform, names in rows:
        for name in names:
            entry = render.MODULES.get(name) or {"fragment": render.OTHER_MODULES[name]["platform"]}
            assert platform == titles[entry["fragment"]], name


def test_a_module_missing_from_the_readme_table_is_out_of_date():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    drifted = re.sub(r"^\| migration \| `migration_password` \|.*\n", "", text, flags=re.M)
    assert drifted != text and render.render_readme(drifted) == text


def test_a_module_file_nothing_registers_is_reported(tmp_path, monkeypatch):
    for name in module_files() | {"opendcp_widget"}:
        (tmp_path / f"{name}.py").write_text("", encoding="utf-8")
    (tmp_path / "opendcp_flow.py").unlink()
    monkeypatch.setattr(render, "MODULES_DIR", tmp_path)
    assert render.unregistered() == [
        "plugins/modules/opendcp_widget.py is neither a spec's kind, an info module nor in OTHER_MODULES",
        "opendcp_flow has no module file plugins/modules/opendcp_flow.py"]


# --- the generated files are up to date ----------------------------------------------------------------
def test_render_module_docs_check_passes():
    proc = subprocess.run([sys.executable, str(ROOT / "tools" / "render_module_docs.py"), "--check"],
                          env=ansible_env(), capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr


# --- nested options --------------------------------------------------------------------------------------
def test_a_fields_nested_options_are_documented_as_suboptions_like_its_argument_spec():
    from ansible_collections.converge.platforms.plugins.module_utils.spec import Field

    step = Field("list", "The steps, in order.", elements="dict", required=True, options={
        "name": Field("str", "Name of the step.", required=True),
        "retries": Field("int", "How often to try.", default=1, options=None),
        "target": Field("dict", ["Where it runs.", "Its host."], options={
            "host": Field("str", "A host.", aliases=["address"], choices=["a", "b"])}),
    })
    assert render._field_doc(step) == {
        "description": ["The steps, in order."], "type": "list", "required": True, "elements": "dict",
        "suboptions": {
            "name": {"description": ["Name of the step."], "type": "str", "required": True},
            "retries": {"description": ["How often to try."], "type": "int", "default": 1},
            "target": {"description": ["Where it runs.", "Its host."], "type": "dict", "suboptions": {
                "host": {"description": ["A host."], "type": "str", "choices": ["a", "b"],
                         "aliases": ["address"]}}}}}
    spec_options = step.argument_spec()["options"]
    assert set(spec_options) == {"name", "retries", "target"} and set(spec_options["target"]["options"]) == {"host"}
