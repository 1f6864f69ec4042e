# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Client of the VSD hyper-converged compute API, VM snapshot part.

Every answer is an Output envelope `{scode, desc, message, message_cn, stack, data}`; `scode` 0
is success whatever the HTTP status, anything else raises VsdError with both messages. The
batch volume rollback wraps a BatchOutput `{success, fail, results: [Output]}` in `data`.
Reads are GET with query parameters, writes POST with a JSON body; the VM is named by a
ComputeIdentifier (cluster, optional tenant, VM uuid or name).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.converge.platforms.plugins.module_utils.client_base import (
    Client,
    client_options,
    decoded_json,
    envelope_http,
)
from ansible_collections.converge.platforms.plugins.module_utils.http import ApiError, connection_options
from ansible_collections.converge.platforms.plugins.module_utils.paging import pages

SNAPSHOT_PATH = "/v1/compute/vsd/snapshot"
VOLUME_ROLLBACK_PATH = "/v1/compute/volume/snapshot/rollback"
DEFAULT_PAGE_SIZE = 500
SCOPE_KEYS = ("cluster_uuid", "tenant", "compute_uuid", "compute_name")


class VsdError(ApiError):
    """A VSD call that answered a non-zero scode (in `code`), with its English and Chinese messages."""

    def __init__(self, message, method=None, path=None, status=None, code=None, details=None, message_cn=None):
        self.message_cn = message_cn
        super(VsdError, self).__init__(message, method, path, status, code, details)


class BatchError(VsdError):
    """A batch call in which some items failed; `results` holds every item's outcome."""

    def __init__(self, message, method, path, results):
        self.results = results
        super(BatchError, self).__init__(message, method, path)


def scope_of(params):
    """The ComputeIdentifier part of module options or a desired entry, without empty values."""
    return dict((key, params[key]) for key in SCOPE_KEYS if params.get(key))


def vm_label(scope):
    """How errors name the VM of a scope."""
    return scope.get("compute_uuid") or scope.get("compute_name") or "(no VM)"


class VsdClient(Client):
    """Calls the VSD VM-snapshot API; one instance per endpoint. The API documents no login."""

    error_class = VsdError

    def __init__(self, url, timeout=30.0, validate_certs=True, page_size=DEFAULT_PAGE_SIZE, http=None,
                 max_answer_bytes=None, clock=None):
        super(VsdClient, self).__init__(
            http or envelope_http(url, "vsd", "scode", timeout, validate_certs, max_answer_bytes), clock)
        self.page_size = int(page_size)

    # --- envelope ------------------------------------------------------------------------
    def get(self, path, params):
        """GET with query parameters; returns Output.data."""
        response = self.http.request("GET", path, params=params)
        return self._data(response, "GET", path)

    def post(self, path, body):
        """POST a JSON body; returns Output.data."""
        response = self.http.request("POST", path, json=body)
        return self._data(response, "POST", path)

    def _data(self, response, method, path):
        envelope = self._envelope(response, method, path)
        self.raise_for_output(envelope, method, path, response.status_code)
        return envelope.get("data")

    def _envelope(self, response, method, path):
        """The Output envelope of an answer; anything else raises VsdError."""
        body = decoded_json(response)
        if not isinstance(body, dict) or "scode" not in body:
            raise VsdError("the answer is not a VSD Output envelope: %s" % self.answer_text(response), method, path,
                           response.status_code)
        return body

    def raise_for_output(self, envelope, method, path, status=None):
        """Raise VsdError naming the call, the scode and both messages when an Output is not a success."""
        scode = envelope.get("scode")
        if scode == 0:
            return
        redact = self.redact
        message = envelope.get("message") or "VSD reported an error"
        message_cn = envelope.get("message_cn") or ""
        text = "%s / %s" % (message, message_cn) if message_cn else message
        raise VsdError(redact(text), method, path, status, code=scode,
                       details=redact(envelope.get("desc")) if envelope.get("desc") else None, message_cn=message_cn)

    # --- reads ---------------------------------------------------------------------------
    def list_page(self, scope, filter_name="", page_number=1, page_size=None):
        """One page of a VM's snapshots: (items, total_count)."""
        size = self.page_size if page_size is None else int(page_size)
        # The parameter table says page_number, the document's example page_num: send both.
        params = dict(scope, filter_name=filter_name or "", page_number=page_number, page_num=page_number,
                      page_size=size)
        data = self.get(SNAPSHOT_PATH + "/list", params) or {}
        return list(data.get("list") or []), int(data.get("total_count") or 0)

    def list_snapshots(self, scope, filter_name="", page_size=None):
        """Every snapshot of a VM whose name matches `filter_name`, reading page after page.

        The document does not say whether pages count from 0 or 1: pages are read from 1 on (through the
        one pager), and page 0 as well when the pages fall short of total_count. Items are de-duplicated by
        uuid.
        """
        size = self.page_size if page_size is None else int(page_size)
        found, order, total = {}, [], [0]

        def read_page(number):
            items, total[0] = self.list_page(scope, filter_name, number, size)
            return items

        for items in pages(read_page, "vsd", "GET", SNAPSHOT_PATH + "/list"):
            fresh = _merge(found, order, items)
            if len(found) >= total[0] or not items or len(items) < size or not fresh:
                break
        if len(found) < total[0]:
            _merge(found, order, self.list_page(scope, filter_name, 0, size)[0])
        return [found[key] for key in order]

    def find_snapshot(self, scope, name):
        """The VM's snapshot named exactly `name`, or None (the list filter may match more)."""
        for item in self.list_snapshots(scope, filter_name=name):
            if item.get("name") == name:
                return item
        return None

    def get_snapshot(self, scope, name):
        """One snapshot by name (GetVsdSnapshotResponse); raises VsdError when it does not exist."""
        return self.get(SNAPSHOT_PATH + "/get", dict(scope, name=name))

    def get_snapshot_or_none(self, scope, name):
        """One snapshot by name, or None when the VM has none of that name.

        The document lists no scodes, so "does not exist" is told from other errors by listing.
        """
        try:
            return self.get_snapshot(scope, name)
        except VsdError:
            if self.find_snapshot(scope, name) is None:
                return None
            raise

    def tree(self, scope):
        """VirtualMachineSnapshotTree: `UUID`, `Parents` {name: parent}, `Children` {name: {Children}}."""
        return (self.get(SNAPSHOT_PATH + "/tree", dict(scope)) or {}).get("tree") or {}

    def head(self, scope):
        """The snapshot the VM currently runs from, or None when it has none.

        A VM without snapshots is told from other errors by the tree: its `head` node has no parent.
        """
        try:
            return self.get(SNAPSHOT_PATH + "/head", dict(scope)) or None
        except VsdError:
            if not head_name(self.tree(scope)):
                return None
            raise

    # --- writes --------------------------------------------------------------------------
    def create_snapshot(self, scope, name, description="", domain_memory=False):
        """Take a snapshot; a memory snapshot is unusable until its memory data is saved."""
        body = dict(scope, name=name, description=description or "", domain_memory=bool(domain_memory))
        return self.post(SNAPSHOT_PATH + "/create", body)

    def modify_snapshot(self, scope, name, description):
        """Set a snapshot's description."""
        return self.post(SNAPSHOT_PATH + "/modify", dict(scope, name=name, description=description or ""))

    def rollback_snapshot(self, scope, name, domain_memory=False):
        """Roll the VM back to a snapshot (it becomes the head); with memory the VM comes back running."""
        return self.post(SNAPSHOT_PATH + "/rollback", dict(scope, name=name, domain_memory=bool(domain_memory)))

    def delete_snapshot(self, scope, name):
        """Delete a snapshot; the platform refuses one with more than one child."""
        return self.post(SNAPSHOT_PATH + "/delete", dict(scope, name=name))

    def rollback_volumes(self, scope, disk_snapshots):
        """Roll single disks back to volume snapshots (the VM must be shut down).

        `disk_snapshots` is a list of DiskSnapshotInfo (`VolumeUuid`, `SnapshotUuid`, `DiskDrive`).
        Returns the BatchOutput `{success, fail, results}` with each result's Output; raises
        VsdError when the whole call fails and BatchError when some items failed.
        """
        method, path = "POST", VOLUME_ROLLBACK_PATH
        batch = self.post(path, dict(scope, disk_snapshot_list=list(disk_snapshots))) or {}
        results = list(batch.get("results") or [])
        failed = [r for r in results if r.get("scode") != 0]
        if failed or batch.get("fail"):
            raise BatchError(self.redact(batch_failure_text(results)), method, path, results)
        return batch


def _merge(found, order, items):
    """Add items not seen yet (by uuid, else name); returns how many were new."""
    fresh = 0
    for item in items:
        key = item.get("uuid") or item.get("name")
        if key not in found:
            found[key] = item
            order.append(key)
            fresh += 1
    return fresh


def head_name(tree):
    """Name of the snapshot the VM runs from, from a snapshot tree ("" when it has none)."""
    return ((tree or {}).get("Parents") or {}).get("head") or ""


def batch_failure_text(results):
    """One line naming each failed and each successful item of a volume rollback."""
    failed, done = [], []
    for result in results:
        info = result.get("data") or {}
        label = "%s (%s) to %s" % (info.get("VolumeUuid"), info.get("DiskDrive") or "?", info.get("SnapshotUuid"))
        if result.get("scode") == 0:
            done.append(label)
        else:
            failed.append("%s: scode %s: %s / %s%s" % (label, result.get("scode"), result.get("message"),
                                                       result.get("message_cn"),
                                                       ": " + result["desc"] if result.get("desc") else ""))
    text = "volume rollback failed for %d of %d volumes: %s" % (len(failed), len(results), "; ".join(failed))
    return text + (". Rolled back: %s" % ", ".join(done) if done else ". No volume was rolled back")


# --- connection options, shared by the modules and the reconciler ----------------------------
CONNECTION_ARGUMENT_SPEC = connection_options("VSD")


def client_from_params(params):
    """A VsdClient from module options or a reconciler endpoint (same names)."""
    return VsdClient(params.get("url"), **client_options(params))
