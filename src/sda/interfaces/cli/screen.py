"""``sda screen``: screen the catalog for close approaches, with Pc, CDMs and owner alerts."""

from __future__ import annotations

import csv
import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from sda.analyses.screening.job import ScreeningResult, screen_catalog
from sda.catalog.store import Store
from sda.core.times import format_utc, now_us, parse_duration_s, parse_utc_us
from sda.interfaces.cli.common import DbOption, JsonOption, console, err_console, fail, print_json, store_from

CSV_FIELDS = ("norad_id_1", "name_1", "norad_id_2", "name_2", "tca", "miss_distance_km", "miss_radial_km",
              "miss_in_track_km", "miss_cross_track_km", "relative_speed_km_s", "pc", "pc_method", "hbr_m",
              "covariance_assumed")


def screen(
    primary: Annotated[list[int] | None, typer.Option("--primary", help="Screen only this object against the catalog (repeatable).")] = None,
    start: Annotated[str | None, typer.Option(help="Window start, ISO-8601 UTC (default: now).")] = None,
    window: Annotated[str, typer.Option(help="Window length: 24h, 7d, 90m ...")] = "24h",
    threshold_km: Annotated[float, typer.Option("--threshold-km", help="Report approaches closer than this (km).")] = 5.0,
    workers: Annotated[int, typer.Option(help="Worker processes (default: one per core).")] = 0,
    pc_method: Annotated[str, typer.Option("--pc-method", help="foster1992, chan1997, alfano2005, montecarlo.")] = "foster1992",
    top: Annotated[int, typer.Option(help="Rows in the table (JSON and CSV have every conjunction).")] = 20,
    cdm_dir: Annotated[Path | None, typer.Option("--cdm-dir", help="Write one CCSDS CDM (KVN) per conjunction here.")] = None,
    csv_out: Annotated[bool, typer.Option("--csv", help="Print CSV instead of a table.")] = False,
    save: Annotated[bool, typer.Option("--save/--no-save", help="Store the run and its conjunctions.")] = True,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Find every close approach in the window, with its probability of collision."""
    try:
        start_us = parse_utc_us(start, require_zone=True) if start else now_us()
        window_s = parse_duration_s(window)
    except ValueError as exc:
        fail(str(exc))
    if not 0 < window_s <= 30 * 86400:
        fail(f"window must be between 0 and 30 days, found {window}")
    store = store_from(db)
    quiet = json_out or csv_out
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err_console, disable=quiet, transient=True) as progress:
        task = progress.add_task("screening", total=None)

        def step(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        try:
            result = screen_catalog(store, start_us=start_us, window_s=window_s, threshold_km=threshold_km,
                                    primaries=primary or None, workers=workers or (os.cpu_count() or 1),
                                    pc_method=pc_method, save=save, progress=step)
        except ValueError as exc:
            fail(str(exc))
    if save:
        from sda.products.alerts import raise_alerts

        stored = store.conjunctions(run_id=result.run_id)
        alerts = raise_alerts(store, stored)
        if cdm_dir is not None:
            _write_cdms(store, stored, cdm_dir)
    elif cdm_dir is not None:
        fail("--cdm-dir needs the run to be stored (drop --no-save)")
    rows = _rows(store, result)
    if json_out:
        print_json(rows)
        return
    if csv_out:
        w = csv.DictWriter(sys.stdout, fieldnames=CSV_FIELDS, extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)
        return
    _print_table(result, rows, top, start_us, window_s, threshold_km)
    if save:
        console.print(f"run {result.run_id} stored; {len(alerts)} new alert(s)"
                      + (f"; CDMs in {cdm_dir}" if cdm_dir else ""), highlight=False)


def _rows(store: Store, result: ScreeningResult) -> list[dict]:
    """Each conjunction as a dict with both objects' names added."""
    ids = {c.norad_id_1 for c in result.conjunctions} | {c.norad_id_2 for c in result.conjunctions}
    names = {o.norad_id: o.name for o in store.objects_by_id(ids)} if ids else {}
    return [{**c.as_dict(), "name_1": names.get(c.norad_id_1), "name_2": names.get(c.norad_id_2)}
            for c in result.conjunctions]


def print_result(store: Store, result: ScreeningResult, *, start_us: int, window_s: float, threshold_km: float,
                 top: int) -> None:
    """Readable summary and table of a screening run."""
    _print_table(result, _rows(store, result), top, start_us, window_s, threshold_km)


def _write_cdms(store: Store, stored, folder: Path) -> None:
    from sda.ingest.cdm import write_cdm_kvn
    from sda.products.cdm import cdm_of_stored

    folder.mkdir(parents=True, exist_ok=True)
    for sc in stored:
        c = sc.conjunction
        name = f"{c.norad_id_1:09d}_conj_{c.norad_id_2:09d}_{format_utc(c.tca_us, digits=0)[:-1].replace('-', '').replace(':', '')}.cdm"
        (folder / name).write_text(write_cdm_kvn(cdm_of_stored(store, sc)), encoding="utf-8")


def _print_table(result: ScreeningResult, rows: list[dict], top: int, start_us: int, window_s: float,
                 threshold_km: float) -> None:
    console.print(
        f"screened {result.n_objects} objects ({result.n_skipped} skipped: not SGP4/TEME) from "
        f"{format_utc(start_us, digits=0)} for {window_s / 3600:g} h at {threshold_km:g} km in "
        f"{result.screen_s:.1f} s (+ {result.pc_s:.1f} s Pc); median element-set age {result.median_age_days:.1f} d",
        highlight=False)
    table = Table(title=f"{len(rows)} conjunction(s), highest Pc first" + (f" (top {top})" if len(rows) > top else ""))
    for col, just in (("TCA (UTC)", "left"), ("Object 1", "left"), ("Object 2", "left"), ("Miss km", "right"),
                      ("R/T/N km", "right"), ("Speed km/s", "right"), ("Pc", "right")):
        table.add_column(col, justify=just)
    for r in rows[:top]:
        table.add_row(r["tca"][:19], f"{r['norad_id_1']} {r['name_1'] or ''}", f"{r['norad_id_2']} {r['name_2'] or ''}",
                      f"{r['miss_distance_km']:.3f}",
                      f"{r['miss_radial_km']:.2f}/{r['miss_in_track_km']:.2f}/{r['miss_cross_track_km']:.2f}",
                      f"{r['relative_speed_km_s']:.2f}",
                      f"{r['pc']:.2e}" + ("*" if r["covariance_assumed"] else "") if r["pc"] is not None else "-")
    console.print(table)
    if any(r["covariance_assumed"] for r in rows[:top]):
        console.print("* Pc from the default covariance model (FLOHRER-2008), not a measured covariance",
                      highlight=False)
