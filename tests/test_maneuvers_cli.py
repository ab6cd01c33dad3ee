"""``sda maneuvers ID``: reads the stored history, prints detections, stores MANEUVER warnings, plots."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from sda.catalog.store import open_store
from sda.core.times import parse_utc_us
from sda.interfaces.cli.main import app
from tests.conftest import SHARED_DATA

runner = CliRunner()
SENTINEL_3A = SHARED_DATA / "maneuvers" / "tle_benchmark" / "Sentinel-3A.tle"


@pytest.mark.slow
def test_maneuvers_json_warnings_and_plot(tmp_path):
    db = f"sqlite:///{tmp_path / 'm.db'}"
    assert runner.invoke(app, ["ingest", str(SENTINEL_3A), "--db", db]).exit_code == 0
    png = tmp_path / "s3a.png"
    r = runner.invoke(app, ["maneuvers", "41335", "--since", "2022-01-01T00:00:00Z", "--plot", str(png),
                            "--db", db, "--json"])
    assert r.exit_code == 0, r.output
    rows = json.loads(r.stdout)
    # The operator logged 9 burns from 2022-01-01 to the end of this history (2022-09-29).
    assert 5 <= len(rows) <= 11
    for row in rows:
        assert row["norad_id"] == 41335 and row["time"].endswith("Z") and row["time"] >= "2022-01-01"
        assert 0 < row["delta_v_m_s"] < 5.0 and row["class"] in ("ORBIT_RAISE", "ORBIT_LOWER", "PLANE_CHANGE")
        assert 0 < row["confidence"] <= 1 and row["id"] is not None
        assert len(row["evidence"]["element_sets"]) == 2 and row["evidence"]["plot"] == str(png)
        assert row["marking"] == {"releasable_to": ["ALL"]}
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with open_store(db) as store:
        stored = store.warnings(kind="MANEUVER", norad_id=41335, since_us=parse_utc_us("2022-01-01T00:00:00Z"))
    assert sorted(w.id for w in stored) == sorted(row["id"] for row in rows)
    # Running again finds the same detections and stores nothing new.
    again = json.loads(runner.invoke(app, ["maneuvers", "41335", "--since", "2022-01-01T00:00:00Z", "--plot",
                                           str(png), "--db", db, "--json"]).stdout)
    assert [a["time"] for a in again] == [row["time"] for row in rows] and all(a["id"] is None for a in again)
    table = runner.invoke(app, ["maneuvers", "41335", "--db", db, "--no-save"])
    assert table.exit_code == 0 and "maneuver(s)" in table.stdout


def test_maneuvers_rejects_unknown_object_and_bad_options(tmp_path):
    db = f"sqlite:///{tmp_path / 'e.db'}"
    r = runner.invoke(app, ["maneuvers", "12345", "--db", db])
    assert r.exit_code == 1 and "12345" in r.stderr
    r = runner.invoke(app, ["maneuvers", "12345", "--since", "2022-01-01", "--db", db])
    assert r.exit_code == 1 and "--since" in r.stderr
    r = runner.invoke(app, ["maneuvers", "12345", "--plot", "x.pdf", "--db", db])
    assert r.exit_code == 1 and ".png or .svg" in r.stderr
