"""The status page of `reconciler watch --listen` in a real headless Chromium (Debian's chromium and
chromium-driver, installed by .ci/chromium), driven through selenium: every entry with its status and
`file:line`, one node of the SVG graph per entry, and a screenshot kept as tests/output/watch-page.png
(reconciler/watch/page.py)."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

import emulators
from reconciler.watch.policy import Policy
from reconciler.watch.server import serving
from tests.integration.test_watch_server import SUSPENDED, three_clusters
from tests.watch_support import OWNER, Repository, watcher_of

pytestmark = pytest.mark.slow
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
SCREENSHOT = Path(__file__).resolve().parents[1] / "output" / "watch-page.png"
#: a page load or a find: generous, for a loaded machine
PATIENCE = 60


@pytest.fixture
def browser(tmp_path):
    missing = [str(path) for path in (CHROMIUM, CHROMEDRIVER) if not os.access(path, os.X_OK)]
    if missing:
        pytest.fail(f"{' and '.join(missing)} missing: run .ci/chromium (it installs Debian's chromium and "
                    f"chromium-driver), as .ci/run does")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--no-first-run", f"--user-data-dir={tmp_path / 'chromium-profile'}", "--window-size=1400,1800"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(PATIENCE)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def opendcp():
    with emulators.start("opendcp", port=0) as handle:
        yield handle


def rows_of(browser) -> list[tuple[str, str, str]]:
    """(status, entry, file:line) of each row of the page's entry tables, as Chromium shows them."""
    found = []
    for row in browser.find_elements(By.CSS_SELECTOR, "table.entries tbody tr"):
        cells = [cell.text for cell in row.find_elements(By.TAG_NAME, "td")]
        found.append((cells[0], cells[1], cells[3]))
    return found


def test_the_page_shows_every_entry_with_its_status_and_the_graph(opendcp, tmp_path, browser):
    with three_clusters(opendcp, tmp_path) as scene:
        browser.get(scene.server.url)
        assert browser.title.startswith("reconciler watch: ")
        assert rows_of(browser) == [("synced", "opendcp_cluster[name=web]", "dcp.yml:7"),
                                    ("drifted", "opendcp_cluster[name=db]", "dcp.yml:8"),
                                    ("suspended", "opendcp_cluster[name=cache]", "dcp.yml:9")]
        assert browser.find_element(By.CSS_SELECTOR, "#entries h3").text == "dcp.yml"
        colours = {badge.text: badge.value_of_css_property("background-color")
                   for badge in browser.find_elements(By.CSS_SELECTOR, "table.entries .badge")}
        assert len(set(colours.values())) == 3, colours  # a colour per status, beside the word
        nodes = browser.find_elements(By.CSS_SELECTOR, "#graph svg g.node")
        assert sorted(node.find_element(By.TAG_NAME, "title").get_attribute("textContent") for node in nodes) == \
            sorted(["opendcp_cluster[name=web]", "opendcp_cluster[name=db]", "opendcp_cluster[name=cache]"])
        assert all(node.find_element(By.TAG_NAME, "rect").size["width"] > 0 for node in nodes)
        assert "~ opendcp_cluster[name=db] (update)" in browser.find_element(By.ID, "graph").text
        assert "held back because" in browser.find_element(By.ID, "pending").text
        assert SUSPENDED in browser.find_element(By.ID, "suspensions").text
        applied = browser.find_element(By.ID, "applies").text
        assert "cycle 1 at " + scene.revision[:12] in applied and applied.count("done") == 3
        assert scene.revision in browser.find_element(By.CSS_SELECTOR, "header .revision").text
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        assert browser.save_screenshot(str(SCREENSHOT))
        assert SCREENSHOT.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and SCREENSHOT.stat().st_size > 10_000


def blocked_step_state(url: str) -> str:
    """A cluster, a service of it, and a remote step naming an action OpenDCP does not have (declared as
    existing, so the files validate and the plan blocks the step), in a file under site/."""
    return textwrap.dedent(f"""\
        version: 1
        endpoints:
          opendcp: {{url: {url}, operator: converge}}
        settings: {{owner: {OWNER}}}
        existing:
          opendcp_action: [ghost]
        resources:
          opendcp_cluster:
            - {{name: web, desc: web services, biz: "1"}}
          opendcp_service:
            - {{name: frontend, cluster: web, desc: the site, service_type: java, docker_image: "frontend:1.0"}}
          opendcp_remote_step:
            - {{name: greet, desc: say hello, actions: [ghost]}}
        """)


def test_a_failed_entry_shows_its_reason_and_the_graph_draws_each_dependency(opendcp, tmp_path, browser):
    repository = Repository(tmp_path / "git")
    repository.push({"site/dcp.yml": blocked_step_state(opendcp.url)})
    watcher, _ = watcher_of(repository, tmp_path / "cache", Policy(apply=True), f"file://{tmp_path / 'state'}")
    with serving(watcher, "127.0.0.1:0", lambda line: None) as server:
        assert server is not None
        watcher.run(cycles=1)
        browser.get(server.url)
        assert rows_of(browser) == [("synced", "opendcp_cluster[name=web]", "site/dcp.yml:9"),
                                    ("synced", "opendcp_service[name=frontend]", "site/dcp.yml:11"),
                                    ("failed", "opendcp_remote_step[name=greet]", "site/dcp.yml:13")]
        failed = browser.find_element(By.CSS_SELECTOR, "table.entries tbody tr:nth-child(3)")
        assert "names a remote action OpenDCP does not have: 'ghost'" in failed.text
        assert failed.find_element(By.CLASS_NAME, "badge").value_of_css_property("background-color") == \
            "rgba(207, 34, 46, 1)"
        assert browser.find_element(By.CSS_SELECTOR, "#last-cycle .badge").text == "failed"
        boxes = {node.find_element(By.TAG_NAME, "title").get_attribute("textContent"): node.rect
                 for node in browser.find_elements(By.CSS_SELECTOR, "#graph svg g.node")}
        assert len(boxes) == 3 and len(browser.find_elements(By.CSS_SELECTOR, "#graph svg line.edge")) == 1
        # the service waits for its cluster: drawn in the next layer, to its right
        assert boxes["opendcp_service[name=frontend]"]["x"] > boxes["opendcp_cluster[name=web]"]["x"]
        assert "! opendcp_remote_step[name=greet] (blocked)" in browser.find_element(By.ID, "graph").text
        assert browser.save_screenshot(str(SCREENSHOT.with_name("watch-page-failed.png")))
