"""Who is asking on the command line, and the releasability check on what it prints.

Without ``--as-partner`` and without ``$SDA_API_KEY`` the command line is the local
operator and sees everything. ``--as-partner NAME`` shows exactly what that partner
may see; ``$SDA_API_KEY`` acts as the key's principal. Either way the records pass the
same final check (:func:`sda.policy.decide.egress`) as the REST API's, and each read
is written to the audit log.
"""

from __future__ import annotations

import os
from typing import Annotated, Any, Sequence

import typer

from sda.catalog.store import Store
from sda.interfaces.cli.common import fail
from sda.policy.decide import egress
from sda.policy.principals import Principal

__all__ = ["AsPartnerOption", "principal_from", "release"]

AsPartnerOption = Annotated[
    str | None,
    typer.Option("--as-partner", help="Show only what this partner may see (default: the principal of "
                                      "$SDA_API_KEY if set, else everything, as the local operator).",
                 show_default=False),
]


def principal_from(store: Store, as_partner: str | None) -> Principal:
    """The principal a command acts as (see the module docstring); exits on an unknown partner or key."""
    if as_partner:
        name = as_partner.strip().upper()
        if name not in {p["name"] for p in store.partners()}:
            fail(f"unknown partner {as_partner!r}: see `sda admin partner list`")
        return Principal(None, f"cli as {name}", name, "viewer", "user")
    key = os.environ.get("SDA_API_KEY")
    if key:
        principal = store.principal_for_key(key)
        if principal is None:
            fail("SDA_API_KEY is not a valid API key (unknown or revoked)")
        return principal
    return Principal.local()


def release(store: Store, principal: Principal, records: Sequence[Any], modes: Sequence[str], what: str) -> list:
    """The records ``principal`` may see (the final check), with the read audited as ``what``."""
    out = egress(principal, records, modes=modes)
    store.audit_append(principal, "read", f"{what}: {len(out)} record(s)")
    return out
