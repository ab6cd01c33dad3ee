"""Releasability: markings on records, principals who ask, the one rule that decides, and the audit log.

* :mod:`sda.policy.markings` — :class:`Marking` (owner, releasable-to set, data mode,
  licence caveats) and its banner; :meth:`Marking.strictest` for derived products.
* :mod:`sda.policy.principals` — partners' users and service accounts (:class:`Principal`)
  and what each role may do.
* :mod:`sda.policy.decide` — :func:`decide` (may this principal see this marking?) and
  :func:`egress` (the final check on records leaving the system).
* :mod:`sda.policy.keys` — API keys: random, shown once, stored as a hash.
* :mod:`sda.policy.audit` — the hash-chained, signed audit log and its verification.
"""

from sda.policy.decide import decide, egress, marking_of, may_write
from sda.policy.markings import ALL, MODES, Marking
from sda.policy.principals import ROLES, Principal

__all__ = ["ALL", "MODES", "Marking", "ROLES", "Principal", "decide", "egress", "marking_of", "may_write"]
