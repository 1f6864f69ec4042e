"""The watch's status page and its SVG graph, made from a status document: layers, escaping, every section
(reconciler/watch/page.py, reconciler/pictures.py). The page in a real browser: tests/integration/test_watch_page.py."""

from __future__ import annotations

import re
from xml.etree import ElementTree

from reconciler.pictures import levels, svg
from reconciler.watch.page import file_of, status_page
from reconciler.watch.source import GitSource, masked
from reconciler.watch.status import CycleReport, EntryStatus, WatchStatus

HOSTILE = '<script>alert("x")</script>&'


def test_a_level_is_the_longest_path_from_a_root():
    # 0 -> 1 -> 2, 0 -> 2, 3 alone, 4 -> 2
    assert levels(5, [(0, 1), (1, 2), (0, 2), (4, 2)]) == [0, 1, 2, 0, 0]


def test_the_svg_has_a_box_per_node_in_its_layer_and_a_line_per_edge():
    picture = svg({0: "cluster[name=web]", 1: "service[name=shop]", 2: HOSTILE}, [(0, 1)],
                  {0: "create", 1: "create", 2: "update"})
    root = ElementTree.fromstring(picture)  # well-formed: every text escaped
    spaced = "{http://www.w3.org/2000/svg}"
    nodes = root.findall(f"{spaced}g")
    assert [node.find(f"{spaced}title").text for node in nodes] == ["cluster[name=web]", "service[name=shop]",
                                                                    HOSTILE]
    assert len(root.findall(f"{spaced}line")) == 1
    columns = [float(node.find(f"{spaced}rect").get("x")) for node in nodes]
    assert columns[0] == columns[2] < columns[1]  # the service waits for the cluster: the next layer
    assert "<script>" not in picture


def test_file_of_a_source():
    assert (file_of("site/dcp.yml:12"), file_of("dcp.yml"), file_of("C:weird")) == ("site/dcp.yml", "dcp.yml",
                                                                                     "C:weird")


def test_the_page_escapes_every_text_and_has_every_section():
    status = WatchStatus(f"{HOSTILE} main")
    report = CycleReport(3, "2027-01-15T08:00:00Z", "2027-01-15T08:00:01Z", 1.25, "abc123", "failed",
                         problems=[f"dcp.yml:4: {HOSTILE}"], planned=True,
                         entries=[EntryStatus("opendcp_cluster", f"opendcp_cluster[name={HOSTILE}]", "dcp.yml:7",
                                              "failed", "create", HOSTILE)],
                         held=[{"kind": "opendcp_cluster", "identity": {"name": "db"}, "action": "update",
                                "source": "dcp.yml:8", "held": HOSTILE}],
                         applied=[{"kind": "opendcp_cluster", "identity": {"name": HOSTILE}, "action": "create",
                                   "status": "failed", "error": HOSTILE}],
                         graph={"nodes": [{"title": HOSTILE, "action": "create"}], "edges": []})
    status.record(report, "abc123")
    status.reject("def456", [HOSTILE])
    page = status_page(status.as_dict())
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert not re.search(r"""<(link|script)|src=|url\(['"]?http""", page)  # nothing from elsewhere
    for section in ("last-cycle", "entries", "pending", "applies", "suspensions", "rejected", "graph"):
        assert f'id="{section}"' in page, section
    assert page.count('class="node"') == 1 and "status-failed" in page


def test_the_page_before_any_cycle_says_so():
    page = status_page(WatchStatus("/srv/desired").as_dict())
    assert "no cycle has ended yet" in page and "none planned yet" in page and "no plan yet" in page


def test_a_token_in_the_repository_url_is_never_shown(tmp_path):
    source = GitSource("https://bob:s3cret-token@git.example.invalid/infra.git", "main", "", tmp_path)
    assert source.describe() == "https://********@git.example.invalid/infra.git main"
    page = status_page(WatchStatus(source.describe()).as_dict())
    assert "s3cret" not in page and "https://********@git.example.invalid/infra.git main" in page
    said = ("Command '['git', 'fetch', 'https://bob:s3cret@x@git.example.invalid/infra.git']' timed out; "
            "fatal: unable to access 'https://s3cret@git.example.invalid/': refused")
    assert "s3cret" not in masked(said) and masked(said).count("https://********@git.example.invalid/") == 2
