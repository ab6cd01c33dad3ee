"""The orbit-path and time filter of primaries-vs-catalog screening.

Its bounds are checked against SGP4 on the whole bundled catalog, and the filtered
screening against the brute-force reference (same pairs, TCA within 10 ms, miss
within 1 m) for primaries of every regime, and against the grid path alone.
"""

from __future__ import annotations

import numpy as np
import pytest
from sgp4.api import SatrecArray

from sda.analyses.screening import pathfilter
from sda.analyses.screening.bruteforce import screen_bruteforce
from sda.analyses.screening.recall import match_events
from sda.analyses.screening.screen import _bands, screen
from sda.core.times import US_PER_DAY, parse_utc_us, us_to_jd_fr
from sda.ingest.tle import iter_tle
from sda.propagation.sgp4 import propagate, satrec_of
from tests.conftest import FULL_CATALOG

START = parse_utc_us("2022-01-22T00:00:00Z")
ISS, STARLINK, NOAA_20, GEO_KOMPSAT_2A, MOLNIYA_3_50 = 25544, 44713, 43013, 43823, 25847


@pytest.fixture(scope="module")
def catalog():
    return [r for r in iter_tle(FULL_CATALOG.open(encoding="ascii"))]


@pytest.fixture(scope="module")
def satrecs(catalog):
    return [satrec_of(s) for s in catalog]


def _check(found, reference, threshold_km):
    report = match_events(found, reference, threshold_km=threshold_km)
    assert report.recall == 1.0, [c.as_dict() for c in report.missed]
    assert report.precision == 1.0, [c.as_dict() for c in report.false]
    assert report.worst_tca_diff_s <= 0.010
    assert report.worst_miss_diff_m <= 1.0


@pytest.mark.parametrize("day", [0, 6])
def test_bounds_hold_on_the_whole_catalog(satrecs, day):
    """Every object of the catalog at 24 random times of the first and of the seventh
    day (the farthest from the epochs): SGP4's radius against the mean ellipse's in its
    direction, and its distance from the mean plane, stay within half of each bound
    (the bounds carry a safety factor of 2)."""
    rng = np.random.default_rng(day)
    start = START + day * US_PER_DAY
    stop = start + US_PER_DAY
    elements = pathfilter.element_table(satrecs)
    times = np.sort(start + rng.integers(0, stop - start, 24))
    err, r, _ = SatrecArray(satrecs).sgp4(*us_to_jd_fr(times))
    radius = np.linalg.norm(r, axis=2)
    radial, plane, drag = pathfilter.path_bounds_km(elements, start, stop, radius)
    rho, out_of_plane = pathfilter.path_residuals_km(elements, r, times)
    apogee = elements[:, 0] * 6378.135 * (1.0 + elements[:, 1])
    covered = (drag <= pathfilter.MAX_DRAG_KM) & (elements[:, 1] < pathfilter.MAX_ECCENTRICITY) \
        & ((elements[:, -1] == 0) | (apogee <= pathfilter.MAX_DEEP_APOGEE_KM))
    ok = (err == 0) & covered[:, None]
    assert ok.sum() > 0.97 * (err == 0).sum()
    assert (rho <= radial[:, None] / pathfilter.BOUND_SAFETY)[ok].all()
    assert (out_of_plane <= plane / pathfilter.BOUND_SAFETY)[ok].all()


def _sample(catalog, primary, n, seed, radius_km=None):
    """The primary and ``n`` random objects whose radius bands overlap its band (or
    ``radius_km`` ± 300 km)."""
    lo, hi = _bands(catalog, 7 * 86400.0)
    p = next(k for k, s in enumerate(catalog) if s.norad_id == primary)
    r_lo, r_hi = (lo[p] - 50.0, hi[p] + 50.0) if radius_km is None else (radius_km - 300.0, radius_km + 300.0)
    near = np.nonzero((lo <= r_hi) & (hi >= r_lo))[0]
    near = near[near != p]
    rng = np.random.default_rng(seed)
    pick = rng.choice(near, min(n, near.size), replace=False)
    return [catalog[p]] + [catalog[k] for k in sorted(pick)]


@pytest.mark.slow
@pytest.mark.parametrize("primary", [ISS, STARLINK, NOAA_20, GEO_KOMPSAT_2A])
def test_primaries_of_every_regime_match_bruteforce(catalog, primary):
    """1,500 objects crossing the primary's radius band, 3 hours, 50 km: the filtered
    screening finds exactly what the brute force finds (GEO: the filter leaves every
    deep-space secondary to the grid path)."""
    sample = _sample(catalog, primary, 1500, seed=primary)
    kwargs = dict(start_us=START, window_s=3 * 3600.0, threshold_km=50.0, primaries=[primary])
    reference = screen_bruteforce(sample, **kwargs)
    found = screen(sample, **kwargs)
    assert len(reference) >= (1 if primary == GEO_KOMPSAT_2A else 2)
    _check(found, reference, 50.0)


@pytest.mark.slow
def test_molniya_perigee_pass_matches_bruteforce(catalog):
    """Molniya 3-50 (e = 0.74) through its perigee (6,825 km) at 10 km/s among 1,500
    objects crossing that radius, 3 hours, 400 km (encounters are rare at perigee)."""
    molniya = next(s for s in catalog if s.norad_id == MOLNIYA_3_50)
    times = START + np.arange(0, 13 * 3600, 60, dtype=np.int64) * 1_000_000
    radius = np.linalg.norm(propagate([molniya], times).position_km[0], axis=1)
    sample = _sample(catalog, MOLNIYA_3_50, 1500, seed=1, radius_km=float(radius.min()))
    kwargs = dict(start_us=int(times[np.argmin(radius)]) - 5400 * 1_000_000, window_s=3 * 3600.0,
                  threshold_km=400.0, primaries=[MOLNIYA_3_50])
    reference = screen_bruteforce(sample, **kwargs)
    found = screen(sample, **kwargs)
    assert len(reference) >= 2
    _check(found, reference, 400.0)


@pytest.mark.slow
def test_iss_matches_the_grid_path_over_a_day(catalog):
    """The ISS against the whole catalog for 24 hours, 20 km: the same conjunctions as
    the grid path without the filter."""
    kwargs = dict(start_us=START, window_s=86400.0, threshold_km=20.0, primaries=[ISS])
    filtered = screen(catalog, **kwargs)
    grid = screen(catalog, path_filter=False, **kwargs)
    assert len(grid) >= 10
    _check(filtered, grid, 20.0)


def test_coplanar_secondaries_fall_back_to_the_grid(catalog, satrecs):
    """Objects in the ISS's plane (released from it) are left to the grid path; a
    Starlink is screened by the filter."""
    index = {s.norad_id: k for k, s in enumerate(catalog)}
    iss = index[ISS]
    coplanar = [k for k, s in enumerate(catalog) if k != iss and abs(s.inclination_deg - 51.64) < 0.05
                and abs(s.raan_deg - catalog[iss].raan_deg) < 1.0 and s.mean_motion_rev_day > 15.3][:5]
    assert coplanar
    secondaries = np.array(sorted(coplanar + [index[STARLINK]]))
    _, rest = pathfilter.screen_on_paths(satrecs, np.array([iss]), secondaries, START, START + 3_600_000_000,
                                         5.0, (START, START + 3_600_000_000), 480.0)
    assert sorted(rest) == sorted(coplanar)
