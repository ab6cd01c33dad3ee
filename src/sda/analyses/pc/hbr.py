"""Hard-body radius (HBR) of a conjunction: from the CDM, else NASA CARA's table, else a default.

The combined HBR is the sum of the two objects' radii (spheres that touch).

Order of precedence, and the ``source`` reported with the value:

1. ``"CDM"``: both objects carry the CDM 2.0 ``HBR`` keyword (m); their sum.
2. ``"CDM comment"``: the comment ``HBR = <value> [m]`` that NASA CARA writes after the
   relative metadata of its CDMs (already the combined radius), else the comments
   ``Exclusion Volume Radius = <value> [m]`` that CSpOC writes in each object's OD
   block (one radius per object; their sum).
3. ``"CARA table"``: each object's HBR from CARA's lookup table by NORAD ID (bundled as
   ``sda/data/hbr_cara.csv``, see ``hbr_cara.SOURCE.md``); an object missing from it (or
   with a blank row) gets :data:`DEFAULT_OBJECT_HBR_M` and the source says so.
4. ``"default"``: :data:`DEFAULT_COMBINED_HBR_M`.

The defaults are an SDA assumption, chosen conservative: 10 m per object, larger than
CARA's class defaults in the table (1.1 to 8 m for most classes, 14.5 m for one).
"""

from __future__ import annotations

import csv
import re
from functools import lru_cache
from importlib import resources

from sda.ingest.cdm import Cdm

__all__ = [
    "DEFAULT_OBJECT_HBR_M",
    "DEFAULT_COMBINED_HBR_M",
    "cara_hbr_m",
    "hbr_from_cdm",
    "combined_hbr_m",
    "catalog_hbr_m",
]

DEFAULT_OBJECT_HBR_M = 10.0
DEFAULT_COMBINED_HBR_M = 2 * DEFAULT_OBJECT_HBR_M

_NUMBER = r"([0-9]+(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?)"
_COMMENT = re.compile(r"^\s*HBR\s*=\s*" + _NUMBER + r"\s*(?:\[m\])?\s*$")
_EXCLUSION = re.compile(r"^\s*Exclusion Volume Radius\s*=\s*" + _NUMBER + r"\s*(?:\[m\])?\s*$", re.IGNORECASE)


@lru_cache(maxsize=1)
def _cara_table() -> dict[int, float]:
    out: dict[int, float] = {}
    with resources.files("sda").joinpath("data", "hbr_cara.csv").open("r", encoding="ascii", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["HBR"].strip():
                out[int(row["ObjectID"])] = float(row["HBR"])
    return out


def cara_hbr_m(norad_id: int) -> float | None:
    """CARA's HBR estimate (m) of a catalog object, ``None`` if the table has no value."""
    return _cara_table().get(int(norad_id))


def hbr_from_cdm(cdm: Cdm) -> float | None:
    """Combined HBR (m) stated by the CDM itself, else ``None``.

    From the ``HBR`` keywords, CARA's ``HBR =`` comment or CSpOC's two ``Exclusion Volume
    Radius`` comments, in that order.
    """
    if cdm.object1.hbr_m is not None and cdm.object2.hbr_m is not None:
        return cdm.object1.hbr_m + cdm.object2.hbr_m
    # CARA writes the comment at the end of the relative metadata, just before OBJECT1, so
    # a KVN reading attaches it to OBJECT1's metadata comments.
    for text in (*cdm.comments.get("relative", ()), *cdm.object1.comments.get("metadata", ())):
        m = _COMMENT.match(text)
        if m:
            return float(m.group(1))
    radii = [_exclusion_radius_m(obj) for obj in cdm.objects]
    if radii[0] is not None and radii[1] is not None:
        return radii[0] + radii[1]
    return None


def _exclusion_radius_m(obj) -> float | None:
    """CSpOC's per-object ``Exclusion Volume Radius = <value> [m]`` comment (any block), else ``None``."""
    for texts in obj.comments.values():
        for text in texts:
            m = _EXCLUSION.match(text)
            if m:
                return float(m.group(1))
    return None


def combined_hbr_m(cdm: Cdm) -> tuple[float, str]:
    """``(hbr_m, source)`` of a conjunction, following the precedence in the module docstring."""
    stated = hbr_from_cdm(cdm)
    if stated is not None:
        return stated, "CDM" if cdm.object1.hbr_m is not None else "CDM comment"
    return catalog_hbr_m(cdm.object1.norad_id, cdm.object2.norad_id, labels=(cdm.object1.object, cdm.object2.object))


def catalog_hbr_m(norad_id_1: int | None, norad_id_2: int | None, *,
                  labels: tuple[str, str] = ("OBJECT1", "OBJECT2")) -> tuple[float, str]:
    """``(hbr_m, source)`` from CARA's table for two catalog numbers (steps 3 and 4 of the module docstring).

    An object missing from the table (or without a catalog number) gets
    :data:`DEFAULT_OBJECT_HBR_M`, named by its entry in ``labels`` in the source.
    """
    radii = []
    defaulted = []
    for norad_id, label in zip((norad_id_1, norad_id_2), labels):
        value = cara_hbr_m(norad_id) if norad_id is not None else None
        if value is None:
            defaulted.append(label)
            value = DEFAULT_OBJECT_HBR_M
        radii.append(value)
    if len(defaulted) == 2:
        return DEFAULT_COMBINED_HBR_M, "default"
    source = "CARA table" + (f" ({defaulted[0]} default {DEFAULT_OBJECT_HBR_M} m)" if defaulted else "")
    return radii[0] + radii[1], source
