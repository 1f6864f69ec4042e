"""The watch's metrics from cycle reports, as Prometheus reads them (reconciler/watch/metrics.py); served by the
watch: tests/integration/test_watch_server.py."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from reconciler.watch.metrics import WatchMetrics, epoch_of
from reconciler.watch.status import CycleReport, EntryStatus


def values(metrics: WatchMetrics) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """(sample, sorted labels) -> value, parsed from the exposition; the `_created` samples left out."""
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(metrics.exposition().decode())
            for sample in family.samples if not sample.name.endswith("_created")}


def report(number: int, outcome: str, revision: str, ended_at: str, planned: bool = True, **fields) -> CycleReport:
    return CycleReport(number, ended_at, ended_at, 0.5, revision, outcome, planned=planned, **fields)


def entry(status: str) -> EntryStatus:
    return EntryStatus("opendcp_cluster", f"opendcp_cluster[name={status}]", "dcp.yml:7", status, "noop")


def test_the_revision_label_follows_the_revision_in_force():
    in_force = ["aaa"]
    metrics = WatchMetrics(lambda: in_force[0])
    metrics.observe(report(1, "synced", "aaa", "2027-01-15T08:00:00Z"))
    in_force[0] = "bbb"
    metrics.observe(report(2, "synced", "bbb", "2027-01-15T08:01:00Z"))
    shown = [labels for (name, labels) in values(metrics) if name == "converge_watch_revision_info"]
    assert shown == [(("revision", "bbb"),)]


def test_a_cycle_that_could_not_plan_leaves_the_entries_and_the_last_sync_as_they_were():
    metrics = WatchMetrics(lambda: "aaa")
    metrics.observe(report(1, "drifted", "aaa", "2027-01-15T08:00:00Z", entries=[entry("synced"), entry("drifted")]))
    metrics.observe(report(2, "error", "aaa", "2027-01-15T08:05:00Z", planned=False, problems=["unreachable"]))
    found = values(metrics)
    assert found[("converge_watch_last_sync_timestamp_seconds", ())] == epoch_of("2027-01-15T08:00:00Z")
    assert found[("converge_watch_entries", (("status", "drifted"),))] == 1
    assert found[("converge_watch_entries", (("status", "failed"),))] == 0
    assert found[("converge_watch_cycles_total", (("outcome", "error"),))] == 1
    assert found[("converge_watch_cycle_duration_seconds_count", ())] == 2


def test_an_apply_with_a_failed_change_counts_as_failed_and_each_change_by_its_outcome():
    metrics = WatchMetrics(lambda: "aaa")
    applied = [{"kind": "opendcp_cluster", "status": "done"}, {"kind": "opendcp_cluster", "status": "failed"},
               {"kind": "opendcp_service", "status": "skipped"}]
    metrics.observe(report(1, "failed", "aaa", "2027-01-15T08:00:00Z", applied=applied,
                           requests={"opendcp": {"200": 5, "500": 1}, "zstack": {"none": 2}}))
    found = values(metrics)
    assert (found[("converge_watch_applies_total", (("outcome", "failed"),))],
            found[("converge_watch_applies_total", (("outcome", "succeeded"),))]) == (1, 0)
    assert {dict(labels)["outcome"]: value for (name, labels), value in found.items()
            if name == "converge_watch_applied_changes_total"} == {"done": 1, "failed": 1, "skipped": 1}
    assert {(dict(labels)["platform"], dict(labels)["status"]): value for (name, labels), value in found.items()
            if name == "converge_watch_requests_total"} == {("opendcp", "200"): 5, ("opendcp", "500"): 1,
                                                            ("zstack", "none"): 2}
