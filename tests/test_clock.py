"""The clock agent (information="clock"): one semantics on every path, exact at scale, bounds.

Every solver of the clock problem is checked against the reference, backward
induction over the tree of observation histories (horizons up to 7), and the
no-cue solver against an independent brute force over all plans
(``oracle_optimal.all_plan_values``, written from docs/explanation/model.md).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from oracle_optimal import all_controllers, all_plan_values, best_plan

from deception_sim import (
    HardUpdate,
    Payoffs,
    Schedule,
    UpdateRule,
    evaluate,
    objective_levels,
)
from deception_sim.exact.evaluation import from_tree_curves
from deception_sim.exact.tree import evaluate_controller
from deception_sim.montecarlo import simulate
from deception_sim.solvers import clock, clock_bounds, clock_tree, optimize
from deception_sim.strategies.controller import UNCHANGED, UPDATED
from deception_sim.testing import payoffs, schedules, update_rules

HARD_RULES = st.builds(UpdateRule, detect=st.sampled_from([0.0, 0.3, 0.7, 1.0]), rate=st.just(1.0))


def single(update: UpdateRule, pay: Payoffs) -> bool:
    """Only the original agent decides (every modified self complies for ever)."""
    return len(objective_levels(update, pay.indifference)) == 1


def one_dimensional(update: UpdateRule, pay: Payoffs) -> bool:
    return pay.utility == "count" or single(update, pay)


# ---------------------------------------------------------------- one semantics, every path
@settings(max_examples=80)
@given(schedules(max_horizon=5), update_rules(), payoffs())
def test_the_belief_solver_is_the_history_tree(schedule, update, pay) -> None:
    # Same choices as backward induction over every history: the same values, base included.
    assume(one_dimensional(update, pay))
    found = clock.belief(schedule, update, pay)
    tree = clock_tree.solve(schedule, update, pay)
    assert found.value == pytest.approx(tree.value, abs=1e-9)
    assert found.base == pytest.approx(tree.base, abs=1e-9)
    exact = evaluate(found.policy, schedule, update, pay)
    assert exact.mesa == pytest.approx(found.value, abs=1e-9)
    assert exact.base == pytest.approx(found.base, abs=1e-9)


@settings(max_examples=60)
@given(schedules(max_horizon=4), update_rules(), payoffs())
def test_every_path_gives_the_tree_answer(schedule, update, pay) -> None:
    # Whatever solver optimize() picks (known phase, probe, belief, tree), the clock
    # answer is the tree's: values, base and harm.
    solution = optimize(schedule, update, pay, "clock")
    tree = clock_tree.solve(schedule, update, pay)
    assert solution.value == pytest.approx(tree.value, abs=1e-9)
    assert solution.base == pytest.approx(tree.base, abs=1e-9)
    assert solution.gap == 0.0
    ours = evaluate(solution.policy, schedule, update, pay)
    theirs = evaluate(tree.policy, schedule, update, pay)
    assert ours.harm == pytest.approx(theirs.harm, abs=1e-9)


def test_an_any_goal_means_the_same_with_a_perfect_and_an_almost_perfect_cue() -> None:
    # The audit's case: with a perfect cue the known-phase solver valued a drifted self's
    # goal as if it were still open (0.25); the clock agent weighs it by its probability.
    update, pay = UpdateRule(drift=0.3), Payoffs(v_deploy=3.0, utility="any")
    values = [
        optimize(
            Schedule.fixed(1, 2, honeypot_rate=0.5, cue_accuracy=q), update, pay, "clock"
        ).value
        for q in (1.0, 1 - 1e-9)
    ]
    assert values[0] == pytest.approx(0.5, abs=1e-12)
    assert values[1] == pytest.approx(0.5, abs=1e-8)


@pytest.mark.parametrize("q", [1.0, 0.8, 0.5])
def test_a_met_goal_is_met_on_every_path(q: float) -> None:
    # After an unwatched defection (success 1) the goal is surely met: the agent complies.
    schedule = Schedule.fixed(0, 2, honeypot_rate=0.3, continue_prob=0.9, cue_accuracy=q)
    solution = optimize(schedule, HardUpdate(), Payoffs(utility="any"), "clock")
    result = evaluate(solution.policy, schedule, HardUpdate(), Payoffs(utility="any"))
    assert solution.base == pytest.approx(0.90, abs=1e-12)
    assert result.base == pytest.approx(0.90, abs=1e-12)
    assert result.harm == pytest.approx(0.70, abs=1e-12)


# ---------------------------------------------------------------- no cue: exact at any horizon
@settings(max_examples=40)
@given(
    st.integers(1, 10),
    st.data(),
    st.sampled_from([0.0, 0.2, 0.6, 0.9, 1.0]),
    payoffs(),
)
def test_no_cue_is_the_best_of_all_plans(n, data, detect, pay) -> None:
    weights = data.draw(st.lists(st.integers(0, 5), min_size=n + 1, max_size=n + 1))
    assume(sum(weights) > 0)
    honeypot = data.draw(st.sampled_from([0.0, 0.1, 0.5]))
    continuation = data.draw(st.sampled_from([1.0, 0.8]))
    pmf = np.array(weights, dtype=float) / sum(weights)
    schedule = Schedule.random_boundary(
        n, pmf, observable=False, honeypot_rate=honeypot, continue_prob=continuation
    )
    update = UpdateRule(detect=detect)
    solution = optimize(schedule, update, pay, "clock")
    assert solution.value == pytest.approx(all_plan_values(schedule, update, pay).max(), abs=1e-9)
    assert evaluate(solution.policy, schedule, update, pay).mesa == pytest.approx(
        solution.value, abs=1e-9
    )
    # An agent that sees no cue plays a plan: a table that does not read the cue.
    assert solution.policy.table is not None or pay.utility == "any"
    assert not solution.policy.metadata["cue"]


@pytest.mark.parametrize(
    ("detect", "pay"),
    [(0.6, Payoffs()), (0.3, Payoffs(v_overseen=0.5, success=0.7, discount=0.95))],
)
def test_fourteen_episodes_against_all_16384_plans(detect, pay) -> None:
    pmf = np.array([0, 1, 3, 2, 5, 1, 4, 2, 1, 3, 0, 2, 1, 1, 0], dtype=float)
    schedule = Schedule.random_boundary(14, pmf / pmf.sum(), honeypot_rate=0.1, observable=False)
    solution = optimize(schedule, UpdateRule(detect=detect), pay, "clock")
    best = all_plan_values(schedule, UpdateRule(detect=detect), pay).max()
    assert solution.value == pytest.approx(best, abs=1e-9)


def test_the_issue_case_is_solved_not_refused() -> None:
    # A uniform boundary over 8 episodes, no cue, detect 0.6: 256 plans.
    schedule = Schedule.random_boundary(8, np.full(9, 1 / 9), observable=False)
    solution = optimize(schedule, UpdateRule(detect=0.6), information="clock")
    value, plan = best_plan(schedule, UpdateRule(detect=0.6), Payoffs())
    assert solution.value == pytest.approx(value, abs=1e-12)
    assert solution.policy.rule() == plan
    assert solution.exact


def test_a_no_cue_plan_says_it_reads_no_cue() -> None:
    schedule = Schedule.random_boundary(6, [0.1, 0.3, 0.2, 0.2, 0.1, 0.1, 0.0], observable=False)
    solution = optimize(schedule, UpdateRule(detect=0.4), information="clock")
    assert solution.policy.rule() == "BAAAAA"
    meta = solution.policy.metadata
    assert not meta["cue"] and meta["clock"] and not meta["memory"]


def test_the_probe_closed_form_is_the_belief_solution() -> None:
    for pmf in ([0, 1 / 3, 1 / 3, 1 / 3, 0, 0], [0.1, 0.2, 0.3, 0.2, 0.1, 0.1]):
        for pay in (Payoffs(), Payoffs(v_overseen=0.2, success=0.5, discount=0.9)):
            schedule = Schedule.random_boundary(5, pmf, observable=False, honeypot_rate=0.2)
            probe = clock._probe(schedule, HardUpdate(), pay)
            found = clock.belief(schedule, HardUpdate(), pay)
            assert probe.value == pytest.approx(found.value, abs=1e-12)
            assert probe.base == pytest.approx(found.base, abs=1e-12)


def test_probing_by_hand() -> None:
    # T uniform on 1..3 in a horizon of 5, no cue: probing in episode 3 is caught when
    # T = 3 (1 apple) and otherwise finds deployment (3 apples): 7/3 > 2 (waiting to 4).
    hidden = Schedule.random_boundary(5, [0, 1 / 3, 1 / 3, 1 / 3, 0, 0], observable=False)
    solution = optimize(hidden, information="clock")
    assert solution.diagnostics["probe_episode"] == 3
    assert solution.policy.rule() == "BBAAA"
    assert solution.value == pytest.approx(7 / 3, abs=1e-12)


def test_modified_selves_read_when_they_were_modified() -> None:
    # rate 0.5, v_deploy 3: a once-modified self still decides, and when it was modified
    # tells it about the phase; the solution is a graph of histories, not a plan per level.
    schedule = Schedule.random_boundary(
        6, [0.1, 0.2, 0.1, 0.2, 0.2, 0.1, 0.1], observable=False, honeypot_rate=0.2
    )
    update, pay = UpdateRule(detect=0.6, rate=0.5, drift=0.1), Payoffs(v_deploy=3, discount=0.9)
    solution = optimize(schedule, update, pay, "clock")
    tree = clock_tree.solve(schedule, update, pay)
    assert solution.value == pytest.approx(tree.value, abs=1e-12)
    meta = solution.policy.metadata
    assert meta["memory"] and not meta["cue"]
    assert "when its objective moved" in solution.policy.rule()


# ---------------------------------------------------------------- noisy cues
def test_the_clock_optimum_with_a_noisy_cue_reads_past_cues() -> None:
    # Training lasts 0 or 3 episodes of 5; the cue is right 80% of the time. Three
    # "deploy" cues in a row say more than one: the agent that remembers them gets 3.18,
    # the best that reads only the clock and the current cue 3.
    schedule = Schedule.random_boundary(5, [0.5, 0, 0, 0.5, 0, 0], cue_accuracy=0.8)
    solution = optimize(schedule, information="clock")
    assert solution.policy.metadata["memory"] and solution.policy.metadata["cue"]
    with pytest.raises(ValueError, match="history"):
        solution.policy.decision_table(schedule)
    exact = evaluate(solution.policy, schedule)
    assert exact.mesa == pytest.approx(solution.value, abs=1e-12)
    mc = simulate(solution.policy, schedule, runs=50_000, seed=5)
    assert abs(mc.mesa - exact.mesa) < 5 * mc.mesa_se
    assert solution.value == pytest.approx(3.18, abs=1e-12)


def evaluate_controller_totals(tree, schedule, update, pay) -> float:
    curves = evaluate_controller(tree, schedule, update, pay)
    return from_tree_curves(curves, schedule, pay)[0].mesa


@settings(max_examples=15)
@given(schedules(max_horizon=2), HARD_RULES, payoffs(), st.sampled_from([0.6, 0.8, 0.95]))
def test_clock_with_a_noisy_cue_is_the_best_of_all_histories(schedule, update, pay, cue) -> None:
    # Every deterministic policy of a two-episode agent that remembers its cues and
    # whether it was modified: the solver must find the best.
    schedule = dataclasses.replace(schedule, cue_accuracy=cue)
    outcomes = {0: (UNCHANGED,), 1: (UNCHANGED, UPDATED)}
    best = max(
        evaluate_controller_totals(tree, schedule, update, pay)
        for tree in all_controllers(schedule.horizon, outcomes)
    )
    solution = optimize(schedule, update, pay, "clock")
    assert solution.value == pytest.approx(best, abs=1e-9)


@settings(max_examples=40)
@given(schedules(max_horizon=6, min_horizon=3), HARD_RULES, payoffs(), st.floats(0.55, 0.97))
def test_the_bounds_hold_the_exact_optimum(schedule, update, pay, cue) -> None:
    # Lower <= tree optimum <= upper, and the lower bound is the policy's exact value.
    schedule = dataclasses.replace(schedule, cue_accuracy=cue)
    bounds = clock_bounds.solve(schedule, update, pay, points=41)
    tree = clock_tree.solve(schedule, update, pay)
    assert bounds.value <= tree.value + 1e-9
    assert tree.value <= bounds.upper + 1e-9
    exact = evaluate(bounds.policy, schedule, update, pay)
    assert exact.mesa == pytest.approx(bounds.value, abs=1e-12)


def test_long_noisy_horizons_get_certified_bounds() -> None:
    schedule = Schedule.random_boundary(40, np.full(41, 1 / 41), cue_accuracy=0.8)
    solution = optimize(schedule, UpdateRule(detect=0.6), information="clock")
    assert 0.0 < solution.gap < 1e-3 * solution.value
    assert solution.upper == solution.value + solution.gap and not solution.exact
    assert solution.diagnostics["grid"] == clock_bounds.GRID
    exact = evaluate(solution.policy, schedule, UpdateRule(detect=0.6))
    assert exact.mesa == pytest.approx(solution.value, abs=1e-12)


def test_every_other_solver_is_exact() -> None:
    for information in ("known_phase", "clock", "memoryless"):
        solution = optimize(Schedule.fixed(2, 3), information=information)
        assert solution.upper == solution.value and solution.gap == 0.0


# ---------------------------------------------------------------- metadata and refusals
@settings(max_examples=60)
@given(schedules(max_horizon=4), update_rules(), payoffs())
def test_metadata_of_solved_clock_policies_is_true(schedule, update, pay) -> None:
    policy = optimize(schedule, update, pay, "clock").policy
    meta = policy.metadata
    tree = policy.controller(schedule, update, pay)
    if tree is None:  # a table: no memory; it reads the cue exactly when its columns differ
        table = policy.decision_table(schedule)
        assert not meta["memory"]
        assert meta["cue"] == bool((table[..., 0] != table[..., 1]).any())
        assert meta["clock"] == bool((table != table[..., :1, :]).any())
    else:
        assert meta["memory"]
        reads = (tree.action[:, 0] != tree.action[:, 1]).any() or (
            tree.child[:, 0] != tree.child[:, 1]
        ).any()
        assert meta["cue"] == bool(reads)
    if schedule.cue_accuracy == 0.5:
        assert not meta["cue"]
    assert meta["solver"] and not meta["stochastic"]


def test_what_is_left_is_refused_with_the_reason() -> None:
    schedule = Schedule.fixed(5, 5, cue_accuracy=0.8)
    with pytest.raises(ValueError, match="utility='any'"):
        optimize(schedule, UpdateRule(rate=0.5), Payoffs(v_deploy=3.0, utility="any"), "clock")
    assert clock.supported(schedule, UpdateRule(rate=0.5), Payoffs(v_deploy=3.0, utility="any"))
    assert clock.supported(schedule, UpdateRule(rate=0.5)) is None


def test_deciding_selves_past_the_cap_are_refused(monkeypatch) -> None:
    from deception_sim.solvers import clock_belief

    monkeypatch.setattr(clock_belief, "MAX_PIECES", 3)
    schedule = Schedule.random_boundary(8, np.full(9, 1 / 9), cue_accuracy=0.8)
    with pytest.raises(ValueError, match="no optimum to bound"):
        optimize(schedule, UpdateRule(rate=0.5), Payoffs(v_deploy=3.0), "clock")
