"""OEM ephemerides and OPM state vectors through the ingest pipeline into the store and back
(SQLite and PostgreSQL), with the CCSDS and Orekit samples of ../shared/data: what the store
returns is what the parser read, bit for bit."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sda.errors import ParseError
from sda.ingest.oem import iter_oem_kvn, iter_oem_xml
from sda.ingest.pipeline import ingest_file

CCSDS = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "ccsds"
OEM_SAMPLES = [CCSDS / "oem" / "orekit" / name for name in ("OEMExample1.txt", "OEMExample3.xml", "OEMExample5.txt",
                                                            "ISS.resampled.truncated.txt")]
OPM_SAMPLES = sorted((CCSDS / "opm" / "odm_v3_bluebook_examples").iterdir())


def _parsed(path: Path):
    it = iter_oem_xml(path.read_bytes()) if path.suffix == ".xml" else iter_oem_kvn(path.read_text())
    return [r for r in it if not isinstance(r, ParseError)]


def _same(a, b) -> bool:
    """Equal arrays (NaN where NaN), or both absent."""
    if a is None or b is None:
        return a is None and b is None
    return np.array_equal(np.asarray(a), np.asarray(b), equal_nan=True)


@pytest.mark.parametrize("path", OEM_SAMPLES, ids=lambda p: p.name)
def test_oem_segments_come_back_as_parsed(store, path):
    parsed = _parsed(path)
    assert parsed, f"{path.name}: the sample has no segment the parser accepts"
    report = ingest_file(store, path)
    assert report.n_new == len(parsed)
    stored = store.ephemerides()
    assert len(stored) == len(parsed)
    for got, want in zip(stored, parsed):
        assert got.object_id == want.object_id and got.ref_frame == want.ref_frame
        assert got.interpolation == want.interpolation and got.interpolation_degree == want.interpolation_degree
        for field in ("epochs_us", "position_km", "velocity_km_s", "acceleration_km_s2", "covariance_epochs_us",
                      "covariance"):
            assert _same(getattr(got, field), getattr(want, field)), field
        assert got.covariance_frames == want.covariance_frames


def test_oem_covariances_are_kept(store):
    """OEMExample1 carries covariance blocks: they survive the store as (k, 6, 6) arrays."""
    ingest_file(store, CCSDS / "oem" / "orekit" / "OEMExample1.txt")
    with_cov = [e for e in store.ephemerides() if e.covariance is not None]
    assert with_cov and all(e.covariance.shape[1:] == (6, 6) for e in with_cov)
    assert all(np.allclose(e.covariance, np.swapaxes(e.covariance, 1, 2)) for e in with_cov)


@pytest.mark.parametrize("path", OPM_SAMPLES, ids=lambda p: p.name)
def test_opm_state_vectors_are_stored_once(store, path):
    first = ingest_file(store, path)
    assert first.n_records >= 1 and first.n_new == first.n_records
    again = ingest_file(store, path)
    assert again.already_ingested and again.n_new == 0
