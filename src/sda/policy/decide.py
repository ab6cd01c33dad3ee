"""The one releasability rule, and the final check on everything that leaves SDA.

:func:`decide` is the rule: a principal may see a record when the record's data mode
is one of the modes asked for, and the principal is the local operator or its partner
is in the marking's audience (:attr:`sda.policy.markings.Marking.audience`: the
partners it is releasable to, cut down by licence caveats, plus its owner). The
store's SQL filter applies the same rule (:meth:`sda.catalog.store.Store.visible`), and
:func:`egress` applies it once more to each record on its way out.
"""

from __future__ import annotations

from typing import Any, Iterable

from sda.policy.markings import Marking
from sda.policy.principals import Principal, can

__all__ = ["decide", "egress", "marking_of", "may_write"]


def decide(principal: Principal, marking: Marking, *, modes: Iterable[str] = ("REAL",)) -> bool:
    """Whether ``principal`` may see a record marked ``marking`` in a view of ``modes``."""
    if marking.mode not in tuple(modes):
        return False
    if principal.is_local:
        return True
    audience = marking.audience
    return audience is None or principal.partner in audience


def marking_of(record: Any) -> Marking | None:
    """The marking of a record on its way out, or ``None`` if it carries none.

    Understands the store's records (anything with ``marking`` and ``data_mode``
    attributes, a ``provenance`` or a ``latest`` stored element set) and their
    ``as_dict()`` mappings (a ``marking`` mapping or text, or one under ``provenance``
    or ``latest``). The record's data mode is the mode of a marking that names none.
    """
    if isinstance(record, dict):
        get = record.get
    else:
        def get(name, default=None):
            return getattr(record, name, default)
    mark, mode = get("marking"), get("data_mode")
    if mark is None:
        for inner in ("provenance", "latest"):
            sub = get(inner)
            if sub is not None:
                return marking_of(sub)
        return None
    if isinstance(mark, Marking):
        return mark
    default = getattr(mode, "value", mode) or "REAL"
    try:
        return Marking.from_json(mark, default_mode=default)
    except ValueError:
        return None


def egress(principal: Principal, records: Iterable[Any], *, modes: Iterable[str] = ("REAL",)) -> list:
    """The records ``principal`` may see, in order; the others are dropped.

    A record without a readable marking leaves only to the local operator.
    """
    modes = tuple(modes)
    out = []
    for r in records:
        m = marking_of(r)
        if m is None:
            if principal.is_local:
                out.append(r)
            continue
        if decide(principal, m, modes=modes):
            out.append(r)
    return out


def may_write(principal: Principal, marking: Marking) -> bool:
    """Whether ``principal`` may submit records with ``marking``: its role allows uploads
    and the records are its own partner's (the local operator may store anything)."""
    if principal.is_local:
        return True
    return can(principal, "upload") and marking.owner == principal.partner
