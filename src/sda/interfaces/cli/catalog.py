"""``sda catalog``: list, show and trace the history of catalog objects."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from sda.catalog.queries import CatalogQuery
from sda.catalog.store import CatalogSummary
from sda.core.times import format_utc, now_us, US_PER_DAY
from sda.interfaces.cli.access import AsPartnerOption, principal_from, release
from sda.interfaces.cli.common import DbOption, JsonOption, console, fail, modes, print_json, store_from

app = typer.Typer(help="Query the shared catalog.", no_args_is_help=True)

ModesOption = Annotated[str, typer.Option("--mode", help="Data modes to show, comma-separated (REAL unless asked).")]


@app.command("list")
def list_objects(
    object_type: Annotated[list[str] | None, typer.Option("--type", help="PAYLOAD, ROCKET BODY, DEBRIS, UNKNOWN (repeatable).")] = None,
    regime: Annotated[list[str] | None, typer.Option(help="LEO, MEO, GEO, HEO, OTHER (repeatable).")] = None,
    name: Annotated[str | None, typer.Option(help="Name contains this text (* and ? wildcards).")] = None,
    intl: Annotated[str | None, typer.Option("--intl", help="International designator prefix, e.g. 1999-025.")] = None,
    max_age_days: Annotated[float | None, typer.Option(help="Newest element set at most this many days old.")] = None,
    min_age_days: Annotated[float | None, typer.Option(help="Newest element set at least this many days old.")] = None,
    mode: ModesOption = "REAL",
    limit: Annotated[int | None, typer.Option(help="Show at most this many rows (the table shows 50 by default).")] = None,
    as_partner: AsPartnerOption = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Objects with their newest element set, by catalog number."""
    q = CatalogQuery(
        object_types=tuple(t.upper() for t in object_type) if object_type else None,
        regimes=tuple(r.upper() for r in regime) if regime else None,
        name=name, intl_designator=intl, max_epoch_age_days=max_age_days, min_epoch_age_days=min_age_days,
        data_modes=modes(mode), limit=limit if (limit is not None or json_out) else 50,
    )
    store = store_from(db)
    principal = principal_from(store, as_partner)
    objs = release(store, principal, store.objects(q, principal=principal), q.data_modes, "catalog list")
    if json_out:
        print_json([o.as_dict() for o in objs])
        return
    total = store.count(q, principal=principal)
    table = Table(title=f"{total} object(s)" + (f", first {len(objs)} shown" if len(objs) < total else ""))
    for col, just in (("NORAD", "right"), ("Name", "left"), ("Intl des.", "left"), ("Type", "left"),
                      ("Regime", "left"), ("Epoch (UTC)", "left"), ("Age d", "right"), ("Perigee km", "right"),
                      ("Apogee km", "right"), ("Incl °", "right")):
        table.add_column(col, justify=just)
    now = now_us()
    for o in objs:
        es = o.latest.element_set
        _, _, perigee, apogee = es.shape()
        table.add_row(str(o.norad_id), o.name or "", o.intl_designator or "", o.object_type or "", es.regime,
                      format_utc(es.epoch_us, digits=0), f"{(now - es.epoch_us) / US_PER_DAY:.1f}",
                      f"{perigee:.0f}", f"{apogee:.0f}", f"{es.inclination_deg:.2f}")
    console.print(table)


@app.command()
def show(
    norad_id: Annotated[int, typer.Argument(help="Catalog number.")],
    mode: ModesOption = "REAL",
    as_partner: AsPartnerOption = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """One object: metadata, newest elements and their provenance."""
    store = store_from(db)
    principal = principal_from(store, as_partner)
    found = store.get_object(norad_id, modes(mode), principal=principal)
    (obj,) = release(store, principal, [found] if found else [], modes(mode), f"catalog show {norad_id}") or (None,)
    if obj is None:
        fail(f"object {norad_id} is not in the catalog")
    if json_out:
        print_json(obj.as_dict())
        return
    d = obj.as_dict()
    latest = d.pop("latest")
    table = Table(show_header=False, title=f"{obj.norad_id} {obj.name or ''}")
    table.add_column(style="bold")
    table.add_column()
    for k, v in d.items():
        table.add_row(k, str(v))
    for k, v in latest.items():
        if k in d:
            continue
        if k == "provenance":
            for pk, pv in v.items():
                table.add_row(f"provenance.{pk}", str(pv))
        elif v is not None:
            table.add_row(k, str(v))
    console.print(table)


@app.command()
def history(
    norad_id: Annotated[int, typer.Argument(help="Catalog number.")],
    mode: ModesOption = "REAL",
    as_partner: AsPartnerOption = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Every element set of one object, oldest first, with where each came from."""
    store = store_from(db)
    principal = principal_from(store, as_partner)
    rows = release(store, principal, store.history(norad_id, modes(mode), principal=principal), modes(mode),
                   f"catalog history {norad_id}")
    if not rows:
        fail(f"object {norad_id} has no element sets in the catalog")
    if json_out:
        print_json([r.as_dict() for r in rows])
        return
    table = Table(title=f"{norad_id}: {len(rows)} element set(s)")
    for col in ("Epoch (UTC)", "n rev/d", "e", "i °", "Perigee km", "Source", "Format", "Ingested (UTC)"):
        table.add_column(col)
    for r in rows:
        es = r.element_set
        table.add_row(format_utc(es.epoch_us, digits=3), f"{es.mean_motion_rev_day:.8f}", f"{es.eccentricity:.7f}",
                      f"{es.inclination_deg:.4f}", f"{es.shape()[2]:.1f}", r.provenance.source, es.format,
                      format_utc(r.provenance.ingested_at_us, digits=0))
    console.print(table)


@app.command()
def summary(mode: ModesOption = "REAL", as_partner: AsPartnerOption = None, db: DbOption = None,
            json_out: JsonOption = False) -> None:
    """Objects by type and orbit regime, epoch range, and the largest debris families."""
    store = store_from(db)
    s = store.summary(modes(mode), principal=principal_from(store, as_partner))
    if json_out:
        print_json(summary_dict(s))
        return
    print_summary(s)


def summary_dict(s: CatalogSummary) -> dict:
    return {
        "n_objects": s.n_objects,
        "n_element_sets": s.n_element_sets,
        "by_type": s.by_type,
        "by_regime": s.by_regime,
        "epoch_min": format_utc(s.epoch_min_us),
        "epoch_max": format_utc(s.epoch_max_us),
        "debris_families": [{"launch": l, "name": n, "n_debris": c} for l, n, c in s.debris_families],
    }


def print_summary(s: CatalogSummary) -> None:
    """Rich tables of a catalog summary."""
    console.print(f"[bold]{s.n_objects}[/] objects, {s.n_element_sets} element sets; newest epochs from "
                  f"{format_utc(s.epoch_min_us, digits=0)} to {format_utc(s.epoch_max_us, digits=0)}")
    cross = Table(title="Objects by type and orbit regime")
    cross.add_column("Type")
    for r in s.by_regime:
        cross.add_column(r, justify="right")
    cross.add_column("Total", justify="right")
    for t, n in s.by_type.items():
        cross.add_row(t, *[str(s.by_type_regime.get((t, r), 0)) for r in s.by_regime], str(n))
    console.print(cross)
    fam = Table(title="Largest debris families (tracked debris by launch)")
    for col, just in (("Launch", "left"), ("Parent", "left"), ("Debris", "right")):
        fam.add_column(col, justify=just)
    for launch, name, n in s.debris_families:
        fam.add_row(launch, name, str(n))
    console.print(fam)
