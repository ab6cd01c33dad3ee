"""``sda proximity``: objects approaching, holding near or drifting up to an asset."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from sda.analyses.proximity.rpo import ProximityConfig, ProximityResult, proximity_job
from sda.core.times import format_utc
from sda.interfaces.cli.common import DbOption, JsonOption, console, fail, print_json, store_from, window_from


def _rows(result: ProximityResult, names: dict[int, str | None]) -> list[dict]:
    return [{"asset_id": result.asset_id, "asset_name": result.asset_name, "norad_id": a.norad_id,
             "name": names.get(a.norad_id), **w.evidence, "confidence": w.confidence, "summary": w.summary,
             "marking": w.as_dict()["marking"]}
            for a, w in zip(result.approaches, result.warnings)]


def proximity(
    asset: Annotated[int, typer.Option("--asset", help="Catalog number of the asset to watch.")],
    range_km: Annotated[float, typer.Option("--range-km", help="Distance of interest (km).")] = 50.0,
    max_speed: Annotated[float, typer.Option("--max-speed-km-s", help="Fastest relative motion still counted as proximity (km/s).")] = 0.5,
    start: Annotated[str | None, typer.Option(help="Window start, ISO-8601 UTC (default: now).")] = None,
    window: Annotated[str, typer.Option(help="Window length: 7d, 24h ...")] = "7d",
    plot: Annotated[Path | None, typer.Option("--plot", help="Write range history and RTN motion to this PNG or SVG file.")] = None,
    save: Annotated[bool, typer.Option("--save/--no-save", help="Store each approach as a PROXIMITY warning.")] = True,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Objects within --range-km of the asset at low relative speed: co-located, approach-and-hold, drift-by."""
    start_us, window_s = window_from(start, window)
    try:
        config = ProximityConfig(range_km=range_km, max_relative_speed_km_s=max_speed)
    except ValueError as exc:
        fail(str(exc))
    store = store_from(db)
    try:
        result = proximity_job(store, asset, start_us=start_us, window_s=window_s, config=config, save=save)
    except LookupError as exc:
        fail(str(exc))
    names = result.names
    rows = _rows(result, names)
    if plot is not None:
        from sda.analyses.proximity.plot import plot_approaches

        plot_approaches(result.approaches, plot, asset_label=result.asset_name or str(asset), range_km=range_km,
                        names=names)
    if json_out:
        print_json(rows)
        return
    table = Table(title=f"{len(rows)} object(s) within {range_km:g} km of {asset} {result.asset_name or ''} from "
                        f"{format_utc(start_us, digits=0)} for {window_s / 86400:g} d "
                        f"({result.n_candidates} candidate orbits)")
    for col, just in (("Object", "left"), ("Category", "left"), ("Min km", "right"), ("Closest (UTC)", "left"),
                      ("Rel. m/s", "right"), ("Within", "right"), ("Trend km/d", "right"), ("Maneuvers", "right")):
        table.add_column(col, justify=just)
    for r in rows:
        trend = r["range_trend_km_per_day"]
        table.add_row(f"{r['norad_id']} {r['name'] or ''}", r["category"], f"{r['min_range_km']:.2f}",
                      r["closest"][:19], f"{1000 * r['relative_speed_km_s']:.1f}", f"{100 * r['fraction_within']:.0f}%",
                      "" if trend is None else f"{trend:+.2f}", str(len(r["recent_maneuvers"])))
    console.print(table)
    if save:
        console.print(f"{len(result.stored)} new PROXIMITY warning(s) stored", highlight=False)
    if plot is not None:
        console.print(f"range history written to {plot}", highlight=False)
