"""Units of the model's money: amounts are in million KRW (the surveys' and the Ministry of
Unification's unit), costs of levers in KRW."""

KRW_PER_MKRW = 1e6  # won in a million won
