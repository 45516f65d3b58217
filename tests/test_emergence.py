"""Arrivals emerge from departures and transit: changing transit changes who arrives and when."""

from __future__ import annotations

from _shared import series, small

YEARS = slice(2003, 2012)


def test_more_arrests_mean_fewer_arrivals_fewer_in_hiding_and_more_exits_by_repatriation():
    """Arrest competes with the other ways out of China: with more of it, fewer arrive, fewer
    stay hidden, and repatriation takes a larger share of those who leave. (Their count need not
    rise much: where arrest is already the main way out, it is bounded by the inflow.)"""
    base, harsh = small().indicators, small(arrest_rate=0.5).indicators

    def total(df, name):
        return series(df, name).loc[YEARS].sum()

    def repatriated_share(df):
        return total(df, "repatriated") / (total(df, "repatriated") + total(df, "arrivals"))

    assert repatriated_share(harsh) > repatriated_share(base) + 0.05
    assert total(harsh, "arrivals") < 0.9 * total(base, "arrivals")
    assert total(harsh, "in_china") < 0.8 * total(base, "in_china")


def test_slower_main_route_delays_arrivals():
    base = small().indicators
    slow = small(journey_months_laos_thailand=12.0, journey_months_vietnam_cambodia=12.0,
                 journey_months_other=12.0).indicators
    abroad_base = series(base, "mean_years_abroad_of_arrivals").loc[YEARS].mean()
    abroad_slow = series(slow, "mean_years_abroad_of_arrivals").loc[YEARS].mean()
    assert abroad_slow > abroad_base + 0.3
    in_transit = {name: series(run, "in_transit").loc[YEARS].mean()
                  for name, run in (("slow", slow), ("base", base))}
    assert in_transit["slow"] > 2 * in_transit["base"]


def test_who_arrives_changes_with_transit():
    """Arresting men more often changes the female share of arrivals."""
    base = small().indicators
    harsh_on_men = small(arrest_male_multiplier=6.0).indicators
    share = "female_share_of_arrivals"
    assert series(harsh_on_men, share).loc[YEARS].mean() > series(base, share).loc[YEARS].mean() + 2


def test_arrivals_follow_departures():
    base = small().indicators
    fewer = small(departures_markets=1000.0).indicators
    late = slice(2008, 2012)
    assert series(fewer, "arrivals").loc[late].sum() < series(base, "arrivals").loc[late].sum()
    # before the markets regime starts (2006) nothing differs: the draws are common
    early = slice(1995, 2005)
    assert series(fewer, "arrivals").loc[early].equals(series(base, "arrivals").loc[early])
