"""The table of declared body types: one entry per documented action, and the refusals it words."""

from __future__ import annotations

import pytest

from emulators.migration.actions import ACTIONS_BY_URL
from emulators.migration.schema import BODY_TYPES, check_body
from emulators.migration.state import MigrationFailure


def test_the_table_declares_exactly_the_54_documented_actions():
    served = {name for actions in ACTIONS_BY_URL.values() for name in actions} | {"Login", "ReAuth", "Logout"}
    assert set(BODY_TYPES) == served and len(BODY_TYPES) == 54


@pytest.mark.parametrize("action, body, message", [
    ("CheckTargetHostInfoExisting", {"TargetServerName": [1]}, "TargetServerName must be a string, got a list."),
    ("CheckTargetHostInfoExisting", {"CloudVolumeNames": ["a", 2]},
     "CloudVolumeNames[1] must be a string, got an integer."),
    ("UpdateTask", {"NetInterfaces": [{"SubNets": "x"}]}, "NetInterfaces[0].SubNets must be a list, got a string."),
    ("PrepareTaskWorkload", {"VolumeInfos": [{"PreAlloc": "yes"}]},
     "VolumeInfos[0].PreAlloc must be true or false, got a string."),
    ("ListTasks", {"PageNum": 2 ** 63}, "PageNum must be an integer from -9223372036854775808 to "
                                        "9223372036854775807, got an integer."),
    ("ListTasks", {"PageLimit": True}, "PageLimit must be an integer from -9223372036854775808 to "
                                       "9223372036854775807, got a boolean."),
    ("AddCloudConnection", {"IdentityPort": "50x"}, "IdentityPort must be a port number (an integer or its "
                                                   "digits as a string), got a string."),
    ("ListProject", {"IsEncrypted": "maybe"}, 'IsEncrypted must be true, false, "True" or "False", got a string.'),
    ("AddTransportServer", {"Name": "\ud800"},
     "Name must be a string, got a string that is not valid Unicode (a lone surrogate)."),
    ("Login", {"UserName": {"a": 1}}, "UserName must be a string, got an object."),
])
def test_a_field_of_another_type_is_refused_naming_it(action, body, message):
    with pytest.raises(MigrationFailure) as caught:
        check_body(action, body)
    assert caught.value.msg == message and caught.value.code == -1


@pytest.mark.parametrize("action, body", [
    ("AddCloudConnection", {"IdentityPort": 5000, "CloudUser": "admin"}),
    ("AddCloudConnection", {"IdentityPort": "5000", "Unknown": [1]}),
    ("AddTransportServer", {"CloudId": None, "Name": "名字"}),
    ("ListRegion", {"isEncrypted": True}),
    ("CreateInstance", {"Bandwidth": 10, "CPU": 2, "NetInterfaces": []}),
])
def test_values_of_the_declared_types_and_unknown_or_null_fields_pass(action, body):
    check_body(action, body)
