"""The invalid-file corpus: each file (or directory) of tests/data/invalid is refused offline, as expected.

Beside each case, `<case>.expected` holds every problem the reconciler must report, one per line, with
`{path}` for the case's own path. Each case points its endpoints at live emulators: the test also asserts
that not one request reached them. Run one case by hand with
`reconciler plan tests/data/invalid/<case>` (after replacing the `__ZSTACK__`-style placeholders).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

import emulators
from reconciler.cli import main
from reconciler.desired.yaml_reader import MAX_FILE_BYTES
from tests.contract.platforms import platform_names
from tests.support import ROOT

CORPUS = ROOT / "tests" / "data" / "invalid"
CASES = sorted(path for path in CORPUS.iterdir() if path.suffix != ".expected")


@pytest.fixture(scope="module")
def live():
    handles = {name: emulators.start(name, port=0) for name in platform_names()}
    yield handles
    for handle in handles.values():
        handle.stop()


def materialise(case: Path, into: Path, live) -> Path:
    """The case copied with its placeholders replaced by the emulators' URLs."""
    target = into / case.name
    if case.is_dir():
        shutil.copytree(case, target)
        files = sorted(target.iterdir())
    else:
        shutil.copy(case, target)
        files = [target]
    for file in files:
        data = file.read_bytes()
        for name, handle in live.items():
            data = data.replace(f"__{name.upper()}__".encode(), handle.url.encode())
        file.write_bytes(data)
    return target


def test_the_corpus_has_at_least_a_hundred_cases_each_with_its_expectation():
    assert len(CASES) >= 100
    missing = [case.name for case in CASES if not case.with_name(case.name + ".expected").exists()]
    assert missing == []


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_an_invalid_file_is_refused_with_every_problem_and_no_request(case, tmp_path, live, monkeypatch):
    monkeypatch.setenv("CONVERGE_CORPUS_PASSWORD", "password")
    monkeypatch.setenv("ZSTACK_PASSWORD", "password")  # set, and still no desired-state file may read it
    for variable in ("CONVERGE_CORPUS_UNSET", "CONVERGE_SECRET_ENV", "CONVERGE_SECRET_DIRS", "CONVERGE_ENDPOINTS"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.chdir(tmp_path)
    for handle in live.values():
        handle.clear_requests()
    path = materialise(case, tmp_path, live)
    result = CliRunner().invoke(main, ["plan", str(path)])
    expected = case.with_name(case.name + ".expected").read_text(encoding="utf-8").replace("{path}", str(path))
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert result.output.strip().splitlines() == expected.strip().splitlines()
    assert {name: handle.requests for name, handle in live.items()} == {name: [] for name in live}


def test_a_file_over_the_size_limit_is_refused_before_it_is_parsed(tmp_path):
    path = tmp_path / "huge.yml"
    line = "# " + "x" * 1021 + "\n"
    path.write_text("version: 1\n" + line * (10 * 1024), encoding="utf-8")  # 10 MiB
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 1
    assert result.output.strip() == (f"{path}:1: larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB, the most a "
                                     "desired-state file may be (split it into several files of a directory)")
