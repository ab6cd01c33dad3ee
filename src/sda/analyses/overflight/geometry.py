"""Area-of-interest geometry one point at a time, compiled with numba.

This is the one implementation of the geometry described in :mod:`.aoi` (containment,
distance to the boundary, nearest point, reach and off-nadir angle, the overflight
margin ``g``): :class:`.aoi.AreaOfInterest` calls it over arrays of points through
the ``*_of`` loops below, and the pass search (:mod:`.search`) calls the scalar
functions inside its own loops, so both always agree.

An area is handed to these functions as three arrays (see
:meth:`.aoi.AreaOfInterest.kernel_arrays`):

* ``edges`` ``(E, EDGE_COLUMNS)``: per edge, the unit vectors of its ends ``a``, ``b``
  (columns :data:`COL_A`, :data:`COL_B`), the unit normal ``n = a × b / |a × b|``
  (:data:`COL_N`), ``n × a`` and ``b × n`` (:data:`COL_NA`, :data:`COL_BN`: a point
  projects into the arc when its dot products with both are non-negative), and the
  gnomonic coordinates of ``a`` and ``b`` about the area's centre (:data:`COL_GA`,
  :data:`COL_GB`);
* ``axes`` ``(3, 3)``: rows east, north and the centre (unit vectors) of the gnomonic
  projection;
* ``limits`` ``(LIMIT_COLUMNS,)``: the cap radius (rad) around the centre holding every
  vertex and its cosine, the off-nadir limit (rad) and its sine, and the altitude limits (km;
  ``-inf``/``inf`` when absent).

Points are Earth-fixed unit vectors ``(x, y, z)``; angles are radians of central angle.
"""

from __future__ import annotations

import math

import numpy as np

from sda.analyses.overflight.compiled import inline, jit

__all__ = ["EDGE_COLUMNS", "COL_A", "COL_B", "COL_N", "COL_NA", "COL_BN", "COL_GA", "COL_GB", "LIMIT_COLUMNS",
           "MEAN_EARTH_RADIUS_KM", "reach", "off_nadir", "contains", "signed_distance", "nearest_point", "margin",
           "reach_of", "off_nadir_of", "contains_of", "signed_distance_of", "nearest_point_of", "margin_of"]

COL_A, COL_B, COL_N, COL_NA, COL_BN, COL_GA, COL_GB = 0, 3, 6, 9, 12, 15, 17
EDGE_COLUMNS = 19
#: ``limits`` entries: cap radius, its cosine, off-nadir limit and its sine, lowest and highest altitude.
LIM_CAP, LIM_COS_CAP, LIM_OFF_NADIR, LIM_SIN_OFF_NADIR, LIM_MIN_ALT, LIM_MAX_ALT = 0, 1, 2, 3, 4, 5
LIMIT_COLUMNS = 6
#: The Earth's mean radius (km): one unit of altitude margin.
MEAN_EARTH_RADIUS_KM = 6371.0088


@inline
def reach(max_off_nadir_rad: float, sin_max_off_nadir: float, k: float) -> float:
    """Central angle (rad) from the nadir to the farthest ground point seen within ``max_off_nadir_rad``
    (whose sine is ``sin_max_off_nadir``) by a satellite at ``k = 1 + h/R``; the horizon, ``acos(1/k)``,
    when the look angle reaches past the Earth's limb. It grows with ``k``."""
    s = k * sin_max_off_nadir
    if s >= 1.0:
        return math.acos(1.0 / k)
    return math.asin(s) - max_off_nadir_rad


@inline
def off_nadir(central_angle_rad: float, k: float) -> float:
    """Off-nadir angle (rad) of a ground point at ``central_angle_rad`` from the nadir (0 inside); ``k = 1 + h/R``."""
    lam = max(central_angle_rad, 0.0)
    return math.atan2(math.sin(lam), k - math.cos(lam))


@inline
def _dot(m, i, col, x, y, z):
    return m[i, col] * x + m[i, col + 1] * y + m[i, col + 2] * z


@inline
def _chord_angle(x, y, z, m, i, col):
    """Angle (rad) between the unit vector ``(x, y, z)`` and ``m[i, col:col + 3]``, accurate near zero."""
    dx, dy, dz = x - m[i, col], y - m[i, col + 1], z - m[i, col + 2]
    return 2.0 * math.asin(min(math.sqrt(dx * dx + dy * dy + dz * dz) / 2.0, 1.0))


@inline
def contains(x, y, z, edges, axes, limits) -> bool:
    """Whether the unit vector ``(x, y, z)`` is inside the area (even-odd rule over every ring, on the
    gnomonic projection about the centre, where the edges are straight)."""
    q = _dot(axes, 2, 0, x, y, z)
    if not q > limits[LIM_COS_CAP]:
        return False
    gx, gy = _dot(axes, 0, 0, x, y, z) / q, _dot(axes, 1, 0, x, y, z) / q
    inside = False
    for i in range(edges.shape[0]):
        ya, yb = edges[i, COL_GA + 1], edges[i, COL_GB + 1]
        if (ya > gy) != (yb > gy):
            xa, xb = edges[i, COL_GA], edges[i, COL_GB]
            if gx < xa + (gy - ya) * (xb - xa) / (yb - ya):
                inside = not inside
    return inside


@inline
def _nearest_edge(x, y, z, edges):
    """The edge nearest the unit vector ``(x, y, z)`` and whether its nearest point is inside the edge's
    arc (else it is one of its ends). Compares cosines of the distances: ``sqrt(1 − s²)`` to the great
    circle of an arc the point projects into (``s = p·n``), ``p·a`` and ``p·b`` to the ends."""
    best, nearest, nearest_on_arc = -np.inf, 0, False
    for i in range(edges.shape[0]):
        on_arc = _dot(edges, i, COL_NA, x, y, z) >= 0.0 and _dot(edges, i, COL_BN, x, y, z) >= 0.0
        if on_arc:
            s = _dot(edges, i, COL_N, x, y, z)
            closeness = math.sqrt(max(1.0 - s * s, 0.0))
        else:
            closeness = max(_dot(edges, i, COL_A, x, y, z), _dot(edges, i, COL_B, x, y, z))
        if closeness > best:
            best, nearest, nearest_on_arc = closeness, i, on_arc
    return nearest, nearest_on_arc


@inline
def signed_distance(x, y, z, edges, axes, limits) -> float:
    """Angular distance (rad) from the unit vector ``(x, y, z)`` to the area's boundary, negative inside."""
    i, on_arc = _nearest_edge(x, y, z, edges)
    if on_arc:
        d = math.asin(min(abs(_dot(edges, i, COL_N, x, y, z)), 1.0))
    else:
        d = min(_chord_angle(x, y, z, edges, i, COL_A), _chord_angle(x, y, z, edges, i, COL_B))
    return -d if contains(x, y, z, edges, axes, limits) else d


@jit
def nearest_point(x, y, z, edges, axes, limits):
    """The area's point nearest the unit vector ``(x, y, z)`` (the vector itself when inside)."""
    if contains(x, y, z, edges, axes, limits):
        return x, y, z
    i, on_arc = _nearest_edge(x, y, z, edges)
    if on_arc:  # the foot of the perpendicular on the edge's great circle
        s = _dot(edges, i, COL_N, x, y, z)
        fx, fy, fz = x - s * edges[i, COL_N], y - s * edges[i, COL_N + 1], z - s * edges[i, COL_N + 2]
        norm = math.sqrt(fx * fx + fy * fy + fz * fz)
        return fx / norm, fy / norm, fz / norm
    col = COL_A if _chord_angle(x, y, z, edges, i, COL_A) <= _chord_angle(x, y, z, edges, i, COL_B) else COL_B
    return edges[i, col], edges[i, col + 1], edges[i, col + 2]


@jit
def margin(x, y, z, k, height_km, edges, axes, limits) -> float:
    """The overflight margin ``g`` (rad, see :mod:`.aoi`) of the nadir unit vector ``(x, y, z)`` of a
    satellite at ``k = 1 + h/R`` and height ``height_km``: ``g ≤ 0`` while it is over the area."""
    g = signed_distance(x, y, z, edges, axes, limits) - reach(limits[LIM_OFF_NADIR], limits[LIM_SIN_OFF_NADIR], k)
    altitude = max(limits[LIM_MIN_ALT] - height_km, height_km - limits[LIM_MAX_ALT]) / MEAN_EARTH_RADIUS_KM
    return max(g, altitude)


@jit
def reach_of(max_off_nadir_rad, k):
    """:func:`reach` over ``k`` ``(N,)``."""
    out = np.empty(k.shape[0])
    sin_max_off_nadir = math.sin(max_off_nadir_rad)
    for i in range(k.shape[0]):
        out[i] = reach(max_off_nadir_rad, sin_max_off_nadir, k[i])
    return out


@jit
def off_nadir_of(central_angle_rad, k):
    """:func:`off_nadir` over ``central_angle_rad`` and ``k`` ``(N,)``."""
    out = np.empty(k.shape[0])
    for i in range(k.shape[0]):
        out[i] = off_nadir(central_angle_rad[i], k[i])
    return out


@jit
def contains_of(p, edges, axes, limits):
    """:func:`contains` over unit vectors ``p`` ``(N, 3)``."""
    out = np.empty(p.shape[0], dtype=np.bool_)
    for i in range(p.shape[0]):
        out[i] = contains(p[i, 0], p[i, 1], p[i, 2], edges, axes, limits)
    return out


@jit
def signed_distance_of(p, edges, axes, limits):
    """:func:`signed_distance` over unit vectors ``p`` ``(N, 3)``."""
    out = np.empty(p.shape[0])
    for i in range(p.shape[0]):
        out[i] = signed_distance(p[i, 0], p[i, 1], p[i, 2], edges, axes, limits)
    return out


@jit
def nearest_point_of(p, edges, axes, limits):
    """:func:`nearest_point` over unit vectors ``p`` ``(N, 3)``."""
    out = np.empty_like(p)
    for i in range(p.shape[0]):
        out[i, 0], out[i, 1], out[i, 2] = nearest_point(p[i, 0], p[i, 1], p[i, 2], edges, axes, limits)
    return out


@jit
def margin_of(p, k, height_km, edges, axes, limits):
    """:func:`margin` over nadir unit vectors ``p`` ``(N, 3)``, ``k`` and ``height_km`` ``(N,)``."""
    out = np.empty(p.shape[0])
    for i in range(p.shape[0]):
        out[i] = margin(p[i, 0], p[i, 1], p[i, 2], k[i], height_km[i], edges, axes, limits)
    return out
