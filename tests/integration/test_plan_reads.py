"""A plan of every kind of every platform sends no read twice, and reads what one kind needs once per page."""

from __future__ import annotations

from collections import Counter

import pytest
import yaml

from reconciler.api import Options, reconcile
from tests.integration.test_all_platforms_faults import EXAMPLE, desired_file, five_platforms

pytestmark = pytest.mark.slow
CLUSTERS = 120  # more than the OpenDCP client's page of 100


def test_a_mixed_plan_sends_each_read_once(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    document = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    resources = document["resources"]
    resources["opendcp_cluster"] += [{"name": f"bulk-{n}", "desc": f"bulk {n}", "biz": "1"} for n in range(CLUSTERS)]
    resources["opendcp_service"] += [{"name": f"bulk-{n}", "cluster": f"bulk-{n}", "service_type": "java",
                                      "docker_image": f"registry.example.invalid/bulk:{n}"} for n in range(CLUSTERS)]
    with five_platforms() as handles:
        path = desired_file(tmp_path / "mixed.yml", document, handles)
        assert not reconcile(Options([path], apply=True, lock=False)).failed
        for handle in handles.values():
            handle.clear_requests()
        assert not reconcile(Options([path], lock=False)).plan.pending
        # a no-change plan sends only reads, log-ins and log-outs: none of them twice
        sent = Counter((name, r["method"], r["path"], r.get("action"), r.get("body_digest"),
                        tuple(sorted((k, tuple(v)) for k, v in (r.get("query") or {}).items())))
                       for name, handle in handles.items() for r in handle.requests)
        assert [request for request, count in sent.items() if count > 1] == []
        assert {name for name, *_ in sent} == set(handles)
        opendcp = Counter(r["path"] for r in handles["opendcp"].requests)
        # the clusters' two pages, once for both kinds that need them; one list of services per cluster named
        assert opendcp["/cluster/list"] == 2
        assert sum(count for path, count in opendcp.items() if path.endswith("/list_services")) == CLUSTERS + 1
