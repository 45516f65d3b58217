"""The commands that inspect rather than run: ``check`` (and ``check --expect``),
``parameters`` and ``levers``."""

from __future__ import annotations

import argparse
import sys

from .. import scenario as scenario_io
from ..engine.errors import InputError
from .common import (
    CHECK_REPLICATES,
    EXIT_INVALID,
    EXIT_OK,
    MAX_COLUMN,
    PROG,
    check_replicates,
    check_seed,
    one_line,
)


def check_command(args: argparse.Namespace, argv: list[str]) -> int:
    """``resettle check``: validate each file (exit 1 if any is invalid); with ``--expect``,
    check the files' expected effects on a paired ensemble (exit 1 if any does not hold)."""
    invalid, loaded = 0, []
    for file in args.files:
        try:
            loaded.append(scenario_io.load(file))
        except InputError as exc:
            invalid += 1
            print(f"{PROG}: error: {one_line(exc)}", file=sys.stderr)
        else:
            print(f"ok: {file}")
    if not args.expect:
        given = [flag for flag, value, default in _expect_only(args) if value != default]
        if given:
            raise InputError(f"{given[0]}: applies only with --expect (it sets the paired "
                             "ensemble that checks the expected effects)")
    if invalid or not args.expect:
        return EXIT_INVALID if invalid else EXIT_OK
    return expect_command(args, [s for s in loaded if s.expect])


def _expect_only(args: argparse.Namespace) -> list[tuple[str, object, object]]:
    """The options of ``check`` that only ``--expect`` uses: (flag, value, default)."""
    return [("--baseline", args.baseline, "baseline"), ("--scale", args.scale, None),
            ("--seed", args.seed, None), ("--replicates", args.replicates, CHECK_REPLICATES),
            ("--fixed-effects", args.fixed_effects, False), ("--workers", args.workers, None),
            ("--scheduler", args.scheduler, None)]


def expect_command(args: argparse.Namespace, scenarios) -> int:
    """The expectations of ``scenarios`` on a paired ensemble, as a table."""
    from ..experiments import ensemble, expectations

    if args.scale is not None and args.scale < 1:
        raise InputError(f"--scale: expected a positive integer, got {args.scale}")
    baseline = scenario_io.load(args.baseline)
    replicates = check_replicates(args.replicates, baseline)
    baseline.check_baseline()
    seed = check_seed(args.seed)
    seed = baseline.seed if seed is None else seed
    if not scenarios:
        print("no expectations in these files")
        return EXIT_OK
    table = expectations.check(scenarios, baseline, seed, replicates,
                               ensemble.Executor.from_args(args),
                               args.scale, args.fixed_effects)
    print(f"expected effects against {baseline.name} ({replicates} replicate pairs, seed "
          f"{seed}; counts summed over the years, rates averaged):")
    print(table.assign(holds=table.holds.map({True: "yes", False: "NO"}))
          .to_string(index=False, float_format=lambda v: f"{v:,.3g}"))
    return EXIT_OK if table.holds.all() else EXIT_INVALID


def _prior(prior: dict | None) -> str:
    """A prior as ``dist(arg=value, ...)``, or 'fixed (published)' for constants."""
    if prior is None:
        return "fixed (published)"
    args = ", ".join(f"{key}={value}" for key, value in prior.items() if key != "dist")
    return f"{prior['dist']}({args})"


def parameters_command(args: argparse.Namespace, argv: list[str]) -> int:
    """``resettle parameters [SCENARIO]``: an aligned table of file, name, the file's value, the
    value the scenario runs with (the calibrated posterior's median, or the scenario's own
    override), prior, unit and source."""
    from ..engine.parameters import load_specs

    scenario = scenario_io.load(args.scenario)
    in_force = scenario.with_parameter_set().parameters
    own = scenario.parameters
    print(f"values in force for {scenario.name} ({scenario.origin}): * = its calibrated "
          "parameter set's median, + = set in the scenario")
    header = ("file", "name", "file value", "in force", "prior", "unit", "source")
    rows = [(s.origin.removesuffix(".yaml"), s.name, f"{s.value:g}",
             f"{in_force.get(s.name, s.value):g}"
             + ("+" if s.name in own else "*" if s.name in in_force else ""),
             _prior(s.prior), s.unit, s.source)
            for s in load_specs().values()]
    widths = [min(MAX_COLUMN, max(len(row[i]) for row in [header, *rows]))
              for i in range(len(header) - 1)]
    for row in [header, *rows]:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        print("  ".join([*cells, row[-1]]))
    return EXIT_OK


def levers_command(args: argparse.Namespace, argv: list[str]) -> int:
    """``resettle levers``: every lever type with its mechanism, who it acts on, how long, its
    evidence, its effect priors with their sources, and its other settings."""
    from ..levers import LEVERS, Eligibility, evidence_markdown
    from ..levers.effects import EVIDENCE_KINDS, effect_fields

    if args.markdown:
        print(evidence_markdown())
        return EXIT_OK
    for name, (settings, _) in LEVERS.items():
        module = sys.modules[settings.__module__]
        wide = "  (acts on everyone in its window; costs per year)"
        print(f"{name}{wide if settings.population_wide else ''}")
        print("  " + (module.__doc__ or "").strip().split("\n\n")[0].replace("\n", " "))
        print(f"  acts on: {settings.acts_on_text}; lasts: {settings.duration_text}")
        print(f"  outcomes: {', '.join(settings.outcomes)}")
        effects = effect_fields(settings)
        for field, info in effects.items():
            prior = settings.model_fields[field].default
            low, high = prior.interval()
            print(f"    {field:<30} {prior.describe()}, median {prior.centre():.3g}, "
                  f"90% {low:.3g} to {high:.3g}")
            print(f"      {info['description']}; {info['kind']} "
                  f"({EVIDENCE_KINDS[info['kind']]})")
            print(f"      source: {info['source']}")
        for field, info in settings.model_fields.items():
            if field == "type" or field in effects:
                continue
            default = "required" if info.is_required() else repr(info.default)
            description = info.description or ""
            if field == "eligibility":
                default = "anyone" if info.default == Eligibility() else repr(info.default)
                description = "keys: " + ", ".join(Eligibility.model_fields)
            print(f"    {field:<30} {default:<10} {description}")
        print()
    return EXIT_OK


