"""API of the common operational picture: what the page needs in the shape it needs it.

Everything here is under ``/api/v1/picture`` and needs the same ``Authorization: Bearer
KEY`` as the rest of the API; every list is filtered for the caller's partner by the
store (SQL) and passes the final egress check before it leaves. Times are sent twice:
ISO-8601 UTC text for people and ``*_ms`` (UTC milliseconds since 1970, a float with
microseconds kept) for the page's clock and SGP4.

* ``GET /picture/session`` — who is logged in.
* ``GET /picture/elements`` — the newest element set of every visible object, as columns
  (one array per field), for client-side SGP4 of the whole catalog.
* ``GET /picture/objects/{norad_id}`` — one object's details: elements, provenance,
  marking, last maneuvers, upcoming close approaches and the plots of its proximity and
  breakup warnings.
* ``GET /picture/warnings/{id}/plot`` — a proximity warning's range history or a breakup
  warning's Gabbard diagram, as SVG (:mod:`sda.interfaces.web.plots`).
* ``GET /picture/conjunctions``, ``/picture/alerts``, ``/picture/warnings`` — the tables.
* ``POST /picture/banner`` — the banner of the strictest of the markings on screen.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from sda.catalog.queries import CatalogQuery
from sda.catalog.store import StoredConjunction
from sda.core.times import format_utc
from sda.interfaces.rest.deps import ModesDep, PrincipalDep, StoreDep, audit_read, not_found, utc_query, visible
from sda.interfaces.rest.problems import Problem
from sda.interfaces.rest.routes.objects import NoradId
from sda.interfaces.web.plots import PLOT_KINDS, NoPlot, warning_svg
from sda.policy import ALL, Marking, marking_of

__all__ = ["router"]

router = APIRouter(prefix="/picture", tags=["picture"])

#: Element-set fields sent for client-side SGP4 (TLE/OMM units: degrees, rev/day, 1/earth radii).
ELEMENT_COLUMNS = ("mean_motion_rev_day", "eccentricity", "inclination_deg", "raan_deg", "arg_perigee_deg",
                   "mean_anomaly_deg", "bstar_per_er", "mean_motion_dot", "mean_motion_ddot")
#: Warnings kept in an object's details as its maneuver history.
MANEUVER_HISTORY = 10
#: Plots (newest warnings of :data:`PLOT_KINDS`) offered in an object's details.
PLOT_HISTORY = 4


def _ms(us: int | None) -> float | None:
    """UTC microseconds to milliseconds (float), ``None`` kept."""
    return None if us is None else us / 1000.0


def _marking(record: Any) -> Marking:
    m = marking_of(record)
    if m is None:  # egress already dropped such records for partners; the local operator sees them as shared
        return Marking()
    return m


def _marked(d: dict, record: Any) -> dict:
    """``d`` with the record's full marking (mode included) and its banner."""
    m = _marking(record)
    d["marking"] = {"owner": m.owner, "releasable_to": sorted(m.releasable_to), "mode": m.mode,
                    "caveats": list(m.caveats)}
    d["banner"] = m.banner
    return d


@router.get("/session", summary="Who is logged in")
def session(principal: PrincipalDep) -> dict:
    return {"principal": principal.as_dict()}


@router.get("/elements", summary="Newest element set of every visible object, as columns")
def elements(request: Request, store: StoreDep, principal: PrincipalDep, modes: ModesDep) -> JSONResponse:
    """Columns ``norad_id``, ``name``, ``object_type`` (as the element set gives them),
    ``owner`` (the partner owning the element set, ``""`` when unowned), ``epoch_ms``, the
    SGP4 mean elements of :data:`ELEMENT_COLUMNS` and ``marking`` (an index into ``markings``).

    Sent as plain JSON text: the columns are numbers and strings already, and the generic
    encoder would walk each of their hundreds of thousands of values again.
    """
    sets = visible(principal, store.latest(CatalogQuery(data_modes=modes), principal=principal), modes)
    columns: dict[str, list] = {k: [] for k in ("norad_id", "name", "object_type", "owner", "epoch_ms",
                                                *ELEMENT_COLUMNS, "marking")}
    markings: dict[Marking, int] = {}
    by_label: dict[tuple[str, str], Marking] = {}  # a catalog has few distinct markings: read each once
    for st in sets:
        es = st.element_set
        label = (st.provenance.marking, st.provenance.data_mode)
        m = by_label.get(label) or by_label.setdefault(label, _marking(st))
        columns["norad_id"].append(es.norad_id)
        columns["name"].append(es.name)
        columns["object_type"].append(es.object_type or "UNKNOWN")
        columns["owner"].append(m.owner)
        columns["epoch_ms"].append(_ms(es.epoch_us))
        for k in ELEMENT_COLUMNS:
            columns[k].append(getattr(es, k))
        columns["marking"].append(markings.setdefault(m, len(markings)))
    # Whether the read is audited depends on the markings read only: one record of each will do.
    audit_read(store, request, principal, [{"marking": m} for m in markings], "picture/elements")
    return JSONResponse({"count": len(sets), "columns": columns,
                         "markings": [_marked({}, {"marking": m.to_json()})["marking"] for m in markings]})


def _conjunction(sc: StoredConjunction, names: dict[int, str | None]) -> dict:
    d = sc.as_dict()
    c = sc.conjunction
    d.update(name_1=names.get(c.norad_id_1), name_2=names.get(c.norad_id_2), tca_ms=_ms(c.tca_us),
             data_mode=sc.data_mode)
    return _marked(d, sc)


def _names(store, norad_ids) -> dict[int, str | None]:
    return {o.norad_id: o.name for o in store.objects_by_id(set(norad_ids))}


def _newest_per_event(rows: list[StoredConjunction]) -> list[StoredConjunction]:
    """One row per close approach: the newest stored (highest id) of those with the same pair
    of objects and the same TCA to the second (the same event screened again, or its CDM),
    in the order of ``rows``."""
    newest: dict[tuple[int, int, int], StoredConjunction] = {}
    for sc in rows:
        c = sc.conjunction
        key = (*sorted((c.norad_id_1, c.norad_id_2)), round(c.tca_us / 1e6))
        if key not in newest or sc.id > newest[key].id:
            newest[key] = sc
    keep = {sc.id for sc in newest.values()}
    return [sc for sc in rows if sc.id in keep]


@router.get("/conjunctions", summary="Conjunctions for the picture's table")
def conjunctions(request: Request, store: StoreDep, principal: PrincipalDep, modes: ModesDep,
                 limit: Annotated[int, Query(ge=1, le=20000)] = 5000) -> dict:
    rows = _newest_per_event(visible(principal, store.conjunctions(limit=limit, data_modes=modes,
                                                                   principal=principal), modes))
    audit_read(store, request, principal, rows, "picture/conjunctions")
    names = _names(store, [i for sc in rows for i in (sc.conjunction.norad_id_1, sc.conjunction.norad_id_2)])
    return {"items": [_conjunction(sc, names) for sc in rows]}


@router.get("/alerts", summary="Alerts, newest first")
def alerts(request: Request, store: StoreDep, principal: PrincipalDep, modes: ModesDep,
           limit: Annotated[int, Query(ge=1, le=5000)] = 500) -> dict:
    rows = visible(principal, store.alerts(principal=principal, data_modes=modes, limit=limit), modes)
    audit_read(store, request, principal, rows, "picture/alerts")
    return {"items": [_marked(a.as_dict() | {"created_ms": _ms(a.created_at_us)}, a) for a in rows]}


def _warning(w) -> dict:
    d = w.as_dict()
    d.update(time_ms=_ms(w.time_us), window_start_ms=_ms(w.window_start_us), window_stop_ms=_ms(w.window_stop_us))
    return _marked(d, w)


@router.get("/warnings", summary="Warnings, newest event first")
def warnings(request: Request, store: StoreDep, principal: PrincipalDep, modes: ModesDep,
             limit: Annotated[int, Query(ge=1, le=20000)] = 2000) -> dict:
    rows = visible(principal, store.warnings(data_modes=modes, principal=principal, limit=limit), modes)
    audit_read(store, request, principal, rows, "picture/warnings")
    return {"items": [_warning(w) for w in rows]}


WarningId = Annotated[int, Path(ge=1, le=2**62, description="Warning id.")]


def _plot_warnings(store, principal, modes, norad_id: int | None = None) -> list:
    """Visible warnings of :data:`PLOT_KINDS`, newest event first; with ``norad_id``, those about
    it or involving it (the approaching object, a fragment)."""
    rows = [w for kind in PLOT_KINDS for w in store.warnings(kind=kind, data_modes=modes, principal=principal)
            if norad_id is None or norad_id == w.norad_id or norad_id in w.related_ids]
    rows.sort(key=lambda w: (w.time_us, w.id), reverse=True)
    return visible(principal, rows, modes)


def _plot_entry(w) -> dict:
    return _marked({"warning_id": w.id, "kind": w.kind, "summary": w.summary, "time_ms": _ms(w.time_us),
                    "url": f"/api/v1/picture/warnings/{w.id}/plot"}, w)


@router.get("/warnings/{warning_id}/plot", summary="A warning's plot (SVG)", response_class=Response,
            responses={200: {"content": {"image/svg+xml": {}}}})
def warning_plot(warning_id: WarningId, request: Request, store: StoreDep, principal: PrincipalDep,
                 modes: ModesDep) -> Response:
    """The range history of a ``PROXIMITY`` warning or the Gabbard diagram of a ``BREAKUP``
    warning, as ``image/svg+xml``; 404 alike for a hidden or missing warning, and for a
    warning without a plot."""
    found = visible(principal, [w for w in store.warnings(warning_id=warning_id, data_modes=modes, principal=principal)
                                if w.kind in PLOT_KINDS], modes)
    if not found:
        raise not_found("proximity or breakup warning", warning_id)
    try:
        svg = warning_svg(store, found[0], principal, modes)
    except NoPlot as exc:
        raise Problem("not_found", str(exc)) from None
    audit_read(store, request, principal, found, f"picture/warnings/{warning_id}/plot")
    return Response(svg, media_type="image/svg+xml")


@router.get("/objects/{norad_id}", summary="One object's details")
def object_details(norad_id: NoradId, request: Request, store: StoreDep, principal: PrincipalDep, modes: ModesDep,
                   since: Annotated[str | None, Query(description="Close approaches with TCA at or after this "
                                                      "time (ISO-8601 UTC); all when absent", max_length=40)] = None
                   ) -> dict:
    """Elements, provenance and marking of the newest element set, the last maneuvers
    detected, the close approaches with TCA at or after ``since``, by TCA, and the plots
    (``url`` of each) of the newest proximity and breakup warnings about or involving it."""
    found = visible(principal, [o for o in [store.get_object(norad_id, modes, principal=principal)] if o], modes)
    if not found:
        raise not_found("object", norad_id)
    obj = found[0]
    st = obj.latest
    maneuvers = visible(principal, store.warnings(kind="MANEUVER", norad_id=norad_id, data_modes=modes,
                                                  principal=principal), modes)[:MANEUVER_HISTORY]
    upcoming = _newest_per_event(visible(principal, store.conjunctions(
        norad_id=norad_id, tca_from_us=utc_query("since", since), data_modes=modes, principal=principal), modes))
    plots = _plot_warnings(store, principal, modes, norad_id)[:PLOT_HISTORY]
    audit_read(store, request, principal, [obj, *maneuvers, *upcoming, *plots], f"picture/objects/{norad_id}")
    names = _names(store, [i for sc in upcoming for i in (sc.conjunction.norad_id_1, sc.conjunction.norad_id_2)])
    approaches = []
    for sc in upcoming:
        c = sc.conjunction
        other = c.norad_id_2 if c.norad_id_1 == norad_id else c.norad_id_1
        approaches.append({"id": sc.id, "other_norad_id": other, "other_name": names.get(other),
                           "tca": format_utc(c.tca_us), "tca_ms": _ms(c.tca_us),
                           "miss_distance_km": c.miss_distance_km, "pc": c.pc})
    es = st.element_set
    out = {
        "norad_id": obj.norad_id, "name": obj.name, "intl_designator": obj.intl_designator,
        "object_type": obj.object_type, "owner": _marking(obj).owner or obj.owner,
        "element_set": es.as_dict() | {"epoch_ms": _ms(es.epoch_us), "tle_line1": es.tle_line1,
                                       "tle_line2": es.tle_line2},
        "provenance": st.provenance.as_dict(),
        "maneuvers": [_warning(w) for w in maneuvers],
        "close_approaches": approaches,
        "plots": [_plot_entry(w) for w in plots],
    }
    return _marked(out, obj)


class MarkingIn(BaseModel):
    """A marking as the API sends it (its ``banner``, derived, may come along and is ignored)."""

    model_config = ConfigDict(extra="forbid")

    owner: str = Field("", max_length=64)
    releasable_to: list[Annotated[str, Field(max_length=64)]] = Field(default_factory=lambda: [ALL],
                                                                     max_length=1000)
    mode: str = Field("REAL", max_length=16)
    caveats: list[Annotated[str, Field(max_length=2000)]] = Field(default_factory=list, max_length=100)
    banner: str | None = Field(None, max_length=4000)


class BannerRequest(BaseModel):
    """The markings of the records on screen (each as the API sends them)."""

    markings: list[MarkingIn] = Field(max_length=10000)


@router.post("/banner", summary="Banner of the strictest marking on screen")
def banner(body: BannerRequest, principal: PrincipalDep) -> dict:
    """The banner of :meth:`Marking.strictest` of ``markings``; ``restricted`` when the
    result is not releasable to every partner or carries a licence."""
    if not body.markings:
        m = Marking()
    else:
        try:
            m = Marking.strictest(*(Marking.from_json(d.model_dump(exclude={"banner"})) for d in body.markings))
        except ValueError as exc:
            raise Problem("validation", f"markings: {exc}") from None
    return {"banner": m.banner, "marking": m.as_dict(), "mode": m.mode,
            "restricted": ALL not in m.releasable_to or bool(m.caveats)}
