# -*- coding: utf-8 -*-
# Copyright: converge contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""converge_status: an ansible-rulebook event source that follows a `reconciler watch --listen` server.

It reads `{url}/api/status` every `interval` seconds and puts one event per entry that the watch's last
cycle left `drifted` or `failed`, once per entry, status and revision: not again at every poll while
nothing changed, again when the entry comes back to that status or the revision moves. A status server
that cannot be reached is logged and read again at the next poll; the source never stops for it.

Each event:

    {"converge": {"kind": "opendcp_cluster", "title": "opendcp_cluster[name=web]",
                  "target": "opendcp_cluster/web", "status": "drifted",
                  "reason": "changed on the platform since the last apply: --self-heal puts it back",
                  "source": "desired/dcp.yml:7", "revision": "96cea2e...", "cycle": 12}}

`target` is what `reconciler apply --target` and the reconcile action's `target` take; it is left out for
an owned object that no file names any more (no target reaches it). Standard library only: ansible-rulebook's
environment needs nothing more.
"""

from __future__ import absolute_import, annotations, division, print_function

__metaclass__ = type

import asyncio
import json
import logging
from typing import Any, Dict, List, Optional, Set, Tuple
from urllib.error import HTTPError, URLError
from urllib.request import Request, urlopen

DOCUMENTATION = r"""
---
short_description: Events for the drifted and failed entries of a converge watch.
description:
  - Polls the C(/api/status) of a C(reconciler watch --listen) server and emits one event per entry its last
    cycle left drifted or failed, once per entry, status and revision.
options:
  url:
    description:
      - The watch's status server, as given to C(reconciler watch --listen) (C(/api/status) is added).
    type: str
    required: true
  interval:
    description:
      - Seconds between two reads of the status.
    type: float
    default: 30
  timeout:
    description:
      - Seconds one read of the status may take.
    type: float
    default: 10
"""

EXAMPLES = r"""
- name: Put back what was changed by hand
  hosts: localhost
  sources:
    - converge.platforms.converge_status:
        url: http://127.0.0.1:9464
        interval: 30
  rules:
    - name: A drifted entry
      condition: event.converge.status == "drifted"
      action:
        run_playbook:
          name: converge.platforms.reconcile_target
"""

LOGGER = logging.getLogger("converge.platforms.converge_status")
#: the statuses an event is emitted for
REPORTED = ("drifted", "failed")
DEFAULT_INTERVAL = 30.0
DEFAULT_TIMEOUT = 10.0
#: the most bytes of a status document read
MAX_STATUS_BYTES = 16 * 1024 * 1024


class StatusUnavailable(Exception):
    """The status could not be read: the server is down, answered an error, or sent no status document."""


def read_status(url: str, timeout: float) -> Dict[str, Any]:
    """The document `{url}/api/status` answers (blocking: run it in a thread)."""
    request = Request(url.rstrip("/") + "/api/status", headers={"Accept": "application/json"})
    try:
        with urlopen(request, timeout=timeout) as answer:  # noqa: S310 - the URL is the rulebook's own setting
            body = answer.read(MAX_STATUS_BYTES + 1)
    except HTTPError as exc:
        raise StatusUnavailable("HTTP %d" % exc.code)
    except (URLError, OSError, ValueError) as exc:
        raise StatusUnavailable(str(getattr(exc, "reason", None) or exc))
    if len(body) > MAX_STATUS_BYTES:
        raise StatusUnavailable("the status is larger than %d bytes" % MAX_STATUS_BYTES)
    try:
        document = json.loads(body.decode("utf-8"))
    except ValueError as exc:
        raise StatusUnavailable("the answer is not JSON: %s" % exc)
    if not isinstance(document, dict):
        raise StatusUnavailable("the answer is not a status document")
    return document


def events_of(document: Dict[str, Any]) -> List[Dict[str, Any]]:
    """One event per entry of the last cycle that is drifted or failed, in the status's order."""
    cycle = document.get("last_cycle") or {}
    revision = cycle.get("revision") or document.get("revision")
    found = []
    for entry in cycle.get("entries") or []:
        if not isinstance(entry, dict) or entry.get("status") not in REPORTED:
            continue
        data = {"kind": entry.get("kind"), "title": entry.get("title"), "target": entry.get("target"),
                "status": entry.get("status"), "reason": entry.get("reason"), "source": entry.get("source"),
                "revision": revision, "cycle": cycle.get("number")}
        if data["target"] is None:  # an owned object no file names: no --target reaches it
            del data["target"]
        found.append({"converge": data})
    return found


def key_of(event: Dict[str, Any]) -> Tuple[Any, Any, Any]:
    """What makes an event new: its entry, status and revision."""
    data = event["converge"]
    return data["title"], data["status"], data["revision"]


class StatusFollower:
    """What the source has already emitted: the events of the last status read, by entry, status and revision."""

    def __init__(self) -> None:
        self.seen: Set[Tuple[Any, Any, Any]] = set()

    def new_events(self, document: Dict[str, Any]) -> List[Dict[str, Any]]:
        """The events of a status not emitted for the status read before it."""
        events = events_of(document)
        fresh = [event for event in events if key_of(event) not in self.seen]
        self.seen = set(key_of(event) for event in events)
        return fresh


def _number(args: Dict[str, Any], name: str, default: float) -> float:
    value = args.get(name, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ValueError("converge_status: %s must be a number of seconds, 0 or more, got %r" % (name, value))
    return float(value)


async def main(queue: asyncio.Queue, args: Dict[str, Any]) -> None:
    """Follow the status at `args["url"]` until cancelled, putting each new event on `queue`."""
    url = args.get("url")
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise ValueError("converge_status: url must be the http:// or https:// URL of a watch's status server")
    interval = _number(args, "interval", DEFAULT_INTERVAL)
    timeout = _number(args, "timeout", DEFAULT_TIMEOUT) or DEFAULT_TIMEOUT
    follower = StatusFollower()
    while True:
        try:
            document = await asyncio.to_thread(read_status, url, timeout)
        except StatusUnavailable as exc:
            LOGGER.warning("converge_status: cannot read %s/api/status: %s; reading it again in %g s",
                           url.rstrip("/"), exc, interval)
        else:
            for event in follower.new_events(document):
                await queue.put(event)
        await asyncio.sleep(interval)


class PrintingQueue:
    """A stand-in for ansible-rulebook's queue that prints each event (the demo below)."""

    async def put(self, event: Dict[str, Any]) -> None:
        print(json.dumps(event, sort_keys=True))


def demo(url: Optional[str] = None) -> None:
    """Print the events of a watch's status server (default http://127.0.0.1:9464) until interrupted."""
    logging.basicConfig(level=logging.INFO)
    try:
        asyncio.run(main(PrintingQueue(), {"url": url or "http://127.0.0.1:9464", "interval": 5}))
    except KeyboardInterrupt:
        print("stopped")


if __name__ == "__main__":
    import sys

    demo(sys.argv[1] if len(sys.argv) > 1 else None)
