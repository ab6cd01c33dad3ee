"""``sda maneuvers ID``: detect an object's maneuvers from its stored element-set history."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from sda.analyses.maneuvers import detect_maneuvers, element_series, maneuver_warnings, plot_maneuvers
from sda.core.times import format_utc, parse_utc_us
from sda.interfaces.cli.catalog import ModesOption
from sda.interfaces.cli.common import (DbOption, JsonOption, check_plot_suffix, console, fail, modes, print_json,
                                      store_from, store_warnings)


def maneuvers(
    norad_id: Annotated[int, typer.Argument(help="Catalog number.")],
    since: Annotated[str | None, typer.Option(help="Report maneuvers at or after this ISO-8601 UTC time "
                                                   "(the whole history is still used for the noise statistics).")] = None,
    plot: Annotated[Path | None, typer.Option("--plot", help="Write the element series with the maneuvers to this "
                                                           ".png or .svg file.")] = None,
    save: Annotated[bool, typer.Option("--save/--no-save", help="Store the detections as MANEUVER warnings.")] = True,
    mode: ModesOption = "REAL",
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Detect maneuvers in one object's element-set history: time, delta-v, kind, confidence, evidence."""
    try:
        since_us = parse_utc_us(since, require_zone=True) if since else None
    except ValueError as exc:
        fail(f"--since: {exc}")
    check_plot_suffix(plot)
    store = store_from(db)
    history = store.history(norad_id, modes(mode))
    if not history:
        fail(f"object {norad_id} has no element sets in the catalog")
    series = element_series([h.element_set for h in history])
    found = [m for m in detect_maneuvers(series) if since_us is None or m.time_us >= since_us]
    if plot is not None:
        plot_maneuvers(series, found, plot, start_us=since_us)
    warnings = maneuver_warnings(found, history, plot_path=str(plot) if plot else None)
    if save:
        warnings = store_warnings(store, warnings)
    rows = [_row(m, w) for m, w in zip(found, warnings)]
    if json_out:
        print_json(rows)
        return
    table = Table(title=f"{norad_id}: {len(found)} maneuver(s) in {len(series)} element sets"
                        + (f" (plot: {plot})" if plot else ""))
    for col in ("Time (UTC)", "Class", "Δv m/s", "Δa m", "Δi °", "z", "Conf.", "Timing"):
        table.add_column(col)
    for m in found:
        table.add_row(format_utc(m.time_us, digits=0), m.kind, f"{m.delta_v_m_s:.3g}", f"{m.delta_a_km * 1000:+.1f}",
                      f"{m.delta_i_deg:+.4f}", f"{max(m.z_a, m.z_i):.1f}", f"{m.confidence:.2f}", m.timing_method)
    console.print(table)


def _row(m, w) -> dict:
    d = w.as_dict()
    return {"id": d["id"], "norad_id": m.norad_id, "time": d["time"], "delta_v_m_s": m.delta_v_m_s, "class": m.kind,
            "kind": d["kind"], "confidence": m.confidence, "summary": d["summary"], "window_start": d["window_start"],
            "window_stop": d["window_stop"], "marking": d["marking"], "data_mode": d["data_mode"],
            "evidence": d["evidence"]}
