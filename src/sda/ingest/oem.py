"""CCSDS Orbit Ephemeris Message (OEM, CCSDS 502.0-B-3, versions 1 to 3): reader and writer, KVN and XML.

One :class:`~sda.catalog.records.Ephemeris` per OEM segment. Keyword tables
(:data:`OEM_HEADER`, :data:`OEM_METADATA`, :data:`OEM_STATE`, :data:`OEM_COVARIANCE`)
drive both the readers and the writers. Units: states km and km/s, accelerations
km/s², covariances km², km²/s, km²/s². Epochs in TAI, TT or GPS time are converted
to UTC microseconds (:func:`sda.core.times.scale_to_utc_us`); ``time_system`` keeps
the name written in the file and the writers convert back to it. ``REF_FRAME`` and
``CENTER_NAME`` are kept as written.

Checks: mandatory, duplicate and unknown keywords (with a "did you mean" hint), units
in brackets or ``units=`` attributes, finite ASCII numbers, 6 or 9 numbers per state
line, epochs not going back in time (a repeated epoch is accepted only with the same
state, as some published samples carry one), states inside ``START_TIME`` ..
``STOP_TIME`` and the useable span inside it. States outside the useable span but
inside ``START_TIME`` .. ``STOP_TIME`` are allowed: the standard provides them so
that interpolation works up to the edges. Lines mixing 6 and 9 numbers in one
segment give accelerations with NaN rows where a line has none.

The keyword machinery here (:class:`Keyword`, :func:`read_block`, ...) is shared
with the OPM reader (:mod:`sda.ingest.opm`).
"""

from __future__ import annotations

import difflib
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Iterable, Iterator
from xml.etree.ElementTree import Element

import numpy as np

from sda.catalog.records import Ephemeris
from sda.core.times import TIME_SCALES, format_utc, now_us, parse_utc_us, scale_to_utc_us, utc_to_scale_us
from sda.errors import ParseError
from sda.ingest.kvn import KvnData, KvnLine, kvn_float, kvn_int, read_kvn
from sda.ingest.xmlsafe import children, element_path, local_name, parse_xml

__all__ = [
    "OEM_HEADER",
    "OEM_METADATA",
    "OEM_STATE",
    "OEM_COVARIANCE",
    "iter_oem_kvn",
    "iter_oem_xml",
    "write_oem_kvn",
    "write_oem_xml",
]

VERSIONS = ("1.0", "2.0", "3.0")
_TIME_EXAMPLE = "a CCSDS time such as 2019-12-18T12:00:00.331"


# ---- keyword tables: shared machinery ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Keyword:
    """One CCSDS keyword: the record attribute or dict key it fills and how it is read.

    ``kind`` is ``text``, ``int``, ``float``, ``time`` (in the message's TIME_SYSTEM) or
    ``utc`` (always UTC, such as CREATION_DATE). ``unit`` is the CCSDS unit the value
    is in (``None`` for none); a unit given in the message must match it.
    """

    name: str
    key: str
    kind: str = "text"
    unit: str | None = None
    mandatory: bool = False


@dataclass(frozen=True, slots=True)
class Item:
    """One keyword and value as read, with where it was: KVN ``line`` or XML ``element`` path."""

    key: str
    value: str
    unit: str | None = None
    line: int | None = None
    element: str | None = None


def item_error(item: Item, file: str | None, expected: str, found: str | None = None, message: str = "") -> ParseError:
    """:class:`ParseError` located at ``item``, field its keyword, found its value unless given."""
    return ParseError(
        message, file=file, line=item.line, element=item.element, field=item.key,
        expected=expected, found=item.value if found is None else found,
    )


def _where(item: Item) -> str:
    return f"line {item.line}" if item.line is not None else f"element {item.element}"


def read_block(items: Iterable[Item], table: tuple[Keyword, ...], *, file: str | None, block: str, end: Item) -> dict[str, Item]:
    """Keyword items of one block checked against ``table``; ``end`` locates the block's end.

    Raises :class:`ParseError` on an unknown keyword, a keyword given twice, an empty
    value, a unit other than the table's, or a mandatory keyword missing.
    """
    known = {k.name: k for k in table}
    seen: dict[str, Item] = {}
    for it in items:
        kw = known.get(it.key)
        if kw is None:
            close = difflib.get_close_matches(it.key, list(known), n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            raise item_error(it, file, f"a keyword of the {block}", it.key, f"unknown keyword in {block}{hint}")
        if it.key in seen:
            raise item_error(it, file, f"{it.key} once", f"{it.key} = {it.value}",
                             f"duplicate keyword, first given at {_where(seen[it.key])}")
        if not it.value:
            raise item_error(it, file, "a value", "")
        if it.unit is not None and (kw.unit is None or it.unit.strip().lower() != kw.unit.lower()):
            raise item_error(it, file, f"[{kw.unit}]" if kw.unit else "no unit", f"[{it.unit}]", "wrong unit")
        seen[it.key] = it
    for kw in table:
        if kw.mandatory and kw.name not in seen:
            raise ParseError(f"mandatory keyword missing from {block}", file=file, line=end.line, element=end.element,
                             field=kw.name, expected=f"{kw.name} in the {block}", found=end.key)
    return seen


def time_scale(item: Item, file: str | None) -> str:
    """The TIME_SYSTEM of ``item`` if SDA can convert it to UTC (UTC, TAI, TT, GPS)."""
    if item.value.upper() not in TIME_SCALES:
        raise item_error(item, file, f"one of {', '.join(TIME_SCALES)} (convertible to UTC)",
                         message="time system not supported")
    return item.value.upper()


def read_time(item: Item, *, file: str | None, scale: str) -> int:
    """UTC µs of a CCSDS time in ``scale``."""
    try:
        us = parse_utc_us(item.value)
    except ValueError:
        raise item_error(item, file, _TIME_EXAMPLE) from None
    try:
        return scale_to_utc_us(us, scale)
    except ValueError as exc:
        raise item_error(item, file, f"a time convertible from {scale} to UTC", message=str(exc)) from None


def read_value(item: Item, kw: Keyword, *, file: str | None, scale: str):
    """Value of ``item`` per its keyword's kind (str, int, float or UTC µs)."""
    if kw.kind == "text":
        return item.value
    if kw.kind == "int":
        return kvn_int(item.value, file=file, line=item.line, element=item.element, field=item.key)
    if kw.kind == "float":
        return kvn_float(item.value, file=file, line=item.line, element=item.element, field=item.key)
    return read_time(item, file=file, scale="UTC" if kw.kind == "utc" else scale)


def read_values(found: dict[str, Item], table: tuple[Keyword, ...], *, file: str | None, scale: str) -> dict:
    """``{kw.key: value}`` of every keyword of ``table`` present in ``found``."""
    return {kw.key: read_value(found[kw.name], kw, file=file, scale=scale) for kw in table if kw.name in found}


def format_time(us: int, scale: str) -> str:
    """CCSDS text of a UTC µs time in ``scale``, fraction without trailing zeros."""
    text = format_utc(utc_to_scale_us(int(us), scale))[:-1]
    return text.rstrip("0").rstrip(".")


def format_value(value, kw: Keyword, scale: str) -> str:
    """Text of a value per its keyword's kind; floats in shortest exact form."""
    if kw.kind in ("time", "utc"):
        return format_time(value, "UTC" if kw.kind == "utc" else scale)
    if kw.kind == "float":
        return repr(float(value))
    return str(value)


def kvn_block(values: dict, table: tuple[Keyword, ...], scale: str) -> list[str]:
    """KVN lines ``KEYWORD = value [unit]`` of the keywords of ``table`` with a value."""
    out = []
    for kw in table:
        v = values.get(kw.key)
        if v is None:
            if kw.mandatory:
                raise ValueError(f"{kw.name} is mandatory and has no value")
            continue
        unit = f" [{kw.unit}]" if kw.unit else ""
        out.append(f"{kw.name:<20} = {format_value(v, kw, scale)}{unit}")
    return out


def xml_block(parent: Element, values: dict, table: tuple[Keyword, ...], scale: str) -> None:
    """Append one element per keyword of ``table`` with a value (``units`` attribute if any)."""
    for kw in table:
        v = values.get(kw.key)
        if v is None:
            if kw.mandatory:
                raise ValueError(f"{kw.name} is mandatory and has no value")
            continue
        el = ET.SubElement(parent, kw.name, {"units": kw.unit} if kw.unit else {})
        el.text = format_value(v, kw, scale)


def xml_comments(parent: Element, comments: Iterable[str]) -> None:
    """Append ``<COMMENT>`` elements."""
    for c in comments:
        ET.SubElement(parent, "COMMENT").text = c


def kvn_entries(lines: Iterable[str] | str, *, file: str | None) -> list[Item | KvnData]:
    """KVN keyword lines as :class:`Item` and data lines as ``KvnData``.

    A line :func:`~sda.ingest.kvn.read_kvn` refuses is reported with its keyword as field
    (``data line`` for a line without ``=``).
    """
    if isinstance(lines, str):
        lines = lines.splitlines()
    lines = list(lines)
    out: list[Item | KvnData] = []
    try:
        for e in read_kvn(lines, file=file):
            out.append(Item(e.key, e.value, e.unit, e.line) if isinstance(e, KvnLine) else e)
    except ParseError as exc:
        field = exc.field
        if field is None and exc.line is not None:
            key, eq, _ = lines[exc.line - 1].partition("=")
            field = key.strip() if eq else "data line"
        raise ParseError(exc.detail, file=file, line=exc.line, element=exc.element, field=field,
                         expected=exc.expected, found=exc.found) from None
    return out


def xml_root(data: bytes | str, *, file: str | None, name: str) -> Element:
    """Root element ``name`` of an XML message read through :func:`~sda.ingest.xmlsafe.parse_xml`.

    A refused DTD or entity declaration is located at its line, with field ``DOCTYPE``
    or ``ENTITY``; malformed XML has field ``document``.
    """
    raw = data.encode("utf-8") if isinstance(data, str) else data
    try:
        root = parse_xml(raw, file=file)
    except ParseError as exc:
        field, line = "document", exc.line
        for decl in (b"<!ENTITY", b"<!DOCTYPE"):
            at = raw.find(decl)
            if at >= 0:
                field, line = decl[2:].decode(), raw.count(b"\n", 0, at) + 1
        raise ParseError(exc.detail, file=file, line=line, element=exc.element, field=field,
                         expected=exc.expected, found=exc.found) from None
    if local_name(root) != name:
        raise ParseError("not this message type", file=file, element=element_path(local_name(root)),
                         field="root element", expected=f"<{name}>", found=f"<{local_name(root)}>")
    return root


def xml_items(parent: Element, path: tuple[str, ...]) -> tuple[list[Item], list[str], list[Element]]:
    """``(keyword items, comments, child elements with children)`` of one XML block.

    Leaf children become :class:`Item` (``units`` attribute as unit); elements with
    children of their own (``stateVector``, ...) are returned for the caller to read.
    """
    items, comments, nested = [], [], []
    for child in parent:
        name = local_name(child)
        if not name:
            continue
        if len(child):
            nested.append(child)
        elif name == "COMMENT":
            comments.append((child.text or "").strip())
        else:
            items.append(Item(name, (child.text or "").strip(), child.get("units"),
                              element=element_path(*path, name)))
    return items, comments, nested


def one_child(parent: Element, name: str, *, file: str | None, path: tuple[str, ...]) -> Element:
    """The single child ``name`` of ``parent``."""
    found = children(parent, name)
    if len(found) != 1:
        raise ParseError(file=file, element=element_path(*path), field=name,
                         expected=f"one <{name}>", found=f"{len(found)} <{name}> elements")
    return found[0]


def unexpected_children(parent: Element, allowed: tuple[str, ...], *, file: str | None, path: tuple[str, ...]) -> None:
    """Refuse a child of ``parent`` whose name is not in ``allowed``."""
    for child in parent:
        name = local_name(child)
        if name and name not in allowed:
            raise ParseError("unknown element", file=file, element=element_path(*path, name), field=name,
                             expected=" or ".join(f"<{a}>" for a in allowed), found=f"<{name}>")


def check_version(item: Item, file: str | None) -> None:
    """Refuse a message version SDA does not read."""
    if item.value not in VERSIONS:
        raise item_error(item, file, " or ".join(VERSIONS), message="unsupported message version")


# ---- covariance: 21 lower-triangular terms --------------------------------------------------

_AXES = ("X", "Y", "Z", "X_DOT", "Y_DOT", "Z_DOT")
_COV_UNITS = ("km**2", "km**2/s", "km**2/s**2")

#: Lower-triangular covariance terms row by row: ``(name, row, column, unit)``.
COVARIANCE_TERMS: tuple[tuple[str, int, int, str], ...] = tuple(
    (f"C{_AXES[i]}_{_AXES[j]}", i, j, _COV_UNITS[(i >= 3) + (j >= 3)]) for i in range(6) for j in range(i + 1)
)
COVARIANCE_KEYWORDS = tuple(Keyword(n, n, "float", u, True) for n, _, _, u in COVARIANCE_TERMS)
_ROWS, _COLS = (np.array([t[k] for t in COVARIANCE_TERMS]) for k in (1, 2))


def covariance_matrix(values: dict) -> np.ndarray:
    """Symmetric (6, 6) matrix of the 21 terms in ``values`` (keyed by term name)."""
    m = np.zeros((6, 6))
    lower = np.array([values[n] for n, *_ in COVARIANCE_TERMS])
    m[_ROWS, _COLS] = lower
    m[_COLS, _ROWS] = lower
    return m


def covariance_values(matrix: np.ndarray) -> dict:
    """The 21 lower-triangular terms of a (6, 6) matrix keyed by term name."""
    return {n: float(matrix[i, j]) for n, i, j, _ in COVARIANCE_TERMS}


# ---- OEM tables ------------------------------------------------------------------------

def odm_header(version_keyword: str) -> tuple[Keyword, ...]:
    """The header keywords every orbit data message shares, after its version keyword."""
    return (
        Keyword(version_keyword, "version", mandatory=True),
        Keyword("CLASSIFICATION", "classification"),
        Keyword("CREATION_DATE", "creation_date_us", "utc", mandatory=True),
        Keyword("ORIGINATOR", "originator", mandatory=True),
        Keyword("MESSAGE_ID", "message_id"),
    )


#: Metadata keywords every orbit data message starts with: the object, its frame and time system.
ODM_OBJECT_METADATA = (
    Keyword("OBJECT_NAME", "object_name", mandatory=True),
    Keyword("OBJECT_ID", "object_id", mandatory=True),
    Keyword("CENTER_NAME", "center_name", mandatory=True),
    Keyword("REF_FRAME", "ref_frame", mandatory=True),
    Keyword("REF_FRAME_EPOCH", "ref_frame_epoch_us", "time"),
    Keyword("TIME_SYSTEM", "time_system", mandatory=True),
)

OEM_HEADER = odm_header("CCSDS_OEM_VERS")
OEM_METADATA = ODM_OBJECT_METADATA + (
    Keyword("START_TIME", "start_us", "time", mandatory=True),
    Keyword("USEABLE_START_TIME", "useable_start_us", "time"),
    Keyword("USEABLE_STOP_TIME", "useable_stop_us", "time"),
    Keyword("STOP_TIME", "stop_us", "time", mandatory=True),
    Keyword("INTERPOLATION", "interpolation"),
    Keyword("INTERPOLATION_DEGREE", "interpolation_degree", "int"),
)
#: One state, in the column order of a KVN ephemeris data line.
OEM_STATE = (
    Keyword("EPOCH", "epoch_us", "time", mandatory=True),
    *(Keyword(n, n, "float", "km", True) for n in ("X", "Y", "Z")),
    *(Keyword(n, n, "float", "km/s", True) for n in ("X_DOT", "Y_DOT", "Z_DOT")),
    *(Keyword(n, n, "float", "km/s**2") for n in ("X_DDOT", "Y_DDOT", "Z_DDOT")),
)
#: One covariance matrix: its epoch and frame, then the 21 terms.
OEM_COVARIANCE = (
    Keyword("EPOCH", "epoch_us", "time", mandatory=True),
    Keyword("COV_REF_FRAME", "frame"),
    *COVARIANCE_KEYWORDS,
)
_STATE_NAMES = tuple(k.name for k in OEM_STATE[1:])


# ---- reading: one segment from items, whatever the encoding --------------------------------


@dataclass
class _RawSegment:
    meta: list[Item]
    meta_end: Item
    states: list[tuple[list[Item], Item]]  # (items of one state, where it is)
    covariances: list[tuple[list[Item], Item]]
    comments: list[str]
    data_end: Item
    source_line: int | None = None


def _header(items: list[Item], end: Item, file: str | None) -> dict:
    found = read_block(items, OEM_HEADER, file=file, block="OEM header", end=end)
    check_version(found["CCSDS_OEM_VERS"], file)
    return read_values(found, OEM_HEADER, file=file, scale="UTC")


def _segment(raw: _RawSegment, header: dict, header_comments: list[str], file: str | None) -> Ephemeris:
    meta = read_block(raw.meta, OEM_METADATA, file=file, block="OEM metadata", end=raw.meta_end)
    scale = time_scale(meta["TIME_SYSTEM"], file)
    values = read_values(meta, OEM_METADATA, file=file, scale=scale)
    start, stop = values["start_us"], values["stop_us"]
    if stop < start:
        raise item_error(meta["STOP_TIME"], file, f"a time not before START_TIME {meta['START_TIME'].value}")
    for name, key in (("USEABLE_START_TIME", "useable_start_us"), ("USEABLE_STOP_TIME", "useable_stop_us")):
        t = values.get(key)
        if t is not None and not start <= t <= stop:
            raise item_error(meta[name], file, f"a time within START_TIME {meta['START_TIME'].value} .. "
                             f"STOP_TIME {meta['STOP_TIME'].value}")
    us0, us1 = values.get("useable_start_us"), values.get("useable_stop_us")
    if us0 is not None and us1 is not None and us1 < us0:
        raise item_error(meta["USEABLE_STOP_TIME"], file, "a time not before USEABLE_START_TIME")
    if "interpolation_degree" in values and values["interpolation_degree"] < 1:
        raise item_error(meta["INTERPOLATION_DEGREE"], file, "a positive integer")

    if not raw.states:
        raise ParseError("segment without states", file=file, line=raw.data_end.line, element=raw.data_end.element,
                         field="ephemeris data", expected="at least one state", found=raw.data_end.key)
    n = len(raw.states)
    epochs = np.empty(n, dtype=np.int64)
    pv = np.empty((n, 6))
    acc = np.full((n, 3), np.nan)
    has_acc = False
    for k, (items, where) in enumerate(raw.states):
        found = read_block(items, OEM_STATE, file=file, block="state", end=where)
        accel = [nm for nm in ("X_DDOT", "Y_DDOT", "Z_DDOT") if nm in found]
        if accel and len(accel) != 3:
            missing = next(nm for nm in ("X_DDOT", "Y_DDOT", "Z_DDOT") if nm not in found)
            raise ParseError("incomplete acceleration", file=file, line=where.line, element=where.element,
                             field=missing, expected="X_DDOT, Y_DDOT and Z_DDOT or none", found=", ".join(accel))
        v = read_values(found, OEM_STATE, file=file, scale=scale)
        epochs[k] = t = v["epoch_us"]
        pv[k] = [v[nm] for nm in _STATE_NAMES[:6]]
        if accel:
            acc[k] = [v[nm] for nm in _STATE_NAMES[6:]]
            has_acc = True
        epoch_item = found["EPOCH"]
        if not start <= t <= stop:
            raise item_error(epoch_item, file, f"a time within START_TIME {meta['START_TIME'].value} .. "
                             f"STOP_TIME {meta['STOP_TIME'].value}", message="state outside the segment's time span")
        if k and t < epochs[k - 1]:
            raise item_error(epoch_item, file, f"a time after the previous state's "
                             f"{format_time(epochs[k - 1], scale)}", message="states not in time order")
        if k and t == epochs[k - 1] and not np.array_equal(pv[k], pv[k - 1]):
            raise item_error(epoch_item, file, "a time after the previous state's (repeated epoch with a different state)",
                             message="states not in time order")

    cov_epochs, covs, frames = [], [], []
    for items, where in raw.covariances:
        found = read_block(items, OEM_COVARIANCE, file=file, block="covariance", end=where)
        v = read_values(found, OEM_COVARIANCE, file=file, scale=scale)
        cov_epochs.append(v["epoch_us"])
        covs.append(covariance_matrix(v))
        frames.append(v.get("frame", values["ref_frame"]))

    return Ephemeris(
        object_name=values["object_name"],
        object_id=values["object_id"],
        center_name=values["center_name"],
        ref_frame=values["ref_frame"],
        time_system=values["time_system"],
        epochs_us=epochs,
        position_km=pv[:, :3].copy(),
        velocity_km_s=pv[:, 3:].copy(),
        acceleration_km_s2=acc if has_acc else None,
        start_us=start,
        stop_us=stop,
        useable_start_us=us0,
        useable_stop_us=us1,
        interpolation=values.get("interpolation"),
        interpolation_degree=values.get("interpolation_degree"),
        ref_frame_epoch_us=values.get("ref_frame_epoch_us"),
        covariance_epochs_us=np.array(cov_epochs, dtype=np.int64) if covs else None,
        covariance=np.array(covs) if covs else None,
        covariance_frames=tuple(frames),
        originator=header["originator"],
        creation_date_us=header["creation_date_us"],
        comments=tuple(header_comments + raw.comments),
        source_line=raw.source_line,
    )


def _located(exc: ParseError, file: str | None) -> ParseError:
    return exc if exc.file is not None or file is None else exc.located(file=file)


# ---- KVN -------------------------------------------------------------------------------


def _marker(e, word: str) -> bool:
    return isinstance(e, KvnData) and e.tokens == (word,)


def _end_item(entries: list, i: int, file_end: str = "end of file") -> Item:
    """Pseudo item naming what stands at ``entries[i]`` (or the end of the input)."""
    if i < len(entries):
        e = entries[i]
        return Item(e.tokens[0] if isinstance(e, KvnData) else e.key, "", line=e.line)
    last = entries[-1].line if entries else None
    return Item(file_end, "", line=last)


def _kvn_segment(entries: list, end_name: str, file: str | None) -> _RawSegment:
    """Split the entries of one segment (from its META_START) into metadata, states and covariances."""
    i, n = 1, len(entries)
    meta, comments = [], []
    while i < n and not _marker(entries[i], "META_STOP"):
        e = entries[i]
        if isinstance(e, KvnData):
            raise ParseError("data line inside metadata", file=file, line=e.line, field="META_STOP",
                             expected="KEYWORD = value or META_STOP", found=" ".join(e.tokens))
        if e.key == "COMMENT":
            comments.append(e.value)
        else:
            meta.append(e)
        i += 1
    if i == n:
        raise ParseError("metadata not closed", file=file, line=_end_item(entries, i - 1).line, field="META_STOP",
                         expected="META_STOP", found=end_name)
    meta_end = _end_item(entries, i)
    i += 1
    states: list[tuple[list[Item], Item]] = []
    covs: list[tuple[list[Item], Item]] = []
    while i < n:
        e = entries[i]
        if isinstance(e, Item):
            if e.key != "COMMENT":
                raise item_error(e, file, "a state line, COMMENT or COVARIANCE_START", e.key,
                                 "keyword inside ephemeris data")
            comments.append(e.value)
            i += 1
        elif _marker(e, "COVARIANCE_START"):
            if covs:
                raise ParseError("second covariance section", file=file, line=e.line, field="COVARIANCE_START",
                                 expected="META_START or end of file", found="COVARIANCE_START")
            i = _kvn_covariances(entries, i + 1, covs, comments, end_name, file)
        elif covs or any(_marker(e, w) for w in ("COVARIANCE_STOP", "META_STOP")):
            raise ParseError("line out of place", file=file, line=e.line, field="ephemeris data",
                             expected="META_START or end of file" if covs else "a state line",
                             found=" ".join(e.tokens))
        else:
            states.append(_kvn_state(e, file))
            i += 1
    return _RawSegment(meta, meta_end, states, covs, comments, _end_item(entries, n, end_name), entries[0].line)


def _kvn_state(e: KvnData, file: str | None) -> tuple[list[Item], Item]:
    values = e.tokens[1:]
    if len(values) not in (6, 9):
        raise ParseError("wrong number of values on a state line", file=file, line=e.line, field="state",
                         expected="epoch and 6 or 9 numbers (x y z vx vy vz [ax ay az])",
                         found=f"{len(values)} numbers")
    items = [Item("EPOCH", e.tokens[0], line=e.line)]
    items += [Item(name, tok, line=e.line) for name, tok in zip(_STATE_NAMES, values)]
    return items, Item("state", "", line=e.line)


def _kvn_covariances(entries: list, i: int, covs: list, comments: list, end_name: str, file: str | None) -> int:
    """Read matrices from ``entries[i]`` to COVARIANCE_STOP into ``covs``; index after the stop."""
    n = len(entries)
    keys: list[Item] = []
    rows: list[KvnData] = []
    while i < n and not _marker(entries[i], "COVARIANCE_STOP"):
        e = entries[i]
        if isinstance(e, Item):
            if e.key == "COMMENT":
                comments.append(e.value)
            elif rows:
                raise ParseError("covariance matrix incomplete", file=file, line=e.line,
                                 field=f"covariance row {len(rows) + 1}", expected=f"{len(rows) + 1} numbers",
                                 found=e.key)
            else:
                keys.append(e)
        else:
            r = len(rows)
            if not keys or e.tokens[0] in ("META_START", "META_STOP", "COVARIANCE_START"):
                raise ParseError("line out of place in covariance", file=file, line=e.line, field="EPOCH",
                                 expected="EPOCH = time before the covariance rows", found=" ".join(e.tokens))
            if len(e.tokens) != r + 1:
                names = " ".join(t[0] for t in COVARIANCE_TERMS if t[1] == r)
                raise ParseError("wrong number of values in a covariance row", file=file, line=e.line,
                                 field=f"covariance row {r + 1} ({names})", expected=f"{r + 1} numbers",
                                 found=f"{len(e.tokens)} numbers")
            rows.append(e)
            if r == 5:
                names = iter(t[0] for t in COVARIANCE_TERMS)
                terms = [Item(next(names), tok, line=row.line) for row in rows for tok in row.tokens]
                covs.append((keys + terms, Item("covariance", "", line=e.line)))
                keys, rows = [], []
        i += 1
    if i == n:
        raise ParseError("covariance section not closed", file=file, line=_end_item(entries, n).line,
                         field="COVARIANCE_STOP", expected="COVARIANCE_STOP", found=end_name)
    if keys or rows:
        e = entries[i]
        raise ParseError("covariance matrix incomplete", file=file, line=e.line,
                         field=f"covariance row {len(rows) + 1}", expected=f"{len(rows) + 1} numbers",
                         found="COVARIANCE_STOP")
    return i + 1


def iter_oem_kvn(lines: Iterable[str] | str, *, file: str | None = None) -> Iterator[Ephemeris | ParseError]:
    """Yield one :class:`Ephemeris` (or :class:`ParseError`) per segment of a KVN OEM.

    ``lines`` are the message's lines (or its whole text). A message whose header cannot
    be read yields a single :class:`ParseError`; a bad segment yields its error and the
    next segment is read.
    """
    try:
        entries = kvn_entries(lines, file=file)
        starts = [k for k, e in enumerate(entries) if _marker(e, "META_START")]
        first = next((e for e in entries if not (isinstance(e, Item) and e.key == "COMMENT")), None)
        if first is None or not isinstance(first, Item) or first.key != "CCSDS_OEM_VERS":
            where = first or Item("end of file", "", line=None)
            raise ParseError("not an OEM", file=file, line=where.line, field="CCSDS_OEM_VERS",
                             expected="CCSDS_OEM_VERS = version as the first keyword",
                             found=where.key if isinstance(where, Item) else " ".join(where.tokens))
        head_end = starts[0] if starts else len(entries)
        for e in entries[:head_end]:
            if isinstance(e, KvnData):
                raise ParseError("data line in the header", file=file, line=e.line, field="META_START",
                                 expected="KEYWORD = value or META_START", found=" ".join(e.tokens))
        head = entries[:head_end]
        header_comments = [e.value for e in head if e.key == "COMMENT"]
        header = _header([e for e in head if e.key != "COMMENT"], _end_item(entries, head_end), file)
        if not starts:
            end = _end_item(entries, len(entries))
            raise ParseError("no segment", file=file, line=end.line, field="META_START",
                             expected="META_START", found="end of file")
    except ParseError as exc:
        yield _located(exc, file)
        return
    for k, s in enumerate(starts):
        stop = starts[k + 1] if k + 1 < len(starts) else len(entries)
        end_name = f"META_START at line {entries[stop].line}" if stop < len(entries) else "end of file"
        try:
            raw = _kvn_segment(entries[s:stop], end_name, file)
            yield _segment(raw, header, header_comments, file)
        except ParseError as exc:
            yield _located(exc, file)


# ---- XML -------------------------------------------------------------------------------


def _xml_segment(seg: Element, k: int, file: str | None) -> _RawSegment:
    base = (f"segment[{k}]",)
    unexpected_children(seg, ("metadata", "data"), file=file, path=base)
    meta_el = one_child(seg, "metadata", file=file, path=base)
    data_el = one_child(seg, "data", file=file, path=base)
    meta, comments, nested = xml_items(meta_el, base + ("metadata",))
    for el in nested:
        raise ParseError("unknown element", file=file, element=element_path(*base, "metadata", local_name(el)),
                         field=local_name(el), expected="a metadata keyword", found=f"<{local_name(el)}>")
    meta_end = Item("</metadata>", "", element=element_path(*base, "metadata"))
    unexpected_children(data_el, ("COMMENT", "stateVector", "covarianceMatrix"), file=file, path=base + ("data",))
    states, covs = [], []
    for child in data_el:
        name = local_name(child)
        if name == "COMMENT":
            comments.append((child.text or "").strip())
            continue
        if name not in ("stateVector", "covarianceMatrix"):
            continue
        target = states if name == "stateVector" else covs
        path = base + ("data", f"{name}[{len(target) + 1}]")
        items, cmts, inner = xml_items(child, path)
        for el in inner:
            raise ParseError("unknown element", file=file, element=element_path(*path, local_name(el)),
                             field=local_name(el), expected=f"a {name} keyword", found=f"<{local_name(el)}>")
        if name == "stateVector" and cmts:
            raise ParseError("comment inside a state", file=file, element=element_path(*path, "COMMENT"),
                             field="COMMENT", expected="a stateVector keyword", found="<COMMENT>")
        comments.extend(cmts)
        target.append((items, Item(f"</{name}>", "", element=element_path(*path))))
    data_end = Item("</data>", "", element=element_path(*base, "data"))
    return _RawSegment(meta, meta_end, states, covs, comments, data_end)


def iter_oem_xml(data: bytes | str, *, file: str | None = None) -> Iterator[Ephemeris | ParseError]:
    """Yield one :class:`Ephemeris` (or :class:`ParseError`) per ``<segment>`` of an OEM in XML.

    The document goes through :mod:`defusedxml` first (DTDs and entities refused).
    Errors name the element path, such as ``<segment[1]/data/stateVector[3]/X>``.
    """
    try:
        root = xml_root(data, file=file, name="oem")
        unexpected_children(root, ("header", "body"), file=file, path=("oem",))
        version = Item("CCSDS_OEM_VERS", (root.get("version") or "").strip(), element=element_path("oem"))
        head_el = one_child(root, "header", file=file, path=("oem",))
        items, header_comments, _ = xml_items(head_el, ("header",))
        header = _header([version, *items], Item("</header>", "", element=element_path("header")), file)
        body = one_child(root, "body", file=file, path=("oem",))
        unexpected_children(body, ("segment",), file=file, path=("body",))
        segments = children(body, "segment")
        if not segments:
            raise ParseError("no segment", file=file, element=element_path("body"), field="segment",
                             expected="at least one <segment>", found="none")
    except ParseError as exc:
        yield _located(exc, file)
        return
    for k, seg in enumerate(segments, start=1):
        try:
            yield _segment(_xml_segment(seg, k, file), header, header_comments, file)
        except ParseError as exc:
            yield _located(exc, file)


# ---- writers ---------------------------------------------------------------------------


def _header_values(ephemerides: list[Ephemeris]) -> dict:
    first = ephemerides[0]
    return {
        "version": "3.0",
        "creation_date_us": first.creation_date_us if first.creation_date_us is not None else now_us(),
        "originator": first.originator or "SDA",
    }


def _state_values(eph: Ephemeris, k: int) -> dict:
    v = {"epoch_us": int(eph.epochs_us[k])}
    v.update(zip(_STATE_NAMES[:3], eph.position_km[k]))
    v.update(zip(_STATE_NAMES[3:6], eph.velocity_km_s[k]))
    if eph.acceleration_km_s2 is not None and not np.isnan(eph.acceleration_km_s2[k]).any():
        v.update(zip(_STATE_NAMES[6:], eph.acceleration_km_s2[k]))
    return v


def _covariance_values(eph: Ephemeris, k: int) -> dict:
    return {"epoch_us": int(eph.covariance_epochs_us[k]), "frame": eph.covariance_frames[k],
            **covariance_values(eph.covariance[k])}


def _check_scale(eph: Ephemeris) -> str:
    if eph.time_system.upper() not in TIME_SCALES:
        raise ValueError(f"time system {eph.time_system!r}: expected one of {', '.join(TIME_SCALES)}")
    return eph.time_system.upper()


def write_oem_kvn(ephemerides: Iterable[Ephemeris]) -> str:
    """KVN OEM text of one or more segments (header from the first).

    Epochs are written in each segment's ``time_system``; numbers in their shortest exact
    decimal form, so reading the text back gives records with the same ``content_hash``.
    Comments are written at the start of each segment's data.
    """
    ephemerides = list(ephemerides)
    if not ephemerides:
        raise ValueError("expected at least one ephemeris")
    out = kvn_block(_header_values(ephemerides), OEM_HEADER, "UTC")
    for eph in ephemerides:
        scale = _check_scale(eph)
        out += ["", "META_START", *kvn_block({kw.key: getattr(eph, kw.key) for kw in OEM_METADATA}, OEM_METADATA,
                                             scale), "META_STOP", ""]
        out += [f"COMMENT {c}" if c else "COMMENT" for c in eph.comments]
        for k in range(len(eph.epochs_us)):
            v = _state_values(eph, k)
            out.append(" ".join(format_value(v[kw.key], kw, scale) for kw in OEM_STATE if kw.key in v))
        if eph.covariance is not None:
            out += ["", "COVARIANCE_START"]
            for k in range(len(eph.covariance)):
                v = _covariance_values(eph, k)
                out += kvn_block(v, OEM_COVARIANCE[:2], scale)
                for r in range(6):
                    out.append(" ".join(repr(float(eph.covariance[k, r, c])) for c in range(r + 1)))
            out.append("COVARIANCE_STOP")
    return "\n".join(out) + "\n"


def write_oem_xml(ephemerides: Iterable[Ephemeris]) -> bytes:
    """OEM in XML (NDM/XML 3.0 layout, UTF-8) of one or more segments; see :func:`write_oem_kvn`."""
    ephemerides = list(ephemerides)
    if not ephemerides:
        raise ValueError("expected at least one ephemeris")
    root = ET.Element("oem", {"id": "CCSDS_OEM_VERS", "version": "3.0"})
    header = ET.SubElement(root, "header")
    xml_block(header, _header_values(ephemerides), OEM_HEADER[1:], "UTC")
    body = ET.SubElement(root, "body")
    for eph in ephemerides:
        scale = _check_scale(eph)
        seg = ET.SubElement(body, "segment")
        xml_block(ET.SubElement(seg, "metadata"), {kw.key: getattr(eph, kw.key) for kw in OEM_METADATA},
                  OEM_METADATA, scale)
        data = ET.SubElement(seg, "data")
        xml_comments(data, eph.comments)
        for k in range(len(eph.epochs_us)):
            xml_block(ET.SubElement(data, "stateVector"), _state_values(eph, k), OEM_STATE, scale)
        for k in range(0 if eph.covariance is None else len(eph.covariance)):
            xml_block(ET.SubElement(data, "covarianceMatrix"), _covariance_values(eph, k), OEM_COVARIANCE, scale)
    ET.indent(root)
    return ET.tostring(root, encoding="UTF-8", xml_declaration=True)
