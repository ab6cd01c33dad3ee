"""Re-entry prediction: the decay model, the fit on synthetic and real histories, ground-track area checks."""

from __future__ import annotations

import gzip
import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from sda.analyses.overflight.aoi import areas_from_geojson
from sda.analyses.reentry.decay import (REENTRY_ALTITUDE_KM, WINDOW_FRACTION, decay_ballistic, decay_path,
                                        decay_rate_km_day, density_kg_m3, lifetime_days, predict_reentry)
from sda.analyses.reentry.groundtrack import area_crossings, ground_track, plot_ground_track
from sda.catalog.records import ElementSet
from sda.core.orbits import EARTH_RADIUS_KM, MU_KM3_S2
from sda.core.times import US_PER_DAY, parse_utc_us
from sda.ingest.tle import iter_tle

BUNDLED = Path(__file__).resolve().parents[1] / "src" / "sda" / "data" / "spacetrack_full_catalog_3le_2022-01-22.txt.gz"
GROUPS = "tle/groups/celestrak_2021-10-02"
#: 3 cos² i = 1: SGP4's Kozai-to-Brouwer mean-motion conversion vanishes, so the synthetic sets'
#: Keplerian mean motion is read back as the same semi-major axis.
_MAGIC_INCLINATION_DEG = float(np.degrees(np.arccos(np.sqrt(1.0 / 3.0))))


def _load(path) -> list[ElementSet]:
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rt") as f:
        return [r for r in iter_tle(f) if isinstance(r, ElementSet)]


@pytest.fixture(scope="module")
def bundled() -> dict[int, ElementSet]:
    return {e.norad_id: e for e in _load(BUNDLED)}


def test_density_table_is_continuous_and_falls():
    """Vallado's layers meet within 25 % at each base altitude and density falls with height."""
    h = np.arange(0.0, 1000.0, 0.5)
    rho = density_kg_m3(h)
    assert np.all(np.diff(rho) < 0)
    assert np.max(np.abs(np.diff(np.log(rho)))) < np.log(1.25)


def test_circular_decay_matches_closed_form():
    """For e = 0, da/dt = -B ρ √(μa): the model's rate equals the formula to 1e-9 relative."""
    a, b = EARTH_RADIUS_KM + 400.0, 0.01
    # √(μ a) in m²/s is √(μ[km³/s²]·a[km])·1e6; da/dt in m/s → km/day
    expected = -b * density_kg_m3(400.0) * np.sqrt(MU_KM3_S2 * a) * 1e6 * 86400.0 / 1000.0
    assert decay_rate_km_day(a, a, b) == pytest.approx(expected, rel=1e-9)


def test_path_forward_and_backward_are_one_curve():
    """Decaying from a1 to a0 takes as long as climbing back from a0 to a1 (to 0.5 %)."""
    a1 = EARTH_RADIUS_KM + 450.0
    down = decay_path([a1], [a1], 0.01, a1 - 60.0, n_steps=400)
    a0 = down.a_km[0, -1]
    up = decay_path([a0], [down.rp_km[0, -1]], 0.01, a1, n_steps=400)
    assert -up.t_days[0, -1] == pytest.approx(down.t_days[0, -1], rel=5e-3)


def _synthetic_history(b_m2_kg: float, h0_km: float, n_sets: int, span_days: float, noise_km: float, rng):
    """Element sets along a known decay (model truth), with Gaussian noise on the semi-major axis."""
    a0 = EARTH_RADIUS_KM + h0_km
    path = decay_path([a0], [a0 * (1 - 0.001)], b_m2_kg, EARTH_RADIUS_KM + 100.0, n_steps=2000)
    t = np.linspace(0.0, span_days, n_sets)
    a, rp = path.at(t)
    a = a[0] + rng.normal(0.0, noise_km, n_sets)
    e = 1.0 - rp[0] / a
    t0 = parse_utc_us("2022-01-01T00:00:00Z")
    sets = []
    for ti, ai, ei in zip(t, a, e):
        n = np.sqrt(MU_KM3_S2 / ai**3) * 86400.0 / (2.0 * np.pi)
        sets.append(ElementSet(norad_id=99001, epoch_us=t0 + int(ti * US_PER_DAY), mean_motion_rev_day=float(n),
                               eccentricity=float(ei), inclination_deg=_MAGIC_INCLINATION_DEG, raan_deg=0.0, arg_perigee_deg=0.0,
                               mean_anomaly_deg=0.0, bstar_per_er=0.0, mean_motion_dot=0.0))
    return sets, path, t[-1]


@pytest.mark.parametrize("b_m2_kg,h0_km", [(0.01, 330.0), (0.02, 380.0)])
def test_history_fit_recovers_known_decay(b_m2_kg, h0_km):
    """A 20-day history (41 sets, 30 m noise) of a known decay: B within 5 %, re-entry within 3 % of the
    remaining lifetime, and the truth inside the window."""
    rng = np.random.default_rng(7)
    sets, path, last_day = _synthetic_history(b_m2_kg, h0_km, 41, 20.0, 0.03, rng)
    hp = path.rp_km[0] - EARTH_RADIUS_KM
    k = np.flatnonzero(hp <= REENTRY_ALTITUDE_KM)[0]
    truth_days = np.interp(REENTRY_ALTITUDE_KM, [hp[k], hp[k - 1]], [path.t_days[0, k], path.t_days[0, k - 1]])
    p = predict_reentry(sets)
    assert p.method == "history" and p.n_element_sets == 41
    assert p.ballistic_m2_kg == pytest.approx(b_m2_kg, rel=0.05)
    remaining = truth_days - last_day
    assert p.lifetime_days == pytest.approx(remaining, rel=0.03)
    truth_us = sets[-1].epoch_us + int(remaining * US_PER_DAY)
    assert p.window_start_us < truth_us < p.window_stop_us


def test_no_decay_no_prediction(bundled):
    """An object whose element set shows no decay (ndot and B* not positive) gets no prediction."""
    iss = bundled[25544]
    assert predict_reentry([replace(iss, mean_motion_dot=0.0, bstar_per_er=0.0)]) is None


def test_real_decaying_objects_are_self_consistent(bundled):
    """Real decaying objects of the bundled catalog (perigee 130-250 km, near-circular): the prediction
    from one element set's ndot reproduces that set's decay rate (to 0.2 %, the Kozai/Brouwer
    difference), every window brackets its own time, and the lifetime grows with the altitude at
    which a given decay rate is seen (rank correlation of lifetime with perigee/rate above 0.8)."""
    low = [e for e in bundled.values()
           if e.mean_motion_dot > 0 and 130 < e.shape()[2] < 250 and e.eccentricity < 0.01]
    assert len(low) >= 20
    preds = [predict_reentry([e]) for e in low]
    for e, p in zip(low, preds):
        a = p.perigee_alt_km + EARTH_RADIUS_KM
        observed = -(2.0 / 3.0) * e.shape()[0] / e.mean_motion_rev_day * 2.0 * e.mean_motion_dot
        assert p.decay_rate_km_day == pytest.approx(observed, rel=2e-3), e.norad_id  # Kozai vs Brouwer a
        assert p.window_start_us < p.time_us < p.window_stop_us
        assert 0 < p.lifetime_days < 60, (e.norad_id, p.lifetime_days)
        assert a > EARTH_RADIUS_KM + REENTRY_ALTITUDE_KM
    from scipy.stats import spearmanr

    life = [p.lifetime_days for p in preds]
    scale = [p.perigee_alt_km / -p.decay_rate_km_day for p in preds]
    assert spearmanr(life, scale).statistic > 0.8


def test_real_survival_from_2021_to_2022(shared_data, bundled):
    """Real outcome check: debris of the 2021-10-02 CelesTrak files predicted (from that one element set)
    to be down before 2022-01-10 must be missing from the 2022-01-22 catalog, and those predicted to
    stay past 2022-02-15 must mostly (≥ 97 %) still be in it."""
    old = [e for name in ("1999-025.txt", "iridium-33-debris.txt", "cosmos-2251-debris.txt")
           for e in _load(shared_data / GROUPS / name)]
    lo, hi = parse_utc_us("2022-01-10T00:00:00Z"), parse_utc_us("2022-02-15T00:00:00Z")
    decaying = [e for e in old if e.mean_motion_dot > 0]  # predict_reentry's "ndot" case, all at once
    a, rp, b = decay_ballistic(decaying)
    life = lifetime_days(a, rp, b)
    epochs = np.array([e.epoch_us for e in decaying])
    start = epochs + (1.0 - WINDOW_FRACTION) * life * US_PER_DAY
    stop = epochs + (1.0 + WINDOW_FRACTION) * life * US_PER_DAY
    present = np.array([e.norad_id in bundled for e in decaying])
    gone, stay = stop < lo, start > hi
    gone_absent, stay_present = int((gone & ~present).sum()), int((stay & present).sum())
    gone, stay = int(gone.sum()), int(stay.sum())
    print(f"\npredicted down before 2022-01-10: {gone}, absent from the 2022 catalog: {gone_absent}; "
          f"predicted up after 2022-02-15: {stay}, present: {stay_present}")
    assert gone >= 5 and gone_absent == gone
    assert stay_present >= 0.97 * stay


def _area(name: str, lon0: float, lat0: float, half_deg: float) -> dict:
    ring = [[lon0 - half_deg, lat0 - half_deg], [lon0 + half_deg, lat0 - half_deg], [lon0 + half_deg, lat0 + half_deg],
            [lon0 - half_deg, lat0 + half_deg], [lon0 - half_deg, lat0 - half_deg]]
    return {"type": "Feature", "properties": {"name": name}, "geometry": {"type": "Polygon", "coordinates": [ring]}}


def test_ground_track_crossing_found_and_not_found(bundled, tmp_path):
    """An area around a point of the track in the window is crossed (at that time, to a step); an
    area poleward of the orbit's inclination is not, nor one the track misses in a short window."""
    es = bundled[49521]  # COSMOS 1408 DEB, perigee 153 km: re-enters within days of its epoch
    p = predict_reentry([es])
    track = ground_track(es, p.epoch_us, p.window_stop_us, step_s=30.0)
    k = len(track.time_us) // 3
    lon0, lat0 = float(track.lon_deg[k]), float(track.lat_deg[k])
    polar_lat = es.inclination_deg + 3.0  # 85.6°: beyond any nadir of an 82.6° orbit
    doc = {"type": "FeatureCollection", "features": [
        _area("on-track", lon0, lat0, 1.0), _area("polar", 0.0, polar_lat, 1.5)]}
    areas = areas_from_geojson(doc)
    found = {c.area: c for c in area_crossings(track, areas)}
    assert set(found) == {"on-track"}
    assert found["on-track"].first_us <= track.time_us[k] <= found["on-track"].last_us
    # a window of 10 minutes away from the on-track time misses the area
    short = ground_track(es, int(track.time_us[k]) + 45 * 60_000_000, int(track.time_us[k]) + 55 * 60_000_000)
    assert area_crossings(short, areas[:1]) == []
    out = plot_ground_track(track, tmp_path / "track.png", areas=areas)
    assert out.read_bytes()[:4] == b"\x89PNG"


def test_reentries_cli_stores_warnings(tmp_path, bundled):
    """``sda reentries --json`` on a store of decaying objects: predictions, REENTRY warnings, area crossings."""
    from typer.testing import CliRunner

    from sda.catalog.store import Store
    from sda.interfaces.cli.main import app

    ids = [49521, 50569, 47420, 25544]
    tle = tmp_path / "decaying.tle"
    tle.write_text("".join(f"0 {bundled[i].name}\n{bundled[i].tle_line1}\n{bundled[i].tle_line2}\n" for i in ids))
    aoi = tmp_path / "world.geojson"
    aoi.write_text(json.dumps({"type": "FeatureCollection", "features": [_area("tropics", 0.0, 0.0, 40.0)]}))
    db = f"sqlite:///{tmp_path / 'c.db'}"
    runner = CliRunner()
    assert runner.invoke(app, ["ingest", str(tle), "--db", db]).exit_code == 0
    res = runner.invoke(app, ["reentries", "--max-days", "10", "--aoi", str(aoi), "--json", "--db", db])
    assert res.exit_code == 0, res.output
    rows = json.loads(res.stdout)
    assert {r["norad_id"] for r in rows} == {49521, 50569, 47420}  # not the ISS
    assert all(r["kind"] == "REENTRY" and r["window_start"] < r["time"] < r["window_stop"] for r in rows)
    assert any(c["area"] == "tropics" for r in rows for c in r["evidence"]["areas_crossed"])
    with Store(db) as st:
        assert len(st.warnings(kind="REENTRY")) == 3
    bad = runner.invoke(app, ["reentries", "--max-days", "-1", "--db", db])
    assert bad.exit_code == 1
