# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""OpenDCP remote steps: remote actions run in order on each node of a flow."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.converge.platforms.plugins.module_utils.opendcp_wire import remote_step_facts
from ansible_collections.converge.platforms.plugins.module_utils.resources.opendcp.base import (
    OpenDcpSpec,
    described_object,
    require_listed,
)
from ansible_collections.converge.platforms.plugins.module_utils.spec import Field, Reference, SpecError


@described_object("remote_step", "remote step",
                  actions=Field("list", "Names of the remote actions the step runs, in order.", elements="str",
                                reference="opendcp_action"))
class RemoteStepSpec(OpenDcpSpec):
    """An OpenDCP remote step: remote actions run in order on each node of a flow.

    I(actions) names the actions; each must exist (be on OpenDCP's action list, or, in the reconciler, be an action of
    the same desired state): the names are checked before anything is written, in check mode too, since OpenDCP
    itself stores unknown names. A remote step used by a task template cannot be deleted. A remote step name is
    unique.
    """

    kind = "opendcp_remote_step"
    result_key = "remote_step"
    description = "Manage OpenDCP remote steps."

    def references(self, desired):
        """Its actions, and (to order them first when they are desired) their implementations."""
        actions = list(OpenDcpSpec.references(self, desired))
        yield from actions
        for reference in actions:
            yield Reference(reference.option, "opendcp_actimpl", reference.name, required=False)

    def check(self, desired):
        OpenDcpSpec.check(self, desired)
        for action in desired.get("actions") or []:
            if not isinstance(action, str) or not action.strip():
                raise SpecError("actions", "%r is not an action name" % (action,))

    def check_live(self, client, desired_list, provided):
        """Every action a remote step names is on `/action/list`, or an action the same run creates.

        OpenDCP stores a remote step naming an unknown action without a word (README), and its flows then
        fail on every node; the names are checked before any write, in check mode too.
        """
        def listed():
            return [action.get("name") for action in client.list_actions()] + list(provided.get("opendcp_action") or ())

        require_listed(desired_list, "actions", list, listed, "remote action", "remote step", "/action/list")

    def list_live(self, client, desired_list):
        return [remote_step_facts(item) for item in client.list_remote_steps()]

    def facts(self, item):
        return remote_step_facts(item)
