"""Numerical slips: bounds kept exactly, standard errors exactly 0 when runs agree, z-scores
never infinite, linear programs that do not overflow."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings

from deception_sim import (
    Deceptive,
    Greedy,
    Memoryless,
    Payoffs,
    Schedule,
    Threshold,
    UpdateRule,
    evaluate,
    simulate,
    solve_stackelberg,
    solve_zero_sum,
)
from deception_sim.games import zero_sum_form
from deception_sim.model.measures import MEASURES, RESULT, clip
from deception_sim.montecarlo.accumulate import Moments
from deception_sim.testing import models


def test_every_run_agreeing_gives_a_standard_error_of_exactly_zero() -> None:
    # The case: every run's base is 1 (to rounding), so its standard error is 0
    # and the estimate matches the exact value (it used to be 1.07e-17, and z = -41).
    model = (
        Threshold(2),
        Schedule.fixed(1, 4, continue_prob=0.85),
        UpdateRule(detect=0.2),
        Payoffs(discount=0.65),
    )
    estimate = simulate(*model, runs=1000, seed=1)
    assert estimate.base_se == 0.0
    z = estimate.z_scores(evaluate(*model))
    assert z["base"] == 0.0
    assert all(abs(v) < 5 for v in z.values() if not math.isnan(v))


def test_moments_are_centred_and_exact_for_equal_values() -> None:
    m = Moments()
    for chunk in (np.full(7, 0.1), np.full(5, 0.1), np.array([0.1 + 1e-17])):
        m.add(chunk)
    assert m.standard_error == 0.0 and m.mean == pytest.approx(0.1)
    big = Moments()  # a large offset: differences of large sums would lose the spread
    big.add(np.array([1e9, 1e9 + 1.0]))
    big.add(np.array([1e9 + 2.0]))
    assert big.standard_error == pytest.approx(math.sqrt(1.0 / 3.0))


@settings(max_examples=30)
@given(models(max_horizon=4))
def test_z_scores_are_never_infinite(model) -> None:
    estimate = simulate(*model, runs=20, seed=0, curves=False)
    exact = evaluate(*model)
    table = estimate.compare(exact)
    for name, z in estimate.z_scores(exact).items():
        assert not math.isinf(z)
        if math.isnan(z):
            assert table.loc[name, "note"] in ("no sampled variation", "undefined on one side")
    for name in RESULT:
        assert MEASURES[name].contains(getattr(estimate, name))


def test_a_boundary_within_its_tolerance_keeps_results_in_range() -> None:
    # The pmf sums to 1 + 9e-10 (accepted): base came out as -9e-10.
    schedule = Schedule.random_boundary(2, np.array([0.0, 0.5, 0.5]) * (1 + 9e-10))
    result = evaluate(Greedy(), schedule, UpdateRule(detect=0.5, rate=0.4))
    for name in RESULT:
        assert MEASURES[name].contains(getattr(result, name)), name
    assert result.base == 0.0


def test_clip_moves_rounding_onto_the_bound_and_refuses_more() -> None:
    assert clip("p_defect", 1.0 + 1e-10) == 1.0
    assert clip("base", -5e-7, scale=1000.0) == 0.0
    assert clip("expected_first_defection", math.nan) != clip("expected_first_defection", 1.0)
    np.testing.assert_array_equal(clip("harm", np.array([-1e-12, 2.0])), [0.0, 2.0])
    with pytest.raises(ArithmeticError, match="p_intact"):
        clip("p_intact", -1e-3)


@pytest.mark.parametrize("policy", [Greedy(), Deceptive(), Memoryless(0.5)])
def test_results_stay_in_range_near_certainty(policy) -> None:
    schedule = Schedule.fixed(3, 3, honeypot_rate=1 - 1e-16, continue_prob=1 - 1e-16)
    for result in (evaluate(policy, schedule), simulate(policy, schedule, runs=50, seed=0)):
        for name in RESULT:
            assert MEASURES[name].contains(getattr(result, name)), name


def test_linear_programs_near_the_largest_float() -> None:
    assert solve_zero_sum([[1e308, -1e308]]).value == -1e308
    assert solve_zero_sum([[-1e308], [1e308]]).value == 1e308
    game = solve_zero_sum([[1e308, -1e308], [-1e308, 1e308]])
    assert game.value == 0.0 and math.isfinite(game.gap)
    assert game.row_strategy.tolist() == [0.5, 0.5]
    leader = solve_stackelberg([[1e308, -1e308]], [[1.0, 2.0]])
    assert leader.leader_value == -1e308 and leader.follower_response == 1
    assert zero_sum_form([[1e308, -1e308]], [[-1e308, 1e308]]).tolist() == [[1e308, -1e308]]
    with pytest.raises(ValueError, match="overflows"):
        zero_sum_form([[1.7e308, 1.7e308]], [[0.0, -1.7e308]])
