"""``deception_sim.testing``: the example claim of its docstring holds as written, and every
family narrows as its keywords say."""

from __future__ import annotations

import re
import textwrap

import pytest
from hypothesis import given, settings

import deception_sim.testing as testing
from deception_sim import Deceptive, Greedy, HardUpdate, Schedule, evaluate
from deception_sim.testing import (
    FAMILIES,
    built_in_strategies,
    models,
    payoffs,
    schedules,
    strategies_for,
    update_rules,
)


def _example() -> str:
    """The example test in the module's docstring, as a user would copy it."""
    doc = testing.__doc__ or ""
    found = re.search(r"holds::\n\n(.*?)\n\n(?=\S)", doc, re.DOTALL)
    assert found, "the docstring has no example claim"
    return textwrap.dedent(found.group(1))


def test_the_docstring_claim_passes_as_written() -> None:
    namespace: dict[str, object] = {}
    exec(compile(_example(), "deception_sim.testing example", "exec"), namespace)
    claim = namespace["test_deception_beats_greed_when_the_phase_is_observable"]
    assert callable(claim)
    claim()


def test_the_claim_is_false_without_its_conditions() -> None:
    # The tracker's counterexample: no deployment, so deception gets nothing.
    schedule = Schedule.fixed(train=1, deploy=0)
    assert evaluate(Deceptive(), schedule, HardUpdate()).mesa == 0.0
    assert evaluate(Greedy(), schedule, HardUpdate()).mesa == 1.0


@settings(max_examples=40)
@given(schedules(fixed=True, honeypots=False, cues=False, continuation=False, min_deploy=2))
def test_schedules_narrow(schedule: Schedule) -> None:
    assert schedule.fixed_train is not None
    assert schedule.horizon - schedule.fixed_train >= 2
    assert not schedule.honeypots().any()


@settings(max_examples=40)
@given(schedules(fixed=False, min_deploy=1, max_horizon=4))
def test_random_boundaries_leave_room_to_deploy(schedule: Schedule) -> None:
    assert max(schedule.support()) <= schedule.horizon - 1


@settings(max_examples=40)
@given(update_rules(hard=False, detect=False, drift=False))
def test_update_rules_narrow(update) -> None:
    assert update.detect == 1.0 and update.drift == 0.0 and not update.is_hard


@settings(max_examples=40)
@given(payoffs(utility="any", discount=False, success=False, min_v_deploy=2, max_v_overseen=0.5))
def test_payoffs_narrow(pay) -> None:
    assert pay.utility == "any" and pay.discount == 1.0 and pay.success == 1.0
    assert pay.v_deploy >= 2.0 and pay.v_overseen <= 0.5


@settings(max_examples=40)
@given(built_in_strategies(families=["plan", "threshold"]))
def test_strategy_families_narrow(policy) -> None:
    assert type(policy).__name__ in ("Plan", "Threshold")


@settings(max_examples=20)
@given(strategies_for(Schedule.fixed(2, 3), families=["greedy", "bayesian"]))
def test_strategies_for_a_schedule_narrow(policy) -> None:
    assert type(policy).__name__ in ("Greedy", "Bayesian")


@settings(max_examples=20, deadline=None)
@given(
    models(
        max_horizon=3,
        families=["deceptive"],
        hard=True,
        schedule_options={"honeypots": False},
        payoff_options={"utility": "count"},
    )
)
def test_models_narrow(model) -> None:
    policy, schedule, update, pay = model
    assert policy == Deceptive() and update.is_hard and pay.utility == "count"
    assert not schedule.honeypots().any()


def test_every_family_has_a_name() -> None:
    assert set(FAMILIES) == {
        "greedy",
        "aligned",
        "deceptive",
        "plan",
        "threshold",
        "memoryless",
        "bayesian",
    }


@pytest.mark.parametrize(
    "make",
    [
        lambda: built_in_strategies(families=["nonesuch"]),
        lambda: payoffs(utility="most"),
        lambda: payoffs(min_v_deploy=4),
        lambda: schedules(max_horizon=3, min_deploy=4),
    ],
    ids=["family", "utility", "value", "min_deploy"],
)
def test_bad_narrowing_is_a_value_error(make) -> None:
    with pytest.raises(ValueError):

        @settings(max_examples=1)
        @given(make())
        def draw_one(value) -> None:
            pass

        draw_one()
