"""Maneuver detection from element-set histories: when, how large, what kind, how sure.

``element_series`` turns an object's element sets into mean-element arrays,
``detect_maneuvers`` finds the burns (:mod:`.detect` explains the method),
``maneuver_warnings`` makes them :class:`sda.products.warnings.Warning` records and
``plot_maneuvers`` draws the evidence. ``read_maneuver_log`` / ``score_detections``
check a detector against operators' logs.
"""

from sda.analyses.maneuvers.detect import DetectorConfig, Maneuver, detect_maneuvers
from sda.analyses.maneuvers.elements import ElementSeries, element_series
from sda.analyses.maneuvers.plot import plot_maneuvers
from sda.analyses.maneuvers.scoring import read_maneuver_log, score_detections
from sda.analyses.maneuvers.warnings import maneuver_warnings

__all__ = ["DetectorConfig", "Maneuver", "detect_maneuvers", "ElementSeries", "element_series",
           "read_maneuver_log", "score_detections", "maneuver_warnings", "plot_maneuvers"]

