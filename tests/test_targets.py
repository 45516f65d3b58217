"""Targets files: the format, its errors, and how simulated values are formed."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from sim.engine.errors import InputError
from sim.measure import targets

ROOT = Path(__file__).resolve().parent.parent
GOOD = """targets:
  - id: emp2018
    indicator: employment_rate
    year: 2018
    value: 60.4
    tol: 5
    source: KHF 2018
  - id: arrivals_0910
    indicator: arrivals
    year: "2009-2010"
    value: 5300
    tol_rel: 0.15
    sex: female
    source: MOU
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "mine.yaml"
    path.write_text(text)
    return path


def table(rows) -> pd.DataFrame:
    return pd.DataFrame([dict(replicate=0, year=y, indicator=i, sex=s, years_since_arrival=b,
                              value=v) for y, i, s, b, v in rows])


def test_a_valid_file_loads_with_its_tolerances(tmp_path):
    emp, arr = targets.load(write(tmp_path, GOOD))
    assert emp.tolerance == 5 and emp.years == range(2018, 2019) and emp.sex == "all"
    assert arr.tolerance == pytest.approx(0.15 * 5300) and list(arr.years) == [2009, 2010]
    assert arr.is_count and not emp.is_count


@pytest.mark.parametrize("change, message", [
    (("tol: 5", "tolerance: 5"), r"mine.yaml, line 6: unknown key 'targets\[0\].tolerance' "
                                 r"\(did you mean 'tol_rel'\?\)"),
    (("    tol: 5\n", ""), r"targets\[0\]: give exactly one of tol .* or tol_rel"),
    (("tol: 5", "tol: 5\n    tol_rel: 0.1"), "give exactly one of tol"),
    (("year: 2018", "year: 20x8"), r"targets\[0\].year: expected a year or a range"),
    (("year: 2018", "year: 2019-2018"), r"targets\[0\].year: expected a year or a range"),
    (("sex: female", "sex: women"), r"targets\[1\].sex: expected one of all, female, male"),
    (("id: arrivals_0910", "id: emp2018"), r"targets\[1\].id: 'emp2018' is used twice"),
    (("tol: 5", "tol: -5"), r"targets\[0\].tol: Input should be greater than 0"),
])
def test_bad_targets_name_the_file_the_key_and_what_was_expected(tmp_path, change, message):
    with pytest.raises(InputError, match=message) as err:
        targets.load(write(tmp_path, GOOD.replace(*change, 1)))
    assert "mine.yaml" in str(err.value)


def test_unreadable_and_malformed_files_are_refused(tmp_path):
    with pytest.raises(InputError, match="targets file not found"):
        targets.load(tmp_path / "none.yaml")
    with pytest.raises(InputError, match=r"mine.yaml, line \d: malformed YAML"):
        targets.load(write(tmp_path, "targets:\n  - id: [x\n"))
    with pytest.raises(InputError, match="expected a mapping with the key 'targets'"):
        targets.load(write(tmp_path, "- 1\n"))


def test_counts_are_summed_and_rates_averaged_over_years_and_bands():
    ind = table([(2009, "arrivals", "female", "all", 100), (2010, "arrivals", "female", "all", 50),
                 (2015, "depression_prevalence", "all", "1", 20.0),
                 (2015, "depression_prevalence", "all", "2", 30.0),
                 (2016, "depression_prevalence", "all", "1", 10.0),
                 (2016, "depression_prevalence", "all", "2", 40.0)])
    arr = targets.Target(id="a", indicator="arrivals", year="2009-2010", value=1, tol=1,
                         sex="female", source="s")
    dep = targets.Target(id="d", indicator="depression_prevalence", year="2015-2016",
                         years_since_arrival="1-2", value=1, tol=1, source="s")
    assert targets.simulate([arr, dep], ind) == {"a": 150.0, "d": 25.0}


def test_targets_the_model_cannot_produce_are_reported_not_dropped():
    wrong = [targets.Target(id="x", indicator="employment_rat", year=2018, value=1, tol=1,
                            source="s"),
             targets.Target(id="y", indicator="employment_rate", year=2018, value=1, tol=1,
                            years_since_arrival="ten", source="s"),
             targets.Target(id="z", indicator="employment_rate", year=1990, value=1, tol=1,
                            source="s")]
    ind = table([(2018, "employment_rate", "all", "all", 50.0)])
    fit = targets.fit_table(wrong, [targets.simulate(wrong, ind)])
    assert list(fit.within_tolerance) == [targets.NOT_PRODUCED] * 3
    assert "did you mean 'employment_rate'" in fit.note[0]
    assert "not a band the model produces" in fit.note[1]
    assert "no value for these years" in fit.note[2]
    assert targets.share_within(fit) == (0, 0, 3)


def test_within_tolerance_is_judged_on_the_median_of_replicates():
    t = [targets.Target(id="e", indicator="employment_rate", year=2018, value=60, tol=5,
                        source="s")]
    reps = [{"e": v} for v in (50.0, 56.0, 57.0, 70.0)]
    fit = targets.fit_table(t, reps).iloc[0]
    assert fit.simulated_p50 == pytest.approx(56.5) and fit.within_tolerance == "yes"
    assert fit.simulated_p05 < fit.simulated_p50 < fit.simulated_p95
    assert list(targets.fit_table(t, [{"e": 54.9}]).within_tolerance) == ["no"]
    assert math.isclose(fit.tolerance, 5)


def test_the_published_targets_file_is_complete_and_produced_by_the_model():
    published = targets.load(ROOT / "calibration" / "targets.yaml")
    assert len(published) >= 100
    assert all(t.source.strip() for t in published)
    assert [t.id for t in published if targets.unproduced_reason(t)] == []
    kinds = {t.indicator for t in published}
    assert {"arrivals", "female_share_of_arrivals", "in_china", "employment_rate",
            "mean_monthly_wage_mkrw", "depression_prevalence", "mean_ties"} <= kinds
    other = targets.load(ROOT / "calibration" / "other_surveys.yaml")
    assert not {t.id for t in other} & {t.id for t in published}
