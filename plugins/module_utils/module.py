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

from ansible.module_utils.basic import AnsibleModule, missing_required_lib
from ansible_collections.converge.platforms.plugins.module_utils.http import (
    HAS_REQUESTS,
    REQUESTS_IMPORT_ERROR,
    ApiError,
    Redactor,
)
from ansible_collections.converge.platforms.plugins.module_utils.spec import SpecError


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


def _new_module(argument_spec, **kwargs):
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True, **kwargs)
    if not HAS_REQUESTS:
        module.fail_json(msg=missing_required_lib("requests"), exception=REQUESTS_IMPORT_ERROR)
    return module


def _close(client):
    close = getattr(client, "close", None)
    if close:
        close()


def _fail(module, exc, client=None, **extra):
    """fail_json with the error text (already redacted by the HTTP layer) and its status/code."""
    if isinstance(exc, ApiError):
        extra.setdefault("status", exc.status)
        if exc.code is not None:
            extra.setdefault("code", exc.code)
    if client is not None:
        _close(client)
    module.fail_json(msg=str(exc), **extra)


def _fail_unexpected(module, exc, client):
    """Fail with the error's text; the traceback goes to `exception`, which Ansible shows only at -vvv."""
    redact = getattr(getattr(client, "http", None), "redact", None) or Redactor()
    if client is not None:
        _close(client)
    module.fail_json(msg="unexpected error: %s: %s" % (exc.__class__.__name__, redact(str(exc))),
                     exception=redact(traceback.format_exc()))


def run_spec_module(spec, connection, argument_spec_extra=None, **module_kwargs):
    """Run a module that brings one resource of `spec` to the state its options describe."""
    argument_spec = dict(connection.argument_spec)
    argument_spec.update(spec.argument_spec())
    argument_spec.update(argument_spec_extra or {})
    module = _new_module(argument_spec, **module_kwargs)

    desired = spec.normalize(module.params)
    client = None
    try:
        spec.validate(desired)
        client = connection.client(module.params)
        live = spec.read(client, desired)
        change = spec.plan(desired, live)
        if change.changed and not module.check_mode:
            after = spec.apply(client, change)
            resource = spec.public(after) if after else None
        elif not module.check_mode and spec.waits:
            resource = spec.public(spec.settle(client, desired, live))
        else:
            resource = spec.predict(change) if change.changed else spec.public(live)
    except (SpecError, ApiError) as exc:
        _fail(module, exc, client)
    except Exception as exc:  # a platform answering what no document describes: a message, not a traceback
        _fail_unexpected(module, exc, client)
    _close(client)

    result = {"changed": change.changed, "action": change.action, spec.result_key: resource}
    if change.note:
        result["note"] = change.note
    if module._diff and change.changed:
        result["diff"] = change.diff()
    module.exit_json(**result)


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
