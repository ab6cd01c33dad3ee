"""The picture's API (``/api/v1/picture``) and how the page is served, without a browser."""

from __future__ import annotations

import re

from xml.etree import ElementTree

import numpy as np
import pytest
from defusedxml import ElementTree as DefusedET
from fastapi import FastAPI
from fastapi.testclient import TestClient

from sda.analyses.proximity.rpo import proximity_job
from sda.catalog.store import ScreeningRunInfo, StoredConjunction, open_store
from sda.core.times import format_utc, parse_utc_us
from sda.ingest.pipeline import ingest_bytes
from sda.interfaces.rest.app import create_app
from sda.interfaces.web import mount
from sda.interfaces.web.plots import proximity_approach
from sda.policy import Marking
from sda.products.warnings import Warning
from tests import web_catalog

US_ONLY = Marking(owner="US-DOD", releasable_to=frozenset({"US-DOD"})).to_json()
#: ASTRA 1KR, 1L, 1M and 1N, co-located at 19.2° E.
ASTRA_19E = (29055, 31306, 33436, 37775)
ASTRA_1L = 31306
#: COSMOS 1408, destroyed on 2021-11-15 (launch 1982-092).
COSMOS_1408 = 13552


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    """(client, store, catalog, headers by partner) over the labelled catalog on SQLite."""
    store = open_store(f"sqlite:///{tmp_path_factory.mktemp('picture-api')}/api.db")
    catalog = web_catalog.build(store)
    # The same screening stored twice: the picture shows each close approach once, the newest.
    (run,) = store.screening_runs()
    first = store.conjunctions()
    store.write_screening_run(ScreeningRunInfo(run["start_us"], run["window_s"], run["threshold_km"],
                                               run["n_objects"], run["run_time_s"]),
                              [sc.conjunction for sc in first], [sc.marking for sc in first])
    assert len(store.conjunctions()) == 2 * len(first)
    store.write_warnings([
        Warning("MANEUVER", 26032, 1642800000_000000, 0.9, "shared maneuver", {"delta_v_m_s": 0.4}),
        Warning("MANEUVER", 26032, 1642810000_000000, 0.8, "US-only maneuver", {"delta_v_m_s": 0.2},
                marking=US_ONLY),
    ])
    headers = {p: {"Authorization": f"Bearer {k}"} for p, k in catalog.keys.items()}
    with TestClient(create_app(store)) as client:
        yield client, store, catalog, headers


def newest(conjunctions: list[StoredConjunction]) -> list[int]:
    """Ids of the newest stored conjunction of each (pair, TCA), by TCA."""
    by_event: dict[tuple[int, int, int], int] = {}
    for sc in conjunctions:
        c = sc.conjunction
        key = (*sorted((c.norad_id_1, c.norad_id_2)), c.tca_us)
        by_event[key] = max(sc.id, by_event.get(key, 0))
    return [by_event[k] for k in sorted(by_event, key=lambda k: k[2])]


def test_elements_are_the_partners_view_as_columns(api):
    client, store, catalog, headers = api
    for partner in catalog.keys:
        body = client.get("/api/v1/picture/elements", headers=headers[partner]).json()
        cols = body["columns"]
        assert set(cols["norad_id"]) == catalog.visible_to(partner)
        assert body["count"] == len(cols["norad_id"])
        assert {len(v) for v in cols.values()} == {body["count"]}
        for i, n in enumerate(cols["norad_id"]):
            marking = body["markings"][cols["marking"][i]]
            assert marking["owner"] == (partner if n in catalog.owned[partner] else "")
            assert cols["owner"][i] == marking["owner"]
        read = store.audit_entries(newest_first=True, limit=1)[0]
        assert (read.partner, read.action, read.target) == (partner, "read", "picture/elements")
        i = cols["norad_id"].index(min(catalog.owned[partner]))
        es = store.get_object(cols["norad_id"][i]).latest.element_set
        assert cols["epoch_ms"][i] == es.epoch_us / 1000
        assert [cols[k][i] for k in ("mean_motion_rev_day", "eccentricity", "inclination_deg", "raan_deg",
                                     "arg_perigee_deg", "mean_anomaly_deg", "bstar_per_er")] == [
            es.mean_motion_rev_day, es.eccentricity, es.inclination_deg, es.raan_deg, es.arg_perigee_deg,
            es.mean_anomaly_deg, es.bstar_per_er]


def test_hidden_object_answers_like_a_missing_one(api):
    client, store, catalog, headers = api
    hidden = min(catalog.owned["US-DOD"])
    missing = 99999
    assert store.get_object(missing) is None
    a = client.get(f"/api/v1/picture/objects/{hidden}", headers=headers["KR-MND"])
    b = client.get(f"/api/v1/picture/objects/{missing}", headers=headers["KR-MND"])
    assert a.status_code == b.status_code == 404
    assert a.headers["content-type"] == b.headers["content-type"] == "application/problem+json"
    strip = lambda r, n: {k: str(v).replace(str(n), "N") for k, v in r.json().items()}  # noqa: E731
    assert strip(a, hidden) == strip(b, missing)
    assert client.get(f"/api/v1/picture/objects/{hidden}", headers=headers["US-DOD"]).status_code == 200


def test_object_details_show_only_releasable_maneuvers_and_approaches(api):
    client, store, catalog, headers = api
    stored = [sc for sc in store.conjunctions() if 26032 in (sc.conjunction.norad_id_1, sc.conjunction.norad_id_2)]
    assert stored
    views = {p: client.get("/api/v1/picture/objects/26032", headers=headers[p]).json() for p in catalog.keys}
    assert [m["summary"] for m in views["KR-MND"]["maneuvers"]] == ["shared maneuver"]
    assert [m["summary"] for m in views["US-DOD"]["maneuvers"]] == ["US-only maneuver", "shared maneuver"]
    for view in views.values():
        assert [c["id"] for c in view["close_approaches"]] == newest(stored)
        assert view["banner"] == "REAL // REL TO ALL PARTNERS"
        assert view["provenance"]["source"] == "space-track"
    late = client.get("/api/v1/picture/objects/26032", headers=headers["KR-MND"],
                      params={"since": format_utc(stored[-1].conjunction.tca_us + 1)}).json()
    assert late["close_approaches"] == []
    bad = client.get("/api/v1/picture/objects/26032", headers=headers["KR-MND"], params={"since": "yesterday"})
    assert bad.status_code == 422


def test_tables_are_filtered_per_partner(api):
    client, store, catalog, headers = api
    kr = client.get("/api/v1/picture/warnings", headers=headers["KR-MND"]).json()["items"]
    us = client.get("/api/v1/picture/warnings", headers=headers["US-DOD"]).json()["items"]
    assert [w["summary"] for w in kr] == ["shared maneuver"]
    assert [w["summary"] for w in us] == ["US-only maneuver", "shared maneuver"]
    assert us[0]["time_ms"] == 1642810000_000
    for partner in catalog.keys:
        conj = client.get("/api/v1/picture/conjunctions", headers=headers[partner]).json()["items"]
        assert sorted(c["id"] for c in conj) == sorted(newest(catalog.conjunctions_visible_to(store, partner)))
    kr_only = [sc for sc in store.conjunctions() if 40536 in (sc.conjunction.norad_id_1, sc.conjunction.norad_id_2)]
    assert kr_only and all(Marking.from_json(sc.marking).audience == {"KR-MND"} for sc in kr_only)
    conj = client.get("/api/v1/picture/conjunctions", headers=headers["KR-MND"]).json()["items"]
    for c in conj:
        assert c["tca_ms"] == store.get_conjunction(c["id"]).conjunction.tca_us / 1000
        assert {c["name_1"], c["name_2"]} <= {o.name for o in store.objects_by_id([c["norad_id_1"], c["norad_id_2"]])}


def test_banner_is_the_strictest_marking_on_screen(api):
    client, _, _, headers = api
    shared = {"releasable_to": ["ALL"]}
    kr = {"owner": "KR-MND", "releasable_to": ["KR-MND", "US-DOD"]}
    licensed = {"owner": "COMMERCIAL-CELL", "releasable_to": ["ALL"], "caveats": ["LICENSED:KR-MND+US-DOD"]}
    post = lambda markings: client.post("/api/v1/picture/banner", headers=headers["KR-MND"],  # noqa: E731
                                        json={"markings": markings})
    assert post([]).json()["banner"] == "REAL // REL TO ALL PARTNERS"
    assert post([shared]).json()["restricted"] is False
    both = post([shared, kr]).json()
    # Owners differ (none, KR-MND): no owner; audience ALL ∩ {KR-MND, US-DOD}.
    assert both["banner"] == "REAL // REL TO KR-MND, US-DOD" and both["restricted"] is True
    three = post([shared, kr, licensed]).json()
    assert three["banner"] == Marking.strictest(*(Marking.from_json(m) for m in (shared, kr, licensed))).banner
    assert "LICENSED TO" in three["banner"]
    bad = post([{"releasable_to": ["ALL"], "colour": "red"}])
    assert bad.status_code == 422 and bad.headers["content-type"] == "application/problem+json"
    assert client.post("/api/v1/picture/banner", json={"markings": []}).status_code == 401


@pytest.fixture(scope="module")
def plots_api(tmp_path_factory):
    """(client, store, warnings by name, headers by partner) over real objects of the bundled catalog:
    the Astra satellites at 19.2° E (ASTRA 1L owned by KR-MND, the others shared), screened for
    proximity to ASTRA 1KR by SDA's analysis, and the COSMOS 1408 fragments, five of them US-DOD's
    own, under one shared breakup warning."""
    store = open_store(f"sqlite:///{tmp_path_factory.mktemp('picture-plots')}/plots.db")
    sets = web_catalog.bundled_three_line_sets()
    fragments = [n for n, tle in sets.items() if tle.splitlines()[1][9:14] == b"82092" and n != COSMOS_1408][:45]
    owned = {"KR-MND": [ASTRA_1L], "US-DOD": fragments[40:]}
    shared = [n for n in ASTRA_19E if n != ASTRA_1L] + [COSMOS_1408, *fragments[:40]]
    ingest_bytes(store, b"".join(sets[n] for n in shared), name="shared.tle", source="space-track")
    headers = {}
    for partner, ids in owned.items():
        store.create_partner(partner)
        ingest_bytes(store, b"".join(sets[n] for n in ids), name=f"{partner}.tle", source=partner,
                     marking=Marking(owner=partner, releasable_to=frozenset({partner})).to_json())
        headers[partner] = {"Authorization": f"Bearer {store.create_api_key(partner, 'viewer')[1]}"}
    proximity = proximity_job(store, ASTRA_19E[0], start_us=parse_utc_us(web_catalog.SCREEN_START),
                              window_s=86400.0).stored
    found = {f"near {w.related_ids[0]}": w for w in proximity}
    found["breakup"], found["maneuver"], found["bad"] = store.write_warnings([
        Warning("BREAKUP", COSMOS_1408, parse_utc_us("2021-11-15T02:47:00Z"), 0.8, "breakup of COSMOS 1408",
                {"launch": "1982-092", "breakup_altitude_km": 480.0}, related_ids=tuple(fragments)),
        Warning("MANEUVER", ASTRA_1L, parse_utc_us("2022-01-21T00:00:00Z"), 0.9, "station-keeping", {}),
        Warning("PROXIMITY", COSMOS_1408, parse_utc_us("2022-01-21T00:00:00Z"), 0.5, "no evidence", {},
                related_ids=(ASTRA_19E[2],)),
    ])
    with TestClient(create_app(store)) as client:
        yield client, store, found, headers


def svg_of(response) -> ElementTree.Element:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "image/svg+xml"
    root = DefusedET.fromstring(response.content)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    return root


def texts(root: ElementTree.Element) -> str:
    return " ".join("".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text"))


def test_proximity_plot_is_the_warnings_range_history(plots_api):
    client, store, found, headers = plots_api
    assert set(found) == {f"near {n}" for n in ASTRA_19E[1:]} | {"breakup", "maneuver", "bad"}
    kr_only = found[f"near {ASTRA_1L}"]
    assert Marking.from_json(kr_only.marking).audience == {"KR-MND"}
    labels = texts(svg_of(client.get(f"/api/v1/picture/warnings/{kr_only.id}/plot", headers=headers["KR-MND"])))
    assert "Range to ASTRA 1KR" in labels and "ASTRA 1L (co-located)" in labels
    # Propagated again from the element sets the evidence names, on a grid through the warning's
    # time: the range there is the warning's minimum range (evidence rounded to 0.1 m).
    approach, names = proximity_approach(store, kr_only, store.principal_for_key(
        headers["KR-MND"]["Authorization"].split()[1]), ("REAL",))
    assert names == {ASTRA_19E[0]: "ASTRA 1KR", ASTRA_1L: "ASTRA 1L"}
    k = int(np.argmin(np.abs(approach.times_us - kr_only.time_us)))
    assert approach.times_us[k] == kr_only.time_us
    assert abs(approach.range_km[k] - kr_only.evidence["min_range_km"]) < 1e-4
    assert approach.times_us[0] < parse_utc_us(kr_only.evidence["first_within"])
    assert approach.times_us[-1] > parse_utc_us(kr_only.evidence["last_within"])


def test_plots_are_shown_only_to_partners_who_may_see_the_warning(plots_api):
    client, store, found, headers = plots_api
    kr_only = found[f"near {ASTRA_1L}"]
    hidden = client.get(f"/api/v1/picture/warnings/{kr_only.id}/plot", headers=headers["US-DOD"])
    missing = client.get("/api/v1/picture/warnings/999999/plot", headers=headers["US-DOD"])
    assert hidden.status_code == missing.status_code == 404
    assert hidden.headers["content-type"] == missing.headers["content-type"] == "application/problem+json"
    strip = lambda r, n: {k: re.sub(rf"\b{n}\b", "N", str(v)) for k, v in r.json().items()}  # noqa: E731
    assert strip(hidden, kr_only.id) == strip(missing, 999999)
    for kind in ("maneuver", "bad"):  # no plot for a maneuver, nor for evidence not as the analysis writes it
        no_plot = client.get(f"/api/v1/picture/warnings/{found[kind].id}/plot", headers=headers["KR-MND"])
        assert no_plot.status_code == 404 and no_plot.json()["code"] == "not_found", no_plot.text
    shared = found[f"near {ASTRA_19E[2]}"]
    for partner in headers:
        svg_of(client.get(f"/api/v1/picture/warnings/{shared.id}/plot", headers=headers[partner]))
        read = store.audit_entries(newest_first=True, limit=1)[0]
        assert read.target != f"picture/warnings/{shared.id}/plot"  # shared data: no audit
    svg_of(client.get(f"/api/v1/picture/warnings/{kr_only.id}/plot", headers=headers["KR-MND"]))
    read = store.audit_entries(newest_first=True, limit=1)[0]
    assert (read.partner, read.action, read.target) == ("KR-MND", "read", f"picture/warnings/{kr_only.id}/plot")
    # The asset's details offer the plots of the warnings the partner may see, newest first.
    for partner, expected in (("KR-MND", {w.id for k, w in found.items() if k.startswith("near")}),
                              ("US-DOD", {w.id for k, w in found.items() if k.startswith("near")} - {kr_only.id})):
        plots = client.get(f"/api/v1/picture/objects/{ASTRA_19E[0]}", headers=headers[partner]).json()["plots"]
        assert {p["warning_id"] for p in plots} == expected
        assert [p["time_ms"] for p in plots] == sorted((p["time_ms"] for p in plots), reverse=True)
        assert all(p["url"] == f"/api/v1/picture/warnings/{p['warning_id']}/plot" for p in plots)


def test_gabbard_plot_holds_the_fragments_each_partner_may_see(plots_api):
    client, store, found, headers = plots_api
    breakup = found["breakup"]
    n_fragments = len(breakup.related_ids)
    counts = {}
    for partner in headers:
        labels = texts(svg_of(client.get(f"/api/v1/picture/warnings/{breakup.id}/plot", headers=headers[partner])))
        assert "Gabbard diagram, launch 1982-092" in labels and f"parent {COSMOS_1408}" in labels
        counts[partner] = int(re.search(r"— (\d+) objects", labels).group(1))
        # A fragment's details offer the breakup's plot.
        fragment = breakup.related_ids[0]
        plots = client.get(f"/api/v1/picture/objects/{fragment}", headers=headers[partner]).json()["plots"]
        assert [p["warning_id"] for p in plots] == [breakup.id]
    assert counts == {"US-DOD": n_fragments, "KR-MND": n_fragments - 5}


def test_every_picture_endpoint_needs_a_key(api):
    client, *_ = api
    for path in ("session", "elements", "conjunctions", "alerts", "warnings", "objects/26032", "warnings/1/plot"):
        r = client.get(f"/api/v1/picture/{path}")
        assert r.status_code == 401, path
        assert r.headers["content-type"] == "application/problem+json"


def test_page_is_served_and_names_no_remote_host(api):
    client, *_ = api
    assert client.get("/", follow_redirects=False).headers["location"] == "/picture/"
    index = client.get("/picture/")
    assert index.status_code == 200 and "<title>SDA" in index.text
    for path in ("picture/js/main.js", "picture/js/propagator.js", "picture/vendor/cesium/Cesium.js",
                 "picture/vendor/satellite.js/index.js"):
        assert client.get("/" + path).status_code == 200, path
    ours = [mount.static_dir() / "index.html", mount.static_dir() / "picture.css",
            *sorted((mount.static_dir() / "js").glob("*.js"))]
    for f in ours:
        assert not re.search(r"https?://", f.read_text()), f"{f.name} names a remote URL"


def test_missing_vendored_libraries_answer_503_and_keep_the_api(tmp_path, monkeypatch):
    (tmp_path / "index.html").write_text("<!doctype html>")
    monkeypatch.setattr(mount, "static_dir", lambda: tmp_path)
    assert set(mount.missing_assets()) == set(mount.REQUIRED_ASSETS)
    app = FastAPI()
    mount.mount_picture(app)
    client = TestClient(app)
    r = client.get("/picture/")
    assert r.status_code == 503 and "make install" in r.text
    assert "/api/v1/picture/elements" in app.openapi()["paths"]
