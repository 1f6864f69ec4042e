# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What every OpenDCP kind shares: the `id` and `name` options, finding objects by name, whole-object updates."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.converge.platforms.plugins.module_utils.opendcp_wire import by_id
from ansible_collections.converge.platforms.plugins.module_utils.ownership import TextMarker
from ansible_collections.converge.platforms.plugins.module_utils.resources.by_id import CrudById, crud_calls
from ansible_collections.converge.platforms.plugins.module_utils.spec import Field, ResourceSpec, SpecError


def id_field(kind_label):
    """The optional `id` option of every kind: match by id, so that a different name is a replacement."""
    return Field("int", "Id of an existing %s. When given, the %s is found by id instead of by name, and a "
                        "different I(name) replaces it: OpenDCP cannot rename." % (kind_label, kind_label),
                 compare=False)


def name_field(kind_label, unique=False):
    text = "Name of the %s; it identifies the %s." % (kind_label, kind_label)
    if not unique:
        text += " OpenDCP allows two of the same name; converge refuses to guess between them."
    return Field("str", text + " A changed name (with I(id)) is a replacement.", required=True, updatable=False)


def empty_of(field_type):
    """What OpenDCP is sent for an unset field of this type (a new value each time): "", [] or {}."""
    return {"list": [], "dict": {}}.get(field_type, "")


def named_fields(label, unique=False, **fields):
    """A kind's fields: its `name`, then `fields` in the order given, then its optional `id`."""
    result = {"name": name_field(label, unique)}
    result.update(fields)
    result["id"] = id_field(label)
    return result


def described_object(noun, label, **payload):
    """Class decorator of a kind OpenDCP keeps as `{id, name, desc, <payload>}` under a unique name (task templates,
    remote steps, remote actions): sets its `fields` (the name, `desc`, the one payload field given, `id`), its
    `sent_fields` (the description and the payload) and its client calls, `crud_calls(noun)`
    (opendcp.BY_ID_OBJECTS). `label` names the kind in the docs; its last word, the description."""
    (payload_name,) = tuple(payload)

    def declare(cls):
        cls.get_call, cls.create_call, cls.update_call, cls.delete_call = crud_calls(noun)
        cls.sent_fields = ("desc", payload_name)
        cls.fields = named_fields(label, unique=True,
                                  desc=Field("str", "Description of the %s." % label.split()[-1]), **payload)
        return cls

    return declare


def merged(live, desired, names):
    """The whole object for an update: desired values where set, live ones elsewhere."""
    return dict((name, desired[name] if desired.get(name) is not None else live.get(name)) for name in names)


def find_named(items, name, option, kind_label):
    """The one item named `name`, None when there is none; SpecError naming `option` when several are."""
    found = [item for item in items if item.get("name") == name]
    if len(found) > 1:
        raise SpecError(option, "%d %ss are named %r (ids %s); give the id to choose one" % (
            len(found), kind_label, name, ", ".join(str(item["id"]) for item in found)))
    return found[0] if found else None


def require_named(items, name, option, kind_label):
    """The id of the one item named `name`; SpecError naming `option` when there is none."""
    item = find_named(items, name, option, kind_label)
    if item is None:
        raise SpecError(option, "no OpenDCP %s named %r" % (kind_label, name))
    return item["id"]


def require_known(option, names, known, kind_label, owner, listing):
    """SpecError naming `option` and every name in `names` that is not in `known` (in order, once each)."""
    unknown = [name for name in dict.fromkeys(names) if name not in known]
    if unknown:
        raise SpecError(option, "%s names %s OpenDCP does not have: %s (known names come from %s)" % (
            owner, "a %s" % kind_label if len(unknown) == 1 else "%ss" % kind_label,
            ", ".join(repr(name) for name in unknown), listing))


def require_listed(desired_list, option, names_of, listed, kind_label, owner_label, listing):
    """`require_known` for each entry to be present whose `option` names anything: its `names_of(value)` are among
    `listed()`, the names on OpenDCP's `listing` and those the same run creates (called once, and only when an
    entry names anything). `owner_label` is the entry's kind in words."""
    wanted = [desired for desired in desired_list if desired.get("state") != "absent" and desired.get(option)]
    if not wanted:
        return
    known = set(listed())
    for desired in wanted:
        require_known(option, names_of(desired[option]), known, kind_label,
                      "%s %r" % (owner_label, desired.get("name")), listing)


def require_present(desired, names):
    """Options a kind needs to create or update an object, but not to delete it."""
    if (desired.get("state") or "present") != "present":
        return
    for name in names:
        if desired.get(name) is None:
            raise SpecError(name, "is required with state=present")


def check_not_blank(desired, names):
    """SpecError on the first of `names` given as blank text."""
    for name in names:
        value = desired.get(name)
        if isinstance(value, str) and not value.strip():
            raise SpecError(name, "must not be empty")


class OpenDcpSpec(CrudById, ResourceSpec):
    """What every OpenDCP kind shares: found by name (or id) among the live objects of a list, written by id.

    A create sends the name and `write_args`; an update sends the whole object (OpenDCP resets a field left
    out): the live name, and `write_args` of the live values merged with the desired ones for `sent_fields`.
    """

    platform = "opendcp"
    identity = ("name",)
    #: the reconciler's owner marker lives in the object's description (kinds without one set None)
    ownership = TextMarker("desc")
    #: the fields (besides the name) every create and update sends
    sent_fields = ()

    @property
    def label(self):
        """The kind in a message's words: its result key (`remote_action`: remote action), unless it sets one."""
        return self.result_key.replace("_", " ")

    def write_args(self, client, whole):
        """What a write sends after the name, from a whole object in field names: each of `sent_fields`, the empty
        value of its type when it is unset (override where a value is converted or looked up)."""
        return tuple(whole.get(name) or empty_of(self.fields[name].type) for name in self.sent_fields)

    def create_args(self, client, desired):
        """The name, then `write_args` of the desired entry."""
        return (desired["name"],) + tuple(self.write_args(client, desired))

    def update_args(self, client, live, desired, changes):
        """The live name (OpenDCP never renames), then `write_args` of the whole object."""
        return (live["name"],) + tuple(self.write_args(client, merged(live, desired, self.sent_fields)))

    def read_many(self, client, desired_list):
        """One listing for every entry; each kind's `list_live` gives its live objects in field names."""
        lives = self.list_live(client, desired_list)
        return [self.match(lives, desired) for desired in desired_list]

    def read_all(self, client, within=None):
        """Every live object of the kind (kinds whose listing depends on the entries override this)."""
        if self.import_refusal:
            return ResourceSpec.read_all(self, client, within)
        return self.list_live(client, [])

    def entry_of(self, live):
        """The entry that keeps `live` as it is (ResourceSpec.entry_of), without the empty values OpenDCP shows for
        a field never set (a blank description, no tasks, no parameters): left out, they are not compared."""
        entry = ResourceSpec.entry_of(self, live)
        return dict((name, value) for name, value in entry.items()
                    if name in self.identity or value not in ("", [], {}))

    def match(self, lives, desired):
        """The live object a desired entry describes: by id when given, else by name (narrowed by `narrow`)."""
        if desired.get("id") is not None:
            return by_id(lives).get(desired["id"])
        found = self.narrow([live for live in lives if live.get("name") == desired.get("name")], desired)
        if len(found) > 1:
            raise SpecError("name", "%d OpenDCP %ss are named %r (ids %s); give the id to choose one" % (
                len(found), self.label, desired.get("name"), ", ".join(str(live["id"]) for live in found)))
        return found[0] if found else None

    def narrow(self, found, desired):
        """Among live objects of the desired name, those that fit the entry best (override)."""
        return found

    def check(self, desired):
        check_not_blank(desired, [name for name, field in self.fields.items() if field.required])
