"""The operational picture in a real browser: Debian's Chromium (headless, software WebGL)
driven by Playwright against the API served on loopback over a small labelled catalog.

Screenshots are saved under ``test-artifacts/`` for people to look at."""

from __future__ import annotations

import time

import numpy as np
import pytest

from sda.analyses.overflight.aoi import AreaOfInterest
from sda.analyses.overflight.job import overflight_job
from sda.catalog.store import open_store
from sda.core.frames import teme_to_itrs
from sda.core.times import parse_utc_us
from sda.ingest.cdm import iter_cdm_kvn
from sda.interfaces.rest.app import create_app
from sda.products.alerts import Alert
from sda.products.warnings import Warning
from sda.propagation.sgp4 import propagate
from tests import web_catalog
from tests.browser import ARTIFACTS, LoopbackGuard, launch_chromium, login, serve

#: How far the page's SGP4 (satellite.js, epochs rounded to 1 ms, Earth-fixed by GMST
#: rotation alone) may be from SDA's (python-sgp4, TEME -> PEF by skyfield): km.
POSITION_TOLERANCE_KM = 0.1


class Session:
    """One partner logged in to the picture in its own browser context. Every non-loopback
    request is refused and recorded, and errors thrown in the page are kept."""

    def __init__(self, browser, url: str, key: str):
        self.context = browser.new_context(viewport={"width": 1000, "height": 640}, accept_downloads=True)
        self.guard = LoopbackGuard(self.context)
        self.errors: list[str] = []
        self.page = self.context.new_page()
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        login(self.page, url, key)

    def check_clean(self) -> None:
        assert self.guard.refused == [], f"the page requested non-loopback URLs: {self.guard.refused[:5]}"
        assert self.guard.requests > 0
        assert self.errors == [], f"errors in the page: {self.errors}"


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def check_each_partner_sees_only_what_is_releasable_to_it(store, catalog, sessions):
    for partner, other in (("KR-MND", "US-DOD"), ("US-DOD", "KR-MND")):
        page = sessions[partner].page
        shown = set(page.evaluate("window.sdaPicture.noradIds()"))
        assert shown == catalog.visible_to(partner)
        assert not shown & catalog.owned[other]
        assert page.locator("body").get_attribute("data-objects") == str(len(catalog.visible_to(partner)))
        banner = page.inner_text("#banner")
        assert partner in banner and other not in banner, banner
        # Searching for the other partner's object by catalog number finds nothing.
        page.click("button[data-tab=search]")
        page.fill("#search", str(min(catalog.owned[other])))
        assert page.locator("#search-results tbody tr").count() == 0
        page.fill("#search", str(min(catalog.owned[partner])))
        assert page.locator("#search-results tbody tr").count() == 1
        page.click("#search-results tbody tr")
        page.wait_for_selector("[data-testid=object-marking]")
        assert f"OWNER {partner}" in page.inner_text("[data-testid=object-marking]")
        shot(page, f"picture-{partner}")
        sessions[partner].check_clean()


def check_points_are_where_sda_propagates_them(store, catalog, sessions):
    page = sessions["KR-MND"].page
    shown_ms = float(page.locator("body").get_attribute("data-shown-time"))
    ids = sorted(catalog.visible_to("KR-MND"))[:20]
    page_km = np.array([page.evaluate(f"window.sdaPicture.positionsOf({n})") for n in ids])
    sets = [store.get_object(n).latest.element_set for n in ids]
    t_us = np.array([round(shown_ms * 1000)])
    result = propagate(sets, t_us)
    ok = result.error[:, 0] == 0
    itrs_km, _ = teme_to_itrs(result.position_km[:, 0], result.velocity_km_s[:, 0], np.repeat(t_us, len(ids)))
    assert ok.sum() >= len(ids) - 2
    err_km = np.linalg.norm(page_km[ok] - itrs_km[ok], axis=1)
    assert err_km.max() < POSITION_TOLERANCE_KM, dict(zip(np.array(ids)[ok], err_km))
    sessions["KR-MND"].check_clean()


def check_idle_page_draws_nothing_until_something_changes(sessions):
    page = sessions["KR-MND"].page
    page.wait_for_function("window.sdaPicture.settled()", timeout=30_000)
    renders = page.evaluate("window.sdaPicture.renders()")
    page.wait_for_timeout(2000)
    assert page.evaluate("window.sdaPicture.renders()") == renders
    box = page.locator("#globe canvas").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2 + 120, box["y"] + box["height"] / 2 + 40, steps=5)
    page.mouse.up()
    page.wait_for_timeout(500)
    assert page.evaluate("window.sdaPicture.renders()") > renders
    sessions["KR-MND"].check_clean()


def check_conjunction_jump_to_tca_and_cdm_download(store, catalog, sessions, tmp_path):
    page = sessions["US-DOD"].page
    page.click("button[data-tab=conjunctions]")
    rows = page.locator("#conjunctions tbody tr")
    stored = {sc.id: sc for sc in catalog.conjunctions_visible_to(store, "US-DOD")}
    assert rows.count() == len(stored) > 0
    assert rows.count() < len(store.conjunctions())  # KR-MND's own conjunction is not shown
    # Sorting by miss distance puts the closest approach first.
    page.click("th[data-sort=miss]")
    first = int(rows.first.get_attribute("data-id"))
    assert first == min(stored, key=lambda i: stored[i].conjunction.miss_distance_km)
    rows.first.click()
    page.click("[data-testid=jump-tca]")
    tca_ms = stored[first].conjunction.tca_us / 1000
    page.wait_for_function(f"Math.abs(Number(document.body.dataset.shownTime) - {tca_ms}) < 1")
    # Both objects are drawn at TCA, as close as the screening found them.
    c = stored[first].conjunction
    a = np.array(page.evaluate(f"window.sdaPicture.positionsOf({c.norad_id_1})"))
    b = np.array(page.evaluate(f"window.sdaPicture.positionsOf({c.norad_id_2})"))
    assert abs(np.linalg.norm(a - b) - c.miss_distance_km) < 2 * POSITION_TOLERANCE_KM
    shot(page, "picture-conjunction-at-tca")
    with page.expect_download() as info:
        page.click("[data-testid=download-cdm]")
    path = tmp_path / "downloaded.cdm"
    info.value.save_as(path)
    (cdm,) = list(iter_cdm_kvn(path.read_text().splitlines(), file=str(path)))
    assert abs(cdm.tca_us - c.tca_us) <= 1000  # the CDM writes TCA to the millisecond
    assert {cdm.object1.norad_id, cdm.object2.norad_id} == {c.norad_id_1, c.norad_id_2}
    assert abs(cdm.miss_distance_km - c.miss_distance_km) < 1e-3
    sessions["US-DOD"].check_clean()


def check_overflight_warning_shows_its_area_and_ground_track(sessions, warning):
    page = sessions["US-DOD"].page
    assert page.evaluate("window.sdaPicture.areas()") == ["Korean peninsula"]
    page.click("button[data-tab=warnings]")
    page.click(f"#warnings tbody tr[data-id='{warning.id}']")
    page.wait_for_function(f"Math.abs(Number(document.body.dataset.shownTime) - {warning.time_us / 1000}) < 1")
    # The object's orbit and its ground track over the warning's window.
    page.wait_for_function("window.sdaPicture.lines() === 2")
    shot(page, "picture-overflight")
    sessions["US-DOD"].check_clean()


def check_breakup_warning_shows_its_gabbard_diagram(sessions, warning):
    page = sessions["US-DOD"].page
    page.click(f"#warnings tbody tr[data-id='{warning.id}']")
    plot = f"img[data-testid=warning-plot][data-warning-id='{warning.id}']"
    page.wait_for_selector(plot)
    # The server's SVG, fetched with the key, has loaded as an image (its width in CSS px).
    page.wait_for_function(f"document.querySelector(\"{plot}\").naturalWidth > 100")
    page.locator(plot).scroll_into_view_if_needed()
    shot(page, "picture-gabbard")
    sessions["US-DOD"].check_clean()


def check_live_alerts_reach_only_partners_who_may_see_them(store, catalog, sessions):
    """Two alerts raised while both pages are open: one on KR-MND's own conjunction, then one
    on a shared conjunction. KR-MND's page shows both, newest first; US-DOD's shows the
    shared one and, the stream being in alert order, has by then skipped KR-MND's."""
    kr, us = sessions["KR-MND"].page, sessions["US-DOD"].page
    for page in (kr, us):
        page.wait_for_selector("body[data-stream='open']")
        page.click("button[data-tab=alerts]")
    before = {p: p.locator("#alerts tbody tr").count() for p in (kr, us)}
    shared_ids = {sc.id for sc in catalog.conjunctions_visible_to(store, "US-DOD")}
    kr_only = [sc for sc in store.conjunctions() if sc.id not in shared_ids]
    shared = next(sc for sc in store.conjunctions() if sc.id in shared_ids)
    raised = []
    for sc, owner in ((kr_only[0], "KR-MND"), (shared, "US-DOD")):
        raised += store.write_alerts([Alert(sc.id, sc.conjunction.norad_id_1, owner, ("max_miss_km",), "YELLOW",
                                            int(time.time() * 1e6), f"close approach for {owner}", sc.marking)])
    first, second = (a.id for a in raised)
    kr.wait_for_selector(f"#alerts tbody tr[data-id='{second}']", timeout=10_000)
    kr.wait_for_selector(f"#alerts tbody tr[data-id='{first}']", timeout=10_000)
    assert kr.locator("#alerts tbody tr").count() == before[kr] + 2
    assert kr.locator("#alerts tbody tr").first.get_attribute("data-id") == str(second)
    us.wait_for_selector(f"#alerts tbody tr[data-id='{second}']", timeout=10_000)
    assert us.locator(f"#alerts tbody tr[data-id='{first}']").count() == 0
    assert us.locator("#alerts tbody tr").count() == before[us] + 1
    shot(kr, "picture-live-alert")
    for s in sessions.values():
        s.check_clean()


@pytest.mark.slow
def test_picture_in_a_browser(tmp_path):
    """One server, one browser and one login per partner for every check (a login costs
    seconds of software rendering): the checks run in turn, each named for what it shows."""
    from playwright.sync_api import sync_playwright

    store = open_store(f"sqlite:///{tmp_path / 'picture.db'}")
    catalog = web_catalog.build(store)
    # KOMPSAT's first pass over a box around the Korean peninsula (found by SDA's overflight
    # analysis, whose evidence carries the area's outline).
    box = [[124.0, 33.0], [131.0, 33.0], [131.0, 43.0], [124.0, 43.0]]  # closed implicitly
    area = AreaOfInterest("Korean peninsula", (np.array(box),))
    found = overflight_job(store, [area], start_us=parse_utc_us(web_catalog.SCREEN_START), window_s=86400.0,
                           norad_ids=[26032], save=False).warnings[0]
    assert found.evidence["area_rings_lon_lat_deg"] == [box]
    # A breakup warning over shared objects, for the details panel's Gabbard diagram.
    fragments = sorted(catalog.shared)[:20]
    overflight, breakup = store.write_warnings([found, Warning(
        "BREAKUP", fragments[0], parse_utc_us(web_catalog.SCREEN_START), 0.5, "Gabbard display check", {},
        related_ids=tuple(fragments[1:]))])
    with serve(create_app(store, stream_poll_s=0.2)) as url, sync_playwright() as pw:
        browser = launch_chromium(pw)
        try:
            sessions = {p: Session(browser, url, key) for p, key in catalog.keys.items()}
            check_each_partner_sees_only_what_is_releasable_to_it(store, catalog, sessions)
            check_points_are_where_sda_propagates_them(store, catalog, sessions)
            check_idle_page_draws_nothing_until_something_changes(sessions)
            check_conjunction_jump_to_tca_and_cdm_download(store, catalog, sessions, tmp_path)
            check_overflight_warning_shows_its_area_and_ground_track(sessions, overflight)
            check_breakup_warning_shows_its_gabbard_diagram(sessions, breakup)
            check_live_alerts_reach_only_partners_who_may_see_them(store, catalog, sessions)
        finally:
            browser.close()
