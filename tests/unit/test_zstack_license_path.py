"""A license file path the operating system cannot take is refused by name, not with a ValueError."""

import pytest
from ansible_collections.converge.platforms.plugins.module_utils.resources.zstack import LicenseSpec
from ansible_collections.converge.platforms.plugins.module_utils.spec import SpecError


def test_a_path_with_a_nul_character_is_refused_naming_license_file():
    spec = LicenseSpec()
    with pytest.raises(SpecError) as error:
        spec.validate(spec.normalize({"license_file": "bad\x00path"}))
    assert error.value.option == "license_file"
