"""OSG view's 4 documented operations in use, each with a valid request (osgview-vm-group-api.md).

The document describes five operations: `gclone`, `gperpare`, `gstart` and `gconnent` (sections 1 to 4,
each with its URL), and a fifth, the single-server run page (section 5), marked retired ("停用") and given
no URL, only a template constant. The API index counts 4 in use and 1 retired; a retired operation with no
URL cannot be sent, so the catalogue lists the 4 in use.

Parameters go by GET or POST; these requests POST them as a JSON object body (which the emulator takes
besides the query string and a form body), so that each can be given a wrong type. A refusal is the
envelope `{"status": <code>, "msg": "..."}` with a status other than 200 (and 102, "still building", which
answers a valid request); its msg names the parameter.
"""

from __future__ import annotations

from typing import Any

import requests

from tests.contract.bad_input import Operation

PLATFORM = "osgview"
DOCUMENTED_OPERATIONS = 4

LINUX = "6f1d8c2a9b3e4f5a8c7d6e5f4a3b2c1d"  # built-in template: one VM, image cached
GROUP = {"gtuuid": LINUX, "gnuuid": "{gnuuid}", "server_id": "{server_id}"}

OPERATIONS = [
    Operation("gclone", "POST", "/osgview/gclone", {"gtuuid": LINUX, "marker": "testing"}),
    Operation("gperpare", "POST", "/osgview/gperpare", dict(GROUP)),
    Operation("gstart", "POST", "/osgview/gstart", dict(GROUP)),
    Operation("gconnent", "POST", "/osgview/gconnent", {"gnuuid": "{gnuuid}", "method": "vnc"}),
]


def connect(handle) -> requests.Session:
    """The API documents no login: a plain session."""
    return requests.Session()


def prepare(session: requests.Session, url: str) -> dict[str, str]:
    """A group cloned from the built-in linux template: its id and its one VM's id."""
    answer = session.post(f"{url}/osgview/gclone", data={"gtuuid": LINUX, "marker": "testing"}, timeout=30).json()
    assert answer["status"] == 200, answer
    return {"gnuuid": answer["gnuuid"], "server_id": answer["serverlist"][0]}


def refusal(response: requests.Response) -> str | None:
    """The envelope with a failure status: its msg."""
    try:
        body: Any = response.json()
    except ValueError:
        return None
    if not isinstance(body, dict) or "status" not in body or body.get("status") in (200, 102):
        return None
    return str(body.get("msg") or "")
