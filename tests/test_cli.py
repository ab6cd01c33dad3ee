"""The ``sda`` command line: JSON contract, exit codes, readable output."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from sda.interfaces.cli.main import app
from tests.conftest import SHARED_DATA

runner = CliRunner()

ISS = (
    "0 ISS (ZARYA)\n"
    "1 25544U 98067A   22022.91470718  .00005958  00000-0  11386-3 0  9994\n"
    "2 25544  51.6445 336.0056 0006830  51.7508  17.5213 15.49594026322655\n"
)


@pytest.fixture
def db(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'cli.db'}"


def _json(result) -> object:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_ingest_list_show_history(tmp_path, db):
    f = tmp_path / "iss.tle"
    f.write_text(ISS)
    out = _json(runner.invoke(app, ["ingest", str(f), "--source", "partner-a", "--db", db, "--json"]))
    assert out[0]["n_new"] == 1 and out[0]["format"] == "TLE"
    objs = _json(runner.invoke(app, ["catalog", "list", "--db", db, "--json"]))
    assert [o["norad_id"] for o in objs] == [25544]
    assert objs[0]["epoch"] == "2022-01-22T21:57:10.700352Z"
    shown = _json(runner.invoke(app, ["catalog", "show", "25544", "--db", db, "--json"]))
    assert shown["latest"]["provenance"]["source"] == "partner-a"
    hist = _json(runner.invoke(app, ["catalog", "history", "25544", "--db", db, "--json"]))
    assert len(hist) == 1 and hist[0]["norad_id"] == 25544
    table = runner.invoke(app, ["catalog", "list", "--db", db])
    assert table.exit_code == 0 and "25544" in table.stdout and "ISS" in table.stdout


def test_rejected_file_exits_nonzero_and_names_the_field(tmp_path, db):
    f = tmp_path / "bad.tle"
    f.write_text(ISS.replace("15.49594026322655", "15.49594026322656"))
    r = runner.invoke(app, ["ingest", str(f), "--db", db])
    assert r.exit_code == 1
    assert "bad.tle, line 3" in r.stderr and "checksum" in r.stderr
    assert _json(runner.invoke(app, ["catalog", "list", "--db", db, "--json"])) == []


def test_list_json_has_every_match_without_paging(db):
    r = runner.invoke(app, ["ingest", str(SHARED_DATA / "tle/groups/celestrak_2020-10-16/starlink.txt"),
                            "--db", db, "--json"])
    n = _json(r)[0]["n_new"]
    assert n > 500
    assert len(_json(runner.invoke(app, ["catalog", "list", "--db", db, "--json"]))) == n
    few = _json(runner.invoke(app, ["catalog", "list", "--name", "STARLINK-1*", "--db", db, "--json"]))
    assert 0 < len(few) < n and all(o["name"].startswith("STARLINK-1") for o in few)


def test_missing_object_and_bad_mode(db):
    r = runner.invoke(app, ["catalog", "show", "99999", "--db", db])
    assert r.exit_code == 1 and "99999" in r.stderr
    r = runner.invoke(app, ["catalog", "list", "--mode", "PRETEND", "--db", db])
    assert r.exit_code == 1 and "PRETEND" in r.stderr


def test_ingest_ccsds_samples(db):
    omm = SHARED_DATA / "ccsds/omm/ccsds-ndm/omm1_st_from_json_dir.json"
    out = _json(runner.invoke(app, ["ingest", str(omm), "--db", db, "--json", "--source", "space-track"]))
    assert out[0]["format"] == "OMM-JSON" and out[0]["n_new"] == 1
    obj = _json(runner.invoke(app, ["catalog", "show", "45018", "--db", db, "--json"]))
    assert obj["object_type"] == "PAYLOAD" and obj["latest"]["format"] == "OMM"


def test_fetch_from_drop_folder(tmp_path, db):
    drop = tmp_path / "drop"
    drop.mkdir()
    (drop / "good.tle").write_text(ISS)
    (drop / "bad.tle").write_text(ISS.replace("0  9994", "0  9995"))
    (drop / "partial.tle.part").write_text(ISS)
    r = runner.invoke(app, ["fetch", "folder", str(drop), "--settle", "0", "--db", db, "--json"])
    assert r.exit_code == 1
    out = {o["file"]: o for o in json.loads(r.stdout)}
    assert set(out) == {"good.tle", "bad.tle"}
    assert out["good.tle"]["n_new"] == 1 and out["bad.tle"]["rejects"][0]["field"] == "checksum"
    assert (drop / "done" / "good.tle").exists() and (drop / "rejected" / "bad.tle").exists()
    assert (drop / "partial.tle.part").exists()
    assert [o["norad_id"] for o in _json(runner.invoke(app, ["catalog", "list", "--db", db, "--json"]))] == [25544]
