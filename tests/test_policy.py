"""The releasability rule, pure: markings, their JSON and banner, the strictest combination,
decide() against an independent reading of the documented rule, egress() and write rights."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings, strategies as st

from sda.catalog.records import DEFAULT_MARKING, Provenance, StoredElementSet, ElementSet, CatalogObject
from sda.policy import ALL, MODES, Marking, Principal, decide, egress, marking_of, may_write
from sda.policy.markings import licence_caveat, parse_partner_list
from sda.policy.principals import ROLES, can
from sda.products.alerts import Alert, derive_marking
from sda.products.warnings import warning_marking

PARTNERS = ("KR-MND", "US-DOD", "KR-KASA", "US-NASA", "COMMERCIAL-CELL", "ACME-SAT")

partner = st.sampled_from(PARTNERS)
partner_sets = st.frozensets(partner, max_size=4)
markings = st.builds(
    Marking,
    owner=st.sampled_from(("",) + PARTNERS),
    releasable_to=st.one_of(st.just(frozenset({ALL})), partner_sets),
    mode=st.sampled_from(MODES),
    caveats=st.lists(partner_sets.filter(bool).map(licence_caveat), max_size=2).map(tuple),
)
principals = st.one_of(
    st.just(Principal.local()),
    st.builds(Principal, id=st.integers(1, 10**6), name=st.just("p"), partner=partner, role=st.sampled_from(ROLES),
              kind=st.sampled_from(("user", "service"))),
)
mode_sets = st.frozensets(st.sampled_from(MODES), min_size=1).map(tuple)


def reference_decide(p: Principal, m: Marking, modes) -> bool:
    """The rule as docs/sharing.md states it, written out independently of the library."""
    if m.mode not in modes:
        return False
    if p.kind == "local":
        return True
    if m.owner and p.partner == m.owner:
        return True
    if ALL not in m.releasable_to and p.partner not in m.releasable_to:
        return False
    for c in m.caveats:
        if p.partner not in c.removeprefix("LICENSED:").split("+"):
            return False
    return True


@settings(max_examples=150, deadline=None)
@given(st.lists(markings, min_size=1, max_size=30), st.lists(principals, min_size=1, max_size=15), mode_sets)
def test_decide_follows_the_documented_rule(ms, ps, modes):
    for p in ps:
        for m in ms:
            assert decide(p, m, modes=modes) == reference_decide(p, m, modes), (p, m, modes)


@settings(max_examples=200, deadline=None)
@given(markings)
def test_json_round_trip_is_canonical(m):
    text = m.to_json()
    assert Marking.from_json(text) == m
    assert Marking.from_json(text).to_json() == text
    assert json.loads(text)["releasable_to"] == sorted(m.releasable_to)


EVERY_PARTNER = [Principal(i, "p", name) for i, name in enumerate(PARTNERS)]


@settings(max_examples=200, deadline=None)
@given(st.lists(markings, min_size=1, max_size=4))
def test_strictest_is_the_intersection_of_audiences(ms):
    combined = Marking.strictest(*ms)
    audiences = [m.audience for m in ms if m.audience is not None]
    expected = frozenset.intersection(*audiences) if audiences else None
    assert combined.audience == expected
    assert combined.mode == max((m.mode for m in ms), key=MODES.index)
    assert Marking.from_json(combined.to_json()) == combined
    for p in EVERY_PARTNER:  # the product is visible exactly to those who may see every input
        assert decide(p, combined, modes=MODES) == all(decide(p, m, modes=MODES) for m in ms)


def test_original_markings_still_read():
    m = Marking.from_json(DEFAULT_MARKING)
    assert m == Marking() and m.audience is None and m.owner == "" and m.mode == "REAL"
    assert m.to_json() == DEFAULT_MARKING
    assert Marking.from_json('{"releasable_to":["KR","US"]}', default_mode="EXERCISE").mode == "EXERCISE"
    assert Marking.from_json('{"releasable_to":["KR","US"]}').audience == {"KR", "US"}


def test_banner_and_licence():
    m = Marking("ACME-SAT", frozenset({ALL}), "REAL", ("LICENSED:US-DOD+KR-MND",))
    assert m.caveats == ("LICENSED:KR-MND+US-DOD",)  # names sorted
    assert m.banner == "REAL // OWNER ACME-SAT // REL TO ALL PARTNERS // LICENSED TO KR-MND, US-DOD"
    assert m.audience == {"ACME-SAT", "KR-MND", "US-DOD"}
    assert Marking("KR-MND", frozenset({"KR-MND", "US-DOD"}), "EXERCISE").banner == \
        "EXERCISE // OWNER KR-MND // REL TO KR-MND, US-DOD"
    assert Marking(releasable_to=frozenset()).banner == "REAL // REL TO NO PARTNER"


@pytest.mark.parametrize("bad", [
    '{"releasable_to":["ALL","KR-MND"]}', '{"releasable_to":["kr mnd"]}', '{"releasable_to":["KR"],"mode":"LIVE"}',
    '{"releasable_to":["KR"],"caveats":["SECRET"]}', '{"releasable_to":"KR"}', '{"owner":"ALL"}',
    '{"rel":["KR"]}', "[1]", "not json",
])
def test_invalid_markings_are_refused(bad):
    with pytest.raises(ValueError):
        Marking.from_json(bad)


def test_partner_lists():
    assert parse_partner_list(" kr-mnd, US-DOD ") == {"KR-MND", "US-DOD"}
    assert parse_partner_list("all") == {ALL}
    for bad in ("", "ALL,KR-MND", "KR MND"):
        with pytest.raises(ValueError):
            parse_partner_list(bad)


def test_derived_products_take_the_strictest_marking():
    kr_only = Marking("KR-MND", frozenset({"KR-MND"})).to_json()
    shared = DEFAULT_MARKING
    assert Marking.from_json(derive_marking(kr_only, shared)).audience == {"KR-MND"}
    assert Marking.from_json(warning_marking([shared, kr_only])).audience == {"KR-MND"}
    us = Marking("US-DOD", frozenset({"US-DOD"})).to_json()
    assert Marking.from_json(derive_marking(kr_only, us)).audience == frozenset()


def _stored(marking: str, mode: str = "REAL") -> StoredElementSet:
    es = ElementSet.from_tle("1 00005U 58002B   22022.55771106  .00000105  00000-0  15609-3 0  9990",
                             "2 00005  34.2401 228.9165 1843365 100.8944 280.3452 10.84849428268693")
    return StoredElementSet(1, es, Provenance("s", "o", mode, 0, "h", 1, marking, "TLE"))


def test_egress_reads_every_record_shape():
    kr = Marking("KR-MND", frozenset({"KR-MND"}))
    us_viewer, kr_viewer = Principal(1, "u", "US-DOD"), Principal(2, "k", "KR-MND")
    stored = _stored(kr.to_json())
    obj = CatalogObject(5, "VANGUARD 1", "1958-002B", "PAYLOAD", "US", stored)
    alert = Alert(1, 5, "KR-MND", (), "RED", 0, "m", kr.to_json())
    records = [stored, obj, alert, stored.as_dict(), obj.as_dict(), alert.as_dict()]
    assert all(marking_of(r) == kr for r in records)
    assert egress(kr_viewer, records) == records
    assert egress(us_viewer, records) == []
    # unmarked or unreadable: only the local operator
    odd = [{"id": 1}, {"marking": "garbage"}, CatalogObject(1, None, None, None, None, None)]
    assert egress(us_viewer, odd) == [] and egress(Principal.local(), odd) == odd
    # modes: exercise records leave only when asked for
    ex = _stored('{"releasable_to":["ALL"]}', mode="EXERCISE")
    assert marking_of(ex).mode == "EXERCISE"
    assert egress(us_viewer, [ex]) == [] and egress(us_viewer, [ex], modes=("EXERCISE",)) == [ex]
    assert egress(Principal.local(), [ex]) == []


def test_roles_and_write_rights():
    own = Marking("KR-MND", frozenset({ALL}))
    assert may_write(Principal(1, "p", "KR-MND", "provider"), own)
    assert not may_write(Principal(1, "p", "KR-MND", "viewer"), own)
    assert not may_write(Principal(1, "p", "US-DOD", "provider"), own)  # not its own data
    assert may_write(Principal.local(), own)
    assert can(Principal(1, "a", "KR-MND", "analyst"), "analyse") and not can(Principal(1, "a", "KR-MND"), "upload")
    with pytest.raises(ValueError):
        Principal(1, "x", "KR-MND", "superuser")
    with pytest.raises(ValueError):
        can(Principal.local(), "delete")
