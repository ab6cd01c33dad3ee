"""The OMM keyword table shared by the OMM readers and writers (see :mod:`sda.ingest.omm`).

Each keyword's XML block, value kind, standard unit (CCSDS 502.0-B-3 notation) and the
:class:`~sda.catalog.records.ElementSet` attribute it fills; Space-Track's extra keys;
the error locator and the unit check used by every format.
"""

from __future__ import annotations

from dataclasses import dataclass

from sda.errors import ParseError

__all__ = ["Keyword", "KEYWORDS", "MANDATORY", "SPACETRACK_EXTRAS", "EXTRA_ATTRS", "USER", "DEFAULT_THEORY",
           "Where", "unit_error"]


@dataclass(frozen=True, slots=True)
class Keyword:
    """One OMM keyword: XML block, value kind (text, float, int, time), unit, ElementSet attribute.

    ``fixed`` is the only value an element set accepts (the centre: Earth); ``default``
    is the value implied when a message leaves the keyword out (CelesTrak's JSON).
    """

    block: str
    kind: str
    unit: str | None = None
    attr: str | None = None
    fixed: str | None = None
    default: str | None = None


def _covariance() -> dict[str, Keyword]:
    axes = ("X", "Y", "Z", "X_DOT", "Y_DOT", "Z_DOT")
    out = {}
    for i, a in enumerate(axes):
        for b in axes[: i + 1]:
            per_s = a.endswith("DOT") + b.endswith("DOT")
            out[f"C{a}_{b}"] = Keyword("covarianceMatrix", "float", "km**2" + ("", "/s", "/s**2")[per_s])
    return out


#: Every OMM keyword (ODM v3), in the order the standard lists them (the writers' order).
KEYWORDS: dict[str, Keyword] = {
    "CCSDS_OMM_VERS": Keyword("header", "text"),
    "CLASSIFICATION": Keyword("header", "text"),
    "CREATION_DATE": Keyword("header", "time"),
    "ORIGINATOR": Keyword("header", "text"),
    "MESSAGE_ID": Keyword("header", "text"),
    "OBJECT_NAME": Keyword("metadata", "text", attr="name"),
    "OBJECT_ID": Keyword("metadata", "text", attr="intl_designator"),
    "CENTER_NAME": Keyword("metadata", "text", fixed="EARTH"),
    "REF_FRAME": Keyword("metadata", "text", attr="ref_frame", default="TEME"),
    "REF_FRAME_EPOCH": Keyword("metadata", "time"),
    "TIME_SYSTEM": Keyword("metadata", "text", attr="time_system", default="UTC"),
    "MEAN_ELEMENT_THEORY": Keyword("metadata", "text", attr="mean_element_theory"),
    "EPOCH": Keyword("meanElements", "time", attr="epoch_us"),
    "SEMI_MAJOR_AXIS": Keyword("meanElements", "float", "km"),
    "MEAN_MOTION": Keyword("meanElements", "float", "rev/day", "mean_motion_rev_day"),
    "ECCENTRICITY": Keyword("meanElements", "float", None, "eccentricity"),
    "INCLINATION": Keyword("meanElements", "float", "deg", "inclination_deg"),
    "RA_OF_ASC_NODE": Keyword("meanElements", "float", "deg", "raan_deg"),
    "ARG_OF_PERICENTER": Keyword("meanElements", "float", "deg", "arg_perigee_deg"),
    "MEAN_ANOMALY": Keyword("meanElements", "float", "deg", "mean_anomaly_deg"),
    "GM": Keyword("meanElements", "float", "km**3/s**2"),
    "MASS": Keyword("spacecraftParameters", "float", "kg"),
    "SOLAR_RAD_AREA": Keyword("spacecraftParameters", "float", "m**2"),
    "SOLAR_RAD_COEFF": Keyword("spacecraftParameters", "float"),
    "DRAG_AREA": Keyword("spacecraftParameters", "float", "m**2"),
    "DRAG_COEFF": Keyword("spacecraftParameters", "float"),
    "EPHEMERIS_TYPE": Keyword("tleParameters", "int", attr="ephemeris_type"),
    "CLASSIFICATION_TYPE": Keyword("tleParameters", "text", attr="classification"),
    "NORAD_CAT_ID": Keyword("tleParameters", "int", attr="norad_id"),
    "ELEMENT_SET_NO": Keyword("tleParameters", "int", attr="element_set_no"),
    "REV_AT_EPOCH": Keyword("tleParameters", "int", attr="rev_at_epoch"),
    "BSTAR": Keyword("tleParameters", "float", "1/ER", "bstar_per_er"),
    "BTERM": Keyword("tleParameters", "float", "m**2/kg"),
    "MEAN_MOTION_DOT": Keyword("tleParameters", "float", "rev/day**2", "mean_motion_dot"),
    "MEAN_MOTION_DDOT": Keyword("tleParameters", "float", "rev/day**3", "mean_motion_ddot"),
    "AGOM": Keyword("tleParameters", "float", "m**2/kg"),
    "COV_REF_FRAME": Keyword("covarianceMatrix", "text"),
    **_covariance(),
}

MANDATORY = ("OBJECT_NAME", "OBJECT_ID", "CENTER_NAME", "REF_FRAME", "TIME_SYSTEM", "MEAN_ELEMENT_THEORY",
              "EPOCH", "ECCENTRICITY", "INCLINATION", "RA_OF_ASC_NODE", "ARG_OF_PERICENTER", "MEAN_ANOMALY")

#: Space-Track's keys beyond the standard (user-defined parameters in KVN/XML) and their kinds.
SPACETRACK_EXTRAS: dict[str, str] = {
    "SEMIMAJOR_AXIS": "float", "PERIOD": "float", "APOAPSIS": "float", "PERIAPSIS": "float",
    "OBJECT_TYPE": "text", "RCS_SIZE": "text", "COUNTRY_CODE": "text", "LAUNCH_DATE": "time",
    "SITE": "text", "DECAY_DATE": "time", "FILE": "int", "GP_ID": "int",
    "TLE_LINE0": "text", "TLE_LINE1": "text", "TLE_LINE2": "text",
}
#: The extras an element set keeps, and the attribute each fills.
EXTRA_ATTRS = {"OBJECT_TYPE": "object_type", "COUNTRY_CODE": "owner", "TLE_LINE1": "tle_line1",
                "TLE_LINE2": "tle_line2"}
USER = "USER_DEFINED_"
DEFAULT_THEORY = "SGP4"


class Where:
    """Locates errors: line and element of each keyword; key ``""`` stands for the whole message."""

    def __init__(self, file, line_of, element_of):
        self.file, self.line_of, self.element_of = file, line_of or {}, element_of or {}

    def error(self, key: str, message: str, expected: str, found: str) -> ParseError:
        line = self.line_of.get(key, self.line_of.get(""))
        element = self.element_of.get(key, self.element_of.get(""))
        return ParseError(message, file=self.file, line=line, element=element, field=key,
                          expected=expected, found=found)


def unit_error(key: str, unit: str | None, kw: Keyword, where: Where) -> ParseError | None:
    """Error when a stated unit is not the keyword's standard one (case and blanks ignored)."""
    if unit is None:
        return None
    said = unit.replace(" ", "").lower()
    if kw.unit is None:
        ok = said in ("", "n/a")
    else:
        ok = said == kw.unit.lower()
    if ok:
        return None
    expected = f"[{kw.unit}]" if kw.unit else "no unit (dimensionless)"
    return where.error(key, "wrong unit", expected, f"[{unit}]")
