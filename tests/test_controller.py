"""Policies with memory: the controller's exact recursion, its simulation, and bad trees.

The controller recursion is a second, independent exact evaluator: on every
decision table (turned into a controller) it must agree with ``evaluate``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings

from deception_sim import Greedy, HardUpdate, Payoffs, Schedule, Strategy, evaluate, simulate
from deception_sim.exact.tree import evaluate_controller
from deception_sim.strategies.base import metadata as _metadata
from deception_sim.strategies.controller import Controller, table_controller
from deception_sim.testing import models

SCALARS = ("mesa", "base", "harm", "p_intact", "expected_updates", "p_defect")


class Remembering(Strategy):
    """A strategy that hands evaluate and simulate a controller."""

    def __init__(self, tree: Controller) -> None:
        self.tree = tree

    def decision_table(self, schedule):
        raise AssertionError("a strategy with a controller is never asked for a table")

    def controller(self, schedule, update, payoffs):
        return self.tree

    @property
    def metadata(self):
        return _metadata(cue=True, clock=True, memory=True)


@given(models())
def test_the_tree_recursion_agrees_with_evaluate(model) -> None:
    policy, schedule, update, pay = model
    table = np.asarray(policy.decision_table(schedule), dtype=float)
    tree = table_controller(table, update, pay)
    exact = evaluate(policy, schedule, update, pay)
    again = evaluate(Remembering(tree), schedule, update, pay)
    for name in SCALARS:
        assert getattr(again, name) == pytest.approx(getattr(exact, name), abs=1e-9), name
    first, second = exact.expected_first_defection, again.expected_first_defection
    assert (math.isnan(first) and math.isnan(second)) or first == pytest.approx(second, abs=1e-9)
    for column in exact.curves.columns:
        np.testing.assert_allclose(
            again.curves[column], exact.curves[column], atol=1e-9, err_msg=column
        )


@settings(max_examples=20)
@given(models(max_horizon=5))
def test_simulating_a_tree_agrees_with_its_exact_value(model) -> None:
    policy, schedule, update, pay = model
    tree = table_controller(np.asarray(policy.decision_table(schedule), float), update, pay)
    exact = evaluate(Remembering(tree), schedule, update, pay)
    runs = 20_000
    mc = simulate(Remembering(tree), schedule, update, pay, runs=runs, seed=11)
    for name in SCALARS:
        se = getattr(mc, f"{name}_se")
        slack = 5 * (se if np.isfinite(se) else 0.0) + 10 * schedule.horizon * 3 / runs + 1e-12
        assert abs(getattr(mc, name) - getattr(exact, name)) <= slack, name


def test_a_tree_that_reads_past_cues() -> None:
    # Two episodes, training length 0 or 1 with equal odds, a cue of accuracy 0.9.
    # Defect in episode 2 only if both cues said "deploy": evaluated by hand.
    schedule = Schedule.random_boundary(2, [0.5, 0.5, 0.0], cue_accuracy=0.9)
    child = np.full((3, 2, 2, 3), -1)
    child[0, 0, 0, 0] = 1  # after a "train" cue and compliance
    child[0, 1, 0, 0] = 2  # after a "deploy" cue and compliance
    tree = Controller(
        depth=np.array([0, 1, 1]),
        level=np.zeros(3, dtype=np.int64),
        action=np.array([[0.0, 0.0], [0.0, 0.0], [0.0, 1.0]]),
        child=child,
    )
    result = evaluate(Remembering(tree), schedule)
    # Episode 2 is always deployment (T <= 1); its cue says "deploy" w.p. 0.9. The first
    # cue says "deploy" w.p. 0.5 * 0.9 (T = 0) + 0.5 * 0.1 (T = 1) = 0.5.
    assert result.mesa == pytest.approx(0.5 * 0.9)
    assert result.base == pytest.approx(2 - 0.45)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: Controller(np.array([1]), np.array([0]), np.zeros((1, 2)),
                            np.full((1, 2, 2, 3), -1)), "start"),
        (lambda: Controller(np.array([0]), np.array([0]), np.full((1, 2), 1.5),
                            np.full((1, 2, 2, 3), -1)), "probabilities"),
        (lambda: Controller(np.array([0]), np.array([0]), np.zeros((1, 2)),
                            np.full((1, 2, 3), -1)), "shape"),
    ],
)
def test_bad_controllers(build, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build()


def test_a_controller_deeper_than_the_horizon_is_refused() -> None:
    tree = table_controller(np.zeros((3, 2)), HardUpdate(), Payoffs())
    with pytest.raises(ValueError, match="deeper"):
        evaluate_controller(tree, Schedule.fixed(1, 1), HardUpdate(), Payoffs())


def test_built_in_strategies_have_no_controller() -> None:
    assert Greedy().controller(Schedule.fixed(1, 1), HardUpdate(), Payoffs()) is None
