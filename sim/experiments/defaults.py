"""Default sizes of the calibration, in a module light enough for the command line's help."""

DEFAULT_SCALE = 10  # people per agent during calibration (a scale check shows the targets hold)
DEFAULT_POPULATION = 100  # particles per generation
DEFAULT_BUDGET = 2400  # simulations (about 25 minutes on two cores at scale 10)
DEFAULT_CHECK_REPLICATES = 20  # posterior replicates behind the fit tables
