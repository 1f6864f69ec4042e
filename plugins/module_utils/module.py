# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The module base: read, compare, write a ResourceSpec, with check mode and diff mode.

Every converge module is a few lines that hand a spec, the platform's connection options and
its client factory to `run_spec_module` (or a gather function to `run_info_module`).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import traceback

from ansible.module_utils.basic import AnsibleModule, _load_params, missing_required_lib
from ansible_collections.converge.platforms.plugins.module_utils.compare import DEEPDIFF
from ansible_collections.converge.platforms.plugins.module_utils.http import REQUESTS, ApiError, Redactor
from ansible_collections.converge.platforms.plugins.module_utils.spec import SpecError
from ansible_collections.converge.platforms.plugins.module_utils.validate import nested_options


class ConnectionSpec:
    """A platform's connection options and how to build its client from them."""

    def __init__(self, platform, argument_spec, factory):
        self.platform = platform
        self.argument_spec = argument_spec
        self.factory = factory

    def client(self, params):
        """Build the client; a bad option raises SpecError naming it."""
        try:
            return self.factory(params)
        except ValueError as exc:
            message = str(exc)
            option, _sep, rest = message.partition(": ")
            if option in self.argument_spec:
                raise SpecError(option, rest)
            raise SpecError(None, message)


class _SpecModule(AnsibleModule):
    """AnsibleModule whose refusal of a nested option names the item, as the one validator does.

    ansible-core checks nested options (`Field(options=...)`) before the module runs and says, say,
    `missing required arguments: name found in steps` without saying which step: a failure while it
    checks is worded again by the one validator over the options as given (`_nested_refusal`).
    """

    def __init__(self, spec, **kwargs):
        self._converge_spec = spec
        self._converge_checked = False
        super(_SpecModule, self).__init__(**kwargs)
        self._converge_checked = True

    def fail_json(self, msg, **kwargs):
        if not self._converge_checked and self._converge_spec is not None:
            msg = _nested_refusal(self._converge_spec) or msg
        super(_SpecModule, self).fail_json(msg=msg, **kwargs)


def _nested_refusal(spec):
    """The one validator's text for the first bad nested option of the options as given, or None."""
    raw = _raw_params()
    for name, field in spec.fields.items():
        if field.options and raw.get(name) is not None:
            try:
                nested_options(name, field, raw[name])
            except SpecError as exc:
                return str(exc)
    return None


def _raw_params():
    """The module's options as the task gave them (empty when they come from no controller, as in a test harness)."""
    try:
        return _load_params() or {}
    except Exception:
        return {}


def _new_module(argument_spec, spec=None, **kwargs):
    module = _SpecModule(spec, argument_spec=argument_spec, supports_check_mode=True, **kwargs)
    for library in (REQUESTS, DEEPDIFF):
        if not library.available:
            module.fail_json(msg=missing_required_lib(library.name), exception=library.error)
    return module


def _close(client):
    close = getattr(client, "close", None)
    if close:
        close()


def _writes(client):
    """Writes a client (a `Client`, None before one is made) has sent so far: a failure after one of them changed
    something."""
    return client.write_count if client is not None else 0


def _fail(module, exc, client=None, **extra):
    """fail_json with the error text (already redacted by the HTTP layer), its status/code, and `changed`.

    A run that wrote before it failed says `changed: true`: the platform is no longer as it was.
    """
    if isinstance(exc, ApiError):
        extra.setdefault("status", exc.status)
        if exc.code is not None:
            extra.setdefault("code", exc.code)
    extra.setdefault("changed", _writes(client) > 0)
    if client is not None:
        _close(client)
    module.fail_json(msg=str(exc), **extra)


def _fail_unexpected(module, exc, client, **extra):
    """Fail with the error's text; the traceback goes to `exception`, which Ansible shows only at -vvv."""
    redact = client.redact if client is not None else Redactor()
    extra.setdefault("changed", _writes(client) > 0)
    if client is not None:
        _close(client)
    module.fail_json(msg="unexpected error: %s: %s" % (exc.__class__.__name__, redact(str(exc))),
                     exception=redact(traceback.format_exc()), **extra)


def _given_options(module, spec):
    """The module's options, with the values ansible-core turned into text put back as they were given.

    AnsibleModule turns a list given for a string option into `"['a', 'b']"`; the one validator
    refuses such a value, so it must see what the task said. Nested options are put back as given
    too (ansible-core adds every nested option not given, as None), so a mapping holds what the task says.
    """
    options = dict(module.params)
    raw = _raw_params()
    for name, field in spec.fields.items():
        value = raw.get(name)
        if (field.type in ("str", "path") and isinstance(value, (list, dict, bool))) or (field.options and name in raw):
            options[name] = value
    return options


def run_spec_module(spec, connection, argument_spec_extra=None, **module_kwargs):
    """Run a module that brings one resource of `spec` to the state its options describe."""
    argument_spec = dict(connection.argument_spec)
    argument_spec.update(spec.argument_spec())
    argument_spec.update(argument_spec_extra or {})
    module = _new_module(argument_spec, spec, **module_kwargs)

    client = None
    change = None
    try:
        desired = spec.validate(spec.normalize(_given_options(module, spec)))
        for warning in spec.warnings(desired):
            module.warn(warning)
        client = connection.client(module.params)
        live = spec.read(client, desired)
        spec.check_live(client, [desired], {})
        change = spec.plan(desired, live)
        if change.changed and not module.check_mode:
            after = spec.apply(client, change)
            resource = spec.public(after) if after else None
        elif not module.check_mode and spec.waits:
            resource = spec.public(spec.settle(client, desired, live))
        else:
            resource = spec.predict(change) if change.changed else spec.public(live)
    except (SpecError, ApiError) as exc:
        _fail(module, exc, client, **_partial(change, client))
    except Exception as exc:  # a platform answering what no document describes: a message, not a traceback
        _fail_unexpected(module, exc, client, **_partial(change, client))
    _close(client)

    result = {"changed": change.changed, "action": change.action, spec.result_key: resource}
    if change.note:
        result["note"] = change.note
    if module._diff and change.changed:
        result["diff"] = change.diff()
    module.exit_json(**result)


def _partial(change, client):
    """What a failed run had set out to do, when it wrote something: the action and its diff."""
    if change is None or not _writes(client):
        return {}
    return {"action": change.action, "diff": change.diff()}


def run_info_module(argument_spec, connection, gather, **module_kwargs):
    """Run a read-only module: `gather(client, params)` returns the facts to report."""
    spec = dict(connection.argument_spec)
    spec.update(argument_spec)
    module = _new_module(spec, **module_kwargs)
    client = None
    try:
        client = connection.client(module.params)
        facts = gather(client, module.params)
    except (SpecError, ApiError) as exc:
        _fail(module, exc, client)
    except Exception as exc:  # a platform answering what no document describes: a message, not a traceback
        _fail_unexpected(module, exc, client)
    _close(client)
    module.exit_json(changed=False, **facts)
