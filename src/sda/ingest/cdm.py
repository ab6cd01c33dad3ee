"""CCSDS Conjunction Data Message (CDM, CCSDS 508.0-B-1, with the 2.0 keywords): reader and writer, KVN and XML.

One message per file: two objects (``OBJECT1``, ``OBJECT2``) and their relative
geometry at the time of closest approach (TCA). Every keyword is declared once in
:data:`_TABLE` with its section, block, value type and CCSDS unit; the readers, the
unit check and both writers are driven by that table.

Units are converted at this boundary (see :mod:`sda.core.times` for times):

* ``MISS_DISTANCE`` (m) → :attr:`Cdm.miss_distance_km`; ``RELATIVE_SPEED`` and the
  relative RTN state (m, m/s) → km, km/s;
* the RTN covariance (m², m²/s, m²/s²) → :attr:`CdmObject.covariance_rtn` in km², km²/s,
  km²/s². Rows 7-9, when present, are the drag (``CDRG``, m²/kg), solar-pressure
  (``CSRP``, m²/kg) and thrust (``CTHR``, m/s²) parameters, which keep their CCSDS
  units; only their position/velocity factor is converted (m → km);
* every other keyword is kept in :attr:`CdmObject.fields` / :attr:`Cdm.fields` in the
  unit of the standard (times as UTC microseconds), so nothing in the message is lost.

Readers follow the SDA parser convention: they yield one :class:`Cdm`, or one
:class:`~sda.errors.ParseError` naming the file, line (KVN) or element path (XML),
the keyword, what was expected and what was found. Units written in the message are
checked against the standard; with ``units="note"`` a mismatch (CARA's test CDMs label
relative velocities ``[m]``) is recorded in :attr:`Cdm.unit_notes` instead and the value
is read in the standard's unit. ``NaN`` or an empty value of an optional numeric keyword
(as CARA writes for unknown OD statistics) reads as absent. KVN text must be ASCII,
except that the MINUS SIGN U+2212 (a typesetting artefact of the blue-book examples)
reads as ``-``.

Comments are kept by block (``header``, ``relative``, ``metadata``, ``od``, ``additional``,
``state``, ``cov``, ...): a comment belongs to the block of the next keyword that has a
value, and comments at the end of the message to the last block. (CARA writes its
``HBR = ...`` comment just before ``OBJECT = OBJECT1``, so it is found in OBJECT1's
``metadata`` comments.)

Writers: :func:`write_cdm_kvn` and :func:`write_cdm_xml`. Reading what they write gives
back an equal :class:`Cdm` (converted values are written with the decimal text that
converts back to the same float).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from typing import Any, Iterable, Iterator
from xml.etree import ElementTree as ET

import numpy as np

from sda.core.times import format_utc, parse_utc_us
from sda.errors import ParseError
from sda.ingest.kvn import KvnData, kvn_float, kvn_int, read_kvn
from sda.ingest.xmlsafe import local_name, parse_xml

__all__ = ["Cdm", "CdmObject", "iter_cdm_kvn", "iter_cdm_xml", "write_cdm_kvn", "write_cdm_xml"]

# --------------------------------------------------------------------------- keyword table

# Covariance row names, CCSDS keyword prefixes and unit kinds (p position, v velocity,
# d drag/SRP parameter, t thrust acceleration).
_RTN_ROWS = ("R", "T", "N", "RDOT", "TDOT", "NDOT", "DRG", "SRP", "THR")
_XYZ_ROWS = ("X", "Y", "Z", "XDOT", "YDOT", "ZDOT", "DRG", "SRP", "THR")
_ROW_KIND = "pppvvvddt"
_PAIR_UNIT = {
    "pp": "m**2", "vp": "m**2/s", "vv": "m**2/s**2", "dp": "m**3/kg", "dv": "m**3/(kg*s)",
    "dd": "m**4/kg**2", "tp": "m**2/s**2", "tv": "m**2/s**3", "td": "m**3/(kg*s**2)", "tt": "m**2/s**4",
}


def _cov_keys(rows: tuple[str, ...]) -> list[tuple[str, int, int, str]]:
    """``(keyword, i, j, unit)`` of the lower triangle, in CCSDS order."""
    out = []
    for i, ri in enumerate(rows):
        for j in range(i + 1):
            out.append((f"C{ri}_{rows[j]}", i, j, _PAIR_UNIT[_ROW_KIND[i] + _ROW_KIND[j]]))
    return out


_RTN_COV = _cov_keys(_RTN_ROWS)
_XYZ_COV = _cov_keys(_XYZ_ROWS)
#: Drag/SRP/thrust entries spelled the same in the RTN and the XYZ covariance.
_SHARED_COV = frozenset(k for k, i, j, _ in _RTN_COV if i >= 6 and j >= 6)

# keyword, section (H header, R relative, O object), block, kind, unit ("-" none)
_ROWS = """
CCSDS_CDM_VERS H header str -
CREATION_DATE H header utc -
ORIGINATOR H header str -
MESSAGE_FOR H header str -
MESSAGE_ID H header str -
CLASSIFICATION H header str -
CONJUNCTION_ID R relative str -
TCA R relative utc -
MISS_DISTANCE R relative float m
MAHALANOBIS_DISTANCE R relative float -
RELATIVE_SPEED R relative float m/s
APPROACH_ANGLE R relative float deg
RELATIVE_POSITION_R R relstate float m
RELATIVE_POSITION_T R relstate float m
RELATIVE_POSITION_N R relstate float m
RELATIVE_VELOCITY_R R relstate float m/s
RELATIVE_VELOCITY_T R relstate float m/s
RELATIVE_VELOCITY_N R relstate float m/s
START_SCREEN_PERIOD R relative utc -
STOP_SCREEN_PERIOD R relative utc -
SCREEN_TYPE R relative str -
SCREEN_VOLUME_FRAME R relative str -
SCREEN_VOLUME_SHAPE R relative str -
SCREEN_VOLUME_RADIUS R relative float m
SCREEN_VOLUME_X R relative float m
SCREEN_VOLUME_Y R relative float m
SCREEN_VOLUME_Z R relative float m
SCREEN_ENTRY_TIME R relative utc -
SCREEN_EXIT_TIME R relative utc -
SCREEN_PC_THRESHOLD R relative float -
COLLISION_PERCENTILE R relative ints -
COLLISION_PROBABILITY R relative float -
COLLISION_PROBABILITY_METHOD R relative str -
COLLISION_MAX_PROBABILITY R relative float -
COLLISION_MAX_PC_METHOD R relative str -
SEFI_COLLISION_PROBABILITY R relative float -
SEFI_COLLISION_PROBABILITY_METHOD R relative str -
SEFI_FRAGMENTATION_MODEL R relative str -
PREVIOUS_MESSAGE_ID R relative str -
PREVIOUS_MESSAGE_EPOCH R relative utc -
NEXT_MESSAGE_EPOCH R relative utc -
OBJECT O metadata str -
OBJECT_DESIGNATOR O metadata str -
CATALOG_NAME O metadata str -
OBJECT_NAME O metadata str -
INTERNATIONAL_DESIGNATOR O metadata str -
OBJECT_TYPE O metadata str -
OPERATOR_CONTACT_POSITION O metadata str -
OPERATOR_ORGANIZATION O metadata str -
OPERATOR_PHONE O metadata str -
OPERATOR_EMAIL O metadata str -
ORBIT_CENTER O metadata str -
EPHEMERIS_NAME O metadata str -
ODM_MSG_LINK O metadata str -
ADM_MSG_LINK O metadata str -
OBS_BEFORE_NEXT_MESSAGE O metadata str -
COVARIANCE_METHOD O metadata str -
COVARIANCE_SOURCE O metadata str -
MANEUVERABLE O metadata str -
REF_FRAME O metadata str -
ALT_COV_TYPE O metadata str -
ALT_COV_REF_FRAME O metadata str -
GRAVITY_MODEL O metadata str -
ATMOSPHERIC_MODEL O metadata str -
N_BODY_PERTURBATIONS O metadata str -
SOLAR_RAD_PRESSURE O metadata str -
EARTH_TIDES O metadata str -
INTRACK_THRUST O metadata str -
TIME_LASTOB_START O od utc -
TIME_LASTOB_END O od utc -
RECOMMENDED_OD_SPAN O od float d
ACTUAL_OD_SPAN O od float d
OBS_AVAILABLE O od int -
OBS_USED O od int -
TRACKS_AVAILABLE O od int -
TRACKS_USED O od int -
RESIDUALS_ACCEPTED O od float %
WEIGHTED_RMS O od float -
OD_EPOCH O od utc -
AREA_PC O additional float m**2
AREA_PC_MIN O additional float m**2
AREA_PC_MAX O additional float m**2
AREA_DRG O additional float m**2
AREA_SRP O additional float m**2
OEB_PARENT_FRAME O additional str -
OEB_PARENT_FRAME_EPOCH O additional utc -
OEB_Q1 O additional float -
OEB_Q2 O additional float -
OEB_Q3 O additional float -
OEB_QC O additional float -
OEB_MAX O additional float m
OEB_INT O additional float m
OEB_MIN O additional float m
AREA_ALONG_OEB_MAX O additional float m**2
AREA_ALONG_OEB_INT O additional float m**2
AREA_ALONG_OEB_MIN O additional float m**2
RCS O additional float m**2
RCS_MIN O additional float m**2
RCS_MAX O additional float m**2
VM_ABSOLUTE O additional float -
VM_APPARENT_MIN O additional float -
VM_APPARENT O additional float -
VM_APPARENT_MAX O additional float -
REFLECTANCE O additional float -
HBR O additional float m
APOAPSIS_ALTITUDE O additional float km
PERIAPSIS_ALTITUDE O additional float km
INCLINATION O additional float deg
COV_CONFIDENCE O additional float -
COV_CONFIDENCE_METHOD O additional str -
MASS O additional float kg
CD_AREA_OVER_MASS O additional float m**2/kg
CR_AREA_OVER_MASS O additional float m**2/kg
THRUST_ACCELERATION O additional float m/s**2
SEDR O additional float W/kg
MIN_DV O additional float m/s
MAX_DV O additional float m/s
LEAD_TIME_REQD_BEFORE_START O additional float s
X O state float km
Y O state float km
Z O state float km
X_DOT O state float km/s
Y_DOT O state float km/s
Z_DOT O state float km/s
"""
_ROWS_TAIL = """
CSIG3EIGVEC3 O sig3 floats -
DENSITY_FORECAST_UNCERTAINTY O covmeta float -
CSCALE_FACTOR_MIN O covmeta float -
CSCALE_FACTOR O covmeta float -
CSCALE_FACTOR_MAX O covmeta float -
SCREENING_DATA_SOURCE O covmeta str -
DCP_SENSITIVITY_VECTOR_POSITION O covmeta floats -
DCP_SENSITIVITY_VECTOR_VELOCITY O covmeta floats -
"""


@dataclass(frozen=True, slots=True)
class _Key:
    name: str
    section: str
    block: str
    kind: str
    unit: str | None


def _parse_rows(text: str, table: dict[str, _Key]) -> None:
    for row in text.split("\n"):
        if row.strip():
            k, sec, block, kind, unit = row.split()
            table[k] = _Key(k, sec, block, kind, None if unit == "-" else unit)


def _build_table() -> dict[str, _Key]:
    table: dict[str, _Key] = {}
    _parse_rows(_ROWS, table)
    for k, _, _, u in _RTN_COV:
        table[k] = _Key(k, "O", "cov", "float", u)
    for k, _, _, u in _XYZ_COV:
        table.setdefault(k, _Key(k, "O", "covxyz", "float", u))
    _parse_rows(_ROWS_TAIL, table)
    return table


#: Every CDM keyword: section, block, value type and unit, in the standard's order.
_TABLE = _build_table()
_ORDER = {k: n for n, k in enumerate(_TABLE)}
_USER_PREFIX = "USER_DEFINED_"

_HEADER_REQUIRED = ("CCSDS_CDM_VERS", "CREATION_DATE", "ORIGINATOR", "MESSAGE_ID")
_RELATIVE_REQUIRED = ("TCA", "MISS_DISTANCE")
_OBJECT_REQUIRED = (
    "OBJECT", "OBJECT_DESIGNATOR", "CATALOG_NAME", "OBJECT_NAME", "INTERNATIONAL_DESIGNATOR",
    "EPHEMERIS_NAME", "COVARIANCE_METHOD", "MANEUVERABLE", "REF_FRAME", "X", "Y", "Z", "X_DOT", "Y_DOT", "Z_DOT",
)

# XML containers of each block (the 1.0 schema names; the 2.0 alternative covariances
# and covariance metadata are further covarianceMatrix elements, as in Orekit's samples).
_XML_CONTAINER = {
    "relstate": "relativeStateVector", "od": "odParameters", "additional": "additionalParameters",
    "state": "stateVector", "cov": "covarianceMatrix", "covxyz": "covarianceMatrix",
    "sig3": "covarianceMatrix", "covmeta": "covarianceMatrix", "user": "userDefinedParameters",
}
_OBJECT_BLOCKS = ("metadata", "od", "additional", "state", "cov", "covxyz", "sig3", "covmeta", "user")

# --------------------------------------------------------------------------- records


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.shape == b.shape and bool(np.array_equal(a, b))
    return a == b


class _ArrayEq:
    """Field-wise equality that compares NumPy arrays by shape and value."""

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return all(_same(getattr(self, f.name), getattr(other, f.name)) for f in fields(self) if f.compare)

    __hash__ = None  # type: ignore[assignment]


@dataclass(frozen=True, eq=False)
class CdmObject(_ArrayEq):
    """One object of a CDM.

    ``position_km`` (3,) km and ``velocity_km_s`` (3,) km/s are in ``ref_frame``.
    ``covariance_rtn`` is the (n, n) lower-and-upper-filled covariance in the object's
    RTN frame (n = 6, or 7-9 with drag, SRP and thrust rows), km², km²/s, km²/s² for the
    state block (see the module docstring for rows 7-9); ``None`` when the message only
    gives an alternative covariance (CDM 2.0 ``ALT_COV_TYPE``). ``hbr_m`` is the CDM 2.0
    ``HBR`` keyword, ``area_pc_m2`` the ``AREA_PC`` keyword.

    ``fields`` holds every other keyword by name in the standard's unit (times as UTC µs,
    counts as ``int``, vectors as tuples); ``covariance_xyz`` the CDM 2.0 alternative XYZ
    covariance entries by keyword (m², m²/s, ...); ``user_defined`` the
    ``USER_DEFINED_*`` parameters (name without the prefix → text); ``comments`` the
    comment lines by block (``metadata``, ``od``, ``additional``, ``state``, ``cov``, ...).
    """

    object: str
    object_designator: str
    catalog_name: str
    object_name: str
    international_designator: str
    ephemeris_name: str
    covariance_method: str
    maneuverable: str
    ref_frame: str
    position_km: np.ndarray
    velocity_km_s: np.ndarray
    covariance_rtn: np.ndarray | None
    hbr_m: float | None = None
    area_pc_m2: float | None = None
    fields: dict[str, Any] = field(default_factory=dict)
    covariance_xyz: dict[str, float] = field(default_factory=dict)
    user_defined: dict[str, str] = field(default_factory=dict)
    comments: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def norad_id(self) -> int | None:
        """Catalog number when ``CATALOG_NAME`` is SATCAT and the designator is numeric."""
        d = self.object_designator.strip()
        return int(d) if self.catalog_name.strip().upper() == "SATCAT" and d.isdigit() else None


@dataclass(frozen=True, eq=False)
class Cdm(_ArrayEq):
    """A conjunction data message.

    ``tca_us`` and ``creation_date_us`` are UTC microseconds since 1970;
    ``miss_distance_km`` km; ``relative_speed_km_s`` km/s; ``relative_position_rtn_km``
    (3,) km and ``relative_velocity_rtn_km_s`` (3,) km/s are object 2 relative to object 1
    in object 1's RTN frame. ``collision_probability`` and its ``collision_probability_method``
    are as given by the originator. ``fields`` holds the other header and relative
    keywords (standard units), ``comments`` the comment lines by block (``header``,
    ``relative``), ``unit_notes`` the unit mismatches accepted with ``units="note"``.
    """

    version: str
    creation_date_us: int
    originator: str
    message_id: str
    tca_us: int
    miss_distance_km: float
    object1: CdmObject
    object2: CdmObject
    message_for: str | None = None
    relative_speed_km_s: float | None = None
    relative_position_rtn_km: np.ndarray | None = None
    relative_velocity_rtn_km_s: np.ndarray | None = None
    collision_probability: float | None = None
    collision_probability_method: str | None = None
    fields: dict[str, Any] = field(default_factory=dict)
    comments: dict[str, tuple[str, ...]] = field(default_factory=dict)
    unit_notes: tuple[str, ...] = field(default=(), compare=False)

    @property
    def objects(self) -> tuple[CdmObject, CdmObject]:
        return (self.object1, self.object2)


# --------------------------------------------------------------------------- reading


@dataclass
class _Section:
    values: dict[str, Any] = field(default_factory=dict)
    cov_xyz: dict[str, float] = field(default_factory=dict)
    user: dict[str, str] = field(default_factory=dict)
    comments: dict[str, list[str]] = field(default_factory=dict)
    start: dict = field(default_factory=dict)
    cov_kind: str = "cov"
    last_block: str | None = None


class _Builder:
    """Collects keywords of one message (from either syntax) and builds the :class:`Cdm`."""

    def __init__(self, file: str | None, units: str):
        if units not in ("strict", "note"):
            raise ValueError(f"units must be 'strict' or 'note', not {units!r}")
        self.file = file
        self.units = units
        self.header = _Section()
        self.relative = _Section()
        self.objects: list[_Section] = []
        self.pending: list[str] = []
        self.notes: list[str] = []
        self.version_from_root: str | None = None

    def err(self, msg: str, where: dict, **kw) -> ParseError:
        return ParseError(msg, file=self.file, **where, **kw)

    # -- input events
    def comment(self, text: str) -> None:
        self.pending.append(text)

    def begin_object(self, where: dict) -> None:
        if len(self.objects) == 2:
            raise self.err("a CDM has exactly two objects", where, field="OBJECT", expected="OBJECT1 and OBJECT2",
                           found="a third object")
        self.objects.append(_Section(start=where))

    def flush_comments(self) -> None:
        """Comments left at the end of the message belong to the last block written."""
        if self.pending:
            sec = self.objects[-1] if self.objects else self.relative if self.relative.values else self.header
            sec.comments.setdefault(sec.last_block or "metadata", []).extend(self.pending)
            self.pending = []

    def keyword(self, key: str, text: str, unit: str | None, where: dict, *, kvn: bool) -> None:
        if key.startswith(_USER_PREFIX) and len(key) > len(_USER_PREFIX):
            if not self.objects:
                raise self.err("user-defined parameters belong to an object's data", where, field=key,
                               expected="USER_DEFINED_* after OBJECT", found=key)
            sec = self.objects[-1]
            self._take_comments(sec, "user")
            sec.user[key[len(_USER_PREFIX):]] = text.strip()
            return
        spec = _TABLE.get(key)
        if spec is None:
            raise self.err("unknown CDM keyword", where, field="keyword", expected="a CCSDS CDM keyword", found=key)
        if kvn and key == "OBJECT":
            self.begin_object(where)
        if spec.section == "H":
            if self.relative.values or self.objects:
                raise self.err("header keyword after the header", where, field=key,
                               expected="relative metadata or object keywords", found=key)
            sec = self.header
        elif spec.section == "R":
            if self.objects:
                raise self.err("relative metadata keyword inside an object section", where, field=key,
                               expected="object keywords", found=key)
            sec = self.relative
        else:
            if not self.objects:
                raise self.err("object keyword before OBJECT", where, field=key, expected="OBJECT = OBJECT1 first",
                               found=key)
            sec = self.objects[-1]
        block = spec.block
        if block == "cov" and key in _SHARED_COV:
            block = sec.cov_kind
        elif block in ("cov", "covxyz"):
            sec.cov_kind = block
        store = sec.cov_xyz if block == "covxyz" else sec.values
        if key in store:
            raise self.err("keyword given twice", where, field=key, expected="one value", found=text)
        if unit is None and spec.kind != "str" and "[" in text:
            text, _, rest = text.partition("[")
            self._unit_problem(spec, f"[{rest}", "a unit in square brackets", where)
        self._check_unit(spec, unit, where)
        value = self._value(spec, text, where)
        if value is not None:  # comments go with the next keyword that has a value
            self._take_comments(sec, "relative" if block == "relstate" else block)
            store[key] = value

    def _take_comments(self, sec: _Section, block: str) -> None:
        sec.last_block = block
        if self.pending:
            sec.comments.setdefault(block, []).extend(self.pending)
            self.pending = []

    def _check_unit(self, spec: _Key, unit: str | None, where: dict) -> None:
        if unit is None or not unit.strip():
            return
        given = unit.replace(" ", "")
        if spec.unit is not None and given.lower() == spec.unit.lower():
            return
        self._unit_problem(spec, f"[{unit}]", f"[{spec.unit}]" if spec.unit else "no unit", where)

    def _unit_problem(self, spec: _Key, found: str, expected: str, where: dict) -> None:
        if self.units == "note":
            loc = f"line {where['line']}" if where.get("line") is not None else where.get("element", "")
            self.notes.append(f"{loc}: {spec.name} unit {found}, expected {expected}; value read in the standard unit")
            return
        raise self.err("wrong unit", where, field=spec.name, expected=expected, found=found)

    def _value(self, spec: _Key, text: str, where: dict) -> Any:
        t = text.strip()
        if spec.kind == "str":
            return t if t else None
        if not t or (spec.kind in ("float", "int") and t.lower() == "nan"):
            return None
        if spec.kind == "float":
            return kvn_float(t, file=self.file, field=spec.name, **_line_el(where))
        if spec.kind == "int":
            return kvn_int(t, file=self.file, field=spec.name, **_line_el(where))
        if spec.kind == "floats":
            return tuple(kvn_float(x, file=self.file, field=spec.name, **_line_el(where)) for x in t.split())
        if spec.kind == "ints":
            return tuple(kvn_int(x, file=self.file, field=spec.name, **_line_el(where)) for x in t.split())
        try:
            return parse_utc_us(t)
        except ValueError as exc:
            raise self.err(str(exc), where, field=spec.name, expected="a CCSDS UTC time", found=t) from None

    # -- output
    def build(self, end: dict) -> Cdm:
        self.flush_comments()
        h, r = self.header.values, self.relative.values
        if self.version_from_root is not None:
            h.setdefault("CCSDS_CDM_VERS", self.version_from_root)
        for key in _HEADER_REQUIRED:
            if key not in h:
                raise self.err("mandatory header keyword missing", end, field=key, expected=key, found=None)
        for key in _RELATIVE_REQUIRED:
            if key not in r:
                raise self.err("mandatory relative metadata keyword missing", end, field=key, expected=key, found=None)
        if len(self.objects) != 2:
            raise self.err("a CDM has exactly two objects", end, field="OBJECT", expected="OBJECT1 and OBJECT2",
                           found=f"{len(self.objects)} object(s)")
        objs = [self._object(sec, n) for n, sec in enumerate(self.objects, start=1)]
        rel_p = _vector(r, ("RELATIVE_POSITION_R", "RELATIVE_POSITION_T", "RELATIVE_POSITION_N"), 1000)
        rel_v = _vector(r, ("RELATIVE_VELOCITY_R", "RELATIVE_VELOCITY_T", "RELATIVE_VELOCITY_N"), 1000)
        rest = {k: v for k, v in {**h, **r}.items() if k not in _CDM_TYPED}
        return Cdm(
            version=h["CCSDS_CDM_VERS"],
            creation_date_us=h["CREATION_DATE"],
            originator=h["ORIGINATOR"],
            message_id=h["MESSAGE_ID"],
            tca_us=r["TCA"],
            miss_distance_km=r["MISS_DISTANCE"] / 1000,
            object1=objs[0],
            object2=objs[1],
            message_for=h.get("MESSAGE_FOR"),
            relative_speed_km_s=None if "RELATIVE_SPEED" not in r else r["RELATIVE_SPEED"] / 1000,
            relative_position_rtn_km=rel_p,
            relative_velocity_rtn_km_s=rel_v,
            collision_probability=r.get("COLLISION_PROBABILITY"),
            collision_probability_method=r.get("COLLISION_PROBABILITY_METHOD"),
            fields=rest,
            comments={**_freeze(self.header.comments), **_freeze(self.relative.comments)},
            unit_notes=tuple(self.notes),
        )

    def _object(self, sec: _Section, n: int) -> CdmObject:
        v = sec.values
        name = f"OBJECT{n}"
        if v.get("OBJECT") != name:
            raise self.err("objects must come in order", sec.start, field="OBJECT", expected=name,
                           found=v.get("OBJECT"))
        for key in _OBJECT_REQUIRED:
            if key not in v:
                raise self.err(f"mandatory keyword missing in {name}", sec.start, field=key,
                               expected=f"{key} in the {name} {_TABLE[key].block} block", found=None)
        cov = self._covariance(sec, name)
        return CdmObject(
            object=v["OBJECT"],
            object_designator=v["OBJECT_DESIGNATOR"],
            catalog_name=v["CATALOG_NAME"],
            object_name=v["OBJECT_NAME"],
            international_designator=v["INTERNATIONAL_DESIGNATOR"],
            ephemeris_name=v["EPHEMERIS_NAME"],
            covariance_method=v["COVARIANCE_METHOD"],
            maneuverable=v["MANEUVERABLE"],
            ref_frame=v["REF_FRAME"],
            position_km=_readonly(np.array([v["X"], v["Y"], v["Z"]], dtype=float)),
            velocity_km_s=_readonly(np.array([v["X_DOT"], v["Y_DOT"], v["Z_DOT"]], dtype=float)),
            covariance_rtn=cov,
            hbr_m=v.get("HBR"),
            area_pc_m2=v.get("AREA_PC"),
            fields={k: x for k, x in v.items() if k not in _OBJECT_TYPED and _TABLE[k].block != "cov"},
            covariance_xyz=dict(sec.cov_xyz),
            user_defined=dict(sec.user),
            comments=_freeze(sec.comments),
        )

    def _covariance(self, sec: _Section, name: str) -> np.ndarray | None:
        v = sec.values
        present = [k for k, *_ in _RTN_COV if k in v]
        if not present and "ALT_COV_TYPE" in v:
            return None
        size = 6
        for extra in (7, 8, 9):
            row = [k for k, i, _, _ in _RTN_COV if i == extra - 1]
            if any(k in v for k in row):
                size = extra
        out = np.zeros((size, size))
        for k, i, j, _ in _RTN_COV:
            if i >= size:
                break
            if k not in v:
                raise self.err(f"covariance entry missing in {name}", sec.start, field=k,
                               expected=f"all {size * (size + 1) // 2} entries of the {size}x{size} RTN covariance",
                               found=None)
            factor = 1000 ** ((i < 6) + (j < 6))
            out[i, j] = out[j, i] = v[k] / factor
        return _readonly(out)


_CDM_TYPED = frozenset({
    "CCSDS_CDM_VERS", "CREATION_DATE", "ORIGINATOR", "MESSAGE_ID", "MESSAGE_FOR", "TCA", "MISS_DISTANCE",
    "RELATIVE_SPEED", "RELATIVE_POSITION_R", "RELATIVE_POSITION_T", "RELATIVE_POSITION_N", "RELATIVE_VELOCITY_R",
    "RELATIVE_VELOCITY_T", "RELATIVE_VELOCITY_N", "COLLISION_PROBABILITY", "COLLISION_PROBABILITY_METHOD",
})
_OBJECT_TYPED = frozenset(_OBJECT_REQUIRED) | {"HBR", "AREA_PC"}


def _line_el(where: dict) -> dict:
    return {"line": where.get("line"), "element": where.get("element")}


def _vector(values: dict, keys: tuple[str, str, str], factor: float) -> np.ndarray | None:
    if not any(k in values for k in keys):
        return None
    return _readonly(np.array([values.get(k, math.nan) / factor for k in keys], dtype=float))


def _readonly(a: np.ndarray) -> np.ndarray:
    a.flags.writeable = False
    return a


def _freeze(comments: dict[str, list[str]]) -> dict[str, tuple[str, ...]]:
    return {k: tuple(v) for k, v in comments.items()}


def iter_cdm_kvn(lines: Iterable[str], *, file: str | None = None, units: str = "strict") -> Iterator[Cdm | ParseError]:
    """Read one KVN CDM from ``lines`` (or the whole text); yield the :class:`Cdm` or one :class:`ParseError`.

    ``units="strict"`` rejects a unit that differs from the standard's; ``"note"``
    records it in :attr:`Cdm.unit_notes` and reads the value in the standard's unit.
    """
    if isinstance(lines, str):
        lines = lines.splitlines()
    b = _Builder(file, units)
    last = 0
    try:
        for item in read_kvn((ln.replace("\u2212", "-") for ln in lines), file=file):
            last = item.line
            if isinstance(item, KvnData):
                raise ParseError("line without '='", file=file, line=item.line, field="line",
                                 expected="KEYWORD = value [unit]", found=" ".join(item.tokens))
            if item.key == "COMMENT":
                b.comment(item.value)
            else:
                b.keyword(item.key, item.value, item.unit, {"line": item.line}, kvn=True)
        if last == 0:
            raise ParseError("empty message", file=file, line=None, field="CCSDS_CDM_VERS",
                             expected="a CDM in KVN", found="no keywords")
        yield b.build({"line": last})
    except ParseError as exc:
        yield exc


def iter_cdm_xml(data: bytes | str, *, file: str | None = None, units: str = "strict") -> Iterator[Cdm | ParseError]:
    """Read one XML CDM (``<cdm>`` root, or an ``<ndm>`` holding one); yield the :class:`Cdm` or one :class:`ParseError`."""
    try:
        root = parse_xml(data, file=file)
        if local_name(root) == "ndm":
            inner = [c for c in root if local_name(c) == "cdm"]
            if len(inner) != 1:
                raise ParseError("expected one CDM in the NDM", file=file, element="<ndm>", field="cdm",
                                 expected="one <cdm>", found=f"{len(inner)}")
            root = inner[0]
        if local_name(root) != "cdm":
            raise ParseError("not a CDM", file=file, element=f"<{local_name(root)}>", field="root element",
                             expected="<cdm>", found=local_name(root))
        b = _Builder(file, units)
        if root.get("version") is not None:
            b.version_from_root = root.get("version").strip()
        _walk(b, root, "cdm")
        yield b.build({"element": "<cdm>"})
    except ParseError as exc:
        yield exc


def _walk(b: _Builder, el: ET.Element, path: str) -> None:
    counts: dict[str, int] = {}
    for child in el:
        name = local_name(child)
        if not name:
            continue
        counts[name] = counts.get(name, 0) + 1
        cpath = f"{path}/{name}" + (f"[{counts[name]}]" if name == "segment" else "")
        if len(child) or name in ("header", "body", "relativeMetadataData", "segment", "metadata", "data") \
                or name in _XML_CONTAINER.values():
            if name == "segment":
                b.begin_object({"element": f"<{cpath}>"})
            _walk(b, child, cpath)
            continue
        text = child.text or ""
        if name == "COMMENT":
            b.comment(text.strip())
            continue
        if child.get("nil") == "true" or child.get("{http://www.w3.org/2001/XMLSchema-instance}nil") == "true":
            text = ""
        key = f"{_USER_PREFIX}{child.get('parameter', '')}" if name == "USER_DEFINED" else name
        b.keyword(key, text, child.get("units"), {"element": f"<{cpath}>"}, kvn=False)


# --------------------------------------------------------------------------- writing


def _text_scaled(value: float, factor: int) -> str:
    """Shortest decimal text ``t`` with ``float(t) / factor == value`` (what the reader computes)."""
    if factor == 1:
        return repr(float(value))
    y = value * factor
    cands = [y]
    up = down = y
    for _ in range(4):
        up, down = np.nextafter(up, math.inf), np.nextafter(down, -math.inf)
        cands += [float(up), float(down)]
    for c in cands:
        if c / factor == value:
            return repr(float(c))
    return repr(float(y))


def _format(spec: _Key, value: Any) -> str:
    if spec.kind == "utc":
        return format_utc(value)[:-1]
    if spec.kind == "float":
        return repr(float(value))
    if spec.kind in ("floats", "ints"):
        return " ".join(repr(x) for x in value)
    return str(value)


def _object_items(o: CdmObject) -> dict[str, str]:
    """Keyword → text of one object, in CDM units."""
    out: dict[str, str] = {}
    typed = {
        "OBJECT": o.object, "OBJECT_DESIGNATOR": o.object_designator, "CATALOG_NAME": o.catalog_name,
        "OBJECT_NAME": o.object_name, "INTERNATIONAL_DESIGNATOR": o.international_designator,
        "EPHEMERIS_NAME": o.ephemeris_name, "COVARIANCE_METHOD": o.covariance_method,
        "MANEUVERABLE": o.maneuverable, "REF_FRAME": o.ref_frame, "HBR": o.hbr_m, "AREA_PC": o.area_pc_m2,
    }
    for k, x in zip(("X", "Y", "Z"), o.position_km):
        typed[k] = float(x)
    for k, x in zip(("X_DOT", "Y_DOT", "Z_DOT"), o.velocity_km_s):
        typed[k] = float(x)
    for k, x in {**typed, **o.fields}.items():
        if x is not None:
            out[k] = _format(_TABLE[k], x)
    if o.covariance_rtn is not None:
        n = o.covariance_rtn.shape[0]
        for k, i, j, _ in _RTN_COV:
            if i < n:
                out[k] = _text_scaled(float(o.covariance_rtn[i, j]), 1000 ** ((i < 6) + (j < 6)))
    return out


def _relative_items(c: Cdm) -> dict[str, str]:
    out: dict[str, str] = {
        "CCSDS_CDM_VERS": c.version, "CREATION_DATE": _format(_TABLE["CREATION_DATE"], c.creation_date_us),
        "ORIGINATOR": c.originator, "MESSAGE_ID": c.message_id, "TCA": _format(_TABLE["TCA"], c.tca_us),
        "MISS_DISTANCE": _text_scaled(c.miss_distance_km, 1000),
    }
    if c.message_for is not None:
        out["MESSAGE_FOR"] = c.message_for
    if c.relative_speed_km_s is not None:
        out["RELATIVE_SPEED"] = _text_scaled(c.relative_speed_km_s, 1000)
    for vec, keys in ((c.relative_position_rtn_km, "POSITION"), (c.relative_velocity_rtn_km_s, "VELOCITY")):
        if vec is not None:
            for axis, x in zip("RTN", vec):
                if not math.isnan(x):
                    out[f"RELATIVE_{keys}_{axis}"] = _text_scaled(float(x), 1000)
    if c.collision_probability is not None:
        out["COLLISION_PROBABILITY"] = repr(float(c.collision_probability))
    if c.collision_probability_method is not None:
        out["COLLISION_PROBABILITY_METHOD"] = c.collision_probability_method
    for k, x in c.fields.items():
        out[k] = _format(_TABLE[k], x)
    return out


def _blocks(items: dict[str, str], o: CdmObject | None) -> list[tuple[str, list[tuple[str, str, str | None]]]]:
    """Keywords grouped in consecutive blocks, in the standard's order: ``[(block, [(key, text, unit)])]``."""
    rows = [(_TABLE[k].block, k, t, _TABLE[k].unit) for k, t in sorted(items.items(), key=lambda kv: _ORDER[kv[0]])]
    if o is not None:
        rows += [("covxyz", k, repr(float(o.covariance_xyz[k])), u) for k, _, _, u in _XYZ_COV if k in o.covariance_xyz]
        rows.sort(key=lambda r: _OBJECT_BLOCKS.index(r[0]) if r[0] in _OBJECT_BLOCKS else 0)
        rows += [("user", _USER_PREFIX + k, t, None) for k, t in o.user_defined.items()]
    out: list[tuple[str, list]] = []
    for block, k, t, u in rows:
        if not out or out[-1][0] != block:
            out.append((block, []))
        out[-1][1].append((k, t, u))
    comments = o.comments if o is not None else {}
    for block in comments:  # a block with comments but no keywords keeps its comments
        if block not in [b for b, _ in out]:
            out.append((block, []))
            out.sort(key=lambda bk: _OBJECT_BLOCKS.index(bk[0]) if bk[0] in _OBJECT_BLOCKS else 0)
    return out


def write_cdm_kvn(cdm: Cdm) -> str:
    """KVN text of ``cdm`` (ASCII, one ``KEYWORD = value [unit]`` per line)."""
    lines: list[str] = []

    def kv(key: str, text: str, unit: str | None) -> None:
        lines.append(f"{key:<36} = {text}" + (f" [{unit}]" if unit else ""))

    def comments(texts: Iterable[str]) -> None:
        lines.extend(("COMMENT " + t).rstrip() for t in texts)

    items = _relative_items(cdm)
    kv("CCSDS_CDM_VERS", items.pop("CCSDS_CDM_VERS"), None)
    done: set[str] = set()
    for block, rows in _blocks(items, None):
        label = "relative" if block == "relstate" else block
        if label not in done:
            comments(cdm.comments.get(label, ()))
            done.add(label)
        for k, t, u in rows:
            kv(k, t, u)
    for o in cdm.objects:
        for block, rows in _blocks(_object_items(o), o):
            comments(o.comments.get(block, ()))
            for k, t, u in rows:
                kv(k, t, u)
    return "\n".join(lines) + "\n"


def write_cdm_xml(cdm: Cdm) -> bytes:
    """NDM/XML bytes of ``cdm`` (UTF-8, ``<cdm id="CCSDS_CDM_VERS" version=...>``)."""
    root = ET.Element("cdm", {"id": "CCSDS_CDM_VERS", "version": cdm.version})
    header = ET.SubElement(root, "header")
    body = ET.SubElement(root, "body")
    rel = ET.SubElement(body, "relativeMetadataData")

    def leaf(parent: ET.Element, key: str, text: str, unit: str | None) -> None:
        if key.startswith(_USER_PREFIX):
            el = ET.SubElement(parent, "USER_DEFINED", {"parameter": key[len(_USER_PREFIX):]})
        else:
            el = ET.SubElement(parent, key, {"units": unit} if unit else {})
        el.text = text

    def comments(parent: ET.Element, texts: Iterable[str]) -> None:
        for t in texts:
            ET.SubElement(parent, "COMMENT").text = t

    items = _relative_items(cdm)
    items.pop("CCSDS_CDM_VERS")
    comments(header, cdm.comments.get("header", ()))
    comments(rel, cdm.comments.get("relative", ()))
    for block, rows in _blocks(items, None):
        parent = header if block == "header" else rel
        if block == "relstate":
            parent = ET.SubElement(rel, "relativeStateVector")
        for k, t, u in rows:
            leaf(parent, k, t, u)
    for o in cdm.objects:
        seg = ET.SubElement(body, "segment")
        meta = ET.SubElement(seg, "metadata")
        data = ET.SubElement(seg, "data")
        for block, rows in _blocks(_object_items(o), o):
            parent = meta if block == "metadata" else ET.SubElement(data, _XML_CONTAINER[block])
            comments(parent, o.comments.get(block, ()))
            for k, t, u in rows:
                leaf(parent, k, t, u)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"
