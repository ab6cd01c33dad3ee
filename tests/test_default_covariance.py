"""The assumed covariance of element sets (``sda.analyses.pc.default_covariance``, FLOHRER-2008).

Reference values: T. Flohrer, H. Krag, H. Klinkrad, "Assessment and Categorization of
TLE Orbit Errors for the US SSN Catalogue", AMOS 2008, Table 2 (1-sigma radial,
along-track, cross-track position error in m by eccentricity, perigee height and
inclination) and Table 1 (averages per orbit regime); growth 1.5 km/day along track
(Levit & Marshall, Adv. Space Res. 47, 2011). The element sets are real ones from the
2022-01-22 public catalogue in ../shared/data/tle/catalog.
"""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from sda.analyses.pc.default_covariance import (
    ALONG_TRACK_GROWTH_KM_PER_DAY,
    MODEL,
    default_covariance_rtn,
    epoch_sigma_rtn_km,
    flohrer_entry,
    sigma_rtn_km,
)
from sda.core.orbits import EARTH_RADIUS_KM
from sda.core.times import US_PER_DAY
from sda.ingest.tle import iter_tle

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
CATALOG = DATA / "tle" / "catalog" / "spacetrack_full_catalog_3le_2022-01-22.txt"

# Exact: the model returns the table's metres divided by 1000.
TABLE_TOL_KM = 1e-12


@pytest.fixture(scope="module")
def catalog():
    with CATALOG.open() as f:
        return {es.norad_id: es for es in iter_tle(f) if not isinstance(es, Exception)}


# (NORAD ID, object, Flohrer table and class, 1-sigma R, T, N in m as that table gives them)
TABLE_CASES = [
    (25544, "ISS", ("Table 2", ("e<0.1", "hp<800", "30<=i<60")), (107, 308, 169)),
    (39084, "Landsat 8, sun-synchronous", ("Table 2", ("e<0.1", "hp<800", "i>=60")), (115, 517, 137)),
    (36585, "GPS (NAVSTAR 65)", ("Table 2", ("e<0.1", "800<=hp<25000", "30<=i<60")), (71, 228, 95)),
    (858, "SYNCOM 3, geostationary", ("Table 2", ("e<0.1", "hp>=25000", "i<30")), (357, 432, 83)),
    (8601, "MOLNIYA 1-32", ("Table 2", ("e>=0.1", "hp<800", "i>=60")), (494, 814, 1337)),
    (1863, "Titan 3C transtage, GTO", ("Table 2", ("e>=0.1", "hp<800", "i<30")), (2252, 4270, 1421)),
    (36828, "BEIDOU 5, inclined GEO", ("Table 1", ("GEO",)), (359, 432, 86)),
    (37158, "QZS-1, HEO", ("Table 1", ("HEO",)), (824, 1367, 1059)),
]


@pytest.mark.parametrize("norad_id,what,entry,sigma_m", TABLE_CASES, ids=[c[1] for c in TABLE_CASES])
def test_epoch_sigmas_are_flohrers_tables(catalog, norad_id, what, entry, sigma_m):
    es = catalog[norad_id]
    assert flohrer_entry(es) == entry
    np.testing.assert_allclose(epoch_sigma_rtn_km(es), np.array(sigma_m) / 1000.0, rtol=0, atol=TABLE_TOL_KM)
    cov = default_covariance_rtn(es, es.epoch_us)
    np.testing.assert_allclose(np.sqrt(np.diag(cov)[:3]), np.array(sigma_m) / 1000.0, rtol=1e-15, atol=0)


def test_table_1_meo_where_table_2_has_no_entry(catalog):
    # Flohrer's Table 2 has no circular class above 25 000 km inclined beyond 30 deg; a
    # circular 30 000 km orbit at 55 deg (the GPS set raised there) takes Table 1's MEO.
    gps = catalog[36585]
    a_km = EARTH_RADIUS_KM + 30_000.0
    n_rev_day = math.sqrt(398600.8 / a_km**3) * 86400.0 / (2.0 * math.pi)
    raised = replace(gps, mean_motion_rev_day=n_rev_day)
    assert flohrer_entry(raised) == ("Table 1", ("MEO",))
    np.testing.assert_allclose(epoch_sigma_rtn_km(raised), [0.073, 0.131, 0.054], rtol=0, atol=TABLE_TOL_KM)


def test_regimes_differ_as_the_tables_say(catalog):
    # Table 2: along-track of a sun-synchronous LEO (517 m) > GPS (228 m); eccentric LEO-perigee
    # transfer orbits are an order of magnitude worse (4270 m); GEO radial (357 m) > LEO radial.
    sso, gps, geo, gto = (epoch_sigma_rtn_km(catalog[i]) for i in (39084, 36585, 858, 1863))
    assert sso[1] > gps[1] and gto[1] > 8 * sso[1] and geo[0] > 3 * sso[0]
    assert MODEL == "FLOHRER-2008"


@pytest.mark.parametrize("norad_id", [25544, 39084, 858, 1863])
def test_along_track_grows_with_age(catalog, norad_id):
    es = catalog[norad_id]
    epoch_sigma = epoch_sigma_rtn_km(es)
    previous = -1.0
    for days in (0.0, 0.5, 1.0, 3.0, 7.0):
        sigma = sigma_rtn_km(es, es.epoch_us + int(days * US_PER_DAY))
        expected_t = epoch_sigma[1] + ALONG_TRACK_GROWTH_KM_PER_DAY * days  # 1.5 km/day (Levit & Marshall 2011)
        assert sigma[1] == pytest.approx(expected_t, rel=1e-12)
        assert sigma[1] > previous
        previous = sigma[1]
        np.testing.assert_array_equal(sigma[[0, 2]], epoch_sigma[[0, 2]])
        # the same age before the epoch gives the same uncertainty
        before = sigma_rtn_km(es, es.epoch_us - int(days * US_PER_DAY))
        np.testing.assert_allclose(before, sigma, rtol=1e-12)
    cov_0 = default_covariance_rtn(es, es.epoch_us)
    cov_3 = default_covariance_rtn(es, es.epoch_us + 3 * US_PER_DAY)
    assert np.all(np.linalg.eigvalsh(cov_3 - cov_0) >= 0.0)  # older never less uncertain
    assert cov_3[1, 1] > cov_0[1, 1]


def test_velocity_block_from_the_mean_motion(catalog):
    es = catalog[25544]
    cov = default_covariance_rtn(es, es.epoch_us + US_PER_DAY)
    n = es.mean_motion_rev_day * 2 * math.pi / 86400.0
    sr, st, sn = sigma_rtn_km(es, es.epoch_us + US_PER_DAY)
    np.testing.assert_allclose(np.sqrt(np.diag(cov)[3:]), [n * st, n * sr, n * sn], rtol=1e-14)
    np.testing.assert_array_equal(cov - np.diag(np.diag(cov)), 0.0)  # no correlations assumed


def test_positive_definite_across_the_catalogue(catalog):
    # every 100th element set of the catalogue (240), at epoch, a day and ten days old
    sets = list(catalog.values())[::100]
    assert len(sets) > 200
    for es in sets:
        for days in (0.0, 1.0, 10.0):
            cov = default_covariance_rtn(es, es.epoch_us + int(days * US_PER_DAY))
            assert cov.shape == (6, 6)
            np.testing.assert_array_equal(cov, cov.T)
            assert np.linalg.eigvalsh(cov).min() > 0.0
