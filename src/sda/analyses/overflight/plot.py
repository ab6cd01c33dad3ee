"""Ground tracks of passes over areas of interest, as a PNG or SVG file (matplotlib, no display needed)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from sda.analyses.overflight.aoi import AreaOfInterest
from sda.analyses.overflight.passes import Pass
from sda.core.frames import teme_to_itrs
from sda.core.geodesy import geodetic_of
from sda.core.times import US_PER_S
from sda.products.figures import save_figure, subplots
from sda.propagation.sgp4 import propagate

__all__ = ["plot_ground_tracks"]

_TRACK_STEP_S = 10.0
_MARGIN_S = 120.0  # track drawn this long before entry and after exit


def plot_ground_tracks(passes: Sequence[Pass], sets: Sequence, areas: Sequence[AreaOfInterest], path: str | Path,
                       labels: Sequence[str]) -> Path:
    """Draw the areas and the ground track (geodetic nadir) of every pass, from two minutes before
    entry to two minutes after exit, the part over the area in bold; ``sets[p.index]`` are the
    satellites' element sets or ``Satrec`` records and ``labels[p.index]`` their names."""
    path = Path(path)
    fig, ax = subplots(figsize=(11, 6))
    for area in areas:
        for ring in area.rings:
            closed = np.vstack((ring, ring[:1]))
            ax.fill(closed[:, 0], closed[:, 1], alpha=0.15, color="tab:red")
            ax.plot(closed[:, 0], closed[:, 1], color="tab:red", lw=1)
        ax.annotate(area.name, (float(area.rings[0][:, 0].mean()), float(area.rings[0][:, 1].max())), fontsize=8)
    colours = {}
    for p in passes:
        t0, t1 = p.entry_us - _MARGIN_S * US_PER_S, p.exit_us + _MARGIN_S * US_PER_S
        times = np.arange(t0, t1 + 1, int(_TRACK_STEP_S * US_PER_S), dtype=np.int64)
        res = propagate([sets[p.index]], times)
        r, _ = teme_to_itrs(res.position_km[0], res.velocity_km_s[0], times)
        lat, lon, _ = geodetic_of(r)
        lat, lon = np.degrees(lat), np.degrees(lon)
        lon = np.where(np.abs(np.diff(lon, prepend=lon[0])) > 180.0, np.nan, lon)  # break at the antimeridian
        over = (times >= p.entry_us) & (times <= p.exit_us)
        first = p.index not in colours
        line, = ax.plot(lon, lat, lw=0.7, color=colours.get(p.index), label=labels[p.index] if first else None)
        colours[p.index] = line.get_color()
        ax.plot(np.where(over, lon, np.nan), lat, lw=2.2, color=line.get_color())
    ax.set(xlabel="longitude (°)", ylabel="latitude (°)", title=f"{len(passes)} pass(es) over areas of interest")
    ax.set_aspect("equal", adjustable="datalim")
    ax.grid(alpha=0.3)
    if colours:
        ax.legend(fontsize=7, loc="best")
    return save_figure(fig, path)
