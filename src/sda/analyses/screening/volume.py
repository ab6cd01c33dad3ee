"""Screening volumes: a distance, or an ellipsoid or box in the primary's RTN frame."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["ScreeningVolume"]


@dataclass(frozen=True)
class ScreeningVolume:
    """Where a secondary must be, relative to object 1 at TCA, to be reported.

    ``kind``: ``"sphere"`` (``radius_km``), ``"ellipsoid"`` or ``"box"`` with half-sizes
    ``radial_km``, ``in_track_km``, ``cross_track_km`` in object 1's RTN frame (e.g. the
    common LEO box 2 × 25 × 25 km, or 1 × 5 × 5 km). Detection uses the smallest sphere
    that holds the volume; the volume itself is applied to the refined miss vector.
    """

    kind: str = "sphere"
    radius_km: float = 5.0
    radial_km: float = 0.0
    in_track_km: float = 0.0
    cross_track_km: float = 0.0

    def __post_init__(self) -> None:
        if self.kind not in ("sphere", "ellipsoid", "box"):
            raise ValueError(f"volume kind must be sphere, ellipsoid or box, not {self.kind!r}")
        sizes = (self.radius_km,) if self.kind == "sphere" else (self.radial_km, self.in_track_km, self.cross_track_km)
        if not all(s > 0 for s in sizes):
            raise ValueError(f"{self.kind} sizes must be positive km, got {sizes}")

    @classmethod
    def sphere(cls, radius_km: float) -> "ScreeningVolume":
        return cls("sphere", radius_km=radius_km)

    @property
    def bounding_radius_km(self) -> float:
        """Radius (km) of the smallest sphere about object 1 that contains the volume."""
        if self.kind == "sphere":
            return self.radius_km
        if self.kind == "ellipsoid":
            return max(self.radial_km, self.in_track_km, self.cross_track_km)
        return float(np.sqrt(self.radial_km**2 + self.in_track_km**2 + self.cross_track_km**2))

    def contains(self, miss_rtn_km: np.ndarray) -> np.ndarray:
        """Whether each miss vector (..., 3) km in object 1's RTN frame lies in the volume (...)."""
        r, t, n = np.moveaxis(np.abs(np.asarray(miss_rtn_km, dtype=np.float64)), -1, 0)
        if self.kind == "sphere":
            return r * r + t * t + n * n <= self.radius_km**2
        if self.kind == "ellipsoid":
            return (r / self.radial_km) ** 2 + (t / self.in_track_km) ** 2 + (n / self.cross_track_km) ** 2 <= 1.0
        return (r <= self.radial_km) & (t <= self.in_track_km) & (n <= self.cross_track_km)
