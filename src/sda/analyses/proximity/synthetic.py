"""Synthetic approaches with known truth, to measure the proximity detector.

Relative motion near a circular orbit is written with relative orbital elements (ROE,
S. D'Amico, "Autonomous formation flying in low Earth orbit", TU Delft 2010, ch. 2),
the element form of the Clohessy–Wiltshire solution. For a chaser and an asset of
mean elements ``(a, e, i, Ω, ω, M)``, with ``u = ω + M``:

* ``δa = (a_c − a)/a``, ``δλ = (u_c − u) + (Ω_c − Ω) cos i``,
* ``δe = e_c (cos ω_c, sin ω_c) − e (cos ω, sin ω)``, ``δi = (i_c − i, (Ω_c − Ω) sin i)``;

and the chaser's position in the asset's RTN frame is, to first order (km),

* ``R = a [δa − δe_x cos u − δe_y sin u]``,
* ``T = a [δλ₀ − 3/2 n δa t + 2 δe_x sin u − 2 δe_y cos u]``,
* ``N = a [δi_x sin u − δi_y cos u]``.

A two-impulse transfer (drift-and-stop) is two element sets of the chaser: a drift
``δa ≠ 0`` from the window start, then ``δa = 0`` from the stop time, at the along-track
offset reached. Its element sets are made from the asset's by adding the ROE; the
asset's mean elements at the stop time come from SGP4's own secular rates
(``Satrec.mdot``, ``argpdot``, ``nodedot``), so both are consistent with what SGP4
propagates. The truth of a case is the minimum of the first-order range over the
window, sampled every 10 s, and whether the relative motion is slow; crossing orbits
(planes 8-40° apart) are fast by construction.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from sda.catalog.records import ElementSet
from sda.core.orbits import semi_major_axis_km
from sda.core.times import US_PER_S
from sda.propagation.sgp4 import satrec_of

__all__ = ["Roe", "SyntheticCase", "roe_rtn_km", "with_roe", "advance", "generate_cases", "KINDS"]

#: Positive (an approach) and negative kinds of case.
KINDS = {
    "leo-hold": True, "leo-drift-in": True, "leo-two-impulse": True, "geo-co-located": True,
    "geo-drift-and-stop": True,
    "leo-distant-hold": False, "leo-crossing": False, "geo-neighbour": False, "geo-drift-by-far": False,
}
_TRUTH_STEP_S = 10.0


@dataclass(frozen=True)
class Roe:
    """Relative orbital elements (dimensionless; angles in radians)."""

    da: float = 0.0
    dlambda: float = 0.0
    dex: float = 0.0
    dey: float = 0.0
    dix: float = 0.0
    diy: float = 0.0


@dataclass(frozen=True)
class SyntheticCase:
    """One scenario: the asset's and the intruder's element sets (sorted by epoch), whether it is
    an approach by construction (``truth``), and the first-order minimum range (km) over the window."""

    kind: str
    asset: list[ElementSet]
    intruder: list[ElementSet]
    truth: bool
    truth_min_range_km: float


def advance(es: ElementSet, dt_s: float) -> ElementSet:
    """The mean elements of ``es`` ``dt_s`` seconds later under SGP4's secular rates (no drag)."""
    sat = satrec_of(es)
    minutes = dt_s / 60.0
    return replace(es, epoch_us=es.epoch_us + round(dt_s * US_PER_S),
                   mean_anomaly_deg=(es.mean_anomaly_deg + math.degrees(sat.mdot * minutes)) % 360.0,
                   arg_perigee_deg=(es.arg_perigee_deg + math.degrees(sat.argpdot * minutes)) % 360.0,
                   raan_deg=(es.raan_deg + math.degrees(sat.nodedot * minutes)) % 360.0,
                   tle_line1=None, tle_line2=None)


def with_roe(asset: ElementSet, roe: Roe, norad_id: int) -> ElementSet:
    """The chaser's mean elements: ``asset``'s plus ``roe``, at the asset's epoch."""
    i = math.radians(asset.inclination_deg)
    w = math.radians(asset.arg_perigee_deg)
    ex, ey = asset.eccentricity * math.cos(w) + roe.dex, asset.eccentricity * math.sin(w) + roe.dey
    d_raan = roe.diy / math.sin(i) if roe.diy else 0.0
    w_c = math.atan2(ey, ex)
    u_c = math.radians(asset.arg_perigee_deg + asset.mean_anomaly_deg) + roe.dlambda - d_raan * math.cos(i)
    return replace(asset, norad_id=norad_id, name=f"CHASER {norad_id}",
                   mean_motion_rev_day=asset.mean_motion_rev_day * (1.0 + roe.da) ** -1.5,
                   eccentricity=math.hypot(ex, ey), inclination_deg=asset.inclination_deg + math.degrees(roe.dix),
                   raan_deg=(asset.raan_deg + math.degrees(d_raan)) % 360.0, arg_perigee_deg=math.degrees(w_c) % 360.0,
                   mean_anomaly_deg=math.degrees(u_c - w_c) % 360.0, tle_line1=None, tle_line2=None)


def roe_rtn_km(asset: ElementSet, roe: Roe, t_s: np.ndarray) -> np.ndarray:
    """First-order chaser position (km) in the asset's RTN frame at ``t_s`` ``(n,)`` seconds after
    the asset's epoch, ``(n, 3)``."""
    a = semi_major_axis_km(asset.mean_motion_rev_day)
    n = asset.mean_motion_rev_day * 2.0 * math.pi / 86400.0
    u = math.radians(asset.arg_perigee_deg + asset.mean_anomaly_deg) + n * t_s
    radial = roe.da - roe.dex * np.cos(u) - roe.dey * np.sin(u)
    along = roe.dlambda - 1.5 * n * roe.da * t_s + 2.0 * roe.dex * np.sin(u) - 2.0 * roe.dey * np.cos(u)
    normal = roe.dix * np.sin(u) - roe.diy * np.cos(u)
    return a * np.stack((radial, along, normal), axis=-1)


def _asset(rng: np.random.Generator, regime: str, start_us: int, norad_id: int) -> ElementSet:
    if regime == "LEO":
        mm, ecc, inc = rng.uniform(14.8, 15.4), rng.uniform(1e-4, 1e-3), rng.uniform(45.0, 98.0)
    else:
        mm, ecc, inc = 1.0027, rng.uniform(1e-4, 4e-4), rng.uniform(0.01, 0.1)
    return ElementSet(norad_id=norad_id, epoch_us=start_us, mean_motion_rev_day=mm, eccentricity=ecc,
                      inclination_deg=inc, raan_deg=rng.uniform(0, 360), arg_perigee_deg=rng.uniform(0, 360),
                      mean_anomaly_deg=rng.uniform(0, 360), name=f"ASSET {norad_id}", object_type="PAYLOAD")


def _phase(rng: np.random.Generator, amplitude: float) -> tuple[float, float]:
    angle = rng.uniform(0, 2 * math.pi)
    return amplitude * math.cos(angle), amplitude * math.sin(angle)


def _min_range(asset: ElementSet, pieces: list[tuple[float, float, Roe]], window_s: float) -> float:
    """Smallest first-order range (km) over the window of a piecewise ROE history
    ``(from_s, to_s, roe)`` with ``roe.dlambda`` the along-track angle at the asset's epoch."""
    t = np.arange(0.0, window_s + _TRUTH_STEP_S, _TRUTH_STEP_S)
    best = math.inf
    for t0, t1, roe in pieces:
        seg = t[(t >= t0) & (t <= t1)]
        if len(seg):
            best = min(best, float(np.min(np.linalg.norm(roe_rtn_km(asset, roe, seg), axis=1))))
    return best


def _drift_and_stop(rng, asset: ElementSet, a_km: float, window_s: float, range_km: float, start_range: tuple,
                    norad_id: int) -> tuple[list[ElementSet], list[tuple[float, float, Roe]]]:
    """Drift from an along-track offset in ``start_range`` (multiples of ``range_km``) to a hold point
    at 0.2-0.5 ``range_km`` reached at 30-70 % of the window; two element sets."""
    n = asset.mean_motion_rev_day * 2.0 * math.pi / 86400.0
    sign = rng.choice([-1.0, 1.0])
    start_along = sign * rng.uniform(*start_range) * range_km / a_km
    hold = sign * rng.uniform(0.2, 0.5) * range_km / a_km
    t_stop = rng.uniform(0.3, 0.7) * window_s
    da = (start_along - hold) / (1.5 * n * t_stop)
    ex, ey = _phase(rng, rng.uniform(0.0, 0.1) * range_km / a_km)
    drift = Roe(da=da, dlambda=start_along, dex=ex, dey=ey)
    stop_asset = advance(asset, t_stop)
    held = Roe(dlambda=hold, dex=ex, dey=ey)
    # with δa = 0 the ROE stay constant, so the hold reads the same about the asset's first epoch
    return [with_roe(asset, drift, norad_id), with_roe(stop_asset, held, norad_id)], \
        [(0.0, t_stop, drift), (t_stop, window_s, held)]


def _case(kind: str, rng: np.random.Generator, start_us: int, window_s: float, range_km: float,
          asset_id: int, intruder_id: int) -> SyntheticCase:
    regime = "LEO" if kind.startswith("leo") else "GEO"
    asset = _asset(rng, regime, start_us, asset_id)
    a_km = semi_major_axis_km(asset.mean_motion_rev_day)
    n = asset.mean_motion_rev_day * 2.0 * math.pi / 86400.0
    d = range_km / a_km  # the range limit as an angle
    small = lambda: _phase(rng, rng.uniform(0.0, 0.2) * d)  # noqa: E731 - a relative e or i vector
    if kind in ("leo-hold", "geo-co-located"):
        (ex, ey), (ix, _) = small(), small()
        roe = Roe(dlambda=rng.uniform(-0.5, 0.5) * d, dex=ex, dey=ey, dix=ix)
        sets, pieces = [with_roe(asset, roe, intruder_id)], [(0.0, window_s, roe)]
    elif kind in ("leo-distant-hold", "geo-neighbour"):
        (ex, ey), (ix, _) = small(), small()
        roe = Roe(dlambda=rng.choice([-1, 1]) * rng.uniform(2.5, 6.0) * d, dex=ex, dey=ey, dix=ix)
        sets, pieces = [with_roe(asset, roe, intruder_id)], [(0.0, window_s, roe)]
    elif kind == "leo-drift-in":
        t_c = rng.uniform(0.3, 0.8) * window_s
        da = rng.choice([-1, 1]) * rng.uniform(0.05, 0.3) / a_km
        ex, ey = small()
        roe = Roe(da=da, dlambda=1.5 * n * da * t_c, dex=ex, dey=ey)
        sets, pieces = [with_roe(asset, roe, intruder_id)], [(0.0, window_s, roe)]
    elif kind in ("leo-two-impulse", "geo-drift-and-stop"):
        sets, pieces = _drift_and_stop(rng, asset, a_km, window_s, range_km,
                                       (3.0, 8.0) if regime == "LEO" else (5.0, 15.0), intruder_id)
    elif kind == "leo-crossing":
        roe = Roe(da=rng.uniform(-0.2, 0.2) / a_km, dix=math.radians(rng.uniform(8.0, 40.0)))
        sets = [with_roe(asset, roe, intruder_id)]
        return SyntheticCase(kind, [asset], sets, False, 0.0)
    elif kind == "geo-drift-by-far":
        da = rng.choice([-1, 1]) * rng.uniform(2.5, 5.0) * range_km / a_km
        t_c = rng.uniform(0.3, 0.7) * window_s
        roe = Roe(da=da, dlambda=1.5 * n * da * t_c)
        sets, pieces = [with_roe(asset, roe, intruder_id)], [(0.0, window_s, roe)]
    else:
        raise ValueError(f"unknown synthetic kind {kind!r}; expected one of {', '.join(KINDS)}")
    return SyntheticCase(kind, [asset], sets, KINDS[kind], _min_range(asset, pieces, window_s))


def generate_cases(n_per_kind: int, *, start_us: int, window_s: float, range_km: float, seed: int = 0,
                   kinds: tuple[str, ...] = tuple(KINDS)) -> list[SyntheticCase]:
    """``n_per_kind`` random cases of each kind (seeded, reproducible)."""
    rng = np.random.default_rng(seed)
    return [_case(kind, rng, start_us, window_s, range_km, 90000 + 2 * j, 90001 + 2 * j)
            for j, kind in enumerate(k for k in kinds for _ in range(n_per_kind))]
