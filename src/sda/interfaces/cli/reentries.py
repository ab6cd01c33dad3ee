"""``sda reentries``: predicted re-entry windows of decaying objects, and the areas their tracks cross."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from sda.analyses.reentry.detect import find_reentries, reentry_warning
from sda.core.times import format_utc, parse_utc_us
from sda.errors import SDAError
from sda.interfaces.cli.catalog import ModesOption
from sda.interfaces.cli.common import (DbOption, JsonOption, check_plot_suffix, console, fail, modes, print_json,
                                      store_from, store_warnings)


def reentries(
    max_days: Annotated[float, typer.Option("--max-days", help="Report objects whose re-entry window opens within "
                                                                "this many days.")] = 30.0,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Count the days from this ISO-8601 UTC time (default: "
                                                               "the newest epoch among the candidates).")] = None,
    norad_id: Annotated[list[int] | None, typer.Option("--norad-id", help="Only this object (repeatable).")] = None,
    aoi: Annotated[Path | None, typer.Option("--aoi", help="GeoJSON areas of interest: warn when a predicted "
                                                           "ground track crosses one.")] = None,
    plot: Annotated[Path | None, typer.Option("--plot", help="Write the first object's ground track in its window "
                                                           "to this .png or .svg file.")] = None,
    save: Annotated[bool, typer.Option("--save/--no-save", help="Store each prediction as a REENTRY warning.")] = True,
    mode: ModesOption = "REAL",
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Predict re-entry windows from element-set history (drag-driven decay), with ground-track area checks."""
    if max_days <= 0:
        fail(f"--max-days must be positive, found {max_days}")
    check_plot_suffix(plot)
    try:
        as_of_us = parse_utc_us(as_of, require_zone=True) if as_of else None
        areas = []
        if aoi is not None:
            from sda.analyses.overflight.aoi import load_areas

            areas = load_areas(aoi)
    except (ValueError, SDAError) as exc:
        fail(str(exc))
    store = store_from(db)
    findings = find_reentries(store, max_days=max_days, as_of_us=as_of_us, norad_ids=norad_id, areas=areas,
                              data_modes=modes(mode))
    plot_path = None
    if plot is not None and findings:
        from sda.analyses.reentry.groundtrack import ground_track, plot_ground_track

        p = findings[0].prediction
        track = ground_track(findings[0].history[-1].element_set, max(p.window_start_us, p.epoch_us), p.window_stop_us)
        plot_path = plot_ground_track(track, plot, areas=areas,
                                      title=f"{findings[0].name or p.norad_id}: ground track in the re-entry window")
    warnings = [reentry_warning(f, plot_path=str(plot_path) if plot_path and i == 0 else None)
                for i, f in enumerate(findings)]
    if save:
        warnings = store_warnings(store, warnings)
    if json_out:
        print_json([w.as_dict() for w in warnings])
        return
    table = Table(title=f"{len(findings)} object(s) re-entering within {max_days:g} days"
                        + (f" (ground track: {plot_path})" if plot_path else ""))
    for col in ("NORAD", "Name", "Re-entry (UTC)", "Window start", "Window stop", "Perigee km", "Fit", "Areas crossed"):
        table.add_column(col)
    for f in findings:
        p = f.prediction
        table.add_row(str(p.norad_id), f.name or "", format_utc(p.time_us, digits=0),
                      format_utc(p.window_start_us, digits=0), format_utc(p.window_stop_us, digits=0),
                      f"{p.perigee_alt_km:.0f}", f"{p.method} ({p.n_element_sets})",
                      ", ".join(c.area for c in f.crossings) or "-")
    console.print(table)
