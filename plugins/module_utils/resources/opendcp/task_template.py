# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""OpenDCP task templates: the steps a flow runs on each node."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.converge.platforms.plugins.module_utils.opendcp_wire import normal_steps, template_facts
from ansible_collections.converge.platforms.plugins.module_utils.resources.opendcp.base import (
    OpenDcpSpec,
    described_object,
    require_listed,
)
from ansible_collections.converge.platforms.plugins.module_utils.spec import Field, Reference, ResourceSpec
from ansible_collections.converge.platforms.plugins.module_utils.templating import check_values

#: steps every OpenDCP server has; any other step name is a remote step
BUILT_IN_STEPS = ("create_vm", "return_vm", "register", "unregister")
#: a step of a template, as OpenDCP stores it (README): `{name, param_values, retry: {retry_times, ignore_error}}`
STEP_OPTIONS = {
    "name": Field("str", "Name of the step: a built-in step (C(create_vm), C(return_vm), C(register), C(unregister)) "
                         "or a remote step.", required=True),
    "param_values": Field("dict", "Values of the step's parameters, by name; empty when not given."),
    "retry": Field("dict", "How the step is tried again on a node where it failed.", options={
        "retry_times": Field("int", "How many times the step is tried again; 0 when not given.", min=0),
        "ignore_error": Field("bool", "Whether the node goes on with the next step when this one failed; false when "
                                      "not given."),
    }),
}


@described_object("template", "task template",
                  steps=Field("list", "Steps in order, each a mapping with C(name), C(param_values) (a mapping, "
                                      "default empty) and C(retry) (C(retry_times) default 0, C(ignore_error) default "
                                      "false).", elements="dict", options=STEP_OPTIONS))
class TaskTemplateSpec(OpenDcpSpec):
    """An OpenDCP task template: the steps a flow runs on each node, in order.

    Each step names a built-in step (C(create_vm), C(return_vm), C(register), C(unregister)) or a remote step, with
    C(param_values) and C(retry) (C(retry_times), C(ignore_error)). Every name must be on OpenDCP's task step list
    (or, in the reconciler, be a remote step of the same desired state): the names are checked before anything is
    written, in check mode too. An expand template must start with C(create_vm)
    and a shrink template end with C(return_vm). A template name is unique.
    """

    kind = "opendcp_task_template"
    result_key = "task_template"
    description = "Manage OpenDCP task templates."

    def references(self, desired):
        """The remote step each step names, unless it is one of OpenDCP's built-in steps."""
        for index, step in enumerate(desired.get("steps") or []):
            name = step.get("name") if isinstance(step, dict) else None
            if isinstance(name, str) and name not in BUILT_IN_STEPS:
                yield Reference("steps[%d].name" % index, "opendcp_remote_step", name)

    def same(self, name, want, have):
        if name == "steps":
            return normal_steps(want) == normal_steps(have)
        return ResourceSpec.same(self, name, want, have)

    def check_related(self, desired, related):
        """Each remote step's param_values against the types its actions declare, when they are all desired."""
        steps, actions = related.get("opendcp_remote_step", {}), related.get("opendcp_action", {})
        for step in desired.get("steps") or []:
            remote = steps.get(step.get("name"))
            if not remote or not all(name in actions for name in remote.get("actions") or []):
                continue
            declared = {}
            for name in remote.get("actions") or []:
                declared.update(actions[name].get("params") or {})
            check_values(step.get("param_values") or {}, declared, option="steps")

    def check_live(self, client, desired_list, provided):
        """Every step a template names is on `/task_step/list`, or a remote step the same run creates.

        OpenDCP answers a template naming an unknown step with an HTML 500 page (README), so the names
        are checked before any write, in check mode too.
        """
        def listed():
            return ([step.get("name") for step in client.list_task_steps()]
                    + list(provided.get("opendcp_remote_step") or ()))

        require_listed(desired_list, "steps", lambda steps: [step.get("name") for step in steps], listed, "task step",
                       "task template", "/task_step/list: a built-in or a remote step")

    def list_live(self, client, desired_list):
        return [template_facts(item) for item in client.list_templates()]

    def entry_of(self, live):
        """The template's entry, each step as a person writes it: its `param_values` and `retry` only when they
        are not OpenDCP's defaults (`normal_steps` fills them back in when it compares)."""
        entry = OpenDcpSpec.entry_of(self, live)
        if entry.get("steps"):
            entry["steps"] = [written_step(step) for step in entry["steps"]]
        return entry

    def facts(self, item):
        return template_facts(item)

    def write_args(self, client, whole):
        return whole.get("desc") or "", normal_steps(whole.get("steps"))


def written_step(step):
    """A step (`normal_steps` shape) without the values OpenDCP fills in: empty `param_values`, and a `retry` of
    0 times that does not ignore errors (or only the part of it that is not so)."""
    written = {"name": step.get("name")}
    if step.get("param_values"):
        written["param_values"] = dict(step["param_values"])
    retry = dict((key, value) for key, value in (step.get("retry") or {}).items() if value)
    if retry:
        written["retry"] = retry
    return written
