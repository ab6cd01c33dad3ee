"""Range history and relative motion of approaches, as a PNG or SVG file (matplotlib, no display needed)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from sda.analyses.proximity.rpo import Approach
from sda.core.times import US_PER_DAY
from sda.products.figures import save_figure, subplots

__all__ = ["plot_approaches"]


def plot_approaches(approaches: Sequence[Approach], path: str | Path, *, asset_label: str, range_km: float,
                    names: dict[int, str] | None = None) -> Path:
    """Write range (km) against days from the window start and the in-track/radial relative motion
    (km, asset RTN frame) of each approach; the format follows the suffix (``.png``, ``.svg``)."""
    path = Path(path)
    names = names or {}
    fig, (ax_range, ax_rtn) = subplots(1, 2, figsize=(13, 5.5))
    for a in approaches:
        label = f"{names.get(a.norad_id) or a.norad_id} ({a.category.lower()})"
        days = (a.times_us - a.times_us[0]) / US_PER_DAY
        ax_range.plot(days, a.range_km, lw=1, label=label)
        ax_rtn.plot(a.rtn_km[:, 1], a.rtn_km[:, 0], lw=0.8, label=label)
        k = int(np.argmin(np.abs(a.times_us - a.closest_us)))
        ax_rtn.plot(a.rtn_km[k, 1], a.rtn_km[k, 0], "o", ms=4, color=ax_rtn.lines[-1].get_color())
    ax_range.axhline(range_km, color="k", ls="--", lw=0.8, label=f"{range_km:g} km")
    ax_range.set(xlabel="days from window start", ylabel="range (km)", yscale="log",
                 title=f"Range to {asset_label}")
    ax_rtn.plot(0, 0, "k*", ms=10, label=asset_label)
    ax_rtn.set(xlabel="in-track T (km)", ylabel="radial R (km)", title="Relative motion, asset RTN frame")
    ax_rtn.set_aspect("equal", adjustable="datalim")
    for ax in (ax_range, ax_rtn):
        ax.grid(alpha=0.3)
    ax_range.legend(fontsize=7, loc="best")
    return save_figure(fig, path)
