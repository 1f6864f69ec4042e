"""Which files a directory given stands for: `*.yml`/`*.yaml` below it, hidden ones and what its `.convergeignore`
matches (gitignore syntax) left out."""

from __future__ import annotations

import os

import pytest

from reconciler.sources import Source, SourceError, desired_files_under, expand, sources


def tree(root, *names: str):
    """Empty files at `names` (relative to `root`, parents made); `root`."""
    for name in names:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text("", encoding="utf-8")
    return root


def listed(directory) -> list[str]:
    return [path.relative_to(directory).as_posix() for path in desired_files_under(directory)]


def test_every_yaml_file_below_sorted_hidden_and_other_suffixes_left_out(tmp_path):
    tree(tmp_path, "b.yml", "a.yaml", "sub/c.yml", "notes.txt", ".hidden.yml", ".git/x.yml", "sub/.cache/y.yml")
    assert listed(tmp_path) == ["a.yaml", "b.yml", "sub/c.yml"]


def test_convergeignore_takes_gitignore_patterns_relative_to_the_directory(tmp_path):
    tree(tmp_path, "site.yml", "runner/ee.yml", "runner/project/site.yml", "gen/a.yml", "x/gen/b.yml",
         "draft.tmp.yml", "keep.tmp.yml", "sub/draft.tmp.yml", "top.yml", "sub/top.yml")
    (tmp_path / ".convergeignore").write_text(
        "# not desired state\nrunner/\n**/gen/\n*.tmp.yml\n!keep.tmp.yml\n/top.yml\n\n", encoding="utf-8")
    assert listed(tmp_path) == ["keep.tmp.yml", "site.yml", "sub/top.yml"]


def test_a_negation_cannot_take_back_a_file_of_a_directory_left_out_as_in_git(tmp_path):
    tree(tmp_path, "site.yml", "runner/ee.yml", "runner/keep.yml")
    (tmp_path / ".convergeignore").write_text("runner/\n!runner/keep.yml\n", encoding="utf-8")
    assert listed(tmp_path) == ["site.yml"]
    (tmp_path / ".convergeignore").write_text("runner/*\n!runner/keep.yml\n", encoding="utf-8")
    assert listed(tmp_path) == ["runner/keep.yml", "site.yml"]


def test_only_the_convergeignore_of_the_directory_given_counts(tmp_path):
    tree(tmp_path, "a.yml", "sub/b.yml", "sub/c.yml")
    (tmp_path / "sub" / ".convergeignore").write_text("b.yml\n", encoding="utf-8")
    assert listed(tmp_path) == ["a.yml", "sub/b.yml", "sub/c.yml"]
    assert listed(tmp_path / "sub") == ["c.yml"]


def test_a_symbolic_link_to_a_directory_is_not_followed_one_to_a_file_is_taken(tmp_path):
    outside = tree(tmp_path / "outside", "x.yml")
    desired = tree(tmp_path / "desired", "a.yml")
    os.symlink(outside, desired / "linked")
    os.symlink(outside / "x.yml", desired / "b.yml")
    assert listed(desired) == ["a.yml", "b.yml"]


def test_a_pattern_gitignore_cannot_read_is_refused_at_its_line(tmp_path):
    tree(tmp_path, "a.yml")
    (tmp_path / ".convergeignore").write_text("# comment\nrunner/\n!\n", encoding="utf-8")
    with pytest.raises(SourceError) as raised:
        desired_files_under(tmp_path)
    assert raised.value.problems == [f"{tmp_path}/.convergeignore:3: '!' is not a gitignore pattern"]


def test_a_directory_whose_files_are_all_left_out_says_so(tmp_path):
    tree(tmp_path, "a.yml")
    with pytest.raises(SourceError) as raised:
        expand([str(tmp_path / "empty-dir")])
    assert raised.value.problems == [f"{tmp_path}/empty-dir: no such file or directory"]
    (tmp_path / ".convergeignore").write_text("*.yml\n", encoding="utf-8")
    with pytest.raises(SourceError) as raised:
        expand([str(tmp_path)])
    assert raised.value.problems == [f"{tmp_path}: no *.yml or *.yaml file in this directory that "
                                     f"{tmp_path}/.convergeignore leaves in"]


def test_sources_say_which_directory_given_found_each_file_once(tmp_path):
    tree(tmp_path, "d/a.yml", "d/b.yml", "loose.txt")
    given = [str(tmp_path / "d" / "b.yml"), str(tmp_path / "d"), str(tmp_path / "loose.txt")]
    assert sources(given) == [Source(str(tmp_path / "d" / "b.yml")),
                              Source(str(tmp_path / "d" / "a.yml"), str(tmp_path / "d")),
                              Source(str(tmp_path / "loose.txt"))]
    assert expand(given) == [source.path for source in sources(given)]
