"""``sda breakups``: trace fragment clouds back to their breakup, store BREAKUP warnings."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from sda.analyses.breakups.detect import DEFAULT_MAX_AGE_DAYS, NEW_IDS, breakup_warning, find_clouds, trace_cloud
from sda.analyses.breakups.gabbard import plot_gabbard
from sda.core.times import format_utc, parse_utc_us
from sda.errors import SDAError
from sda.interfaces.cli.catalog import ModesOption
from sda.interfaces.cli.common import (DbOption, JsonOption, check_plot_suffix, console, fail, modes, print_json,
                                      store_from, store_warnings)


def breakups(
    intl: Annotated[str | None, typer.Option("--intl", help="Launch whose debris to trace, e.g. 1982-092.")] = None,
    norad_id: Annotated[int | None, typer.Option("--norad-id", help="Parent object: trace the debris of its launch.")] = None,
    since: Annotated[str | None, typer.Option(help="Search for the event from this ISO-8601 UTC time on (default: "
                                                   "the launch year's start with --intl/--norad-id, else "
                                                   f"{DEFAULT_MAX_AGE_DAYS:.0f} days before the fragments).")] = None,
    new_ids: Annotated[int, typer.Option("--new-ids", help="Without --intl/--norad-id: debris counts as new when "
                                                            "its catalog number is within this many of the newest.")] = NEW_IDS,
    min_fragments: Annotated[int, typer.Option("--min-fragments", help="Smallest cloud traced without --intl.")] = 10,
    plot: Annotated[Path | None, typer.Option("--plot", help="Write the Gabbard diagram to this .png or .svg file "
                                                           "(one cloud; with several, the launch is added to the name).")] = None,
    save: Annotated[bool, typer.Option("--save/--no-save", help="Store each traced cloud as a BREAKUP warning.")] = True,
    mode: ModesOption = "REAL",
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Detect fragmentation events: event time and place, parent, fragment count, delta-v spread, Gabbard diagram."""
    if intl is not None and norad_id is not None:
        fail("give either --intl or --norad-id, not both")
    check_plot_suffix(plot)
    try:
        since_us = parse_utc_us(since, require_zone=True) if since else None
    except ValueError as exc:
        fail(f"--since: {exc}")
    store = store_from(db)
    explicit = intl is not None or norad_id is not None
    try:
        clouds = find_clouds(store, launch=intl, parent_id=norad_id, new_ids=new_ids, min_fragments=min_fragments,
                             data_modes=modes(mode))
        findings = [trace_cloud(launch, frags, parent, since_us=since_us,
                                max_age_days=None if explicit else DEFAULT_MAX_AGE_DAYS)
                    for launch, frags, parent in clouds]
    except (SDAError, ValueError) as exc:
        fail(str(exc))
    warnings = []
    for f in findings:
        path = None
        if plot is not None:
            path = plot if len(findings) == 1 else plot.with_name(f"{plot.stem}-{f.launch}{plot.suffix}")
            plot_gabbard([s.element_set for s in f.fragments], path, title=f"Gabbard diagram, launch {f.launch}",
                         parent=None if f.parent is None else f.parent.element_set,
                         breakup_altitude_km=f.estimate.breakup_altitude_km)
        warnings.append(breakup_warning(f, plot_path=None if path is None else str(path)))
    if save:
        warnings = store_warnings(store, warnings)
    if json_out:
        print_json([{**w.as_dict(), "n_fragments": f.estimate.n_fragments} for f, w in zip(findings, warnings)])
        return
    table = Table(title=f"{len(findings)} breakup(s) traced")
    for col in ("Launch", "Parent", "Fragments", "Event (UTC)", "± h", "Clock", "Place", "Alt. km", "Δv median/p90 m/s",
                "Conf."):
        table.add_column(col)
    for f, w in zip(findings, warnings):
        e = f.estimate
        dv = e.delta_v_summary()
        place = f"{e.latitude_deg:.1f}°, {e.longitude_deg:.1f}°" if e.latitude_deg is not None else "-"
        table.add_row(f.launch, f"{e.parent_id}" if e.parent_id else "-", str(e.n_fragments),
                      format_utc(e.time_us, digits=0), f"{e.time_sigma_s / 3600:.1f}", e.method, place,
                      f"{e.breakup_altitude_km:.0f}" if e.breakup_altitude_km is not None else "-",
                      "-" if dv["median_m_s"] is None else f"{dv['median_m_s']:.0f} / {dv['p90_m_s']:.0f}",
                      f"{w.confidence:.2f}")
    console.print(table)
    if plot is not None:
        console.print(f"Gabbard diagram(s) written next to {plot}")
