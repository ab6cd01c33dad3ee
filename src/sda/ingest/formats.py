"""Recognising a file's format from its content, and reading it with the right parser.

Compressed files (gzip) are opened transparently. The format is decided by the
content, not the file name: XML by its root element, JSON by its first character,
CCSDS KVN by its version keyword, TLE/3LE by its ``1 `` / ``2 `` lines.

Conjunction data messages (``CDM-KVN``, ``CDM-XML``) are read into
:class:`~sda.ingest.cdm.Cdm` messages; the ingest pipeline turns each into a
conjunction once its objects' catalog numbers are known.
"""

from __future__ import annotations

import gzip
import re
from typing import TYPE_CHECKING, Iterator

from sda.catalog.records import Record
from sda.errors import ParseError

if TYPE_CHECKING:
    from sda.ingest.cdm import Cdm

__all__ = ["FORMATS", "decode", "detect_format", "iter_records"]

FORMATS = ("TLE", "OMM-KVN", "OMM-XML", "OMM-JSON", "OEM-KVN", "OEM-XML", "OPM-KVN", "OPM-XML", "CDM-KVN", "CDM-XML")

_XML_ROOT = re.compile(rb"<\s*(?:[A-Za-z_][\w.-]*:)?(omm|oem|opm|cdm|ndm)\b", re.IGNORECASE)
_KVN_VERS = re.compile(r"^\s*CCSDS_(OMM|OEM|OPM|CDM)_VERS\s*=", re.MULTILINE)


def decode(data: bytes) -> bytes:
    """Raw bytes of ``data``, gunzipped if it is gzip-compressed."""
    if data[:2] == b"\x1f\x8b":
        return gzip.decompress(data)
    return data


def detect_format(data: bytes, *, file: str | None = None) -> str:
    """One of :data:`FORMATS` for the (decompressed) content; :class:`ParseError` if none fits."""
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:4096]
    if head.startswith(b"<"):
        m = _XML_ROOT.search(data[:65536])
        kind = m.group(1).lower().decode() if m else None
        if kind == "ndm":
            inner = re.search(rb"<\s*(?:[A-Za-z_][\w.-]*:)?(omm|oem|opm|cdm)\b", data, re.IGNORECASE)
            kind = inner.group(1).lower().decode() if inner else None
        if kind in ("omm", "oem", "opm", "cdm"):
            return f"{kind.upper()}-XML"
        raise ParseError("unrecognised XML message", file=file, line=1, field="root element",
                         expected="an OMM, OEM, OPM or CDM (or an NDM holding them)",
                         found=head[:40].decode("ascii", "replace"))
    if head[:1] in (b"[", b"{"):
        return "OMM-JSON"
    text = head.decode("ascii", "replace")
    m = _KVN_VERS.search(text)
    if m:
        return f"{m.group(1)}-KVN"
    for line in text.splitlines():
        if line.startswith(("1 ", "2 ")):
            return "TLE"
    first = next((ln for ln in text.splitlines() if ln.strip()), "")
    raise ParseError("unrecognised format", file=file, line=1, field="content",
                     expected="TLE/3LE, CCSDS OMM/OEM/OPM/CDM (KVN or XML) or OMM JSON", found=first[:40])


def _lines(data: bytes) -> list[str]:
    text = data.decode("utf-8", errors="replace")
    if text.startswith("\ufeff"):
        text = text[1:]
    return text.splitlines()


def iter_records(data: bytes, fmt: str, *, file: str | None = None) -> Iterator[Record | Cdm | ParseError]:
    """Records (and a ParseError for each bad one) of decompressed ``data`` in format ``fmt``
    (for a CDM: the message, read strictly, see :mod:`sda.ingest.cdm`)."""
    if fmt == "TLE":
        from sda.ingest.tle import iter_tle

        return iter_tle(_lines(data), file=file)
    if fmt == "OMM-KVN":
        from sda.ingest.omm import iter_omm_kvn

        return iter_omm_kvn(_lines(data), file=file)
    if fmt == "OMM-XML":
        from sda.ingest.omm import iter_omm_xml

        return iter_omm_xml(data, file=file)
    if fmt == "OMM-JSON":
        from sda.ingest.omm import iter_omm_json

        return iter_omm_json(data, file=file)
    if fmt == "OEM-KVN":
        from sda.ingest.oem import iter_oem_kvn

        return iter_oem_kvn(_lines(data), file=file)
    if fmt == "OEM-XML":
        from sda.ingest.oem import iter_oem_xml

        return iter_oem_xml(data, file=file)
    if fmt == "OPM-KVN":
        from sda.ingest.opm import iter_opm_kvn

        return iter_opm_kvn(_lines(data), file=file)
    if fmt == "OPM-XML":
        from sda.ingest.opm import iter_opm_xml

        return iter_opm_xml(data, file=file)
    if fmt == "CDM-KVN":
        from sda.ingest.cdm import iter_cdm_kvn

        return iter_cdm_kvn(_lines(data), file=file)
    if fmt == "CDM-XML":
        from sda.ingest.cdm import iter_cdm_xml

        return iter_cdm_xml(data, file=file)
    raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
