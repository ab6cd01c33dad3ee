"""Releasability markings: who owns a record, who may see it, what kind of data it is.

SDA's policy vocabulary is its own and fictional; it imitates no national marking
system. A :class:`Marking` has four parts:

* ``owner``: the partner that produced the record (``""`` for data with no owner, such
  as public catalogs and records stored before markings had owners). The owner always
  sees its own records.
* ``releasable_to``: the partners the owner releases the record to, or ``{"ALL"}``
  for every partner.
* ``mode``: ``REAL``, ``TEST``, ``EXERCISE`` or ``SIMULATED``; only ``REAL`` appears in
  a view unless other modes are asked for.
* ``caveats``: licence caveats ``LICENSED:P1+P2`` — a commercial provider's data
  licensed only to the named partners, whatever ``releasable_to`` says.

Partner names are upper-case letters, digits and hyphens, starting with a letter or a
digit, at most 32 characters (``KR-MND``, ``US-DOD``, ``KR-KASA``, ``US-NASA``,
``COMMERCIAL-CELL``, a provider's own name); ``ALL`` is reserved.

The *audience* of a marking (:attr:`Marking.audience`) is the set of partners that may
see it: ``releasable_to`` (every partner for ``ALL``), cut down to each licence's
partners, plus the owner. :meth:`Marking.strictest` combines the markings of a derived
product's inputs so that its audience is exactly the intersection of theirs.

JSON form (:meth:`Marking.to_json`): sorted keys and names, with the defaults left out
(no ``owner`` when unowned, no ``mode`` when ``REAL``, no ``caveats`` when none), so
the original marking ``{"releasable_to":["ALL"]}`` is the canonical form of an
unowned, shared, real record.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Iterable

__all__ = ["MODES", "ALL", "LICENCE_PREFIX", "Marking", "check_partner_name", "licence_caveat", "parse_partner_list"]

#: Data modes, least to most artificial; a product mixing modes takes the latest of its inputs' in this order.
MODES = ("REAL", "TEST", "SIMULATED", "EXERCISE")
#: ``releasable_to`` value meaning every partner.
ALL = "ALL"
#: Prefix of a licence caveat: ``LICENSED:`` then partner names joined by ``+``.
LICENCE_PREFIX = "LICENSED:"

_PARTNER = re.compile(r"[A-Z0-9][A-Z0-9-]{0,31}")


def check_partner_name(name: str) -> str:
    """``name`` if it is a valid partner name (see the module docstring), else ``ValueError``."""
    if not isinstance(name, str) or not _PARTNER.fullmatch(name) or name == ALL:
        raise ValueError(f"invalid partner name {name!r}: expected upper-case letters, digits and hyphens "
                         f"(at most 32, e.g. KR-MND), not {ALL!r}")
    return name


def parse_partner_list(text: str) -> frozenset[str]:
    """Partner names from a comma-separated list (``"KR-MND, us-dod"``; ``"ALL"`` for every partner).

    Names are upper-cased; an empty list, a bad name, or ``ALL`` mixed with names is a ``ValueError``.
    """
    names = frozenset(p.strip().upper() for p in text.split(",") if p.strip())
    if not names:
        raise ValueError("empty partner list: expected partner names separated by commas, or ALL")
    if ALL in names:
        if len(names) > 1:
            raise ValueError(f"ALL cannot be combined with partner names: {text!r}")
        return names
    for n in names:
        check_partner_name(n)
    return names


def _licence_partners(caveat: str) -> frozenset[str]:
    if not caveat.startswith(LICENCE_PREFIX) or not caveat[len(LICENCE_PREFIX):]:
        raise ValueError(f"unknown caveat {caveat!r}: expected {LICENCE_PREFIX}PARTNER+PARTNER...")
    return frozenset(check_partner_name(p) for p in caveat[len(LICENCE_PREFIX):].split("+"))


def licence_caveat(partners: Iterable[str]) -> str:
    """The caveat licensing a record to ``partners`` only: ``LICENSED:A+B`` (names sorted)."""
    names = sorted({check_partner_name(p) for p in partners})
    if not names:
        raise ValueError("a licence names at least one partner")
    return LICENCE_PREFIX + "+".join(names)


@dataclass(frozen=True)
class Marking:
    """The releasability label of one record (see the module docstring).

    Validated on construction (``ValueError`` names the bad part); caveats are kept
    sorted and without duplicates so equal markings compare and hash equal.
    """

    owner: str = ""
    releasable_to: frozenset[str] = field(default_factory=lambda: frozenset({ALL}))
    mode: str = "REAL"
    caveats: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.owner:
            check_partner_name(self.owner)
        rel = frozenset(self.releasable_to)
        if ALL in rel and len(rel) > 1:
            raise ValueError(f"releasable_to mixes ALL with partner names: {sorted(rel)}")
        for p in rel - {ALL}:
            check_partner_name(p)
        if self.mode not in MODES:
            raise ValueError(f"unknown data mode {self.mode!r}: expected one of {', '.join(MODES)}")
        caveats = tuple(sorted({licence_caveat(_licence_partners(c)) for c in self.caveats}))
        object.__setattr__(self, "releasable_to", rel)
        object.__setattr__(self, "caveats", caveats)

    # ---- reading and writing ---------------------------------------------------
    @classmethod
    def from_json(cls, text: str | dict, *, default_mode: str = "REAL") -> "Marking":
        """The marking of JSON text (or its parsed mapping), including the original
        ``{"releasable_to":["ALL"]}`` form; ``default_mode`` when it names no mode.

        Raises ``ValueError`` for anything that is not a valid marking. Text is parsed once per
        distinct (text, default mode): markings are immutable, and a catalog holds few distinct ones.
        """
        if isinstance(text, str):
            return _marking_of_text(text, default_mode)
        return cls._from_mapping(text, default_mode)

    @classmethod
    def _from_mapping(cls, text: str | dict, default_mode: str) -> "Marking":
        try:
            d = json.loads(text) if isinstance(text, str) else text
        except json.JSONDecodeError as exc:
            raise ValueError(f"marking is not JSON: {exc}") from None
        if not isinstance(d, dict):
            raise ValueError(f"marking must be a JSON object, not {type(d).__name__}")
        unknown = set(d) - {"owner", "releasable_to", "mode", "caveats"}
        if unknown:
            raise ValueError(f"unknown marking field(s) {sorted(unknown)}: expected owner, releasable_to, mode, caveats")
        rel = d.get("releasable_to", [ALL])
        caveats = d.get("caveats", [])
        if not isinstance(rel, list) or not isinstance(caveats, list):
            raise ValueError("marking releasable_to and caveats must be lists")
        return cls(owner=d.get("owner") or "", releasable_to=frozenset(rel), mode=d.get("mode") or default_mode,
                   caveats=tuple(caveats))

    @classmethod
    def of_record(cls, text: str, data_mode: str) -> "Marking":
        """The marking (JSON text) of a record of ``data_mode``: :meth:`from_json` with that
        mode as default; ``ValueError`` if it is invalid or names another mode."""
        m = cls.from_json(text, default_mode=data_mode)
        if m.mode != data_mode:
            raise ValueError(f"it is for {m.mode} data, not {data_mode}")
        return m

    def to_json(self) -> str:
        """Canonical JSON text: sorted keys and names, defaults left out (see the module docstring)."""
        d: dict = {"releasable_to": sorted(self.releasable_to)}
        if self.owner:
            d["owner"] = self.owner
        if self.mode != "REAL":
            d["mode"] = self.mode
        if self.caveats:
            d["caveats"] = list(self.caveats)
        return json.dumps(d, sort_keys=True, separators=(",", ":"))

    def as_dict(self) -> dict:
        """JSON-ready mapping with every part and the banner."""
        return {"owner": self.owner, "releasable_to": sorted(self.releasable_to), "mode": self.mode,
                "caveats": list(self.caveats), "banner": self.banner}

    # ---- meaning ------------------------------------------------------------------
    @property
    def licensed_to(self) -> frozenset[str] | None:
        """Partners every licence caveat names (``None``: no licence caveat)."""
        out: frozenset[str] | None = None
        for c in self.caveats:
            names = _licence_partners(c)
            out = names if out is None else out & names
        return out

    @property
    def audience(self) -> frozenset[str] | None:
        """Partners that may see the record (``None``: every partner); see the module docstring."""
        out = None if ALL in self.releasable_to else self.releasable_to
        lic = self.licensed_to
        if lic is not None:
            out = lic if out is None else out & lic
        if out is not None and self.owner:
            out = out | {self.owner}
        return out

    @property
    def banner(self) -> str:
        """Human-readable banner, e.g. ``REAL // OWNER KR-MND // REL TO KR-MND, US-DOD``."""
        parts = [self.mode]
        if self.owner:
            parts.append(f"OWNER {self.owner}")
        if ALL in self.releasable_to:
            parts.append("REL TO ALL PARTNERS")
        elif self.releasable_to:
            parts.append("REL TO " + ", ".join(sorted(self.releasable_to)))
        else:
            parts.append("REL TO NO PARTNER")
        parts += ["LICENSED TO " + ", ".join(sorted(_licence_partners(c))) for c in self.caveats]
        return " // ".join(parts)

    @staticmethod
    def strictest(*markings: "Marking | str") -> "Marking":
        """The marking of a product derived from records with ``markings`` (Marking or JSON text).

        Its audience is the intersection of the inputs' audiences; the owner is the
        inputs' common owner (none when they differ); the caveats are the union of
        theirs, each licence widened by its own record's owner (the licensor keeps
        seeing what it licensed); the mode is the latest of the inputs' in
        :data:`MODES` order. ``ValueError`` without markings.
        """
        if not markings:
            raise ValueError("strictest needs at least one marking")
        ms = [Marking.from_json(m) if isinstance(m, str) else m for m in markings]
        audience: frozenset[str] | None = None
        for m in ms:
            a = m.audience
            if a is not None:
                audience = a if audience is None else audience & a
        owners = {m.owner for m in ms}
        owner = owners.pop() if len(owners) == 1 else ""
        caveats = set()
        for m in ms:
            for c in m.caveats:
                caveats.add(licence_caveat(_licence_partners(c) | ({m.owner} if m.owner else set())))
        mode = max((m.mode for m in ms), key=MODES.index)
        return Marking(owner=owner, releasable_to=frozenset({ALL}) if audience is None else audience, mode=mode,
                       caveats=tuple(caveats))


@lru_cache(maxsize=4096)
def _marking_of_text(text: str, default_mode: str) -> Marking:
    return Marking._from_mapping(text, default_mode)
