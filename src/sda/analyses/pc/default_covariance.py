"""Default (assumed) covariance of an element set that carries none: ``FLOHRER-2008``.

TLE and OMM element sets have no covariance. To compute a probability of collision from
them SDA assumes one, from published studies of TLE accuracy, and labels every result
that uses it ``covariance_assumed=True``.

**At the element set's epoch** — the standard deviations of the radial (U),
along-track (V) and cross-track (W) position errors that T. Flohrer, H. Krag and
H. Klinkrad found for the whole US SSN catalogue of 2008-01-01 by comparing TLE states
with orbits fitted to them ("Assessment and Categorization of TLE Orbit Errors for the
US SSN Catalogue", AMOS Technical Conference, 2008,
https://amostech.com/TechnicalPapers/2008/Orbital_Debris/Flohrer.pdf):

* **Table 2** (:data:`TABLE2_M`), by eccentricity (below / at or above 0.1), perigee
  height (below 800 km, 800 to 25 000 km, above 25 000 km) and inclination (below 30°,
  30 to 60°, above 60°). The low-perigee rows are the LEO bands.
* **Table 1** (:data:`TABLE1_M`), the average per orbit regime (LEO, MEO, GTO, HEO,
  GEO), used where Table 2 has no entry (circular orbits above 25 000 km inclined more
  than 30°, eccentric ones inclined more than 60°).

The table values were taken from public transcriptions of the paper's Tables 1 and 2
(the cells checked in ``tests/test_default_covariance.py`` appear identically in more
than one). Approximations made here: the paper's class limits are used with the lower
bound inclusive; its regimes are read as LEO = apogee height below 2 000 km, GEO =
perigee and apogee heights within 2 000 km of the geostationary height (33 786 to
37 786 km), MEO = perigee above 2 000 km and apogee below 33 786 km, GTO = perigee
below 2 000 km and apogee above 33 786 km, HEO = every other orbit. Heights are
above the WGS-72 equatorial radius from the element set's mean motion and
eccentricity (:meth:`~sda.catalog.records.ElementSet.shape`).

**Growth with the time from epoch to TCA** — Flohrer et al. give the error at epoch
only. The along-track standard deviation grows by :data:`ALONG_TRACK_GROWTH_KM_PER_DAY`
(1.5 km per day of |TCA − epoch|, added to the epoch value), the typical growth
J. Levit and W. Marshall measured against laser-ranging orbits ("Improved orbit
predictions using two-line elements", Advances in Space Research 47 (7), 2011,
pp. 1107-1115); T. S. Kelso ("Validation of SGP4 and IS-GPS-200D Against GPS
Precision Ephemerides", AAS 07-127, 2007) found the along-track error dominant. The
radial and cross-track values are held at their epoch values, the growth is taken as
the same before and after the epoch and for every orbit; low orbits under strong drag
and manoeuvring objects can do much worse. These are SDA's approximations.

**Velocity** standard deviations are not in the tables. SDA approximates them from the
position ones and the mean motion ``n`` (rad/s) — the velocity error a position error of
that size carries on the orbit: ``σ_vR = n σ_T``, ``σ_vT = n σ_R``, ``σ_vN = n σ_N``.
All correlations are taken as zero. The short-encounter (2D) Pc methods use only the
position block.
"""

from __future__ import annotations

import math

import numpy as np

from sda.catalog.records import ElementSet
from sda.core.times import US_PER_DAY

__all__ = [
    "MODEL",
    "TABLE1_M",
    "TABLE2_M",
    "ALONG_TRACK_GROWTH_KM_PER_DAY",
    "flohrer_entry",
    "epoch_sigma_rtn_km",
    "sigma_rtn_km",
    "default_covariance_rtn",
]

#: Name of the model, carried with every result that uses it.
MODEL = "FLOHRER-2008"

#: Levit & Marshall (2011): typical growth of the TLE error with the element set's age, km/day.
ALONG_TRACK_GROWTH_KM_PER_DAY = 1.5

#: Flohrer et al. (2008) Table 2: 1-sigma (radial, along-track, cross-track) position error in m,
#: keyed by (eccentricity class, perigee band, inclination band); ``None`` where the table has no entry.
#: Eccentricity: ``"e<0.1"``, ``"e>=0.1"``; perigee height: ``"hp<800"``, ``"800<=hp<25000"``,
#: ``"hp>=25000"`` (km); inclination: ``"i<30"``, ``"30<=i<60"``, ``"i>=60"`` (deg).
TABLE2_M: dict[tuple[str, str, str], tuple[float, float, float] | None] = {
    ("e<0.1", "hp<800", "i<30"): (67.0, 118.0, 75.0),
    ("e<0.1", "hp<800", "30<=i<60"): (107.0, 308.0, 169.0),
    ("e<0.1", "hp<800", "i>=60"): (115.0, 517.0, 137.0),
    ("e<0.1", "800<=hp<25000", "i<30"): (191.0, 256.0, 203.0),
    ("e<0.1", "800<=hp<25000", "30<=i<60"): (71.0, 228.0, 95.0),
    ("e<0.1", "800<=hp<25000", "i>=60"): (91.0, 428.0, 114.0),
    ("e<0.1", "hp>=25000", "i<30"): (357.0, 432.0, 83.0),
    ("e<0.1", "hp>=25000", "30<=i<60"): None,
    ("e<0.1", "hp>=25000", "i>=60"): None,
    ("e>=0.1", "hp<800", "i<30"): (2252.0, 4270.0, 1421.0),
    ("e>=0.1", "hp<800", "30<=i<60"): (629.0, 909.0, 2057.0),
    ("e>=0.1", "hp<800", "i>=60"): (494.0, 814.0, 1337.0),
    ("e>=0.1", "800<=hp<25000", "i<30"): (1748.0, 3119.0, 971.0),
    ("e>=0.1", "800<=hp<25000", "30<=i<60"): (1832.0, 1878.0, 1454.0),
    ("e>=0.1", "800<=hp<25000", "i>=60"): (529.0, 817.0, 1570.0),
    ("e>=0.1", "hp>=25000", "i<30"): (402.0, 418.0, 83.0),
    ("e>=0.1", "hp>=25000", "30<=i<60"): (4712.0, 6223.0, 1208.0),
    ("e>=0.1", "hp>=25000", "i>=60"): None,
}

#: Flohrer et al. (2008) Table 1: average 1-sigma (radial, along-track, cross-track) position error in m per regime.
TABLE1_M: dict[str, tuple[float, float, float]] = {
    "LEO": (102.0, 471.0, 126.0),
    "MEO": (73.0, 131.0, 54.0),
    "GTO": (1960.0, 3897.0, 1808.0),
    "HEO": (824.0, 1367.0, 1059.0),
    "GEO": (359.0, 432.0, 86.0),
}

_GEO_HEIGHT_KM = 35_786.0
_GEO_BAND_KM = 2_000.0
_LEO_APOGEE_KM = 2_000.0


def _regime(perigee_km: float, apogee_km: float) -> str:
    """Flohrer's orbit regime by perigee and apogee height (km), as read in the module docstring."""
    geo_low, geo_high = _GEO_HEIGHT_KM - _GEO_BAND_KM, _GEO_HEIGHT_KM + _GEO_BAND_KM
    if apogee_km < _LEO_APOGEE_KM:
        return "LEO"
    if perigee_km > geo_low and apogee_km < geo_high:
        return "GEO"
    if perigee_km > _LEO_APOGEE_KM and apogee_km < geo_low:
        return "MEO"
    if perigee_km < _LEO_APOGEE_KM and apogee_km > geo_low:
        return "GTO"
    return "HEO"


def flohrer_entry(es: ElementSet) -> tuple[str, tuple[str, ...]]:
    """``(table, key)`` of the element set's entry: ``("Table 2", (e, hp, i))`` or ``("Table 1", (regime,))``."""
    _, _, perigee_km, apogee_km = es.shape()
    ecc = "e<0.1" if es.eccentricity < 0.1 else "e>=0.1"
    band = "hp<800" if perigee_km < 800.0 else ("800<=hp<25000" if perigee_km < 25_000.0 else "hp>=25000")
    inc = "i<30" if es.inclination_deg < 30.0 else ("30<=i<60" if es.inclination_deg < 60.0 else "i>=60")
    key = (ecc, band, inc)
    if TABLE2_M[key] is not None:
        return "Table 2", key
    return "Table 1", (_regime(perigee_km, apogee_km),)


def epoch_sigma_rtn_km(es: ElementSet) -> np.ndarray:
    """(3,) 1-sigma radial, along-track, cross-track position error (km) at the element set's epoch."""
    table, key = flohrer_entry(es)
    values = TABLE2_M[key] if table == "Table 2" else TABLE1_M[key[0]]
    return np.asarray(values, dtype=np.float64) / 1000.0


def sigma_rtn_km(es: ElementSet, tca_us: int) -> np.ndarray:
    """(3,) 1-sigma radial, along-track, cross-track position error (km) at ``tca_us`` (UTC µs)."""
    sigma = epoch_sigma_rtn_km(es)
    age_days = abs(int(tca_us) - int(es.epoch_us)) / US_PER_DAY
    sigma[1] += ALONG_TRACK_GROWTH_KM_PER_DAY * age_days
    return sigma


def default_covariance_rtn(es: ElementSet, tca_us: int) -> np.ndarray:
    """Assumed (6, 6) RTN covariance of an element set's state at ``tca_us`` (model :data:`MODEL`).

    Rows and columns R, T, N, Ṙ, Ṫ, Ṅ; units km², km²/s, km²/s². Diagonal: the position
    variances of :func:`sigma_rtn_km` and the velocity variances of the module
    docstring. A result computed from it must carry ``covariance_assumed=True``.
    """
    sr, st, sn = sigma_rtn_km(es, tca_us)
    n_rad_s = es.mean_motion_rev_day * 2.0 * math.pi / 86_400.0
    sigmas = np.array([sr, st, sn, n_rad_s * st, n_rad_s * sr, n_rad_s * sn])
    return np.diag(sigmas**2)
