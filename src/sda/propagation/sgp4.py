"""SGP4 propagation of many element sets at many times, through ``sgp4.api.SatrecArray``.

States are TEME of date (the SGP4 output frame): positions in km, velocities in km/s,
arrays shaped ``(n_objects, n_times, 3)`` exactly as ``SatrecArray`` returns them, and a
``(n_objects, n_times)`` ``uint8`` array of SGP4 error codes (0 = good; the codes are
``sgp4.api.SGP4_ERRORS``). A failed state is NaN with its code (SGP4 itself leaves
finite numbers behind code 6, decayed; they are set to NaN here too); a batch never
raises because one object decayed or has bad elements.

Times are UTC microseconds since 1970 (:mod:`sda.core.times`), turned into the split
Julian dates SGP4 takes by :func:`sda.core.times.us_to_jd_fr`.

Work is cut into blocks of at most ``max_states`` object-times so the temporary
arrays of one ``SatrecArray`` call stay bounded (:func:`iter_chunks`); the default,
:data:`DEFAULT_MAX_STATES` = 1,000,000, is about 49 MB per block (six float64 and one
uint8 per state).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import sgp4.api
from sgp4.api import WGS72, Satrec, SatrecArray

from sda.catalog.records import ElementSet
from sda.core.times import US_PER_DAY, us_from_ymd_hms, us_to_jd_fr

__all__ = [
    "DEFAULT_MAX_STATES",
    "PropagationResult",
    "accelerated",
    "warn_if_not_accelerated",
    "satrec_of",
    "iter_chunks",
    "iter_propagate",
    "propagate",
    "propagate_minutes",
]

#: Largest number of object-times (states) computed by one ``SatrecArray`` call.
DEFAULT_MAX_STATES = 1_000_000

_SGP4INIT_EPOCH_US = us_from_ymd_hms(1949, 12, 31)  # sgp4init counts epoch days from here
_MINUTES_PER_DAY = 1440.0
_RAD_PER_MIN_PER_REV_PER_DAY = 2.0 * math.pi / _MINUTES_PER_DAY  # rev/day -> rad/min
_MAX_ALPHA5_SATNUM = 339_999  # largest catalog number the Satrec record can hold

_fallback_warned = False


@dataclass(frozen=True, eq=False)
class PropagationResult:
    """States of ``n_objects`` at ``n_times``, TEME of date.

    ``position_km`` and ``velocity_km_s`` are float64 ``(n_objects, n_times, 3)`` in km
    and km/s, NaN where SGP4 failed; ``error`` is uint8 ``(n_objects, n_times)``, the
    SGP4 error code of each state (0 = good, see ``sgp4.api.SGP4_ERRORS``).
    """

    position_km: np.ndarray
    velocity_km_s: np.ndarray
    error: np.ndarray


def accelerated() -> bool:
    """True when ``sgp4`` runs its compiled C++ code, False on the pure-Python fallback."""
    return bool(sgp4.api.accelerated)


def warn_if_not_accelerated() -> None:
    """Warn (``RuntimeWarning``, once per process) if SGP4 runs on its pure-Python fallback.

    Called when this module is imported; the fallback gives the same numbers but is
    about a hundred times slower, which matters for whole-catalog work.
    """
    global _fallback_warned
    if not accelerated() and not _fallback_warned:
        _fallback_warned = True
        warnings.warn(
            "sgp4 is running its pure-Python fallback (sgp4.api.accelerated is False): "
            "propagation will be slow; install a compiled sgp4 wheel for this platform",
            RuntimeWarning,
            stacklevel=2,
        )


warn_if_not_accelerated()


#: Mean element theories whose elements SGP4 propagates as they are.
SGP4_THEORIES = ("SGP4", "SGP/SGP4")


def satrec_of(es: ElementSet) -> Satrec:
    """SGP4 record of an element set, WGS-72 constants, improved ('i') mode.

    From ``tle_line1``/``tle_line2`` with ``Satrec.twoline2rv`` when the element set
    carries them (this reproduces the TLE exactly); otherwise ``Satrec.sgp4init`` from
    the elements, converted to its units: angles in radians, mean motion in rad/min,
    its first and second derivatives (the TLE/OMM values, i.e. n'/2 and n''/6) in
    rad/min² and rad/min³, and the epoch in days since 1949-12-31 00:00 UTC. A
    catalog number beyond the Alpha-5 range (339999) is stored as 0 in the record; it
    is a label only and does not change the propagation.

    Raises ``ValueError`` for elements of another theory (SGP4-XP, DSST, ...): their
    mean elements are not SGP4's and would propagate wrongly without a warning.
    """
    if es.mean_element_theory.upper() not in SGP4_THEORIES:
        raise ValueError(f"object {es.norad_id}: mean element theory {es.mean_element_theory!r} "
                         f"cannot be propagated with SGP4 (expected one of {', '.join(SGP4_THEORIES)})")
    if es.ref_frame.upper() != "TEME":
        raise ValueError(f"object {es.norad_id}: SGP4 elements are TEME, these are {es.ref_frame}")
    if es.tle_line1 and es.tle_line2:
        return Satrec.twoline2rv(es.tle_line1, es.tle_line2, WGS72)
    days, rem_us = divmod(es.epoch_us - _SGP4INIT_EPOCH_US, US_PER_DAY)
    rad_min = _RAD_PER_MIN_PER_REV_PER_DAY
    sat = Satrec()
    sat.sgp4init(
        WGS72,
        "i",
        es.norad_id if 0 <= es.norad_id <= _MAX_ALPHA5_SATNUM else 0,
        days + rem_us / US_PER_DAY,
        es.bstar_per_er,
        es.mean_motion_dot * rad_min / _MINUTES_PER_DAY,
        es.mean_motion_ddot * rad_min / _MINUTES_PER_DAY**2,
        es.eccentricity,
        math.radians(es.arg_perigee_deg),
        math.radians(es.inclination_deg),
        math.radians(es.mean_anomaly_deg),
        es.mean_motion_rev_day * rad_min,
        math.radians(es.raan_deg),
    )
    return sat


def iter_chunks(n_objects: int, n_times: int, max_states: int = DEFAULT_MAX_STATES) -> Iterator[tuple[slice, slice]]:
    """``(objects, times)`` slices covering ``n_objects x n_times`` in blocks of at most ``max_states``.

    A block spans all times when ``n_times <= max_states`` (then as many objects as fit,
    at least one); otherwise one object at a time over ``max_states`` times. Objects
    vary slowest, so blocks come in object order.
    """
    if max_states < 1:
        raise ValueError(f"max_states must be at least 1, found {max_states}")
    if n_objects == 0 or n_times == 0:
        return
    times_per_block = min(n_times, max_states)
    objects_per_block = max_states // times_per_block
    for i in range(0, n_objects, objects_per_block):
        for j in range(0, n_times, times_per_block):
            yield slice(i, min(i + objects_per_block, n_objects)), slice(j, min(j + times_per_block, n_times))


def _satrecs(sets: Sequence[ElementSet | Satrec]) -> list[Satrec]:
    return [s if isinstance(s, Satrec) else satrec_of(s) for s in sets]


def _run(array: SatrecArray, jd: np.ndarray, fr: np.ndarray) -> PropagationResult:
    e, r, v = array.sgp4(np.ascontiguousarray(jd, dtype=np.float64), np.ascontiguousarray(fr, dtype=np.float64))
    failed = e != 0
    r[failed] = np.nan  # SGP4 leaves finite numbers behind its code 6 (decayed)
    v[failed] = np.nan
    return PropagationResult(position_km=r, velocity_km_s=v, error=e)


def iter_propagate(
    sets: Sequence[ElementSet | Satrec] | SatrecArray,
    epochs_us: np.ndarray,
    *,
    max_states: int = DEFAULT_MAX_STATES,
) -> Iterator[tuple[slice, slice, PropagationResult]]:
    """Propagate block by block: yields ``(objects, times, result)`` for each block of :func:`iter_chunks`.

    ``epochs_us`` is a ``(n_times,)`` array of UTC microseconds shared by every
    object. Each result holds the TEME states of ``sets[objects]`` at
    ``epochs_us[times]``. A ``SatrecArray`` cannot be split by object, so it is cut
    along the time axis only, with ``max(1, max_states // len(sets))`` times a block.
    """
    jd, fr = us_to_jd_fr(np.asarray(epochs_us, dtype=np.int64).reshape(-1))
    n_times = len(jd)
    if isinstance(sets, SatrecArray):
        step = max(1, max_states // max(len(sets), 1))
        everyone = slice(0, len(sets))
        for j in range(0, n_times, step):
            times = slice(j, min(j + step, n_times))
            yield everyone, times, _run(sets, jd[times], fr[times])
        return
    satrecs = _satrecs(sets)
    for objects, times in iter_chunks(len(satrecs), n_times, max_states):
        yield objects, times, _run(SatrecArray(satrecs[objects]), jd[times], fr[times])


def _empty(n_objects: int, n_times: int) -> PropagationResult:
    return PropagationResult(
        position_km=np.full((n_objects, n_times, 3), np.nan),
        velocity_km_s=np.full((n_objects, n_times, 3), np.nan),
        error=np.zeros((n_objects, n_times), dtype=np.uint8),
    )


def _store(out: PropagationResult, rows, times: slice, part: PropagationResult) -> None:
    out.position_km[rows, times] = part.position_km
    out.velocity_km_s[rows, times] = part.velocity_km_s
    out.error[rows, times] = part.error


def propagate(
    sets: Sequence[ElementSet | Satrec] | SatrecArray,
    epochs_us: np.ndarray,
    *,
    max_states: int = DEFAULT_MAX_STATES,
) -> PropagationResult:
    """TEME states of every element set at every time.

    ``sets``: element sets (or ready ``Satrec`` records), or a ``SatrecArray`` built
    once and reused; ``epochs_us``: ``(n_times,)`` UTC microseconds since 1970, shared
    by all objects. Returns ``(n_objects, n_times, 3)`` km and km/s with the
    ``(n_objects, n_times)`` error codes; failed states are NaN. ``max_states`` bounds
    one ``SatrecArray`` call (see :func:`iter_chunks`).
    """
    n_objects = len(sets)
    n_times = np.asarray(epochs_us).size
    out = _empty(n_objects, n_times)
    if n_objects and n_times:
        for objects, times, part in iter_propagate(sets, epochs_us, max_states=max_states):
            _store(out, objects, times, part)
    return out


def propagate_minutes(
    sets: Sequence[ElementSet | Satrec],
    minutes: np.ndarray,
    *,
    max_states: int = DEFAULT_MAX_STATES,
) -> PropagationResult:
    """TEME states at ``minutes`` since each object's own epoch (SGP4's ``tsince``).

    ``minutes`` is ``(n_times,)`` float64, the same offsets for every object (negative
    values go back before the epoch). Objects sharing an epoch go through one
    ``SatrecArray``; the times given to it are the epoch's split Julian date plus the
    offset, kept split so no precision is lost. Shapes and units as :func:`propagate`.
    """
    satrecs = _satrecs(sets)
    minutes = np.asarray(minutes, dtype=np.float64).reshape(-1)
    out = _empty(len(satrecs), len(minutes))
    whole, fraction = np.divmod(minutes / _MINUTES_PER_DAY, 1.0)
    groups: dict[tuple[float, float], list[int]] = {}
    for i, s in enumerate(satrecs):
        groups.setdefault((s.jdsatepoch, s.jdsatepochF), []).append(i)
    for (jd_epoch, fr_epoch), members in groups.items():
        members = np.asarray(members)
        for objects, times in iter_chunks(len(members), len(minutes), max_states):
            rows = members[objects]
            array = SatrecArray([satrecs[k] for k in rows])
            _store(out, rows, times, _run(array, jd_epoch + whole[times], fr_epoch + fraction[times]))
    return out
