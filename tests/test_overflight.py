"""Overflights: area geometry, the Sun, geodetic nadir, the interpolated track against SGP4, and passes
checked against skyfield (LEO and GEO, short passes, passes under way at the window's ends)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from sgp4.api import WGS72, Satrec
from skyfield.api import EarthSatellite, wgs84
from typer.testing import CliRunner

from sda.analyses.overflight.aoi import AreaOfInterest, areas_from_geojson, load_areas, off_nadir_rad, reach_rad
from sda.analyses.overflight.geometry import COL_A, COL_B, COL_N
from sda.analyses.overflight.job import overflight_job
from sda.analyses.overflight.passes import DEFAULT_STEP_S, _step_classes, find_passes
from sda.analyses.overflight.reference import skyfield_margin, skyfield_nadirs, skyfield_passes
from sda.analyses.overflight.track import earth_fixed_nodes, nadir, position, step_nodes
from sda.core.frames import teme_to_itrs, timescale
from sda.core.geodesy import ellipsoid_radius_km, geodetic_of, unit_vector
from sda.core.sun import sun_direction_itrs
from sda.core.times import parse_utc_us
from sda.errors import ParseError
from sda.ingest.pipeline import ingest_file
from sda.interfaces.cli.main import app
from sda.propagation.sgp4 import propagate

START = "2020-10-16T00:00:00Z"
#: Entry and exit against the references: the Hermite track is within metres of SGP4 (about 1 ms).
ENTRY_EXIT_TOLERANCE_S = 0.02
KOREA = AreaOfInterest("Korea", (np.array([[124.5, 33.0], [130.0, 33.0], [130.0, 38.7], [124.5, 38.7]]),),
                       max_off_nadir_deg=30.0)
# concave ("L"-shaped) with a hole, nadir only, below 1,000 km
FRANCE_L = AreaOfInterest("L", (np.array([[-2.0, 43.0], [6.0, 43.0], [6.0, 46.0], [1.0, 46.0], [1.0, 51.0],
                                          [-2.0, 51.0]]),
                                np.array([[2.0, 44.0], [4.0, 44.0], [4.0, 45.0], [2.0, 45.0]])),
                          max_off_nadir_deg=0.0, max_altitude_km=1000.0)
WIDE = AreaOfInterest("Wide", (np.array([[-100.0, 20.0], [-80.0, 20.0], [-80.0, 40.0], [-100.0, 40.0]]),),
                      max_off_nadir_deg=45.0)


def test_reach_and_off_nadir_are_inverse():
    k = np.array([1.03, 1.08, 1.2, 6.6])
    for eta in (0.0, 10.0, 30.0, 45.0):
        lam = reach_rad(math.radians(eta), k)
        below_horizon = k * math.sin(math.radians(eta)) < 1.0
        assert np.allclose(np.degrees(off_nadir_rad(lam, k))[below_horizon], eta, atol=1e-9)
    # past the limb the reach is the horizon: the ground point's elevation is 0
    assert reach_rad(math.radians(60.0), np.array([6.6]))[0] == pytest.approx(math.acos(1 / 6.6), abs=1e-12)


@pytest.mark.parametrize("area", [KOREA, FRANCE_L], ids=["convex", "concave-with-hole"])
def test_signed_distance_against_arc_minimisation(area):
    """Distance to the boundary: the smallest, over every edge, of the angle to the nearest point of
    the arc found by bounded scalar minimisation along the arc (an independent computation)."""
    from scipy.optimize import minimize_scalar

    rng = np.random.default_rng(5)
    c_lat, c_lon = math.asin(area.center[2]), math.atan2(area.center[1], area.center[0])
    pts = unit_vector(c_lat + rng.uniform(-0.12, 0.12, 60), c_lon + rng.uniform(-0.15, 0.15, 60))

    def angle_to_arc(p, a, b):
        omega = math.acos(float(np.clip(a @ b, -1, 1)))

        def f(t):
            q = (math.sin((1 - t) * omega) * a + math.sin(t * omega) * b) / math.sin(omega)
            return 2 * math.asin(min(1.0, float(np.linalg.norm(p - q)) / 2))

        return minimize_scalar(f, bounds=(0.0, 1.0), method="bounded", options={"xatol": 1e-10}).fun

    brute = np.array([min(angle_to_arc(p, a, b) for a, b in zip(area.edges[:, COL_A:COL_A + 3], area.edges[:, COL_B:COL_B + 3])) for p in pts])
    mine = area.signed_distance_rad(pts)
    assert np.allclose(np.abs(mine), brute, atol=1e-9)  # 6 mm
    nearest = area.nearest_point(pts)
    outside = mine > 0
    assert outside.any() and (~outside).any()
    assert np.allclose(2 * np.arcsin(np.linalg.norm(nearest[outside] - pts[outside], axis=1) / 2), mine[outside],
                       atol=1e-12)


def test_inside_test_against_edge_planes():
    """A convex area holds exactly the points on the inner side of every edge's great circle."""
    rng = np.random.default_rng(6)
    pts = unit_vector(np.radians(rng.uniform(30, 42, 2000)), np.radians(rng.uniform(122, 133, 2000)))
    inner = np.all(pts @ KOREA.edges[:, COL_N:COL_N + 3].T > 0, axis=1)  # counter-clockwise ring: interior on the left
    assert inner.any() and (~inner).any()
    assert np.array_equal(KOREA.contains(pts), inner)


def test_geodetic_nadir_matches_skyfield():
    rng = np.random.default_rng(2)
    for h_km in (0.0, 500.0, 35786.0):
        lat, lon = rng.uniform(-89, 89, 20), rng.uniform(-180, 180, 20)
        pos = np.array([wgs84.latlon(a, b, elevation_m=h_km * 1000).itrs_xyz.km for a, b in zip(lat, lon)])
        glat, glon, gh = geodetic_of(pos)
        assert np.allclose(np.degrees(glat), lat, atol=1e-10) and np.allclose(np.degrees(glon), lon, atol=1e-10)
        assert np.allclose(gh, h_km, atol=1e-9)


@pytest.mark.parametrize("when,decl_deg,subsolar_lon_deg", [
    ("2020-03-20T03:49:36Z", 0.0, None),          # March equinox (USNO)
    ("2021-06-21T03:32:00Z", 23.4365, None),      # June solstice: declination = obliquity of date
    ("2021-02-11T12:00:00Z", None, 3.554),         # equation of time −14 min 13 s: Sun 3.554° east at 12:00 UT
])
def test_sun_low_precision_formula(when, decl_deg, subsolar_lon_deg):
    s = sun_direction_itrs([parse_utc_us(when)])[0]
    if decl_deg is not None:
        assert math.degrees(math.asin(s[2])) == pytest.approx(decl_deg, abs=0.01)
    if subsolar_lon_deg is not None:
        assert math.degrees(math.atan2(s[1], s[0])) == pytest.approx(subsolar_lon_deg, abs=0.01)


def test_geojson_errors_name_the_element(tmp_path):
    open_ring = {"type": "Feature", "properties": {"name": "x"},
                 "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1]]]}}
    with pytest.raises(ParseError) as e:
        areas_from_geojson({"type": "FeatureCollection", "features": [open_ring]}, "a.geojson")
    assert "a.geojson" in str(e.value) and "features[0].geometry.coordinates[0][0]" in str(e.value)
    assert "closed ring" in str(e.value)
    bad_limit = {**open_ring, "properties": {"max_off_nadir_deg": "wide"},
                 "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}}
    with pytest.raises(ParseError, match=r"properties\.max_off_nadir_deg: expected a number, found 'wide'"):
        areas_from_geojson(bad_limit, "b.geojson")
    path = tmp_path / "c.geojson"
    path.write_text('{"type": "Feature",\n "geometry": }')
    with pytest.raises(ParseError, match=r"c.geojson, line 2"):
        load_areas(path)


def _tles(shared_data, group: str, ids: set[int]) -> dict[int, tuple[str, str]]:
    lines = (shared_data / "tle" / "groups" / "celestrak_2020-10-16" / group).read_text().splitlines()
    out = {}
    for i, line in enumerate(lines):
        if line.startswith("1 ") and int(line[2:7]) in ids:
            out[int(line[2:7])] = (line, lines[i + 1])
    return out


@pytest.mark.slow
def test_passes_match_skyfield_reference(shared_data):
    """Same passes as skyfield's propagation + geodetic nadir + bisection on a 10 s grid, entry and
    exit within 20 ms; passes the 10 s grid can miss are shorter than 10 s and confirmed by skyfield."""
    tles = {**_tles(shared_data, "stations.txt", {25544}), **_tles(shared_data, "weather.txt", {33591})}  # ISS, NOAA 19
    ids = sorted(tles)
    start = parse_utc_us(START)
    window = 86400.0
    areas = [KOREA, FRANCE_L, WIDE]
    passes = find_passes([Satrec.twoline2rv(*tles[i], WGS72) for i in ids], areas, start, window)
    n_ref = 0
    for si, sid in enumerate(ids):
        for ai, (area, ref) in enumerate(zip(areas, skyfield_passes(*tles[sid], areas, start, window))):
            mine = [p for p in passes if p.index == si and p.area_index == ai]
            n_ref += len(ref)
            unmatched = list(mine)
            for t0, t1 in ref:
                match = [p for p in unmatched if abs((p.entry_us - start) / 1e6 - t0) < ENTRY_EXIT_TOLERANCE_S
                         and abs((p.exit_us - start) / 1e6 - t1) < ENTRY_EXIT_TOLERANCE_S]
                assert match, f"{sid} over {area.name}: reference pass {t0:.3f}-{t1:.3f} s not found"
                unmatched.remove(match[0])
            sat = EarthSatellite(*tles[sid], ts=timescale())
            for p in unmatched:
                assert p.duration_s < 10.0
                mid = ((p.entry_us + p.exit_us) / 2 - start) / 1e6
                assert skyfield_margin(sat, area, start, mid)[0] < 0
            for p in mine:
                assert 0.0 <= p.min_off_nadir_deg <= area.max_off_nadir_deg + 1e-6
                assert -90 <= p.sun_elevation_deg <= 90
                # the minimum off-nadir angle agrees with skyfield's nadir sampled every second
                t_s = np.arange(p.entry_us - start, p.exit_us - start + 1, 1_000_000) / 1e6
                u, k, _ = skyfield_nadirs(sat, start, t_s)
                dense = np.degrees(off_nadir_rad(area.signed_distance_rad(u), k)).min()
                assert p.min_off_nadir_deg == pytest.approx(dense, abs=0.01)
    assert n_ref >= 10  # the sample holds real passes


def test_overflight_job_stores_marked_warnings(store, shared_data):
    marking = '{"releasable_to":["KOR","USA"]}'
    ingest_file(store, shared_data / "tle" / "groups" / "celestrak_2020-10-16" / "stations.txt", source="test",
                marking=marking)
    result = overflight_job(store, [WIDE], start_us=parse_utc_us(START), window_s=86400.0, norad_ids=[25544])
    assert result.passes and len(result.stored) == len(result.passes)
    w = store.warnings(kind="OVERFLIGHT", norad_id=25544)
    assert len(w) == len(result.passes)
    assert all(json.loads(x.marking) == json.loads(marking) for x in w)
    assert {x.evidence["area"] for x in w} == {"Wide"}
    assert all(x.window_start_us <= x.time_us <= x.window_stop_us for x in w)
    again = overflight_job(store, [WIDE], start_us=parse_utc_us(START), window_s=86400.0, norad_ids=[25544])
    assert again.stored == []  # the same detections are stored once


def test_cli_overflights_json_and_plot(tmp_path, shared_data):
    db = f"sqlite:///{tmp_path / 'c.db'}"
    runner = CliRunner()
    tle = shared_data / "tle" / "groups" / "celestrak_2020-10-16" / "stations.txt"
    assert runner.invoke(app, ["ingest", "--db", db, str(tle)]).exit_code == 0
    aoi = tmp_path / "aoi.geojson"
    aoi.write_text(json.dumps({"type": "Feature", "properties": {"name": "Wide", "max_off_nadir_deg": 45},
                               "geometry": {"type": "Polygon", "coordinates": [
                                   [[-100, 20], [-80, 20], [-80, 40], [-100, 40], [-100, 20]]]}}))
    png = tmp_path / "tracks.png"
    res = runner.invoke(app, ["overflights", "--db", db, "--aoi", str(aoi), "--norad-id", "25544", "--start", START,
                              "--window", "24h", "--json", "--plot", str(png)])
    assert res.exit_code == 0, res.output
    rows = json.loads(res.stdout)
    assert rows and all(r["norad_id"] == 25544 and r["area"] == "Wide" for r in rows)
    assert {"entry", "exit", "min_off_nadir_deg", "sunlit", "sun_elevation_deg"} <= set(rows[0])
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    aoi.write_text("{")
    bad = runner.invoke(app, ["overflights", "--db", db, "--aoi", str(aoi), "--norad-id", "25544"])
    assert bad.exit_code == 1 and "aoi.geojson" in bad.output


# NOAA 15, FORMOSAT-3 FM6, METOP-B, CYGFM02 (LEO, 35° inclination); HIMAWARI-8, FENGYUN 2H (GEO)
WEATHER = {25991, 29048, 39260, 41887, 40367, 43689}
LEO = {25991, 29048, 39260, 41887}


@pytest.fixture(scope="module")
def weather(shared_data) -> dict[int, tuple[str, str]]:
    tles = _tles(shared_data, "weather.txt", WEATHER)
    assert set(tles) == WEATHER
    return tles


def test_track_matches_sgp4(weather):
    """Quintic Hermite positions between the nodes of each satellite's step class against SGP4 +
    the same TEME → Earth-fixed rotation at 400 random times over a day: within 30 m in LEO and
    100 m in GEO (SGP4's own position, not an approximation of it, is the truth here); the
    nadir of a position is the geodetic point of :func:`geodetic_of` with the height in ``k``."""
    ids = sorted(weather)
    sats = [Satrec.twoline2rv(*weather[i], WGS72) for i in ids]
    start = parse_utc_us(START)
    rng = np.random.default_rng(3)
    t = np.sort(rng.uniform(0.0, 86400.0, 400))
    epochs = start + np.round(t * 1e6).astype(np.int64)
    res = propagate(sats, epochs)
    truth, _ = teme_to_itrs(res.position_km, res.velocity_km_s, epochs)
    for step, members in _step_classes(sats, DEFAULT_STEP_S).items():
        nodes = step_nodes(86400.0, step)
        r, v, a = earth_fixed_nodes([sats[i] for i in members], start + np.round(nodes * 1e6).astype(np.int64))
        for row, i in enumerate(members):
            mine = np.array([position(r, v, a, row, x, nodes[1] - nodes[0]) for x in (epochs - start) / 1e6])
            err_m = np.linalg.norm(mine - truth[i], axis=1).max() * 1000.0
            assert err_m < (30.0 if ids[i] in LEO else 100.0), (ids[i], step, err_m)
    lat, lon, h = geodetic_of(truth[0])
    for p, la, lo, hh in zip(truth[0][:20], lat, lon, h):
        ux, uy, uz, k, height = nadir(*p)
        assert np.degrees(np.arcsin(uz)) == pytest.approx(np.degrees(la), abs=1e-9)
        assert np.degrees(np.arctan2(uy, ux)) == pytest.approx(np.degrees(lo), abs=1e-9)
        assert height == pytest.approx(hh, abs=1e-6) and k == pytest.approx(1 + hh / ellipsoid_radius_km(la), rel=1e-12)


@pytest.mark.slow
def test_weather_satellites_match_skyfield_on_a_fine_grid(weather):
    """Six weather satellites, LEO and GEO, over three areas for 12 hours, against skyfield's SGP4,
    frames and geodesy bisected on a 2 s grid: every reference pass found with entry and exit within
    20 ms (a GEO satellite seeing an area all the time: one pass from the window's start to its end),
    and any further pass shorter than 2 s and confirmed by skyfield at its middle."""
    ids = sorted(weather)
    start = parse_utc_us(START)
    window = 43200.0
    areas = [KOREA, FRANCE_L, WIDE]
    passes = find_passes([Satrec.twoline2rv(*weather[i], WGS72) for i in ids], areas, start, window)
    n_ref, whole_window = 0, 0
    for si, sid in enumerate(ids):
        sat = EarthSatellite(*weather[sid], ts=timescale())
        for ai, ref in enumerate(skyfield_passes(*weather[sid], areas, start, window, step_s=2.0)):
            mine = [p for p in passes if p.index == si and p.area_index == ai]
            n_ref += len(ref)
            for t0, t1 in ref:
                match = [p for p in mine if abs((p.entry_us - start) / 1e6 - t0) < ENTRY_EXIT_TOLERANCE_S
                         and abs((p.exit_us - start) / 1e6 - t1) < ENTRY_EXIT_TOLERANCE_S]
                assert len(match) == 1, f"{sid} over {areas[ai].name}: reference pass {t0:.3f}-{t1:.3f} s"
                mine.remove(match[0])
                whole_window += match[0].starts_before and match[0].ends_after
            for p in mine:
                mid = ((p.entry_us + p.exit_us) / 2 - start) / 1e6
                assert p.duration_s < 2.0 and skyfield_margin(sat, areas[ai], start, mid)[0] < 0
    assert n_ref >= 15 and whole_window >= 1  # the sample holds real passes of both kinds


@pytest.mark.slow
def test_eccentric_and_deep_space_orbits_match_skyfield(shared_data):
    """Objects of the 2022-01-22 catalog whose tracks stress the search: THORAD DELTA 1 R/B(2)
    (e = 0.72, its reach in Korea's 30° limit passes the horizon cusp, where the reach changes
    fastest) and the three SL-4 R/B stages (deep space; one, e = 0.67, with SGP4 velocities
    inconsistent with its positions, so the track's derivatives come from differences of
    positions), for a day against skyfield on a 10 s grid: every reference pass found, entry and
    exit within 0.1 s (a high, slow nadir turns the Hermite track's metres into tens of
    milliseconds: 63 ms at worst here)."""
    lines = (shared_data / "tle" / "catalog" / "spacetrack_full_catalog_3le_2022-01-22.txt").read_text().splitlines()
    wanted = ("0 THORAD DELTA 1 R/B(2)", "0 SL-4 R/B")
    tles = [(lines[i + 1], lines[i + 2]) for i, line in enumerate(lines) if line.strip() in wanted]
    assert len(tles) == 4
    start = parse_utc_us("2022-01-22T00:00:00Z")
    passes = find_passes([Satrec.twoline2rv(*t, WGS72) for t in tles], [KOREA], start, 86400.0)
    n_ref = 0
    for si, tle in enumerate(tles):
        for t0, t1 in skyfield_passes(*tle, [KOREA], start, 86400.0)[0]:
            n_ref += 1
            assert any(abs((p.entry_us - start) / 1e6 - t0) < 0.1 and abs((p.exit_us - start) / 1e6 - t1) < 0.1
                       for p in passes if p.index == si), (si, t0, t1)
    assert n_ref >= 10
