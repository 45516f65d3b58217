"""Life in hiding in China: work and saving, de facto marriage and trafficking, arrest and forced
repatriation, voluntary return, settling for good, and finding a broker.

Sources (see ``parameters/pathway.yaml`` for each rate): women are 80-90% of North Koreans in
China, mostly in de facto marriages, and before 2009 over 70% of women were trafficked
(Wikipedia, 'North Korean defectors', accessed 2026, which names no primary source); some men
find steady work and settle too; China treats them as illegal migrants and repatriates those it
catches (NKDB: >8,000 recorded); broker fees by year are in the world table; relatives in the
South pay for family (WaPo 2016).
"""

from __future__ import annotations

import numpy as np

from ..engine.hazards import drawn_exits
from ..engine.module import Field, Module
from ..engine.stages import IN_CHINA, Stage
from .demographics import mortality_rate

ARREST, RETURN, MARRY, ONWARD, SETTLE, DIE = range(6)
_EXIT_STAGE = {MARRY: Stage.MARRIED_IN_CHINA, SETTLE: Stage.SETTLED_IN_CHINA}


TRAFFICKING_BREAK_YEAR = 2009  # from 2009 most women travelled with brokers' organised groups
# and far fewer were trafficked (the two shares of ``pathway.yaml``, same source)


class China(Module):
    """Module for the three China stages (hiding, married, settled)."""

    fields = {
        "trafficked": Field(np.bool_, False, "trafficked into a de facto marriage"),
        "savings_usd": Field(np.float64, 0.0, "saved towards a broker's fee (USD)"),
    }
    parameter_files = ("pathway",)
    streams = ("china.trafficked", "china.exit")
    channels = {"arrest": "arrest and forced repatriation in China and on the journey",
                "onward": "leaving China and the speed of the onward journey"}
    handles = {"entered_china": "enter"}

    def enter(self, rows: np.ndarray, month: int) -> None:
        """New arrivals in China: women trafficked on arrival enter a de facto marriage."""
        m = self.model
        pop = m.population
        year = m.calendar.year_of(month)
        key = ("trafficked_share_before_2009" if year < TRAFFICKING_BREAK_YEAR
               else "trafficked_share_from_2009")
        u = m.streams.uniforms("china.trafficked", month, pop.uid[rows])
        trafficked = pop.female[rows] & (u < m.params[key])
        pop.trafficked[rows] = trafficked
        pop.move(rows[trafficked], Stage.MARRIED_IN_CHINA, month)

    def step(self, month: int) -> None:
        """One month for everyone in China at the start of the month."""
        m = self.model
        rows = np.concatenate([m.groups[s] for s in IN_CHINA])
        if rows.size == 0:
            return
        m.population.savings_usd[rows] += m.params["savings_usd_per_month"]
        exit_ = drawn_exits(m.streams, "china.exit", month, m.population.uid, rows,
                            self.upper_rate(rows, month),
                            lambda index: self.rates(rows[index], month))
        m.repatriate(rows[exit_ == ARREST], month)
        m.population.move(rows[exit_ == RETURN], Stage.IN_NORTH_KOREA, month)
        for column, stage in _EXIT_STAGE.items():
            m.population.move(rows[exit_ == column], stage, month)
        m.emit("started_journey", rows[exit_ == ONWARD], month)
        m.die(rows[exit_ == DIE], month)

    def upper_rate(self, rows: np.ndarray, month: int) -> float:
        """A bound on everyone's total annual exit rate this month (each exit's largest
        multipliers together, and the mortality of the oldest), so that only the few people
        whose draw falls under it need their rates computed."""
        m = self.model
        pop, p, w, y = m.population, m.params, m.world, m.world.index(month)
        arrest = (p["arrest_rate"] * w.arrest_multiplier[y]
                  * max(1.0, p["arrest_married_multiplier"], p["arrest_settled_multiplier"])
                  * max(1.0, p["arrest_male_multiplier"])
                  * np.max(m.levers.factor("arrest", rows, month)))
        onward = (w.onward_multiplier[y] * w.broker_access[y]
                  * max(1.0, p["onward_married_multiplier"], p["onward_settled_multiplier"])
                  * np.max(m.levers.factor("onward", rows, month))
                  * (p["onward_rate"] + p["sponsored_rate_china"]))
        oldest = (month - pop.birth_month[rows].min()) / 12.0
        return float(arrest + p["voluntary_return_rate"] + p["marriage_rate"] + onward
                     + max(p["settle_rate"], p["settle_rate_male"])
                     + mortality_rate(p, oldest, p["mortality_multiplier_abroad"]))

    def rates(self, rows: np.ndarray, month: int) -> np.ndarray:
        """Annual rates of each exit (columns ARREST ... DIE) for people in China."""
        m = self.model
        pop, p, w, y = m.population, m.params, m.world, m.world.index(month)
        stage = pop.stage[rows]
        female = pop.female[rows]
        hiding = stage == Stage.HIDING_IN_CHINA
        married = stage == Stage.MARRIED_IN_CHINA
        settled = stage == Stage.SETTLED_IN_CHINA
        protection = np.select([married, settled], [p["arrest_married_multiplier"],
                                                    p["arrest_settled_multiplier"]], 1.0)
        sex = np.where(female, 1.0, p["arrest_male_multiplier"])
        ties = np.select([married, settled], [p["onward_married_multiplier"],
                                              p["onward_settled_multiplier"]], 1.0)
        afford = np.minimum(1.0, pop.savings_usd[rows] / w.broker_fee_usd[y])
        rates = np.zeros((6, rows.size)).T  # column-major: each column is contiguous
        rates[:, ARREST] = (p["arrest_rate"] * w.arrest_multiplier[y] * protection * sex
                            * m.levers.factor("arrest", rows, month))
        rates[:, RETURN] = np.where(hiding, p["voluntary_return_rate"], 0.0)
        rates[:, MARRY] = np.where(hiding & female, p["marriage_rate"], 0.0)
        rates[:, ONWARD] = (w.onward_multiplier[y] * w.broker_access[y] * ties
                            * m.levers.factor("onward", rows, month)
                            * (p["onward_rate"] * afford + p["sponsored_rate_china"]))
        rates[:, SETTLE] = np.select([married, hiding & ~female],
                                     [p["settle_rate"], p["settle_rate_male"]], 0.0)
        rates[:, DIE] = mortality_rate(p, pop.age_years(rows, month),
                                       p["mortality_multiplier_abroad"])
        return rates
