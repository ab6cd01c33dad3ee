"""SDA's public Python API: ``from sda.api import ...``.

Every name here is one that the command line uses too, so a script does what
``sda ...`` does, with the same inputs and results:

* catalog: :func:`open_store`, :class:`Store`, :class:`CatalogQuery`,
  :func:`ingest_file`, :func:`ingest_bytes`, :func:`iter_tle`, :class:`ElementSet`;
* propagation: :func:`propagate` (SGP4 over objects × times, TEME km and km/s);
* spaceflight safety: :func:`screen` (element sets in, conjunctions out),
  :func:`screen_catalog` (the stored catalog, with Pc, stored and alerted),
  :class:`ScreeningVolume`, :func:`probability_of_collision`, :func:`conjunction_pc`,
  :func:`iter_cdm_kvn` / :func:`iter_cdm_xml` / :func:`write_cdm_kvn` / :func:`write_cdm_xml`, :func:`cdm_from_conjunction`;
* indications and warnings: :func:`detect_maneuvers` (with :func:`element_series`),
  :func:`overflight_job` (with :func:`load_areas`), :func:`proximity_job`,
  :func:`find_clouds` / :func:`trace_cloud`, :func:`find_reentries`, :class:`Warning`;
* sharing: :class:`Marking`, :class:`Principal`, :func:`decide`, :func:`egress`;
* serving: :func:`create_app` (the REST API and the operational picture).
"""

from sda.analyses.breakups.detect import find_clouds, trace_cloud
from sda.analyses.maneuvers import detect_maneuvers, element_series
from sda.analyses.overflight.aoi import AreaOfInterest, load_areas
from sda.analyses.overflight.job import overflight_job
from sda.analyses.pc import conjunction_pc, probability_of_collision
from sda.analyses.proximity.rpo import proximity_job
from sda.analyses.reentry.detect import find_reentries
from sda.analyses.screening.job import screen_catalog
from sda.analyses.screening.screen import screen
from sda.analyses.screening.volume import ScreeningVolume
from sda.catalog.queries import CatalogQuery
from sda.catalog.records import Conjunction, ElementSet
from sda.catalog.store import Store, open_store
from sda.ingest.cdm import iter_cdm_kvn, iter_cdm_xml, write_cdm_kvn, write_cdm_xml
from sda.ingest.pipeline import ingest_bytes, ingest_file
from sda.ingest.tle import iter_tle
from sda.interfaces.rest.app import create_app
from sda.policy import Marking, Principal, decide, egress
from sda.products.cdm import cdm_from_conjunction
from sda.products.warnings import Warning
from sda.propagation.sgp4 import propagate

__all__ = [
    "AreaOfInterest",
    "CatalogQuery",
    "Conjunction",
    "ElementSet",
    "Marking",
    "Principal",
    "ScreeningVolume",
    "Store",
    "Warning",
    "cdm_from_conjunction",
    "conjunction_pc",
    "create_app",
    "decide",
    "detect_maneuvers",
    "egress",
    "element_series",
    "find_clouds",
    "find_reentries",
    "ingest_bytes",
    "ingest_file",
    "iter_cdm_kvn",
    "iter_cdm_xml",
    "iter_tle",
    "load_areas",
    "open_store",
    "overflight_job",
    "probability_of_collision",
    "propagate",
    "proximity_job",
    "screen",
    "screen_catalog",
    "trace_cloud",
    "write_cdm_kvn",
    "write_cdm_xml",
]

