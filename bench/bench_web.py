"""The operational picture with the full bundled catalog (23,939 objects) in headless Chromium
(software WebGL), served on loopback.

Figures, each beside a reference measured in the same run:

* time from clicking "Log in" until the page is ready (every object propagated and drawn),
  against the time of the one request that fetches the element sets (``/picture/elements``);
* time from raising an alert (stored by another writer) until its row enters the page's alert
  table (seen by a DOM observer, system clock), against the time until the same alert arrives
  on the alert stream read by a plain HTTP client;
* CPU used by the browser (all its processes) while the page is idle, against the same page
  while the clock plays at 60x (propagating the catalog four times a second).
"""

from __future__ import annotations

import os
import statistics
import tempfile
import threading
import time
from importlib import resources
from pathlib import Path

import httpx

from bench.common import report
from sda.analyses.screening.job import screen_catalog
from sda.catalog.store import open_store
from sda.core.times import parse_utc_us
from sda.ingest.pipeline import ingest_bytes
from sda.interfaces.rest.app import create_app
from sda.products.alerts import Alert
from tests.browser import launch_chromium, serve

BUNDLED = "spacetrack_full_catalog_3le_2022-01-22.txt.gz"
PARTNER = "BENCH"
N_ALERTS = 5
CPU_WINDOW_S = 10.0


def _descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [pid]
    while todo:
        for c in children.get(todo.pop(), []):
            out.append(c)
            todo.append(c)
    return out


def _cpu_s(pids: list[int]) -> float:
    """User + system CPU time (s) of the processes still alive among ``pids``."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / tick


def _browser_cpu_percent(window_s: float) -> float:
    """CPU of every Chromium process below this one over ``window_s``, in % of one core."""
    pids = [p for p in _descendants(os.getpid()) if "chrom" in Path(f"/proc/{p}/comm").read_text(errors="ignore")]
    before = _cpu_s(pids)
    time.sleep(window_s)
    return 100.0 * (_cpu_s(pids) - before) / window_s


def _stream_latency(url: str, key: str, store, conjunction, owner: str) -> float:
    """Seconds from storing an alert until it arrives on the SSE stream read with httpx."""
    arrived = threading.Event()
    opened = threading.Event()

    def read() -> None:
        headers = {"Authorization": f"Bearer {key}", "Accept": "text/event-stream"}
        with httpx.stream("GET", f"{url}/api/v1/alerts/stream", headers=headers, timeout=30) as r:
            opened.set()
            for line in r.iter_lines():
                if line.startswith("event: alert"):
                    arrived.set()
                    return

    t = threading.Thread(target=read, daemon=True)
    t.start()
    if not opened.wait(10):
        raise RuntimeError("the alert stream did not open within 10 s")
    time.sleep(0.3)
    t0 = time.perf_counter()
    _raise(store, conjunction, owner)
    if not arrived.wait(30):
        raise RuntimeError("the alert raised never arrived on the stream (30 s)")
    return time.perf_counter() - t0


def _raise(store, conjunction, owner: str) -> int:
    """Store a new alert of ``owner`` about ``conjunction`` (as a screening run would); its id."""
    c = conjunction.conjunction
    (a,) = store.write_alerts([Alert(conjunction.id, c.norad_id_1, owner, ("max_miss_km",), "YELLOW",
                                     int(time.time() * 1e6), f"close approach for {owner}")])
    return a.id


def run() -> list[dict]:
    from playwright.sync_api import sync_playwright

    results = []
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(f"sqlite:///{Path(tmp) / 'picture.db'}")
        data = resources.files("sda.data").joinpath(BUNDLED).read_bytes()
        ingest_bytes(store, data, name=BUNDLED, source="space-track")
        store.create_partner(PARTNER)
        key = store.create_api_key(PARTNER, "viewer", "bench")[1]
        # A real conjunction to alert about: KOMPSAT (26032) screened for the 6 h holding its closest approach.
        screen_catalog(store, start_us=parse_utc_us("2022-01-22T00:00:00Z"), window_s=6 * 3600.0,
                       primaries=(26032,))
        conjunction = store.conjunctions()[0]
        with serve(create_app(store)) as url, sync_playwright() as pw:
            headers = {"Authorization": f"Bearer {key}"}
            t = time.perf_counter()
            n = httpx.get(f"{url}/api/v1/picture/elements", headers=headers, timeout=120).json()["count"]
            elements_s = time.perf_counter() - t
            browser = launch_chromium(pw)
            page = browser.new_context(viewport={"width": 1400, "height": 850}).new_page()
            page.goto(f"{url}/picture/")
            page.fill("#login-key", key)
            t = time.perf_counter()
            page.click("#login button[type=submit]")
            page.wait_for_selector("body[data-ready='1']", timeout=300_000)
            ready_s = time.perf_counter() - t
            shown = int(page.locator("body").get_attribute("data-objects"))
            assert shown == n, (shown, n)
            results.append(report(f"picture ready with {n:,} objects", ready_s, "s",
                                  reference="elements request", ref_value=elements_s))

            page.wait_for_selector("body[data-stream='open']")
            page.click("button[data-tab=alerts]")
            # When each row enters the table, by the system clock (the browser's Date.now()).
            page.evaluate("""() => { window.rowSeenAt = {}; new MutationObserver(() => {
                for (const tr of document.querySelectorAll('#alerts tbody tr'))
                  window.rowSeenAt[tr.dataset.id] ??= Date.now(); })
              .observe(document.querySelector('#alerts tbody'), {childList: true}); }""")
            page_lat, stream_lat = [], []
            for i in range(N_ALERTS):
                time.sleep(0.5)
                t = time.time()
                alert_id = _raise(store, conjunction, f"OPS-{2 * i}")
                page.wait_for_selector(f"#alerts tbody tr[data-id='{alert_id}']", timeout=30_000)
                page_lat.append(page.evaluate(f"window.rowSeenAt['{alert_id}']") / 1000 - t)
                stream_lat.append(_stream_latency(url, key, store, conjunction, f"OPS-{2 * i + 1}"))
            results.append(report("alert raised -> row on the page (median)", 1000 * statistics.median(page_lat),
                                  "ms", reference="SSE client", ref_value=1000 * statistics.median(stream_lat)))

            page.wait_for_function("window.sdaPicture.settled()", timeout=60_000)
            time.sleep(3.0)  # garbage collection and the like after the last alert
            idle = _browser_cpu_percent(CPU_WINDOW_S)
            page.click("#play")
            playing = _browser_cpu_percent(CPU_WINDOW_S)
            page.click("#play")
            results.append(report("browser CPU while idle", idle, "% of a core",
                                  reference="playing at 60x", ref_value=playing))
            browser.close()
        store.close()
    return results


if __name__ == "__main__":
    run()
