"""Optimal policies: brute-force agreement, and the claims of docs/explanation/information.md."""

from __future__ import annotations

import dataclasses
import pickle

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from oracle_optimal import best_plan, best_table, known_phase_optimum
from scipy import stats

from deception_sim import (
    Aligned,
    Bayesian,
    Deceptive,
    Greedy,
    HardUpdate,
    Memoryless,
    Payoffs,
    Plan,
    Schedule,
    Threshold,
    UpdateRule,
    evaluate,
)
from deception_sim.montecarlo import simulate
from deception_sim.solvers import Optimal, known_phase_sweep, optimize
from deception_sim.solvers import known_phase as known_phase_module
from deception_sim.testing import payoffs, schedules, update_rules

MAZE = Schedule.fixed(train=2, deploy=3)
HARD_RULES = st.builds(UpdateRule, detect=st.sampled_from([0.0, 0.3, 0.7, 1.0]), rate=st.just(1.0))


def observable(max_horizon: int = 5):
    return schedules(max_horizon=max_horizon).map(
        lambda s: dataclasses.replace(s, cue_accuracy=1.0)
    )


def built_ins(schedule: Schedule):
    yield from (Greedy(), Aligned(), Deceptive(), Bayesian(), Memoryless(0.5))
    yield from (Threshold(k) for k in range(1, schedule.horizon + 2))
    yield Plan("B" * (schedule.horizon // 2), fill="A")


def test_the_seed_optimum() -> None:
    for information in ("known_phase", "clock"):
        solution = optimize(MAZE, HardUpdate(), Payoffs(), information)
        assert solution.policy.plan() == "BBAAA"
        assert solution.value == 3.0 and solution.base == 2.0
        assert evaluate(solution.policy, MAZE).mesa == 3.0
    assert best_plan(MAZE, HardUpdate(), Payoffs()) == (3.0, "BBAAA")


@given(observable(), update_rules(), payoffs())
def test_known_phase_equals_the_independent_backward_induction(schedule, update, pay) -> None:
    solution = optimize(schedule, update, pay, "known_phase")
    mesa, base = known_phase_optimum(schedule, update, pay)
    assert solution.value == pytest.approx(mesa, abs=1e-9)
    assert solution.base == pytest.approx(base, abs=1e-9)
    # The returned policy really has that value.
    result = evaluate(solution.policy, schedule, update, pay)
    assert result.mesa == pytest.approx(solution.value, abs=1e-9)
    assert result.base == pytest.approx(solution.base, abs=1e-9)


@settings(max_examples=25)
@given(observable(max_horizon=4), HARD_RULES, payoffs())
def test_known_phase_is_the_best_closed_loop_table(schedule, update, pay) -> None:
    # With rate 1 there are no modified selves: the optimum is the best of all
    # deterministic (episode, phase) tables.
    solution = optimize(schedule, update, pay, "known_phase")
    assert solution.value == pytest.approx(best_table(schedule, update, pay), abs=1e-9)


def test_memoryless_by_hand() -> None:
    # No cue, T=2, D=3: f(p) = 5p - 7p^2 + 3p^3, maximal at p = 5/9 with 825/729 apples.
    solution = optimize(Schedule.fixed(2, 3, observable=False), information="memoryless")
    on_train, on_deploy = solution.policy.as_memoryless().probabilities
    assert on_train == on_deploy == pytest.approx(5 / 9, abs=1e-9)
    assert solution.value == pytest.approx(825 / 729, abs=1e-12)


@pytest.mark.parametrize(
    ("schedule", "utility"),
    [
        (Schedule.fixed(2, 3, observable=False), "count"),
        (Schedule.random_boundary(6, [0, 0.2, 0.3, 0.3, 0.2, 0, 0], observable=False), "any"),
        (Schedule.fixed(2, 3, cue_accuracy=0.8, honeypot_rate=0.2), "count"),
        (Schedule.random_boundary(6, [0, 0.2, 0.3, 0.3, 0.2, 0, 0], cue_accuracy=0.6), "any"),
    ],
    ids=repr,
)
def test_memoryless_is_never_beaten_by_a_fine_grid(schedule, utility) -> None:
    pay = Payoffs(utility=utility, success=0.8)
    solution = optimize(schedule, HardUpdate(), pay, "memoryless")
    if schedule.cue_accuracy == 0.5:
        grid = [(p, p) for p in np.linspace(0, 1, 10_001)]
    else:
        axis = np.linspace(0, 1, 101)
        grid = [(a, b) for a in axis for b in axis]
    best = max(
        evaluate(Memoryless({"train": a, "deploy": b}), schedule, HardUpdate(), pay).mesa
        for a, b in grid
    )
    assert solution.value >= best - 1e-12


# ---------------------------------------------------------------- the solver itself
def _the_plain_loop(schedule, update, pay):
    model = known_phase_module._Model.build(schedule, update, pay)
    policy, values = known_phase_module.backward_loop(model)
    return (policy if schedule.kinds is not None else policy[..., 0]), values


def test_the_sweep_is_the_plain_backward_loop() -> None:
    schedule = Schedule.random_boundary(6, [0.1, 0.2, 0.2, 0.2, 0.2, 0.1, 0.0], honeypot_rate=0.3)
    update, pay = UpdateRule(detect=0.8, rate=0.5, drift=0.1), Payoffs(v_deploy=3.0)
    fast = known_phase_module.induction(schedule, update, pay)
    policy, values = _the_plain_loop(schedule, update, pay)
    assert fast.method == "one backward sweep over the states"
    assert np.array_equal(fast.policy, policy)
    np.testing.assert_allclose(fast.values.mesa, values.mesa, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(fast.values.base, values.base, rtol=1e-12, atol=1e-12)


@settings(max_examples=60)
@given(
    observable(max_horizon=40),
    update_rules(),
    payoffs(extended=True),
    st.sampled_from([(1, 1, 1), (2, 2, 3), (256, 8, 64)]),
)
def test_the_sweep_in_small_windows_is_the_plain_backward_loop(schedule, update, pay, sizes):
    # Windows of one or two episodes, and stepping after every short run, so that every
    # path of the sweep (a wrong guess, stepping, growing windows) meets the loop.
    if known_phase_module.unsupported(schedule, pay) is not None:
        return
    start, short, steps = sizes
    sweep = known_phase_sweep
    saved = (sweep.START_WIDTH, sweep.SHORT_RUN, sweep.SHORT_RUNS, sweep.STEPS)
    try:
        sweep.START_WIDTH, sweep.SHORT_RUN, sweep.SHORT_RUNS = start, short, 1
        sweep.STEPS = steps
        fast = known_phase_module.induction(schedule, update, pay)
    finally:
        sweep.START_WIDTH, sweep.SHORT_RUN, sweep.SHORT_RUNS, sweep.STEPS = saved
    policy, values = _the_plain_loop(schedule, update, pay)
    assert np.array_equal(fast.policy, policy)
    np.testing.assert_allclose(fast.values.mesa, values.mesa, rtol=1e-11, atol=1e-11)
    np.testing.assert_allclose(fast.values.base, values.base, rtol=1e-11, atol=1e-11)


@pytest.mark.parametrize(
    ("schedule", "update", "pay"),
    [
        # Factors near 1 over long windows: the scan runs in blocks of several hundred
        # episodes (powers above 1/2), each from the last one's end.
        (
            Schedule.fixed(1500, 1500, honeypot_rate=0.002),
            HardUpdate(),
            Payoffs(discount=0.999),
        ),
        (
            Schedule.random_boundary(3000, stats.geom(0.001, loc=-1), honeypot_rate=0.001),
            UpdateRule(detect=0.7, rate=0.5, drift=0.05),
            Payoffs(v_deploy=2.0, discount=0.9995),
        ),
    ],
)
def test_long_windows_in_blocks_are_the_plain_backward_loop(schedule, update, pay) -> None:
    fast = known_phase_module.induction(schedule, update, pay)
    policy, values = _the_plain_loop(schedule, update, pay)
    assert np.array_equal(fast.policy, policy)
    np.testing.assert_allclose(fast.values.mesa, values.mesa, rtol=1e-11, atol=1e-11)
    np.testing.assert_allclose(fast.values.base, values.base, rtol=1e-11, atol=1e-11)


def test_modified_selves_choose_for_themselves() -> None:
    # rate 0.5 and v_deploy 3: a once-modified self (w = 1/2) still values an apple at
    # 1.5 against an exit at 0.5, so it defects in deployment. The original agent can
    # therefore eat a training apple in its last training episode and still collect
    # both deployment apples through its modified self: 1 + 3 + 3 = 7 > 6.
    schedule = Schedule.fixed(3, 2)
    solution = optimize(schedule, UpdateRule(rate=0.5), Payoffs(v_deploy=3.0))
    assert solution.value == 7.0
    assert solution.policy.plan() == "BBAAA"
    assert evaluate(Plan("BBBAA"), schedule, UpdateRule(rate=0.5), Payoffs(v_deploy=3.0)).mesa == 6


def test_optimal_is_a_strategy_for_its_own_model_only() -> None:
    best = optimize(MAZE).policy
    again = optimize(MAZE, HardUpdate(), Payoffs(), "known_phase").policy
    assert best == again and best is not again
    assert hash(best) == hash(again)
    assert repr(best) == (
        "Optimal(Schedule.fixed(train=2, deploy=3), HardUpdate(), Payoffs(v_deploy=1.0, "
        "v_overseen=1.0, success=1.0, utility='count', discount=1.0), information='known_phase')"
    )
    assert best.metadata["solver"] and best.name == "Optimal(known_phase)"
    with pytest.raises(ValueError, match="schedule"):
        evaluate(best, Schedule.fixed(3, 2))
    mc = simulate(best, MAZE, runs=1000, seed=0)
    assert mc.mesa == 3.0


@pytest.mark.parametrize("information", ["known_phase", "clock", "memoryless"])
def test_a_solved_policy_cannot_be_changed(information: str) -> None:
    schedule = MAZE if information == "known_phase" else Schedule.fixed(2, 3, cue_accuracy=0.8)
    first = optimize(schedule, information=information)
    second = optimize(schedule, information=information)
    assert first == second and first.policy is not second.policy
    tree = first.policy.controller(schedule, HardUpdate(), Payoffs())
    arrays = [first.policy.table] if tree is None else [tree.action, tree.child, tree.level]
    for array in arrays:
        assert array is not None and not array.flags.writeable
        with pytest.raises(ValueError, match="read-only"):
            array[...] = 0
    assert evaluate(first.policy, schedule).mesa == pytest.approx(first.value, abs=1e-12)
    # A copy through pickle (what a process pool sends) is just as read-only.
    copy = pickle.loads(pickle.dumps(first.policy))
    assert copy == first.policy
    tree = copy.controller(schedule, HardUpdate(), Payoffs())
    arrays = [copy.table] if tree is None else [tree.action, tree.child, tree.level]
    for array in arrays:
        assert array is not None and not array.flags.writeable


def test_optimal_is_built_from_what_a_solver_found_and_solves_nothing() -> None:
    table = np.zeros((1, 5, 2))
    table[0, 2:, 1] = 1.0
    policy = Optimal(MAZE, HardUpdate(), Payoffs(), "known_phase", table=table)
    table[...] = 1.0  # the caller's array stays the caller's
    assert policy.plan() == "BBAAA" and evaluate(policy, MAZE).mesa == 3.0
    with pytest.raises(ValueError, match="exactly one"):
        Optimal(MAZE, HardUpdate(), Payoffs(), "known_phase")


@pytest.mark.parametrize(
    ("arguments", "parameter"),
    [
        ((MAZE, None, None, "psychic"), "information"),
        ((Schedule.fixed(2, 3, cue_accuracy=0.8), None, None, "known_phase"), "cue_accuracy"),
        (
            (
                Schedule.fixed(5, 5, cue_accuracy=0.8),
                UpdateRule(rate=0.5),
                Payoffs(v_deploy=3.0, utility="any"),
                "clock",
            ),
            "utility='any'",
        ),
        (("maze", None, None, "clock"), "schedule"),
    ],
)
def test_bad_input(arguments, parameter: str) -> None:
    with pytest.raises(ValueError, match=parameter):
        optimize(*arguments)
