"""The calibration's inputs (``targets.yaml``, ``priors.yaml``), shipped in the package as
``sim.calibration`` so that an installed resettle finds them; the scripts here run from a checkout
(see README, Calibration)."""
