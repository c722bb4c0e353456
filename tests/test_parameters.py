"""The one table of model parameters: it agrees with the model objects, and interfaces use it."""

from __future__ import annotations

import dataclasses
import inspect
import math

import numpy as np
import pytest
from hypothesis import given
from scipy import stats

from deception_sim import Payoffs, Schedule, UpdateRule
from deception_sim.cli import build_parser
from deception_sim.cli import sweep as sweep_command
from deception_sim.cli.common import option_of
from deception_sim.exact.seed_model import RESULTS
from deception_sim.model import (
    OWNERS,
    PARAMETER_NAMES,
    PARAMETERS,
    build_model,
    check_parameter,
    check_parameter_names,
)
from deception_sim.montecarlo import SCALARS
from deception_sim.sweeps import PARAMETERS as SWEEP_PARAMETERS
from deception_sim.testing import payoffs, update_rules

CLASSES = {"update": UpdateRule, "payoffs": Payoffs}


def test_names_are_unique_and_the_sweep_uses_them() -> None:
    names = [p.name for p in PARAMETERS]
    assert len(set(names)) == len(names)
    assert PARAMETER_NAMES == (*names, *OWNERS) == SWEEP_PARAMETERS


def test_defaults_are_the_model_objects_defaults() -> None:
    for owner, cls in CLASSES.items():
        fields = {f.name: f.default for f in dataclasses.fields(cls)}
        assert {p.name: p.default for p in PARAMETERS if p.owner == owner} == fields
    signature = inspect.signature(Schedule.fixed).parameters
    for p in PARAMETERS:
        if p.owner == "schedule" and p.name in signature and p.default is not None:
            assert signature[p.name].default == p.default, p.name


@pytest.mark.parametrize(
    "parameter", [p for p in PARAMETERS if p.owner in CLASSES], ids=lambda p: p.name
)
def test_a_value_is_checked_as_the_model_object_checks_it(parameter) -> None:
    edges = [-1.0, 0.0, 0.5, 1.0, 2.0, math.nan, math.inf, True, "count", "any", "most", None]
    if parameter.interval is not None:
        edges += [parameter.interval.low, parameter.interval.high]
    # needed goes with utility="any" (a rule across two fields, checked by Payoffs).
    context = {"utility": "any"} if parameter.name == "needed" else {}
    for value in edges:
        try:
            expected: object = getattr(
                CLASSES[parameter.owner](**context, **{parameter.name: value}), parameter.name
            )
        except (ValueError, TypeError) as error:
            expected = str(error)
        try:
            got: object = check_parameter(parameter.name, value)
        except ValueError as error:
            got = str(error)
        assert got == expected, value


@given(update_rules(), payoffs())
def test_build_model_from_the_fields_of_model_objects(update, payoffs) -> None:
    fields = {**dataclasses.asdict(update), **dataclasses.asdict(payoffs)}
    assert build_model({"train": 2, "deploy": 3, **fields}) == (
        Schedule.fixed(2, 3),
        update,
        payoffs,
    )


def test_build_model_schedules_and_whole_objects() -> None:
    schedule = Schedule.fixed(1, 2, honeypot_rate=0.25)
    assert build_model({"schedule": schedule, "update": UpdateRule(rate=0.5)}) == (
        schedule,
        UpdateRule(rate=0.5),
        Payoffs(),
    )
    built, _, _ = build_model(
        {
            "train": 1,
            "deploy": 2,
            "honeypot_rate": [0.1, 0.2, 0.3],
            "observable": False,
            "continue_prob": 0.9,
        }
    )
    assert built == Schedule.fixed(
        1, 2, honeypot_rate=np.array([0.1, 0.2, 0.3]), cue_accuracy=0.5, continue_prob=0.9
    )
    built, _, _ = build_model({"horizon": 3, "train_length": stats.randint(0, 2)})
    assert built == Schedule.random_boundary(3, [0.5, 0.5, 0.0, 0.0])
    built, _, _ = build_model({"horizon": 2, "train_length": (0.5, 0.0, 0.5)})
    assert built == Schedule.random_boundary(2, [0.5, 0.0, 0.5])


@pytest.mark.parametrize(
    ("values", "needle"),
    [
        ({"train": 1}, "model needs a schedule"),
        ({"train": 1, "deploy": 1, "horizon": 2}, "model mixes"),
        ({"horizon": 2}, "both 'horizon' and 'train_length'"),
        ({"schedule": Schedule.fixed(1, 1), "train": 1}, "gives both 'schedule'"),
        ({"update": UpdateRule(), "detect": 0.5, "train": 1, "deploy": 1}, "'detect'"),
        ({"train": 1, "deploy": 1, "trian": 2}, "unknown model parameter 'trian'"),
        ({"train": 1, "deploy": 1, "observable": "yes"}, "observable must be True"),
        ({"train": 1, "deploy": 1, "observable": False, "cue_accuracy": 0.9}, "contradicts"),
        ({"horizon": 2, "train_length": 0.5}, "train_length must be a scipy.stats"),
        ({"horizon": 2, "train_length": [0.5, 0.5]}, "train_pmf must have 3 entries"),
        ({"schedule": "T=1"}, "schedule values must be Schedule objects"),
    ],
)
def test_bad_mappings_name_the_parameter(values, needle: str) -> None:
    with pytest.raises(ValueError, match=needle):
        build_model(values)


def test_the_grid_wording() -> None:
    with pytest.raises(ValueError, match=r"^grid needs a schedule"):
        check_parameter_names(["detect"], where="grid")


def test_the_command_line_has_an_option_for_every_parameter() -> None:
    parser = build_parser()
    for command in ("evaluate", "simulate", "optimize"):
        sub = parser._subparsers._group_actions[0].choices[command]
        options = {o for action in sub._actions for o in action.option_strings}
        assert {option_of(p) for p in PARAMETERS} <= options, command
        text = sub.format_help()
        assert "(default: 0.0)" in text and "(default: count)" in text
    assert [p.name for p in sweep_command.AXES] == [
        p.name
        for p in PARAMETERS
        if p.kind not in ("flag", "distribution", "kinds") and p.name != "horizon"
    ]


def test_the_closed_forms_compute_the_scalars_of_a_result() -> None:
    assert RESULTS == SCALARS
