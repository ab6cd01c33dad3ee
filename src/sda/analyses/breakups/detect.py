"""Breakup warnings from the catalog: choose the cloud, trace it back, say what was found.

A cloud is the debris of one launch (``launch``), the debris of a parent's launch
(``parent_id``), or, by default, every launch with at least ``min_fragments`` debris
pieces among the newest catalog numbers (catalog numbers are given in order, so new
fragments of an old object stand out by their numbers). Each traced cloud gives one
``BREAKUP`` :class:`sda.products.warnings.Warning` whose marking is the strictest of
the element sets it used.
"""

from __future__ import annotations

from dataclasses import dataclass

from sda.analyses.breakups.backtrace import BreakupEstimate, backtrace
from sda.analyses.breakups.cluster import launch_clouds, launch_designator, parent_candidates
from sda.catalog.queries import CatalogQuery
from sda.core.times import US_PER_DAY, US_PER_S, format_utc, us_from_ymd_hms
from sda.errors import SDAError
from sda.products.warnings import Warning, warning_marking

__all__ = ["NEW_IDS", "DEFAULT_MAX_AGE_DAYS", "BreakupFinding", "find_clouds", "trace_cloud", "breakup_warning"]

#: Default: a debris piece is new when its catalog number is within this many of the newest.
NEW_IDS = 2500
#: Default search span (days before the oldest fragment epoch) for clouds of new objects.
DEFAULT_MAX_AGE_DAYS = 365.0


@dataclass(frozen=True, eq=False)
class BreakupFinding:
    """A traced cloud: its launch, the stored fragment and parent element sets and the estimate."""

    launch: str
    fragments: list
    parent: object | None
    estimate: BreakupEstimate


def find_clouds(store, *, launch: str | None = None, parent_id: int | None = None, new_ids: int = NEW_IDS,
                min_fragments: int = 10, data_modes: tuple[str, ...] = ("REAL",)) -> list[tuple[str, list, object]]:
    """``(launch, fragments, parent)`` of each cloud to trace (stored element sets; parent may be ``None``)."""
    if parent_id is not None:
        obj = store.get_object(parent_id, data_modes)
        if obj is None or obj.latest is None:
            raise SDAError(f"object {parent_id} is not in the catalog: give the launch with --intl instead")
        launch = launch_designator(obj.intl_designator)
        if launch is None:
            raise SDAError(f"object {parent_id} has no international designator to find its fragments by")
    if launch is not None:
        stored = store.latest(CatalogQuery(intl_designator=launch, data_modes=data_modes))
        debris = [s for s in stored if s.element_set.object_type == "DEBRIS"]
        if len(debris) < 3:
            raise SDAError(f"launch {launch} has {len(debris)} debris piece(s) in the catalog; at least 3 are needed")
        parents = parent_candidates([s.element_set for s in stored], launch)
        parent = next((s for s in stored if parent_id is not None and s.element_set.norad_id == parent_id), None)
        if parent is None and parents:
            parent = next(s for s in stored if s.element_set is parents[0])
        return [(launch, debris, parent)]
    stored = store.latest(CatalogQuery(object_types=("DEBRIS",), data_modes=data_modes))
    if not stored:
        return []
    newest = max(s.element_set.norad_id for s in stored)
    fresh = [s for s in stored if s.element_set.norad_id > newest - new_ids]
    by_set = {id(s.element_set): s for s in fresh}
    out = []
    for launch, sets in launch_clouds([s.element_set for s in fresh], min_fragments=min_fragments).items():
        others = store.latest(CatalogQuery(intl_designator=launch, data_modes=data_modes))
        parents = parent_candidates([s.element_set for s in others], launch)
        parent = next((s for s in others if parents and s.element_set is parents[0]), None)
        out.append((launch, [by_set[id(s)] for s in sets], parent))
    return out


def trace_cloud(launch: str, fragments: list, parent, *, since_us: int | None = None,
                max_age_days: float | None = None) -> BreakupFinding:
    """Back-trace one cloud (stored element sets). The search starts at ``since_us``, else
    ``max_age_days`` before the oldest fragment epoch, else at the launch year's start."""
    sets = [s.element_set for s in fragments]
    oldest = min(s.epoch_us for s in sets)
    if since_us is None:
        since_us = (oldest - int(max_age_days * US_PER_DAY) if max_age_days is not None
                    else us_from_ymd_hms(int(launch[:4]), 1, 1))
    if since_us >= oldest:
        raise SDAError(f"the search start {format_utc(since_us)} is not before the oldest fragment epoch "
                       f"{format_utc(oldest)}")
    estimate = backtrace(sets, None if parent is None else parent.element_set, search_start_us=since_us)
    return BreakupFinding(launch=launch, fragments=fragments, parent=parent, estimate=estimate)


def _confidence(e: BreakupEstimate) -> float:
    """How far to trust the event time: along-track bunching of a tenth of the predictable
    fragments or more is strong; node convergence alone weakens with the node spread."""
    if e.method == "along-track":
        return round(min(0.9, 0.5 + 2.0 * (e.bunched_fraction or 0.0)), 2)
    return round(max(0.1, min(0.6, 0.6 - e.node_spread_deg / 50.0)), 2)


def breakup_warning(f: BreakupFinding, *, plot_path: str | None = None) -> Warning:
    """The ``BREAKUP`` warning of a traced cloud."""
    e = f.estimate
    parent_name = f.parent.element_set.name if f.parent is not None else None
    dv = e.delta_v_summary()
    where = (f" at {e.latitude_deg:.1f}°, {e.longitude_deg:.1f}°" if e.latitude_deg is not None else "")
    alt = f", {e.breakup_altitude_km:.0f} km altitude" if e.breakup_altitude_km is not None else ""
    dv_text = f", delta-v median {dv['median_m_s']:.0f} m/s" if dv["median_m_s"] is not None else ""
    summary = (f"breakup of {parent_name or 'launch ' + f.launch} ({f.launch}): {e.n_fragments} fragments, "
               f"event {format_utc(e.time_us, digits=0)} ± {e.time_sigma_s / 3600.0:.1f} h by {e.method} "
               f"convergence{where}{alt}{dv_text}")
    evidence = {"launch": f.launch, "parent_name": parent_name, **e.as_dict()}
    if plot_path:
        evidence["gabbard_plot"] = plot_path
    inputs = [s.provenance.marking for s in f.fragments] + ([f.parent.provenance.marking] if f.parent else [])
    sigma_us = int(e.time_sigma_s * US_PER_S)
    return Warning(kind="BREAKUP", norad_id=e.parent_id, time_us=e.time_us, confidence=_confidence(e),
                   summary=summary, evidence=evidence, related_ids=e.fragment_ids,
                   window_start_us=e.time_us - sigma_us, window_stop_us=e.time_us + sigma_us,
                   marking=warning_marking(sorted(set(inputs))), data_mode=f.fragments[0].provenance.data_mode)
