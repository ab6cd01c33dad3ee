"""Gabbard diagram: perigee and apogee altitude of each fragment against its orbital period.

Fragments thrown forward at the breakup gain period and apogee, those thrown backward
lose period and perigee; both branches cross at the breakup altitude, drawing the
diagram's X (Gabbard 1981). Written as PNG or SVG (by the file's suffix) with matplotlib.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sda.core.orbits import orbit_shape
from sda.products.figures import save_figure, subplots

__all__ = ["GabbardPoints", "gabbard_points", "plot_gabbard"]


@dataclass(frozen=True, eq=False)
class GabbardPoints:
    """``(n,)`` arrays: catalog numbers, orbital period (min), perigee and apogee altitudes (km)."""

    norad_id: np.ndarray
    period_min: np.ndarray
    perigee_km: np.ndarray
    apogee_km: np.ndarray

    def as_dict(self) -> dict:
        return {"norad_id": self.norad_id.tolist(), "period_min": self.period_min.tolist(),
                "perigee_km": self.perigee_km.tolist(), "apogee_km": self.apogee_km.tolist()}


def gabbard_points(sets) -> GabbardPoints:
    """Gabbard-diagram data of element sets (their mean elements at their own epochs)."""
    shapes = np.array([orbit_shape(s.mean_motion_rev_day, s.eccentricity) for s in sets]).reshape(-1, 4)
    return GabbardPoints(norad_id=np.array([s.norad_id for s in sets], dtype=np.int64),
                         period_min=shapes[:, 1], perigee_km=shapes[:, 2], apogee_km=shapes[:, 3])


def plot_gabbard(sets, path: str | Path, *, title: str = "Gabbard diagram", parent=None,
                 breakup_altitude_km: float | None = None) -> Path:
    """Write the Gabbard diagram of ``sets`` to ``path`` (``.png`` or ``.svg``) and return the path.

    ``parent`` (an element set) is drawn as a star; ``breakup_altitude_km`` as a dashed line.
    """
    path = Path(path)
    if path.suffix.lower() not in (".png", ".svg"):
        raise ValueError(f"{path}: plot file must end in .png or .svg, found {path.suffix or 'no suffix'!r}")
    pts = gabbard_points(sets)
    fig, ax = subplots(figsize=(8, 5.5), dpi=120)
    ax.scatter(pts.period_min, pts.apogee_km, s=6, c="tab:red", label="apogee", linewidths=0)
    ax.scatter(pts.period_min, pts.perigee_km, s=6, c="tab:blue", label="perigee", linewidths=0)
    if parent is not None:
        _, period, perigee, apogee = orbit_shape(parent.mean_motion_rev_day, parent.eccentricity)
        ax.scatter([period, period], [perigee, apogee], marker="*", s=120, c="k", label=f"parent {parent.norad_id}")
    if breakup_altitude_km is not None:
        ax.axhline(breakup_altitude_km, ls="--", c="0.4", lw=1, label=f"breakup altitude {breakup_altitude_km:.0f} km")
    ax.set_xlabel("orbital period (min)")
    ax.set_ylabel("altitude (km)")
    ax.set_title(f"{title} — {len(pts.period_min)} objects")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize=8)
    return save_figure(fig, path)
