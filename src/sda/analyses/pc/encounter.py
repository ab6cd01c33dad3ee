"""Encounter-plane geometry shared by the probability-of-collision methods.

Short-encounter model (Foster & Estes 1992; Chan 1997; Alfano 2005): over the few
seconds the objects take to pass, relative motion is a straight line and the
position uncertainty is constant, so the collision probability is the integral of
the combined position Gaussian over the disk of the combined hard-body radius in
the plane normal to the relative velocity (the *encounter plane*).

Inputs everywhere: relative position ``r_rel_km`` (3,) km and velocity ``v_rel_km_s``
(3,) km/s of object 2 with respect to object 1 (or the reverse: the result is the
same) in one inertial frame, and the combined (object 1 + object 2) 3x3 position
covariance ``cov_km2`` in the same frame.

Encounter frame (NASA CARA's convention): ``y`` along the relative velocity, ``z``
along ``r x v``, ``x = y x z`` (along the part of ``r`` normal to ``v``). The plane is
spanned by ``x`` and ``z``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sda.core.frames import rtn_basis

__all__ = [
    "PcInputs",
    "PcResult",
    "EncounterPlane",
    "encounter_plane",
    "principal_axes",
    "rtn_to_inertial",
    "pc_in_principal_axes",
]


@dataclass(frozen=True, eq=False)
class PcInputs:
    """What every Pc method takes.

    ``r_rel_km`` (3,) km, ``v_rel_km_s`` (3,) km/s, ``cov_km2`` (3, 3) km² combined
    position covariance, all in one inertial frame; ``hbr_m`` combined hard-body radius
    (m) or ``None`` to let the caller's default apply. ``covariance_assumed`` is True
    when a covariance is not measured but an assumed default (element sets carry none);
    results computed from such inputs say so.
    """

    r_rel_km: np.ndarray
    v_rel_km_s: np.ndarray
    cov_km2: np.ndarray
    hbr_m: float | None = None
    covariance_assumed: bool = False
    hbr_source: str | None = None


@dataclass(frozen=True, eq=False)
class PcResult:
    """A collision probability and what it was computed from.

    ``pc`` (dimensionless), ``method`` (e.g. ``"FOSTER-1992"``), ``hbr_m`` combined
    hard-body radius (m); ``r_rel_km``, ``v_rel_km_s``, ``cov_km2`` the inputs (inertial,
    km); ``miss_2d_km`` (2,) and ``cov_2d_km2`` (2, 2) their projection on the encounter
    plane; ``covariance_assumed`` as in :class:`PcInputs`; ``notes`` what the method did
    beyond the textbook (e.g. a non-positive covariance clipped).
    """

    pc: float
    method: str
    hbr_m: float
    r_rel_km: np.ndarray
    v_rel_km_s: np.ndarray
    cov_km2: np.ndarray
    miss_2d_km: np.ndarray
    cov_2d_km2: np.ndarray
    covariance_assumed: bool = False
    notes: tuple[str, ...] = field(default=())


@dataclass(frozen=True, eq=False)
class EncounterPlane:
    """Projection of a conjunction on the encounter plane.

    ``basis`` (3, 3): rows are the unit vectors x, y (= relative velocity), z in the
    inertial frame. ``miss_km`` (2,) is the miss vector (x, z), ``cov_km2`` (2, 2) the
    combined covariance on (x, z), ``relative_speed_km_s`` the relative speed.
    """

    basis: np.ndarray
    miss_km: np.ndarray
    cov_km2: np.ndarray
    relative_speed_km_s: float


def encounter_plane(r_rel_km, v_rel_km_s, cov_km2, *, miss: str = "norm") -> EncounterPlane:
    """Encounter-plane miss vector and covariance of a conjunction.

    ``miss="norm"`` puts the miss vector at ``(|r|, 0)``, as NASA CARA's ``Pc2D_Foster``
    does with the CDM states as given (its ``Pc2D_NoAdj``); ``miss="projected"`` uses the
    component of ``r`` normal to ``v`` — the miss vector at the exact TCA of the linear
    relative motion, which is what CARA's ``Pc2D`` obtains by first moving the states to
    the exact TCA (a CDM gives TCA rounded to 1 ms). The two agree when ``r`` is normal
    to ``v``.
    """
    r = np.asarray(r_rel_km, dtype=float)
    v = np.asarray(v_rel_km_s, dtype=float)
    c = np.asarray(cov_km2, dtype=float)
    if r.shape != (3,) or v.shape != (3,) or c.shape != (3, 3):
        raise ValueError("expected r (3,), v (3,) and covariance (3, 3)")
    speed = float(np.linalg.norm(v))
    if speed == 0.0:
        raise ValueError("relative velocity is zero: the short-encounter model does not apply")
    y = v / speed
    h = np.cross(r, v)
    hn = np.linalg.norm(h)
    if hn == 0.0:  # r parallel to v (or zero): any normal completes the frame
        trial = np.eye(3)[int(np.argmin(np.abs(y)))]
        h = np.cross(trial, y)
        hn = np.linalg.norm(h)
    z = h / hn
    x = np.cross(y, z)
    basis = np.vstack([x, y, z])
    if miss == "norm":
        m = np.array([np.linalg.norm(r), 0.0])
    elif miss == "projected":
        m = np.array([r @ x, r @ z])
    else:
        raise ValueError(f"miss must be 'norm' or 'projected', not {miss!r}")
    cxyz = basis @ c @ basis.T
    cp = np.array([[cxyz[0, 0], cxyz[0, 2]], [cxyz[2, 0], cxyz[2, 2]]])
    cp = 0.5 * (cp + cp.T)
    return EncounterPlane(basis, m, cp, speed)


def principal_axes(miss_km, cov_km2) -> tuple[float, float, float, float, bool]:
    """``(xm, ym, sigma_x, sigma_y, clipped)`` of a 2D encounter in the covariance's principal axes.

    ``sigma_x >= sigma_y`` (km); a negative eigenvalue (a non-positive-definite
    covariance) is clipped to zero and ``clipped`` is True.
    """
    w, vecs = np.linalg.eigh(np.asarray(cov_km2, dtype=float))
    order = np.argsort(w)[::-1]
    w, vecs = w[order], vecs[:, order]
    clipped = bool(np.any(w < 0.0))
    w = np.clip(w, 0.0, None)
    m = vecs.T @ np.asarray(miss_km, dtype=float)
    return float(m[0]), float(m[1]), float(np.sqrt(w[0])), float(np.sqrt(w[1])), clipped


def rtn_to_inertial(cov_rtn, r_km, v_km_s) -> np.ndarray:
    """A (3, 3) RTN position covariance (km²) rotated into the frame of ``r_km``, ``v_km_s``."""
    m = rtn_basis(np.asarray(r_km, dtype=float), np.asarray(v_km_s, dtype=float)).T  # columns R, T, N
    c = np.asarray(cov_rtn, dtype=float)[:3, :3]
    out = m @ c @ m.T
    return 0.5 * (out + out.T)


def pc_in_principal_axes(pc_2d, method: str, r_rel_km, v_rel_km_s, cov_km2, hbr_m: float, *,
                         covariance_assumed: bool = False) -> PcResult:
    """A :class:`PcResult` from a 2D method that works in the encounter plane's principal axes.

    ``pc_2d(xm, ym, sx, sy, radius_km)`` gets the miss components and standard deviations
    (km) along the principal axes and the combined radius (km); inputs as
    :func:`~sda.analyses.pc.foster1992.pc_foster1992` (km, km/s, km²; HBR in m).
    """
    plane = encounter_plane(r_rel_km, v_rel_km_s, cov_km2)
    xm, ym, sx, sy, clipped = principal_axes(plane.miss_km, plane.cov_km2)
    if sy == 0.0:
        raise ValueError(f"{method} needs a positive-definite encounter-plane covariance")
    notes = ("non-positive-definite encounter-plane covariance: negative eigenvalue clipped to 0",) if clipped else ()
    return PcResult(
        pc=pc_2d(xm, ym, sx, sy, hbr_m / 1000.0), method=method, hbr_m=float(hbr_m),
        r_rel_km=np.asarray(r_rel_km, dtype=float), v_rel_km_s=np.asarray(v_rel_km_s, dtype=float),
        cov_km2=np.asarray(cov_km2, dtype=float), miss_2d_km=plane.miss_km, cov_2d_km2=plane.cov_km2,
        covariance_assumed=covariance_assumed, notes=notes,
    )
