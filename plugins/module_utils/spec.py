# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Resource specs: each managed kind described once.

A `ResourceSpec` names a kind's fields (which are the module's options and the reconciler's
desired-state keys), its identity, what is compared, what is secret, and how to read, create,
update, delete and act on it. The module base and the reconciler both plan with `plan()` and
write with `apply()`, so they cannot disagree about what a change is.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import re

from ansible_collections.converge.platforms.plugins.module_utils.compare import changed_paths, same
from ansible_collections.converge.platforms.plugins.module_utils.http import ApiError, TransportError
from ansible_collections.converge.platforms.plugins.module_utils.retry import SYSTEM_CLOCK, WRITE_ATTEMPTS, backoff
from ansible_collections.converge.platforms.plugins.module_utils.waiter import WaitTimeout, wait_until

NOOP = "noop"
CREATE = "create"
UPDATE = "update"
REPLACE = "replace"
DELETE = "delete"
SECRET_MASK = "(sensitive value)"
#: what a secret given by reference is checked as until it is read (a kind's own checks let it through)
SECRET_REFERENCE = "(secret reference)"
LOST_ANSWER_STATUSES = (502, 503, 504)
DEFAULT_WAIT_TIMEOUT = 600


def answer_lost(exc):
    """Whether a failed call may have taken effect all the same: no answer, or a bare 502/503/504 from a proxy.

    An error the platform itself reported (it carries the platform's code) is an answer: the call failed.
    """
    if isinstance(exc, TransportError):
        return True
    return exc.status in LOST_ANSWER_STATUSES and exc.code in (None, "")


def clock_of(client):
    """The clock a client waits on: `Client.clock` (its own, else its retry policy's, else real time; tests step
    one). A stand-in client without a clock waits on real time."""
    return getattr(client, "clock", None) or SYSTEM_CLOCK


def wait_for_value(client, timeout, initial, read, done, timeout_message):
    """Wait through the one waiter; a timeout is a SpecError on `wait_timeout` worded by `timeout_message(last)`."""
    try:
        return wait_until(read, done, float(timeout or DEFAULT_WAIT_TIMEOUT), clock=clock_of(client), initial=initial)
    except WaitTimeout as exc:
        raise SpecError("wait_timeout", timeout_message(exc.last if exc.last is not None else initial))


def secret_variable(spec, live, name):
    """`CONVERGE_<KIND>_<OBJECT>_<FIELD>`: the environment variable an imported entry reads a secret from; the
    object is named by its `reference_key` (or its identity), upper-cased, other characters as `_`."""
    label = live.get(spec.reference_key)
    if label is None:
        label = "_".join(str(value) for value in spec.identity_of(live) if value is not None)
    parts = [spec.kind, str(label) if label not in (None, "") else "", name]
    text = "_".join(part for part in parts if part)
    return "CONVERGE_" + re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_").upper()


class AnswerLost(ApiError):
    """A write that no read can verify lost its answer: it may have taken effect, and is not sent again."""


class SpecError(ValueError):
    """Bad input for a spec; `option` names the offending option or desired-state key.

    `remedy`, when given, says what a person must do before a run can go on (the reconciler shows it
    apart from the reason; a module's message carries both).
    """

    def __init__(self, option, message, remedy=None):
        self.option = option
        self.message = message
        self.remedy = remedy
        text = "%s: %s" % (option, message) if option else message
        super(SpecError, self).__init__("%s; %s" % (text, remedy) if remedy else text)

    @property
    def reason(self):
        """The option and what is wrong with it, without the remedy."""
        return "%s: %s" % (self.option, self.message) if self.option else self.message


class Field:
    """One option of a module and key of a desired-state entry."""

    def __init__(self, type="str", description="", required=False, default=None, choices=None, elements=None,
                 secret=False, compare=True, aliases=None, reference=None, options=None, updatable=True,
                 version_added=None, min=None, max=None, format=None, pattern=None, unordered=False):
        self.type = type
        self.description = description
        self.required = required
        self.default = default
        self.choices = list(choices) if choices else None
        self.elements = elements
        self.secret = secret
        # compared fields take part in drift detection; others are inputs only (write-only, actions)
        self.compare = compare
        self.aliases = list(aliases) if aliases else None
        # kind whose entry, by name, this field refers to (reconciler ordering and validation)
        self.reference = reference
        self.options = options
        # a changed value of a field that cannot be updated forces a replacement
        self.updatable = updatable
        self.version_added = version_added
        # constraints checked by validate.check_options (for a list, on each item)
        self.min = min
        self.max = max
        self.format = format
        self.pattern = pattern
        # the API keeps this list in no particular order: compared as a multiset
        self.unordered = unordered

    def argument_spec(self):
        """This field as an entry of AnsibleModule's argument_spec."""
        entry = {"type": self.type}
        if self.required:
            entry["required"] = True
        if self.default is not None:
            entry["default"] = self.default
        if self.choices:
            entry["choices"] = list(self.choices)
        if self.elements:
            entry["elements"] = self.elements
        if self.secret:
            entry["no_log"] = True
        elif self.type in ("str", "raw"):
            # options whose name merely contains a word like "key" or "pass" are not secrets
            entry["no_log"] = False
        if self.aliases:
            entry["aliases"] = list(self.aliases)
        if self.options:
            entry["options"] = dict((name, sub.argument_spec()) for name, sub in self.options.items())
        return entry


def options_argument_spec(fields):
    """AnsibleModule's argument_spec of a mapping of option name to Field (an info module's own options)."""
    return dict((name, field.argument_spec()) for name, field in fields.items())


class Reference:
    """One desired entry naming another: `option` (a path such as `steps[0].name`) names `name` of `kind`.

    A `required` reference must exist in the desired state (or be declared under `existing:`); an
    optional one only orders the two entries when both are desired.
    """

    __slots__ = ("option", "kind", "name", "required")

    def __init__(self, option, kind, name, required=True):
        self.option = option
        self.kind = kind
        self.name = name
        self.required = required

    def __repr__(self):
        return "Reference(%r, %r, %r, required=%r)" % (self.option, self.kind, self.name, self.required)


class Change:
    """What it takes to bring one resource to its desired state.

    `forces_replacement` names the changed fields that make the change a replace (fields that cannot be
    updated in place); it is empty unless the action is REPLACE.
    """

    def __init__(self, spec, action, desired=None, live=None, fields=None, note=None, forces_replacement=()):
        self.spec = spec
        self.action = action
        self.desired = desired or {}
        self.live = live
        # {field: (before, after)} for the fields that differ
        self.fields = fields or {}
        self.note = note
        self.forces_replacement = tuple(forces_replacement) if action == REPLACE else ()

    @property
    def changed(self):
        return self.action != NOOP

    @property
    def kind(self):
        return self.spec.kind

    def identity(self):
        source = self.desired or self.live or {}
        return dict((name, source.get(name)) for name in self.spec.identity)

    def diff(self):
        """Ansible's diff: before/after holding only what changes, secrets masked."""
        if self.action == CREATE:
            return {"before": {}, "after": self.spec.public(self.spec.sent(self.desired))}
        if self.action == DELETE:
            return {"before": self.spec.public(self.spec.comparable(self.live or {})), "after": {}}
        before = dict((k, v[0]) for k, v in self.fields.items())
        after = dict((k, v[1]) for k, v in self.fields.items())
        diff = {"before": self.spec.public(before), "after": self.spec.public(after)}
        paths = dict((k, v) for k, v in self.spec.changed_paths(self).items() if v and v != [k])
        if paths:
            diff["changed_paths"] = paths
        return diff

    def as_dict(self):
        """A JSON-able description for plans and reports, secrets masked."""
        data = {"kind": self.kind, "action": self.action, "identity": self.spec.public(self.identity())}
        diff = self.diff()
        if self.action not in (NOOP,):
            data["before"] = diff["before"]
            data["after"] = diff["after"]
            if diff.get("changed_paths"):
                data["changed_paths"] = diff["changed_paths"]
        if self.forces_replacement:
            data["forces_replacement"] = list(self.forces_replacement)
        if self.note:
            data["note"] = self.note
        return data


class ResourceSpec:
    """Base class of every kind. Subclasses set the class attributes and implement the I/O."""

    kind = ""
    platform = ""
    result_key = ""
    description = ""
    fields = {}
    identity = ()
    states = ("present", "absent")
    #: the field by which other entries name an entry of this kind
    reference_key = "name"
    # spec supports `wait` / `wait_timeout`
    waits = False
    #: reconciler manages this kind (module-only kinds are actions or reads)
    reconcilable = True
    #: a second run changes nothing; False for actions whose need the API cannot show
    idempotent = True
    #: writes (`create`, `update`, `delete`) whose effect no read can show: sent once, never again after a lost answer
    unverifiable = ()
    #: the client sends writes under the platform's idempotency key and resends them itself (ZStack's X-Job-UUID)
    keyed_writes = False
    #: a replace creates the new object before deleting the old one (the platform allows both at once)
    create_before_delete = False
    #: groups of options of which at most one may be given
    mutually_exclusive = ()
    #: kinds every entry of this kind needs on the same endpoint, beyond its references (the license of a task)
    prerequisites = ()
    #: where the reconciler keeps the owner of the objects it creates (ownership.Ownership); None: never pruned.
    #: A kind whose marker lives in its own objects (`TextMarker`) also defines `read_all(client)`: every live
    #: object of the kind, in field names as `read_many` gives them.
    ownership = None
    #: why `reconciler import` cannot list this kind's objects (None: `read_all` lists them)
    import_refusal = None
    #: the platform makes this kind's objects itself (GC jobs, notifications): imported only when asked for by kind
    made_by_platform = False

    # --- schema --------------------------------------------------------------------------
    def argument_spec(self):
        """The AnsibleModule argument_spec of this kind's own options (no connection options)."""
        spec = options_argument_spec(self.fields)
        if self.states:
            spec["state"] = {"type": "str", "default": self.states[0], "choices": list(self.states)}
        if self.waits:
            spec["wait"] = {"type": "bool", "default": True}
            spec["wait_timeout"] = {"type": "int", "default": 600}
        return spec

    def secret_fields(self):
        return [name for name, field in self.fields.items() if field.secret]

    def public(self, data):
        """A copy with secret values masked, for output."""
        if not isinstance(data, dict):
            return data
        secrets = self.secret_fields()
        return dict((k, SECRET_MASK if k in secrets and v is not None else v) for k, v in data.items())

    def comparable(self, data):
        """The values that are compared with live state: fields that compare, without the unset ones."""
        return dict((k, v) for k, v in data.items() if k in self.fields and self.fields[k].compare and v is not None)

    def sent(self, data):
        """What a create sends, as plans and diffs show it: the compared values, and the others not at their default."""
        result = self.comparable(data)
        result.update((k, v) for k, v in data.items() if k in self.fields and not self.fields[k].compare
                      and v is not None and v != self.fields[k].default)
        return result

    # --- validation ----------------------------------------------------------------------
    def normalize(self, desired):
        """Fill defaults and `state`; returns a new dict. Types are checked by `validate`."""
        result = {}
        for name, field in self.fields.items():
            value = desired.get(name)
            if value is None:
                value = copy.deepcopy(field.default) if isinstance(field.default, (list, dict)) else field.default
            result[name] = value
        if self.states:
            result["state"] = desired.get("state") or self.states[0]
        if self.waits:
            result["wait"] = desired.get("wait", True) if desired.get("wait") is not None else True
            result["wait_timeout"] = 600 if desired.get("wait_timeout") is None else desired["wait_timeout"]
        return result

    def validate(self, desired):
        """Check the options the one way (validate.check_options); return them converted to their types."""
        from ansible_collections.converge.platforms.plugins.module_utils.validate import check_options

        state = desired.get("state")
        if self.states and state is not None and state not in self.states:
            raise SpecError("state", "must be one of %s, got %r" % (", ".join(self.states), state))
        return check_options(self, desired)

    def check(self, desired):
        """Kind-specific rules beyond types (override); raise SpecError."""

    def check_wait(self, desired):
        """The rule of the options a waiting kind adds (`waits`): a given `wait_timeout` is positive."""
        if self.waits and desired.get("wait_timeout") is not None and desired["wait_timeout"] <= 0:
            raise SpecError("wait_timeout", "must be positive")

    def warnings(self, desired):
        """What is valid but probably not meant (override): texts the reconciler and the modules show as warnings."""
        return []

    def check_related(self, desired, related):
        """Rules that need other desired entries (override); raise SpecError.

        `related` maps a kind to its desired entries by name (normalized), so the reconciler can check
        offline, before any request, what a module can only check against live objects.
        """

    def references(self, desired):
        """The entries `desired` names (Reference per name), from each field's `reference`.

        A string field names one entry; a list of strings names one per item. Kinds whose
        references sit deeper (a mapping's values, a list of mappings) extend this.
        """
        for name, field in self.fields.items():
            value = desired.get(name)
            if not field.reference or value is None:
                continue
            if isinstance(value, str):
                yield Reference(name, field.reference, value)
            elif isinstance(value, list):
                for index, item in enumerate(value):
                    if isinstance(item, str):
                        yield Reference("%s[%d]" % (name, index), field.reference, item)

    def identity_of(self, data):
        return tuple(data.get(name) for name in self.identity)

    # --- reading -------------------------------------------------------------------------
    def read(self, client, desired):
        """The live object matching `desired`'s identity, in field names, or None."""
        return self.read_many(client, [desired])[0]

    def read_many(self, client, desired_list):
        """Live objects for many desired entries (same order; None where missing).

        Kinds override this to read through list endpoints in pages instead of one call each.
        """
        return [self.read(client, desired) for desired in desired_list]

    def check_live(self, client, desired_list, provided):
        """Check entries against what the platform holds, before any write and in check mode too (override).

        For names the platform keeps in lists an entry may only name from (an OpenDCP template's steps).
        `provided` maps a kind to the names (its `reference_key`) of the entries the same run creates or
        keeps: the reconciler's desired state, empty for a module. A reference to one of them counts as
        existing. Raise SpecError naming the option and the unknown names.
        """

    def read_all(self, client, within=None):
        """Every live object of the kind, in field names as `read_many` gives them (kinds that can be listed
        override this). `within` lists the scopes of a kind listed only within one (VSD's VMs: a list of
        `{cluster_uuid, compute_uuid}`); other kinds ignore it."""
        raise SpecError(None, self.import_refusal or "%s objects cannot be listed" % self.kind)

    # --- import --------------------------------------------------------------------------
    def platform_made(self, live):
        """Whether the platform made `live` itself (`made_by_platform`; a kind refines it per object, as ZStack's
        inherent system tags): `reconciler import` takes such objects only when `--kind` names the kind."""
        return self.made_by_platform

    def entry_of(self, live):
        """The desired-state entry that keeps `live` as it is, as `reconciler import` writes it (and the
        `*_info` modules' `as_entries`): its identity and compared fields in the fields' order, the values at
        their default left out, the owner's marker taken off, each secret a `{env: NAME}` placeholder
        (`secret_variable`). Kinds refine it (references by name, fields read under another shape)."""
        entry = {}
        for name, field in self.fields.items():
            if field.secret:
                entry[name] = {"env": secret_variable(self, live, name)}
                continue
            value = live.get(name)
            if value is None or not (field.compare or name in self.identity):
                continue
            if value == field.default and name not in self.identity:
                continue
            entry[name] = value
        carrier = self.ownership
        marked = getattr(carrier, "field", None)
        if marked and isinstance(entry.get(marked), str):
            text = carrier.without_marker(entry[marked])
            if text:
                entry[marked] = text
            else:
                entry.pop(marked)
        return entry

    # --- planning ------------------------------------------------------------------------
    def differences(self, desired, live):
        """{field: (live value, desired value)} for compared fields the user set and that differ."""
        changes = {}
        for name, field in self.fields.items():
            if not field.compare:
                continue
            want = desired.get(name)
            if want is None:
                continue
            have = live.get(name)
            if not self.same(name, want, have):
                changes[name] = (have, want)
        return changes

    def same(self, name, want, have):
        """Whether a desired value equals the live one, nested (override for normalisation)."""
        field = self.fields.get(name)
        return same(want, have, unordered=bool(field and field.unordered))

    def changed_paths(self, change):
        """For each changed mapping field (or list of mappings) of a change, the nested paths that differ.

        A list of plain values needs no path: its before and after say it all.
        """
        paths = {}
        for name, (before, after) in change.fields.items():
            nested = isinstance(after, dict) or (isinstance(after, list) and any(
                isinstance(item, (dict, list)) for item in after + list(before or [])))
            if nested and not self.fields[name].secret:
                paths[name] = changed_paths(after, before, unordered=self.fields[name].unordered, name=name)
        return paths

    def plan(self, desired, live):
        """The Change bringing `live` to `desired`."""
        state = desired.get("state", self.states[0] if self.states else "present")
        if state == "absent":
            return Change(self, DELETE if live else NOOP, desired, live)
        if state != "present":
            return self.plan_state(state, desired, live)
        if not live:
            return Change(self, CREATE, desired, None)
        changes = self.differences(desired, live)
        if not changes:
            return Change(self, NOOP, desired, live)
        forced = tuple(name for name in changes if not self.fields[name].updatable)
        return Change(self, REPLACE if forced else UPDATE, desired, live, changes, forces_replacement=forced)

    def plan_state(self, state, desired, live):
        """Plan a kind's own states (rollback, reloaded, ...); override when `states` has them."""
        raise SpecError("state", "%s does not support state %r" % (self.kind, state))

    # --- writing -------------------------------------------------------------------------
    def apply(self, client, change):
        """Carry out a planned change; returns the live object afterwards (None once deleted)."""
        desired = change.desired
        if change.action == NOOP:
            return change.live
        if change.action == CREATE:
            return self._create(client, desired)
        if change.action == UPDATE:
            return self.verified(client, desired, "update",
                                 lambda: self.update(client, change.live, desired, change.fields),
                                 lambda live: live is not None and not self.differences(desired, live))
        if change.action == REPLACE:
            if self.create_before_delete:
                created = self._create(client, desired)
                self._delete(client, desired, change.live)
                return created
            self._delete(client, desired, change.live)
            return self._create(client, desired)
        if change.action == DELETE:
            return self._delete(client, desired, change.live)
        return self._act(client, change)

    def _act(self, client, change):
        """The kind's own action (`act`) through the verified-write path, verified by `action_done`."""
        live, recovered = self.verified_write(client, change.desired, change.action, lambda: self.act(client, change),
                                              self.action_done(change))
        return self.settle(client, change.desired, live) if recovered else live

    def action_done(self, change):
        """How a read shows that `change`'s own action took effect (override): a predicate on the live object that
        `read(client, change.desired)` gives, or None (the default) when no read can show it.

        With a predicate, an action whose answer was lost is read back and sent again only when the read shows
        it did not take effect; one that did is then `settle`d. Without one, a lost answer is raised as it is
        (the next run reads and plans again); an action named in `unverifiable` raises AnswerLost.
        """
        return None

    def _create(self, client, desired):
        live, recovered = self.verified_write(client, desired, "create", lambda: self.create(client, desired),
                                              lambda now: now is not None)
        if recovered and live is not None:
            # the create took effect but its answer was lost: what it does once the object exists
            # (a pool's expand to its size, say) is still to be done
            followup = self.plan(desired, live)
            if followup.action not in (NOOP, CREATE):
                return self.apply(client, followup)
        return live

    def _delete(self, client, desired, live):
        self.verified(client, desired, "delete", lambda: self.delete(client, live), lambda now: now is None)
        return None

    def verified(self, client, desired, operation, call, done):
        """Make a write through the verified-write path (see `verified_write`); returns what `call` answered, or
        the live object read back when its answer was lost and the read shows it took effect."""
        return self.verified_write(client, desired, operation, call, done)[0]

    def verified_write(self, client, desired, operation, call, done):
        """The one verified-write path: make a write; when its answer is lost, read to learn whether it took effect
        before sending it again.

        `call()` makes the write (and answers the live object afterwards); `operation` names it (create,
        update, delete, an action, or a kind's own write such as a pool's node removal); `done(live)` says
        whether the object `read(client, desired)` gives shows the write took effect, or is None when no
        read can show it (the lost answer is then raised as it is). Every write of every kind goes through
        here: `apply` routes create, update, delete and `act` (see `action_done`); a kind whose write is
        not one of those (several calls, say) calls `verified` for each of them.

        Returns `(live, recovered)`: recovered is true when the write's own answer was lost and the
        read found that it had taken effect.

        This is what makes a retried write safe on any platform: a create whose answer was lost but
        which was committed is found by the read and not made a second time. A write the retry policy
        already resent under its idempotency key (`keyed_writes`) is verified once and not sent again;
        an `unverifiable` one is never sent twice.
        """
        for attempt in range(1, WRITE_ATTEMPTS + 1):
            try:
                return call(), False
            except ApiError as exc:
                if not answer_lost(exc):
                    raise
                if operation in self.unverifiable:
                    raise AnswerLost("the answer to this %s was lost and no read can show whether it took effect, "
                                     "so it is not sent again: %s" % (operation, exc.reason), exc.method, exc.path,
                                     exc.status, exc.code)
                if attempt == WRITE_ATTEMPTS or done is None:
                    raise
                lost = exc
            live = self.read(client, desired)
            if done(live):
                return live, True
            if self.keyed_writes:
                raise lost
            clock_of(client).sleep(backoff(attempt))
        return None, False

    def wait_for(self, client, desired, live, read, done, timeout_message):
        """Wait for a live object through the one waiter, for `desired`'s `wait_timeout`."""
        return wait_for_value(client, desired.get("wait_timeout"), live, read, done, timeout_message)

    def create(self, client, desired):
        raise SpecError(None, "%s cannot be created" % self.kind)

    def update(self, client, live, desired, changes):
        raise SpecError(None, "%s cannot be updated in place" % self.kind)

    def delete(self, client, live):
        raise SpecError(None, "%s cannot be deleted" % self.kind)

    def act(self, client, change):
        raise SpecError(None, "%s has no action %r" % (self.kind, change.action))

    def settle(self, client, desired, live):
        """Wait for a live object to reach a steady state (kinds with `waits` override)."""
        return live

    def predict(self, change):
        """The object as it would be after the change, for check mode."""
        if change.action == DELETE:
            return None
        result = dict(change.live or {})
        result.update(dict((k, v) for k, v in change.desired.items() if k in self.fields and v is not None))
        return self.public(result)
