"""Ingest: read a file or a provider's response, validate every record, store the batch.

A file is all or nothing: if any record is bad, nothing of the file is written and
an :class:`~sda.errors.IngestError` lists every problem (file, line, field,
expected, found). With ``skip_invalid`` the good records are stored and the bad
ones are written to a rejects report. Ingesting the same content again from the
same source in the same mode changes nothing.

A CDM becomes a conjunction (:func:`sda.products.cdm.conjunction_from_cdm`) stored with
the message's KVN text (the file itself for a KVN CDM); its objects' catalog numbers
come from ``OBJECT_DESIGNATOR`` or, failing that, from an ``INTERNATIONAL_DESIGNATOR``
the catalog knows. New conjunctions are checked against the owners' alert thresholds
(:func:`sda.products.alerts.raise_alerts`).
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from sda.catalog.records import DEFAULT_MARKING, DataMode, ElementSet, Record, canonical_intl_designator
from sda.catalog.store import BatchInfo, CdmConjunction, Store
from sda.errors import IngestError, ParseError
from sda.ingest.cdm import Cdm, write_cdm_kvn
from sda.ingest.formats import decode, detect_format, iter_records
from sda.policy.decide import may_write
from sda.policy.markings import Marking
from sda.policy.principals import Principal

__all__ = ["IngestReport", "parse_bytes", "ingest_bytes", "ingest_file", "write_rejects"]


@dataclass
class IngestReport:
    """What ingesting one file or response did."""

    file: str
    origin: str
    source: str
    data_mode: str
    format: str | None = None
    n_records: int = 0
    n_new: int = 0
    n_rejected: int = 0
    batch_id: int | None = None
    n_alerts: int = 0
    already_ingested: bool = False
    elapsed_s: float = 0.0
    rejects: list[ParseError] = field(default_factory=list)
    rejects_report: str | None = None

    @property
    def n_duplicate(self) -> int:
        return self.n_records - self.n_new if not self.already_ingested else self.n_records

    def as_dict(self) -> dict:
        return {
            "file": self.file,
            "origin": self.origin,
            "source": self.source,
            "data_mode": self.data_mode,
            "format": self.format,
            "n_records": self.n_records,
            "n_new": self.n_new,
            "n_duplicate": self.n_duplicate,
            "n_rejected": self.n_rejected,
            "batch_id": self.batch_id,
            "n_alerts": self.n_alerts,
            "already_ingested": self.already_ingested,
            "elapsed_s": round(self.elapsed_s, 4),
            "rejects": [e.as_dict() for e in self.rejects],
            "rejects_report": self.rejects_report,
        }


def _check_mode(mode: str) -> str:
    try:
        return DataMode(mode.upper()).value
    except ValueError:
        raise IngestError(f"unknown data mode {mode!r}; expected one of {', '.join(m.value for m in DataMode)}") from None


def _check_marking(marking: str, mode: str, principal: Principal | None) -> str:
    """Canonical JSON of the marking records of ``mode`` get; ``IngestError`` if it is
    invalid, names another mode, or is not one ``principal`` may store."""
    try:
        m = Marking.of_record(marking, mode)
    except ValueError as exc:
        raise IngestError(f"invalid marking {marking!r}: {exc}") from None
    if principal is not None and not may_write(principal, m):
        raise IngestError(f"{principal.name} ({principal.partner}, {principal.role}) may not store records owned "
                          f"by {m.owner or 'no partner'}")
    return m.to_json()


def parse_bytes(data: bytes, *, name: str) -> tuple[str, list[Record | Cdm], list[ParseError]]:
    """``(format, records, errors)`` of raw (possibly gzipped) content named ``name``."""
    raw = decode(data)
    try:
        fmt = detect_format(raw, file=name)
    except ParseError as exc:
        return "UNKNOWN", [], [exc]
    records: list[Record | Cdm] = []
    errors: list[ParseError] = []
    for item in iter_records(raw, fmt, file=name):
        (errors if isinstance(item, ParseError) else records).append(item)
    return fmt, records, errors


def ingest_bytes(
    store: Store,
    data: bytes,
    *,
    name: str,
    origin: str | None = None,
    source: str = "file",
    mode: str = "REAL",
    skip_invalid: bool = False,
    marking: str = DEFAULT_MARKING,
    principal: Principal | None = None,
    client: str | None = None,
) -> IngestReport:
    """Validate and store the records of ``data`` as one batch, marked ``marking`` (JSON
    text of a :class:`~sda.policy.markings.Marking`; its mode is ``mode`` when it names none).

    Raises :class:`IngestError` (with ``.errors`` and ``.report``) when a record is bad
    and ``skip_invalid`` is false; then nothing is written. The write is audited as
    ``principal``'s (the local operator if ``None``) from ``client`` (this host's user if
    ``None``); a principal may store only its own partner's records with a role that allows it.
    """
    started = time.perf_counter()
    mode = _check_mode(mode)
    marking = _check_marking(marking, mode, principal)
    report = IngestReport(file=name, origin=origin or name, source=source, data_mode=mode)
    sha = hashlib.sha256(data).hexdigest()
    earlier = store.find_batch(sha, source, mode)
    if earlier is not None:
        report.batch_id, report.already_ingested = earlier, True
        report.elapsed_s = time.perf_counter() - started
        return report
    fmt, records, errors = parse_bytes(data, name=name)
    records, unresolved = _resolve_catalog_numbers(store, records, name)
    errors += unresolved
    records, unresolved = _conjunctions_from_cdms(store, records, fmt, decode(data), name)
    errors += unresolved
    report.format, report.n_records, report.rejects, report.n_rejected = fmt, len(records), errors, len(errors)
    if errors and not skip_invalid:
        raise IngestError(
            f"{name}: {len(errors)} invalid record(s), nothing was stored (use --skip-invalid to store the "
            f"{len(records)} valid one(s))",
            errors,
            report,
        )
    if not records:
        if errors:
            report.elapsed_s = time.perf_counter() - started
            return report
        raise IngestError(f"{name}: no records found")
    result = store.write_batch(
        BatchInfo(source=source, origin=origin or name, format=fmt, data_mode=mode, content_sha256=sha,
                  marking=marking),
        records,
        n_rejected=len(errors),
        principal=principal,
        origin=client,
    )
    report.batch_id, report.n_new, report.already_ingested = result.batch_id, result.n_new, result.already_ingested
    if result.n_new and any(isinstance(r, CdmConjunction) for r in records):
        from sda.products.alerts import raise_alerts

        report.n_alerts = len(raise_alerts(store, store.conjunctions(batch_id=result.batch_id, data_modes=None)))
    report.elapsed_s = time.perf_counter() - started
    return report


def _resolve_catalog_numbers(store: Store, records: list[Record], name: str) -> tuple[list[Record], list[ParseError]]:
    """Give element sets parsed without a catalog number the one the catalog knows for
    their international designator; those it does not know become errors."""
    missing = [r for r in records if isinstance(r, ElementSet) and r.norad_id is None]
    if not missing:
        return records, []
    known = store.norad_ids_by_intl(r.intl_designator for r in missing)
    out, errors = [], []
    for r in records:
        if isinstance(r, ElementSet) and r.norad_id is None:
            if r.intl_designator in known:
                out.append(replace(r, norad_id=known[r.intl_designator]))
                continue
            errors.append(ParseError(
                "no catalog number", file=name, line=r.source_line, field="NORAD_CAT_ID",
                expected="a catalog number, or an OBJECT_ID the catalog already knows",
                found=r.intl_designator or "absent",
            ))
        else:
            out.append(r)
    return out, errors


def _conjunctions_from_cdms(store: Store, records: list, fmt: str, raw: bytes,
                            name: str) -> tuple[list, list[ParseError]]:
    """Turn parsed CDMs into conjunctions to store (``origin``: the message id), resolving catalog numbers missing from
    ``OBJECT_DESIGNATOR`` by international designator; CDMs that cannot be resolved become errors."""
    if not any(isinstance(r, Cdm) for r in records):
        return records, []
    from sda.products.cdm import conjunction_from_cdm

    cdms = [r for r in records if isinstance(r, Cdm)]
    known = store.norad_ids_by_intl(canonical_intl_designator(o.international_designator)
                                    for c in cdms for o in c.objects if o.norad_id is None)
    out, errors = [], []
    for r in records:
        if not isinstance(r, Cdm):
            out.append(r)
            continue
        ids = tuple(o.norad_id if o.norad_id is not None else known.get(canonical_intl_designator(o.international_designator))
                    for o in r.objects)
        missing = [o for o, n in zip(r.objects, ids) if n is None]
        if missing:
            o = missing[0]
            errors.append(ParseError(
                f"no catalog number for {o.object}", file=name, field="OBJECT_DESIGNATOR",
                expected="a SATCAT catalog number, or an INTERNATIONAL_DESIGNATOR the catalog already knows",
                found=f"{o.object_designator} ({o.catalog_name}), {o.international_designator}",
            ))
            continue
        try:
            conj = conjunction_from_cdm(r, origin=r.message_id, norad_ids=ids)
        except ValueError as exc:
            errors.append(ParseError(str(exc), file=name, field="REF_FRAME", expected="both objects in one frame",
                                     found=f"{r.object1.ref_frame}, {r.object2.ref_frame}"))
            continue
        canonical = write_cdm_kvn(r)
        text = raw.decode("utf-8", errors="replace").lstrip("\ufeff") if fmt == "CDM-KVN" else canonical
        out.append(CdmConjunction(conj, text, hashlib.sha256(canonical.encode()).hexdigest()))
    return out, errors


def ingest_file(
    store: Store,
    path: str | Path,
    *,
    source: str = "file",
    mode: str = "REAL",
    skip_invalid: bool = False,
    marking: str = DEFAULT_MARKING,
    rejects_dir: str | Path | None = None,
    principal: Principal | None = None,
) -> IngestReport:
    """Ingest one file (see :func:`ingest_bytes`); with ``skip_invalid`` and rejects, a
    report ``<name>.rejects.txt`` is written to ``rejects_dir`` (default: the current folder)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise IngestError(f"{path}: cannot read: {exc.strerror}") from None
    report = ingest_bytes(store, data, name=str(path), origin=str(path.resolve()), source=source, mode=mode,
                          skip_invalid=skip_invalid, marking=marking, principal=principal)
    if report.rejects:
        report.rejects_report = str(write_rejects(report, Path(rejects_dir or ".")))
    return report


def write_rejects(report: IngestReport, folder: Path) -> Path:
    """Write one line per rejected record (file, line, field, expected, found) and return the path."""
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / (Path(report.file).name + ".rejects.txt")
    lines = [f"# {report.n_rejected} record(s) rejected from {report.origin}, {report.n_records} stored"]
    lines += [str(e) for e in report.rejects]
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out
