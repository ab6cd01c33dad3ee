"""CCSDS Keyword = Value Notation (KVN) lines, shared by the OMM, OEM, OPM and CDM readers.

A KVN line is ``KEYWORD = value [unit]``; ``COMMENT`` lines carry free text; blank
lines are ignored. Data lines of an OEM (epoch followed by numbers) have no ``=``
and are returned as :class:`KvnData`.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Iterable, Iterator

from sda.errors import ParseError

__all__ = ["KvnLine", "KvnData", "read_kvn", "kvn_float", "kvn_int"]

_KEY = re.compile(r"[A-Z][A-Z0-9_]*\Z", re.ASCII)
_UNIT = re.compile(r"^(.*?)\s*\[([^\]]*)\]\s*$")


@dataclass(frozen=True, slots=True)
class KvnLine:
    """``KEYWORD = value [unit]`` at ``line`` (1-based); ``unit`` is ``None`` when absent."""

    key: str
    value: str
    unit: str | None
    line: int


@dataclass(frozen=True, slots=True)
class KvnData:
    """A data line without ``=`` (OEM states, covariance rows), split on white space."""

    tokens: tuple[str, ...]
    line: int


def read_kvn(lines: Iterable[str], *, file: str | None = None) -> Iterator[KvnLine | KvnData]:
    """Yield the keyword and data lines of a KVN message in order.

    ``COMMENT`` lines come out as ``KvnLine("COMMENT", text, None, n)``. Raises
    :class:`ParseError` on a keyword that is not upper-case ASCII or on characters
    outside printable ASCII.
    """
    for n, raw in enumerate(lines, start=1):
        text = raw.rstrip("\r\n")
        if not text.strip():
            continue
        if not text.isascii() or any(c < " " and c != "\t" for c in text):
            bad = next(c for c in text if not c.isascii() or (c < " " and c != "\t"))
            raise ParseError(
                "non-ASCII or control character", file=file, line=n,
                expected="printable ASCII", found=bad,
            )
        stripped = text.strip()
        if stripped.startswith("COMMENT"):
            yield KvnLine("COMMENT", stripped[7:].strip(), None, n)
            continue
        key, eq, value = stripped.partition("=")
        if not eq:
            yield KvnData(tuple(stripped.split()), n)
            continue
        key = key.strip()
        if not _KEY.match(key):
            raise ParseError(file=file, line=n, field="keyword", expected="an upper-case CCSDS keyword", found=key)
        value = value.strip()
        unit = None
        m = _UNIT.match(value)
        if m:
            value, unit = m.group(1).strip(), m.group(2).strip()
        yield KvnLine(key, value, unit, n)


_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eEdD][+-]?\d+)?\Z", re.ASCII)


def kvn_float(value: str, *, file: str | None, line: int | None, field: str, element: str | None = None) -> float:
    """A finite float from CCSDS text (``1.5``, ``.5``, ``-1.2E-3``); NaN, inf, hex and non-ASCII digits are refused."""
    v = value.strip()
    if not _NUMBER.match(v):
        raise ParseError(file=file, line=line, element=element, field=field, expected="a decimal number", found=value)
    x = float(v.replace("d", "e").replace("D", "e"))
    if not math.isfinite(x):
        raise ParseError(file=file, line=line, element=element, field=field, expected="a finite number", found=value)
    return x


def kvn_int(value: str, *, file: str | None, line: int | None, field: str, element: str | None = None) -> int:
    """An integer from CCSDS text (ASCII digits with an optional sign)."""
    v = value.strip()
    if not re.fullmatch(r"[+-]?\d+", v, re.ASCII):
        raise ParseError(file=file, line=line, element=element, field=field, expected="an integer", found=value)
    return int(v)
