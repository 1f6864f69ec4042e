# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one create / re-read / update / delete of the kinds whose platform addresses an object by its id.

OpenDCP (clusters, services, pools, templates, remote steps, actions, implementations) and the migration
platform (cloud connections, transport servers, source hosts, vSphere platforms) find an object by name
and then write it by id. `CrudById` holds that pattern once; a kind names its client calls and says what
each write sends.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


def crud_calls(noun):
    """The four call names of a client that names them after the object: `get_<noun>`, `create_<noun>`,
    `update_<noun>`, `delete_<noun>` (for `get_call, create_call, update_call, delete_call = crud_calls(...)`)."""
    return tuple("%s_%s" % (verb, noun) for verb in ("get", "create", "update", "delete"))


class CrudById:
    """Create, re-read, update and delete through client calls that take the object's id.

    A mixin: list it before `ResourceSpec` (or a subclass of it), as in
    `class ClusterSpec(CrudById, ResourceSpec)`. A kind sets, as class attributes (`crud_calls(noun)` names
    the four calls of a client that names them `get_<noun>`, `create_<noun>`, ...):

    - `get_call`: name of the client method reading one object by id (`client.get_cluster(id)`); its answer
      is turned into field names by `facts(item)`. None when the platform has no read by id: an object is
      then read back through the kind's own `read(client, desired)` (the migration platform's lists
      filtered by name).
    - `create_call`: name of the client method creating an object, called with `create_args(client, desired)`;
      it answers the new id, or nothing (the object is then read back through `read`).
    - `update_call`: name of the client method updating one, called with the live object's id followed by
      `update_args(client, live, desired, changes)`.
    - `delete_call`: name of the client method deleting one, called with the live object's id.
    - `id_key`: the live field holding the id these calls take (`id`; an OpenDCP implementation is addressed
      by its action's id, `action_id`).

    `call_by_id(client, call, live, *args)` serves a kind's other calls by id (a migration server's refresh).
    The methods here are the plain writes: `ResourceSpec.apply` wraps them in its verified-write path, so a
    lost answer is read back before anything is sent again. A kind overrides `create_args`, `update_args`,
    `facts` or `reread` where it needs more, and the whole method only where its write is not one call.
    """

    get_call = None
    create_call = None
    update_call = None
    delete_call = None
    id_key = "id"

    def facts(self, item):
        """A platform object in field names (override; the object as it is by default)."""
        return item

    def create_args(self, client, desired):
        """The arguments of `create_call` for a desired entry: the entry itself, unless the kind maps it."""
        return (desired,)

    def update_args(self, client, live, desired, changes):
        """The arguments of `update_call` after the live object's id: the desired entry, unless the kind maps it."""
        return (desired,)

    def call_by_id(self, client, call, live, *args):
        """`client.<call>(live[id_key], *args)`: one call about an existing object."""
        return getattr(client, call)(live[self.id_key], *args)

    def reread(self, client, object_id, desired=None):
        """The object after a write: by id through `get_call`, else through `read(client, desired)`."""
        if self.get_call is None or object_id is None:
            return self.read(client, desired)
        return self.facts(getattr(client, self.get_call)(object_id))

    def create(self, client, desired):
        """Create the object; returns it read back."""
        new_id = getattr(client, self.create_call)(*self.create_args(client, desired))
        return self.reread(client, new_id, desired)

    def update(self, client, live, desired, changes):
        """Update the object in place; returns it read back."""
        self.call_by_id(client, self.update_call, live, *self.update_args(client, live, desired, changes))
        return self.reread(client, live[self.id_key], desired)

    def delete(self, client, live):
        """Delete the object."""
        self.call_by_id(client, self.delete_call, live)
