"""Gambit's sequence-form LP on the clock agent's extensive-form game agrees with ``optimize``.

Skipped when ``pygambit`` (in the ``test`` extra) is not installed.
"""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deception_sim import HardUpdate, Payoffs, Schedule, UpdateRule
from deception_sim.solvers import optimize
from deception_sim.testing import payoffs, schedules

pytest.importorskip("pygambit")
from oracle_gambit import gambit_value


@settings(max_examples=12)
@given(
    schedules(max_horizon=3),
    st.sampled_from([0.0, 0.4, 0.8, 1.0]),
    payoffs(),
    st.sampled_from([0.5, 0.7, 0.9, 1.0]),
)
def test_the_clock_optimum_is_gambits(schedule, detect, pay, cue) -> None:
    schedule = dataclasses.replace(schedule, cue_accuracy=cue)
    update = UpdateRule(detect=detect)
    solution = optimize(schedule, update, pay, "clock")
    assert solution.value == pytest.approx(gambit_value(schedule, update, pay), abs=1e-9)


@pytest.mark.parametrize(
    ("schedule", "update", "pay"),
    [
        (Schedule.fixed(2, 3), HardUpdate(), Payoffs()),
        (
            Schedule.random_boundary(3, [0.5, 0, 0, 0.5], cue_accuracy=0.8, honeypot_rate=0.2),
            UpdateRule(detect=0.6),
            Payoffs(success=0.7, utility="any", discount=0.9),
        ),
        (
            Schedule.random_boundary(3, [0.1, 0.3, 0.4, 0.2], observable=False),
            UpdateRule(detect=0.5),
            Payoffs(v_overseen=0.4),
        ),
    ],
    ids=["seed", "noisy-any", "no-cue"],
)
def test_gambit_by_example(schedule, update, pay) -> None:
    value = optimize(schedule, update, pay, "clock").value
    assert value == pytest.approx(gambit_value(schedule, update, pay), abs=1e-9)
