"""CCSDS Orbit Mean-elements Message (OMM, CCSDS 502.0-B-3): reader and writer for KVN, XML and JSON.

One keyword table (:data:`KEYWORDS`) drives every format: the XML block each keyword
sits in, its value type, its standard unit (checked when a message states one) and
the :class:`~sda.catalog.records.ElementSet` attribute it fills. Keywords without an
attribute (spacecraft parameters, covariance, ``GM``, SGP4-XP's ``BTERM`` and
``AGOM``) are checked and not kept.

An element set is about the Earth; its frame (TEME for SGP4 element sets) and time
system are kept as the message states them, and the epoch is converted to UTC
(TAI, TT and GPS by the leap-second table; mission-relative calendar dates read as
UTC). A message without ``NORAD_CAT_ID`` gives an element set without a catalog
number, which the ingest pipeline resolves from ``OBJECT_ID``. JSON follows the
two public flavours: CelesTrak (numbers, no header or metadata, SGP4 implied) and
Space-Track (every value a string, extra keys such as ``TLE_LINE1``, nulls). In KVN
and XML, Space-Track writes its extra keys as user-defined parameters
(``USER_DEFINED_OBJECT_TYPE``, ``<USER_DEFINED parameter="OBJECT_TYPE">``).

Readers follow the SDA parser convention: ``iter_omm_*(source, *, file=None)`` yields
one :class:`ElementSet` or one :class:`~sda.errors.ParseError` per message.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any, Iterable, Iterator, Mapping
from xml.etree.ElementTree import Element, SubElement, indent, tostring

import numpy as np

from sda.catalog.records import OBJECT_TYPES, ElementSet, canonical_intl_designator, object_type_from_name
from sda.core.orbits import MU_KM3_S2
from sda.core.times import TIME_SCALES, format_utc, now_us, parse_utc_us, scale_to_utc_us, utc_to_scale_us
from sda.errors import ParseError
from sda.ingest._omm_json import json_records
from sda.ingest._omm_keywords import (
    DEFAULT_THEORY,
    EXTRA_ATTRS,
    KEYWORDS,
    MANDATORY,
    SPACETRACK_EXTRAS,
    USER,
    Where,
    unit_error,
)
from sda.ingest.kvn import KvnData, kvn_float, kvn_int, read_kvn
from sda.ingest.xmlsafe import element_path, local_name, parse_xml

__all__ = [
    "KEYWORDS",
    "element_set_from_fields",
    "iter_omm_kvn",
    "iter_omm_xml",
    "iter_omm_json",
    "write_omm_kvn",
    "write_omm_xml",
    "write_omm_json",
]


# ---- fields -> ElementSet ---------------------------------------------------------------------------


def _shown(value: Any) -> str:
    """A value as the message wrote it (JSON notation for non-text values)."""
    return value if isinstance(value, str) else json.dumps(value, default=repr)


def _convert(key: str, value: Any, kind: str, where: Where) -> Any:
    """Python value of one keyword: text, finite float, int or UTC microseconds."""
    text = value.strip() if isinstance(value, str) else None
    if kind == "text":
        if text is None:
            raise where.error(key, "wrong type", "text", _shown(value))
        return text
    if kind == "time":
        try:
            if text is None:
                raise ValueError
            return parse_utc_us(text)
        except ValueError:
            raise where.error(key, "bad time", "a UTC time YYYY-MM-DDThh:mm:ss[.f] or YYYY-DDDThh:mm:ss[.f]",
                              _shown(value)) from None
    if kind == "int":
        if text is not None:
            return kvn_int(text, file=where.file, line=where.line_of.get(key, where.line_of.get("")),
                           element=where.element_of.get(key), field=key)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise where.error(key, "wrong type", "an integer", _shown(value))
    if text is not None:
        return kvn_float(text, file=where.file, line=where.line_of.get(key, where.line_of.get("")),
                         element=where.element_of.get(key), field=key)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if not math.isfinite(value):
            raise where.error(key, "not a finite number", "a finite number", _shown(value))
        return float(value)
    raise where.error(key, "wrong type", "a number", _shown(value))


def _absent(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def element_set_from_fields(
    fields: Mapping[str, Any],
    *,
    file: str | None = None,
    line_of: Mapping[str, int] | None = None,
    element_of: Mapping[str, str] | None = None,
) -> ElementSet:
    """The :class:`ElementSet` (``format="OMM"``) of one OMM given as keyword -> value.

    Values are CCSDS text (KVN, XML, Space-Track JSON) or JSON numbers (CelesTrak);
    ``None`` or blank means absent. Keys are OMM keywords, ``USER_DEFINED_*`` or
    Space-Track extras (:data:`SPACETRACK_EXTRAS`). ``line_of`` / ``element_of`` give
    the line or XML element path of each keyword for errors, under ``""`` the
    message's own (used for absent keywords and as ``source_line``).

    Angles are degrees, mean motion rev/day, B* 1/Earth radii. When only
    ``SEMI_MAJOR_AXIS`` (km) is given, the mean motion is Kepler's from it with the
    message's ``GM`` (km^3/s^2), else :data:`sda.core.orbits.MU_KM3_S2`.
    Raises :class:`ParseError` naming the keyword, what was expected and what was found.
    """
    where = Where(file, line_of, element_of)
    v: dict[str, Any] = {}
    raw: dict[str, Any] = {}
    for key, value in fields.items():
        if key == "COMMENT":
            if not (value is None or isinstance(value, (str, list))):
                raise where.error(key, "wrong type", "text", _shown(value))
            continue
        if _absent(value):
            continue
        if key in KEYWORDS:
            name, kind = key, KEYWORDS[key].kind
        elif key.startswith(USER):
            name = key[len(USER):]
            kind = "text" if name in EXTRA_ATTRS else None
        elif key in SPACETRACK_EXTRAS:
            name, kind = key, SPACETRACK_EXTRAS[key]
        else:
            raise where.error(key, "unknown keyword", "an OMM keyword", key)
        if name in v and name in SPACETRACK_EXTRAS:
            raise where.error(key, "given twice", "one value", f"{name} and {USER}{name}")
        if kind is not None:
            v[name] = _convert(key, value, kind, where)
            raw[name] = _shown(value).strip()

    for key in MANDATORY:
        if key not in v:
            raise where.error(key, "mandatory keyword missing", f"keyword {key}", "absent")
    for key, kw in KEYWORDS.items():
        if kw.fixed and v[key].upper() != kw.fixed:
            raise where.error(key, f"element sets are {kw.fixed} only", kw.fixed, raw[key])
    v["REF_FRAME"] = v["REF_FRAME"].upper()
    if not re.fullmatch(r"[A-Z][A-Z0-9_]*", v["REF_FRAME"], re.ASCII):
        raise where.error("REF_FRAME", "bad frame name", "a CCSDS frame name such as TEME or TOD", raw["REF_FRAME"])
    v["TIME_SYSTEM"] = v["TIME_SYSTEM"].upper()
    if v["TIME_SYSTEM"] not in TIME_SCALES:
        raise where.error("TIME_SYSTEM", "time system not supported", "one of " + ", ".join(TIME_SCALES),
                          raw["TIME_SYSTEM"])
    try:
        v["EPOCH"] = scale_to_utc_us(v["EPOCH"], v["TIME_SYSTEM"])
    except ValueError as exc:
        raise where.error("EPOCH", str(exc), "a time convertible to UTC", raw["EPOCH"]) from None

    def check(key: str, ok: bool, expected: str) -> None:
        if not ok:
            raise where.error(key, "out of range", expected, raw[key])

    if "MEAN_MOTION" in v and "SEMI_MAJOR_AXIS" in v:
        raise where.error("SEMI_MAJOR_AXIS", "both mean motion and semi-major axis given", "one of them",
                          raw["SEMI_MAJOR_AXIS"])
    if "MEAN_MOTION" in v:
        check("MEAN_MOTION", v["MEAN_MOTION"] > 0.0, "a positive mean motion (rev/day)")
        mean_motion = v["MEAN_MOTION"]
    elif "SEMI_MAJOR_AXIS" in v:
        check("SEMI_MAJOR_AXIS", v["SEMI_MAJOR_AXIS"] > 0.0, "a positive semi-major axis (km)")
        gm = v.get("GM", MU_KM3_S2)
        if "GM" in v:
            check("GM", gm > 0.0, "a positive GM (km**3/s**2)")
        mean_motion = math.sqrt(gm / v["SEMI_MAJOR_AXIS"] ** 3) * 86400.0 / (2.0 * math.pi)
    else:
        raise where.error("MEAN_MOTION", "mandatory keyword missing", "keyword MEAN_MOTION or SEMI_MAJOR_AXIS",
                          "absent")
    check("ECCENTRICITY", 0.0 <= v["ECCENTRICITY"] < 1.0, "0 <= eccentricity < 1")
    check("INCLINATION", 0.0 <= v["INCLINATION"] <= 180.0, "0 to 180 degrees")
    for key in ("RA_OF_ASC_NODE", "ARG_OF_PERICENTER", "MEAN_ANOMALY"):
        check(key, 0.0 <= v[key] < 360.0, "0 to 360 degrees (360 excluded)")
    if "NORAD_CAT_ID" in v:
        check("NORAD_CAT_ID", 0 < v["NORAD_CAT_ID"] <= 999_999_999, "a catalog number of 1 to 9 digits")
    for key in ("ELEMENT_SET_NO", "REV_AT_EPOCH", "EPHEMERIS_TYPE"):
        if key in v:
            check(key, v[key] >= 0, "a non-negative integer")
    if "CLASSIFICATION_TYPE" in v:
        check("CLASSIFICATION_TYPE", re.fullmatch(r"[A-Z]", v["CLASSIFICATION_TYPE"], re.ASCII) is not None,
              "one letter (U, C or S)")
    object_type = v.get("OBJECT_TYPE", "").upper() or None
    object_type = "UNKNOWN" if object_type == "TBA" else object_type  # Space-Track: to be assigned
    if object_type is not None:
        check("OBJECT_TYPE", object_type in OBJECT_TYPES, "one of " + ", ".join(OBJECT_TYPES))

    object_id = v["OBJECT_ID"]
    attrs = {kw.attr: v[key] for key, kw in KEYWORDS.items() if kw.attr and key in v}
    attrs.update({attr: v[key] for key, attr in EXTRA_ATTRS.items() if key in v})
    attrs.update(
        norad_id=v.get("NORAD_CAT_ID"),
        mean_motion_rev_day=mean_motion,
        intl_designator=None if object_id.upper() == "UNKNOWN" else canonical_intl_designator(object_id),
        object_type=object_type or object_type_from_name(v["OBJECT_NAME"]),
        format="OMM",
        source_line=where.line_of.get(""),
    )
    return ElementSet(**attrs)


# ---- ElementSet -> fields ---------------------------------------------------------------------------


def _number(x: float) -> str:
    """Shortest decimal text that reads back as the same float, without exponent."""
    return np.format_float_positional(float(x), unique=True, trim="0")


def _fields_of(es: ElementSet, creation_us: int, originator: str) -> dict[str, Any]:
    """Keyword -> value (str, int or float) of an element set, in the standard's order."""
    out: dict[str, Any] = {
        "CCSDS_OMM_VERS": "3.0",
        "CREATION_DATE": format_utc(creation_us)[:-1],
        "ORIGINATOR": originator,
    }
    for key, kw in KEYWORDS.items():
        if kw.fixed:
            out[key] = kw.fixed
        elif kw.attr:
            value = getattr(es, kw.attr)
            if value is None and kw.kind != "text":
                continue
            if kw.kind == "time":
                value = format_utc(utc_to_scale_us(value, es.time_system))[:-1]
            out[key] = "UNKNOWN" if value is None else value
    for key, attr in EXTRA_ATTRS.items():
        if getattr(es, attr) is not None:
            out[USER + key] = getattr(es, attr)
    return out


def _text(value: Any) -> str:
    return _number(value) if isinstance(value, float) else str(value)


def write_omm_kvn(es: ElementSet, *, creation_us: int | None = None, originator: str = "SDA") -> str:
    """One OMM in KVN, units in brackets; ``creation_us`` (UTC µs) defaults to now."""
    lines = []
    for key, value in _fields_of(es, now_us() if creation_us is None else creation_us, originator).items():
        unit = KEYWORDS[key].unit if key in KEYWORDS else None
        lines.append(f"{key:<20} = {_text(value)}" + (f" [{unit}]" if unit else ""))
    return "\n".join(lines) + "\n"


def _omm_element(fields: dict[str, Any]) -> Element:
    omm = Element("omm", id="CCSDS_OMM_VERS", version=fields.pop("CCSDS_OMM_VERS"))
    header = SubElement(omm, "header")
    segment = SubElement(SubElement(omm, "body"), "segment")
    metadata, data = SubElement(segment, "metadata"), SubElement(segment, "data")
    blocks = {"header": header, "metadata": metadata}
    for key, value in fields.items():
        if key.startswith(USER):
            if "userDefinedParameters" not in blocks:
                blocks["userDefinedParameters"] = SubElement(data, "userDefinedParameters")
            SubElement(blocks["userDefinedParameters"], "USER_DEFINED", parameter=key[len(USER):]).text = value
            continue
        kw = KEYWORDS[key]
        if kw.block not in blocks:
            blocks[kw.block] = SubElement(data, kw.block)
        el = SubElement(blocks[kw.block], key, units=kw.unit) if kw.unit else SubElement(blocks[kw.block], key)
        el.text = _text(value)
    return omm


def write_omm_xml(sets: Iterable[ElementSet], *, creation_us: int | None = None, originator: str = "SDA") -> bytes:
    """OMM XML (UTF-8): a single ``<omm>`` for one element set, else an ``<ndm>`` of ``<omm>``."""
    creation_us = now_us() if creation_us is None else creation_us
    messages = [_omm_element(_fields_of(es, creation_us, originator)) for es in sets]
    if len(messages) == 1:
        root = messages[0]
    else:
        root = Element("ndm")
        root.extend(messages)
    indent(root)
    return tostring(root, encoding="UTF-8", xml_declaration=True) + b"\n"


def write_omm_json(sets: Iterable[ElementSet], *, style: str = "celestrak", creation_us: int | None = None,
                   originator: str = "SDA") -> str:
    """A JSON array of OMM records as CelesTrak (numbers, no header) or Space-Track (strings) serves them.

    CelesTrak style carries ``MEAN_ELEMENT_THEORY`` only when it is not SGP4 and drops
    object type, owner and TLE lines; Space-Track style writes every value as text
    and adds ``SEMIMAJOR_AXIS`` (km), ``PERIOD`` (min), ``APOAPSIS``/``PERIAPSIS``
    (altitudes, km), ``OBJECT_TYPE``, ``COUNTRY_CODE`` and ``TLE_LINE1``/``TLE_LINE2``.
    """
    if style not in ("celestrak", "spacetrack"):
        raise ValueError(f"style must be 'celestrak' or 'spacetrack', not {style!r}")
    creation_us = now_us() if creation_us is None else creation_us
    records = []
    for es in sets:
        fields = _fields_of(es, creation_us, originator)
        if style == "celestrak":
            rec = {k: value for k, value in fields.items()
                   if k in KEYWORDS and KEYWORDS[k].block != "header" and not KEYWORDS[k].fixed
                   and value != KEYWORDS[k].default
                   and not (k == "MEAN_ELEMENT_THEORY" and value == DEFAULT_THEORY)}
        else:
            rec = {k: _text(value) for k, value in fields.items() if not k.startswith(USER)}
            shape = es.shape()
            rec.update({k: f"{x:.3f}" for k, x in zip(("SEMIMAJOR_AXIS", "PERIOD", "APOAPSIS", "PERIAPSIS"),
                                                     (shape[0], shape[1], shape[3], shape[2]))})
            rec.update({k: getattr(es, attr) for k, attr in EXTRA_ATTRS.items()})
        records.append(rec)
    return json.dumps(records, indent=2) + "\n"


# ---- KVN --------------------------------------------------------------------------------------------


def _kvn_message(lines: list[str], first: int, file: str | None) -> ElementSet:
    """Element set of one KVN message whose first line is line ``first`` of the file."""
    fields: dict[str, str] = {}
    line_of: dict[str, int] = {"": first}
    where = Where(file, line_of, None)
    try:
        items = list(read_kvn(lines, file=file))
    except ParseError as exc:
        exc = exc.located(line_offset=first - 1)
        key = lines[exc.line - first].partition("=")[0].strip() if exc.line else ""
        if exc.field is None and (key in KEYWORDS or key.startswith(USER)):
            exc = ParseError(exc.detail, file=exc.file, line=exc.line, field=key, expected=exc.expected,
                             found=exc.found)
        raise exc from None
    for item in items:
        n = item.line + first - 1
        if isinstance(item, KvnData):
            raise ParseError("line without '='", file=file, line=n, field=item.tokens[0],
                             expected="KEYWORD = value", found=" ".join(item.tokens))
        key, value, unit = item.key, item.value, item.unit
        if key == "COMMENT":
            continue
        kw = KEYWORDS.get(key)
        if kw is None and not key.startswith(USER):
            raise ParseError("unknown keyword", file=file, line=n, field=key, expected="an OMM keyword", found=key)
        if key in fields:
            raise ParseError("keyword repeated", file=file, line=n, field=key, expected="each keyword once",
                             found=f"{key} again (first on line {line_of[key]})")
        line_of[key] = n
        if kw is None or kw.kind == "text":
            value = f"{value} [{unit}]" if unit is not None else value  # brackets belong to the text
        else:
            err = unit_error(key, unit, kw, where)
            if err:
                raise err
        fields[key] = value
    return element_set_from_fields(fields, file=file, line_of=line_of)


def iter_omm_kvn(lines: Iterable[str] | str, *, file: str | None = None) -> Iterator[ElementSet | ParseError]:
    """Element sets of one or more KVN OMMs (each starting at ``CCSDS_OMM_VERS``), one ParseError per bad message."""
    if isinstance(lines, str):
        lines = lines.splitlines()
    messages: list[tuple[int, list[str]]] = []
    junk = None
    for n, raw in enumerate(lines, start=1):
        stripped = raw.strip()
        if stripped.startswith("CCSDS_OMM_VERS"):
            messages.append((n, []))
        elif not messages and junk is None and stripped and not stripped.startswith("COMMENT"):
            junk = ParseError("text before the first message", file=file, line=n, field="CCSDS_OMM_VERS",
                              expected="CCSDS_OMM_VERS = version", found=stripped[:40])
            yield junk
        if messages:
            messages[-1][1].append(raw)
    if not messages and junk is None:
        yield ParseError("no OMM in input", file=file, line=1, field="CCSDS_OMM_VERS",
                         expected="CCSDS_OMM_VERS = version", found="end of input")
    for first, body in messages:
        try:
            yield _kvn_message(body, first, file)
        except ParseError as exc:
            yield exc


# ---- XML --------------------------------------------------------------------------------------------

_XML_LAYOUT = {
    "omm": ("header", "body"),
    "body": ("segment",),
    "segment": ("metadata", "data"),
    "data": ("meanElements", "spacecraftParameters", "tleParameters", "covarianceMatrix", "userDefinedParameters"),
}


def _xml_message(omm: Element, path: tuple[str, ...], file: str | None) -> ElementSet:
    fields: dict[str, str] = {"CCSDS_OMM_VERS": omm.get("version", "")}
    element_of: dict[str, str] = {"": element_path(*path), "CCSDS_OMM_VERS": element_path(*path) + "@version"}
    where = Where(file, None, element_of)

    def walk(el: Element, name: str, at: tuple[str, ...]) -> None:
        seen: dict[str, int] = {}
        for child in el:
            tag = local_name(child)
            if tag == "COMMENT" or not tag:  # comments and processing instructions
                continue
            seen[tag] = seen.get(tag, 0) + 1
            here = at + (tag,)
            if tag == "USER_DEFINED" and name == "userDefinedParameters":
                key = USER + child.get("parameter", "")
                here = at + (f'USER_DEFINED[@parameter="{child.get("parameter", "")}"]',)
            elif name in _XML_LAYOUT:
                if tag not in _XML_LAYOUT[name]:
                    raise ParseError("unexpected element", file=file, element=element_path(*here), field=tag,
                                     expected="one of " + ", ".join(_XML_LAYOUT[name]), found=tag)
                if seen[tag] > 1:
                    raise ParseError("element repeated", file=file, element=element_path(*here), field=tag,
                                     expected=f"one {tag}", found=f"{seen[tag]} {tag} elements")
                walk(child, tag, here)
                continue
            else:
                key = tag
                kw = KEYWORDS.get(key)
                if kw is None or kw.block != name:
                    expected = f"an OMM keyword of {name}" + (f" (this one belongs in {kw.block})" if kw else "")
                    raise ParseError("unknown keyword", file=file, element=element_path(*here), field=key,
                                     expected=expected, found=key)
            element_of[key] = element_path(*here)
            if key in fields:
                raise where.error(key, "keyword repeated", "each keyword once", f"{key} again")
            if len(child):
                raise where.error(key, "keyword with sub-elements", "a text value", local_name(child[0]))
            if key in KEYWORDS and KEYWORDS[key].kind != "text":
                err = unit_error(key, child.get("units"), KEYWORDS[key], where)
                if err:
                    raise err
            fields[key] = child.text or ""

    walk(omm, "omm", path)
    return element_set_from_fields(fields, file=file, element_of=element_of)


def _declare_xsi(data: bytes) -> bytes | None:
    """``data`` with the XML Schema instance prefix declared on its root, if it uses ``xsi:`` undeclared."""
    if b"xsi:" not in data or b"xmlns:xsi" in data:
        return None
    m = re.search(rb"<(ndm|omm)\b", data)
    if m is None:
        return None
    return data[: m.end()] + b' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"' + data[m.end():]


def iter_omm_xml(data: bytes, *, file: str | None = None) -> Iterator[ElementSet | ParseError]:
    """Element sets of an ``<omm>`` or of an ``<ndm>`` holding several; one ParseError per bad message.

    DTDs and entity declarations are refused (see :mod:`sda.ingest.xmlsafe`). An
    ``xsi:`` attribute whose prefix is not declared, a common slip in published
    files, is read as the XML Schema instance namespace. Units given in ``units``
    attributes are checked like KVN units.
    """
    try:
        root = parse_xml(data, file=file)
    except ParseError as exc:
        fixed = _declare_xsi(data if isinstance(data, bytes) else data.encode()) if "unbound prefix" in str(
            exc.found) else None
        if fixed is None:
            yield exc
            return
        try:
            root = parse_xml(fixed, file=file)
        except ParseError as again:
            yield again
            return
    top = local_name(root)
    if top == "omm":
        messages = [(root, ("omm",))]
    elif top == "ndm":
        omms = [c for c in root if local_name(c) == "omm"]
        others = [local_name(c) for c in root if local_name(c) not in ("omm", "COMMENT", "MESSAGE_ID", "")]
        if others:
            yield ParseError("not an OMM", file=file, element=element_path("ndm", others[0]), field=others[0],
                             expected="omm", found=others[0])
        messages = [(el, ("ndm", f"omm[{i}]")) for i, el in enumerate(omms, start=1)]
    else:
        yield ParseError("not an OMM", file=file, element=element_path(top), field="root element",
                         expected="omm or ndm", found=top)
        return
    for el, path in messages:
        try:
            yield _xml_message(el, path, file)
        except ParseError as exc:
            yield exc


# ---- JSON -------------------------------------------------------------------------------------------


def iter_omm_json(data: bytes | str, *, file: str | None = None) -> Iterator[ElementSet | ParseError]:
    """Element sets of a JSON array (or single object) of OMM records, one ParseError per bad record.

    Errors name the record and key as ``element="[i].KEY"`` (0-based record index)
    and the line the record starts on. NaN/Infinity, booleans or lists where a
    number is expected, and keys repeated within a record are refused. A record
    without ``CCSDS_OMM_VERS`` is CelesTrak's form: Earth-centred TEME, UTC, SGP4.
    """
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
        records = json_records(text.lstrip("\ufeff"))
    except UnicodeDecodeError as exc:
        yield ParseError("not UTF-8", file=file, field="encoding", expected="UTF-8 text",
                         found=repr(exc.object[exc.start:exc.end]))
        return
    except json.JSONDecodeError as exc:
        yield ParseError("malformed JSON", file=file, line=exc.lineno, field="JSON", expected="valid JSON",
                         found=f"{exc.msg} at column {exc.colno}")
        return
    for i, (rec, line) in enumerate(records):
        if not isinstance(rec, dict):
            yield ParseError("record is not an object", file=file, line=line, element=f"[{i}]", field="record",
                             expected="a JSON object", found=_shown(rec)[:40])
            continue
        element_of = {"": f"[{i}]", **{k: f"[{i}].{k}" for k in rec}}
        if rec.repeated:
            key = rec.repeated[0]
            yield ParseError("key repeated", file=file, line=line, element=element_of[key], field=key,
                             expected="each key once", found=f"{key} again")
            continue
        fields = dict(rec)
        if "CCSDS_OMM_VERS" not in fields:
            for key, kw in KEYWORDS.items():
                if kw.fixed or kw.default:
                    fields.setdefault(key, kw.fixed or kw.default)
            fields.setdefault("MEAN_ELEMENT_THEORY", DEFAULT_THEORY)
        try:
            yield element_set_from_fields(fields, file=file, line_of={"": line}, element_of=element_of)
        except ParseError as exc:
            yield exc
