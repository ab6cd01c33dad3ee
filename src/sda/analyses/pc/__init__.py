"""Probability of collision (Pc) of a conjunction: one module per published method.

=============  ==================  ===========================================
``method``     result ``method``   module
=============  ==================  ===========================================
foster1992     FOSTER-1992         :mod:`.foster1992` (2D integral, CARA form)
chan1997       CHAN-1997           :mod:`.chan1997` (series)
alfano2005     ALFANO-2005         :mod:`.alfano2005` (Simpson rule)
alfriend1999   ALFRIEND-1999       :mod:`.maximum` (maximum over covariance scale)
montecarlo     MONTE-CARLO         :mod:`.montecarlo` (seeded, with 95 % interval)
=============  ==================  ===========================================

When only one object has a covariance, :func:`~.maximum.pc_max_frisbee2015`
(FRISBEE-2015) bounds the Pc from that covariance alone.

:func:`probability_of_collision` takes either :class:`PcInputs` (relative state in km,
km/s and combined 3x3 position covariance in km², one inertial frame) or a
:class:`~sda.ingest.cdm.Cdm`. From a CDM, each object's RTN position covariance is
rotated to the inertial frame with that object's own state and the two are added; the
hard-body radius comes from :mod:`.hbr` unless ``hbr_m`` is given.

Covariances that are not measured — element sets (TLE/OMM) carry none, so SDA assigns
an assumed default — must be passed with ``PcInputs(covariance_assumed=True)``; every
result computed from them carries ``covariance_assumed=True`` so a Pc from an assumed
covariance is never mistaken for one from a measured covariance.
"""

from __future__ import annotations

import numpy as np

from sda.analyses.pc.alfano2005 import pc_alfano2005
from sda.analyses.pc.chan1997 import pc_chan1997
from sda.analyses.pc.encounter import PcInputs, PcResult, rtn_to_inertial
from sda.analyses.pc.foster1992 import pc_foster1992
from sda.analyses.pc.hbr import combined_hbr_m
from sda.analyses.pc.maximum import MaxPcResult, pc_max_alfriend1999, pc_max_frisbee2015
from sda.analyses.pc.montecarlo import MonteCarloResult, pc_montecarlo
from sda.ingest.cdm import Cdm

__all__ = [
    "METHODS",
    "INERTIAL_FRAMES",
    "PcInputs",
    "PcResult",
    "MaxPcResult",
    "MonteCarloResult",
    "pc_inputs_from_cdm",
    "probability_of_collision",
    "pc_foster1992",
    "pc_chan1997",
    "pc_alfano2005",
    "pc_max_alfriend1999",
    "pc_max_frisbee2015",
    "pc_montecarlo",
]

METHODS = {
    "foster1992": pc_foster1992,
    "chan1997": pc_chan1997,
    "alfano2005": pc_alfano2005,
    "alfriend1999": pc_max_alfriend1999,
    "montecarlo": pc_montecarlo,
}

#: CDM reference frames taken as inertial for the short-encounter computation.
INERTIAL_FRAMES = frozenset({"EME2000", "GCRF", "ICRF", "J2000", "TEME"})


def pc_inputs_from_cdm(cdm: Cdm) -> PcInputs:
    """Relative state (object 2 − object 1, km, km/s), combined inertial covariance (km²) and HBR of a CDM.

    Raises ``ValueError`` when a state is not in an inertial frame (ITRF states need an
    Earth-rotation transform first) or an object has no RTN covariance.
    """
    covs = []
    for obj in cdm.objects:
        if obj.ref_frame.strip().upper() not in INERTIAL_FRAMES:
            raise ValueError(f"{obj.object} state is in {obj.ref_frame}; Pc needs an inertial frame "
                             f"({', '.join(sorted(INERTIAL_FRAMES))})")
        if obj.covariance_rtn is None:
            raise ValueError(f"{obj.object} has no RTN covariance; use pc_max_frisbee2015 with the other one")
        covs.append(rtn_to_inertial(obj.covariance_rtn[:3, :3], obj.position_km, obj.velocity_km_s))
    hbr, source = combined_hbr_m(cdm)
    return PcInputs(
        r_rel_km=cdm.object2.position_km - cdm.object1.position_km,
        v_rel_km_s=cdm.object2.velocity_km_s - cdm.object1.velocity_km_s,
        cov_km2=covs[0] + covs[1], hbr_m=hbr, hbr_source=source,
    )


def probability_of_collision(cdm_or_inputs: Cdm | PcInputs, method: str = "foster1992",
                             hbr_m: float | None = None, **options) -> PcResult:
    """Pc of a conjunction by ``method`` (a key of :data:`METHODS`).

    ``hbr_m`` (m) overrides the radius of the inputs or the CDM. ``options`` go to the
    method (e.g. ``trials``/``seed`` for Monte Carlo, ``miss``/``shape`` for Foster).
    """
    if method not in METHODS:
        raise ValueError(f"unknown Pc method {method!r}; expected one of {', '.join(METHODS)}")
    inputs = pc_inputs_from_cdm(cdm_or_inputs) if isinstance(cdm_or_inputs, Cdm) else cdm_or_inputs
    radius = hbr_m if hbr_m is not None else inputs.hbr_m
    if radius is None:
        raise ValueError("no hard-body radius: give hbr_m or PcInputs.hbr_m")
    fn = METHODS[method]
    args = (np.asarray(inputs.r_rel_km, dtype=float), np.asarray(inputs.v_rel_km_s, dtype=float),
            np.asarray(inputs.cov_km2, dtype=float), float(radius))
    return fn(*args, covariance_assumed=inputs.covariance_assumed, **options)
