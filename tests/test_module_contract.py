"""The module contract: every module declares the fields it owns, the parameter files its rules
read, its random streams and the events it handles, and the declarations are true."""

from __future__ import annotations

import importlib
import inspect
import re
import sys

import numpy as np
import pytest

from sim import levers
from sim.engine.module import Field, Module, assemble_fields, check_streams, covers
from sim.engine.parameters import Parameters, load_specs
from sim.engine.population import CORE_FIELDS
from sim.levers import LeverSet
from sim.model import EVENTS, MODULES, ResettleModel
from sim.scenario import load

SOURCES = {m: inspect.getsource(inspect.getmodule(m)) for m in MODULES}


def test_the_population_is_assembled_from_the_modules_declarations():
    model = ResettleModel("baseline", seed=1, scale=50, horizon={"start": 1995, "end": 1996})
    declared = {name for m in MODULES for name in m.fields}
    assert set(model.population.fields) == declared | set(CORE_FIELDS)

    class Twice(Module):
        fields = {"work": Field(np.int8, 0)}

    with pytest.raises(ValueError, match="field 'work' is declared by both LabourMarket and "
                                         "Twice"):
        assemble_fields([*MODULES, Twice])


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.__name__)
def test_a_modules_rules_read_only_the_parameter_files_it_declares(module):
    specs = load_specs()
    read = set(re.findall(r'(?:p|params)\["([a-z_0-9]+)"\]', SOURCES[module]))
    outside = {name: specs[name].origin for name in read & set(specs)
               if specs[name].origin.removesuffix(".yaml") not in module.parameter_files}
    assert not outside, f"{module.__name__} reads undeclared parameter files: {outside}"


def test_a_run_reads_only_the_parameter_files_each_module_declares(monkeypatch):
    """Dynamic check of the same contract, through helper functions too: every parameter read
    while a module's method (or a helper it calls) runs is charged to that module."""
    specs = load_specs()
    read: dict[type, set[str]] = {m: set() for m in MODULES}
    original = Parameters.__getitem__

    def recording(self, name):
        frame = sys._getframe(1)
        while frame is not None:
            owner = type(frame.f_locals.get("self"))
            if owner in read:
                read[owner].add(name)
                break
            frame = frame.f_back
        return original(self, name)

    monkeypatch.setattr(Parameters, "__getitem__", recording)
    package = load("white-paper-package").with_overrides(scale=50,
                                                         horizon={"start": 1995, "end": 2027})
    ResettleModel(package, seed=3).run_model()
    outside = {m.__name__: sorted({specs[n].origin for n in names
                                   if specs[n].origin.removesuffix(".yaml")
                                   not in m.parameter_files})
               for m, names in read.items()}
    assert not {k: v for k, v in outside.items() if v}, outside
    assert sum(len(v) for v in read.values()) > 100


def test_every_random_stream_used_is_declared_by_exactly_one_module():
    package = load("white-paper-package").with_overrides(scale=50,
                                                         horizon={"start": 1995, "end": 2027})
    model = ResettleModel(package, seed=3, draw_effects=True)
    used = set()  # every way of drawing: uniforms, screened draws, keys for compiled kernels
    streams = model.streams
    uniforms, below, keys = streams.uniforms, streams.below, streams.keys
    streams.uniforms = lambda stream, *args: used.add(stream) or uniforms(stream, *args)
    streams.below = lambda stream, *args: used.add(stream) or below(stream, *args)
    streams.keys = lambda names, month: used.update(names) or keys(names, month)
    model.run_model()
    owners = [*MODULES, LeverSet]
    for name in sorted(used):
        holders = [m.__name__ for m in owners if any(covers(d, name) for d in m.streams)]
        assert len(holders) == 1, f"stream {name!r} is declared by {holders or 'no module'}"
    assert len(used) > 40


def test_two_modules_may_not_declare_the_same_stream():
    class Thief(Module):
        streams = ("labour.enter",)

    with pytest.raises(ValueError, match="random stream 'labour.enter' of Thief clashes with "
                                         "'labour.\\*' of LabourMarket"):
        check_streams([*MODULES, Thief])


def test_every_event_emitted_is_declared_and_handled():
    lever_sources = [inspect.getsource(importlib.import_module(f"sim.levers.{name}"))
                     for name in levers.MODULES]
    emitted = {e for src in [*SOURCES.values(), *lever_sources]
               for e in re.findall(r'emit\("([a-z_]+)"', src)}
    assert emitted <= set(EVENTS), emitted - set(EVENTS)
    model = ResettleModel("baseline", seed=1, scale=50, horizon={"start": 1995, "end": 1996})
    assert all(model._handlers[event] for event in EVENTS), {
        e for e in EVENTS if not model._handlers[e]}
