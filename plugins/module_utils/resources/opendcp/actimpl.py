# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The implementations of OpenDCP remote actions: Ansible tasks in JSON with Jinja2 placeholders."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.converge.platforms.plugins.module_utils.opendcp_wire import DEFAULT_IMPL_TYPE, actimpl_facts
from ansible_collections.converge.platforms.plugins.module_utils.resources.opendcp.base import (
    OpenDcpSpec,
    find_named,
    require_present,
)
from ansible_collections.converge.platforms.plugins.module_utils.spec import Field, SpecError
from ansible_collections.converge.platforms.plugins.module_utils.templating import (
    check_action,
    check_template,
    shell_warnings,
    template_variables,
)


class ActImplSpec(OpenDcpSpec):
    """The implementation of an OpenDCP remote action: an Ansible task in JSON with Jinja2 placeholders.

    I(template) is such as C({"action": {"module": "shell", "args": "echo {{echo_word}}"}}). Every variable it uses
    must be a parameter its action declares; that is checked with the action as it is on OpenDCP right before the
    implementation is written, and nothing is written when it fails (the reconciler's C(validate) checks it
    offline too, against the action in the same desired state). OpenDCP finds an implementation by its action's
    id.
    """

    kind = "opendcp_actimpl"
    ownership = None
    #: an implementation has no field for a marker, and `/actimpl/delete/{actionId}` deletes it: owned through the
    #: ledger
    ledger_owned = True
    # an implementation is named by its action
    reference_key = "action"
    result_key = "actimpl"
    label = "action implementation"
    description = "Manage the implementations (Ansible task templates) of OpenDCP remote actions."
    update_call, delete_call, id_key = "update_actimpl", "delete_actimpl", "action_id"
    identity = ("action",)
    fields = {
        "action": Field("str", "Name of the remote action this implements; it identifies the implementation.",
                        required=True, reference="opendcp_action"),
        "type": Field("str", "Type of the implementation.", default=DEFAULT_IMPL_TYPE),
        "template": Field("dict", "The Ansible task as JSON: C(action) with C(module) and its C(args) (or other "
                                  "keys), whose strings may use the action's parameters as Jinja2 variables. "
                                  "Required with C(state=present).")
    }

    def check(self, desired):
        OpenDcpSpec.check(self, desired)
        require_present(desired, ("template",))
        template = desired.get("template")
        if template is None:
            return
        template_variables(template, "template")
        check_action(template, "template")
        if (desired.get("type") or DEFAULT_IMPL_TYPE) == DEFAULT_IMPL_TYPE:
            action = template.get("action")
            if not isinstance(action, dict) or not isinstance(action.get("module"), str) or \
                    not action["module"].strip():
                raise SpecError("template", "an ansible template needs action.module, such as "
                                            "{\"action\": {\"module\": \"shell\", \"args\": \"...\"}}")

    def warnings(self, desired):
        """A command-line template that splices a value in unquoted, or quotes a placeholder itself."""
        template = desired.get("template")
        return shell_warnings(template) if isinstance(template, dict) else []

    def check_related(self, desired, related):
        action = related.get("opendcp_action", {}).get(desired.get("action"))
        if action and action.get("params") is not None and desired.get("template") is not None:
            check_template(desired["template"], action["params"], "template", desired["action"])

    def read_many(self, client, desired_list):
        actions = client.list_actions()
        impls = client.list_actimpls()
        return [self._match(actions, impls, desired) for desired in desired_list]

    def read_all(self, client, within=None):
        """The implementation of every action that has one (of several, the one `read_many` reads for an entry
        of the default type)."""
        impls = client.list_actimpls()
        lives = [implementation_of(action, impls, DEFAULT_IMPL_TYPE) for action in client.list_actions()]
        return [live for live in lives if live is not None]

    def _match(self, actions, impls, desired):
        action = find_named(actions, desired["action"], "action", "remote action")
        if action is None:
            return None
        return implementation_of(action, impls, desired.get("type") or DEFAULT_IMPL_TYPE)

    def _action(self, client, name):
        action = find_named(client.list_actions(), name, "action", "remote action")
        if action is None:
            raise SpecError("action", "no OpenDCP remote action named %r" % name)
        return action

    def _validated(self, client, desired):
        """The action, after checking the template against the parameters it declares now."""
        action = self._action(client, desired["action"])
        check_template(desired["template"], action.get("params") or {}, "template", action["name"])
        return action

    def reread(self, client, object_id, desired=None):
        """The implementation read back by its action's id, named by the desired action."""
        return actimpl_facts(client.get_actimpl(object_id), {"name": desired["action"]})

    def create(self, client, desired):
        """Create the implementation (addressed by its action's id, not its own)."""
        action = self._validated(client, desired)
        client.create_actimpl(action["id"], desired.get("type") or DEFAULT_IMPL_TYPE, desired["template"])
        return self.reread(client, action["id"], desired)

    def update_args(self, client, live, desired, changes):
        """The type and the template, checked against the action's parameters as they are now."""
        desired = dict(desired, template=desired.get("template") or live["template"])
        self._validated(client, desired)
        return desired.get("type") or live["type"], desired["template"]


def implementation_of(action, impls, impl_type):
    """The implementation of `action` among `impls`, in field names: the one of `impl_type`, else of the default
    type, else the first; None when the action has none."""
    mine = [impl for impl in impls if impl.get("action_id") == action["id"]]
    mine.sort(key=lambda impl: (impl.get("type") != impl_type, impl.get("type") != DEFAULT_IMPL_TYPE))
    return actimpl_facts(mine[0], action) if mine else None
