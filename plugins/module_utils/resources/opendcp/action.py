# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""OpenDCP remote actions and their declared parameters."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.converge.platforms.plugins.module_utils.opendcp_wire import action_facts
from ansible_collections.converge.platforms.plugins.module_utils.resources.opendcp.base import (
    OpenDcpSpec,
    described_object,
)
from ansible_collections.converge.platforms.plugins.module_utils.spec import Field, SpecError
from ansible_collections.converge.platforms.plugins.module_utils.templating import check_declared


@described_object("action", "remote action",
                  params=Field("dict", "Declared parameters: name to type (C(string), C(integer), C(number), "
                                       "C(boolean), C(list), C(map))."))
class ActionSpec(OpenDcpSpec):
    """An OpenDCP remote action: a named command with declared parameters.

    I(params) declares each parameter's type, such as C({"echo_word": "string", "times": "integer"}); names must
    be ASCII identifiers. The action's implementation (M(converge.platforms.opendcp_actimpl)) is a template using
    these parameters. An action used by a remote step cannot be deleted. An action name is unique.
    """

    kind = "opendcp_action"
    result_key = "remote_action"
    description = "Manage OpenDCP remote actions and their declared parameters."

    def check(self, desired):
        OpenDcpSpec.check(self, desired)
        if desired.get("params") is not None:
            check_declared(desired["params"], "params")
            if not all(name.isascii() for name in desired["params"]):
                raise SpecError("params", "parameter names must be ASCII")

    def list_live(self, client, desired_list):
        return [action_facts(item) for item in client.list_actions()]

    def facts(self, item):
        return action_facts(item)
