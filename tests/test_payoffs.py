"""The richer payoffs (v_detected, v_clean, missed, needed) and kinds of episode, end to end.

Every engine against the brute-force oracle (``tests/oracle.py``, written from
``docs/explanation/model.md`` alone) and against each other; the hand-checked
cases pin the oracle itself; the claims of
``docs/explanation/payoffs-and-kinds.md``. Kinds' own objects, strategies and
solvers are in ``test_kinds.py``.
"""

from __future__ import annotations

import dataclasses
import math
import zlib

import numpy as np
import pytest
from hypothesis import given, settings
from oracle import brute_force
from test_oracle import assert_agrees, assert_numbers

from deception_sim import (
    Aligned,
    EpisodeKinds,
    Greedy,
    HardUpdate,
    Kind,
    Memoryless,
    Payoffs,
    Plan,
    Schedule,
    Threshold,
    UpdateRule,
    evaluate,
    objective_levels,
    optimize,
    simulate,
)
from deception_sim.exact.evaluation import from_tree_curves
from deception_sim.exact.switch import switch_outcomes
from deception_sim.exact.tree import evaluate_controller
from deception_sim.games import Oversight, outcome
from deception_sim.model.episode import branches
from deception_sim.montecarlo import SCALARS
from deception_sim.strategies import checked_table, table_controller
from deception_sim.testing import models, payoffs, schedules

MAZE = Schedule.fixed(train=2, deploy=3)


# ------------------------------------------------------------------ the contract, by hand
def test_hand_cost_of_being_caught() -> None:
    # Greedy eats the training apple (1) and is detected (-5): -4, then the exit four times.
    got = brute_force(Greedy(), MAZE, HardUpdate(), Payoffs(v_detected=-5.0))
    assert_numbers(got, mesa=-4.0, base=4.0, harm=0.0, expected_updates=1.0)
    # A negative v_overseen is a wasted attempt: Plan BA on fixed(1, 1) pays it once.
    got = brute_force(Plan("BA"), Schedule.fixed(1, 1), HardUpdate(), Payoffs(v_overseen=-2.0))
    assert_numbers(got, mesa=1.0)
    got = brute_force(Plan("AA"), Schedule.fixed(1, 1), HardUpdate(), Payoffs(v_overseen=-2.0))
    assert_numbers(got, mesa=-2.0, base=1.0)


def test_hand_clean_run_with_continuation_and_discount() -> None:
    # fixed(0, 3), continue 1/2, discount 1/2: L = 1, 2, 3 with probability 1/2, 1/4, 1/4 and
    # weight 1, 1/2, 1/4, so E[g_L] = 11/16: Aligned gets 2 * 11/16.
    schedule = Schedule.fixed(0, 3, continue_prob=0.5)
    pay = Payoffs(v_clean=2.0, discount=0.5)
    assert_numbers(brute_force(Aligned(), schedule, HardUpdate(), pay), mesa=1.375, base=1.3125)
    # Threshold(2) is clean only if the run stops after episode 1 (2 * 1/2), and succeeds in
    # episode 2 (reach 1/2, weight 1/2) and 3 (reach 1/4, weight 1/4).
    assert_numbers(brute_force(Threshold(2), schedule, HardUpdate(), pay), mesa=1.3125)
    # An empty run is clean: v_clean with weight 1.
    assert_numbers(brute_force(Aligned(), Schedule.fixed(0, 0), HardUpdate(), pay), mesa=2.0)


def test_hand_missed_attacks_go_through() -> None:
    # fixed(1, 1), detect 1/2, v_overseen 0. Greedy in training: detected 1/2 (then the exit),
    # missed 1/2: harmless (0), or through (a success worth 1, harm 1); then in deployment the
    # surviving half succeeds. harmless: mesa 1/2, harm 1/2; through: mesa 1, harm 1.
    schedule, update = Schedule.fixed(1, 1), UpdateRule(detect=0.5)
    harmless = Payoffs(v_overseen=0.0)
    through = Payoffs(v_overseen=0.0, missed="through")
    assert_numbers(brute_force(Greedy(), schedule, update, harmless), mesa=0.5, harm=0.5)
    assert_numbers(brute_force(Greedy(), schedule, update, through), mesa=1.0, harm=1.0)


def test_hand_goals_of_several_successes() -> None:
    # fixed(0, 3), discount 1/2: Greedy succeeds in every episode; the k-th success is in
    # episode k, worth 1/2 ** (k - 1).
    pay = {k: Payoffs(utility="any", needed=k, discount=0.5) for k in (1, 2, 3)}
    schedule = Schedule.fixed(0, 3)
    for k, expected in ((1, 1.0), (2, 0.5), (3, 0.25)):
        assert_numbers(brute_force(Greedy(), schedule, HardUpdate(), pay[k]), mesa=expected)
    # A detection counts only while the goal is open: succeed in episode 1, caught in 2.
    trap = Schedule.fixed(0, 2, honeypot_rate=[0.0, 1.0])
    met = Payoffs(utility="any", v_detected=-3.0)
    open_goal = Payoffs(utility="any", v_detected=-3.0, needed=2)
    assert_numbers(brute_force(Greedy(), trap, HardUpdate(), met), mesa=1.0)
    assert_numbers(brute_force(Greedy(), trap, HardUpdate(), open_goal), mesa=-3.0)


@pytest.mark.parametrize(
    "policy, schedule, update, pay",
    [
        (Greedy(), MAZE, HardUpdate(), Payoffs(v_detected=-5.0)),
        (
            Threshold(2),
            Schedule.fixed(0, 3, continue_prob=0.5),
            HardUpdate(),
            Payoffs(v_clean=2.0, discount=0.5),
        ),
        (
            Greedy(),
            Schedule.fixed(1, 1),
            UpdateRule(detect=0.5),
            Payoffs(v_overseen=0.0, missed="through"),
        ),
        (
            Greedy(),
            Schedule.fixed(0, 2, honeypot_rate=[0.0, 1.0]),
            HardUpdate(),
            Payoffs(utility="any", v_detected=-3.0, needed=2),
        ),
    ],
)
def test_hand_cases_agree_with_evaluate(policy, schedule, update, pay) -> None:
    assert_agrees(policy, schedule, update, pay)


def test_defaults_are_the_old_model() -> None:
    # The newer fields at their defaults leave the table and the branches as they were...
    assert repr(Payoffs()) == (
        "Payoffs(v_deploy=1.0, v_overseen=1.0, success=1.0, utility='count', discount=1.0)"
    )
    assert Payoffs().extended == ()
    assert [b.name for b in branches(HardUpdate(), Payoffs())] == [
        "detected",
        "missed",
        "succeeded",
        "failed",
        "watched",
        "unwatched",
    ]
    # ... and the seed's numbers.
    assert evaluate(Plan("BBAAA"), MAZE).mesa == 3.0
    assert evaluate(Plan("AAAAA"), MAZE).mesa == 1.0


@settings(max_examples=40)
@given(models(max_horizon=5))
def test_one_kind_that_sets_nothing_is_no_kinds(model) -> None:
    policy, schedule, update, pay = model
    one = dataclasses.replace(schedule, kinds=EpisodeKinds((Kind("all"),), train=(1.0,)))
    plain, kinded = evaluate(policy, schedule, update, pay), evaluate(policy, one, update, pay)
    for name in SCALARS:
        a, b = getattr(plain, name), getattr(kinded, name)
        assert (math.isnan(a) and math.isnan(b)) or a == pytest.approx(b, abs=1e-12), name


# ------------------------------------------------------------------ engines agree
@settings(max_examples=150)
@given(models(max_horizon=5, extended=True))
def test_exact_agrees_with_the_oracle_on_the_richer_model(model) -> None:
    assert_agrees(*model)


@settings(max_examples=60)
@given(models(max_horizon=4, extended=True))
def test_the_tree_evaluator_agrees_on_the_richer_payoffs(model) -> None:
    policy, schedule, update, pay = model
    if getattr(policy, "reads_kinds", False):
        return  # it needs kinds, and a controller does not read them
    schedule = dataclasses.replace(schedule, kinds=None)
    levels = len(objective_levels(update, pay.indifference))
    tree = table_controller(checked_table(policy, schedule, levels), update, pay)
    found, _ = from_tree_curves(evaluate_controller(tree, schedule, update, pay), schedule, pay)
    exact = evaluate(policy, schedule, update, pay)
    for name in SCALARS:
        a, b = getattr(found, name), getattr(exact, name)
        assert (math.isnan(a) and math.isnan(b)) or a == pytest.approx(b, abs=1e-12), name


def _spread(schedule: Schedule, pay: Payoffs) -> dict[str, float]:
    """The largest spread of each per-run quantity."""
    n = schedule.horizon
    if pay.utility == "any":
        mesa = 1.0 + n * abs(pay.v_detected)
    else:
        mesa = n * max(pay.v_deploy, abs(pay.v_overseen) + abs(pay.v_detected))
    return {
        "mesa": mesa + abs(pay.v_clean),
        "base": n,
        "harm": n,
        "p_intact": 1.0,
        "expected_updates": n,
        "p_defect": 1.0,
        "expected_first_defection": max(n - 1, 0),
    }


@settings(max_examples=50)
@given(models(max_horizon=5, extended=True))
def test_monte_carlo_agrees_on_the_richer_model(model) -> None:
    runs = 4000
    estimate = simulate(*model, runs=runs, seed=zlib.crc32(repr(model).encode()), curves=False)
    exact = evaluate(*model)
    spread = _spread(model[1], model[3])
    for name in SCALARS:
        found, se, target = (
            getattr(estimate, name),
            getattr(estimate, f"{name}_se"),
            getattr(exact, name),
        )
        if math.isnan(target) or math.isnan(found):
            assert math.isnan(target) == math.isnan(found) or exact.p_defect <= 10 / runs
            continue
        count = runs if name != "expected_first_defection" else round(estimate.p_defect * runs)
        se = 0.0 if math.isnan(se) else se
        allowed = 5.0 * se + 10.0 * spread[name] / max(count, 1) + 1e-12
        assert abs(found - target) <= allowed, (name, found, se, target)


def test_monte_carlo_with_kinds_and_curves() -> None:
    kinds = EpisodeKinds(
        (Kind("subtle", success=0.9, detect=0.3, honeypot_rate=0.1), Kind("obvious", detect=0.9)),
        train=(0.2, 0.8),
        deploy=(0.5, 0.5),
    )
    schedule = Schedule.fixed(2, 4, honeypot_rate=0.3, cue_accuracy=0.8, kinds=kinds)
    pay = Payoffs(v_clean=1.0, v_detected=-1.0, missed="through")
    policy = Memoryless({"subtle": {"train": 0.2, "deploy": 0.9}, "obvious": 0.4})
    found = simulate(policy, schedule, UpdateRule(detect=0.7, rate=0.5), pay, runs=20_000, seed=3)
    exact = evaluate(policy, schedule, UpdateRule(detect=0.7, rate=0.5), pay, curves=True)
    assert all(abs(z) < 5 for z in found.z_scores(exact).values() if not math.isnan(z))
    curve = found.curves["p_defect"]
    assert np.allclose(curve, exact.curves["p_defect"], atol=0.03)


# ------------------------------------------------------------------ the published models
def test_the_absent_minded_driver() -> None:
    driver = Schedule.fixed(1, 1, observable=False)
    exits = Payoffs(v_deploy=4, v_overseen=0, v_clean=1)
    best = optimize(driver, HardUpdate(), exits, information="memoryless")
    assert best.value == pytest.approx(4 / 3, abs=1e-12)
    (p,) = set(best.policy.as_memoryless().probabilities)
    assert p == pytest.approx(1 / 3, abs=1e-9)  # P(continue) = 2/3
    assert evaluate(Memoryless(1 / 3), driver, HardUpdate(), exits).mesa == pytest.approx(4 / 3)
    # Without the value of driving on, the best is 1 (exit at once, or at the second).
    assert (
        optimize(driver, HardUpdate(), Payoffs(v_deploy=4, v_overseen=0), "memoryless").value == 1
    )


def _turn(n: int, m: int, r_n: float, r_m: float, r_f: float) -> float:
    """Hubinger's memoryless treacherous turn: the closed form derived in the docs."""

    def value(x: float) -> float:
        return r_n + (r_m - r_n) * x**n - (r_m - r_f) * x ** (n + m)

    ends = [value(0.0), value(1.0)]
    if r_m > r_n and r_m > r_f:
        x = min(1.0, (n * (r_m - r_n) / ((n + m) * (r_m - r_f))) ** (1 / m))
        ends.append(value(x))
        if x < 1.0:  # the docs' expression for the interior optimum
            assert value(x) == pytest.approx(r_n + (r_m - r_n) * m / (n + m) * x**n)
    return max(ends)


@pytest.mark.parametrize(
    "n, m, r_n, r_m, r_f",
    [
        (1, 1, 0.0, 4.0, 1.0),  # the driver
        (3, 2, 0.0, 1.0, 0.0),
        (2, 5, -1.0, 2.0, 0.5),  # a cost for being caught
        (4, 3, 0.2, 1.0, -0.5),
        (5, 1, 0.0, 3.0, 2.5),  # never defect: r_f
        (2, 2, 1.0, 0.5, 0.2),  # defect at once: r_n
        (1, 6, 0.0, 1.0, 0.0),
    ],
)
def test_memoryless_treacherous_turn_matches_its_closed_form(n, m, r_n, r_m, r_f) -> None:
    schedule = Schedule.fixed(n, m, observable=False)
    turn = Payoffs(utility="any", v_detected=r_n / r_m, v_clean=r_f / r_m)
    solved = optimize(schedule, HardUpdate(), turn, "memoryless")
    assert r_m * solved.value == pytest.approx(_turn(n, m, r_n, r_m, r_f), abs=1e-9)
    # And the oracle agrees on the solver's policy.
    expected = brute_force(solved.policy.as_memoryless(), schedule, HardUpdate(), turn)
    assert solved.value == pytest.approx(expected["mesa"], abs=1e-12)


# ------------------------------------------------------------------ closed forms and games
@settings(max_examples=40)
@given(schedules(max_horizon=5), payoffs(extended=True))
def test_the_switch_closed_form_on_the_richer_payoffs(schedule, pay) -> None:
    starts = list(range(1, schedule.horizon + 2))
    if pay.needed > 1:
        with pytest.raises(ValueError, match="needed"):
            switch_outcomes(starts, schedule, HardUpdate(), pay)
        return
    found = switch_outcomes(starts, schedule, HardUpdate(), pay)
    for k, mesa in zip(starts, found["mesa"], strict=True):
        expected = brute_force(Threshold(k), schedule, HardUpdate(), pay)["mesa"]
        assert mesa == pytest.approx(expected, abs=1e-12)


def test_the_switch_closed_form_refuses_kinds() -> None:
    kinds = EpisodeKinds((Kind("a"),), train=(1.0,))
    with pytest.raises(ValueError, match="kinds"):
        switch_outcomes([1], Schedule.fixed(1, 1, kinds=kinds), HardUpdate(), Payoffs())


@settings(max_examples=30)
@given(schedules(max_horizon=4), payoffs(extended=True))
def test_game_safety_ignores_the_agents_values(schedule, pay) -> None:
    plain = Payoffs(v_deploy=pay.v_deploy, success=pay.success, missed=pay.missed)
    for policy in (Greedy(), Threshold(2)):
        got = outcome(policy, Oversight(schedule), pay)
        assert got["safety"] == pytest.approx(
            outcome(policy, Oversight(schedule), plain)["safety"], abs=1e-12
        )


# ------------------------------------------------------------------ refusals and bad input
@pytest.mark.parametrize(
    "make, name",
    [
        (lambda: Payoffs(needed=0, utility="any"), "needed"),
        (lambda: Payoffs(needed=2), "needed"),
        (lambda: Payoffs(needed=1.5, utility="any"), "needed"),
        (lambda: Payoffs(v_detected=float("nan")), "v_detected"),
        (lambda: Payoffs(v_clean=float("inf")), "v_clean"),
        (lambda: Payoffs(v_overseen=float("nan")), "v_overseen"),
        (lambda: Payoffs(v_deploy=-1.0), "v_deploy"),
        (lambda: Payoffs(missed="sometimes"), "missed"),
    ],
)
def test_bad_payoffs_name_the_parameter(make, name) -> None:
    with pytest.raises(ValueError, match=name):
        make()


@pytest.mark.parametrize(
    "pay, field",
    [
        (Payoffs(v_detected=-1.0), "v_detected"),
        (Payoffs(v_clean=1.0), "v_clean"),
        (Payoffs(missed="through"), "missed"),
        (Payoffs(utility="any", needed=2), "needed"),
    ],
)
def test_the_clock_setting_refuses_the_new_fields(pay, field) -> None:
    with pytest.raises(ValueError, match=f"information='clock' does not support {field}"):
        optimize(MAZE, HardUpdate(), pay, "clock")
    # A negative v_overseen is a value like any other.
    assert optimize(MAZE, HardUpdate(), Payoffs(v_overseen=-1.0), "clock").value == 3.0


@pytest.mark.parametrize("pay", [Payoffs(v_clean=1.0), Payoffs(utility="any", needed=2)])
def test_the_known_phase_setting_refuses_history_dependent_values(pay) -> None:
    field = "v_clean" if pay.v_clean else "needed"
    with pytest.raises(ValueError, match=f"does not support {field}"):
        optimize(MAZE, HardUpdate(), pay, "known_phase")
    # The memoryless solver handles them (it evaluates).
    assert optimize(MAZE, HardUpdate(), pay, "memoryless").value >= 0.0
