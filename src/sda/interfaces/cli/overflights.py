"""``sda overflights``: every pass of chosen satellites over areas of interest (GeoJSON)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from sda.core.times import format_utc
from sda.errors import SDAError
from sda.interfaces.cli.common import DbOption, JsonOption, console, fail, print_json, store_from, window_from

if TYPE_CHECKING:
    from sda.analyses.overflight.job import OverflightResult


def _rows(result: OverflightResult) -> list[dict]:
    return [{"norad_id": w.norad_id, "name": result.objects[p.index].name, **w.evidence, "confidence": w.confidence,
             "summary": w.summary, "marking": w.as_dict()["marking"]}
            for p, w in zip(result.passes, result.warnings)]


def overflights(
    aoi: Annotated[Path, typer.Option("--aoi", help="GeoJSON file of areas (Polygon/MultiPolygon features).")],
    norad_id: Annotated[list[int] | None, typer.Option("--norad-id", help="Satellite to follow (repeatable).")] = None,
    name: Annotated[str | None, typer.Option("--name", help="Satellites whose name matches (* and ? wildcards).")] = None,
    start: Annotated[str | None, typer.Option(help="Window start, ISO-8601 UTC (default: now).")] = None,
    window: Annotated[str, typer.Option(help="Window length: 24h, 7d, 90m ...")] = "24h",
    max_off_nadir: Annotated[float | None, typer.Option("--max-off-nadir", help="Look-angle limit (°) for every area, overriding the file.")] = None,
    plot: Annotated[Path | None, typer.Option("--plot", help="Write the ground tracks to this PNG or SVG file.")] = None,
    save: Annotated[bool, typer.Option("--save/--no-save", help="Store each pass as an OVERFLIGHT warning.")] = True,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Every pass over the areas in the window: entry/exit, minimum off-nadir angle, ground sunlit or not.

    Without --norad-id or --name every object of the catalog is followed."""
    # Imported here: the compiled pass search takes a tenth of a second to load, which
    # every other command would pay at start-up.
    from sda.analyses.overflight.aoi import load_areas
    from sda.analyses.overflight.job import overflight_job

    start_us, window_s = window_from(start, window)
    try:
        areas = load_areas(aoi)
        if max_off_nadir is not None:
            areas = [replace(a, max_off_nadir_deg=max_off_nadir) for a in areas]
    except (ValueError, SDAError) as exc:
        fail(str(exc))
    store = store_from(db)
    result = overflight_job(store, areas, start_us=start_us, window_s=window_s, norad_ids=norad_id, name=name,
                            save=save)
    if not result.objects:
        chosen = ([f"--norad-id {', '.join(map(str, norad_id))}"] if norad_id else []) + \
            ([f"--name {name}"] if name else [])
        fail("no satellite in the catalog matches " + (" and ".join(chosen) or "(the catalog is empty)"))
    if plot is not None:
        from sda.analyses.overflight.plot import plot_ground_tracks

        sets = [o.latest.element_set for o in result.objects]
        plot_ground_tracks(result.passes, sets, areas, plot, [o.name or str(o.norad_id) for o in result.objects])
    rows = _rows(result)
    if json_out:
        print_json(rows)
        return
    table = Table(title=f"{len(rows)} pass(es) of {len(result.objects)} satellite(s) over {len(areas)} area(s) from "
                        f"{format_utc(start_us, digits=0)} for {window_s / 3600:g} h")
    for col, just in (("Satellite", "left"), ("Area", "left"), ("Entry (UTC)", "left"), ("Exit (UTC)", "left"),
                      ("s", "right"), ("Min off-nadir °", "right"), ("Sun elev. °", "right"), ("Ground", "left")):
        table.add_column(col, justify=just)
    for r in rows:
        table.add_row(f"{r['norad_id']} {r['name'] or ''}", r["area"], r["entry"][:19], r["exit"][:19],
                      f"{r['duration_s']:.0f}", f"{r['min_off_nadir_deg']:.1f}", f"{r['sun_elevation_deg']:.1f}",
                      "sunlit" if r["sunlit"] else "dark")
    console.print(table)
    for obj_id, reason in result.skipped:
        console.print(f"skipped {obj_id}: {reason}", highlight=False)
    if save:
        console.print(f"{len(result.stored)} new OVERFLIGHT warning(s) stored", highlight=False)
    if plot is not None:
        console.print(f"ground tracks written to {plot}", highlight=False)
