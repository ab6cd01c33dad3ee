"""Plots of warnings for the picture's object details, as SVG text.

* ``PROXIMITY``: the range history and the relative motion in the asset's RTN frame
  (:func:`sda.analyses.proximity.plot.plot_approaches`), propagated again from the
  element sets the warning's evidence names (``element_sets[].id``), over the time the
  approaching object was within range (``first_within`` to ``last_within``) with a
  quarter of that span, at least one asset period, either side, on a grid of the
  analysis's default step through the warning's time (the closest approach).
* ``BREAKUP``: the Gabbard diagram (:func:`sda.analyses.breakups.gabbard.plot_gabbard`)
  of the fragments' newest element sets, the parent starred and the breakup altitude
  dashed.

Only element sets ``principal`` may see are read (the store filters them); a warning
whose inputs are no longer there has no plot (:class:`NoPlot`).
"""

from __future__ import annotations

import tempfile
import threading
from pathlib import Path

import numpy as np

from sda.analyses.breakups.gabbard import plot_gabbard
from sda.analyses.proximity.plot import plot_approaches
from sda.analyses.proximity.rpo import Approach, default_step_s, history_states
from sda.catalog.queries import CatalogQuery
from sda.catalog.records import StoredElementSet
from sda.catalog.store import Store
from sda.core.frames import to_rtn
from sda.core.times import US_PER_DAY, US_PER_S, parse_utc_us
from sda.interfaces.rest.deps import visible
from sda.policy import Principal
from sda.products.warnings import Warning

__all__ = ["PLOT_KINDS", "NoPlot", "proximity_approach", "warning_svg"]

#: Warning kinds that have a plot.
PLOT_KINDS = ("PROXIMITY", "BREAKUP")
#: Most grid times of a range history (the step grows for long approaches).
MAX_SAMPLES = 20_000
_PLOT_LOCK = threading.Lock()  # pyplot keeps global state: one figure at a time


class NoPlot(LookupError):
    """The warning's plot cannot be drawn (its inputs are not stored, or not visible)."""


def _svg(draw) -> str:
    """SVG text written by ``draw(path)``, its text kept as text (the browser's fonts draw it)."""
    import matplotlib

    with _PLOT_LOCK, matplotlib.rc_context({"svg.fonttype": "none"}), \
            tempfile.TemporaryDirectory(prefix="sda-plot-") as tmp:
        path = Path(tmp) / "plot.svg"
        draw(path)
        return path.read_text(encoding="utf-8")


def _sets_of(store: Store, ids, principal: Principal, modes) -> list[StoredElementSet]:
    found = [store.element_set(int(i), principal=principal) for i in ids if i is not None]
    return visible(principal, [s for s in found if s is not None], modes)


def proximity_approach(store: Store, w: Warning, principal: Principal, modes) -> tuple[Approach, dict[int, str]]:
    """The approach of ``PROXIMITY`` warning ``w`` propagated again from its element sets, and
    the names of the two objects (by catalog number) as those element sets give them."""
    ev = w.evidence
    other = w.related_ids[0] if w.related_ids else None
    sets = _sets_of(store, [e.get("id") for e in ev.get("element_sets", [])], principal, modes)
    by_object = {n: sorted((s for s in sets if s.element_set.norad_id == n), key=lambda s: s.element_set.epoch_us)
                 for n in (w.norad_id, other)}
    if other is None or not all(by_object.values()):
        raise NoPlot(f"the element sets of warning {w.id} are not in your view of the catalog")
    asset, near = by_object[w.norad_id], by_object[other]
    first, last = parse_utc_us(ev["first_within"]), parse_utc_us(ev["last_within"])
    es = asset[-1].element_set
    step_us = int(default_step_s(es) * US_PER_S)
    pad = max((last - first) // 4, int(US_PER_DAY / es.mean_motion_rev_day))
    step_us = max(step_us, (last - first + 2 * pad) // MAX_SAMPLES)
    # A grid through the closest time, so that the plot's closest point is the warning's.
    before, after = -(-(w.time_us - first + pad) // step_us), -(-(last + pad - w.time_us) // step_us)
    times = w.time_us + step_us * np.arange(-before, after + 1, dtype=np.int64)
    r_a, v_a, _ = history_states(asset, times)
    r_c, v_c, _ = history_states(near, times)
    dr, dv = r_c - r_a, v_c - v_a
    rng = np.linalg.norm(dr, axis=1)
    rtn_r, rtn_v = to_rtn(dr, dv, r_a, v_a)
    approach = Approach(other, ev["category"], times, rng, rtn_r, rtn_v, w.time_us, ev["min_range_km"],
                        ev["relative_speed_km_s"], first, last, ev["fraction_within"],
                        float("nan") if ev.get("range_trend_km_per_day") is None else ev["range_trend_km_per_day"])
    names = {s.element_set.norad_id: s.element_set.name for s in sets if s.element_set.name}
    return approach, names


def _proximity(store: Store, w: Warning, principal: Principal, modes) -> str:
    approach, names = proximity_approach(store, w, principal, modes)
    return _svg(lambda p: plot_approaches([approach], p, asset_label=names.get(w.norad_id) or str(w.norad_id),
                                          range_km=w.evidence["range_limit_km"], names=names))


def _breakup(store: Store, w: Warning, principal: Principal, modes) -> str:
    ev = w.evidence
    fragments = visible(principal, store.latest(CatalogQuery(norad_ids=tuple(w.related_ids), data_modes=modes),
                                                principal=principal), modes) if w.related_ids else []
    if not fragments:
        raise NoPlot(f"the fragments of warning {w.id} are not in your view of the catalog")
    parent = None
    if w.norad_id is not None:
        found = visible(principal, [o for o in [store.get_object(w.norad_id, modes, principal=principal)] if o],
                        modes)
        parent = found[0].latest.element_set if found else None
    title = f"Gabbard diagram, launch {ev['launch']}" if ev.get("launch") else "Gabbard diagram"
    return _svg(lambda p: plot_gabbard([s.element_set for s in fragments], p, title=title, parent=parent,
                                       breakup_altitude_km=ev.get("breakup_altitude_km")))


def warning_svg(store: Store, w: Warning, principal: Principal, modes) -> str:
    """The SVG plot of warning ``w`` (one of :data:`PLOT_KINDS`) as ``principal`` may see its inputs."""
    draw = {"PROXIMITY": _proximity, "BREAKUP": _breakup}.get(w.kind)
    if draw is None:
        raise NoPlot(f"warning {w.id} is a {w.kind.lower()} warning: it has no plot")
    try:
        return draw(store, w, principal, modes)
    except (KeyError, TypeError, ValueError) as exc:  # evidence not as the analyses write it
        raise NoPlot(f"warning {w.id}: its evidence cannot be plotted ({type(exc).__name__}: {exc})") from None
