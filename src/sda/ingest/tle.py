"""Two-line and three-line element sets (TLE/3LE), NORAD's fixed-column format.

Strict: every field must sit in its columns and hold what the format allows (ASCII
digits only), both line checksums must hold, and both lines must name the same
object. Catalog numbers use the Alpha-5 scheme (``A0000``-``Z9999`` for
100000-339999, letters I and O unused); epoch years 57-99 are 1957-1999 and 00-56
are 2000-2056.

A fast path checks each line with one regular expression; only a line that fails
it is examined field by field to say which field is wrong.
"""

from __future__ import annotations

import re
from typing import Iterable, Iterator

from sda.catalog.records import ElementSet, canonical_intl_designator, object_type_from_name
from sda.core.times import tle_epoch_us
from sda.errors import ParseError

__all__ = ["parse_tle", "iter_tle", "alpha5_to_int", "int_to_alpha5", "tle_checksum"]

_ALPHA5 = "ABCDEFGHJKLMNPQRSTUVWXYZ"  # I and O are not used
_ALPHA5_VALUE = {c: 10 + i for i, c in enumerate(_ALPHA5)}

_SATNUM = r"[0-9A-HJ-NP-Z ][0-9 ]{3}[0-9]"
_EXP = r"[ +-][0-9]{5}[+-][0-9]"
_LINE1 = re.compile(
    rf"1 ({_SATNUM})([UCS ]) ([0-9 ]{{2}}[0-9 ]{{3}}[A-Z ]{{3}}) ([0-9]{{2}})([0-9 ]{{3}}\.[0-9]{{8}}) "
    rf"([ +-]\.[0-9]{{8}}) ({_EXP}) ({_EXP}) ([0-9 ]) ([0-9 ]{{3}}[0-9])([0-9])\Z",
    re.ASCII,
)
_ANGLE = r"[ 0-9]{3}\.[0-9]{4}"
_LINE2 = re.compile(
    rf"2 ({_SATNUM}) ({_ANGLE}) ({_ANGLE}) ([0-9]{{7}}) ({_ANGLE}) ({_ANGLE}) ([ 0-9]{{2}}\.[0-9]{{8}})([ 0-9]{{4}}[0-9])([0-9])\Z",
    re.ASCII,
)

# Field tables for precise errors: (name, first column, last column (1-based, inclusive), pattern, expected).
_FIELDS1 = (
    ("line number", 1, 1, r"1", "'1'"),
    ("catalog number", 3, 7, _SATNUM, "a catalog number (5 digits or Alpha-5)"),
    ("classification", 8, 8, r"[UCS ]", "U, C or S"),
    ("international designator", 10, 17, r"[0-9 ]{5}[A-Z ]{3}", "YYNNNPPP (launch year, number, piece)"),
    ("epoch year", 19, 20, r"[0-9]{2}", "two digits"),
    ("epoch day", 21, 32, r"[0-9 ]{3}\.[0-9]{8}", "DDD.DDDDDDDD"),
    ("mean motion dot", 34, 43, r"[ +-]\.[0-9]{8}", "a signed decimal .NNNNNNNN"),
    ("mean motion ddot", 45, 52, _EXP, "an exponent field such as ' 12345-6'"),
    ("bstar", 54, 61, _EXP, "an exponent field such as ' 12345-6'"),
    ("ephemeris type", 63, 63, r"[0-9 ]", "a digit"),
    ("element set number", 65, 68, r"[0-9 ]{3}[0-9]", "up to 4 digits, right-aligned"),
    ("checksum", 69, 69, r"[0-9]", "a digit"),
)
_FIELDS2 = (
    ("line number", 1, 1, r"2", "'2'"),
    ("catalog number", 3, 7, _SATNUM, "a catalog number (5 digits or Alpha-5)"),
    ("inclination", 9, 16, _ANGLE, "degrees as NNN.NNNN"),
    ("right ascension of the ascending node", 18, 25, _ANGLE, "degrees as NNN.NNNN"),
    ("eccentricity", 27, 33, r"[0-9]{7}", "7 digits (implied leading decimal point)"),
    ("argument of perigee", 35, 42, _ANGLE, "degrees as NNN.NNNN"),
    ("mean anomaly", 44, 51, _ANGLE, "degrees as NNN.NNNN"),
    ("mean motion", 53, 63, r"[ 0-9]{2}\.[0-9]{8}", "revolutions per day as NN.NNNNNNNN"),
    ("revolution number", 64, 68, r"[ 0-9]{4}[0-9]", "up to 5 digits, right-aligned"),
    ("checksum", 69, 69, r"[0-9]", "a digit"),
)
_SEPARATORS1 = (2, 9, 18, 33, 44, 53, 62, 64)
_SEPARATORS2 = (2, 8, 17, 26, 34, 43, 52)

# Checksum: digits count their value, '-' counts 1, everything else 0.
_CHECK_TABLE = bytes(
    (b - 48) if 48 <= b <= 57 else (1 if b == 45 else 0) for b in range(256)
)


def tle_checksum(line: str) -> int:
    """Modulo-10 checksum of the first 68 columns of a TLE line."""
    return sum(line[:68].encode("latin-1", "replace").translate(_CHECK_TABLE)) % 10


def alpha5_to_int(text: str) -> int:
    """Catalog number of a 5-character TLE field (blank-padded digits or Alpha-5)."""
    text = text.strip()
    first = text[:1]
    if first in _ALPHA5_VALUE:
        return _ALPHA5_VALUE[first] * 10000 + int(text[1:])
    return int(text)


def int_to_alpha5(norad_id: int) -> str:
    """5-character TLE catalog field of a catalog number (Alpha-5 from 100000 to 339999)."""
    if 0 <= norad_id < 100000:
        return f"{norad_id:05d}"
    if norad_id <= 339999:
        head, tail = divmod(norad_id, 10000)
        return _ALPHA5[head - 10] + f"{tail:04d}"
    raise ValueError(f"catalog number {norad_id} does not fit a TLE (at most 339999)")


def _exp_field(text: str) -> float:
    """Value of an assumed-decimal exponent field: ' 12345-6' is 0.12345e-6."""
    mantissa = text[:6].replace(" ", "")
    sign = -1.0 if mantissa.startswith("-") else 1.0
    digits = mantissa.lstrip("+-")
    return sign * float("0." + digits + "e" + text[6:8])


def _locate(line: str, fields, separators, n: int, file, lineno) -> ParseError:
    """Precise error of a line that failed the fast-path pattern."""
    if not line.isascii():
        col = next(i for i, c in enumerate(line, 1) if not c.isascii())
        name = next((f[0] for f in fields if f[1] <= col <= f[2]), f"column {col}")
        return ParseError(
            f"non-ASCII character in column {col}", file=file, line=lineno, field=name,
            expected="ASCII characters only", found=line[col - 1],
        )
    if len(line) != 69:
        return ParseError(
            "wrong line length", file=file, line=lineno, field=f"line {n}",
            expected="69 columns", found=f"{len(line)} columns",
        )
    for name, a, b, pattern, expected in fields:
        text = line[a - 1 : b]
        if not re.fullmatch(pattern, text, re.ASCII):
            return ParseError(
                f"columns {a}-{b}", file=file, line=lineno, field=name, expected=expected, found=text
            )
    for col in separators:
        if line[col - 1] != " ":
            return ParseError(
                f"column {col}", file=file, line=lineno, field="separator",
                expected="a blank", found=line[col - 1],
            )
    return ParseError(file=file, line=lineno, field=f"line {n}", expected="a valid TLE line", found=line)


def parse_tle(
    line1: str, line2: str, name: str | None = None, *, file: str | None = None, line: int | None = None
) -> ElementSet:
    """Element set of one TLE; raises :class:`ParseError` naming the field at fault.

    ``line`` is the 1-based line number of ``line1`` in ``file`` (for messages);
    ``name`` is the title line without its ``0 `` prefix.
    """
    l1 = line1.rstrip("\r\n ")
    l2 = line2.rstrip("\r\n ")
    n2 = None if line is None else line + 1
    m1 = _LINE1.match(l1)
    if m1 is None:
        raise _locate(l1, _FIELDS1, _SEPARATORS1, 1, file, line)
    m2 = _LINE2.match(l2)
    if m2 is None:
        raise _locate(l2, _FIELDS2, _SEPARATORS2, 2, file, n2)
    for text, m, ln in ((l1, m1, line), (l2, m2, n2)):
        expected = tle_checksum(text)
        if int(m.group(m.lastindex)) != expected:
            raise ParseError(
                "checksum mismatch", file=file, line=ln, field="checksum",
                expected=str(expected), found=text[68],
            )
    (sat1, cls, intl, eyear, eday, ndot, nddot, bstar, ephtype, elnum, _) = m1.groups()
    (sat2, inc, raan, ecc, argp, ma, mm, rev, _) = m2.groups()
    if sat1 != sat2:
        raise ParseError(
            "line 2 names another object than line 1", file=file, line=n2, field="catalog number",
            expected=sat1.strip(), found=sat2.strip(),
        )
    inclination = float(inc)
    if inclination > 180.0:
        raise ParseError(file=file, line=n2, field="inclination", expected="0 to 180 degrees", found=inc)
    raan_deg, argp_deg, ma_deg = float(raan), float(argp), float(ma)
    for value, text, fname in ((raan_deg, raan, "right ascension of the ascending node"),
                               (argp_deg, argp, "argument of perigee"), (ma_deg, ma, "mean anomaly")):
        if value >= 360.0:
            raise ParseError(file=file, line=n2, field=fname, expected="0 to 360 degrees", found=text)
    mean_motion = float(mm)
    if mean_motion <= 0.0:
        raise ParseError(file=file, line=n2, field="mean motion", expected="a positive number", found=mm)
    clean_name = name.strip() if name else None
    if clean_name and clean_name.startswith("0 "):
        clean_name = clean_name[2:].strip()
    return ElementSet(
        norad_id=alpha5_to_int(sat1),
        epoch_us=tle_epoch_us(int(eyear), eday),
        mean_motion_rev_day=mean_motion,
        eccentricity=float("0." + ecc),
        inclination_deg=inclination,
        raan_deg=raan_deg,
        arg_perigee_deg=argp_deg,
        mean_anomaly_deg=ma_deg,
        bstar_per_er=_exp_field(bstar),
        mean_motion_dot=float(ndot.replace(" ", "")),
        mean_motion_ddot=_exp_field(nddot),
        name=clean_name or None,
        intl_designator=canonical_intl_designator(intl),
        classification=cls if cls != " " else "U",
        ephemeris_type=int(ephtype) if ephtype != " " else 0,
        element_set_no=int(elnum),
        rev_at_epoch=int(rev),
        object_type=object_type_from_name(clean_name),
        format="TLE",
        tle_line1=l1,
        tle_line2=l2,
        source_line=line,
    )


def iter_tle(lines: Iterable[str], *, file: str | None = None) -> Iterator[ElementSet | ParseError]:
    """Element sets of a TLE or 3LE stream, in order, with a ParseError for each bad one.

    Title lines (``0 NAME`` or a bare name of at most 24 characters) are optional.
    Blank lines are skipped. A line ``1 ...`` must be followed by its line ``2 ...``.
    """
    name: str | None = None
    name_line: int | None = None
    pending: tuple[int, str] | None = None
    for n, raw in enumerate(lines, start=1):
        text = raw.rstrip("\r\n")
        if not text.strip():
            continue
        head = text[:2]
        if pending is not None:
            n1, l1 = pending
            pending = None
            if head == "2 " or (text[:1] == "2" and len(text.rstrip()) < 69):
                try:
                    yield parse_tle(l1, text, name, file=file, line=n1)
                except ParseError as exc:
                    yield exc
                name = None
                continue
            yield ParseError(
                "line 1 is not followed by its line 2", file=file, line=n, field="line 2",
                expected="a line starting with '2 '", found=text[:20],
            )
        if head == "1 ":
            pending = (n, text)
        elif head == "2 ":
            yield ParseError(
                "line 2 without a line 1 before it", file=file, line=n, field="line 1",
                expected="a line starting with '1 '", found=text[:20],
            )
            name = None
        elif text.lstrip()[:2] in ("1 ", "2 ") and len(text) >= 60:
            yield ParseError(
                "element line does not start in column 1", file=file, line=n, field=f"line {text.lstrip()[0]}",
                expected="the line number in column 1", found=text[:20],
            )
            name = None
        else:
            if name is not None:
                yield ParseError(
                    "title line without element lines", file=file, line=name_line, field="line 1",
                    expected="a line starting with '1 ' after the title", found=text[:20],
                )
            name, name_line = text.strip(), n
            if not name.isprintable() or len(name) > 80:
                yield ParseError(file=file, line=n, field="title", expected="a printable name of at most 80 characters",
                                 found=name[:30])
                name = None
    if pending is not None:
        yield ParseError(
            "file ends after line 1", file=file, line=pending[0], field="line 2",
            expected="a line starting with '2 '", found="end of file",
        )
    elif name is not None:
        yield ParseError(
            "file ends after a title line", file=file, line=name_line, field="line 1",
            expected="a line starting with '1 '", found="end of file",
        )
