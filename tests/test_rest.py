"""The REST API: authentication, per-partner views, formats, hidden-vs-absent, uploads, limits, audit.

Every test runs on SQLite and on the PostgreSQL server the test run starts (``store_url``).
"""

from __future__ import annotations

import csv
import io
import json
import re
import statistics
import time
import uuid

import pytest

from sda.ingest.omm import iter_omm_json, iter_omm_kvn, iter_omm_xml
from sda.ingest.tle import iter_tle
from sda.policy import Marking, Principal, decide
from tests.conftest import SHARED_DATA
from tests.rest_support import (PARTNERS, alert_for, bundled_sets, conjunction_between, ingest_marked, make_api,
                                tle_text, warning_for)

SHARED = Marking()
KR_ONLY = Marking(owner="KR-MND", releasable_to=frozenset({"KR-MND"}))
KR_TO_US = Marking(owner="KR-MND", releasable_to=frozenset({"US-DOD"}))
LICENSED = Marking(owner="COMM-CELL", caveats=("LICENSED:KR-KASA",))
EXERCISE = Marking(owner="US-DOD", mode="EXERCISE")
GROUPS = ((SHARED, slice(0, 4)), (KR_ONLY, slice(4, 6)), (KR_TO_US, slice(6, 8)), (LICENSED, slice(8, 9)),
          (EXERCISE, slice(9, 10)))


def _build_world(url: str):
    """Ten objects of the bundled catalog under five markings, a conjunction, an alert and a warning each way."""
    api = make_api(url)
    sets = bundled_sets(10)
    api.marking_of = {}
    for i, (m, sl) in enumerate(GROUPS):
        ingest_marked(api.store, sets[sl], m, f"group{i}.tle")
        api.marking_of.update({es.norad_id: m for es in sets[sl]})
    api.sets = sets
    kr = [n for n, m in api.marking_of.items() if m == KR_ONLY]
    shared = [n for n, m in api.marking_of.items() if m == SHARED]
    api.shared_conj = conjunction_between(api.store, shared[0], shared[1], SHARED)
    api.kr_conj = conjunction_between(api.store, kr[0], shared[0], Marking.strictest(KR_ONLY, SHARED))
    api.kr_alert = alert_for(api.store, api.kr_conj, kr[0], "KR-MND", Marking.strictest(KR_ONLY, SHARED))
    api.kr_warning = warning_for(api.store, kr[0], KR_ONLY)
    return api


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def world(request, tmp_path_factory):
    """A catalog for the tests that only read (built once per backend)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('rest') / 'catalog.db'}"
    else:
        url = request.getfixturevalue("postgres_server").new_database(f"rest_{uuid.uuid4().hex}")
    api = _build_world(url)
    yield api
    api.client.close()
    api.store.close()


@pytest.fixture
def fresh_world(store_url):
    """The same catalog, for a test that writes."""
    api = _build_world(store_url)
    yield api
    api.client.close()
    api.store.close()


def _expected(api, partner: str, modes=("REAL",)) -> list[int]:
    p = api.principals[(partner, "viewer")]
    return sorted(n for n, m in api.marking_of.items() if decide(p, m, modes=modes))


def _problem(r, status: int, code: str) -> dict:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["code"] == code and body["status"] == status and body["type"] == f"urn:sda:problem:{code}"
    assert {"title", "detail", "instance"} <= set(body)
    return body


def test_health_and_openapi_need_no_key_everything_else_does(world):
    c = world.client
    assert c.get("/api/v1/health").json()["status"] == "ok"
    doc = c.get("/api/v1/openapi.json").json()
    paths = [p for p in doc["paths"] if p != "/api/v1/health"]
    assert len(paths) >= 9
    for path in paths:
        for method in doc["paths"][path]:
            url = re.sub(r"\{[^}]+\}", "1", path)
            r = c.request(method.upper(), url, params={"filename": "x.tle"} if "uploads" in path else None)
            body = _problem(r, 401, "unauthorized")
            assert r.headers["www-authenticate"].startswith("Bearer") and body["instance"] == url
    bad = c.get("/api/v1/objects", headers={"Authorization": "Bearer sda_not-a-key"})
    _problem(bad, 401, "unauthorized")
    _problem(c.get("/api/v1/objects", headers={"Authorization": "Basic dXNlcjpwYXNz"}), 401, "unauthorized")


def test_each_partner_sees_exactly_its_releasable_objects(world):
    for partner in PARTNERS:
        got = world.get("/api/v1/objects", partner).json()
        ids = [o["norad_id"] for o in got["items"]]
        assert ids == _expected(world, partner) and got["next"] is None
        for o in got["items"]:
            want = world.marking_of[o["norad_id"]]
            assert o["marking"] == want.as_dict() and o["latest"]["marking"] == want.as_dict()
        exercise = world.get("/api/v1/objects", partner, params={"mode": "EXERCISE"}).json()["items"]
        assert [o["norad_id"] for o in exercise] == _expected(world, partner, ("EXERCISE",))
        both = world.get("/api/v1/objects", partner, params={"mode": "REAL,EXERCISE"}).json()["items"]
        assert [o["norad_id"] for o in both] == _expected(world, partner, ("REAL", "EXERCISE"))


def test_views_by_hand():
    """The rule on the five markings, worked out by hand (REAL view)."""
    seen = {p: [name for name, (m, _) in zip(("shared", "kr", "kr>us", "lic", "ex"), GROUPS)
                if decide(Principal(1, "v", p, "viewer", "user"), m)] for p in PARTNERS}
    assert seen == {"KR-MND": ["shared", "kr", "kr>us"], "US-DOD": ["shared", "kr>us"],
                    "KR-KASA": ["shared", "lic"], "COMM-CELL": ["shared", "lic"]}


def _same_but_id(a, b, id_a, id_b):
    """Bodies equal once the requested ids (which the caller sent) are blanked."""
    def blank(r, ident):
        return r.status_code, r.headers["content-type"], r.text.replace(str(ident), "ID")
    return blank(a, id_a) == blank(b, id_b)


def test_hidden_and_absent_records_look_the_same_on_every_endpoint(world):
    kr_obj = next(n for n, m in world.marking_of.items() if m == KR_ONLY)
    absent_obj = 99_999_001
    for suffix in ("", "/latest", "/history", "/history?format=tle", "/latest?format=omm-xml"):
        hidden = world.get(f"/api/v1/objects/{kr_obj}{suffix}", "COMM-CELL")
        absent = world.get(f"/api/v1/objects/{absent_obj}{suffix}", "COMM-CELL")
        _problem(hidden, 404, "not_found")
        assert _same_but_id(hidden, absent, kr_obj, absent_obj), (hidden.text, absent.text)
        assert world.get(f"/api/v1/objects/{kr_obj}{suffix}", "KR-MND").status_code == 200
    absent_conj = world.kr_conj + 1000
    for suffix in ("", "/cdm", "/cdm?format=xml"):
        hidden = world.get(f"/api/v1/conjunctions/{world.kr_conj}{suffix}", "US-DOD")
        absent = world.get(f"/api/v1/conjunctions/{absent_conj}{suffix}", "US-DOD")
        _problem(hidden, 404, "not_found")
        assert _same_but_id(hidden, absent, world.kr_conj, absent_conj)
        assert world.get(f"/api/v1/conjunctions/{world.kr_conj}{suffix}", "KR-MND").status_code == 200
    exercise_obj = next(n for n, m in world.marking_of.items() if m == EXERCISE)
    real_view = world.get(f"/api/v1/objects/{exercise_obj}", "US-DOD")
    assert _same_but_id(real_view, world.get(f"/api/v1/objects/{absent_obj}", "US-DOD"), exercise_obj, absent_obj)
    assert world.get(f"/api/v1/objects/{exercise_obj}", "US-DOD", params={"mode": "EXERCISE"}).status_code == 200


def test_answers_conform_to_the_published_schemas(world):
    """Routes answer with mappings built by hand; each must validate against its documented model."""
    from sda.interfaces.rest import schemas as sc

    kr_obj = next(n for n, m in world.marking_of.items() if m == KR_ONLY)
    checks = [("/api/v1/objects", sc.Page[sc.ObjectOut]), (f"/api/v1/objects/{kr_obj}", sc.ObjectOut),
              (f"/api/v1/objects/{kr_obj}/latest", sc.ElementSetOut),
              (f"/api/v1/objects/{kr_obj}/history", sc.Page[sc.ElementSetOut]),
              ("/api/v1/conjunctions", sc.Page[sc.ConjunctionOut]),
              (f"/api/v1/conjunctions/{world.kr_conj}", sc.ConjunctionOut), ("/api/v1/alerts", sc.Page[sc.AlertOut]),
              ("/api/v1/warnings", sc.Page[sc.WarningOut])]
    for url, model in checks:
        body = world.get(url, "KR-MND").json()
        assert model.model_validate(body).model_dump(mode="json") == body, url
        assert body.get("items", [body]), url  # not vacuous: something was checked


def test_hidden_and_absent_take_similar_time(world):
    """Interleaved requests for a hidden and an absent object: medians within a factor 2 of each other."""
    kr_obj = next(n for n, m in world.marking_of.items() if m == KR_ONLY)
    times: dict[int, list[float]] = {kr_obj: [], 99_999_001: []}
    for _ in range(30):
        for n in times:
            t = time.perf_counter()
            assert world.get(f"/api/v1/objects/{n}", "COMM-CELL").status_code == 404
            times[n].append(time.perf_counter() - t)
    hidden, absent = (statistics.median(v) for v in times.values())
    assert 0.5 < hidden / absent < 2.0, (hidden, absent)


def test_conjunctions_alerts_and_warnings_per_partner(world):
    for partner in PARTNERS:
        conj = [c["id"] for c in world.get("/api/v1/conjunctions", partner).json()["items"]]
        alerts = [a["id"] for a in world.get("/api/v1/alerts", partner).json()["items"]]
        warns = [w["id"] for w in world.get("/api/v1/warnings", partner).json()["items"]]
        kr = partner == "KR-MND"
        assert conj == ([world.shared_conj, world.kr_conj] if kr else [world.shared_conj])
        assert alerts == ([world.kr_alert.id] if kr else [])
        assert warns == ([world.kr_warning.id] if kr else [])
    (c,) = [x for x in world.get("/api/v1/conjunctions", "KR-MND").json()["items"] if x["id"] == world.kr_conj]
    assert c["marking"] == Marking.strictest(KR_ONLY, SHARED).as_dict() and c["marking"]["releasable_to"] == ["KR-MND"]
    kvn = world.get(f"/api/v1/conjunctions/{world.kr_conj}/cdm", "KR-MND")
    assert kvn.status_code == 200 and kvn.text.startswith("CCSDS_CDM_VERS")
    assert "attachment" in kvn.headers["content-disposition"]
    xml = world.get(f"/api/v1/conjunctions/{world.kr_conj}/cdm", "KR-MND", params={"format": "xml"})
    assert xml.headers["content-type"].startswith("application/xml") and b"<cdm" in xml.content


def test_element_set_formats_read_back(world):
    partner = "KR-MND"
    ids = _expected(world, partner)
    originals = {es.norad_id: es for es in world.sets}
    tle = world.get("/api/v1/objects", partner, params={"format": "tle"})
    assert tle.headers["content-type"].startswith("text/plain")
    got = [es for es in iter_tle(tle.text.splitlines())]
    assert [es.norad_id for es in got] == ids
    assert all(es.tle_line1 == originals[es.norad_id].tle_line1 for es in got)
    three = world.get("/api/v1/objects", partner, headers={"Accept": "text/plain"}, params={"format": "3le"})
    assert [es.name for es in iter_tle(three.text.splitlines())] == [originals[n].name for n in ids]
    for fmt, reader in (("omm-json", iter_omm_json), ("omm-xml", iter_omm_xml),
                        ("omm-kvn", lambda b: iter_omm_kvn(b.decode()))):
        r = world.get("/api/v1/objects", partner, params={"format": fmt})
        back = list(reader(r.content))
        assert [es.norad_id for es in back] == ids, fmt
        for es in back:  # OMM keeps every digit of the elements and the exact epoch
            o = originals[es.norad_id]
            assert (es.epoch_us, es.mean_motion_rev_day, es.eccentricity, es.bstar_per_er) == \
                   (o.epoch_us, o.mean_motion_rev_day, o.eccentricity, o.bstar_per_er), fmt
    table = world.get("/api/v1/objects", partner, headers={"Accept": "text/csv"})
    rows = list(csv.DictReader(io.StringIO(table.text)))
    assert [int(r["norad_id"]) for r in rows] == ids
    assert all(json.loads(r["marking"]) == json.loads(world.marking_of[int(r["norad_id"])].to_json()) for r in rows)
    one = ids[0]
    hist = world.get(f"/api/v1/objects/{one}/history", partner).json()
    assert [h["norad_id"] for h in hist["items"]] == [one] and hist["next"] is None
    latest = world.get(f"/api/v1/objects/{one}/latest", partner, params={"format": "tle"}).text.splitlines()
    assert latest == [originals[one].tle_line1, originals[one].tle_line2]
    _problem(world.get("/api/v1/objects", partner, params={"format": "pdf"}), 422, "validation")


def test_paging_walks_every_object_once(world):
    seen, url, pages = [], "/api/v1/objects?limit=3", 0
    while url:
        body = world.get(url, "KR-MND").json()
        seen += [o["norad_id"] for o in body["items"]]
        url, pages = body["next"], pages + 1
    assert seen == _expected(world, "KR-MND") and pages == 3


def test_filters(world):
    sets = world.sets
    name = sets[0].name
    r = world.get("/api/v1/objects", "KR-MND", params={"name": name, "type": sets[0].object_type}).json()["items"]
    assert sets[0].norad_id in [o["norad_id"] for o in r]
    assert world.get("/api/v1/objects", "KR-MND", params={"intl": "2099-"}).json()["items"] == []
    assert world.get("/api/v1/objects", "KR-MND", params={"max_age_days": 1}).json()["items"] == []  # 2022 epochs
    _problem(world.get("/api/v1/objects", "KR-MND", params={"mode": "FAKE"}), 422, "validation")
    _problem(world.get("/api/v1/objects", "KR-MND", params={"limit": 0}), 422, "validation")
    _problem(world.get("/api/v1/conjunctions", "KR-MND", params={"tca_from": "yesterday"}), 422, "validation")
    _problem(world.get("/api/v1/objects/notanumber", "KR-MND"), 422, "validation")


def test_upload_round_trip_idempotent_and_all_or_nothing(fresh_world):
    world = fresh_world
    store = world.store
    new = [es for es in bundled_sets(14)[10:14]]
    body = tle_text(new)
    url = "/api/v1/uploads"
    params = {"filename": "kasa.tle", "releasable_to": "US-DOD"}
    viewer = world.client.post(url, params=params, content=body, headers=world.headers("KR-KASA"))
    _problem(viewer, 403, "forbidden")
    first = world.client.post(url, params=params, content=body, headers=world.headers("KR-KASA", "provider"))
    assert first.status_code == 201, first.text
    out = first.json()
    assert (out["n_records"], out["n_new"], out["already_ingested"]) == (4, 4, False)
    assert out["marking"]["owner"] == "KR-KASA" and out["marking"]["releasable_to"] == ["US-DOD"]
    again = world.client.post(url, params=params, content=body, headers=world.headers("KR-KASA", "provider"))
    assert again.status_code == 200 and again.json()["already_ingested"] and again.json()["batch_id"] == out["batch_id"]
    ids = {es.norad_id for es in new}
    for partner, sees in (("KR-KASA", True), ("US-DOD", True), ("KR-MND", False), ("COMM-CELL", False)):
        listed = {o["norad_id"] for o in world.get("/api/v1/objects", partner).json()["items"]}
        assert (ids <= listed) is sees and (not ids & listed) is (not sees), partner
    before = store.table_counts()
    bad = body.replace(b"\n2 ", b"\n2X", 1)
    rejected = world.client.post(url, params={"filename": "bad.tle"}, content=bad,
                                 headers=world.headers("US-DOD", "provider"))
    problem = _problem(rejected, 422, "invalid_upload")
    assert problem["errors"] and problem["errors"][0]["file"] == "bad.tle" and problem["errors"][0]["line"]
    assert store.table_counts()["element_sets"] == before["element_sets"]
    _problem(world.client.post(url, params={"filename": "x.tle", "releasable_to": "not a partner!"}, content=body,
                               headers=world.headers("US-DOD", "provider")), 422, "validation")
    _problem(world.client.post(url, params={"filename": "x.tle"}, content=b"",
                               headers=world.headers("US-DOD", "provider")), 422, "validation")


def test_cdm_upload_is_a_conjunction_its_partner_downloads_as_received(fresh_world):
    """A CDM uploaded by a provider becomes a conjunction marked for its partner; the CDM comes back as sent."""
    world = fresh_world
    cdm = (SHARED_DATA / "ccsds" / "cdm" / "orekit" / "valid" / "ION_SCV8_vs_STARLINK_1233.txt").read_bytes()
    r = world.client.post("/api/v1/uploads", params={"filename": "ion.cdm"}, content=cdm,
                          headers=world.headers("KR-KASA", "provider"))
    assert r.status_code == 201 and r.json()["format"] == "CDM-KVN" and r.json()["n_new"] == 1, r.text
    mine = world.get("/api/v1/conjunctions", "KR-KASA", params={"norad_id": 45214}).json()["items"]
    assert [(c["norad_id_1"], c["norad_id_2"], c["has_cdm"]) for c in mine] == [(55051, 45214, True)]
    assert mine[0]["marking"]["owner"] == "KR-KASA" and mine[0]["marking"]["releasable_to"] == ["KR-KASA"]
    back = world.get(f"/api/v1/conjunctions/{mine[0]['id']}/cdm", "KR-KASA")
    assert back.content == cdm
    assert world.get("/api/v1/conjunctions", "KR-MND", params={"norad_id": 45214}).json()["items"] == []
    _problem(world.get(f"/api/v1/conjunctions/{mine[0]['id']}/cdm", "KR-MND"), 404, "not_found")


def test_request_size_and_rate_limits(store_url):
    api = make_api(store_url, rate_per_s=0.2, burst=3, max_upload_bytes=1000)  # a token every 5 s
    h = api.headers("US-DOD", "provider")
    big = api.client.post("/api/v1/uploads", params={"filename": "big.tle"}, content=b"x" * 2000, headers=h)
    _problem(big, 413, "payload_too_large")
    codes = [api.client.get("/api/v1/objects", headers=api.headers("KR-MND")).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    limited = api.client.get("/api/v1/objects", headers=api.headers("KR-MND"))
    _problem(limited, 429, "rate_limited")
    assert 1 <= int(limited.headers["retry-after"]) <= 5
    assert api.client.get("/api/v1/objects", headers=api.headers("US-DOD")).status_code == 200  # per principal
    api.client.close()
    api.store.close()


def test_reads_of_protected_data_and_writes_are_audited(fresh_world):
    world = fresh_world
    store = world.store
    n0 = len(store.audit_entries())
    world.get("/api/v1/objects", "COMM-CELL", params={"type": "DEBRIS", "regime": "GEO"})  # nothing protected
    kr_obj = next(n for n, m in world.marking_of.items() if m == KR_ONLY)
    world.get(f"/api/v1/objects/{kr_obj}", "KR-MND")
    world.client.post("/api/v1/uploads", params={"filename": "one.tle"}, content=tle_text(bundled_sets(11)[10:]),
                      headers=world.headers("US-DOD", "provider"))
    entries = store.audit_entries()[n0:]
    assert [(e.partner, e.action) for e in entries] == [("KR-MND", "read"), ("US-DOD", "write")]
    assert str(kr_obj) in entries[0].target and "one.tle" in entries[1].target
    assert entries[0].origin.startswith("testclient")
    assert store.audit_verify().ok
