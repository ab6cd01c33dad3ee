"""Detected maneuvers as indications-and-warnings records.

Each :class:`~sda.analyses.maneuvers.detect.Maneuver` becomes a
:class:`sda.products.warnings.Warning` of kind ``MANEUVER`` whose evidence names the
element sets it rests on (catalog ids and epochs: the last before the burn, the first
after it, the spanning fit if any) with the sizes, z-scores and noise levels, and
whose marking is the strictest of the markings of every element set its trends rest on.
"""

from __future__ import annotations

from typing import Sequence

from sda.analyses.maneuvers.detect import Maneuver
from sda.catalog.records import StoredElementSet
from sda.core.times import format_utc
from sda.products.warnings import Warning, warning_marking

__all__ = ["maneuver_warnings"]

#: Maneuver fields the warning carries itself, or positions meaningful only in the input list.
_NOT_EVIDENCE = ("norad_id", "time", "confidence", "kind", "window_start", "window_stop", "pre_index", "post_index",
                 "spanning_indices")


def maneuver_warnings(maneuvers: Sequence[Maneuver], element_sets: Sequence[StoredElementSet], *,
                      plot_path: str | None = None) -> list[Warning]:
    """Warnings for ``maneuvers`` detected in ``element_sets`` (the stored history they were
    detected in: ``pre_index`` / ``post_index`` index it). ``plot_path`` is recorded as evidence."""
    out = []
    for m in maneuvers:
        used = [element_sets[i] for i in (m.pre_index, m.post_index)]
        inputs = [s.provenance.marking for s in element_sets
                  if m.evidence_start_us <= s.element_set.epoch_us <= m.evidence_stop_us]
        data_mode = used[-1].provenance.data_mode
        evidence = {k: v for k, v in m.as_dict().items() if k not in _NOT_EVIDENCE}
        evidence["class"] = m.kind
        evidence["element_sets"] = [{"id": s.id, "epoch": format_utc(s.element_set.epoch_us)} for s in used]
        evidence["spanning_element_set_ids"] = [element_sets[i].id for i in m.spanning_indices]
        if plot_path:
            evidence["plot"] = plot_path
        summary = (f"{m.kind.replace('_', ' ').lower()} of {m.delta_v_m_s:.3g} m/s "
                   f"(Δa {m.delta_a_km * 1000:+.0f} m, Δi {m.delta_i_deg:+.4f}°) at {format_utc(m.time_us, digits=0)}")
        out.append(Warning(
            kind="MANEUVER", norad_id=m.norad_id, time_us=m.time_us, confidence=m.confidence, summary=summary,
            evidence=evidence, window_start_us=min(m.window_start_us, m.time_us), window_stop_us=m.window_stop_us,
            marking=warning_marking(inputs), data_mode=data_mode,
        ))
    return out
