"""``sda pc``, ``sda conjunctions`` and ``sda alerts``: JSON contracts and exit codes.

``sda pc`` is checked against NASA CARA's published Pc2D_NoAdj values of its PcMethod test
conjunctions (expected_pc_values.csv) to 1 % relative.
"""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest
from typer.testing import CliRunner

from sda.analyses.pc.default_covariance import default_covariance_rtn
from sda.catalog.records import Conjunction
from sda.catalog.store import ScreeningRunInfo, Store
from sda.core.times import now_us
from sda.ingest.cdm import Cdm, iter_cdm_kvn, iter_cdm_xml, write_cdm_kvn
from sda.interfaces.cli.main import app
from sda.products.cdm import cdm_from_conjunction
from tests.conftest import SHARED_DATA

runner = CliRunner()
CARA = SHARED_DATA / "pc" / "cara_pc_method_tests"
EXPECTED = {r["Conjunction_ID"]: r for r in csv.DictReader(open(CARA / "expected_pc_values.csv", encoding="utf-8"))}
PC_FILES = sorted(CARA.glob("cdms/*.cdm"))[:4]
ION = SHARED_DATA / "ccsds" / "cdm" / "orekit" / "valid" / "ION_SCV8_vs_STARLINK_1233.txt"


@pytest.fixture
def db(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'cli.db'}"


def _json(result) -> object:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_pc_json_matches_cara():
    out = _json(runner.invoke(app, ["pc", *map(str, PC_FILES), "--json"]))
    assert [r["file"] for r in out] == [str(p) for p in PC_FILES]
    for r, path in zip(out, PC_FILES):
        row = EXPECTED[path.stem]
        assert set(r) >= {"file", "method", "pc", "hbr_m", "miss_distance_km"} and r["method"] == "foster1992"
        assert abs(r["pc"] - float(row["Pc2D_NoAdj"])) <= 0.01 * float(row["Pc2D_NoAdj"])  # 1 % relative
        assert r["hbr_m"] == float(row["HBR_m"])
        assert abs(r["miss_distance_km"] * 1000 - float(row["MissDist_m"])) < 1.0  # CDM rounds to 1 m


def test_pc_every_method_asked():
    methods = ["foster1992", "chan1997", "alfano2005", "max"]
    out = _json(runner.invoke(app, ["pc", str(PC_FILES[0]), *sum((["--method", m] for m in methods), []), "--json"]))
    assert [r["method"] for r in out] == methods
    by = {r["method"]: r["pc"] for r in out}
    reference = float(EXPECTED[PC_FILES[0].stem]["Pc2D_NoAdj"])
    assert abs(by["alfano2005"] - reference) <= 0.01 * reference  # 1 % relative
    assert abs(by["chan1997"] - reference) <= 0.1 * reference  # 10 %: Chan's series is an approximation
    assert by["max"] >= by["foster1992"]  # the maximum over covariance scale bounds the Pc


def test_pc_bad_cdm_names_file_line_and_field(tmp_path):
    bad = tmp_path / "bad.cdm"
    bad.write_text(PC_FILES[0].read_text(encoding="utf-8").replace("MISS_DISTANCE  ", "MISS_DISTANCEX "))
    result = runner.invoke(app, ["pc", str(PC_FILES[0]), str(bad), "--json"])
    assert result.exit_code == 1
    ok, err = json.loads(result.stdout)
    assert "pc" in ok
    assert err["file"] == str(bad) and err["error"]["file"] == str(bad)
    assert err["error"]["line"] == 8 and err["error"]["field"] == "keyword" and err["error"]["found"] == "MISS_DISTANCEX"
    table = runner.invoke(app, ["pc", str(bad)])
    assert table.exit_code == 1 and "bad.cdm" in table.output and "line 8" in table.output
    missing = runner.invoke(app, ["pc", str(tmp_path / "absent.cdm")])
    assert missing.exit_code == 1 and "absent.cdm" in missing.output
    # A CDM SDA wrote without covariances carries zero placeholders: refused, not a Pc of 0.
    c = Conjunction(25544, 44713, 1_800_000_000_000_000, 0.25, 14.2, np.array([0.01, 0.2, -0.15]),
                    np.array([6800.0, 0, 0, 0, 7.6, 0]), np.array([6800.0, 0.25, 0, 0, 0, 7.6]))
    placeholder = tmp_path / "placeholder.cdm"
    placeholder.write_text(write_cdm_kvn(cdm_from_conjunction(c)))
    result = runner.invoke(app, ["pc", str(placeholder), "--json"])
    assert result.exit_code == 1 and "placeholder" in json.loads(result.stdout)[0]["error"]["message"]


def test_ingest_list_show_and_download_cdm(db, tmp_path):
    out = _json(runner.invoke(app, ["ingest", str(ION), *map(str, PC_FILES[:2]), "--db", db, "--json"]))
    assert [r["format"] for r in out] == ["CDM-KVN"] * 3 and all(r["n_new"] == 1 for r in out)
    listed = _json(runner.invoke(app, ["conjunctions", "list", "--db", db, "--json"]))
    assert len(listed) == 3 and all({"id", "norad_id_1", "norad_id_2", "tca", "miss_distance_km", "pc"} <= set(c)
                                    for c in listed)
    (ion,) = _json(runner.invoke(app, ["conjunctions", "list", "--norad-id", "45214", "--db", db, "--json"]))
    assert (ion["norad_id_1"], ion["norad_id_2"], ion["miss_distance_km"], ion["pc"]) == (55051, 45214, 0.055, 0.004450713)
    assert _json(runner.invoke(app, ["conjunctions", "list", "--min-pc", "1", "--db", db, "--json"])) == []
    shown = _json(runner.invoke(app, ["conjunctions", "show", str(ion["id"]), "--db", db, "--json"]))
    assert shown == ion
    kvn = runner.invoke(app, ["conjunctions", "cdm", str(ion["id"]), "--db", db])
    assert kvn.exit_code == 0 and kvn.stdout == ION.read_text(encoding="utf-8")  # the message as received
    target = tmp_path / "ion.xml"
    assert runner.invoke(app, ["conjunctions", "cdm", str(ion["id"]), "--xml", "--out", str(target), "--db", db]).exit_code == 0
    (from_xml,) = iter_cdm_xml(target.read_bytes())
    (original,) = iter_cdm_kvn(ION.read_text(encoding="utf-8").splitlines())
    assert isinstance(from_xml, Cdm) and from_xml == original
    csv_out = runner.invoke(app, ["conjunctions", "list", "--csv", "--db", db])
    rows = list(csv.DictReader(csv_out.stdout.splitlines()))
    assert len(rows) == 3 and {int(r["id"]) for r in rows} == {c["id"] for c in listed}
    assert runner.invoke(app, ["conjunctions", "show", "999", "--db", db]).exit_code == 1


TLES = (
    "0 ISS (ZARYA)\n"
    "1 25544U 98067A   22022.91470718  .00005958  00000-0  11386-3 0  9994\n"
    "2 25544  51.6445 336.0056 0006830  51.7508  17.5213 15.49594026322655\n"
    "0 STARLINK-1007\n"
    "1 44713U 19074A   22022.52342840  .00000284  00000-0  37939-4 0  9995\n"
    "2 44713  53.0530 112.5549 0001169  90.1770 269.9353 15.06397038121581\n"
)


def test_generated_cdm_and_alerts(db, tmp_path):
    (tmp_path / "two.tle").write_text(TLES)
    _json(runner.invoke(app, ["ingest", str(tmp_path / "two.tle"), "--db", db, "--json"]))
    start = now_us() + 3_600_000_000
    with Store(db) as st:
        iss, starlink = st.history(25544)[0], st.history(44713)[0]
        c = Conjunction(25544, 44713, start + 7_200_000_000, 0.25, 14.2, np.array([0.01, 0.2, -0.15]),
                        np.array([6800.0, 0, 0, 0, 7.6, 0]), np.array([6800.0, 0.25, 0, 0, 0, 7.6]), pc=3e-4,
                        pc_method="FOSTER-1992", hbr_m=20.0, covariance_assumed=True,
                        element_set_id_1=iss.id, element_set_id_2=starlink.id)
        st.write_screening_run(ScreeningRunInfo(start_us=start, window_s=86400.0, threshold_km=5.0, n_objects=2,
                                                run_time_s=0.5), [c])
    (listed,) = _json(runner.invoke(app, ["conjunctions", "list", "--db", db, "--json"]))
    made = runner.invoke(app, ["conjunctions", "cdm", str(listed["id"]), "--db", db])
    (cdm,) = iter_cdm_kvn(made.stdout.splitlines())
    assert isinstance(cdm, Cdm) and cdm.object1.ref_frame == "GCRF" and cdm.object1.norad_id == 25544
    assert cdm.tca_us == c.tca_us and abs(cdm.miss_distance_km - 0.25) < 1e-6 and cdm.collision_probability == 3e-4
    assert (cdm.object1.object_name, cdm.object2.object_name) == ("ISS (ZARYA)", "STARLINK-1007")
    for obj, stored in zip(cdm.objects, (iss, starlink)):  # the default covariance model of the element sets
        assert obj.covariance_method == "DEFAULT" and "FLOHRER-2008" in obj.comments["cov"][0]
        np.testing.assert_allclose(obj.covariance_rtn, default_covariance_rtn(stored.element_set, c.tca_us),
                                   rtol=1e-15, atol=0)
    res = _json(runner.invoke(app, ["alerts", "threshold", "set", "--norad-id", "44713", "--owner", "SpaceX",
                                    "--min-pc", "1e-5", "--within-hours", "24", "--db", db, "--json"]))
    assert res["threshold"]["min_pc"] == 1e-5 and res["threshold"]["max_hours_to_tca"] == 24.0
    assert [(a["level"], a["norad_id"], a["thresholds_met"]) for a in res["alerts"]] == \
        [("RED", 44713, ["min_pc", "max_hours_to_tca"])]
    _json(runner.invoke(app, ["alerts", "threshold", "set", "--norad-id", "25544", "--owner", "NASA",
                              "--max-miss-km", "0.1", "--db", db, "--json"]))
    thresholds = _json(runner.invoke(app, ["alerts", "threshold", "list", "--db", db, "--json"]))
    assert [(t["norad_id"], t["owner"], t["max_miss_km"]) for t in thresholds] == [(25544, "NASA", 0.1),
                                                                                   (44713, "SpaceX", None)]
    alerts = _json(runner.invoke(app, ["alerts", "list", "--db", db, "--json"]))
    assert [(a["owner"], a["conjunction_id"]) for a in alerts] == [("SpaceX", listed["id"])]  # 250 m > 0.1 km
    assert _json(runner.invoke(app, ["alerts", "list", "--owner", "NASA", "--db", db, "--json"])) == []
