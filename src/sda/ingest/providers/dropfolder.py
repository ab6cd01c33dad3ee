"""A folder where partners drop element-set files for ingest.

:class:`DropFolder` lists the files waiting at the top of the folder and, once the
ingest pipeline has dealt with one, moves it to ``done/`` or ``rejected/`` with an
optional ``<name>.rejects.txt`` report beside it, so a partner sees what was refused
and why. Files not ready are left alone:

* hidden or temporary names (``.name``, ``~name``, ``*.part``, ``*.partial``,
  ``*.tmp``, ``*.crdownload``, ``*.filepart``) — what upload tools write before renaming;
* files still being written: size or modification time changed between two looks
  ``settle_s`` seconds apart.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path

__all__ = ["DropFolder", "PARTIAL_SUFFIXES", "REPORT_SUFFIX"]

#: Name endings of files still being uploaded.
PARTIAL_SUFFIXES = (".part", ".partial", ".tmp", ".crdownload", ".filepart")
#: Ending of the report written beside a processed file.
REPORT_SUFFIX = ".rejects.txt"


class DropFolder:
    """Files waiting in ``path``; processed ones move to ``path/done`` or ``path/rejected``.

    ``settle_s`` is the pause between the two looks that tell a finished file from
    one still being written; ``sleep`` is injectable for tests.
    """

    def __init__(
        self,
        path: str | os.PathLike,
        *,
        settle_s: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.path = Path(path)
        self.done_dir = self.path / "done"
        self.rejected_dir = self.path / "rejected"
        self.settle_s = settle_s
        self.sleep = sleep

    @staticmethod
    def _ignored(name: str) -> bool:
        lower = name.lower()
        return name.startswith((".", "~")) or lower.endswith(PARTIAL_SUFFIXES) or lower.endswith(REPORT_SUFFIX)

    def _look(self) -> dict[Path, tuple[int, int]]:
        """``{path: (size_bytes, mtime_ns)}`` of candidate files at the top of the folder."""
        seen = {}
        with os.scandir(self.path) as entries:
            for entry in entries:
                if self._ignored(entry.name) or not entry.is_file(follow_symlinks=False):
                    continue
                try:
                    st = entry.stat(follow_symlinks=False)
                except FileNotFoundError:  # moved away between listing and stat
                    continue
                seen[Path(entry.path)] = (st.st_size, st.st_mtime_ns)
        return seen

    def pending(self) -> list[Path]:
        """Files ready for ingest, oldest first (by modification time, then name).

        Looks twice, ``settle_s`` apart, and keeps only files whose size and
        modification time did not change in between.
        """
        if not self.path.is_dir():
            raise FileNotFoundError(f"drop folder {self.path} does not exist")
        first = self._look()
        if not first:
            return []
        self.sleep(self.settle_s)
        second = self._look()
        ready = [p for p, sig in second.items() if first.get(p) == sig]
        return sorted(ready, key=lambda p: (second[p][1], p.name))

    def mark_done(self, path: str | os.PathLike, ok: bool, report: str | None = None) -> Path:
        """Move a processed file to ``done/`` (``ok``) or ``rejected/`` and return its new path.

        ``report`` (for example the rejected records of the file) is written beside it
        as ``<new name>.rejects.txt``. A file of the same name already there is never
        overwritten: the moved file gets a ``.1``, ``.2``, ... before its extension.
        """
        src = Path(path)
        if src.resolve().parent != self.path.resolve():
            raise ValueError(f"expected a file at the top of {self.path}, found {src}")
        target_dir = self.done_dir if ok else self.rejected_dir
        target_dir.mkdir(parents=True, exist_ok=True)
        target = target_dir / src.name
        n = 0
        while target.exists() or Path(str(target) + REPORT_SUFFIX).exists():
            n += 1
            target = target_dir / f"{src.stem}.{n}{src.suffix}"
        shutil.move(str(src), str(target))
        if report is not None:
            Path(str(target) + REPORT_SUFFIX).write_text(report, encoding="utf-8")
        return target
