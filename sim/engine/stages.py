"""The stages of the pathway (every person is in exactly one stage in every month), and the states
of working life in the South."""

from __future__ import annotations

from enum import IntEnum

import numpy as np

# Codes of the population table (sim.engine.population), here so that the scenario schema and the
# levers' settings load without the compiled population
NO_MONTH = np.iinfo(np.int32).min  # "never" for month fields
NEVER_MONTH = np.iinfo(np.int32).max  # "never" for month fields compared as "has it come yet"
DEATH_CAUSES = ("alive", "natural", "suicide")  # codes of death_cause
NATURAL, SUICIDE = 1, 2


class Stage(IntEnum):
    """Where a person is on the pathway (see README, "What the model contains")."""

    IN_NORTH_KOREA = 0  # back in North Korea after forced repatriation or return; may leave again
    HIDING_IN_CHINA = 1  # hiding and working in China, saving for a broker
    MARRIED_IN_CHINA = 2  # de facto marriage in China (women; trafficked or not)
    SETTLED_IN_CHINA = 3  # settled in China for good (still at risk of arrest)
    JOURNEY = 4  # onward journey with a broker, by route
    DETAINED_THIRD_COUNTRY = 5  # detention and transfer from the third country
    SCREENING = 6  # joint NIS screening in South Korea (arrival is counted on entry)
    HANAWON = 7  # the 12-week Hanawon programme
    PROTECTED = 8  # resettled, within the 5-year residence-protection period
    RESETTLED = 9  # resettled, after the protection period
    DEAD = 10
    MOVED_ON = 11  # left the South for a third country (the UK, Canada ...)
    RETURNED_NORTH = 12  # went back to North Korea from the South ("double defection")
    DETAINED_IN_CHINA = 13  # arrested, held in China while North Korea takes no one back


N_STAGES = len(Stage)
IN_CHINA = (Stage.HIDING_IN_CHINA, Stage.MARRIED_IN_CHINA, Stage.SETTLED_IN_CHINA)
IN_TRANSIT = (Stage.JOURNEY, Stage.DETAINED_THIRD_COUNTRY)
IN_SOUTH = (Stage.SCREENING, Stage.HANAWON, Stage.PROTECTED, Stage.RESETTLED)
RESIDENTS = (Stage.PROTECTED, Stage.RESETTLED)  # living in the community, after Hanawon
# where residents who leave the South for a third country go (Stage.MOVED_ON): a country
# granting asylum while its door is open (world table asylum_*), or unrecorded, in any year
ASYLUM_DESTINATIONS = ("uk", "canada", "other")
DESTINATIONS = (*ASYLUM_DESTINATIONS, "unrecorded")


def stage_mask(stages) -> np.ndarray:
    """A lookup table: ``stage_mask(IN_SOUTH)[pop.stage[rows]]`` is whether each row is in one
    of ``stages`` (one gather instead of the sort that ``np.isin`` makes)."""
    mask = np.zeros(N_STAGES, dtype=bool)
    mask[list(stages)] = True
    mask.flags.writeable = False
    return mask


IS_IN_SOUTH, IS_RESIDENT = stage_mask(IN_SOUTH), stage_mask(RESIDENTS)


class Route(IntEnum):
    """Onward route out of China (NONE before a journey starts)."""

    NONE = 0
    LAOS_THAILAND = 1
    VIETNAM_CAMBODIA = 2
    MONGOLIA = 3
    OTHER = 4  # consulates, the Philippines and other third countries
    DIRECT = 5  # direct sea or land crossing into South Korea


ONWARD_ROUTES = (Route.LAOS_THAILAND, Route.VIETNAM_CAMBODIA, Route.MONGOLIA, Route.OTHER)


class Work(IntEnum):
    """Labour-force status in the South (Statistics Korea definitions)."""

    INACTIVE = 0  # out of the labour force (includes students, trainees, children)
    UNEMPLOYED = 1  # looking for work
    EMPLOYED = 2


class Job(IntEnum):
    """Kind of work of the employed."""

    NONE = 0
    REGULAR = 1
    TEMPORARY = 2
    DAILY = 3
    SELF_EMPLOYED = 4
