"""Named catalog queries: the filters a user can put on the catalog, independent of SQL."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["CatalogQuery"]


@dataclass(frozen=True)
class CatalogQuery:
    """Filters on the newest element set of each object; ``None`` means no filter.

    * ``object_types``: e.g. ``("DEBRIS",)``; ``regimes``: e.g. ``("LEO", "GEO")``;
    * ``name``: case-insensitive substring of the object name (``*`` and ``?`` wildcards allowed);
    * ``intl_designator``: prefix of the COSPAR designator (``"1999-025"`` gives a launch);
    * ``max_epoch_age_days`` / ``min_epoch_age_days``: age of the newest element set at ``as_of_us``
      (default: now);
    * ``norad_ids``: restrict to these catalog numbers;
    * ``data_modes``: which data modes are visible (REAL only unless asked);
    * ``limit``/``offset``: paging, ordered by catalog number;
    * ``after_norad_id``: only catalog numbers above this one (paging by key: each page costs the same).
    """

    object_types: tuple[str, ...] | None = None
    regimes: tuple[str, ...] | None = None
    name: str | None = None
    intl_designator: str | None = None
    max_epoch_age_days: float | None = None
    min_epoch_age_days: float | None = None
    as_of_us: int | None = None
    norad_ids: tuple[int, ...] | None = None
    data_modes: tuple[str, ...] = field(default=("REAL",))
    limit: int | None = None
    offset: int = 0
    after_norad_id: int | None = None
