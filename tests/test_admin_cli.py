"""``sda admin``, ``sda ingest --owner/--releasable-to/--licensed-to`` and the ``--as-partner`` /
``SDA_API_KEY`` views of the command line's exports: each partner sees exactly what its
marking allows, a hidden record looks like a missing one, and the screening job marks a
conjunction with the strictest marking of its two objects."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from sda.analyses.screening import job
from sda.catalog.store import Store
from sda.interfaces.cli.main import app
from sda.policy import Marking
from tests.test_cli_conjunctions import ION, TLES
from tests.test_conjunction_store import T0, conjunction

runner = CliRunner()


@pytest.fixture
def db(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'cli.db'}"


def ok(args: list[str], **env) -> object:
    res = runner.invoke(app, args, env=env or None)
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout) if "--json" in args else res.stdout


def test_partners_and_keys(db):
    ok(["admin", "partner", "add", "kr-kasa", "--description", "civil space agency", "--db", db])
    ok(["admin", "partner", "add", "US-NASA", "--db", db])
    res = runner.invoke(app, ["admin", "partner", "add", "KR-KASA", "--db", db])
    assert res.exit_code == 1 and "already exists" in res.stderr
    res = runner.invoke(app, ["admin", "partner", "add", "ALL", "--db", db])
    assert res.exit_code == 1 and "invalid partner name" in res.stderr
    assert [p["name"] for p in ok(["admin", "partner", "list", "--db", db, "--json"])] == ["KR-KASA", "US-NASA"]
    made = ok(["admin", "key", "create", "--partner", "KR-KASA", "--role", "provider", "--name", "uploader",
               "--db", db, "--json"])
    assert made["principal"]["role"] == "provider" and made["key"].startswith("sda_")
    plain = runner.invoke(app, ["admin", "key", "create", "--partner", "US-NASA", "--db", db])
    key = plain.stdout.strip()  # the key alone on standard output, the notice on standard error
    assert plain.exit_code == 0 and key.startswith("sda_") and "will not be shown again" in plain.stderr
    res = runner.invoke(app, ["admin", "key", "create", "--partner", "NOBODY", "--db", db])
    assert res.exit_code == 1 and "unknown partner" in res.stderr
    res = runner.invoke(app, ["admin", "key", "create", "--partner", "US-NASA", "--role", "root", "--db", db])
    assert res.exit_code == 1 and "unknown role" in res.stderr
    keys = ok(["admin", "key", "list", "--db", db, "--json"])
    assert [(k["principal_name"], k["partner"], k["role"], k["revoked_at"]) for k in keys] == \
        [("uploader", "KR-KASA", "provider", None), ("us-nasa-service-1", "US-NASA", "viewer", None)]
    assert all(made["key"] not in json.dumps(k) and key.startswith(k["prefix"]) == (k["partner"] == "US-NASA")
               for k in keys)
    assert ok(["catalog", "list", "--db", db, "--json"], SDA_API_KEY=key) == []
    ok(["admin", "key", "revoke", str(keys[1]["id"]), "--db", db])
    res = runner.invoke(app, ["catalog", "list", "--db", db], env={"SDA_API_KEY": key})
    assert res.exit_code == 1 and "not a valid API key" in res.stderr
    assert runner.invoke(app, ["admin", "key", "revoke", str(keys[1]["id"]), "--db", db]).exit_code == 1


def _ids(rows) -> set[int]:
    return {r["norad_id"] for r in rows}


def test_each_partner_sees_what_its_marking_allows(db, tmp_path):
    for p in ("KR-MND", "US-DOD", "COMMERCIAL-CELL", "ACME-SAT"):
        ok(["admin", "partner", "add", p, "--db", db])
    iss, starlink = (tmp_path / "iss.tle"), (tmp_path / "starlink.tle")
    lines = TLES.splitlines(keepends=True)
    iss.write_text("".join(lines[:3]))
    starlink.write_text("".join(lines[3:]))
    ok(["ingest", str(iss), "--owner", "KR-MND", "--releasable-to", "KR-MND", "--db", db])
    ok(["ingest", str(starlink), "--owner", "ACME-SAT", "--licensed-to", "COMMERCIAL-CELL", "--db", db])
    ok(["ingest", str(ION), "--owner", "us-dod", "--releasable-to", "US-DOD,KR-MND", "--mode", "EXERCISE",
        "--db", db])
    q = ["catalog", "list", "--db", db, "--json"]
    assert _ids(ok(q)) == {25544, 44713}
    assert _ids(ok(q + ["--as-partner", "KR-MND"])) == {25544}
    assert _ids(ok(q + ["--as-partner", "COMMERCIAL-CELL"])) == {44713}
    assert _ids(ok(q + ["--as-partner", "ACME-SAT"])) == {44713}  # its own data
    assert _ids(ok(q + ["--as-partner", "US-DOD"])) == set()
    summary = ["catalog", "summary", "--db", db, "--json"]
    assert [ok(summary + extra)["n_objects"] for extra in ([], ["--as-partner", "KR-MND"], ["--as-partner", "US-DOD"])] \
        == [2, 1, 0]
    (row,) = ok(q + ["--as-partner", "KR-MND"])
    marking = Marking.from_json(row["latest"]["provenance"]["marking"])
    assert marking.banner == "REAL // OWNER KR-MND // REL TO KR-MND"
    # hidden looks like absent, on every export
    for args in (["catalog", "show", "25544"], ["catalog", "history", "25544"]):
        hidden = runner.invoke(app, args + ["--as-partner", "US-DOD", "--db", db])
        missing = runner.invoke(app, [args[0], args[1], "99999", "--as-partner", "US-DOD", "--db", db])
        assert hidden.exit_code == missing.exit_code == 1
        assert hidden.stderr.replace("25544", "N") == missing.stderr.replace("99999", "N")
        assert ok(args + ["--as-partner", "KR-MND", "--db", db, "--json"])
    # the exercise CDM's conjunction: only in EXERCISE views, only for US-DOD and KR-MND
    c = ["conjunctions", "list", "--db", db, "--json"]
    assert ok(c) == [] and ok(c + ["--as-partner", "US-DOD"]) == []
    (conj,) = ok(c + ["--mode", "EXERCISE", "--as-partner", "US-DOD"])
    assert ok(c + ["--mode", "EXERCISE", "--as-partner", "KR-MND"]) == [conj]
    assert ok(c + ["--mode", "EXERCISE", "--as-partner", "COMMERCIAL-CELL"]) == []
    cid = str(conj["id"])
    assert ok(["conjunctions", "show", cid, "--as-partner", "KR-MND", "--db", db, "--json"])["id"] == conj["id"]
    assert "CCSDS_CDM_VERS" in ok(["conjunctions", "cdm", cid, "--as-partner", "US-DOD", "--db", db])
    for cmd in ("show", "cdm"):
        hidden = runner.invoke(app, ["conjunctions", cmd, cid, "--as-partner", "ACME-SAT", "--db", db])
        missing = runner.invoke(app, ["conjunctions", cmd, "9999", "--as-partner", "ACME-SAT", "--db", db])
        assert hidden.exit_code == missing.exit_code == 1 and hidden.stdout == ""
        assert hidden.stderr.replace(cid, "N") == missing.stderr.replace("9999", "N")
    res = runner.invoke(app, q + ["--as-partner", "XX-UNKNOWN"])
    assert res.exit_code == 1 and "unknown partner" in res.stderr


@pytest.mark.parametrize("args, message", [
    (["--owner", "kr mnd"], "invalid partner name"),
    (["--releasable-to", "ALL,KR-MND"], "ALL cannot be combined"),
    (["--licensed-to", "ALL"], "invalid partner name"),
    (["--mode", "LIVE"], "unknown data mode"),
])
def test_ingest_refuses_bad_markings(db, tmp_path, args, message):
    (tmp_path / "a.tle").write_text(TLES)
    res = runner.invoke(app, ["ingest", str(tmp_path / "a.tle"), *args, "--db", db])
    assert res.exit_code != 0 and message in res.output
    assert Store(db).count() == 0


def test_screening_marks_conjunctions_with_the_strictest_marking(tmp_path, monkeypatch):
    db = f"sqlite:///{tmp_path / 's.db'}"
    lines = TLES.splitlines(keepends=True)
    (tmp_path / "iss.tle").write_text("".join(lines[:3]))
    (tmp_path / "starlink.tle").write_text("".join(lines[3:]))
    ok(["ingest", str(tmp_path / "iss.tle"), "--db", db])
    ok(["ingest", str(tmp_path / "starlink.tle"), "--owner", "KR-MND", "--releasable-to", "KR-MND", "--db", db])
    # the geometry is screening's business (tests/test_screening.py); here: one close approach found
    monkeypatch.setattr(job, "screen", lambda sets, **kw: [conjunction(25544, 44713, 60, 0.5, None)])
    with Store(db) as store:
        result = job.screen_catalog(store, start_us=T0, window_s=3600.0)
        (sc,) = store.conjunctions(run_id=result.run_id)
        assert Marking.from_json(sc.marking) == Marking(releasable_to=frozenset({"KR-MND"}))
        assert Marking.from_json(sc.marking).audience == {"KR-MND"}
