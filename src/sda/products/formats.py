"""Element sets written in the formats partners' tools read: TLE, 3LE, OMM (JSON, XML, KVN) and CSV.

:func:`tle_lines` gives the two TLE lines of an element set: the lines as received
for one that came as a TLE, otherwise lines written from the elements (NORAD's
fixed columns, Alpha-5 catalog numbers, checksums). A TLE holds the epoch to 1e-8
day (0.864 ms) and the angles to 1e-4 degree, so an element set that came as an OMM
loses precision in that form; OMM keeps every digit.

:func:`write_element_sets` renders many element sets in one of :data:`FORMATS` and
says which media type the text is.
"""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Iterable, Sequence

from sda.catalog.records import ElementSet, StoredElementSet
from sda.core.times import US_PER_DAY, us_from_ymd_hms, us_to_datetime
from sda.ingest.omm import write_omm_json, write_omm_kvn, write_omm_xml
from sda.ingest.tle import int_to_alpha5, tle_checksum

__all__ = ["FORMATS", "MEDIA_TYPES", "CSV_COLUMNS", "tle_lines", "write_element_sets"]

#: Media type of each text format (``json`` is the API's own JSON and is written by the caller).
MEDIA_TYPES = {
    "json": "application/json",
    "tle": "text/plain; charset=utf-8",
    "3le": "text/plain; charset=utf-8",
    "omm-json": "application/json",
    "omm-xml": "application/xml",
    "omm-kvn": "text/plain; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
}
#: Every format element sets can be written in.
FORMATS = tuple(MEDIA_TYPES)

#: Columns of the CSV form, in order (units in the names; epoch ISO-8601 UTC; marking as JSON text).
CSV_COLUMNS = ("norad_id", "name", "intl_designator", "object_type", "epoch", "mean_motion_rev_day", "eccentricity",
               "inclination_deg", "raan_deg", "arg_perigee_deg", "mean_anomaly_deg", "bstar_per_er",
               "mean_motion_dot", "mean_motion_ddot", "regime", "data_mode", "source", "marking")


def _exp_field(x: float) -> str:
    """TLE assumed-decimal exponent field (8 columns): 1.2345e-5 is ``' 12345-4'``."""
    if x == 0.0:
        return " 00000-0"
    sign = "-" if x < 0 else " "
    mantissa, exponent = f"{abs(x):.4e}".split("e")
    digits = mantissa.replace(".", "")
    exp = int(exponent) + 1
    if not -9 <= exp <= 9:
        raise ValueError(f"{x!r} does not fit a TLE exponent field")
    return f"{sign}{digits}{'-' if exp < 0 else '+'}{abs(exp)}"


def _tle_intl(designator: str | None) -> str:
    """``1998-067A`` as the TLE's 8-column ``98067A  ``; a designator already in TLE form
    (``70025``) as it is; blank if unknown."""
    d = designator or ""
    if len(d) >= 8 and d[4] == "-" and d[:4].isdigit():
        return f"{d[2:4]}{d[5:8]}{d[8:11]:<3}"[:8]
    return d.ljust(8) if re.fullmatch(r"[0-9]{5}[A-Z]{0,3}", d, re.ASCII) else " " * 8


def _tle_epoch(epoch_us: int) -> str:
    """``YYDDD.DDDDDDDD``: two-digit year and day of year with its fraction, rounded to 1e-8 day."""
    year = us_to_datetime(epoch_us).year
    start = us_from_ymd_hms(year, 1, 1)
    ticks = round((epoch_us - start) * 10**8 / US_PER_DAY)  # units of 1e-8 day, exact integer arithmetic
    year_ticks = (us_from_ymd_hms(year + 1, 1, 1) - start) // US_PER_DAY * 10**8
    if ticks >= year_ticks:
        year, ticks = year + 1, ticks - year_ticks
    return f"{year % 100:02d}{ticks // 10**8 + 1:03d}.{ticks % 10**8:08d}"


def _angle(x: float) -> str:
    return f"{x % 360.0:8.4f}".replace("360.0000", "  0.0000")


def tle_lines(es: ElementSet) -> tuple[str, str]:
    """The two 69-column lines of an element set (those received, if it came as a TLE).

    Raises ``ValueError`` for values a TLE cannot hold (catalog number above 339999,
    eccentricity at or above 1, derivatives out of the field's range).
    """
    if es.tle_line1 and es.tle_line2:
        return es.tle_line1, es.tle_line2
    sat = int_to_alpha5(int(es.norad_id))
    if not 0.0 <= es.eccentricity < 1.0:
        raise ValueError(f"eccentricity {es.eccentricity!r} does not fit a TLE")
    if abs(round(es.mean_motion_dot, 8)) >= 1.0:
        raise ValueError(f"mean motion derivative {es.mean_motion_dot!r} does not fit a TLE")
    ndot = ("-" if es.mean_motion_dot < 0 else " ") + f"{abs(es.mean_motion_dot):.8f}"[1:]
    l1 = (f"1 {sat}{es.classification or 'U'} {_tle_intl(es.intl_designator)} {_tle_epoch(es.epoch_us)} {ndot} "
          f"{_exp_field(es.mean_motion_ddot)} {_exp_field(es.bstar_per_er)} {es.ephemeris_type % 10} "
          f"{es.element_set_no % 10000:4d}")
    ecc = f"{es.eccentricity:.7f}"[2:]
    l2 = (f"2 {sat} {es.inclination_deg:8.4f} {_angle(es.raan_deg)} {ecc} {_angle(es.arg_perigee_deg)} "
          f"{_angle(es.mean_anomaly_deg)} {es.mean_motion_rev_day:11.8f}{es.rev_at_epoch % 100000:5d}")
    return l1 + str(tle_checksum(l1)), l2 + str(tle_checksum(l2))


def _csv(stored: Sequence[StoredElementSet]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for st in stored:
        d = st.element_set.as_dict()
        d.update(data_mode=st.provenance.data_mode, source=st.provenance.source, marking=st.provenance.marking)
        w.writerow("" if d[c] is None else d[c] for c in CSV_COLUMNS)
    return buf.getvalue()


def write_element_sets(stored: Iterable[StoredElementSet], fmt: str) -> tuple[str | bytes, str]:
    """``(content, media type)`` of stored element sets in format ``fmt`` (one of :data:`FORMATS`).

    ``json`` is the list of :meth:`StoredElementSet.as_dict`; ``tle`` two lines per set,
    ``3le`` a ``0 NAME`` line before them; ``omm-json`` CelesTrak-style records,
    ``omm-xml`` one ``<omm>`` or an ``<ndm>`` of them, ``omm-kvn`` one message after
    another; ``csv`` one row per set with :data:`CSV_COLUMNS`.
    """
    stored = list(stored)
    sets = [st.element_set for st in stored]
    if fmt == "json":
        body: str | bytes = json.dumps([st.as_dict() for st in stored])
    elif fmt in ("tle", "3le"):
        lines = []
        for es in sets:
            if fmt == "3le":
                lines.append(f"0 {es.name or 'UNKNOWN'}")
            lines.extend(tle_lines(es))
        body = "\n".join(lines) + ("\n" if lines else "")
    elif fmt == "omm-json":
        body = write_omm_json(sets)
    elif fmt == "omm-xml":
        body = write_omm_xml(sets) if sets else b'<?xml version="1.0" encoding="UTF-8"?>\n<ndm />\n'
    elif fmt == "omm-kvn":
        body = "\n".join(write_omm_kvn(es) for es in sets)
    elif fmt == "csv":
        body = _csv(stored)
    else:
        raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    return body, MEDIA_TYPES[fmt]

