"""Who asks: partners' users and service accounts, their roles, and what each role may do.

A :class:`Principal` belongs to one partner and has one role:

* ``viewer`` reads what its partner may see;
* ``analyst`` also runs analyses (screening, Pc) on it;
* ``provider`` also submits data under its partner's ownership;
* ``admin`` may do all of that.

Roles never widen what a principal may *see*: that is its partner's releasability
(:func:`sda.policy.decide.decide`). The local operator (:meth:`Principal.local`, the
command line without ``--as-partner``) runs the installation and sees everything.
"""

from __future__ import annotations

from dataclasses import dataclass

from sda.policy.markings import check_partner_name

__all__ = ["ROLES", "KINDS", "ACTIONS", "ROLE_ACTIONS", "Principal", "can"]

ROLES = ("viewer", "analyst", "provider", "admin")
#: ``user`` (a person), ``service`` (a partner's tool), ``local`` (the installation's own operator).
KINDS = ("user", "service", "local")
ACTIONS = ("read", "analyse", "upload", "admin")
ROLE_ACTIONS = {
    "viewer": frozenset({"read"}),
    "analyst": frozenset({"read", "analyse"}),
    "provider": frozenset({"read", "upload"}),
    "admin": frozenset(ACTIONS),
}


@dataclass(frozen=True)
class Principal:
    """A user or service account of ``partner`` with ``role`` (``id`` is its row id once stored)."""

    id: int | None
    name: str
    partner: str
    role: str = "viewer"
    kind: str = "user"

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"unknown role {self.role!r}: expected one of {', '.join(ROLES)}")
        if self.kind not in KINDS:
            raise ValueError(f"unknown principal kind {self.kind!r}: expected one of {', '.join(KINDS)}")
        if self.kind != "local":
            check_partner_name(self.partner)

    @classmethod
    def local(cls) -> "Principal":
        """The installation's local operator: full access."""
        return cls(None, "local", "", "admin", "local")

    @property
    def is_local(self) -> bool:
        return self.kind == "local"

    def as_dict(self) -> dict:
        return {"id": self.id, "name": self.name, "partner": self.partner, "role": self.role, "kind": self.kind}


def can(principal: Principal, action: str) -> bool:
    """Whether ``principal``'s role allows ``action`` (one of :data:`ACTIONS`)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}: expected one of {', '.join(ACTIONS)}")
    return principal.is_local or action in ROLE_ACTIONS[principal.role]
