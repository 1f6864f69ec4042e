"""tests.support.own_lines: a tool's words, without the warnings its dependencies print on import."""

from __future__ import annotations

from tests.support import own_lines

#: what `antsibull-changelog release` printed on a fresh install with cryptography 51 (through ansible-core)
CRYPTOGRAPHY_ON_IMPORT = (
    "/venv/lib/python3.11/site-packages/ansible/_internal/_ssh/_ssh_agent.py:18: CryptographyDeprecationWarning: "
    "DSA is deprecated and support will be removed in a future release. Use a more modern signature algorithm.\n"
    "  from cryptography.hazmat.primitives.asymmetric.dsa import (\n")
HINT = "WARNING: Found no release_summary section in the changelog for version 0.2.0"


def test_a_dependency_warning_on_import_and_its_source_line_are_not_the_tools_words():
    assert own_lines(CRYPTOGRAPHY_ON_IMPORT + HINT + "\n", "antsibull_changelog") == [HINT]


def test_the_tools_own_python_warnings_stay():
    own = "/venv/lib/python3.11/site-packages/antsibull_changelog/cli.py:40: UserWarning: fragment ignored\n"
    assert own_lines(own + "  warnings.warn(msg)\n", "antsibull_changelog") == [own.strip(), "  warnings.warn(msg)"]


def test_indented_lines_of_the_tool_after_its_own_lines_stay():
    output = "ERROR: two problems\n  changelogs/fragments/a.yml: bad\n\n"
    assert own_lines(output) == ["ERROR: two problems", "  changelogs/fragments/a.yml: bad"]
