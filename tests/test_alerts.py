"""Owner alerts (sda.products.alerts): thresholds alone and combined, past TCAs, the asset as
either object, alert levels (NASA CARA's 1e-4 red / 1e-7 yellow) and marking derivation."""

from __future__ import annotations

import json

import numpy as np
import pytest

from sda.catalog.records import DEFAULT_MARKING, Conjunction
from sda.catalog.store import ScreeningRunInfo
from sda.core.times import format_utc, now_us
from sda.ingest.pipeline import ingest_bytes
from sda.products.alerts import AssetThreshold, alert_level, derive_marking, evaluate, raise_alerts
from tests.conftest import SHARED_DATA

NOW = 1_700_000_000_000_000  # µs, 2023-11-14T22:13:20Z
HOUR = 3_600_000_000  # µs


def conj(*, n1=100, n2=200, hours=10.0, miss_km=0.5, pc=1e-5) -> Conjunction:
    return Conjunction(n1, n2, NOW + int(hours * HOUR), miss_km, 10.0, np.array([0.0, miss_km, 0.0]),
                       np.arange(6.0), np.arange(6.0) + 1, pc=pc, pc_method=None if pc is None else "FOSTER-1992")


# (case, conjunction, threshold, expected thresholds met, or None for no alert)
CASES = [
    ("pc alone met", conj(pc=1e-5), AssetThreshold(100, "A", min_pc=1e-6), ("min_pc",)),
    ("pc alone not met", conj(pc=1e-7), AssetThreshold(100, "A", min_pc=1e-6), None),
    ("pc equal to threshold", conj(pc=1e-6), AssetThreshold(100, "A", min_pc=1e-6), ("min_pc",)),
    ("pc unknown", conj(pc=None), AssetThreshold(100, "A", min_pc=1e-6), None),
    ("miss alone met", conj(miss_km=0.5), AssetThreshold(100, "A", max_miss_km=1.0), ("max_miss_km",)),
    ("miss alone not met", conj(miss_km=1.5), AssetThreshold(100, "A", max_miss_km=1.0), None),
    ("time alone met", conj(hours=10), AssetThreshold(100, "A", max_hours_to_tca=24), ("max_hours_to_tca",)),
    ("time alone not met", conj(hours=30), AssetThreshold(100, "A", max_hours_to_tca=24), None),
    ("all met", conj(), AssetThreshold(100, "A", max_miss_km=1.0, min_pc=1e-6, max_hours_to_tca=24),
     ("min_pc", "max_miss_km", "max_hours_to_tca")),
    ("one of three not met", conj(miss_km=2.0), AssetThreshold(100, "A", max_miss_km=1.0, min_pc=1e-6,
                                                                max_hours_to_tca=24), None),
    ("pc and miss met, time not", conj(hours=48), AssetThreshold(100, "A", max_miss_km=1.0, min_pc=1e-6,
                                                                 max_hours_to_tca=24), None),
    ("asset is object 2", conj(n1=300, n2=100), AssetThreshold(100, "A", min_pc=1e-6), ("min_pc",)),
    ("asset in neither object", conj(n1=300, n2=400), AssetThreshold(100, "A", min_pc=1e-6), None),
    ("TCA in the past", conj(hours=-1), AssetThreshold(100, "A", min_pc=1e-6), None),
    ("TCA in the past, nothing set", conj(hours=-0.001), AssetThreshold(100, "A"), None),
    ("nothing set: every future conjunction", conj(hours=1000), AssetThreshold(100, "A"), ()),
]


@pytest.mark.parametrize("case,c,threshold,met", CASES, ids=[c[0] for c in CASES])
def test_evaluate(case, c, threshold, met):
    alerts = evaluate(c, [threshold], NOW, conjunction_id=7)
    if met is None:
        assert alerts == []
        return
    (a,) = alerts
    assert a.thresholds_met == met
    assert (a.conjunction_id, a.norad_id, a.owner, a.created_at_us) == (7, 100, "A", NOW)
    assert a.level == alert_level(c.pc, "max_miss_km" in met)
    assert str(200 if c.norad_id_1 == 100 else 300) in a.message  # names the other object


def test_every_owner_of_the_asset_is_alerted_separately():
    thresholds = [AssetThreshold(100, "A", min_pc=1e-6), AssetThreshold(100, "B", min_pc=1e-4),
                  AssetThreshold(200, "C", max_miss_km=1.0)]
    alerts = evaluate(conj(pc=1e-5), thresholds, NOW)
    assert sorted((a.owner, a.norad_id) for a in alerts) == [("A", 100), ("C", 200)]


@pytest.mark.parametrize("pc,miss_met,level", [
    (1e-4, False, "RED"), (3e-3, True, "RED"), (9.99e-5, False, "YELLOW"), (1e-7, False, "YELLOW"),
    (9.9e-8, False, "GREEN"), (9.9e-8, True, "GREEN"), (None, True, "YELLOW"), (None, False, "GREEN"),
])
def test_alert_level(pc, miss_met, level):
    assert alert_level(pc, miss_met) == level


def test_derive_marking_is_the_intersection():
    all_ = DEFAULT_MARKING
    ab, bc = '{"releasable_to":["A","B"]}', '{"releasable_to":["C","B"]}'
    assert derive_marking(all_) == all_
    assert json.loads(derive_marking(all_, ab)) == {"releasable_to": ["A", "B"]}
    assert json.loads(derive_marking(ab, bc)) == {"releasable_to": ["B"]}
    assert json.loads(derive_marking(ab, '{"releasable_to":["C"]}')) == {"releasable_to": []}
    with pytest.raises(ValueError):
        derive_marking()


def test_alert_takes_the_conjunction_marking():
    (a,) = evaluate(conj(), [AssetThreshold(100, "A")], NOW, marking='{"releasable_to":["B","A"]}',
                    data_mode="EXERCISE")
    assert json.loads(a.marking) == {"releasable_to": ["A", "B"]} and a.data_mode == "EXERCISE"


def test_raise_alerts_stores_each_alert_once(store):
    store.set_asset_threshold(100, "A", min_pc=1e-6)
    store.set_asset_threshold(200, "B", max_miss_km=0.1)
    run = ScreeningRunInfo(start_us=NOW, window_s=86400.0, threshold_km=5.0, n_objects=3, run_time_s=0.1,
                           marking='{"releasable_to":["A"]}')
    run_id = store.write_screening_run(run, [conj(pc=2e-4), conj(n1=100, n2=300, pc=1e-9), conj(hours=-2)])
    stored = store.conjunctions(run_id=run_id)
    raised = raise_alerts(store, stored, NOW)
    assert [(a.owner, a.level, a.conjunction_id) for a in raised] == [("A", "RED", stored[1].id)]
    assert raise_alerts(store, stored, NOW) == []  # already alerted
    (kept,) = store.alerts(owner="A")
    assert kept.id == raised[0].id and kept.thresholds_met == ("min_pc",)
    assert json.loads(kept.marking) == {"releasable_to": ["A"]}
    assert store.alerts(owner="B") == [] and store.alerts(since_us=NOW + 1) == []


def test_ingesting_a_cdm_alerts_the_owner(store):
    """The real CSpOC CDM of ION SCV-008 / STARLINK-1233 (Pc 4.45e-3), its TCA moved one day after 'now'."""
    path = SHARED_DATA / "ccsds" / "cdm" / "orekit" / "valid" / "ION_SCV8_vs_STARLINK_1233.txt"
    tca = format_utc(now_us() + 24 * HOUR)[:-1]
    text = path.read_text(encoding="utf-8").replace("TCA                                =2023-07-05T20:31:15.893",
                                                    f"TCA                                ={tca}")
    store.set_asset_threshold(45214, "SpaceX", min_pc=1e-4, max_hours_to_tca=48)
    store.set_asset_threshold(55051, "D-Orbit", min_pc=1e-2)
    report = ingest_bytes(store, text.encode(), name="ion.cdm", marking='{"releasable_to":["US","IT"]}')
    assert report.n_new == 1 and report.n_alerts == 1
    (a,) = store.alerts()
    assert (a.owner, a.norad_id, a.level, a.thresholds_met) == ("SpaceX", 45214, "RED", ("min_pc", "max_hours_to_tca"))
    assert json.loads(a.marking) == {"releasable_to": ["IT", "US"]}
    assert "55051" in a.message and "Pc 0.00445" in a.message
