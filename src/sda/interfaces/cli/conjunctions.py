"""``sda pc``, ``sda conjunctions`` and ``sda alerts``: probability of collision of CDM files,
stored conjunctions and their CDMs, owners' alert thresholds and alerts."""

from __future__ import annotations

import csv
import sys
from pathlib import Path
from typing import Annotated

import numpy as np
import typer
from rich.table import Table

from sda.analyses.pc import probability_of_collision
from sda.core.times import format_utc, now_us
from sda.errors import ParseError
from sda.ingest.cdm import Cdm, iter_cdm_kvn, iter_cdm_xml, write_cdm_kvn, write_cdm_xml
from sda.ingest.formats import decode, detect_format
from sda.interfaces.cli.access import AsPartnerOption, principal_from, release
from sda.interfaces.cli.common import DbOption, JsonOption, console, err_console, fail, modes, print_json, store_from
from sda.policy.markings import MODES
from sda.products.alerts import raise_alerts
from sda.products.cdm import cdm_of_stored

conjunctions_app = typer.Typer(help="Stored conjunctions and their CDMs.", no_args_is_help=True)
alerts_app = typer.Typer(help="Owners' alert thresholds and the alerts they raised.", no_args_is_help=True)
threshold_app = typer.Typer(help="Alert thresholds of owners' assets.", no_args_is_help=True)
alerts_app.add_typer(threshold_app, name="threshold")

#: ``--method`` choices of ``sda pc`` → method keys of :func:`sda.analyses.pc.probability_of_collision`.
PC_METHODS = {"foster1992": "foster1992", "chan1997": "chan1997", "alfano2005": "alfano2005",
              "montecarlo": "montecarlo", "max": "alfriend1999"}

ModesOption = Annotated[str, typer.Option("--mode", help="Data modes to show, comma-separated (REAL unless asked).")]


def _read_cdm(path: Path) -> Cdm:
    """The CDM of a KVN or XML file; CARA-style unit-label defects are accepted and reported."""
    try:
        raw = decode(path.read_bytes())
    except OSError as exc:
        raise ParseError(f"cannot read: {exc.strerror}", file=str(path)) from None
    fmt = detect_format(raw, file=str(path))
    if fmt == "CDM-KVN":
        (item,) = iter_cdm_kvn(raw.decode("utf-8", errors="replace").splitlines(), file=str(path), units="note")
    elif fmt == "CDM-XML":
        (item,) = iter_cdm_xml(raw, file=str(path), units="note")
    else:
        raise ParseError("not a conjunction data message", file=str(path), field="format", expected="a CDM (KVN or XML)",
                         found=fmt)
    if isinstance(item, ParseError):
        raise item
    for note in item.unit_notes:
        err_console.print(f"[yellow]warning:[/] {path}: {note}", highlight=False, soft_wrap=True)
    return item


def pc(
    files: Annotated[list[Path], typer.Argument(help="CDM files (KVN or XML).", show_default=False)],
    method: Annotated[list[str] | None, typer.Option(
        "--method", help="foster1992, chan1997, alfano2005, montecarlo or max (repeatable; default foster1992).")] = None,
    json_out: JsonOption = False,
) -> None:
    """Probability of collision of each CDM by each method asked.

    covariance_assumed in the output is also true when the CDM's COVARIANCE_METHOD is DEFAULT;
    a CDM whose covariance is an all-zero placeholder is an error.
    """
    methods = method or ["foster1992"]
    for m in methods:
        if m not in PC_METHODS:
            fail(f"unknown method {m!r}: expected one of {', '.join(PC_METHODS)}")
    rows: list[dict] = []
    failed = 0
    for path in files:
        try:
            cdm = _read_cdm(path)
        except ParseError as exc:
            failed += 1
            rows.append({"file": str(path), "error": exc.as_dict()})
            continue
        placeholder = [o.object for o in cdm.objects
                       if o.covariance_rtn is not None and not np.any(o.covariance_rtn[:3, :3])]
        if placeholder:
            failed += 1
            rows.append({"file": str(path), "error": {"message": f"{path}: {', '.join(placeholder)} covariance is "
                                                                 "all zero (a placeholder): no Pc can be computed"}})
            continue
        assumed = any(o.covariance_method.strip().upper() == "DEFAULT" for o in cdm.objects)
        for m in methods:
            try:
                res = probability_of_collision(cdm, method=PC_METHODS[m])
            except ValueError as exc:
                failed += 1
                rows.append({"file": str(path), "method": m, "error": {"message": f"{path}: {exc}"}})
                continue
            rows.append({"file": str(path), "method": m, "pc": float(res.pc), "hbr_m": float(res.hbr_m),
                         "miss_distance_km": float(cdm.miss_distance_km), "result_method": res.method,
                         "covariance_assumed": res.covariance_assumed or assumed})
    if json_out:
        print_json(rows)
    else:
        table = Table()
        for col, just in (("File", "left"), ("Method", "left"), ("Pc", "right"), ("HBR m", "right"),
                          ("Miss m", "right")):
            table.add_column(col, justify=just)
        for r in rows:
            if "error" not in r:
                table.add_row(Path(r["file"]).name, r["result_method"], f"{r['pc']:.6e}", f"{r['hbr_m']:g}",
                              f"{r['miss_distance_km'] * 1000:.1f}")
        console.print(table)
        for r in rows:
            if "error" in r:
                err_console.print(f"[bold red]error:[/] {r['error']['message']}", highlight=False, soft_wrap=True)
    if failed:
        raise typer.Exit(1)


@conjunctions_app.command("list")
def list_conjunctions(
    norad_id: Annotated[int | None, typer.Option("--norad-id", help="Either object is this catalog number.")] = None,
    min_pc: Annotated[float | None, typer.Option("--min-pc", help="Pc at least this.")] = None,
    max_miss_km: Annotated[float | None, typer.Option("--max-miss-km", help="Miss distance at most this (km).")] = None,
    mode: ModesOption = "REAL",
    limit: Annotated[int | None, typer.Option(help="Show at most this many.")] = None,
    csv_out: Annotated[bool, typer.Option("--csv", help="Print CSV instead of a table.")] = False,
    as_partner: AsPartnerOption = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Stored conjunctions by TCA."""
    store = store_from(db)
    principal = principal_from(store, as_partner)
    found = release(store, principal, store.conjunctions(norad_id=norad_id, min_pc=min_pc, max_miss_km=max_miss_km,
                                                         limit=limit, data_modes=modes(mode), principal=principal),
                    modes(mode), "conjunctions list")
    if json_out:
        print_json([sc.as_dict() for sc in found])
        return
    cols = ("id", "norad_id_1", "norad_id_2", "tca", "miss_distance_km", "relative_speed_km_s", "pc", "pc_method",
            "source", "origin")
    if csv_out:
        w = csv.DictWriter(sys.stdout, fieldnames=cols, extrasaction="ignore", lineterminator="\n")
        w.writeheader()
        for sc in found:
            w.writerow(sc.as_dict())
        return
    table = Table(title=f"{len(found)} conjunction(s)")
    for col in ("Id", "NORAD 1", "NORAD 2", "TCA (UTC)", "Miss m", "Speed km/s", "Pc", "Source"):
        table.add_column(col)
    for sc in found:
        c = sc.conjunction
        table.add_row(str(sc.id), str(c.norad_id_1), str(c.norad_id_2), format_utc(c.tca_us, digits=3),
                      f"{c.miss_distance_km * 1000:.1f}", f"{c.relative_speed_km_s:.3f}",
                      "" if c.pc is None else f"{c.pc:.3e}", c.source)
    console.print(table)


def _get(db: str | None, conjunction_id: int, as_partner: str | None, what: str):
    """The store, the principal and the conjunction (of any mode) it may see; exits if there is none."""
    store = store_from(db)
    principal = principal_from(store, as_partner)
    found = store.get_conjunction(conjunction_id, principal=principal)
    (sc,) = release(store, principal, [found] if found else [], MODES, f"{what} {conjunction_id}") or (None,)
    if sc is None:
        fail(f"conjunction {conjunction_id} is not in the catalog")
    return store, principal, sc


@conjunctions_app.command()
def show(
    conjunction_id: Annotated[int, typer.Argument(help="Conjunction id.")],
    as_partner: AsPartnerOption = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """One conjunction with its provenance."""
    _, _, sc = _get(db, conjunction_id, as_partner, "conjunctions show")
    d = sc.as_dict()
    if json_out:
        print_json(d)
        return
    table = Table(show_header=False, title=f"conjunction {sc.id}")
    table.add_column(style="bold")
    table.add_column()
    for k, v in d.items():
        table.add_row(k, "" if v is None else str(v))
    console.print(table)


@conjunctions_app.command()
def cdm(
    conjunction_id: Annotated[int, typer.Argument(help="Conjunction id.")],
    xml: Annotated[bool, typer.Option("--xml", help="Write CCSDS XML instead of KVN.")] = False,
    out: Annotated[Path | None, typer.Option("--out", help="Write to this file instead of standard output.")] = None,
    as_partner: AsPartnerOption = None,
    db: DbOption = None,
) -> None:
    """The CDM of a conjunction: the one ingested, or one generated for SDA's own."""
    store, principal, sc = _get(db, conjunction_id, as_partner, "conjunctions cdm")
    kvn = store.conjunction_cdm(conjunction_id, principal=principal)
    if kvn is not None and not xml:
        data = kvn.encode("utf-8")  # the message as received
    else:
        try:
            message = cdm_of_stored(store, sc)
        except ValueError as exc:
            fail(str(exc))
        data = write_cdm_xml(message) if xml else write_cdm_kvn(message).encode("utf-8")
    if out is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        out.write_bytes(data)
        err_console.print(f"wrote {out}", highlight=False)


@threshold_app.command("set")
def threshold_set(
    norad_id: Annotated[int, typer.Option("--norad-id", help="The asset's catalog number.")],
    owner: Annotated[str, typer.Option("--owner", help="Owner (partner) to alert.")],
    min_pc: Annotated[float | None, typer.Option("--min-pc", help="Alert when Pc is at least this.")] = None,
    max_miss_km: Annotated[float | None, typer.Option("--max-miss-km", help="Alert when the miss is at most this (km).")] = None,
    within_hours: Annotated[float | None, typer.Option("--within-hours", help="Alert when TCA is at most this many hours away.")] = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Set an owner's alert thresholds for an asset, and check the asset's upcoming conjunctions."""
    store = store_from(db)
    t = store.set_asset_threshold(norad_id, owner, max_miss_km=max_miss_km, min_pc=min_pc,
                                  max_hours_to_tca=within_hours)
    now = now_us()
    raised = raise_alerts(store, store.conjunctions(norad_id=norad_id, tca_from_us=now, data_modes=None), now)
    if json_out:
        print_json({"threshold": t.as_dict(), "alerts": [a.as_dict() for a in raised]})
        return
    console.print(f"thresholds set for {norad_id} ({owner}); {len(raised)} new alert(s)", highlight=False)


@threshold_app.command("list")
def threshold_list(db: DbOption = None, json_out: JsonOption = False) -> None:
    """Every owner's alert thresholds."""
    found = store_from(db).asset_thresholds()
    if json_out:
        print_json([t.as_dict() for t in found])
        return
    table = Table(title=f"{len(found)} threshold(s)")
    for col in ("NORAD", "Owner", "Min Pc", "Max miss km", "Within h"):
        table.add_column(col)
    for t in found:
        table.add_row(str(t.norad_id), t.owner, *("" if v is None else f"{v:g}"
                                                  for v in (t.min_pc, t.max_miss_km, t.max_hours_to_tca)))
    console.print(table)


@alerts_app.command("list")
def alerts_list(
    owner: Annotated[str | None, typer.Option("--owner", help="Only this owner's alerts.")] = None,
    mode: ModesOption = "REAL",
    as_partner: AsPartnerOption = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Alerts raised, newest first."""
    store = store_from(db)
    principal = principal_from(store, as_partner)
    found = release(store, principal, store.alerts(owner=owner, principal=principal, data_modes=modes(mode)),
                    modes(mode), "alerts list")
    if json_out:
        print_json([a.as_dict() for a in found])
        return
    table = Table(title=f"{len(found)} alert(s)")
    for col in ("Id", "Level", "Owner", "NORAD", "Conjunction", "Created (UTC)", "Message"):
        table.add_column(col)
    for a in found:
        table.add_row(str(a.id), a.level, a.owner, str(a.norad_id), str(a.conjunction_id),
                      format_utc(a.created_at_us, digits=0), a.message)
    console.print(table)
