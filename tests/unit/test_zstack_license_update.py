"""A ZStack license update is verified by the fingerprint the node records, not by a read that merely answers."""

from __future__ import annotations

import base64

import pytest
from ansible_collections.converge.platforms.plugins.module_utils.http import TransportError
from ansible_collections.converge.platforms.plugins.module_utils.resources.zstack import LicenseSpec

NODE = "8b1e1b1c5f6d4d2e9b0a7c3d2e1f0a9b"
LICENSE = base64.b64encode(b"a license").decode("ascii")


class LostUpdateClient:
    """A ZStack client stand-in whose license update loses its answer (after the client's own resends)."""

    def __init__(self):
        self.updates = []
        self.tags = []

    def query_management_nodes(self):
        return [{"uuid": NODE}]

    def get_license_info(self):
        return {"licenseType": "Trial", "user": "ops"}

    def query_tags(self, kind, conditions):
        return list(self.tags)

    def update_license(self, node, text):
        self.updates.append(node)
        raise TransportError("connection reset", "PUT", "/zstack/v1/licenses/mn/%s/actions" % node)


def test_an_update_whose_answer_is_lost_is_not_taken_for_done_without_the_new_fingerprint():
    spec = LicenseSpec()
    client = LostUpdateClient()
    desired = spec.normalize({"license": LICENSE})
    change = spec.plan(desired, spec.read(client, desired))
    assert change.action == "update"
    with pytest.raises(TransportError):
        spec.apply(client, change)
    assert client.updates == [NODE]
