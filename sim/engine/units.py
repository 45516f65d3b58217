"""Units of the model's money: amounts are in million KRW (the surveys' and the Ministry of
Unification's unit), costs of levers in KRW."""

KRW_PER_MKRW = 1e6  # won in a million won


def usd_to_mkrw(usd, krw_per_usd):
    """US dollars (broker fees are reported in them) in million KRW at ``krw_per_usd``."""
    return usd * krw_per_usd / KRW_PER_MKRW
