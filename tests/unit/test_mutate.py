"""The mutation runner (tools/mutate.py) finds the write methods of the specs and makes mutants that differ."""

from __future__ import annotations

import ast
import textwrap

from tools.mutate import RESOURCES, all_mutants, interleaved, main, mutants_of

SPEC = textwrap.dedent('''\
    class BaseSpec(ResourceSpec):
        def read(self, client, desired):
            return client.get({"name": desired["name"]})


    class ThingSpec(BaseSpec):
        kind = "demo_thing"

        def create(self, client, desired):
            client.add_thing(self.body(desired), wait=True)

        def update(self, client, live, desired, changes):
            client.put_thing(live["id"], {"desc": desired["desc"]})

        def delete(self, client, live):
            client.delete_thing(live["id"])

        def body(self, desired):
            return {"name": desired["name"], "desc": desired.get("desc")}
    ''')


def demo_mutants(tmp_path):
    path = tmp_path / RESOURCES / "demo" / "thing.py"
    path.parent.mkdir(parents=True)
    path.write_text(SPEC, encoding="utf-8")
    return list(mutants_of(path.relative_to(tmp_path), tmp_path))


def test_the_write_methods_and_their_body_helpers_are_mutated_and_reads_are_not(tmp_path):
    mutants = demo_mutants(tmp_path)
    assert mutants
    assert {m.method for m in mutants} == {"ThingSpec.create", "ThingSpec.update", "ThingSpec.delete",
                                           "ThingSpec.body"}
    assert {m.kinds for m in mutants} == {("demo_thing",)}
    assert {m.kind_of_break for m in mutants} == {"old value sent", "a field dropped", "a delete skipped"}


def test_each_mutant_is_valid_python_and_differs_from_the_original(tmp_path):
    for mutant in demo_mutants(tmp_path):
        assert mutant.source != SPEC
        assert ast.dump(ast.parse(mutant.source)) != ast.dump(ast.parse(SPEC)), mutant.label()


def test_the_three_breaks_do_what_they_say(tmp_path):
    sources = {m.what: m.source for m in demo_mutants(tmp_path)}
    old = sources["desired read from live at line 13"]
    assert 'client.put_thing(live["id"], {"desc": desired["desc"]})' not in old and "{'desc': live['desc']}" in old
    assert "{'name': desired['name']}" in sources["key 'desc' dropped at line 19"]
    skipped = sources["the delete skipped at line 16: client.delete_thing(live['id'])"]
    assert "delete_thing" not in skipped and "pass" in skipped


def test_the_cluster_update_sending_the_old_description_is_among_the_mutants():
    """Wherever the cluster's writes live (its class, a base class of the platform, the by-id mixin), its
    update sending a live value and its delete not made are mutants of kind opendcp_cluster."""
    mutants = all_mutants(kind="opendcp_cluster")
    updates = [m for m in mutants if m.kind_of_break == "old value sent" and m.method.endswith(("update",
                                                                                                 "update_args"))]
    assert updates and all("opendcp_cluster" in m.kinds for m in updates)
    assert any(m.kind_of_break == "a delete skipped" and m.method.endswith(".delete") for m in mutants)


def test_list_prints_each_mutant_with_its_kinds(capsys):
    assert main(["--list", "--kind", "opendcp_cluster"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[-1] == f"{len(lines) - 1} mutants"
    assert all("opendcp_cluster" in line.split("\t")[0].split(",") for line in lines[:-1])


def test_a_run_takes_the_kinds_in_turn(tmp_path):
    mutants = demo_mutants(tmp_path)
    other = [type(m)(m.path, m.method, m.line, m.kind_of_break, m.what, ("other_kind",), m.source) for m in mutants[:2]]
    ordered = interleaved(mutants + other)
    assert [m.kinds for m in ordered[:4]] == [("demo_thing",), ("other_kind",)] * 2
    assert sorted(map(id, ordered)) == sorted(map(id, mutants + other))


def test_classes_of_the_same_name_in_two_files_keep_their_own_kinds(tmp_path):
    for platform in ("one", "two"):
        path = tmp_path / RESOURCES / platform / "license.py"
        path.parent.mkdir(parents=True)
        path.write_text(textwrap.dedent(f'''\
            class LicenseSpec(ResourceSpec):
                kind = "{platform}_license"

                def delete(self, client, live):
                    client.delete_license(live["id"])
            '''), encoding="utf-8")
    mutants = all_mutants(tmp_path)
    assert sorted((str(m.path.parent.name), m.kinds) for m in mutants) == [("one", ("one_license",)),
                                                                          ("two", ("two_license",))]
