"""``sda screen``: JSON and CSV contracts, CDM files, exit codes, and the same conjunctions as
the Python API on the same element sets.

The catalog is a subset of the 2022-01-22 Space-Track catalog: the ISS and every object the
ISS comes within 20 km of over two days (found with the API on the whole catalog), plus 300
others drawn at random, so the command screens a real mix quickly.
"""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pytest
from typer.testing import CliRunner

from sda.analyses.screening.screen import screen
from sda.core.times import format_utc, parse_utc_us
from sda.ingest.cdm import iter_cdm_kvn
from sda.ingest.tle import iter_tle
from sda.interfaces.cli.main import app
from tests.conftest import FULL_CATALOG

runner = CliRunner()
ISS = 25544
START = "2022-01-22T00:00:00Z"
WINDOW_S = 2 * 86400
THRESHOLD_KM = 20.0
REQUIRED = ("norad_id_1", "norad_id_2", "tca", "miss_distance_km", "relative_speed_km_s", "pc", "pc_method")


@pytest.fixture(scope="module")
def subset(tmp_path_factory):
    """``(3LE file, element sets, API conjunctions)`` of the subset."""
    lines = FULL_CATALOG.read_text().splitlines()
    sets = [e for e in iter_tle(lines, file=FULL_CATALOG.name) if not isinstance(e, Exception)]
    near = screen(sets, start_us=parse_utc_us(START), window_s=WINDOW_S, threshold_km=THRESHOLD_KM, primaries=[ISS])
    wanted = {ISS} | {c.norad_id_2 for c in near}
    rng = np.random.default_rng(7)
    wanted |= {sets[k].norad_id for k in rng.choice(len(sets), 300, replace=False)}
    chosen = [s for s in sets if s.norad_id in wanted]
    text = "\n".join(f"0 {s.name}\n{s.tle_line1}\n{s.tle_line2}" for s in chosen) + "\n"
    path = tmp_path_factory.mktemp("screen") / "subset.3le"
    path.write_text(text)
    expected = screen(chosen, start_us=parse_utc_us(START), window_s=WINDOW_S, threshold_km=THRESHOLD_KM,
                      primaries=[ISS])
    assert len(expected) >= 3, "the subset should hold a few ISS conjunctions"
    return path, chosen, expected


@pytest.fixture
def db(tmp_path, subset) -> str:
    url = f"sqlite:///{tmp_path / 'screen.db'}"
    r = runner.invoke(app, ["ingest", str(subset[0]), "--db", url, "--json"])
    assert r.exit_code == 0, r.output
    return url


def _screen(db: str, *extra: str):
    return runner.invoke(app, ["screen", "--primary", str(ISS), "--start", START, "--window", "2d",
                               "--threshold-km", str(THRESHOLD_KM), "--workers", "1", "--db", db, *extra])


def test_json_matches_the_api(db, subset):
    r = _screen(db, "--json")
    assert r.exit_code == 0, r.output
    rows = json.loads(r.stdout)
    expected = subset[2]
    assert len(rows) == len(expected)
    for row in rows:
        assert all(k in row for k in REQUIRED)
        assert row["norad_id_1"] == ISS
        assert isinstance(row["pc"], float) and 0.0 <= row["pc"] <= 1.0 and row["pc_method"]
    # Same pairs and TCAs (to 1 µs, the JSON's resolution), same miss distances (to 1 mm).
    got = sorted((r["norad_id_2"], r["tca"], r["miss_distance_km"]) for r in rows)
    want = sorted((c.norad_id_2, format_utc(c.tca_us), c.miss_distance_km) for c in expected)
    assert [g[:2] for g in got] == [w[:2] for w in want]
    assert max(abs(g[2] - w[2]) for g, w in zip(got, want)) < 1e-6


def test_csv_has_a_row_per_conjunction(db, subset):
    r = _screen(db, "--csv", "--no-save")
    assert r.exit_code == 0, r.output
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert len(rows) == len(subset[2])
    assert {row["norad_id_1"] for row in rows} == {str(ISS)}
    assert all(row["name_1"] == "ISS (ZARYA)" for row in rows)


def test_cdm_files_read_back(db, subset, tmp_path):
    out = tmp_path / "cdms"
    r = _screen(db, "--cdm-dir", str(out))
    assert r.exit_code == 0, r.output
    files = sorted(out.glob("*.cdm"))
    assert len(files) == len(subset[2])
    tcas = set()
    for f in files:
        (cdm,) = iter_cdm_kvn(f.read_text(encoding="utf-8").splitlines(), file=f.name)
        assert not isinstance(cdm, Exception), cdm
        tcas.add(cdm.tca_us)
    assert tcas == {c.tca_us for c in subset[2]}


def test_table_and_stored_run(db):
    r = _screen(db)
    assert r.exit_code == 0, r.output
    text = " ".join(r.stdout.split())  # the table wraps to the terminal's width
    assert "highest Pc first" in text and "25544" in text and "(ZARYA)" in text
    assert "run 1 stored" in text


@pytest.mark.parametrize("args,message", [
    (["--window", "40d"], "window must be between 0 and 30 days"),
    (["--window", "soon"], "soon"),
    (["--start", "2022-01-22T00:00:00"], "2022-01-22T00:00:00"),
])
def test_bad_arguments_exit_nonzero_with_the_reason(db, args, message):
    r = runner.invoke(app, ["screen", "--primary", str(ISS), "--workers", "1", "--db", db, *args])
    assert r.exit_code != 0
    assert message in r.stderr
