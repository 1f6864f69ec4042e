"""What `zstack_info` gathers, through `gather()` with the real client against the emulator (no playbook)."""

from __future__ import annotations

import pytest
from ansible_collections.converge.platforms.plugins.module_utils.resources.zstack import snake_keys
from ansible_collections.converge.platforms.plugins.module_utils.spec import SpecError
from ansible_collections.converge.platforms.plugins.module_utils.zstack import ZStackClient
from ansible_collections.converge.platforms.plugins.module_utils.zstack_info import gather

from tests.support import client_fixture

VM = "a1d6f0bbd21f4b3c8e7a2b9c4d5e6f70"
HOST = "c3f8b2dde43b4d5eaa9c4dbe6f7a8b92"


client = client_fixture(lambda zstack: ZStackClient(zstack.url, "admin", "password"))


def test_each_query_subset_takes_its_own_conditions(zstack, client):
    client.create_tag("system", "VmInstanceVO", VM, "ha::NeverStop")
    client.create_tag("system", "HostVO", HOST, "reservedMemory::1G")
    job = client.submit_long_job("APIPrimaryStorageMigrateVolumeMsg", "{}", name="mine")
    client.submit_long_job("APIPrimaryStorageMigrateVolumeMsg", "{}", name="theirs")
    client.create_tag("user", "LongJobVO", job["uuid"], "owner::ops")
    zstack.clear_requests()

    facts = gather(client, {"gather_subset": ["system_tags", "long_jobs", "user_tags"],
                            "conditions": {"system_tags": ["resourceUuid=%s" % VM],
                                           "long_jobs": ["__userTag__=owner::ops"]}})
    assert [t["tag"] for t in facts["system_tags"]] == ["ha::NeverStop"]
    assert [j["name"] for j in facts["long_jobs"]] == ["mine"]
    assert [t["resource_uuid"] for t in facts["user_tags"]] == [job["uuid"]]
    queries = dict((r["path"], r["query"].get("q")) for r in zstack.requests if r["method"] == "GET")
    assert queries == {"/zstack/v1/system-tags": ["resourceUuid=%s" % VM],
                       "/zstack/v1/longjobs": ["__userTag__=owner::ops"], "/zstack/v1/user-tags": None}


def test_keys_are_snake_case_at_every_depth_and_the_license_request_is_returned(zstack, client):
    facts = gather(client, {"gather_subset": ["current_time", "license", "license_capabilities", "ready"]})
    assert set(facts["current_time"]) == {"million_seconds", "seconds"}
    assert {"add_host", "clonevm", "over_provisioning", "vrouter_route"} <= set(facts["license_capabilities"])
    assert facts["ready"] == {"management_node_id": "8b1e1b1c5f6d4d2e9b0a7c3d2e1f0a9b"}
    assert facts["license"]["license_request"] == zstack.state()["license"]["info"]["licenseRequest"]
    assert {"license_type", "host_num", "expired_date"} <= set(facts["license"])


def test_snake_keys_converts_maps_inside_lists_and_maps():
    answer = {"inventories": [{"resourceUuid": "x", "state": {"name": "Running", "ordinal": 1},
                               "opaque": {"hostUuid": "h", "items": [{"installPath": "/p"}]}}]}
    assert snake_keys(answer) == {"inventories": [{"resource_uuid": "x", "state": {"name": "Running", "ordinal": 1},
                                                   "opaque": {"host_uuid": "h", "items": [{"install_path": "/p"}]}}]}


@pytest.mark.parametrize("subsets, conditions, message", [
    (["long_jobs"], {"longjobs": ["state=Running"]}, "names the unknown subset 'longjobs'; the query subsets are"),
    (["version", "long_jobs"], {"version": ["x=1"]}, "version takes no query conditions; only the query subsets"),
    (["notifications"], {"long_jobs": ["state=Running"]}, "long_jobs is not in gather_subset"),
    (["notifications"], {"notifications": "status=Unread"}, "notifications must be a list of conditions"),
    (["notifications"], {"notifications": [3]}, "notifications must be a list of conditions"),
    (["notifications"], {"notifications": ["status = Unread"]}, "notifications: query condition 'status = Unread' "
                                                                 "has spaces around its operator"),
    (["notifications"], ["status=Unread"], "must map a query subset to its list of conditions"),
])
def test_bad_conditions_are_refused_naming_the_option_before_any_request(zstack, client, subsets, conditions,
                                                                         message):
    with pytest.raises(SpecError) as err:
        gather(client, {"gather_subset": subsets, "conditions": conditions})
    assert err.value.option == "conditions" and message in err.value.message
    assert zstack.requests == []
