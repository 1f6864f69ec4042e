"""The one guard of the collection's third-party imports: a missing library is reported, not raised at import."""

from __future__ import annotations

import json

import pytest
from ansible_collections.converge.platforms.plugins.module_utils.compare import DEEPDIFF
from ansible_collections.converge.platforms.plugins.module_utils.http import REQUESTS
from ansible_collections.converge.platforms.plugins.module_utils.optional_library import OptionalLibrary

MISSING = "converge_library_that_is_not_installed"


def test_a_present_library_is_its_module():
    library = OptionalLibrary("json")
    assert (library.available, library.module, library.error, library.required()) == (True, json, None, json)


def test_a_missing_library_keeps_the_traceback_of_its_import():
    library = OptionalLibrary(MISSING)
    assert (library.available, library.module) == (False, None)
    assert library.error.startswith("Traceback") and "No module named %r" % MISSING in library.error


def test_code_that_needs_a_missing_library_raises_import_error_naming_it():
    with pytest.raises(ImportError, match="^the Python library '%s' is required: Traceback" % MISSING):
        OptionalLibrary(MISSING).required()


def test_the_collection_libraries_import_in_the_test_environment():
    assert [(library.name, library.available) for library in (REQUESTS, DEEPDIFF)] == [
        ("requests", True), ("deepdiff", True)]
