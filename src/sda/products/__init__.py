"""What leaves the system: conjunction data messages (:mod:`.cdm`) and owner alerts (:mod:`.alerts`)."""
