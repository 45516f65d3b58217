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
    (("    tol: 5\n", ""), r"mine.yaml, line 2: targets\[0\]: no tolerance: give tol, or a "
                         r"discrepancy entry for 'employment_rate'"),
    (("tol: 5", "tol: 5\n    tol_rel: 0.1"), r"line 7: targets\[0\].tol_rel: give one of n .*"
                                           r"not both tol and tol_rel$"),
    (("tol: 5", "n: 0"), r"targets\[0\].n: Input should be greater than 0"),
    (("tol: 5", "tol: .inf"), r"targets\[0\].tol: Input should be a finite number"),
    (("value: 60.4", "value: .nan"), r"targets\[0\].value: Input should be a finite number"),
    (("tol: 5", "interval: [61, 70]"),
     r"line 6: targets\[0\].interval: \[61, 70\] must contain the value 60.4$"),
    (("tol: 5", "tol: 5\n    change_from: {year: 2019, value: 60}"),
     r"line 7: targets\[0\].change_from.year: 2019 must be before the target's year 2018$"),
    (("tol: 5", "tol: 5\n    change_from: {yeer: 2012, value: 60}"),
     r"unknown key 'targets\[0\].change_from.yeer' \(did you mean 'year'\?\)"),
    (("year: 2018", "year: 20x8"), r"targets\[0\].year: expected a year like 2018 or a range"),
    (("year: 2018", "year: 2019-2018"), r"targets\[0\].year: the range ends before it starts; "
                                        r"write 2018-2019"),
    (("sex: female", "sex: women"), r"targets\[1\].sex: expected one of all, female, male"),
    (("id: arrivals_0910", "id: emp2018"), r"targets\[1\].id: 'emp2018' is used twice"),
    (("tol: 5", "tol: -5"), r"targets\[0\].tol: Input should be greater than 0"),
    (("value: 60.4", "value: 6e1"), r"mine.yaml, line 5: targets\[0\].value: expected a number, "
                                    r"got text: YAML reads 6e1 as text .*; write 6.0e\+1"),
    (("tol: 5", "tol: '5'"), r"line 6: targets\[0\].tol: expected a number, got text"),
    (("value: 5300", "value: 0"), r"line 8: targets\[1\]: the tolerance comes to 0 \(given "
                                  r"\(tol_rel\), relative to a value of 0\); give tol"),
    (("tol: 5", "tol: 5\n    change_from: {year: '2012', value: 60}"),
     r"line 7: targets\[0\].change_from.year: expected a number, got text"),
    (("id: emp2018", "idd: emp2018"), r"line 2: unknown key 'targets\[0\].idd' \(did you mean "
                                      r"'id'\?\)"),
])
def test_bad_targets_name_the_file_the_key_and_what_was_expected(tmp_path, change, message):
    with pytest.raises(InputError, match=message) as err:
        targets.load(write(tmp_path, GOOD.replace(*change, 1)))
    assert "mine.yaml" in str(err.value)


@pytest.mark.parametrize("change, message", [
    # a trend's baseline, a level, an interval end the indicator cannot take
    (("tol: 5", "n: 2500\n    change_from: {year: 2012, value: 200}"),
     r"line 7: targets\[0\].change_from.value: employment_rate is a percentage: expected 0-100, "
     r"got 200$"),
    (("tol: 5", "tol: 5\n    change_from: {year: 2012, value: -5}"),
     r"line 7: targets\[0\].change_from.value: employment_rate is a percentage: .*got -5$"),
    (("value: 60.4", "value: 100.5"),
     r"line 5: targets\[0\].value: employment_rate is a percentage: expected 0-100, got 100.5$"),
    (("tol: 5", "interval: [-5, 70]"),
     r"line 6: targets\[0\].interval: employment_rate is a percentage: .*got -5$"),
    (("value: 5300", "value: -3"),
     r"line 11: targets\[1\].value: arrivals is a count of people: expected 0 or more, got -3$"),
    # years outside the model's
    (("year: 2018", "year: 1900"), r"line 4: targets\[0\].year: expected years the model covers "
                                   r"\(1995-2035, the years of its world table\) \(got 1900\)$"),
    (("year: 2018", "year: 2090"), r"line 4: targets\[0\].year: expected years the model covers"),
    (('year: "2009-2010"', 'year: "2030-2036"'),
     r"line 10: targets\[1\].year: expected years the model covers \(1995-2035"),
    (("tol: 5", "tol: 5\n    change_from: {year: 1990, value: 60}"),
     r"line 7: targets\[0\].change_from.year: expected years the model covers \(1995-2035"),
    # bands that do not exist
    (("sex: female", "sex: female\n    years_since_arrival: 3-1"),
     r"line 14: targets\[1\].years_since_arrival: the range runs backwards; write 1-3"),
    (("sex: female", "sex: female\n    years_since_arrival: 7"),
     r"line 14: targets\[1\].years_since_arrival: expected all, a band \(0, 1, 2, 3, 4, 5, 6\+: "
     r"full years since arrival\) or a range of bands like 1-3 or 4-6\+ \(got 7\)$"),
    (("sex: female", "sex: female\n    years_since_arrival: 99"), r"line 14: .*\(got 99\)$"),
    # one source of tolerance, not one ignored
    (("tol: 5", "n: 2500\n    interval: [50, 70]"),
     r"line 7: targets\[0\].interval: give one of n \(a sample size\), interval \(a published "
     r"range\), tol or tol_rel \(a tolerance outright\), not both n and interval$"),
    (("tol: 5", "tol: 5\n    n: 2500"), r"line 6: targets\[0\].tol: .*not both n and tol$"),
    (("tol: 5", "tol: 5\n    interval: [50, 70]"),
     r"line 6: targets\[0\].tol: .*not both interval and tol$"),
    # true/false is not a number, an empty key not a default
    (("tol: 5", "n: true"), r"line 6: targets\[0\].n: expected a sample size, got true$"),
    (("value: 60.4", "value: true"), r"line 5: targets\[0\].value: expected a number, got true$"),
    (("tol: 5", "tol: 5\n    n:"),
     r"line 7: targets\[0\].n: empty; remove the key or give a sample size$"),
    # n gives the sampling error of a percentage only
    (("tol_rel: 0.15", "n: 2500"),
     r"line 12: targets\[1\].n: a sample size gives the sampling error of a percentage, and "
     r"arrivals is not one; give interval instead$"),
    # arithmetic beyond floating point
    (("indicator: employment_rate\n    year: 2018\n    value: 60.4",
      "indicator: mean_ties\n    year: 2018\n    value: 1.0e+308\n"
      "    change_from: {year: 2012, value: -1.0e+308}"),
     r"line 6: targets\[0\].change_from.value: the change 1e\+308 - -1e\+308 is not a finite "
     r"number$"),
    (("value: 5300\n    tol_rel: 0.15", "value: 1.0e+300\n    tol_rel: 1.0e+10"),
     r"line 8: targets\[1\]: the tolerance is not a finite number \(given \(tol_rel\)\)$"),
    # messages that say what is wrong
    (("tol: 5", "interval: [70, 50]"),
     r"line 6: targets\[0\].interval: low 70 is above high 50; write \[low, high\]$"),
    (("year: 2018", "year: '²⁰²⁰'"), r"line 4: targets\[0\].year: expected a year like 2018 or a "
                                     r"range like 2012-2016 \(got '²⁰²⁰'\)$"),
    # numbers YAML 1.1 reads in another base
    (("value: 60.4", "value: 1:30"), r"line 5: targets\[0\].value: expected a number, got 1:30, "
                                     r"which YAML reads as 90 \(in base 60\); write the number "
                                     r"itself$"),
    (("tol: 5", "n: 0100"), r"line 6: targets\[0\].n: expected a number, got 0100, which YAML "
                            r"reads as 64 \(in octal, for the leading 0\)"),
])
def test_targets_the_model_cannot_produce_or_that_change_nothing_are_refused(tmp_path, change,
                                                                              message):
    with pytest.raises(InputError, match=r"mine.yaml, " + message) as err:
        targets.load(write(tmp_path, GOOD.replace(*change, 1)))
    assert "\n" not in str(err.value) and "'source'" not in str(err.value)


def test_percentages_and_counts_are_the_models_own():
    assert targets.is_percentage("female_share_of_arrivals")
    assert targets.is_percentage("sk_unemployment_rate")
    assert not targets.is_percentage("mean_ties") and not targets.is_percentage("arrivals")
    assert targets.model_years() == (1995, 2035)


def test_a_range_of_bands_may_end_at_the_last():
    t = targets.Target(id="r", indicator="depression_prevalence", year=2018, value=1, tol=1,
                       years_since_arrival="4-6+", source="s")
    assert t.bands == ["4", "5", "6+"]


DERIVED = """discrepancy:
  employment_rate: {abs: 2.0, reason: definitions}
  employment_rate_change: {abs: 1.0, reason: definitions}
  in_china: {rel: 0.1, reason: dates}
  arrivals: {rel: 0.075, reason: revisions}
targets:
  - {id: emp, indicator: employment_rate, year: 2018, value: 60.0, n: 2400, source: KHF}
  - {id: trend, indicator: employment_rate, year: 2024, value: 60.1, n: 2500,
     change_from: {year: 2018, value: 60.4}, source: KHF}
  - {id: stock, indicator: in_china, year: 2013, value: 13000, interval: [9000, 17000],
     source: JHU}
  - {id: count, indicator: arrivals, year: 2009, value: 2914, source: MOU}
  - {id: given, indicator: arrivals, year: 2010, value: 2402, tol: 100, source: MOU}
"""


def test_tolerances_are_derived_from_sampling_error_and_the_discrepancy_of_their_kind(tmp_path):
    emp, trend, stock, count, given = targets.load(write(tmp_path, DERIVED))
    assert emp.tolerance == pytest.approx(2 * math.hypot(math.sqrt(60 * 40 / 2400), 2.0))
    assert trend.observed == pytest.approx(-0.3) and trend.kind == "employment_rate_change"
    s = math.sqrt((60.1 * 39.9 + 60.4 * 39.6) / 2500)
    assert trend.tolerance == pytest.approx(2 * math.hypot(s, 1.0))
    assert stock.tolerance == pytest.approx(2 * math.hypot(8000 / 4, 1300))
    assert count.tolerance == pytest.approx(2 * 0.075 * 2914)
    assert given.tolerance == 100 and given.origin == "given (tol)"
    assert emp.origin.startswith("n=2,400") and "employment_rate discrepancy" in emp.origin
    ind = table([(2018, "employment_rate", "all", "all", 61.0),
                 (2024, "employment_rate", "all", "all", 65.0)])
    fit = targets.fit_table([emp, trend], [targets.simulate([emp, trend], ind)])
    assert list(fit.observed) == pytest.approx([60.0, -0.3])
    assert list(fit.simulated_p50) == pytest.approx([61.0, 4.0])
    assert fit.z[1] == pytest.approx(2 * (4.0 + 0.3) / trend.tolerance)
    assert list(fit.within_tolerance) == ["yes", "no"] and fit.year[1] == "2018 to 2024"


def test_a_discrepancy_entry_is_checked_like_a_target(tmp_path):
    bad = DERIVED.replace("{abs: 2.0, reason: definitions}", "{abs: 2.0, rel: 0.1, reason: x}")
    with pytest.raises(InputError, match=r"line 2: discrepancy.employment_rate: give exactly "
                                         r"one of abs \(absolute\) or rel \(relative\)$"):
        targets.load(write(tmp_path, bad))
    bad = DERIVED.replace("{abs: 2.0, reason: definitions}", "{abs: true, reason: x}")
    with pytest.raises(InputError, match=r"mine.yaml, line 2: discrepancy.employment_rate.abs: "
                                         r"expected a number, got true$"):
        targets.load(write(tmp_path, bad))
    bad = DERIVED.replace("  in_china: {rel: 0.1, reason: dates}\n", "")
    with pytest.raises(InputError, match=r"targets\[2\]: no tolerance: .*'in_china'"):
        targets.load(write(tmp_path, bad))


def test_a_discrepancy_entry_no_target_uses_is_refused(tmp_path):
    typo = DERIVED.replace("  arrivals:", "  employment_rat: {abs: 1.0, reason: x}\n  arrivals:")
    with pytest.raises(InputError, match=r"mine.yaml, line 5: discrepancy.employment_rat: no "
                                         r"target uses this entry \(did you mean "
                                         r"'employment_rate'\?\); a target without tol"):
        targets.load(write(tmp_path, typo))
    trend = ("  - {id: trend, indicator: employment_rate, year: 2024, value: 60.1, n: 2500,\n"
             "     change_from: {year: 2018, value: 60.4}, source: KHF}\n")
    assert trend in DERIVED
    with pytest.raises(InputError, match=r"mine.yaml, line 3: discrepancy.employment_rate_change: "
                                         r"no target uses this entry; .*remove the entry$"):
        targets.load(write(tmp_path, DERIVED.replace(trend, "")))


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
             targets.Target(id="z", indicator="employment_rate", year=2030, value=1, tol=1,
                            source="s")]
    ind = table([(2018, "employment_rate", "all", "all", 50.0)])
    fit = targets.fit_table(wrong, [targets.simulate(wrong, ind)])
    assert list(fit.within_tolerance) == [targets.NOT_PRODUCED] * 2
    assert "did you mean 'employment_rate'" in fit.note[0]
    assert "no value for these years" in fit.note[1]
    assert targets.share_within(fit) == (0, 0, 2)


def test_within_tolerance_is_judged_on_the_median_of_replicates():
    t = [targets.Target(id="e", indicator="employment_rate", year=2018, value=60, tol=5,
                        source="s")]
    reps = [{"e": v} for v in (50.0, 56.0, 57.0, 70.0)]
    fit = targets.fit_table(t, reps).iloc[0]
    assert fit.simulated_p50 == pytest.approx(56.5) and fit.within_tolerance == "yes"
    assert fit.simulated_p05 < fit.simulated_p50 < fit.simulated_p95
    assert list(targets.fit_table(t, [{"e": 54.9}]).within_tolerance) == ["no"]
    assert math.isclose(fit.tolerance, 5)


def test_the_count_within_tolerance_is_given_with_its_spread_over_resampled_replicates():
    """A target whose replicates straddle its tolerance moves the count with the replicates
    drawn; one far inside (or outside) does not; a target not produced is left out."""
    t = [targets.Target(id=k, indicator="employment_rate", year=2018, value=60, tol=5,
                        source="s") for k in ("steady", "edge", "far")]
    t.append(targets.Target(id="none", indicator="employment_rate", year=2030, value=1, tol=1,
                            source="s"))
    reps = [{"steady": 60.0 + d, "edge": v, "far": 90.0, "none": math.nan}
            for d, v in zip((-1, 0, 1, 0, 1, -1), (51.0, 52.0, 53.0, 55.0, 56.0, 57.0))]
    fit = targets.fit_table(t, reps)
    assert targets.share_within(fit)[0] == 1  # steady; edge's median 54 is just outside
    low, median, high = targets.resampled_counts(t, reps, seed=1)
    assert (low, high) == (1, 2) and median in (1, 2)
    assert targets.resampled_counts(t, reps, seed=1) == (low, median, high)  # reproducible
    same = [reps[0]] * 6
    assert targets.resampled_counts(t, same, seed=1) == (1, 1, 1)
    assert targets.resampled_counts(t, reps[:1], seed=1) == (1, 1, 1)


def test_the_published_targets_file_is_complete_and_produced_by_the_model():
    published = targets.load(ROOT / "calibration" / "targets.yaml")
    assert len(published) >= 100
    assert all(t.source.strip() for t in published)
    assert all(t.origin.startswith(("n=", "interval", "no sampling")) for t in published)
    assert [t.id for t in published if targets.unproduced_reason(t)] == []
    kinds = {t.indicator for t in published}
    assert {"arrivals", "female_share_of_arrivals", "in_china", "employment_rate",
            "mean_monthly_wage_mkrw", "depression_prevalence", "mean_ties", "repatriated",
            "arrivals_aged_20_39_share", "ptsd_at_hanawon_exit_share",
            "suicidal_ideation_ever_share"} <= kinds
    assert {t.sex for t in published} >= {"female"}
    assert any(t.change_from for t in published) and any(t.n for t in published)
    other = targets.load(ROOT / "calibration" / "other_surveys.yaml")
    assert not {t.id for t in other} & {t.id for t in published}
