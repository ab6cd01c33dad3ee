"""Plot of an object's mean-element series with its detected maneuvers (PNG or SVG)."""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np

from sda.analyses.maneuvers.detect import Maneuver
from sda.analyses.maneuvers.elements import ElementSeries
from sda.products.figures import save_figure, subplots

__all__ = ["plot_maneuvers"]


def plot_maneuvers(series: ElementSeries, maneuvers: Sequence[Maneuver], path: str | Path, *,
                   title: str | None = None, start_us: int | None = None) -> Path:
    """Write the semi-major axis (km), inclination (deg) and, for GEO, longitude drift
    (deg/day) against UTC with a line at every maneuver, from ``start_us`` (UTC µs; the
    whole series by default); format from the suffix (``.png`` or ``.svg``). Returns the
    path written."""
    path = Path(path)
    if path.suffix.lower() not in (".png", ".svg"):
        raise ValueError(f"plot file must end in .png or .svg, not {path.suffix or 'nothing'!r}")
    shown = series.epochs_us >= (start_us if start_us is not None else series.epochs_us[0])
    times = series.epochs_us[shown].astype("datetime64[us]")
    panels = [("mean semi-major axis (km)", series.a_km[shown]), ("inclination (deg)", series.inclination_deg[shown])]
    if series.geo:
        panels.append(("longitude drift (deg/day)", series.longitude_drift_deg_day()[shown]))
    fig, axes = subplots(len(panels), 1, sharex=True, figsize=(11, 2.6 * len(panels)), squeeze=False)
    burns = np.array([m.time_us for m in maneuvers], dtype="datetime64[us]")
    for ax, (label, values) in zip(axes[:, 0], panels):
        ax.plot(times, values, ".", ms=2.5, color="tab:blue", label="element sets")
        for k, t in enumerate(burns):
            ax.axvline(t, color="tab:red", lw=0.8, alpha=0.7, label="detected maneuver" if k == 0 else None)
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
    axes[0, 0].legend(loc="best", fontsize="small")
    axes[0, 0].set_title(title or f"{series.norad_id}: {len(maneuvers)} maneuvers in {len(times)} element sets")
    axes[-1, 0].set_xlabel("UTC")
    return save_figure(fig, path)
