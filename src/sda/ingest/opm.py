"""CCSDS Orbit Parameter Message (OPM, CCSDS 502.0-B-3, versions 1 to 3): reader and writer, KVN and XML.

One OPM gives one :class:`~sda.catalog.records.StateVector`: the Cartesian state (km,
km/s in ``ref_frame`` about ``center_name``), optional osculating Keplerian elements
(``keplerian``: ``semi_major_axis_km``, ``eccentricity``, ``inclination_deg``,
``ra_of_asc_node_deg``, ``arg_of_pericenter_deg``, ``true_anomaly_deg`` or
``mean_anomaly_deg``, ``gm_km3_s2``), spacecraft parameters (``spacecraft``:
``mass_kg``, ``solar_rad_area_m2``, ``solar_rad_coeff``, ``drag_area_m2``,
``drag_coeff``, and the message's ``USER_DEFINED_*`` parameters under
``user_defined``), a 6x6 covariance (km², km²/s, km²/s²; ``covariance_frame`` is
COV_REF_FRAME, or REF_FRAME when absent) and maneuvers (``epoch_us`` UTC,
``duration_s``, ``delta_mass_kg``, ``ref_frame``, ``delta_v_km_s`` (3,)).

REF_FRAME_EPOCH is read and checked but not kept (the record has no field for it).
Keyword tables drive reader and writer; the keyword machinery, the time-system
conversion and the checks are those of :mod:`sda.ingest.oem`.
"""

from __future__ import annotations

import difflib
import xml.etree.ElementTree as ET
from typing import Iterable, Iterator

import numpy as np

from sda.catalog.records import StateVector
from sda.core.times import TIME_SCALES, now_us
from sda.errors import ParseError
from sda.ingest.kvn import KvnData
from sda.ingest.oem import (
    ODM_OBJECT_METADATA,
    COVARIANCE_KEYWORDS,
    Item,
    Keyword,
    check_version,
    covariance_matrix,
    covariance_values,
    item_error,
    kvn_block,
    kvn_entries,
    one_child,
    read_block,
    read_values,
    time_scale,
    unexpected_children,
    xml_block,
    xml_comments,
    xml_items,
    xml_root,
    odm_header,
)
from sda.ingest.xmlsafe import children, element_path, local_name

__all__ = [
    "OPM_HEADER",
    "OPM_METADATA",
    "OPM_STATE",
    "OPM_KEPLERIAN",
    "OPM_SPACECRAFT",
    "OPM_COVARIANCE",
    "OPM_MANEUVER",
    "iter_opm_kvn",
    "iter_opm_xml",
    "write_opm_kvn",
    "write_opm_xml",
]

OPM_HEADER = odm_header("CCSDS_OPM_VERS")
OPM_METADATA = ODM_OBJECT_METADATA
OPM_STATE = (
    Keyword("EPOCH", "epoch_us", "time", mandatory=True),
    *(Keyword(n, n, "float", "km", True) for n in ("X", "Y", "Z")),
    *(Keyword(n, n, "float", "km/s", True) for n in ("X_DOT", "Y_DOT", "Z_DOT")),
)
OPM_KEPLERIAN = (
    Keyword("SEMI_MAJOR_AXIS", "semi_major_axis_km", "float", "km", True),
    Keyword("ECCENTRICITY", "eccentricity", "float", None, True),
    Keyword("INCLINATION", "inclination_deg", "float", "deg", True),
    Keyword("RA_OF_ASC_NODE", "ra_of_asc_node_deg", "float", "deg", True),
    Keyword("ARG_OF_PERICENTER", "arg_of_pericenter_deg", "float", "deg", True),
    Keyword("TRUE_ANOMALY", "true_anomaly_deg", "float", "deg"),
    Keyword("MEAN_ANOMALY", "mean_anomaly_deg", "float", "deg"),
    Keyword("GM", "gm_km3_s2", "float", "km**3/s**2", True),
)
OPM_SPACECRAFT = (
    Keyword("MASS", "mass_kg", "float", "kg"),
    Keyword("SOLAR_RAD_AREA", "solar_rad_area_m2", "float", "m**2"),
    Keyword("SOLAR_RAD_COEFF", "solar_rad_coeff", "float"),
    Keyword("DRAG_AREA", "drag_area_m2", "float", "m**2"),
    Keyword("DRAG_COEFF", "drag_coeff", "float"),
)
OPM_COVARIANCE = (Keyword("COV_REF_FRAME", "frame"), *COVARIANCE_KEYWORDS)
OPM_MANEUVER = (
    Keyword("MAN_EPOCH_IGNITION", "epoch_us", "time", mandatory=True),
    Keyword("MAN_DURATION", "duration_s", "float", "s", True),
    Keyword("MAN_DELTA_MASS", "delta_mass_kg", "float", "kg", True),
    Keyword("MAN_REF_FRAME", "ref_frame", mandatory=True),
    *(Keyword(f"MAN_DV_{k}", f"MAN_DV_{k}", "float", "km/s", True) for k in (1, 2, 3)),
)
_USER = "USER_DEFINED_"
_BLOCKS = {
    "OPM header": OPM_HEADER,
    "OPM metadata": OPM_METADATA,
    "state vector": OPM_STATE,
    "Keplerian elements": OPM_KEPLERIAN,
    "spacecraft parameters": OPM_SPACECRAFT,
    "covariance": OPM_COVARIANCE,
}
_OPTIONAL_BLOCKS = ("Keplerian elements", "spacecraft parameters", "covariance")
_BLOCK_OF = {kw.name: block for block, table in _BLOCKS.items() for kw in table}
_XML_BLOCKS = {
    "stateVector": "state vector",
    "keplerianElements": "Keplerian elements",
    "spacecraftParameters": "spacecraft parameters",
    "covarianceMatrix": "covariance",
}


def _state_vector(blocks: dict[str, list[Item]], maneuvers: list[tuple[list[Item], Item]], user: list[Item],
                  comments: list[str], ends: dict[str, Item], *, file: str | None, source_line: int | None) -> StateVector:
    """Check and convert the items of one OPM, grouped by block."""
    found = {}
    for name, table in _BLOCKS.items():
        if name in blocks or name not in _OPTIONAL_BLOCKS:
            found[name] = read_block(blocks.get(name, []), table, file=file, block=name, end=ends[name])
    check_version(found["OPM header"]["CCSDS_OPM_VERS"], file)
    scale = time_scale(found["OPM metadata"]["TIME_SYSTEM"], file)
    values = {name: read_values(f, _BLOCKS[name], file=file, scale=scale) for name, f in found.items()}
    keplerian = values.get("Keplerian elements")
    if keplerian is not None:
        anomalies = [n for n in ("TRUE_ANOMALY", "MEAN_ANOMALY") if n in found["Keplerian elements"]]
        if len(anomalies) != 1:
            end = ends["Keplerian elements"] if not anomalies else found["Keplerian elements"][anomalies[1]]
            raise ParseError("Keplerian elements need one anomaly", file=file, line=end.line, element=end.element,
                             field="TRUE_ANOMALY", expected="TRUE_ANOMALY or MEAN_ANOMALY (one of them)",
                             found=" and ".join(anomalies) or end.key)
    spacecraft = values.get("spacecraft parameters", {})
    seen_user: dict[str, Item] = {}
    for it in user:
        if it.key in seen_user:
            raise item_error(it, file, f"{it.key} once", f"{it.key} = {it.value}", "duplicate keyword")
        seen_user[it.key] = it
    if user:
        spacecraft["user_defined"] = {it.key[len(_USER):]: it.value for it in user}
    cov = values.get("covariance")

    mans = []
    for items, end in maneuvers:
        f = read_block(items, OPM_MANEUVER, file=file, block="maneuver", end=end)
        v = read_values(f, OPM_MANEUVER, file=file, scale=scale)
        if v["duration_s"] < 0:
            raise item_error(f["MAN_DURATION"], file, "a duration of 0 s or more")
        mans.append({"epoch_us": v["epoch_us"], "duration_s": v["duration_s"], "delta_mass_kg": v["delta_mass_kg"],
                     "ref_frame": v["ref_frame"],
                     "delta_v_km_s": np.array([v["MAN_DV_1"], v["MAN_DV_2"], v["MAN_DV_3"]])})

    meta, state, header = values["OPM metadata"], values["state vector"], values["OPM header"]
    return StateVector(
        object_name=meta["object_name"],
        object_id=meta["object_id"],
        center_name=meta["center_name"],
        ref_frame=meta["ref_frame"],
        time_system=meta["time_system"],
        epoch_us=state["epoch_us"],
        position_km=np.array([state["X"], state["Y"], state["Z"]]),
        velocity_km_s=np.array([state["X_DOT"], state["Y_DOT"], state["Z_DOT"]]),
        covariance=None if cov is None else covariance_matrix(cov),
        covariance_frame=None if cov is None else cov.get("frame", meta["ref_frame"]),
        keplerian=keplerian,
        spacecraft=spacecraft,
        maneuvers=tuple(mans),
        originator=header["originator"],
        creation_date_us=header["creation_date_us"],
        comments=tuple(comments),
        source_line=source_line,
    )


# ---- KVN -------------------------------------------------------------------------------


def _read_kvn(lines: Iterable[str] | str, file: str | None) -> StateVector:
    entries = kvn_entries(lines, file=file)
    for e in entries:
        if isinstance(e, KvnData):
            raise ParseError("line without '='", file=file, line=e.line, field="data line",
                             expected="KEYWORD = value", found=" ".join(e.tokens))
    keys = [e for e in entries if e.key != "COMMENT"]
    if not keys or keys[0].key != "CCSDS_OPM_VERS":
        first = keys[0] if keys else Item("end of file", "", line=None)
        raise ParseError("not an OPM", file=file, line=first.line, field="CCSDS_OPM_VERS",
                         expected="CCSDS_OPM_VERS = version as the first keyword", found=first.key)
    blocks: dict[str, list[Item]] = {}
    maneuvers: list[tuple[list[Item], Item]] = []
    user: list[Item] = []
    eof = Item("end of file", "", line=entries[-1].line)
    known = list(_BLOCK_OF) + [kw.name for kw in OPM_MANEUVER]
    for e in keys:
        if e.key.startswith(_USER) and len(e.key) > len(_USER):
            user.append(e)
        elif e.key.startswith("MAN_"):
            if e.key == "MAN_EPOCH_IGNITION":
                maneuvers.append(([], Item("end of maneuver", "", line=e.line)))
            elif not maneuvers:
                raise item_error(e, file, "MAN_EPOCH_IGNITION first in each maneuver", e.key,
                                 "maneuver keyword before MAN_EPOCH_IGNITION")
            maneuvers[-1][0].append(e)
        elif e.key in _BLOCK_OF:
            blocks.setdefault(_BLOCK_OF[e.key], []).append(e)
        else:
            close = difflib.get_close_matches(e.key, known, n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            raise item_error(e, file, "an OPM keyword", e.key, f"unknown keyword{hint}")
    comments = [e.value for e in entries if e.key == "COMMENT"]
    ends = dict.fromkeys(_BLOCKS, eof)
    return _state_vector(blocks, maneuvers, user, comments, ends, file=file, source_line=keys[0].line)


def iter_opm_kvn(lines: Iterable[str] | str, *, file: str | None = None) -> Iterator[StateVector | ParseError]:
    """Yield the :class:`StateVector` of a KVN OPM, or one :class:`ParseError` naming the first problem."""
    try:
        yield _read_kvn(lines, file)
    except ParseError as exc:
        yield exc if exc.file is not None or file is None else exc.located(file=file)


# ---- XML -------------------------------------------------------------------------------


def _read_xml(data: bytes | str, file: str | None) -> StateVector:
    root = xml_root(data, file=file, name="opm")
    unexpected_children(root, ("header", "body"), file=file, path=("opm",))
    head = one_child(root, "header", file=file, path=("opm",))
    header_items, comments, _ = xml_items(head, ("header",))
    blocks = {"OPM header": [Item("CCSDS_OPM_VERS", (root.get("version") or "").strip(), element="<opm>"),
                             *header_items]}
    ends = {"OPM header": Item("</header>", "", element=element_path("header"))}
    body = one_child(root, "body", file=file, path=("opm",))
    unexpected_children(body, ("segment",), file=file, path=("body",))
    seg = one_child(body, "segment", file=file, path=("body",))
    base = ("segment",)
    unexpected_children(seg, ("metadata", "data"), file=file, path=base)
    meta = one_child(seg, "metadata", file=file, path=base)
    items, cmts, nested = xml_items(meta, base + ("metadata",))
    comments += cmts
    blocks["OPM metadata"] = items
    ends["OPM metadata"] = Item("</metadata>", "", element=element_path(*base, "metadata"))
    data_el = one_child(seg, "data", file=file, path=base)
    allowed = ("COMMENT", *_XML_BLOCKS, "maneuverParameters", "userDefinedParameters")
    unexpected_children(data_el, allowed, file=file, path=base + ("data",))
    for tag, name in _XML_BLOCKS.items():
        found = children(data_el, tag)
        path = base + ("data", tag)
        ends[name] = Item(f"</{tag}>", "", element=element_path(*path))
        if len(found) > 1:
            raise ParseError(f"more than one {name} block", file=file, element=element_path(*path), field=tag,
                             expected=f"at most one <{tag}>", found=f"{len(found)} <{tag}> elements")
        if found:
            items, cmts, nested = xml_items(found[0], path)
            _refuse_nested(nested, path, file)
            blocks[name] = items
            comments += cmts
    if "state vector" not in blocks:
        raise ParseError("no state vector", file=file, element=element_path(*base, "data"), field="stateVector",
                         expected="<stateVector>", found="none")
    maneuvers = []
    for k, man in enumerate(children(data_el, "maneuverParameters"), start=1):
        path = base + ("data", f"maneuverParameters[{k}]")
        items, cmts, nested = xml_items(man, path)
        _refuse_nested(nested, path, file)
        comments += cmts
        maneuvers.append((items, Item("</maneuverParameters>", "", element=element_path(*path))))
    user = []
    for ud in children(data_el, "userDefinedParameters"):
        path = base + ("data", "userDefinedParameters")
        for child in ud:
            name = local_name(child)
            if name == "COMMENT":
                comments.append((child.text or "").strip())
            elif name == "USER_DEFINED" and child.get("parameter"):
                p = child.get("parameter").strip()
                user.append(Item(_USER + p, (child.text or "").strip(), element=element_path(*path, name)))
            elif name:
                raise ParseError("unknown element", file=file, element=element_path(*path, name), field=name,
                                 expected='<USER_DEFINED parameter="...">', found=f"<{name}>")
    comments += [(c.text or "").strip() for c in children(data_el, "COMMENT")]
    return _state_vector(blocks, maneuvers, user, comments, ends, file=file, source_line=None)


def _refuse_nested(nested: list, path: tuple[str, ...], file: str | None) -> None:
    for el in nested:
        raise ParseError("unknown element", file=file, element=element_path(*path, local_name(el)),
                         field=local_name(el), expected="a keyword element", found=f"<{local_name(el)}>")


def iter_opm_xml(data: bytes | str, *, file: str | None = None) -> Iterator[StateVector | ParseError]:
    """Yield the :class:`StateVector` of an OPM in XML, or one :class:`ParseError`.

    The document goes through :mod:`defusedxml` first (DTDs and entities refused).
    """
    try:
        yield _read_xml(data, file)
    except ParseError as exc:
        yield exc if exc.file is not None or file is None else exc.located(file=file)


# ---- writers ---------------------------------------------------------------------------


def _blocks(sv: StateVector) -> tuple[str, dict[str, dict], list[dict], dict]:
    """``(time scale, values per block, maneuver values, user-defined parameters)`` of a record."""
    scale = sv.time_system.upper()
    if scale not in TIME_SCALES:
        raise ValueError(f"time system {sv.time_system!r}: expected one of {', '.join(TIME_SCALES)}")
    spacecraft = dict(sv.spacecraft)
    user = spacecraft.pop("user_defined", {})
    values = {
        "OPM header": {"version": "3.0", "originator": sv.originator or "SDA",
                       "creation_date_us": sv.creation_date_us if sv.creation_date_us is not None else now_us()},
        "OPM metadata": {kw.key: getattr(sv, kw.key, None) for kw in OPM_METADATA},
        "state vector": {"epoch_us": sv.epoch_us, **dict(zip(("X", "Y", "Z"), sv.position_km)),
                         **dict(zip(("X_DOT", "Y_DOT", "Z_DOT"), sv.velocity_km_s))},
        "Keplerian elements": sv.keplerian or {},
        "spacecraft parameters": spacecraft,
        "covariance": {} if sv.covariance is None else {"frame": sv.covariance_frame,
                                                          **covariance_values(sv.covariance)},
    }
    mans = [{**{k: v for k, v in m.items() if k != "delta_v_km_s"},
             **{f"MAN_DV_{k + 1}": float(m["delta_v_km_s"][k]) for k in range(3)}} for m in sv.maneuvers]
    return scale, values, mans, user


def write_opm_kvn(sv: StateVector) -> str:
    """KVN OPM text of a record; reading it back gives the same ``content_hash``.

    Times are written in the record's ``time_system``; comments after the header.
    """
    scale, values, mans, user = _blocks(sv)
    out = kvn_block(values["OPM header"], OPM_HEADER, scale)
    out += [f"COMMENT {c}" if c else "COMMENT" for c in sv.comments]
    for name, table in _BLOCKS.items():
        if name != "OPM header" and values[name]:
            out += kvn_block(values[name], table, scale)
    for m in mans:
        out += kvn_block(m, OPM_MANEUVER, scale)
    out += [f"{_USER}{k} = {v}" for k, v in user.items()]
    return "\n".join(out) + "\n"


def write_opm_xml(sv: StateVector) -> bytes:
    """OPM in XML (NDM/XML 3.0 layout, UTF-8) of a record; see :func:`write_opm_kvn`."""
    scale, values, mans, user = _blocks(sv)
    root = ET.Element("opm", {"id": "CCSDS_OPM_VERS", "version": "3.0"})
    xml_block(ET.SubElement(root, "header"), values["OPM header"], OPM_HEADER[1:], scale)
    seg = ET.SubElement(ET.SubElement(root, "body"), "segment")
    meta = ET.SubElement(seg, "metadata")
    xml_comments(meta, sv.comments)
    xml_block(meta, values["OPM metadata"], OPM_METADATA, scale)
    data = ET.SubElement(seg, "data")
    for tag, name in _XML_BLOCKS.items():
        if values[name]:
            xml_block(ET.SubElement(data, tag), values[name], _BLOCKS[name], scale)
    for m in mans:
        xml_block(ET.SubElement(data, "maneuverParameters"), m, OPM_MANEUVER, scale)
    if user:
        ud = ET.SubElement(data, "userDefinedParameters")
        for k, v in user.items():
            ET.SubElement(ud, "USER_DEFINED", {"parameter": k}).text = v
    ET.indent(root)
    return ET.tostring(root, encoding="UTF-8", xml_declaration=True)
