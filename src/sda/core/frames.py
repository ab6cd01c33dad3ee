"""Reference frames: SGP4's TEME to GCRS and ITRS, ITRS and EME2000 to GCRS, and the RTN basis of a state.

Conventions: positions in km, velocities in km/s; state arrays are ``(..., n_times, 3)``
(typically ``(n_objects, n_times, 3)``) against one shared ``(n_times,)`` array of UTC
microseconds since 1970 (:mod:`sda.core.times`).

* **TEME** (true equator, mean equinox of date) is the frame of SGP4 output.
* **GCRS**: TEME turned by skyfield's ``TEME.rotation_at`` (IAU 2000A nutation,
  IAU 2006 precession, GMST 1982 for the TEME equinox), as skyfield's own
  ``EarthSatellite.at`` does; the slow rate of that rotation is neglected in the velocity.
* **ITRS**: TEME → PEF by the GMST 1982 angle θ (skyfield's ``theta_GMST1982``), then
  polar motion, following Vallado, Crawford, Hujsak & Kelso, "Revisiting Spacetrack
  Report #3", AIAA 2006-6753, Appendix C: ``r_pef = R3(θ) r_teme``,
  ``v_pef = R3(θ) v_teme − ω × r_pef`` with ω = 7.292115146706979e-5 rad/s ×
  (1 − LOD/86400 s) about the pole, and ``r_itrs = W r_pef``, ``v_itrs = W v_pef`` with
  ``W = R1(−y_p) R2(−x_p)`` (the IAU-76/FK5 form the paper uses, without the TIO
  locator s′ = −47 µas per century since J2000: about 0.4 mm at the surface in 2026).

* **ITRS → GCRS** (:func:`itrs_to_gcrs`), for Earth-fixed states such as CSpOC's ITRF
  CDMs: the inverse of skyfield's ``itrs`` frame, ``r_gcrs = Rᵀ W⁻¹ r_itrs`` with
  ``R = R3(−GAST) N P B`` (skyfield's ``tirs.rotation_at``: IAU 2000A nutation,
  IAU 2006 precession, frame bias) and the Earth's rotation restored in the velocity,
  ``v_gcrs = Rᵀ (v_pef + ω ẑ × r_pef)``. Only the slow rate of precession and nutation
  (below 0.1 mm/s at LEO radii) is left out of the velocity. Because skyfield's TEME is
  ``R3(θ_GMST1982 − GAST) N P B``, it undoes :func:`teme_to_itrs` exactly:
  ``itrs_to_gcrs(teme_to_itrs(x))`` is ``teme_to_gcrs(x)`` (same Earth orientation).
* **EME2000 → GCRS** (:func:`eme2000_to_gcrs`): the constant IERS frame bias between the
  J2000 mean equator and equinox and the GCRS axes (skyfield's ``ICRS_to_J2000``), about
  23 mas (0.8 m at 7000 km). GCRF, ICRF and GCRS axes are taken as the same.
  :func:`to_gcrs` picks the conversion by CCSDS ``REF_FRAME`` name.

Earth orientation: by default UT1 comes from skyfield's built-in ∆T table
(``load.timescale(builtin=True)``, no network) and **polar motion is off** (W = I, the
result is then the pseudo-Earth-fixed frame PEF, within about 15 m of ITRS at the
surface). Give an :class:`EarthOrientation` to use a known UT1−UTC, pole position
and length of day instead (e.g. from IERS Bulletin A); they are held constant over the
times of one call.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from skyfield.api import load
from skyfield.constants import ASEC2RAD
from skyfield.framelib import ICRS_to_J2000, tirs
from skyfield.functions import rot_x, rot_y, rot_z
from skyfield.sgp4lib import TEME, theta_GMST1982
from skyfield.timelib import Time, Timescale

from sda.core.times import US_PER_DAY, US_PER_S

__all__ = [
    "EARTH_ROTATION_RAD_S",
    "EarthOrientation",
    "timescale",
    "skyfield_time",
    "teme_to_gcrs",
    "teme_to_itrs",
    "itrs_to_gcrs",
    "eme2000_to_gcrs",
    "to_gcrs",
    "GCRS_FRAMES",
    "EME2000_FRAMES",
    "rtn_basis",
    "to_rtn",
]

#: Nominal Earth rotation rate (IERS), rad/s, as in AIAA 2006-6753 Appendix C.
EARTH_ROTATION_RAD_S = 7.292115146706979e-5

_DAY_S = 86_400.0


@dataclass(frozen=True, slots=True)
class EarthOrientation:
    """Earth orientation parameters, constant over the times of one conversion.

    ``ut1_minus_utc_s`` (s), pole coordinates ``x_pole_arcsec`` and ``y_pole_arcsec``
    (arcseconds) and ``length_of_day_excess_s`` (LOD, s), as IERS Bulletin A gives them.
    """

    ut1_minus_utc_s: float
    x_pole_arcsec: float = 0.0
    y_pole_arcsec: float = 0.0
    length_of_day_excess_s: float = 0.0


@lru_cache(maxsize=1)
def timescale() -> Timescale:
    """Skyfield's built-in timescale: bundled leap seconds and ∆T (UT1) table, no download."""
    return load.timescale(builtin=True)


def skyfield_time(epochs_us, eop: EarthOrientation | None = None) -> Time:
    """Skyfield ``Time`` of UTC microseconds since 1970 (any shape).

    With ``eop`` the time's UT1 is UTC + ``eop.ut1_minus_utc_s``; without, UT1 comes
    from skyfield's built-in table.
    """
    days, rem_us = np.divmod(np.asarray(epochs_us, dtype=np.int64), US_PER_DAY)
    t = timescale().utc(1970, 1, 1 + days, 0, 0, rem_us / US_PER_S)
    if eop is not None:
        # TT − UTC = 32.184 s + leap seconds = dut1 + ∆T; UT1 = TT − ∆T, so this ∆T
        # gives UT1 − UTC = eop.ut1_minus_utc_s. Set before anything reads UT1.
        tt_minus_utc_s = t.dut1 + t.delta_t
        t.delta_t = tt_minus_utc_s - eop.ut1_minus_utc_s
        del t.dut1  # cached from the table's ∆T; recomputed from the new one when read
    return t


def _rotate(matrices: np.ndarray, vectors: np.ndarray) -> np.ndarray:
    """Apply ``(n_times, 3, 3)`` matrices to ``(..., n_times, 3)`` vectors."""
    return np.einsum("tij,...tj->...ti", matrices, vectors)


def _times(epochs_us) -> np.ndarray:
    return np.atleast_1d(np.asarray(epochs_us, dtype=np.int64))


def _per_time(matrix: np.ndarray, n_times: int) -> np.ndarray:
    """Skyfield's ``(3, 3[, n_times])`` matrix as ``(n_times, 3, 3)``."""
    if matrix.ndim == 2:
        return np.broadcast_to(matrix, (n_times, 3, 3))
    return np.moveaxis(matrix, -1, 0)


def teme_to_gcrs(
    position_km: np.ndarray, velocity_km_s: np.ndarray, epochs_us, *, eop: EarthOrientation | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """GCRS position (km) and velocity (km/s) of TEME states.

    ``position_km``, ``velocity_km_s``: ``(..., n_times, 3)`` TEME; ``epochs_us``:
    ``(n_times,)`` UTC µs. Returns two arrays of the same shape. NaN stays NaN.
    """
    epochs_us = _times(epochs_us)
    t = skyfield_time(epochs_us, eop)
    to_gcrs = np.swapaxes(_per_time(TEME.rotation_at(t), len(epochs_us)), -1, -2)
    return _rotate(to_gcrs, np.asarray(position_km)), _rotate(to_gcrs, np.asarray(velocity_km_s))


def teme_to_itrs(
    position_km: np.ndarray, velocity_km_s: np.ndarray, epochs_us, *, eop: EarthOrientation | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Earth-fixed position (km) and velocity (km/s) of TEME states (AIAA 2006-6753 App. C).

    Shapes as :func:`teme_to_gcrs`. Without ``eop`` (the default) polar motion is off
    and UT1 is skyfield's built-in estimate: the result is PEF, the Earth-fixed frame of
    the rotation axis. With ``eop`` its UT1−UTC, pole and LOD are used (ITRS).
    """
    epochs_us = _times(epochs_us)
    t = skyfield_time(epochs_us, eop)
    theta, _ = theta_GMST1982(t.whole, t.ut1_fraction)
    to_pef = _per_time(rot_z(-np.asarray(theta, dtype=np.float64)), len(epochs_us))
    lod_s = 0.0 if eop is None else eop.length_of_day_excess_s
    omega = EARTH_ROTATION_RAD_S * (1.0 - lod_s / _DAY_S)
    r_pef = _rotate(to_pef, np.asarray(position_km))
    v_pef = _rotate(to_pef, np.asarray(velocity_km_s))
    v_pef[..., 0] += omega * r_pef[..., 1]  # − ω ẑ × r
    v_pef[..., 1] -= omega * r_pef[..., 0]
    if eop is None or (eop.x_pole_arcsec == 0.0 and eop.y_pole_arcsec == 0.0):
        return r_pef, v_pef
    pole = rot_x(eop.y_pole_arcsec * ASEC2RAD) @ rot_y(eop.x_pole_arcsec * ASEC2RAD)
    return r_pef @ pole.T, v_pef @ pole.T


def _pole(eop: EarthOrientation | None) -> np.ndarray | None:
    """Polar-motion matrix W (PEF → ITRS, applied as ``r @ W.T``), ``None`` when the pole is off."""
    if eop is None or (eop.x_pole_arcsec == 0.0 and eop.y_pole_arcsec == 0.0):
        return None
    return rot_x(eop.y_pole_arcsec * ASEC2RAD) @ rot_y(eop.x_pole_arcsec * ASEC2RAD)


def itrs_to_gcrs(
    position_km: np.ndarray, velocity_km_s: np.ndarray, epochs_us, *, eop: EarthOrientation | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """GCRS position (km) and inertial velocity (km/s) of Earth-fixed states.

    ``position_km``, ``velocity_km_s``: ``(..., n_times, 3)`` Earth-fixed (velocity
    relative to the rotating Earth); ``epochs_us``: ``(n_times,)`` UTC µs. Returns two
    arrays of the same shape. As elsewhere in this module polar motion is off without
    ``eop`` (the input is then taken as PEF, within about 15 m of ITRS at the surface);
    with ``eop`` its UT1−UTC, pole and LOD are used, inverting :func:`teme_to_itrs`'s
    ``W``. The velocity gains the Earth's rotation, ω ẑ × r (ω as in
    :func:`teme_to_itrs`).
    """
    epochs_us = _times(epochs_us)
    t = skyfield_time(epochs_us, eop)
    r = np.array(position_km, dtype=np.float64)
    v = np.array(velocity_km_s, dtype=np.float64)
    pole = _pole(eop)
    if pole is not None:  # r_itrs = r_pef @ Wᵀ, W orthogonal
        r, v = r @ pole, v @ pole
    lod_s = 0.0 if eop is None else eop.length_of_day_excess_s
    omega = EARTH_ROTATION_RAD_S * (1.0 - lod_s / _DAY_S)
    v_inertial = v.copy()
    v_inertial[..., 0] -= omega * r[..., 1]  # + ω ẑ × r
    v_inertial[..., 1] += omega * r[..., 0]
    to_gcrs = np.swapaxes(_per_time(tirs.rotation_at(t), len(epochs_us)), -1, -2)
    return _rotate(to_gcrs, r), _rotate(to_gcrs, v_inertial)


def eme2000_to_gcrs(position_km: np.ndarray, velocity_km_s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """GCRS position (km) and velocity (km/s) of EME2000 (J2000) states, any ``(..., 3)`` shape: the frame bias."""
    # r_j2000 = B r_gcrs with B = ICRS_to_J2000, so r_gcrs = Bᵀ r_j2000 (row vectors: r @ B)
    r = np.asarray(position_km, dtype=np.float64)
    v = np.asarray(velocity_km_s, dtype=np.float64)
    return r @ ICRS_to_J2000, v @ ICRS_to_J2000


#: CCSDS ``REF_FRAME`` names whose axes are the GCRS axes (no rotation).
GCRS_FRAMES = frozenset({"GCRF", "GCRS", "ICRF"})
#: CCSDS ``REF_FRAME`` names of the J2000 mean equator and equinox.
EME2000_FRAMES = frozenset({"EME2000", "J2000"})


def _is_earth_fixed(frame: str) -> bool:
    return frame == "ITRS" or frame.startswith("ITRF")


def to_gcrs(
    frame: str, position_km: np.ndarray, velocity_km_s: np.ndarray, epochs_us, *, eop: EarthOrientation | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """GCRS position (km) and velocity (km/s) of states given in the CCSDS ``frame``.

    ``frame``: ``GCRF``/``GCRS``/``ICRF`` (unchanged), ``EME2000``/``J2000``
    (:func:`eme2000_to_gcrs`), ``TEME`` (:func:`teme_to_gcrs`) or ``ITRS``/``ITRF*``
    (``ITRF``, ``ITRF-93``, ``ITRF2000``, ...: :func:`itrs_to_gcrs`). Shapes as
    :func:`teme_to_gcrs`. Raises ``ValueError`` for any other frame.
    """
    name = frame.strip().upper()
    if name in GCRS_FRAMES:
        return np.asarray(position_km, dtype=np.float64), np.asarray(velocity_km_s, dtype=np.float64)
    if name in EME2000_FRAMES:
        return eme2000_to_gcrs(position_km, velocity_km_s)
    if name == "TEME":
        return teme_to_gcrs(np.asarray(position_km, dtype=np.float64), np.asarray(velocity_km_s, dtype=np.float64),
                            epochs_us, eop=eop)
    if _is_earth_fixed(name):
        return itrs_to_gcrs(position_km, velocity_km_s, epochs_us, eop=eop)
    raise ValueError(f"no conversion from frame {frame!r} to GCRS; expected GCRF, ICRF, EME2000, TEME or ITRF")


def rtn_basis(position_km: np.ndarray, velocity_km_s: np.ndarray) -> np.ndarray:
    """Radial-transverse-normal basis of states: ``(..., 3, 3)``, rows R, T, N.

    R = r/|r|, N = (r × v)/|r × v| (orbit normal), T = N × R (along the motion for a
    circular orbit); right-handed and orthonormal. ``basis @ d`` gives the RTN
    components of a vector ``d`` given in the frame of ``r`` and ``v``.
    """
    r = np.asarray(position_km, dtype=np.float64)
    h = np.cross(r, np.asarray(velocity_km_s, dtype=np.float64))
    radial = r / np.linalg.norm(r, axis=-1, keepdims=True)
    normal = h / np.linalg.norm(h, axis=-1, keepdims=True)
    transverse = np.cross(normal, radial)
    return np.stack((radial, transverse, normal), axis=-2)


def to_rtn(
    dr_km: np.ndarray, dv_km_s: np.ndarray, r_ref_km: np.ndarray, v_ref_km_s: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """RTN components of a relative position (km) and velocity (km/s) about a reference state.

    ``dr_km``, ``dv_km_s`` (e.g. secondary − primary) and the reference state
    ``r_ref_km``, ``v_ref_km_s`` are ``(..., 3)`` in one frame and broadcast together.
    Both are projected on the reference's RTN axes, as CCSDS CDM relative states are;
    the rotation of the RTN frame is not subtracted from ``dv``.
    """
    basis = rtn_basis(r_ref_km, v_ref_km_s)
    dr_rtn = np.einsum("...ij,...j->...i", basis, np.asarray(dr_km, dtype=np.float64))
    dv_rtn = np.einsum("...ij,...j->...i", basis, np.asarray(dv_km_s, dtype=np.float64))
    return dr_rtn, dv_rtn
