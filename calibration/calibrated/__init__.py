"""The calibrated parameter set the baseline runs with, shipped as ``sim.calibrated`` (see
README, Calibration)."""
