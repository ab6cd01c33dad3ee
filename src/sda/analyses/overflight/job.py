"""Overflights of the catalog's satellites over areas of interest, as stored warnings.

:func:`overflight_job` takes the newest element set of each chosen object from the
store, finds every pass (:func:`.passes.find_passes`) and turns each into a
:class:`sda.products.warnings.Warning` of kind ``OVERFLIGHT`` whose marking is that of
the element set it was predicted from; its evidence names the area and carries its outline
(``area_rings_lon_lat_deg``: each ring a list of ``[lon, lat]`` degrees, as
:attr:`.AreaOfInterest.rings`) for maps. Its confidence falls with the element set's age
at the pass: 1 for an element set of the pass's day, ``1 − age/30 d`` after that, at
least 0.1 — SGP4 along-track errors grow by kilometres a day, so a week-old prediction
of entry and exit is good to tens of seconds only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sda.analyses.overflight.aoi import AreaOfInterest
from sda.analyses.overflight.passes import Pass, find_passes
from sda.catalog.queries import CatalogQuery
from sda.catalog.records import CatalogObject
from sda.catalog.store import Store
from sda.core.times import US_PER_DAY, format_utc
from sda.products.warnings import Warning, warning_marking
from sda.propagation.sgp4 import satrec_of

__all__ = ["OverflightResult", "overflight_job", "pass_warning"]

_AGE_SCALE_DAYS = 30.0
_MIN_CONFIDENCE = 0.1


@dataclass
class OverflightResult:
    """Passes found for ``objects`` over ``areas`` and the warnings made of them (``stored``: the new ones)."""

    objects: list[CatalogObject]
    areas: list[AreaOfInterest]
    passes: list[Pass]
    warnings: list[Warning] = field(default_factory=list)
    stored: list[Warning] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)


def pass_warning(p: Pass, obj: CatalogObject, area: AreaOfInterest) -> Warning:
    """The ``OVERFLIGHT`` warning of one pass of ``obj`` (which must carry its newest element set)."""
    st = obj.latest
    es = st.element_set
    age_days = max(0.0, (p.closest_us - es.epoch_us) / US_PER_DAY)
    confidence = max(_MIN_CONFIDENCE, min(1.0, 1.0 - max(0.0, age_days - 1.0) / _AGE_SCALE_DAYS))
    light = "sunlit" if p.sunlit else "dark"
    summary = (f"{obj.name or obj.norad_id} over {area.name} {format_utc(p.entry_us, digits=0)} to "
               f"{format_utc(p.exit_us, digits=0)}, min off-nadir {p.min_off_nadir_deg:.1f}°, ground {light}")
    evidence = {
        "area": area.name,
        "area_rings_lon_lat_deg": [ring.astype(float).tolist() for ring in area.rings],
        "entry": format_utc(p.entry_us, digits=3),
        "exit": format_utc(p.exit_us, digits=3),
        "closest": format_utc(p.closest_us, digits=3),
        "duration_s": round(p.duration_s, 3),
        "starts_before_window": p.starts_before,
        "ends_after_window": p.ends_after,
        "min_off_nadir_deg": round(p.min_off_nadir_deg, 4),
        "max_off_nadir_deg": area.max_off_nadir_deg,
        "nadir_lat_deg": round(p.nadir_lat_deg, 5),
        "nadir_lon_deg": round(p.nadir_lon_deg, 5),
        "altitude_km": round(p.altitude_km, 3),
        "ground_lat_deg": round(p.ground_lat_deg, 5),
        "ground_lon_deg": round(p.ground_lon_deg, 5),
        "sun_elevation_deg": round(p.sun_elevation_deg, 3),
        "sunlit": p.sunlit,
        "element_set_id": st.id,
        "element_set_epoch": format_utc(es.epoch_us),
        "element_set_age_days": round(age_days, 3),
    }
    return Warning("OVERFLIGHT", obj.norad_id, p.closest_us, round(confidence, 3), summary, evidence,
                   window_start_us=p.entry_us, window_stop_us=p.exit_us,
                   marking=warning_marking([st.provenance.marking]), data_mode=st.provenance.data_mode)


def overflight_job(store: Store, areas: Sequence[AreaOfInterest], *, start_us: int, window_s: float,
                   norad_ids: Sequence[int] | None = None, name: str | None = None,
                   data_modes: tuple[str, ...] = ("REAL",), save: bool = True) -> OverflightResult:
    """Every pass of the chosen objects (by catalog number and/or name pattern; all when neither)
    over ``areas`` in ``[start_us, start_us + window_s]``; stores the warnings when ``save``."""
    query = CatalogQuery(norad_ids=tuple(norad_ids) if norad_ids else None, name=name, data_modes=data_modes)
    objects, sets, skipped = [], [], []
    for obj in store.objects(query):
        try:
            sets.append(satrec_of(obj.latest.element_set))
        except ValueError as exc:
            skipped.append((obj.norad_id, str(exc)))
            continue
        objects.append(obj)
    passes = find_passes(sets, areas, start_us, window_s) if sets and areas else []
    warnings = [pass_warning(p, objects[p.index], areas[p.area_index]) for p in passes]
    stored = store.write_warnings(warnings) if save and warnings else []
    return OverflightResult(objects, list(areas), passes, warnings, stored, skipped)
