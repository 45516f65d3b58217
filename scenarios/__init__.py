"""The scenario library, shipped inside the package as ``sim.scenarios`` (see README, Scenario files)."""
