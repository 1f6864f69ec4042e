# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Resource specs of the OpenDCP kinds: clusters, services, pools and their nodes, task templates,
remote steps, remote actions and their implementations.

OpenDCP objects have integer ids; converge finds them by name and refers to one another by name
(a service's cluster, a pool's service, a remote step's actions). OpenDCP's update replaces every
field and never changes the name (README, "How the real OpenDCP server answers"), so an update
sends the whole object, the live values merged with the desired ones, and a changed name is a
replacement.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re

from ansible_collections.converge.platforms.plugins.module_utils.opendcp import (
    FLOW_ENDED,
    FLOW_FAILED,
    FLOW_INIT,
    FLOW_RUNNING,
    FLOW_STATES,
    FLOW_STOPPED,
    FLOW_SUCCESS,
    OpenDcpError,
    concurrently,
    flow_pending,
)
from ansible_collections.converge.platforms.plugins.module_utils.ownership import TextMarker
from ansible_collections.converge.platforms.plugins.module_utils.resources.by_id import CrudById
from ansible_collections.converge.platforms.plugins.module_utils.spec import (
    CREATE,
    DELETE,
    NOOP,
    REPLACE,
    UPDATE,
    Change,
    Field,
    Reference,
    ResourceSpec,
    SpecError,
    wait_for_value,
)
from ansible_collections.converge.platforms.plugins.module_utils.templating import (
    check_action,
    check_declared,
    check_template,
    check_values,
    shell_warnings,
    template_variables,
)
from ansible_collections.converge.platforms.plugins.module_utils.validate import FORMATS, ConstraintError

EXPAND, SHRINK = "expand", "shrink"
#: reads of a pool's node counts and flows before a consistent pair is taken as it is
SNAPSHOT_ATTEMPTS = 5
TASK_TYPES = ("expand", "shrink", "deploy")
#: a pool node's status after a flow failed on it; any other status (0 for a host added by IP on the real server,
#: 1 or 2 after a flow) is a working node (README)
NODE_FAILED = 3
#: flow log lines in which the real server says why a step or the flow failed (README)
FAILURE_LINE = re.compile(r"^(Fail to run step \[|Run flow error)")
DEFAULT_BIZ = "1"
DEFAULT_IMPL_TYPE = "ansible"


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


def merged(live, desired, names):
    """The whole object for an update: desired values where set, live ones elsewhere."""
    return dict((name, desired[name] if desired.get(name) is not None else live.get(name)) for name in names)


def by_id(items):
    return dict((item["id"], item) for item in items)


def names_by_id(items):
    return dict((item["id"], item.get("name")) for item in items)


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


def require_present(desired, names):
    """Options a kind needs to create or update an object, but not to delete it."""
    if (desired.get("state") or "present") != "present":
        return
    for name in names:
        if desired.get(name) is None:
            raise SpecError(name, "is required with state=present")


def check_not_blank(desired, names):
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
    label = "object"
    #: the fields (besides the name) every create and update sends
    sent_fields = ()

    def write_args(self, client, whole):
        """What a write sends after the name, from a whole object in field names (override)."""
        return tuple(whole.get(name) for name in self.sent_fields)

    def create_args(self, client, desired):
        return (desired["name"],) + tuple(self.write_args(client, desired))

    def update_args(self, client, live, desired, changes):
        return (live["name"],) + tuple(self.write_args(client, merged(live, desired, self.sent_fields)))

    def read_many(self, client, desired_list):
        """One listing for every entry; each kind's `list_live` gives its live objects in field names."""
        lives = self.list_live(client, desired_list)
        return [self.match(lives, desired) for desired in desired_list]

    def read_all(self, client):
        """Every live object of the kind (kinds whose listing depends on the entries override this)."""
        return self.list_live(client, [])

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


# --- clusters ------------------------------------------------------------------------------------
class ClusterSpec(OpenDcpSpec):
    """An OpenDCP cluster: a product line's group of services.

    A cluster with services cannot be deleted.
    """

    kind = "opendcp_cluster"
    ownership = TextMarker("desc")
    result_key = "cluster"
    label = "cluster"
    description = "Manage OpenDCP clusters."
    fields = {
        "name": name_field("cluster"),
        "desc": Field("str", "Description of the cluster."),
        "biz": Field("str", "Product line of the cluster; C(1), the document's usual value, when a cluster is "
                            "created without one."),
        "id": id_field("cluster"),
    }

    get_call, create_call = "get_cluster", "create_cluster"
    update_call, delete_call = "update_cluster", "delete_cluster"
    sent_fields = ("desc", "biz")

    def facts(self, item):
        return cluster_facts(item)

    def list_live(self, client, desired_list):
        return [cluster_facts(item) for item in client.list_clusters()]

    def write_args(self, client, whole):
        return whole.get("desc") or "", whole.get("biz") or ""

    def create_args(self, client, desired):
        """A new cluster's product line is C(1) unless given; an update keeps the live one."""
        return OpenDcpSpec.create_args(self, client, dict(desired, biz=desired.get("biz") or DEFAULT_BIZ))


def cluster_facts(item):
    return {"id": item.get("id"), "name": item.get("name"), "desc": item.get("desc") or "",
            "biz": item.get("biz") or ""}


# --- services ------------------------------------------------------------------------------------
class ServiceSpec(OpenDcpSpec):
    """An OpenDCP service: a Docker image run in the pools of one cluster.

    I(cluster) names the cluster, and the service is looked for in that cluster only (OpenDCP lists services per
    cluster). To move a service to another cluster, give its I(id): found by id, a different I(cluster) is an
    update. A service with pools cannot be deleted.
    """

    kind = "opendcp_service"
    ownership = TextMarker("desc")
    result_key = "service"
    label = "service"
    description = "Manage OpenDCP services."
    create_call, update_call, delete_call = "create_service", "update_service", "delete_service"
    sent_fields = ("cluster", "desc", "service_type", "docker_image")
    fields = {
        "name": name_field("service"),
        "cluster": Field("str", "Name of the cluster the service belongs to. Required with C(state=present).",
                         reference="opendcp_cluster"),
        "desc": Field("str", "Description of the service."),
        "service_type": Field("str", "Type of the service, such as C(java) or C(php)."),
        "docker_image": Field("str", "Docker image of the service, such as C(registry.example.invalid/web:1.0). "
                                     "Required with C(state=present)."),
        "id": id_field("service"),
    }

    def check(self, desired):
        OpenDcpSpec.check(self, desired)
        require_present(desired, ("cluster", "docker_image"))

    def list_live(self, client, desired_list):
        """The services of the clusters the entries name, and those the entries give by id, read concurrently.

        OpenDCP lists services only per cluster: reading every cluster would cost one request per cluster.
        Only an entry without a cluster (a deletion by name) makes every cluster be read.
        """
        clusters = client.list_clusters()
        names = names_by_id(clusters)
        wanted = set(desired.get("cluster") for desired in desired_list if desired.get("id") is None)
        chosen = [c["id"] for c in clusters if None in wanted or c.get("name") in wanted]
        lives = [service_facts(item, names) for items in concurrently(client.list_cluster_services, chosen)
                 for item in items]
        known = set(live["id"] for live in lives)
        by_id_ids = sorted(set(d["id"] for d in desired_list if d.get("id") is not None) - known)
        for item in concurrently(lambda service_id: get_or_none(client.get_service, service_id), by_id_ids):
            if item is not None:
                lives.append(service_facts(item, names))
        return lives

    def read_all(self, client):
        """Every service of every cluster."""
        names = names_by_id(client.list_clusters())
        return [service_facts(item, names) for item in list_services(client)]

    def narrow(self, found, desired):
        within = [live for live in found if live.get("cluster") == desired.get("cluster")]
        return within or found

    def reread(self, client, object_id, desired=None):
        item = client.get_service(object_id)
        return service_facts(item, names_by_id(client.list_clusters()))

    def write_args(self, client, whole):
        cluster_id = require_named(client.list_clusters(), whole["cluster"], "cluster", "cluster")
        return (whole.get("desc") or "", whole.get("service_type") or "", whole["docker_image"], cluster_id)


def service_facts(item, cluster_names):
    return {"id": item.get("id"), "name": item.get("name"), "desc": item.get("desc") or "",
            "service_type": item.get("service_type") or "", "docker_image": item.get("docker_image") or "",
            "cluster_id": item.get("cluster_id"), "cluster": cluster_names.get(item.get("cluster_id"))}


def list_services(client):
    """Every service of every cluster, the clusters read concurrently (OpenDCP lists services only per cluster)."""
    lists = concurrently(client.list_cluster_services, [cluster["id"] for cluster in client.list_clusters()])
    return [item for items in lists for item in items]


def get_or_none(read, object_id):
    """`read(object_id)`, None when OpenDCP answers that there is no such object (code 404)."""
    try:
        return read(object_id)
    except OpenDcpError as exc:
        if exc.code == 404 or exc.status == 404:
            return None
        raise


def pool_owners(client, service_ids):
    """{service id: (service name, {pool id: node count})}, each service read concurrently.

    The counts come from the service's `list_pools`, the one answer where OpenDCP counts a pool's nodes.
    """
    def owner(service_id):
        service = get_or_none(client.get_service, service_id) or {}
        return service.get("name"), client.pool_node_counts(service_id)

    service_ids = sorted(set(service_ids))
    return dict(zip(service_ids, concurrently(owner, service_ids)))  # noqa: B905 - for Pythons before 3.10


def counts_and_flows(client, pools):
    """`(pool_owners, failed nodes by pool id, flows)` read so that no expand or shrink flow of these pools moved
    while nodes were counted.

    A node joins (or leaves) a pool when its flow node ends: nodes counted before that and flows read after
    it would miss the node twice over (and plan a second expand). The flows are read before and after the
    counts and the failed nodes, and all is read again while the pools' flows differ between the two reads.
    """
    names = set(pool.get("name") for pool in pools)
    service_ids = [pool.get("service_id") for pool in pools]
    before = client.list_tasks()
    for _attempt in range(SNAPSHOT_ATTEMPTS):
        owners = pool_owners(client, service_ids)
        failed = failed_nodes_by_pool(client, pools, owners)
        after = client.list_tasks()
        if moving_flows(before, names) == moving_flows(after, names):
            break
        before = after
    return owners, failed, after


def failed_nodes_by_pool(client, pools, owners):
    """{pool id: its failed nodes, `[{id, ip}]`}, from the `list_nodes` of each pool that has nodes (concurrently).

    A flow that fails on a node leaves it in the pool with status 3, and OpenDCP counts it in `node_count`; an
    expand whose create_vm failed leaves one with no machine whose ip is its own id (README). It is no working
    node: it does not count toward a pool's size, and a shrink never chooses it.
    """
    counted = [pool["id"] for pool in pools if owners[pool.get("service_id")][1].get(pool["id"])]
    lists = concurrently(client.list_pool_nodes, counted)
    return dict((pool_id, [failed_facts(node) for node in nodes if not is_working(node)])
                for pool_id, nodes in zip(counted, lists))  # noqa: B905 - for Pythons before 3.10


def is_working(node):
    """Whether a pool node is a working one: any status but failed (3)."""
    return node.get("status") != NODE_FAILED


def failed_facts(node):
    return {"id": node.get("id"), "ip": node.get("ip")}


def moving_flows(flows, pool_names):
    """The state and node counts of every expand and shrink flow of the named pools."""
    names = set("%s_%s" % (kind, name) for kind in (EXPAND, SHRINK) for name in pool_names)
    return sorted((flow.get("id"), flow.get("state"), list(flow.get("Stat") or flow.get("stat") or []))
                  for flow in flows if flow.get("task_name") in names)


def pools_with_counts(client, pools):
    """Pools of `/pool/list` with their true `node_count` (that list always answers 0)."""
    owners = pool_owners(client, [pool.get("service_id") for pool in pools])
    return [dict(pool, node_count=owners[pool.get("service_id")][1].get(pool["id"], 0)) for pool in pools]


# --- pools ---------------------------------------------------------------------------------------
class PoolSpec(OpenDcpSpec):
    """An OpenDCP service pool: the hosts one service runs on.

    I(tasks) names the task template of each pool operation (C(expand), C(shrink), C(deploy)); OpenDCP runs a
    pool operation only when its template is named there.

    I(size) is the number of working nodes the pool should have. A larger size starts an C(expand_<pool>) flow
    creating the missing hosts; a smaller one a C(shrink_<pool>) flow returning working hosts, the newest first. Nodes
    still on their way in or out through a running flow count as already there, so a second run while the flow
    runs changes nothing. With I(wait) the module waits until the flow ends and fails when any of its nodes failed,
    quoting the lines of the flow log that say why.

    A node a flow failed on (status 3) is no working node and does not count toward the size. A failed expand
    leaves such nodes in the pool (one whose create_vm failed, as when OpenDCP cannot reach its VM manager, shows
    its node id as its ip). While a pool short of its size holds failed nodes, no expand is started, in check mode
    and in the reconciler's plan too: the run fails naming them, since another expand would most likely fail the
    same way and leave more of them. Fix what made the expand fail, remove the failed nodes
    (M(converge.platforms.opendcp_pool_nodes) with C(state=absent) and their ips), then run again. A shrink never
    chooses a failed node.

    The service of a pool cannot change: a different I(service) is a replacement, and a pool with nodes cannot be
    deleted.
    """

    kind = "opendcp_pool"
    ownership = TextMarker("desc")
    result_key = "pool"
    label = "pool"
    description = "Manage OpenDCP service pools and their size."
    create_call, update_call, delete_call = "create_pool", "update_pool", "delete_pool"
    waits = True
    fields = {
        "name": name_field("pool"),
        "service": Field("str", "Name of the service the pool belongs to; it cannot change. Required with "
                                "C(state=present).", reference="opendcp_service", updatable=False),
        "desc": Field("str", "Description of the pool."),
        "vm_type": Field("int", "Id of the virtual machine template new hosts are created from.", min=0),
        "sd_id": Field("int", "Id of the service discovery the pool's hosts are registered with.", min=0),
        "tasks": Field("dict", "Task template of each pool operation: keys C(expand), C(shrink), C(deploy); values "
                               "template names (or ids)."),
        "size": Field("int", "Number of working nodes the pool should have, reached through expand and shrink flows. "
                             "Failed nodes (status 3, such as those a failed expand leaves) do not count, and while "
                             "the pool holds any, a larger size is refused naming them: remove them (with "
                             "M(converge.platforms.opendcp_pool_nodes)) once what made the expand fail is fixed, then "
                             "run again.", min=0),
        "id": id_field("pool"),
    }

    def references(self, desired):
        """The service, and each task template named (by name, not id) in `tasks`."""
        yield from OpenDcpSpec.references(self, desired)
        for operation, template in sorted((desired.get("tasks") or {}).items()):
            if isinstance(template, str):
                yield Reference("tasks.%s" % operation, "opendcp_task_template", template)

    def check(self, desired):
        OpenDcpSpec.check(self, desired)
        require_present(desired, ("service",))
        for key, value in (desired.get("tasks") or {}).items():
            if key not in TASK_TYPES:
                raise SpecError("tasks", "unknown pool operation %r (known: %s)" % (key, ", ".join(TASK_TYPES)))
            if isinstance(value, bool) or not isinstance(value, (str, int)) or value in ("", None):
                raise SpecError("tasks", "%s: must be a task template name or id, got %r" % (key, value))
        if desired.get("wait_timeout") is not None and desired["wait_timeout"] <= 0:
            raise SpecError("wait_timeout", "must be positive")

    # --- reading -------------------------------------------------------------------------
    def list_live(self, client, desired_list):
        """The pools the entries name (or give by id), each counted through its service's `list_pools`."""
        names = set(desired.get("name") for desired in desired_list)
        ids = set(desired.get("id") for desired in desired_list if desired.get("id") is not None)
        pools = [item for item in client.list_pools() if item.get("name") in names or item.get("id") in ids]
        templates = names_by_id(client.list_templates())
        if any(d.get("size") is not None for d in desired_list):
            owners, failed, flows = counts_and_flows(client, pools)
        else:
            owners, flows = pool_owners(client, [item.get("service_id") for item in pools]), []
            failed = failed_nodes_by_pool(client, pools, owners)
        return [self._facts(item, owners, templates, flows, failed) for item in pools]

    def read_all(self, client):
        """Every pool, each counted through its service's `list_pools` (its failed nodes are not read: the pools
        are listed to be pruned, not resized)."""
        pools = client.list_pools()
        owners = pool_owners(client, [item.get("service_id") for item in pools])
        templates = names_by_id(client.list_templates())
        return [self._facts(item, owners, templates, [], {}) for item in pools]

    @staticmethod
    def _facts(item, owners, templates, flows, failed):
        name, counts = owners[item.get("service_id")]
        return pool_facts(item, {item.get("service_id"): name}, templates, flows, counts.get(item["id"], 0),
                          failed_nodes=failed.get(item["id"], []))

    def narrow(self, found, desired):
        within = [live for live in found if live.get("service") == desired.get("service")]
        return within or found

    def reread(self, client, object_id, desired=None):
        item = client.get_pool(object_id)
        owners, failed, flows = counts_and_flows(client, [item])
        return self._facts(item, owners, names_by_id(client.list_templates()), flows, failed)

    # --- planning ------------------------------------------------------------------------
    def differences(self, desired, live):
        changes = ResourceSpec.differences(self, desired, live)
        if "tasks" in changes and same_tasks(desired["tasks"], live):
            del changes["tasks"]
        return changes

    def plan(self, desired, live):
        change = ResourceSpec.plan(self, desired, live)
        if change.action == CREATE and desired.get("size"):
            self._check_task(EXPAND, desired, None)
        if change.action == REPLACE and desired.get("size"):
            self._check_task(EXPAND, desired, None)
        if change.action == UPDATE and "size" in change.fields:
            before, after = change.fields["size"]
            resize = EXPAND if after > before else SHRINK
            self._check_task(resize, desired, live)
            if resize == EXPAND:
                refuse_expand_beside_failed_nodes(live, after)
            if len(change.fields) == 1:
                change = Change(self, resize, desired, live, change.fields,
                                note="%s by %d node(s) through a flow" % (resize, abs(after - before)))
        return change

    @staticmethod
    def _check_task(operation, desired, live):
        tasks = desired.get("tasks") if desired.get("tasks") is not None else (live or {}).get("tasks") or {}
        if not tasks.get(operation):
            raise SpecError("tasks", "changing size needs a task template for %s: set tasks.%s" % (
                operation, operation))

    # --- writing -------------------------------------------------------------------------
    def _template_ids(self, client, tasks):
        if not tasks:
            return {}
        templates = None
        ids = {}
        for key, value in tasks.items():
            if isinstance(value, int):
                ids[key] = value
                continue
            if templates is None:
                templates = client.list_templates()
            ids[key] = require_named(templates, value, "tasks", "task template")
        return ids

    def create_args(self, client, desired):
        service_id = require_named(list_services(client), desired["service"], "service", "service")
        return (desired["name"], desired.get("desc") or "", desired.get("vm_type") or 0, desired.get("sd_id") or 0,
                service_id, self._template_ids(client, desired.get("tasks")))

    def update_args(self, client, live, desired, changes):
        """The whole pool: its service never changes, and its tasks are the live ones unless given."""
        whole = merged(live, desired, ("desc", "vm_type", "sd_id"))
        tasks = self._template_ids(client, desired["tasks"]) if desired.get("tasks") is not None \
            else live.get("task_ids") or {}
        return (live["name"], whole["desc"] or "", whole["vm_type"] or 0, whole["sd_id"] or 0, live["service_id"],
                tasks)

    def create(self, client, desired):
        """Create the pool, then bring it to its size."""
        live = OpenDcpSpec.create(self, client, desired)
        if desired.get("size"):
            live = self._resize(client, live, desired)
        return live

    def update(self, client, live, desired, changes):
        """Update the pool's fields (when any but its size changed), then bring it to its size."""
        if set(changes) - set(["size"]):
            live = OpenDcpSpec.update(self, client, live, desired, changes)
        if "size" in changes:
            live = self._resize(client, live, desired)
        return live

    def act(self, client, change):
        """An expand or a shrink, through a flow."""
        return self._resize(client, change.live, change.desired)

    def action_done(self, change):
        """An expand or a shrink whose answer was lost took effect when the pool reads at its size."""
        size = change.desired["size"]
        return lambda live: live is not None and live["size"] == size

    def apply(self, client, change):
        """Carry out a change; one that gives the pool a size is done only when the pool is read back at it.

        A write whose answer was lost is verified by reading (the spec's verified writes), and an expand that
        took effect that way may still be running or may fail: the pool is read again, its flows waited for
        (with wait), and a pool not at its size is an error naming the size.
        """
        live = ResourceSpec.apply(self, client, change)
        if live is None or change.action in (NOOP, DELETE) or change.desired.get("size") is None:
            return live
        return self._at_size(client, change.desired, live)

    def _at_size(self, client, desired, live):
        """The pool read back (after its flows, with wait); OpenDcpError when it is not at the desired size."""
        live = self.settle(client, desired, self.reread(client, live["id"]))
        if live["size"] != desired["size"]:
            failed = live.get("failed_nodes")
            raise OpenDcpError("pool %s has %d node(s)%s, not its size %d%s" % (
                live["name"], live["size"], in_flight(live), desired["size"],
                "; %d failed node(s) do not count: %s" % (len(failed), node_names(failed)) if failed else ""))
        return live

    def _resize(self, client, live, desired):
        delta = desired["size"] - live["size"]
        if delta > 0:
            flow = client.expand_pool(live["id"], live["name"], delta)
        elif delta < 0:
            flow = client.shrink_pool(live["id"], live["name"], self._shrink_ips(client, live, -delta))
        else:
            return live
        if desired.get("wait"):
            wait_flow(client, flow, desired.get("wait_timeout") or 600)
        return self.reread(client, live["id"])

    @staticmethod
    def _shrink_ips(client, live, count):
        """IPs of working nodes to take out, the newest first, none already leaving through a running flow.

        A failed node is never chosen: it does not count toward the size, so returning it would leave the pool
        with as many working nodes as before (and one an expand left has no machine to return).
        """
        leaving = set()
        for flow_id in live.get("shrinking_flows") or []:
            for state, nodes in (client.task_detail(flow_id) or {}).items():
                if str(state) in (str(FLOW_INIT), str(FLOW_RUNNING)):
                    leaving.update(node.get("ip") for node in nodes)
        nodes = [node for node in client.list_pool_nodes(live["id"])
                 if is_working(node) and node.get("ip") not in leaving]
        nodes.sort(key=lambda node: -node["id"])
        return [node["ip"] for node in nodes[:count]]

    def settle(self, client, desired, live):
        """With wait, wait for the pool's running expand and shrink flows to end."""
        if not live or not desired.get("wait") or not live.get("running_flows"):
            return live
        for flow_id in live["running_flows"]:
            wait_flow(client, client.get_task(flow_id), desired.get("wait_timeout") or 600)
        return self.reread(client, live["id"])

    def predict(self, change):
        result = ResourceSpec.predict(self, change)
        if result is not None and change.desired.get("tasks") is not None:
            result["tasks"] = dict(change.desired["tasks"])
        return result


def refuse_expand_beside_failed_nodes(live, size):
    """SpecError on `size` when a pool short of `size` working nodes holds failed ones, naming them and the remedy.

    A failed expand leaves its nodes in the pool, failed; another expand would most likely fail the same way
    (its VM manager still unreachable, say) and leave more of them, run after run.
    """
    failed = live.get("failed_nodes") or []
    if not failed:
        return
    raise SpecError("size", (
        "pool %s has %d working node(s)%s, short of its size %d, and %d failed node(s) that do not count: %s. No "
        "expand is started while failed nodes are in the pool: it would most likely fail the same way and leave "
        "more of them. See why the expand failed (its flow log), fix that (an unreachable VM manager, say), remove "
        "the failed node(s) (converge.platforms.opendcp_pool_nodes with state=absent and nodes %s, or POST "
        "/pool/%s/remove_nodes %s), then run again") % (
        live["name"], live["size"], in_flight(live), size, len(failed), node_names(failed),
        json.dumps([node["ip"] for node in failed]), live["id"],
        json.dumps({"nodes": [node["id"] for node in failed]})))


def in_flight(live):
    """What a pool's size counts beyond its nodes, when it has running flows."""
    return " counting those of running flows" if live.get("running_flows") else ""


def node_names(nodes):
    """Pool nodes as `id 2 (ip 2), id 5 (ip 127.0.0.12)`."""
    return ", ".join("id %s (ip %s)" % (node["id"], node["ip"]) for node in nodes)


def same_tasks(want, live):
    """Whether desired tasks (template names or ids) are the live ones."""
    names, ids = live.get("tasks") or {}, live.get("task_ids") or {}
    if set(want) != set(ids):
        return False
    for key, value in want.items():
        have = ids.get(key) if isinstance(value, int) else names.get(key)
        if value != have:
            return False
    return True


def pool_facts(item, service_names, template_names, flows, node_count, failed_nodes=()):
    """A pool in field names; `size` counts its working nodes and those still coming in (or going out) through
    running flows.

    `node_count` is counted by the caller (`pool_owners`): the pool's own `node_count` is 0 on the real server.
    It counts `failed_nodes` (`[{id, ip}]`, status 3) too, which `size` does not.
    """
    task_ids = dict((key, value) for key, value in (item.get("tasks") or {}).items())
    name = item.get("name")
    running = [flow for flow in flows if flow.get("state") in (FLOW_INIT, FLOW_RUNNING)
               and flow.get("task_name") in ("expand_%s" % name, "shrink_%s" % name)]
    coming = sum(flow_pending(flow) for flow in running if flow["task_name"].startswith(EXPAND))
    going = sum(flow_pending(flow) for flow in running if flow["task_name"].startswith(SHRINK))
    return {
        "id": item.get("id"), "name": name, "desc": item.get("desc") or "", "vm_type": item.get("vm_type"),
        "sd_id": item.get("sd_id"), "service_id": item.get("service_id"),
        "service": service_names.get(item.get("service_id")),
        "tasks": dict((key, template_names.get(value, value)) for key, value in task_ids.items()),
        "task_ids": task_ids, "node_count": node_count, "size": node_count - len(failed_nodes) + coming - going,
        "failed_nodes": list(failed_nodes), "running_flows": [flow["id"] for flow in running],
        "shrinking_flows": [flow["id"] for flow in running if flow["task_name"].startswith(SHRINK)],
    }


def flow_facts(flow):
    """A flow with its state's name and node counts."""
    stat = flow.get("Stat") or flow.get("stat") or [0] * 5
    facts = dict(flow)
    facts["state_name"] = FLOW_STATES.get(flow.get("state"), str(flow.get("state")))
    facts["nodes_succeeded"] = stat[FLOW_SUCCESS] if len(stat) > FLOW_SUCCESS else 0
    facts["nodes_failed"] = stat[3] if len(stat) > 3 else 0
    return facts


def wait_flow(client, flow, timeout):
    """Poll a flow (with backoff) until it ends; raise when it failed, stopped or a node failed."""
    flow = wait_for_value(client, timeout, flow, lambda: client.get_task(flow["id"]),
                          lambda now: now.get("state") in FLOW_ENDED,
                          lambda last: "flow %s (id %s) is still %s after %ss" % (
                              last.get("task_name"), last["id"], FLOW_STATES.get(last.get("state"), "running"),
                              timeout))
    facts = flow_facts(flow)
    if flow["state"] != FLOW_SUCCESS or facts["nodes_failed"]:
        raise OpenDcpError("flow %s (id %s) ended %s: %d node(s) succeeded, %d failed%s" % (
            flow.get("task_name"), flow["id"], facts["state_name"], facts["nodes_succeeded"], facts["nodes_failed"],
            failure_reason(client, flow["id"])))
    return flow


def failure_reason(client, flow_id):
    """Why a flow's first failed node failed, quoting the flow log (empty when nothing can be read).

    OpenDCP puts the reason in the flow log (`/task/flow/{id}/log`); the node log may hold only `<NO LOG>`
    (README, "How the real OpenDCP server answers"). The quote is the lines `reason_lines` picks.
    """
    try:
        failed = (client.task_detail(flow_id) or {}).get(str(FLOW_FAILED)) or []
        messages = [str(entry.get("message")).strip() for entry in client.task_log(flow_id) or []
                    if isinstance(entry, dict) and entry.get("message")]
    except OpenDcpError:
        return ""
    node = failed[0] if failed else {}
    quoted = " | ".join(reason_lines(messages, node.get("ip")))
    where = ""
    if node:
        where = "; node %s failed" % node.get("ip")
        if node.get("steps"):
            where += " at step %s" % node["steps"]
    if not quoted:
        return where
    return "%s; flow log: %s" % (where, quoted)


def reason_lines(messages, node_ip):
    """The lines of a flow log that say why the flow failed.

    The real server says it in `Fail to run step [<step>]: <why>` and `Run flow error： <why>` lines, among the
    lines that start and finish the flow and its steps (README): those are quoted, once each (a step logs its
    failure once per try), in the order logged. A log without them is quoted by its last line naming the failed
    node's IP, else by its last line.
    """
    said = list(dict.fromkeys(message for message in messages if FAILURE_LINE.match(message)))
    if said:
        return said
    about = [message for message in messages if names_ip(message, node_ip)]
    return (about or messages)[-1:]


def names_ip(message, ip):
    """Whether a log line names this IP as a whole (127.0.0.1 is not named by 127.0.0.12); the ip of a failed node
    whose create_vm made no machine is its id, which names nothing."""
    if not ip or not any(mark in ip for mark in ".:"):
        return False
    return re.search(r"(?<![\w.:])%s(?!\w|\.\w)" % re.escape(ip), message) is not None


# --- pool nodes ----------------------------------------------------------------------------------
class PoolNodesSpec(OpenDcpSpec):
    """Hosts recorded in an OpenDCP pool by IP, without creating or returning machines.

    With C(state=present) the listed IPs are added to the pool (with I(exclusive), nodes not listed are removed);
    with C(state=absent) the listed IPs are removed. An IP belongs to at most one pool. Do not combine with the
    I(size) of M(converge.platforms.opendcp_pool) on the same pool: both change its nodes.
    """

    kind = "opendcp_pool_nodes"
    result_key = "pool_nodes"
    label = "pool"
    description = "Add hosts to, or remove them from, an OpenDCP pool."
    identity = ("pool",)
    fields = {
        "pool": Field("str", "Name of the pool.", required=True, reference="opendcp_pool"),
        "nodes": Field("list", "IP addresses of the hosts. With C(state=absent), a failed node an expand left with "
                               "no machine is named by the ip OpenDCP shows for it: its node id, such as C('2').",
                       elements="str", required=True),
        "exclusive": Field("bool", "With C(state=present), also remove the pool's nodes that are not listed.",
                           default=False, compare=False),
    }

    def check(self, desired):
        """Every node is an IP address; to remove one, also the ip a failed node without a machine shows (its id)."""
        OpenDcpSpec.check(self, desired)
        absent = desired.get("state") == "absent"
        for index, node in enumerate(desired.get("nodes") or []):
            try:
                FORMATS["ip"](node)
            except ConstraintError as exc:
                if not absent:
                    raise SpecError("nodes[%d]" % index, str(exc))
                if not (node.isascii() and node.isdigit()):
                    raise SpecError("nodes[%d]" % index, "must be an IP address or the ip of a failed node (its node "
                                                         "id, such as '2'), got %r" % node)

    def read_many(self, client, desired_list):
        pools = client.list_pools()
        result = []
        for desired in desired_list:
            pool = find_named(pools, desired["pool"], "pool", "pool")
            if pool is None:
                result.append(None)
                continue
            nodes = client.list_pool_nodes(pool["id"])
            result.append({"pool": pool["name"], "pool_id": pool["id"], "nodes": [n["ip"] for n in nodes],
                           "node_ids": dict((n["ip"], n["id"]) for n in nodes)})
        return result

    def _target(self, desired, live):
        have = list((live or {}).get("nodes") or [])
        wanted = list(dict.fromkeys(desired.get("nodes") or []))
        if desired.get("state") == "absent":
            return [ip for ip in have if ip not in wanted]
        keep = [ip for ip in have if ip in wanted or not desired.get("exclusive")]
        return keep + [ip for ip in wanted if ip not in keep]

    def plan(self, desired, live):
        if live is None:
            if desired.get("state") == "absent":
                return Change(self, NOOP, desired, None)
            return Change(self, CREATE, desired, None)
        target = self._target(desired, live)
        if sorted(target) == sorted(live["nodes"]):
            return Change(self, NOOP, desired, live)
        action = DELETE if desired.get("state") == "absent" else UPDATE
        return Change(self, action, desired, live, {"nodes": (sorted(live["nodes"]), sorted(target))})

    def apply(self, client, change):
        """Remove, then add, the nodes that differ: two writes, each through the verified-write path (a lost
        answer is read back by IP before anything is sent again)."""
        if change.action == NOOP:
            return change.live
        desired = change.desired
        live = change.live or self._pool_live(client, desired)
        target = self._target(desired, live)
        leaving = [ip for ip in live["nodes"] if ip not in target]
        coming = [ip for ip in target if ip not in live["nodes"]]
        if leaving:
            node_ids = [live["node_ids"][ip] for ip in leaving]
            self.verified(client, desired, "remove_nodes", lambda: client.remove_pool_nodes(live["pool_id"], node_ids),
                          lambda now: now is not None and not set(leaving) & set(now["nodes"]))
        if coming:
            self.verified(client, desired, "add_nodes", lambda: client.add_pool_nodes(live["pool_id"], coming),
                          lambda now: now is not None and set(coming) <= set(now["nodes"]))
        return self.read(client, desired)

    def _pool_live(self, client, desired):
        live = self.read(client, desired)
        if live is None:
            raise SpecError("pool", "no OpenDCP pool named %r" % desired["pool"])
        return live

    def predict(self, change):
        return {"pool": change.desired["pool"], "nodes": sorted(self._target(change.desired, change.live))}


# --- task templates ------------------------------------------------------------------------------
STEP_KEYS = ("name", "param_values", "retry")
#: steps every OpenDCP server has; any other step name is a remote step
BUILT_IN_STEPS = ("create_vm", "return_vm", "register", "unregister")
RETRY_KEYS = ("retry_times", "ignore_error")


def normal_steps(steps):
    """Steps as OpenDCP stores them: `{name, param_values, retry: {retry_times, ignore_error}}` with defaults."""
    result = []
    for step in steps or []:
        retry = step.get("retry") or {}
        result.append({"name": step.get("name"), "param_values": dict(step.get("param_values") or {}),
                       "retry": {"retry_times": retry.get("retry_times") or 0,
                                 "ignore_error": bool(retry.get("ignore_error"))}})
    return result


def check_steps(steps):
    for index, step in enumerate(steps or []):
        where = "steps[%d]" % index
        if not isinstance(step, dict):
            raise SpecError("steps", "%s: must be a mapping with name, param_values and retry" % where)
        unknown = sorted(set(step) - set(STEP_KEYS))
        if unknown:
            raise SpecError("steps", "%s: unknown key(s) %s (known: %s)" % (where, ", ".join(unknown),
                                                                            ", ".join(STEP_KEYS)))
        if not isinstance(step.get("name"), str) or not step["name"].strip():
            raise SpecError("steps", "%s: name is required" % where)
        if not isinstance(step.get("param_values") or {}, dict):
            raise SpecError("steps", "%s: param_values must be a mapping" % where)
        retry = step.get("retry") or {}
        if not isinstance(retry, dict) or set(retry) - set(RETRY_KEYS):
            raise SpecError("steps", "%s: retry must be a mapping with retry_times and ignore_error" % where)
        times = retry.get("retry_times")
        if times is not None and (isinstance(times, bool) or not isinstance(times, int) or times < 0):
            raise SpecError("steps", "%s: retry.retry_times must be a non-negative integer" % where)
        if retry.get("ignore_error") is not None and not isinstance(retry["ignore_error"], bool):
            raise SpecError("steps", "%s: retry.ignore_error must be true or false" % where)


class TaskTemplateSpec(OpenDcpSpec):
    """An OpenDCP task template: the steps a flow runs on each node, in order.

    Each step names a built-in step (C(create_vm), C(return_vm), C(register), C(unregister)) or a remote step, with
    C(param_values) and C(retry) (C(retry_times), C(ignore_error)). Every name must be on OpenDCP's task step list
    (or, in the reconciler, be a remote step of the same desired state): the names are checked before anything is
    written, in check mode too. An expand template must start with C(create_vm)
    and a shrink template end with C(return_vm). A template name is unique.
    """

    kind = "opendcp_task_template"
    ownership = TextMarker("desc")
    result_key = "task_template"
    label = "task template"
    description = "Manage OpenDCP task templates."
    get_call, create_call = "get_template", "create_template"
    update_call, delete_call = "update_template", "delete_template"
    sent_fields = ("desc", "steps")
    fields = {
        "name": name_field("task template", unique=True),
        "desc": Field("str", "Description of the template."),
        "steps": Field("list", "Steps in order, each a mapping with C(name), C(param_values) (a mapping, default "
                               "empty) and C(retry) (C(retry_times) default 0, C(ignore_error) default false).",
                       elements="dict"),
        "id": id_field("task template"),
    }

    def references(self, desired):
        """The remote step each step names, unless it is one of OpenDCP's built-in steps."""
        for index, step in enumerate(desired.get("steps") or []):
            name = step.get("name") if isinstance(step, dict) else None
            if isinstance(name, str) and name not in BUILT_IN_STEPS:
                yield Reference("steps[%d].name" % index, "opendcp_remote_step", name)

    def check(self, desired):
        OpenDcpSpec.check(self, desired)
        check_steps(desired.get("steps"))

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
        wanted = [desired for desired in desired_list if desired.get("state") != "absent" and desired.get("steps")]
        if not wanted:
            return
        known = set(step.get("name") for step in client.list_task_steps())
        known.update(provided.get("opendcp_remote_step") or ())
        for desired in wanted:
            require_known("steps", [step.get("name") for step in desired["steps"]], known, "task step",
                          "task template %r" % desired.get("name"), "/task_step/list: a built-in or a remote step")

    def list_live(self, client, desired_list):
        return [template_facts(item) for item in client.list_templates()]

    def facts(self, item):
        return template_facts(item)

    def write_args(self, client, whole):
        return whole.get("desc") or "", normal_steps(whole.get("steps"))


def template_facts(item):
    return {"id": item.get("id"), "name": item.get("name"), "desc": item.get("desc") or "",
            "steps": normal_steps(item.get("steps") if isinstance(item.get("steps"), list) else [])}


# --- remote steps --------------------------------------------------------------------------------
class RemoteStepSpec(OpenDcpSpec):
    """An OpenDCP remote step: remote actions run in order on each node of a flow.

    I(actions) names the actions; each must exist (be on OpenDCP's action list, or, in the reconciler, be an action of
    the same desired state): the names are checked before anything is written, in check mode too, since OpenDCP
    itself stores unknown names. A remote step used by a task template cannot be deleted. A remote step name is
    unique.
    """

    kind = "opendcp_remote_step"
    ownership = TextMarker("desc")
    result_key = "remote_step"
    label = "remote step"
    description = "Manage OpenDCP remote steps."
    get_call, create_call = "get_remote_step", "create_remote_step"
    update_call, delete_call = "update_remote_step", "delete_remote_step"
    sent_fields = ("desc", "actions")
    fields = {
        "name": name_field("remote step", unique=True),
        "desc": Field("str", "Description of the step."),
        "actions": Field("list", "Names of the remote actions the step runs, in order.", elements="str",
                         reference="opendcp_action"),
        "id": id_field("remote step"),
    }

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
        wanted = [desired for desired in desired_list if desired.get("state") != "absent" and desired.get("actions")]
        if not wanted:
            return
        known = set(action.get("name") for action in client.list_actions())
        known.update(provided.get("opendcp_action") or ())
        for desired in wanted:
            require_known("actions", desired["actions"], known, "remote action",
                          "remote step %r" % desired.get("name"), "/action/list")

    def list_live(self, client, desired_list):
        return [remote_step_facts(item) for item in client.list_remote_steps()]

    def facts(self, item):
        return remote_step_facts(item)

    def write_args(self, client, whole):
        return whole.get("desc") or "", whole.get("actions") or []


def remote_step_facts(item):
    # the document's list example spells the field "action"
    actions = item.get("actions") if item.get("actions") is not None else item.get("action")
    return {"id": item.get("id"), "name": item.get("name"), "desc": item.get("desc") or "",
            "actions": list(actions or [])}


# --- remote actions ------------------------------------------------------------------------------
class ActionSpec(OpenDcpSpec):
    """An OpenDCP remote action: a named command with declared parameters.

    I(params) declares each parameter's type, such as C({"echo_word": "string", "times": "integer"}); names must
    be ASCII identifiers. The action's implementation (M(converge.platforms.opendcp_actimpl)) is a template using
    these parameters. An action used by a remote step cannot be deleted. An action name is unique.
    """

    kind = "opendcp_action"
    ownership = TextMarker("desc")
    result_key = "remote_action"
    label = "remote action"
    description = "Manage OpenDCP remote actions and their declared parameters."
    get_call, create_call, update_call, delete_call = "get_action", "create_action", "update_action", "delete_action"
    sent_fields = ("desc", "params")
    fields = {
        "name": name_field("remote action", unique=True),
        "desc": Field("str", "Description of the action."),
        "params": Field("dict", "Declared parameters: name to type (C(string), C(integer), C(number), C(boolean), "
                                "C(list), C(map))."),
        "id": id_field("remote action"),
    }

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

    def write_args(self, client, whole):
        return whole.get("desc") or "", whole.get("params") or {}


def action_facts(item):
    return {"id": item.get("id"), "name": item.get("name"), "desc": item.get("desc") or "",
            "params": dict(item.get("params") or {})}


# --- remote action implementations ---------------------------------------------------------------
class ActImplSpec(OpenDcpSpec):
    """The implementation of an OpenDCP remote action: an Ansible task in JSON with Jinja2 placeholders.

    I(template) is such as C({"action": {"module": "shell", "args": "echo {{echo_word}}"}}). Every variable it uses
    must be a parameter its action declares; that is checked with the action as it is on OpenDCP right before the
    implementation is written, and nothing is written when it fails (the reconciler's C(validate) checks it
    offline too, against the action in the same desired state). OpenDCP finds an implementation by its action's
    id.
    """

    kind = "opendcp_actimpl"
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

    def _match(self, actions, impls, desired):
        action = find_named(actions, desired["action"], "action", "remote action")
        if action is None:
            return None
        mine = [impl for impl in impls if impl.get("action_id") == action["id"]]
        mine.sort(key=lambda impl: (impl.get("type") != (desired.get("type") or DEFAULT_IMPL_TYPE),
                                    impl.get("type") != DEFAULT_IMPL_TYPE))
        return actimpl_facts(mine[0], action) if mine else None

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

    def reread(self, client, action_id, desired=None):
        return actimpl_facts(client.get_actimpl(action_id), {"name": desired["action"]})

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


def actimpl_facts(item, action):
    return {"id": item.get("id"), "action": action.get("name"), "action_id": item.get("action_id"),
            "type": item.get("type") or DEFAULT_IMPL_TYPE, "template": item.get("template") or {}}


# --- flows ---------------------------------------------------------------------------------------
START, PAUSE, STOP = "start", "pause", "stop"


class FlowSpec(OpenDcpSpec):
    """An OpenDCP flow (task): a task template run on pool nodes, a batch of nodes at a time.

    A flow is found by its name: the newest flow of that name. With C(state=present) or C(state=started) a flow is
    created when none has the name, on I(nodes) or on every node of I(pool), I(max_ratio) percent of them (at most
    I(max_num)) at a time; OpenDCP starts it at once. C(state=started) also resumes a paused or stopped flow and runs
    again the nodes of a finished flow that failed. C(state=paused) and C(state=stopped) pause or stop a flow that is
    running, and leave any other alone.

    With I(wait) the module waits until the flow ends and fails when any of its nodes failed. Flows are operations,
    not configuration: the reconciler does not manage them.
    """

    mutually_exclusive = (("pool", "nodes"),)
    kind = "opendcp_flow"
    result_key = "flow"
    label = "flow"
    description = "Run OpenDCP task templates on pool nodes as flows; start, pause and stop flows."
    states = ("present", "started", "paused", "stopped")
    waits = True
    reconcilable = False
    fields = {
        "name": Field("str", "Name of the flow (its C(task_name)); the newest flow of this name is the one managed.",
                      required=True),
        "template": Field("str", "Name of the task template to run, to create the flow.", compare=False,
                          reference="opendcp_task_template"),
        "pool": Field("str", "Run on every node of the pool of this name, to create the flow. Mutually exclusive "
                             "with I(nodes).", compare=False, reference="opendcp_pool"),
        "nodes": Field("list", "IPs of the pool nodes to run on, to create the flow.", elements="str",
                       compare=False, format="ip"),
        "max_ratio": Field("int", "Percentage of the nodes run at a time, 1 to 100.",
                           default=100, compare=False, min=1, max=100),
        "max_num": Field("int", "At most this many nodes at a time; 0 for no limit.", default=0, compare=False, min=0),
        "timeout": Field("int", "Timeout OpenDCP records for the flow, in seconds; 0 for none.", default=0,
                         compare=False, min=0),
    }

    def check(self, desired):
        OpenDcpSpec.check(self, desired)
        if desired.get("wait_timeout") is not None and desired["wait_timeout"] <= 0:
            raise SpecError("wait_timeout", "must be positive")

    def read_many(self, client, desired_list):
        flows = client.list_tasks()
        result = []
        for desired in desired_list:
            named = [flow for flow in flows if flow.get("task_name") == desired["name"]]
            result.append(flow_facts(max(named, key=lambda flow: flow["id"])) if named else None)
        return result

    def plan(self, desired, live):
        state = desired.get("state") or "present"
        if live is None:
            if state in ("paused", "stopped"):
                raise SpecError("name", "no OpenDCP flow named %r" % desired["name"])
            self._check_create(desired)
            return Change(self, CREATE, desired, None)
        running = live.get("state") in (FLOW_INIT, FLOW_RUNNING)
        if state == "started" and needs_start(live):
            return Change(self, START, desired, live, {"state_name": (live["state_name"], "running")})
        if state in ("paused", "stopped") and running:
            action = PAUSE if state == "paused" else STOP
            return Change(self, action, desired, live, {"state_name": (live["state_name"], "stopped")})
        return Change(self, NOOP, desired, live)

    @staticmethod
    def _check_create(desired):
        if not desired.get("template"):
            raise SpecError("template", "is required to create flow %r" % desired["name"])
        if not desired.get("pool") and not desired.get("nodes"):
            raise SpecError("nodes", "one of nodes or pool is required to create flow %r" % desired["name"])

    def create(self, client, desired):
        template_id = require_named(client.list_templates(), desired["template"], "template", "task template")
        ips = desired.get("nodes")
        if desired.get("pool"):
            pool_id = require_named(client.list_pools(), desired["pool"], "pool", "pool")
            ips = [node["ip"] for node in client.list_pool_nodes(pool_id)]
            if not ips:
                raise SpecError("pool", "pool %r has no nodes to run flow %r on" % (desired["pool"], desired["name"]))
        flow = client.create_task(template_id, desired["name"], ips, max_ratio=desired.get("max_ratio") or 100,
                                  max_num=desired.get("max_num") or 0, timeout=desired.get("timeout") or 0)
        return self.settle(client, desired, flow_facts(flow))

    def act(self, client, change):
        """Start, pause or stop the flow."""
        flow_id = change.live["id"]
        getattr(client, "%s_task" % change.action)(flow_id)
        return self.settle(client, change.desired, flow_facts(client.get_task(flow_id)))

    def action_done(self, change):
        """A pause or a stop took effect when the flow no longer runs; a start when it runs, no longer needs a
        start, or was updated since it was read."""
        before = change.live
        if change.action == START:
            return lambda live: live is not None and (
                live.get("state") in (FLOW_INIT, FLOW_RUNNING) or not needs_start(live)
                or live.get("updated") != before.get("updated"))
        return lambda live: live is not None and live.get("state") not in (FLOW_INIT, FLOW_RUNNING)

    def settle(self, client, desired, live):
        """With wait, and unless the flow is to be paused or stopped, wait until it ends."""
        if not live or not desired.get("wait") or desired.get("state") in ("paused", "stopped"):
            return live
        if live.get("state") in (FLOW_INIT, FLOW_RUNNING):
            wait_flow(client, live, desired.get("wait_timeout") or 600)
            return flow_facts(client.get_task(live["id"]))
        return live

    def predict(self, change):
        if change.action == CREATE:
            return {"name": change.desired["name"], "task_name": change.desired["name"], "state_name": "running"}
        result = dict(change.live or {})
        if change.fields.get("state_name"):
            result["state_name"] = change.fields["state_name"][1]
        return result


def needs_start(live):
    """A stopped flow, or a finished one with failed nodes, is started again."""
    if live.get("state") == FLOW_STOPPED:
        return True
    return live.get("state") in (FLOW_SUCCESS, FLOW_FAILED) and bool(live.get("nodes_failed"))


SPECS = [
    ClusterSpec(),
    ServiceSpec(),
    PoolSpec(),
    PoolNodesSpec(),
    TaskTemplateSpec(),
    RemoteStepSpec(),
    ActionSpec(),
    ActImplSpec(),
    FlowSpec(),
]
