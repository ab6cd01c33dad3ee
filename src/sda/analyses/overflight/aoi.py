"""Areas of interest: GeoJSON polygons with optional altitude and look-angle limits, and their geometry.

An :class:`AreaOfInterest` is one or more polygons (GeoJSON ``Polygon`` or
``MultiPolygon``, longitude and latitude in degrees, holes allowed) with three optional
limits read from the feature's ``properties``:

* ``max_off_nadir_deg``: a satellite is over the area while some point of the area lies
  within this angle of its nadir (0, the default: while its nadir point is inside);
* ``min_altitude_km`` / ``max_altitude_km``: only while the satellite's height above
  the WGS-84 ellipsoid is within these bounds.

Geometry. Vertices are points of the WGS-84 ellipsoid at their geodetic latitude; edges
are the great-circle arcs between vertices on the sphere of geodetic latitude and
longitude (the same lines a gnomonic map draws straight), so the in/out test and the
distance to an edge agree exactly. The nadir of a satellite is its geodetic
sub-satellite point. The off-nadir angle ``η`` of a ground point at central angle ``λ``
from the nadir is that of the triangle Earth centre - satellite - ground point with the
ground at the ellipsoid's radius ``R`` under the nadir and the satellite at ``R + h``:
``tan η = sin λ / (k − cos λ)`` with ``k = 1 + h/R`` (within about 0.1° of the
ellipsoidal look angle for a satellite in LEO).

The overflight condition is ``g ≤ 0`` with the **margin** ``g`` (radians of central
angle, :meth:`AreaOfInterest.margin_rad`): the signed angular distance from the nadir to
the area's boundary (negative inside) minus the reach ``λ_max(η_max, k)``, and, with
altitude limits, the larger of that and the height excess over a limit divided by the
Earth's mean radius (so one unit of ``g`` is about 6,371 km either way).

The geometry itself is computed point by point in :mod:`.geometry` (compiled with
numba), which the pass search calls directly; this module reads areas and holds them.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from sda.analyses.overflight import geometry
from sda.core.geodesy import unit_vector
from sda.errors import ParseError

__all__ = ["AreaOfInterest", "load_areas", "areas_from_geojson", "reach_rad", "off_nadir_rad", "MAX_CAP_DEG"]

#: Largest angular radius (degrees) of an area around its centre.
MAX_CAP_DEG = 80.0


def _points(p) -> np.ndarray:
    return np.ascontiguousarray(np.asarray(p, dtype=np.float64).reshape(-1, 3))


def _flat(x) -> np.ndarray:
    return np.ascontiguousarray(np.asarray(x, dtype=np.float64).reshape(-1))


def reach_rad(max_off_nadir_rad: float, k: np.ndarray) -> np.ndarray:
    """Central angle (rad) from the nadir to the farthest ground point seen within ``max_off_nadir_rad``
    (:func:`.geometry.reach`), for ``k = 1 + h/R`` of any shape."""
    k = np.asarray(k, dtype=np.float64)
    return geometry.reach_of(float(max_off_nadir_rad), _flat(k)).reshape(k.shape)


def off_nadir_rad(central_angle_rad: np.ndarray, k: np.ndarray) -> np.ndarray:
    """Off-nadir angle (rad) of a ground point at ``central_angle_rad`` from the nadir; ``k = 1 + h/R``
    (:func:`.geometry.off_nadir`; the two broadcast together)."""
    lam, k = np.broadcast_arrays(np.asarray(central_angle_rad, dtype=np.float64), np.asarray(k, dtype=np.float64))
    return geometry.off_nadir_of(_flat(lam), _flat(k)).reshape(lam.shape)


@dataclass(frozen=True, eq=False)
class AreaOfInterest:
    """One area: ``rings`` is a tuple of ``(n, 2)`` arrays of ``(lon_deg, lat_deg)`` vertices
    (not repeating the first), outer rings and holes alike (in/out is even-odd over all rings).

    Derived on construction: the cap (``center`` unit vector, ``cap_rad`` angular radius
    holding every vertex) and the arrays the compiled geometry works on
    (:meth:`kernel_arrays`, laid out as :mod:`.geometry` describes).
    """

    name: str
    rings: tuple[np.ndarray, ...]
    max_off_nadir_deg: float = 0.0
    min_altitude_km: float | None = None
    max_altitude_km: float | None = None
    center: np.ndarray = field(init=False, repr=False)
    cap_rad: float = field(init=False)
    edges: np.ndarray = field(init=False, repr=False)
    axes: np.ndarray = field(init=False, repr=False)
    limits: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if not 0.0 <= self.max_off_nadir_deg < 90.0:
            raise ValueError(f"area {self.name!r}: max_off_nadir_deg must be within [0, 90), "
                             f"not {self.max_off_nadir_deg}")
        a = np.concatenate([unit_vector(np.radians(r[:, 1]), np.radians(r[:, 0])) for r in self.rings])
        b = np.concatenate([unit_vector(np.radians(np.roll(r[:, 1], -1)), np.radians(np.roll(r[:, 0], -1)))
                            for r in self.rings])
        center = a.sum(axis=0)
        center /= np.linalg.norm(center)
        cap = float(np.max(2.0 * np.arcsin(np.minimum(np.linalg.norm(a - center, axis=-1) / 2.0, 1.0))))
        if cap > math.radians(MAX_CAP_DEG):
            raise ValueError(f"area {self.name!r} reaches {math.degrees(cap):.1f}° from its centre; "
                             f"at most {MAX_CAP_DEG:g}° is supported")
        n = np.cross(a, b)
        n /= np.linalg.norm(n, axis=-1, keepdims=True)
        east = np.cross([0.0, 0.0, 1.0], center)
        if np.linalg.norm(east) < 1e-12:  # centred on a pole
            east = np.array([1.0, 0.0, 0.0])
        east /= np.linalg.norm(east)
        axes = np.stack((east, np.cross(center, east), center))

        def gnomonic(p):  # (N, 2) gnomonic coordinates about the centre
            q = p @ axes.T
            return q[:, :2] / q[:, 2:3]

        edges = np.concatenate((a, b, n, np.cross(n, a), np.cross(b, n), gnomonic(a), gnomonic(b)), axis=1)
        limits = np.empty(geometry.LIMIT_COLUMNS)
        eta = math.radians(self.max_off_nadir_deg)
        limits[[geometry.LIM_CAP, geometry.LIM_COS_CAP, geometry.LIM_OFF_NADIR, geometry.LIM_SIN_OFF_NADIR]] = (
            cap, math.cos(cap), eta, math.sin(eta))
        limits[geometry.LIM_MIN_ALT] = -np.inf if self.min_altitude_km is None else self.min_altitude_km
        limits[geometry.LIM_MAX_ALT] = np.inf if self.max_altitude_km is None else self.max_altitude_km
        put = object.__setattr__
        put(self, "center", center)
        put(self, "cap_rad", cap)
        put(self, "edges", np.ascontiguousarray(edges))
        put(self, "axes", np.ascontiguousarray(axes))
        put(self, "limits", limits)

    @property
    def max_off_nadir_rad(self) -> float:
        return math.radians(self.max_off_nadir_deg)

    def kernel_arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(edges, axes, limits)``: the area as the functions of :mod:`.geometry` take it."""
        return self.edges, self.axes, self.limits

    def contains(self, p: np.ndarray) -> np.ndarray:
        """Whether unit vectors ``(N, 3)`` are inside the area (even-odd rule over every ring)."""
        return geometry.contains_of(_points(p), *self.kernel_arrays())

    def signed_distance_rad(self, p: np.ndarray) -> np.ndarray:
        """Angular distance (rad) from unit vectors ``(N, 3)`` to the area's boundary, negative inside."""
        return geometry.signed_distance_of(_points(p), *self.kernel_arrays())

    def nearest_point(self, p: np.ndarray) -> np.ndarray:
        """The area's point nearest each unit vector ``(N, 3)`` (the vector itself when inside), ``(N, 3)``."""
        return geometry.nearest_point_of(_points(p), *self.kernel_arrays())

    def margin_rad(self, nadir: np.ndarray, k: np.ndarray, height_km: np.ndarray) -> np.ndarray:
        """The overflight margin ``g`` (see the module docstring) of nadir unit vectors ``(N, 3)``
        with ``k = 1 + h/R`` and heights ``height_km`` ``(N,)``; ``g ≤ 0`` while over the area."""
        return geometry.margin_of(_points(nadir), _flat(k), _flat(height_km), *self.kernel_arrays())


def _fail(file: str, element: str, expected: str, found) -> ParseError:
    return ParseError(file=file, element=element, expected=expected, found=str(found)[:80])


def _ring(coords, file: str, element: str) -> np.ndarray:
    try:
        arr = np.asarray(coords, dtype=np.float64)
    except (TypeError, ValueError):
        raise _fail(file, element, "a list of [longitude, latitude] positions", coords) from None
    if arr.ndim != 2 or arr.shape[1] < 2 or len(arr) < 4:
        raise _fail(file, element, "a closed ring of at least 4 [longitude, latitude] positions", coords)
    arr = arr[:, :2]
    if not np.array_equal(arr[0], arr[-1]):
        raise _fail(file, element, "a closed ring (last position equal to the first)", coords)
    if not (np.all(np.abs(arr[:, 1]) <= 90.0) and np.all(np.abs(arr[:, 0]) <= 360.0) and np.isfinite(arr).all()):
        raise _fail(file, element, "longitudes within ±360° and latitudes within ±90°", coords)
    return arr[:-1]


def _polygons(geometry, file: str, element: str) -> list[list]:
    if not isinstance(geometry, dict):
        raise _fail(file, element, "a GeoJSON geometry object", geometry)
    kind = geometry.get("type")
    coords = geometry.get("coordinates")
    if kind == "Polygon":
        return [coords]
    if kind == "MultiPolygon" and isinstance(coords, list):
        return coords
    raise _fail(file, f"{element}.type", "Polygon or MultiPolygon", kind)


def _limit(props: dict, key: str, file: str, element: str) -> float | None:
    value = props.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise _fail(file, f"{element}.properties.{key}", "a number", value)
    return float(value)


def _area(geometry, props: dict, default_name: str, file: str, element: str) -> AreaOfInterest:
    rings = []
    for i, polygon in enumerate(_polygons(geometry, file, f"{element}.geometry")):
        if not isinstance(polygon, list) or not polygon:
            raise _fail(file, f"{element}.geometry.coordinates[{i}]", "a list of rings", polygon)
        for j, ring in enumerate(polygon):
            rings.append(_ring(ring, file, f"{element}.geometry.coordinates[{i}][{j}]"))
    name = str(props.get("name") or default_name)
    off_nadir = _limit(props, "max_off_nadir_deg", file, element)
    try:
        return AreaOfInterest(name, tuple(rings), 0.0 if off_nadir is None else off_nadir,
                              _limit(props, "min_altitude_km", file, element),
                              _limit(props, "max_altitude_km", file, element))
    except ValueError as exc:
        raise ParseError(str(exc), file=file, element=element) from None


def areas_from_geojson(doc, file: str = "<geojson>") -> list[AreaOfInterest]:
    """Areas of a parsed GeoJSON document: a FeatureCollection, a Feature or a bare (Multi)Polygon.

    Raises :class:`sda.errors.ParseError` naming the file and the JSON element at fault.
    """
    if not isinstance(doc, dict):
        raise _fail(file, "$", "a GeoJSON object", doc)
    kind = doc.get("type")
    if kind == "FeatureCollection":
        features = doc.get("features")
        if not isinstance(features, list) or not features:
            raise _fail(file, "features", "a non-empty list of features", features)
        items = [(f, f"features[{i}]") for i, f in enumerate(features)]
    elif kind == "Feature":
        items = [(doc, "$")]
    elif kind in ("Polygon", "MultiPolygon"):
        items = [({"geometry": doc, "properties": {}}, "$")]
    else:
        raise _fail(file, "type", "FeatureCollection, Feature, Polygon or MultiPolygon", kind)
    out = []
    for i, (feature, element) in enumerate(items):
        if not isinstance(feature, dict):
            raise _fail(file, element, "a GeoJSON feature", feature)
        props = feature.get("properties") or {}
        if not isinstance(props, dict):
            raise _fail(file, f"{element}.properties", "an object", props)
        out.append(_area(feature.get("geometry"), props, f"area {i + 1}", file, element))
    return out


def load_areas(path: str | Path) -> list[AreaOfInterest]:
    """Areas of interest of a GeoJSON file (see :func:`areas_from_geojson`)."""
    path = Path(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ParseError(exc.msg, file=path.name, line=exc.lineno, expected="JSON") from None
    except OSError as exc:
        raise ParseError(f"cannot read: {exc.strerror}", file=str(path)) from None
    return areas_from_geojson(doc, path.name)
