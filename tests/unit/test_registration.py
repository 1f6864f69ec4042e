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
from ansible_collections.converge.platforms.plugins.module_utils.platforms import DESCRIPTORS, descriptor

from tests.doc_fragments import connection_fragment, file_documentation, fragment_documentation, render_tool
from tests.support import ROOT, ansible_env

PLATFORMS = [d.name for d in DESCRIPTORS]
MODULES_DIR = ROOT / "plugins" / "modules"


render = render_tool()


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


def test_the_tool_derives_its_modules_from_the_descriptors_specs_and_info_modules():
    assert PLATFORMS == ["zstack", "vsd", "osgview", "migration", "opendcp"]
    assert render.platform_titles() == {"zstack": "ZStack", "vsd": "VSD", "osgview": "OSG view",
                                        "migration": "migration", "opendcp": "OpenDCP"}
    assert set(render.MODULES) == set(spec_kinds()) | set(render.INFO_MODULES)
    for platform in PLATFORMS:
        for spec in platform_specs(platform):
            assert render.MODULES[spec.kind] == {"spec": spec, "fragment": platform}
        for name in descriptor(platform).info_modules:
            assert render.MODULES[name] == dict(render.INFO_MODULES[name], fragment=platform)
    assert set(render.OTHER_MODULES) == {"reconcile"}


# --- meta/runtime.yml ------------------------------------------------------------------------------------
def test_the_action_groups_are_what_the_specs_say():
    runtime = yaml.safe_load((ROOT / "meta" / "runtime.yml").read_text(encoding="utf-8"))
    expected = {platform: [spec.kind for spec in platform_specs(platform)] + list(descriptor(platform).info_modules)
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
    titles = dict(render.platform_titles(), all="all")
    for platform, names in rows:
        for name in names:
            entry = render.MODULES.get(name) or {"fragment": render.OTHER_MODULES[name]["platform"]}
            assert platform == titles[entry["fragment"]], name


def test_a_module_missing_from_the_readme_table_is_out_of_date():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    drifted = re.sub(r"^\| migration \| `migration_password` \|.*\n", "", text, flags=re.M)
    assert drifted != text and render.render_readme(drifted) == text


def test_a_module_file_nothing_registers_is_reported(tmp_path):
    (tmp_path / "plugins" / "modules").mkdir(parents=True)
    for name in module_files() | {"opendcp_widget"}:
        (tmp_path / "plugins" / "modules" / f"{name}.py").write_text("", encoding="utf-8")
    (tmp_path / "plugins" / "modules" / "opendcp_info.py").unlink()
    (tmp_path / "plugins" / "modules" / "opendcp_flow.py").unlink()  # a spec kind's file the tool writes
    assert render.unregistered(tmp_path) == [
        "plugins/modules/opendcp_widget.py is neither a spec's kind, an info module nor in OTHER_MODULES",
        "opendcp_info has no module file plugins/modules/opendcp_info.py"]


# --- connection doc fragments ---------------------------------------------------------------------------
def connection_spec(platform):
    return importlib.import_module(
        f"ansible_collections.converge.platforms.plugins.module_utils.{platform}").CONNECTION_ARGUMENT_SPEC


def test_every_module_extends_the_shared_connection_fragment_and_its_platforms():
    for name, entry in render.MODULES.items():
        doc = file_documentation(MODULES_DIR / f"{name}.py")
        assert doc["extends_documentation_fragment"] == [
            "converge.platforms.connection", f"converge.platforms.{entry['fragment']}",
            "converge.platforms.attributes"], name


@pytest.mark.parametrize("platform", PLATFORMS)
def test_the_shared_and_own_fragments_document_exactly_the_connection_options(platform):
    spec = connection_spec(platform)
    shared, own = fragment_documentation("connection")["options"], fragment_documentation(platform)["options"]
    assert set(shared) == {"validate_certs", "ca_path", "timeout", "max_answer_bytes"}
    assert set(own) == set(spec) - set(shared) and "url" in own
    documented = yaml.safe_load(connection_fragment(platform).DOCUMENTATION)["options"]
    for name, entry in spec.items():
        doc = documented[name]
        assert (doc["type"], doc.get("default"), doc.get("required", False)) == (
            entry["type"], entry.get("default"), entry.get("required", False)), name
        for variable in entry.get("fallback", (None, []))[1]:
            assert variable.startswith(descriptor(platform).env_prefix + "_")
            assert f"E({variable})" in " ".join(doc["description"]), name
    assert own["url"]["description"][:len(descriptor(platform).option_docs["url"])] == \
        descriptor(platform).option_docs["url"]


def test_a_connection_option_the_descriptor_does_not_document_is_reported(monkeypatch):
    zstack = descriptor("zstack")
    monkeypatch.setattr(zstack, "option_docs", dict(zstack.option_docs, region=["Nowhere."]))
    del zstack.option_docs["job_timeout"]
    assert render.connection_problems() == [
        "zstack: connection option job_timeout has no text in its descriptor's option_docs",
        "zstack: option_docs names region, which is no connection option of its own"]


def test_a_shared_option_that_differs_on_one_platform_is_reported(monkeypatch):
    spec = dict(connection_spec("vsd"), timeout={"type": "int", "default": 60})
    monkeypatch.setattr(descriptor("vsd"), "connection_argument_spec", lambda: spec)
    assert render.connection_problems() == ["vsd: the shared connection option timeout is missing or differs "
                                            "from zstack's"]


def test_a_hand_edited_fragment_is_out_of_date(tmp_path):
    for relative in (render.MODULES_DIR, render.FRAGMENTS_DIR, render.RUNTIME.parent):
        (tmp_path / relative).mkdir(parents=True, exist_ok=True)
    for relative in [render.MODULES_DIR / f"{name}.py" for name in module_files()] + [render.RUNTIME, render.README]:
        (tmp_path / relative).write_text((ROOT / relative).read_text(encoding="utf-8"), encoding="utf-8")
    assert render.render(check=False, root=tmp_path) == 0
    for name in ["connection"] + PLATFORMS:
        path = render.FRAGMENTS_DIR / f"{name}.py"
        assert (tmp_path / path).read_text(encoding="utf-8") == (ROOT / path).read_text(encoding="utf-8")
    edited = tmp_path / render.FRAGMENTS_DIR / "vsd.py"
    edited.write_text(edited.read_text(encoding="utf-8").replace("VSD API", "VSD server"), encoding="utf-8")
    assert render.render(check=True, root=tmp_path) == 1


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
