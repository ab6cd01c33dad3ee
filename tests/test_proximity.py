"""Proximity operations: detection rate and false alarms on synthetic approaches with known truth,
GEO co-location in real data (the Astra 19.2°E cluster), warnings in the store, the CLI."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from sda.analyses.proximity.rpo import CATEGORIES, ProximityConfig, detect, history_states, proximity_job
from sda.analyses.proximity.synthetic import KINDS, generate_cases
from sda.core.times import parse_utc_us
from sda.ingest.pipeline import ingest_file
from sda.ingest.tle import iter_tle
from sda.interfaces.cli.main import app
from sda.products.warnings import Warning

START = parse_utc_us("2020-10-16T00:00:00Z")
WEEK_S = 7 * 86400.0
RANGE_KM = 50.0
ASTRA_19E = {29055: "ASTRA 1KR", 31306: "ASTRA 1L", 33436: "ASTRA 1M", 37775: "ASTRA 1N"}


@pytest.fixture(scope="module")
def synthetic_results():
    cases = generate_cases(6, start_us=START, window_s=WEEK_S, range_km=RANGE_KM, seed=11)
    config = ProximityConfig(range_km=RANGE_KM)
    return [(c, detect(c.asset, {c.intruder[0].norad_id: c.intruder}, START, WEEK_S, config)) for c in cases]


@pytest.mark.slow
def test_synthetic_detection_rate_and_false_alarms(synthetic_results):
    positives = [bool(found) for c, found in synthetic_results if c.truth]
    negatives = [bool(found) for c, found in synthetic_results if not c.truth]
    assert len(positives) == 30 and len(negatives) == 24
    detection_rate = sum(positives) / len(positives)
    false_alarm_rate = sum(negatives) / len(negatives)
    assert detection_rate >= 0.95, detection_rate
    assert false_alarm_rate <= 0.05, false_alarm_rate
    for c, found in synthetic_results:
        if c.truth:  # designed to come within 60 % of the range: first-order truth agrees
            assert c.truth_min_range_km <= 0.6 * RANGE_KM
        elif c.kind != "leo-crossing":
            assert c.truth_min_range_km >= 1.5 * RANGE_KM


def test_synthetic_categories(synthetic_results):
    by_kind: dict[str, list[str]] = {}
    for c, found in synthetic_results:
        if found:
            assert found[0].category in CATEGORIES
            by_kind.setdefault(c.kind, []).append(found[0].category)
    assert by_kind["leo-hold"].count("CO-LOCATED") == 6
    assert by_kind["geo-co-located"].count("CO-LOCATED") == 6
    # drift-and-stop / two-impulse transfers are seen arriving and holding
    assert by_kind["geo-drift-and-stop"].count("APPROACH-AND-HOLD") >= 5
    assert by_kind["leo-two-impulse"].count("APPROACH-AND-HOLD") >= 5


def test_generator_matches_sgp4_for_leo_holds():
    """SGP4 on the generated element sets follows the first-order (CW) relative motion: the minimum
    range agrees within 1 km + 10 % over a week for co-orbital holds in LEO."""
    cases = generate_cases(5, start_us=START, window_s=WEEK_S, range_km=RANGE_KM, seed=3, kinds=("leo-hold",))
    times = START + np.arange(0, int(WEEK_S), 30) * 1_000_000
    for c in cases:
        ra, _, _ = history_states(c.asset, times)
        rc, _, _ = history_states(c.intruder, times)
        sgp4_min = float(np.min(np.linalg.norm(rc - ra, axis=1)))
        assert abs(sgp4_min - c.truth_min_range_km) <= 1.0 + 0.1 * c.truth_min_range_km


def test_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="unknown synthetic kind"):
        generate_cases(1, start_us=START, window_s=WEEK_S, range_km=RANGE_KM, kinds=("nope",))
    assert set(KINDS) >= {"leo-two-impulse", "geo-drift-and-stop"}


def _geo_sets(shared_data):
    path = shared_data / "tle" / "groups" / "celestrak_2020-10-16" / "geo.txt"
    return path, {e.norad_id: e for e in iter_tle(path.read_text().splitlines(), file=path.name)
                  if not isinstance(e, Exception)}


@pytest.mark.slow
def test_astra_co_location_in_real_data(shared_data):
    _, sets = _geo_sets(shared_data)
    found = detect([sets[29055]], {k: [v] for k, v in sets.items() if k != 29055}, START, WEEK_S,
                   ProximityConfig(range_km=RANGE_KM))
    assert {a.norad_id for a in found} == set(ASTRA_19E) - {29055}
    for a in found:
        assert a.category == "CO-LOCATED"
        assert a.relative_speed_km_s < 0.01  # metres per second: station-kept neighbours
        assert np.allclose(np.linalg.norm(a.rtn_km, axis=1), a.range_km)  # RTN is a rotation


@pytest.mark.slow
def test_proximity_job_stores_warnings_with_maneuvers(store, shared_data):
    path, _ = _geo_sets(shared_data)
    ingest_file(store, path, source="test", marking='{"releasable_to":["KOR","USA","GBR"]}')
    maneuver = Warning("MANEUVER", 31306, START - 2 * 86_400_000_000, 0.9, "ASTRA 1L station-keeping",
                       {"delta_v_m_s": 0.3}, marking='{"releasable_to":["KOR","USA"]}')
    store.write_warnings([maneuver])
    result = proximity_job(store, 29055, start_us=START, window_s=WEEK_S)
    assert {a.norad_id for a in result.approaches} == set(ASTRA_19E) - {29055}
    stored = store.warnings(kind="PROXIMITY", norad_id=29055)
    assert len(stored) == 3
    w = next(x for x in stored if x.related_ids == (31306,))
    assert w.evidence["category"] == "CO-LOCATED" and w.evidence["min_range_km"] < RANGE_KM
    assert [m["summary"] for m in w.evidence["recent_maneuvers"]] == ["ASTRA 1L station-keeping"]
    assert json.loads(w.marking) == {"releasable_to": ["KOR", "USA"]}  # strictest of element sets and maneuver
    others = [x for x in stored if x.related_ids != (31306,)]
    assert all(json.loads(x.marking) == {"releasable_to": ["GBR", "KOR", "USA"]} for x in others)
    assert proximity_job(store, 29055, start_us=START, window_s=WEEK_S).stored == []
    with pytest.raises(LookupError):
        proximity_job(store, 99999, start_us=START, window_s=WEEK_S)


@pytest.mark.slow
def test_cli_proximity_json_and_plot(tmp_path, shared_data):
    path, _ = _geo_sets(shared_data)
    db = f"sqlite:///{tmp_path / 'p.db'}"
    runner = CliRunner()
    assert runner.invoke(app, ["ingest", "--db", db, str(path)]).exit_code == 0
    svg = tmp_path / "range.svg"
    res = runner.invoke(app, ["proximity", "--db", db, "--asset", "29055", "--start", "2020-10-16T00:00:00Z",
                              "--window", "7d", "--json", "--plot", str(svg)])
    assert res.exit_code == 0, res.output
    rows = json.loads(res.stdout)
    assert {r["name"] for r in rows} == {"ASTRA 1L", "ASTRA 1M", "ASTRA 1N"}
    assert all(len(r["rtn_at_closest_km"]) == 3 and r["asset_id"] == 29055 for r in rows)
    assert svg.read_text().lstrip().startswith("<?xml")
    missing = runner.invoke(app, ["proximity", "--db", db, "--asset", "99999"])
    assert missing.exit_code == 1 and "99999" in missing.output
