"""Candidate breakup clouds: new objects of one launch, or objects in orbits like a parent's.

Catalogued fragments of a breakup get the parent's international designator with new
piece letters (``1982-092D``, ``1982-092ABC``...), so a launch with many debris pieces is
the first candidate. Fragments not yet identified (``TBA``, ``OBJECT A``) are found by
orbital similarity to the parent: the same inclination and, once the node drift between
the epochs is accounted for, the same orbital plane.
"""

from __future__ import annotations

import re
from collections import defaultdict

import numpy as np

from sda.analyses.breakups.secular import secular_rates
from sda.core.orbits import semi_major_axis_from_tle_km
from sda.core.times import US_PER_DAY

__all__ = ["launch_designator", "launch_clouds", "parent_candidates", "similar_orbits"]

_LAUNCH = re.compile(r"^(\d{4}-\d{3})")
_PARENT_TYPES = ("PAYLOAD", "ROCKET BODY", "UNKNOWN")


def launch_designator(intl: str | None) -> str | None:
    """``YYYY-NNN`` of a COSPAR designator (``1982-092ABC`` → ``1982-092``); ``None`` if it has none."""
    m = _LAUNCH.match(intl or "")
    return m.group(1) if m else None


def launch_clouds(sets, *, min_fragments: int = 10) -> dict[str, list]:
    """Debris element sets grouped by launch, for launches with at least ``min_fragments`` of them,
    largest first."""
    groups: dict[str, list] = defaultdict(list)
    for s in sets:
        launch = launch_designator(s.intl_designator)
        if launch and s.object_type == "DEBRIS":
            groups[launch].append(s)
    ranked = sorted(((k, v) for k, v in groups.items() if len(v) >= min_fragments), key=lambda kv: -len(kv[1]))
    return dict(ranked)


def parent_candidates(sets, launch: str) -> list:
    """Non-debris objects of a launch (payloads first, then rocket bodies, then unknown), by piece."""
    own = [s for s in sets if launch_designator(s.intl_designator) == launch and s.object_type in _PARENT_TYPES]
    return sorted(own, key=lambda s: (_PARENT_TYPES.index(s.object_type), len(s.intl_designator or ""),
                                      s.intl_designator or ""))


def similar_orbits(parent, sets, *, max_inclination_deg: float = 1.0, max_node_deg: float = 2.0) -> list:
    """Element sets whose orbital plane is the parent's: inclination within ``max_inclination_deg``
    and node within ``max_node_deg`` of the parent's node carried (secular J2/J4 drift) to
    each set's epoch. Meant for recent breakups (days to weeks), before fragments'
    nodes drift apart."""
    if not sets:
        return []
    a_p = semi_major_axis_from_tle_km(parent.mean_motion_rev_day, parent.eccentricity, parent.inclination_deg)
    node_rate, _, _ = secular_rates(a_p, parent.eccentricity, np.radians(parent.inclination_deg))
    inc = np.array([s.inclination_deg for s in sets])
    dt = (np.array([s.epoch_us for s in sets]) - parent.epoch_us) / US_PER_DAY
    node = parent.raan_deg + np.degrees(node_rate) * dt
    d_node = np.abs((np.array([s.raan_deg for s in sets]) - node + 180.0) % 360.0 - 180.0)
    keep = (np.abs(inc - parent.inclination_deg) <= max_inclination_deg) & (d_node <= max_node_deg)
    return [s for s, k in zip(sets, keep) if k and s.norad_id != parent.norad_id]
