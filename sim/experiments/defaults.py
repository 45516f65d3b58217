"""Default sizes of the calibration, in a module light enough for the command line's help."""

DEFAULT_SCALE = 10  # people per agent during calibration (a scale check shows the targets hold)
DEFAULT_POPULATION = 500  # particles (an effective sample size of 500: equal weights)
DEFAULT_BUDGET = 12000  # simulations: about 8 generations of 500 particles (the pathway block
# took 11,000 in about 90 minutes on two cores; benchmarks/README.md)
DEFAULT_CHECK_REPLICATES = 20  # posterior replicates behind the fit tables
