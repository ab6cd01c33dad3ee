"""Where a decaying object can come down: its ground track in the re-entry window, and the
areas of interest that track crosses.

The track is that of the newest element set's orbit carried through the window by
secular motion along the decay path (:func:`sda.analyses.breakups.secular.secular_elements`,
the same decay model as the prediction): SGP4's own drag model fails near re-entry.
The along-track position so far ahead is not known (minutes of timing error are
thousands of km), so what matters is the set of places the track passes over during the
whole window: an area the track never crosses in the window is safe from this re-entry;
one it crosses is at risk, and the crossing times say when.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sda.core.times import US_PER_S
from sda.products.figures import save_figure, subplots

__all__ = ["GroundTrack", "AreaCrossing", "ground_track", "area_crossings", "plot_ground_track"]



@dataclass(frozen=True, eq=False)
class GroundTrack:
    """``(n,)`` arrays: times (UTC µs), geodetic latitude and longitude (deg) and height (km) of the nadir."""

    time_us: np.ndarray
    lat_deg: np.ndarray
    lon_deg: np.ndarray
    height_km: np.ndarray


@dataclass(frozen=True)
class AreaCrossing:
    """An area the track crosses: its name, the first and last time the nadir is inside (UTC µs),
    how many separate passes and the total time inside (s)."""

    area: str
    first_us: int
    last_us: int
    n_passes: int
    seconds_inside: float

    def as_dict(self) -> dict:
        from sda.core.times import format_utc

        return {"area": self.area, "first": format_utc(self.first_us), "last": format_utc(self.last_us),
                "n_passes": self.n_passes, "seconds_inside": self.seconds_inside}


def ground_track(element_set, start_us: int, stop_us: int, *, step_s: float = 30.0) -> GroundTrack:
    """Nadir track of ``element_set``'s decaying orbit from ``start_us`` to ``stop_us`` every ``step_s`` s."""
    from sda.analyses.breakups.secular import secular_elements
    from sda.core.frames import teme_to_itrs
    from sda.core.geodesy import geodetic_of

    times = np.arange(start_us, stop_us + 1, int(step_s * US_PER_S), dtype=np.int64)
    teme = secular_elements([element_set], times).positions_km()[0]
    fixed, _ = teme_to_itrs(teme, np.zeros_like(teme), times)
    lat, lon, height = geodetic_of(fixed)
    return GroundTrack(time_us=times, lat_deg=np.degrees(lat), lon_deg=np.degrees(lon), height_km=height)


def area_crossings(track: GroundTrack, areas) -> list[AreaCrossing]:
    """The areas of interest (:class:`sda.analyses.overflight.aoi.AreaOfInterest`) whose inside the
    track's nadir enters, with the times; areas it never enters are left out."""
    from sda.core.geodesy import unit_vector

    nadir = unit_vector(np.radians(track.lat_deg), np.radians(track.lon_deg))
    step_s = float(np.median(np.diff(track.time_us))) / US_PER_S if len(track.time_us) > 1 else 0.0
    out = []
    for area in areas:
        inside = area.contains(nadir)
        if not inside.any():
            continue
        idx = np.flatnonzero(inside)
        passes = 1 + int(np.count_nonzero(np.diff(idx) > 1))
        out.append(AreaCrossing(area=area.name, first_us=int(track.time_us[idx[0]]),
                                last_us=int(track.time_us[idx[-1]]), n_passes=passes,
                                seconds_inside=float(len(idx) * step_s)))
    return out


def plot_ground_track(track: GroundTrack, path: str | Path, *, areas=(), title: str = "ground track") -> Path:
    """Write the track (and the areas' outlines) on a longitude-latitude map to ``path`` (.png or .svg)."""
    path = Path(path)
    if path.suffix.lower() not in (".png", ".svg"):
        raise ValueError(f"{path}: plot file must end in .png or .svg, found {path.suffix or 'no suffix'!r}")
    fig, ax = subplots(figsize=(10, 5), dpi=120)
    ax.scatter(track.lon_deg, track.lat_deg, s=1, c="tab:orange", linewidths=0, label="track in the window")
    for area in areas:
        for ring in area.rings:
            closed = np.vstack([ring, ring[:1]])
            ax.plot(closed[:, 0], closed[:, 1], c="tab:blue", lw=1.2)
        ax.annotate(area.name, (ring[:, 0].mean(), ring[:, 1].mean()), fontsize=8, color="tab:blue")
    ax.set_xlim(-180, 180)
    ax.set_ylim(-90, 90)
    ax.set_xlabel("longitude (deg)")
    ax.set_ylabel("geodetic latitude (deg)")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    return save_figure(fig, path)
