"""Bad input is refused with a precise message and nothing is written.

Malformed files are generated from real catalog entries: each keeps many valid
element sets around one broken one, so a partial write would show.
"""

from __future__ import annotations

import itertools

import pytest

from sda.errors import IngestError
from sda.ingest.pipeline import ingest_bytes
from sda.ingest.tle import tle_checksum
from tests.conftest import FULL_CATALOG

_LINES = FULL_CATALOG.read_text(encoding="ascii").splitlines()
# Ten real 3LE records spread over the catalog (name, line 1, line 2).
SAMPLES = [tuple(_LINES[i:i + 3]) for i in range(0, 3 * 23939, 3 * 2393)][:10]


def fix(line: str) -> str:
    """The line with a correct checksum (so the mutation, not the checksum, is what fails)."""
    return line[:68] + str(tle_checksum(line))


def put(line: str, col: int, text: str) -> str:
    """Replace columns starting at 1-based ``col`` with ``text``."""
    return line[: col - 1] + text + line[col - 1 + len(text):]


# (case name, which line (1 or 2), mutation, field the error must name, keep checksum valid?)
MUTATIONS = [
    ("bad checksum line 1", 1, lambda l: l[:68] + str((int(l[68]) + 1) % 10), "checksum", False),
    ("bad checksum line 2", 2, lambda l: l[:68] + str((int(l[68]) + 3) % 10), "checksum", False),
    ("shifted right", 1, lambda l: " " + l[:68], "line 1", False),
    ("shifted column 20", 1, lambda l: l[:19] + " " + l[19:68], "epoch year", True),
    ("truncated line 1", 1, lambda l: l[:50], "line 1", False),
    ("truncated line 2", 2, lambda l: l[:60], "line 2", False),
    ("arabic-indic digit in epoch", 1, lambda l: put(l, 22, "\u0663"), "epoch day", False),
    ("fullwidth digit in inclination", 2, lambda l: put(l, 10, "\uff13"), "inclination", False),
    ("NaN mean motion", 2, lambda l: put(l, 53, "        nan"), "mean motion", True),
    ("inf eccentricity", 2, lambda l: put(l, 27, "inf    "), "eccentricity", True),
    ("letter in bstar", 1, lambda l: put(l, 55, "1x345"), "bstar", True),
    ("bad classification", 1, lambda l: put(l, 8, "X"), "classification", True),
    ("line number 3", 2, lambda l: "3" + l[1:], "line 2", True),
    ("inclination over 180", 2, lambda l: put(l, 9, " 181.0000"), "inclination", True),
    ("mean anomaly 360", 2, lambda l: put(l, 44, "360.0000"), "mean anomaly", True),
    ("other object on line 2", 2, lambda l: put(l, 3, "99999" if l[2:7] != "99999" else "99998"), "catalog number", True),
    ("missing separator", 1, lambda l: put(l, 18, "X"), "separator", True),
    ("comma decimal", 2, lambda l: put(l, 55, ","), "mean motion", True),
    ("zero mean motion", 2, lambda l: put(l, 53, " 0.00000000"), "mean motion", True),
    ("exponent without sign", 1, lambda l: put(l, 60, "x"), "bstar", True),
]


def _case_ids():
    return [f"{m[0]}-{i}" for m, i in itertools.product(MUTATIONS, range(len(SAMPLES)))]


@pytest.mark.parametrize("mutation, sample", list(itertools.product(MUTATIONS, range(len(SAMPLES)))), ids=_case_ids())
def test_malformed_tle_rejected_whole(tmp_path, mutation, sample):
    from sda.catalog.store import Store

    name, which, mutate, field, keep_checksum = mutation
    title, l1, l2 = SAMPLES[sample]
    bad = mutate(l1 if which == 1 else l2)
    if keep_checksum and len(bad) >= 69:
        bad = fix(bad)
    broken = [title, bad, l2] if which == 1 else [title, l1, bad]
    others = [ln for s in SAMPLES if s != SAMPLES[sample] for ln in s]
    text = "\n".join(others[:12] + broken + others[12:]) + "\n"
    store = Store(f"sqlite:///{tmp_path / 'c.db'}")
    with pytest.raises(IngestError) as info:
        ingest_bytes(store, text.encode("utf-8"), name="partner-drop.tle")
    errors = info.value.errors
    assert len(errors) >= 1
    err = errors[0]
    assert err.file == "partner-drop.tle"
    assert err.field == field, str(err)
    bad_line_no = 12 + (2 if which == 1 else 3)
    assert err.line in (bad_line_no, bad_line_no + 1), str(err)
    assert err.expected and err.found is not None
    assert store.table_counts() == {t: 0 for t in store.table_counts()}


def test_skip_invalid_stores_good_records_and_reports(tmp_path):
    from sda.catalog.store import Store
    from sda.ingest.pipeline import ingest_file

    title, l1, l2 = SAMPLES[3]
    lines = [ln for s in SAMPLES for ln in s]
    lines[lines.index(l2)] = l2[:68] + str((int(l2[68]) + 1) % 10)
    path = tmp_path / "drop.tle"
    path.write_text("\n".join(lines) + "\n")
    store = Store(f"sqlite:///{tmp_path / 'c.db'}")
    report = ingest_file(store, path, skip_invalid=True, rejects_dir=tmp_path / "rejects")
    assert (report.n_records, report.n_new, report.n_rejected) == (9, 9, 1)
    text = (tmp_path / "rejects" / "drop.tle.rejects.txt").read_text()
    assert "line 12" in text and "checksum" in text
    assert store.table_counts()["element_sets"] == 9


def test_unknown_format_is_refused(tmp_path):
    from sda.catalog.store import Store

    store = Store(f"sqlite:///{tmp_path / 'c.db'}")
    with pytest.raises(IngestError) as info:
        ingest_bytes(store, b"hello,world\n1,2\n", name="x.csv")
    assert info.value.errors[0].field == "content"
    assert store.table_counts()["ingest_batches"] == 0
