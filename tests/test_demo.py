"""``sda demo`` (what ``make demo`` runs): the bundled catalog loaded once, summarised, and the
Korean satellites screened against it; and the demo partner's key for the picture."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from sda.catalog.store import open_store
from sda.interfaces.cli.main import app
from sda.interfaces.web.demo import DEMO_PARTNER, demo_key

runner = CliRunner()
N_BUNDLED = 23_939


@pytest.mark.slow
def test_demo_loads_summarises_and_screens(tmp_path):
    db = f"sqlite:///{tmp_path / 'demo.db'}"
    first = runner.invoke(app, ["demo", "--no-serve", "--db", db])
    assert first.exit_code == 0, first.output
    text = " ".join(first.stdout.split())  # tables wrap to the terminal's width
    assert f"loaded {N_BUNDLED} element sets ({N_BUNDLED} new)" in text
    assert "highest Pc first" in text and "KOMPSAT" in text
    assert "http://" not in text  # --no-serve: nothing served
    again = runner.invoke(app, ["demo", "--json", "--db", db])
    out = json.loads(again.stdout)
    assert again.exit_code == 0
    assert out["ingest"]["already_ingested"] and out["ingest"]["n_new"] == 0  # loaded once only
    assert out["summary"]["n_objects"] == N_BUNDLED and out["summary"]["n_element_sets"] == N_BUNDLED


def test_demo_key_is_a_viewer_of_the_demo_partner(tmp_path):
    store = open_store(f"sqlite:///{tmp_path / 'keys.db'}")
    keys = {demo_key(store), demo_key(store)}  # a second demo run makes a second key
    assert len(keys) == 2
    for key in keys:
        principal = store.principal_for_key(key)
        assert principal is not None and principal.partner == DEMO_PARTNER and principal.role == "viewer"
    assert store.principal_for_key("not-a-key") is None
