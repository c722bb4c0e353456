"""Overseer-versus-agent games: the solvers against nashpy, their properties, the model's games.

* ``solve_zero_sum`` equals nashpy's linear program and support enumeration,
  and is a saddle point (each strategy a best response to the other within
  1e-9), on hand-checked and random matrices;
* ``solve_stackelberg`` gives the leader at least what any Nash equilibrium
  gives it (equilibria listed by nashpy), and its response is a best response;
* the games from the model: closed forms against exact evaluation, the hand
  checks of docs/explanation/games.md, the continuous best responses;
* bad input and the ``game`` command.
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from functools import partial

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from deception_sim import (
    Aligned,
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
from deception_sim.cli import main
from deception_sim.games import (
    BestResponse,
    Game,
    OverseerPayoffs,
    Oversight,
    all_plans,
    audit_game,
    audit_plans,
    best_oversight,
    best_response,
    defection_starts,
    design_curve,
    deterrence_rate,
    first_audits,
    honeypot_game,
    honeypot_rates,
    memoryless_rates,
    outcome,
    pure_commitment,
    random_audits,
    safety_frontier,
    solve_stackelberg,
    solve_zero_sum,
    threshold_outcomes,
    training_length_game,
    training_lengths,
    zero_sum_form,
)
from deception_sim.solvers import optimize
from deception_sim.testing import payoffs, schedules

nash = pytest.importorskip("nashpy")

TOL = 1e-9
ENTRIES = st.floats(min_value=-10, max_value=10, allow_nan=False, width=64)
SMALL = st.tuples(st.integers(1, 5), st.integers(1, 5))


def matrices(entries=ENTRIES, shapes=SMALL):
    return shapes.flatmap(lambda shape: arrays(np.float64, shape, elements=entries))


def integer_matrices(shapes=SMALL):
    return matrices(st.integers(-3, 3).map(float), shapes)


def scale(*ms: np.ndarray) -> float:
    return max(1.0, *(float(np.abs(m).max()) for m in ms))


def assert_saddle(a: np.ndarray, solution) -> None:
    x, y, v = solution.row_strategy, solution.column_strategy, solution.value
    tol = TOL  # absolute: the entries here are at most 10 in size
    for p in (x, y):
        assert (p >= 0).all() and abs(p.sum() - 1.0) < 1e-12
    assert (a @ y).max() <= v + tol  # no row does better against y
    assert (x @ a).min() >= v - tol  # no column does better against x
    assert solution.gap <= tol
    # The value lies between the pure-strategy bounds.
    assert a.min(axis=1).max() - tol <= v <= a.max(axis=0).min() + tol


def nash_equilibria(a: np.ndarray, b: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """Equilibria of a bimatrix game from nashpy's support and vertex enumeration."""
    # Vertex enumeration needs positive payoffs; adding a constant changes no equilibrium.
    game = nash.Game(a - a.min() + 1.0, b - b.min() + 1.0)
    found = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # nashpy warns about degenerate games
        found.extend(game.support_enumeration())
        if min(a.shape) > 1:  # qhull needs two dimensions
            found.extend(game.vertex_enumeration())
    return found


def is_nash(a: np.ndarray, b: np.ndarray, x: np.ndarray, y: np.ndarray, tol: float) -> bool:
    return bool(
        np.isfinite(x).all() and np.isfinite(y).all()
        and (x >= -tol).all() and (y >= -tol).all()
        and abs(x.sum() - 1) < 1e-6 and abs(y.sum() - 1) < 1e-6
        and (a @ y).max() <= x @ a @ y + tol and (x @ b).max() <= x @ b @ y + tol
    )


# ---------------------------------------------------------------------------- zero-sum


HAND_CHECKED = [
    # matrix, value, row strategy, column strategy (unique equilibria)
    ([[1, -1], [-1, 1]], 0.0, [0.5, 0.5], [0.5, 0.5]),
    ([[3, 1], [0, 2]], 1.5, [0.5, 0.5], [0.25, 0.75]),
    ([[0, -1, 1], [1, 0, -1], [-1, 1, 0]], 0.0, [1 / 3] * 3, [1 / 3] * 3),  # rock-paper-scissors
    ([[4, 2], [3, 1]], 2.0, [1.0, 0.0], [0.0, 1.0]),  # a saddle point
    ([[2, -1, 0.5]], -1.0, [1.0], [0.0, 1.0, 0.0]),  # one row: the column player picks
]


@pytest.mark.parametrize(("matrix", "value", "rows", "columns"), HAND_CHECKED)
def test_zero_sum_hand_checked_cases_and_nashpy(matrix, value, rows, columns) -> None:
    a = np.array(matrix, dtype=float)
    solution = solve_zero_sum(a)
    assert solution.value == pytest.approx(value, abs=1e-12)
    np.testing.assert_allclose(solution.row_strategy, rows, atol=1e-12)
    np.testing.assert_allclose(solution.column_strategy, columns, atol=1e-12)
    assert_saddle(a, solution)
    theirs_x, theirs_y = nash.Game(a).linear_program()
    np.testing.assert_allclose(solution.row_strategy, theirs_x, atol=1e-7)
    np.testing.assert_allclose(solution.column_strategy, theirs_y, atol=1e-7)


@given(matrices())
def test_zero_sum_is_a_saddle_point_and_equals_nashpy(a) -> None:
    solution = solve_zero_sum(a)
    assert_saddle(a, solution)
    x, y = nash.Game(a).linear_program()
    x, y = np.clip(x, 0, None), np.clip(y, 0, None)
    theirs = (x / x.sum()) @ a @ (y / y.sum())
    assert solution.value == pytest.approx(theirs, abs=1e-7 * scale(a))


@given(integer_matrices())
def test_zero_sum_on_degenerate_integer_games(a) -> None:
    assert_saddle(a, solve_zero_sum(a))


@given(matrices(shapes=st.tuples(st.integers(1, 4), st.integers(1, 4))))
def test_zero_sum_value_equals_support_enumeration(a) -> None:
    values = [x @ a @ y for x, y in nash_equilibria(a, -a) if is_nash(a, -a, x, y, 1e-7)]
    value = solve_zero_sum(a).value
    # Every equilibrium of a zero-sum game has the same value.
    for theirs in values:
        assert value == pytest.approx(theirs, abs=1e-7 * scale(a))


@given(matrices(), st.floats(-5, 5), st.floats(0.1, 10))
def test_zero_sum_is_invariant_to_shift_and_scale(a, shift, factor) -> None:
    plain, moved = solve_zero_sum(a), solve_zero_sum(factor * a + shift)
    assert moved.value == pytest.approx(factor * plain.value + shift, abs=1e-8 * scale(a) * 20)


# ---------------------------------------------------------------------------- Stackelberg


def test_stackelberg_hand_checked() -> None:
    leader, follower = np.array([[2.0, 4.0], [1.0, 3.0]]), np.array([[1.0, 0.0], [0.0, 1.0]])
    s = solve_stackelberg(leader, follower)
    assert s.leader_value == pytest.approx(3.5)
    assert s.follower_response == 1 and s.follower_value == pytest.approx(0.5)
    np.testing.assert_allclose(s.leader_strategy, [0.5, 0.5], atol=1e-12)
    # Column 0 can give the leader at most 2 < 3.5: never solved for.
    assert np.isnan(s.induced[0]) and s.induced[1] == pytest.approx(3.5)
    assert pure_commitment(leader, follower) == (3.0, 1, 1)
    # The only Nash equilibrium gives the leader 2: committing is worth 1.5.
    values = {round(float(x @ leader @ y), 9) for x, y in nash_equilibria(leader, follower)}
    assert values == {2.0}


@settings(max_examples=40)
@given(SMALL.flatmap(lambda shape: st.tuples(
    arrays(np.float64, shape, elements=ENTRIES), arrays(np.float64, shape, elements=ENTRIES)
)))
def test_stackelberg_beats_every_nash_equilibrium_for_the_leader(pair) -> None:
    leader, follower = pair
    s = solve_stackelberg(leader, follower)
    tol = 1e-7 * scale(leader, follower)
    x, j = s.leader_strategy, s.follower_response
    assert (x >= 0).all() and abs(x.sum() - 1) < 1e-12
    # The response is a best response to the commitment, and it pays what it says.
    assert (x @ follower).max() <= x @ follower[:, j] + tol
    assert s.leader_value == pytest.approx(x @ leader[:, j], abs=tol)
    assert s.leader_value >= pure_commitment(leader, follower)[0] - tol
    for xn, yn in nash_equilibria(leader, follower):
        if is_nash(leader, follower, xn, yn, 1e-7):
            assert s.leader_value >= xn @ leader @ yn - tol


@given(matrices(shapes=st.tuples(st.integers(1, 4), st.integers(1, 4))))
def test_stackelberg_equals_the_value_in_zero_sum_games(a) -> None:
    assert solve_stackelberg(a, -a).leader_value == pytest.approx(
        solve_zero_sum(a).value, abs=1e-7 * scale(a)
    )


@given(integer_matrices(), st.lists(st.floats(-3, 3), min_size=5, max_size=5),
       st.lists(st.floats(-3, 3), min_size=5, max_size=5))
def test_zero_sum_form_finds_games_that_are_zero_sum_up_to_own_costs(a, f, g) -> None:
    rows, cols = a.shape
    f, g = np.array(f[:rows]), np.array(g[:cols])
    b = -a + f[:, None] + g[None, :]
    z = zero_sum_form(a, b)
    assert z is not None
    # The same equilibria: z's optimal strategies are an equilibrium of (a, b).
    s = solve_zero_sum(z)
    assert is_nash(a, b, s.row_strategy, s.column_strategy, 1e-7 * scale(a, b))


def test_zero_sum_form_rejects_general_sum_games() -> None:
    assert zero_sum_form([[1, 0], [0, 1]], [[1, 0], [0, 1]]) is None


# ---------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("matrix", "message"),
    [
        ([], "matrix must be two-dimensional"),
        ([[]], "at least one row and one column"),
        ([1.0, 2.0], "two-dimensional"),
        ([[1.0, math.nan]], "finite"),
        ([[1.0, math.inf]], "finite"),
        ([["a", "b"]], "array of numbers"),
    ],
)
def test_solve_zero_sum_rejects_bad_matrices(matrix, message) -> None:
    with pytest.raises(ValueError, match=message):
        solve_zero_sum(matrix)


def test_stackelberg_rejects_mismatched_and_bad_matrices() -> None:
    with pytest.raises(ValueError, match="same shape"):
        solve_stackelberg([[1, 2]], [[1], [2]])
    with pytest.raises(ValueError, match="follower_payoffs must contain only finite"):
        solve_stackelberg([[1.0]], [[math.nan]])
    with pytest.raises(ValueError, match="leader_payoffs must have at least one row"):
        solve_stackelberg(np.zeros((0, 2)), np.zeros((0, 2)))
    with pytest.raises(ValueError, match="same shape"):
        pure_commitment([[1, 2]], [[1, 2, 3]])
    with pytest.raises(ValueError, match="same shape"):
        zero_sum_form([[1, 2]], [[1], [2]])


def test_model_options_reject_bad_input() -> None:
    maze = Schedule.fixed(2, 3)
    cases = [
        (lambda: Oversight("T=2"), "schedule must be a Schedule"),
        (lambda: Oversight(maze, update="hard"), "update must be an UpdateRule"),
        (lambda: OverseerPayoffs("win"), "objective must be one of"),
        (lambda: OverseerPayoffs(oversight_cost=-1), "oversight_cost must be a number in"),
        (lambda: OverseerPayoffs(deployed_value=math.nan), "deployed_value"),
        (lambda: BestResponse("psychic"), "information must be one of"),
        (lambda: training_lengths(4, [5]), "lengths must be at most 4"),
        (lambda: training_lengths(4, [3], min_deploy_share=0.5), "lengths must be at most 2"),
        (lambda: training_lengths(4, []), "at least one training length"),
        (lambda: training_lengths(-1), "horizon must be an integer >= 0"),
        (lambda: honeypot_rates(2, 3, [1.5]), "rates must be a number in"),
        (lambda: honeypot_rates(2, 3, []), "at least one probability"),
        (lambda: audit_plans(0, 3, 4), "audits must be at most deploy"),
        (lambda: audit_plans(0, 3, 1, placements="middle"), "placements must be"),
        (lambda: audit_plans(0, 3, 1, placements=[[4]]), "placements must be sets of 1"),
        (lambda: audit_plans(0, 3, 2, placements=[[1]]), "placements must be sets of 2"),
        (lambda: audit_plans(0, 40, 20), "would list C"),
        (lambda: defection_starts(3, first=5), "first must be at most"),
        (lambda: memoryless_rates([]), "at least one probability"),
        (lambda: all_plans(13), "at most 12"),
        (lambda: training_length_game(3, oversight_cost=0), "trivial"),
        (lambda: training_length_game(3, oversight_cost=-1), "oversight_cost"),
        (lambda: honeypot_game(2, 3, oversight_cost=0), "trivial"),
        (lambda: audit_game(0, 3, 3), "audits must be below deploy"),
        (lambda: Game((), (Greedy(),)), "overseer must list"),
        (lambda: Game(training_lengths(3), []), "agent must list"),
        (lambda: Game([maze], [Greedy()]), "Oversight objects"),
        (lambda: Game(training_lengths(3), ["greedy"]), "strategies or BestResponse"),
        (lambda: Game(training_lengths(3), [Greedy(), Greedy()]), "distinct labels"),
        (lambda: Game(training_lengths(3), [Greedy()], payoffs="count"), "payoffs must be"),
        (lambda: Game(training_lengths(3), [Greedy()], overseer_payoffs=0), "overseer_payoffs"),
        (lambda: deterrence_rate("T=2"), "schedule must be a Schedule"),
        (lambda: best_response(maze), "oversight must be an Oversight"),
        (lambda: best_oversight(partial(first_audits, 0, 3), (1, 0)), "low <= high"),
        (lambda: best_oversight(partial(first_audits, 0, 3), 1), "bounds must be a pair"),
        (lambda: best_oversight("audits"), "design must be a function"),
        (lambda: best_oversight(lambda x: maze), "design must return an Oversight"),
        (lambda: safety_frontier(partial(first_audits, 0, 3), []), "at least one price"),
        (lambda: first_audits(0, 3, 1.5), "fraction must be a number in"),
        (lambda: threshold_outcomes([1], Oversight(maze, UpdateRule(detect=0.5)), Payoffs()),
         "hard update"),
    ]
    for build, message in cases:
        with pytest.raises(ValueError, match=message):
            build()


def test_solve_rejects_unknown_and_impossible_concepts() -> None:
    game = training_length_game(3, oversight_cost=1.0)
    with pytest.raises(ValueError, match="concept must be one of"):
        game.solve("nash")
    general = Game(training_lengths(3), defection_starts(3), Payoffs(),
                   OverseerPayoffs("safety", oversight_cost=0.1))
    assert not general.is_zero_sum()
    with pytest.raises(ValueError, match="strategically zero-sum"):
        general.solve("zero_sum")


# ---------------------------------------------------------------------------- the model's games


@settings(max_examples=40)
@given(schedules(max_horizon=5), payoffs())
def test_threshold_closed_forms_equal_exact_evaluation(schedule, pay) -> None:
    oversight = Oversight(schedule)
    starts = list(range(1, schedule.horizon + 3))
    fast = threshold_outcomes(starts, oversight, pay, compliant=True)
    for i, k in enumerate(starts):
        cell = outcome(Threshold(k), oversight, pay, compliant=True)
        for key, value in cell.items():
            assert fast[key][i] == pytest.approx(value, abs=1e-12), (key, k)


@settings(max_examples=30)
@given(schedules(max_horizon=4, min_horizon=2), payoffs(),
       st.sampled_from([Greedy(), Aligned(), Deceptive(), Memoryless(0.5), Plan("BA")]))
def test_outcome_parts_mean_what_they_say(schedule, pay, policy) -> None:
    oversight = Oversight(schedule)
    cell = outcome(policy, oversight, pay, compliant=True)
    exact = evaluate(policy, schedule, HardUpdate(), dataclasses.replace(
        pay, utility="any", discount=1.0))
    assert cell["safety"] == pytest.approx(1.0 - exact.mesa, abs=1e-12)
    assert -1e-12 <= cell["compliant"] <= oversight.unoverseen_deployment() + 1e-12
    # With certain success, every unoverseen deployment episode is either compliant or harmed.
    if pay.success == 1.0:
        assert cell["compliant"] + cell["harm"] == pytest.approx(
            oversight.unoverseen_deployment(), abs=1e-9)


def test_compliance_is_counted_when_defections_are_worth_nothing() -> None:
    # v_deploy = 0 keeps the objective levels of a worthless deployment apple.
    oversight = Oversight(Schedule.fixed(1, 3, honeypot_rate=0.5))
    for policy in (Deceptive(), Greedy(), Memoryless(0.5)):
        zero = outcome(policy, oversight, Payoffs(v_deploy=0.0), compliant=True)
        one = outcome(policy, oversight, Payoffs(), compliant=True)
        assert zero["compliant"] == pytest.approx(one["compliant"], abs=1e-12)


def test_hidden_boundary_hand_check() -> None:
    """docs/explanation/games.md: N = 3, one apple per training episode."""
    game = training_length_game(3, oversight_cost=1.0)
    expected = [[3, 2, 1, 0], [1, 2, 1, 0], [1, 1, 1, 0], [1, 1, 1, 0]]
    np.testing.assert_array_equal(game.agent_matrix.to_numpy(), expected)
    solution = game.solve()
    assert solution.concept == "zero_sum"
    assert solution.value == pytest.approx(-2.5) and solution.pure_value == -3.0
    assert solution.value_of_randomizing == pytest.approx(0.5)
    np.testing.assert_allclose(solution.overseer_strategy, [0.5, 0.5, 0, 0], atol=1e-12)
    np.testing.assert_allclose(solution.agent_strategy, [0.5, 0.5, 0, 0], atol=1e-12)
    assert solution.agent_value == pytest.approx(2.0)
    # The mixed strategy is a random boundary; the clock agent's optimum against it is the
    # game's best response: two apples, and the overseer pays 0.5 for training.
    schedule = Schedule.random_boundary(3, solution.overseer_strategy.to_numpy(), observable=False)
    assert optimize(schedule, information="clock").value == pytest.approx(2.0, abs=1e-12)
    for k, column in enumerate(game.agent_matrix.columns, start=1):
        mixed = solution.overseer_strategy.to_numpy() @ game.agent_matrix[column].to_numpy()
        assert evaluate(Threshold(k), schedule).mesa == pytest.approx(mixed, abs=1e-12)


def test_observable_boundary_hand_check() -> None:
    solution = training_length_game(3, oversight_cost=1.0, observable=True).solve()
    assert solution.value == pytest.approx(-3.0) and solution.pure_value == pytest.approx(-3.0)
    assert solution.value_of_randomizing == pytest.approx(0.0, abs=1e-12)


@settings(max_examples=25)
@given(st.integers(1, 7), st.floats(0.05, 3.0))
def test_randomizing_the_training_length_helps_only_when_the_boundary_is_hidden(n, cost) -> None:
    seen = training_length_game(n, oversight_cost=cost, observable=True).solve()
    hidden = training_length_game(n, oversight_cost=cost).solve()
    assert seen.value_of_randomizing == pytest.approx(0.0, abs=1e-9)
    assert hidden.value_of_randomizing >= -1e-9
    # Seeing the phase never hurts the agent.
    assert hidden.value >= seen.value - 1e-9


def test_plans_add_nothing_to_defection_starts_under_the_hard_update() -> None:
    # A clock agent without a cue: every deterministic policy is a plan, and once a
    # defection goes unpunished it is deployed, so "defect from k on" is all it needs.
    for n in (3, 5):
        starts = training_length_game(n, oversight_cost=1.0).solve()
        plans = Game(training_lengths(n), all_plans(n), Payoffs(),
                     OverseerPayoffs("zero_sum", oversight_cost=1.0)).solve()
        assert plans.value == pytest.approx(starts.value, abs=1e-9)


def test_a_deployment_cap_alone_leaves_randomizing_worthless() -> None:
    # The agent waits for the cap: T = (1 - share) N is optimal.
    solution = training_length_game(10, oversight_cost=0.0, min_deploy_share=0.3).solve()
    assert solution.value == pytest.approx(solution.pure_value) == pytest.approx(-3.0)
    assert solution.pure_option == "T=7"


def test_value_of_randomizing_approaches_its_limit() -> None:
    # Continuous limit: the overseer's loss falls from c N to c N (1 - exp(-1/c)).
    for cost in (0.5, 1.0):
        solution = training_length_game(200, oversight_cost=cost).solve()
        saving = solution.value_of_randomizing / -solution.pure_value
        assert saving == pytest.approx(math.exp(-1.0 / cost), abs=0.02)


def test_audit_game_hand_check_and_general_sum_stackelberg() -> None:
    game = audit_game(0, 4, 1)
    solution = game.solve()
    assert solution.value == pytest.approx(0.25) and solution.pure_value == 0.0
    np.testing.assert_allclose(solution.overseer_strategy, [0.25] * 4, atol=1e-12)
    assert game.solve("stackelberg").value == pytest.approx(0.25)
    # Safety against an agent counting apples is general-sum: Stackelberg.
    general = audit_game(0, 4, 2, payoffs=Payoffs())
    assert not general.is_zero_sum()
    s = general.solve()
    assert s.concept == "stackelberg" and s.value >= s.pure_value - 1e-12
    x = s.overseer_strategy.to_numpy()
    response = int(np.argmax(s.agent_strategy.to_numpy()))
    assert (x @ general.agent_matrix.to_numpy()).max() == pytest.approx(
        x @ general.agent_matrix.to_numpy()[:, response])


def test_games_with_best_responses_and_generic_strategies() -> None:
    options = honeypot_rates(1, 3, [0.0, 0.5])
    game = Game(options, (Deceptive(), BestResponse("known_phase"),
                          *memoryless_rates([0.5], cue=True)),
                overseer_payoffs=OverseerPayoffs("zero_sum", oversight_cost=0.1,
                                                 deployed_value=0.2))
    for row, oversight in enumerate(options):
        best = optimize(oversight.schedule, oversight.update, Payoffs(), "known_phase")
        assert game.agent_matrix.iloc[row, 1] == pytest.approx(best.value)
        assert game.agent_matrix.iloc[row, 0] == pytest.approx(
            evaluate(Deceptive(), oversight.schedule).mesa)
    cells = game.cells()
    assert len(cells) == 6 and {"compliant", "overseer_payoff", "cost"} <= set(cells.columns)
    payoff = -cells["mesa"] - cells["cost"] + 0.2 * cells["compliant"]
    np.testing.assert_allclose(cells["overseer_payoff"], payoff, atol=1e-12)
    assert game.solve("stackelberg").value >= game.solve("stackelberg").pure_value - 1e-12


def test_honeypot_game_prices_oversight() -> None:
    solution = honeypot_game(2, 10, oversight_cost=0.2).solve()
    assert solution.pure_option == "h=0.7"
    assert solution.value == pytest.approx(-((1 - 0.3**10) / 0.7 + 0.2 * (2 + 7)))
    detect = honeypot_game(2, 4, [0.5], detects=[0.0, 1.0], detection_cost=0.5).solve()
    assert detect.overseer_strategy.index.tolist() == ["h=0.5, d=0", "h=0.5, d=1"]


# ---------------------------------------------------------------------------- continuous


@pytest.mark.parametrize(("train", "deploy", "discount"), [(2, 3, 0.8), (1, 10, 0.9), (5, 5, 0.95)])
def test_deterrence_rate_matches_the_closed_form(train, deploy, discount) -> None:
    rate = deterrence_rate(Schedule.fixed(train, deploy), payoffs=Payoffs(discount=discount))
    g = discount * (1 - rate)
    deception = discount**train * (1 - g**deploy) / (1 - g)
    if rate > 0:
        assert deception == pytest.approx(1.0, abs=1e-12)
    else:
        assert deception <= 1.0


def test_deterrence_rate_edges() -> None:
    assert deterrence_rate(Schedule.fixed(2, 3)) == 1.0  # the seed: nothing short of 1
    assert deterrence_rate(Schedule.fixed(0, 3)) == 0.0  # no training: greedy is deceptive
    never = deterrence_rate(Schedule.fixed(2, 3), baseline=Aligned())
    assert math.isnan(never)


@pytest.mark.parametrize(("deploy", "audits"), [(4, 2), (10, 3), (10, 7)])
def test_first_audits_against_a_memoryless_agent_match_the_closed_form(deploy, audits) -> None:
    oversight = first_audits(0, deploy, audits / deploy)
    solution = best_response(oversight, Payoffs(utility="any"))
    keep = (audits / deploy) ** (1 / (deploy - audits))  # 1 - p*
    value = keep**audits * (1 - keep**(deploy - audits))
    assert solution.value == pytest.approx(value, abs=1e-9)
    assert solution.policy.as_memoryless().probabilities[0] == pytest.approx(1 - keep, abs=1e-6)
    # Random audits at the same rate leave the memoryless agent a success chance 1 - rate.
    random = best_response(random_audits(0, deploy, audits / deploy), Payoffs(utility="any"))
    assert random.value == pytest.approx(1 - audits / deploy, abs=1e-9)
    # A clock agent waits for the audits to end.
    clock = best_response(oversight, Payoffs(utility="any"), "clock")
    assert clock.value == pytest.approx(1.0)


def test_best_oversight_beats_a_fine_grid() -> None:
    design = partial(first_audits, 0, 12)
    pay = Payoffs(utility="any")
    overseer = OverseerPayoffs("safety", oversight_cost=0.04)
    choice = best_oversight(design, payoffs=pay, overseer=overseer, grid=9)
    curve = design_curve(design, np.linspace(0, 1, 49), payoffs=pay)
    grid_best = (curve["safety"] - 0.04 * curve["overseen"]).max()
    assert choice.value >= grid_best - 1e-6
    assert choice.value == pytest.approx(choice.safety - choice.cost)
    assert choice.cost == pytest.approx(0.04 * choice.overseen)
    assert "grid" in choice.method


def test_safety_frontier_rises_as_oversight_gets_cheaper() -> None:
    frontier = safety_frontier(partial(first_audits, 0, 8), [0.2, 0.08, 0.04, 0.001],
                               payoffs=Payoffs(utility="any"), grid=9)
    assert list(frontier.columns[:4]) == ["price", "parameter", "overseen", "safety"]
    assert frontier["safety"].is_monotonic_increasing
    assert frontier["overseen"].is_monotonic_increasing
    assert frontier["safety"].iloc[-1] == pytest.approx(1.0)  # cheap: audit everything


def test_a_caller_changing_an_answer_cannot_change_a_later_answer() -> None:
    # The agent's responses were once remembered process-wide and handed out
    # shared: clearing one caller's diagnostics emptied the next caller's.
    design = partial(first_audits, 0, 6)
    pay = Payoffs(utility="any")
    overseer = OverseerPayoffs("safety", oversight_cost=0.1)
    half = (0.5, 0.5)  # one parameter: one solve per call
    first = best_oversight(design, half, payoffs=pay, overseer=overseer)
    diagnostics = first.agent.diagnostics
    curve = design_curve(design, [0.0, 0.5], payoffs=pay)
    frontier = safety_frontier(design, [0.1], half, payoffs=pay)
    expected_curve, expected_frontier = curve.copy(), frontier.copy()
    assert diagnostics.present()
    with pytest.raises(dataclasses.FrozenInstanceError):
        first.agent.diagnostics.rounds = 0  # type: ignore[misc]
    curve.loc[1, ["safety", "agent_rule"]] = [-1.0, "changed"]
    frontier.loc[0, ["parameter", "agent_value"]] = [-1.0, -1.0]
    again = best_oversight(design, half, payoffs=pay, overseer=overseer)
    assert again.agent is not first.agent
    assert again.agent.diagnostics == diagnostics
    assert (again.parameter, again.value) == (first.parameter, first.value)
    pd.testing.assert_frame_equal(design_curve(design, [0.0, 0.5], payoffs=pay), expected_curve)
    pd.testing.assert_frame_equal(
        safety_frontier(design, [0.1], half, payoffs=pay), expected_frontier
    )


# ---------------------------------------------------------------------------- command line


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_cli_training_length_prints_value_and_both_strategies(capsys) -> None:
    code, out, err = run(capsys, "game", "training-length", "--horizon", "3",
                         "--oversight-cost", "1")
    assert code == 0 and err == ""
    summary, strategies = out.split("\n\n")
    assert "| zero_sum |           -2.5 |" in summary and "value_of_randomizing" in summary
    lines = strategies.splitlines()
    assert lines[0].startswith("| player")
    assert "| overseer | T=0          |         0.5 |" in lines
    assert "| agent    | Threshold(2) |         0.5 |" in lines


def test_cli_audit_and_honeypot_formats(capsys) -> None:
    import json

    code, out, _ = run(capsys, "game", "audit", "--train", "0", "--deploy", "4", "--audits", "1",
                       "--format", "json")
    data = json.loads(out)
    assert code == 0 and data["summary"]["overseer_value"] == pytest.approx(0.25)
    assert [row["probability"] for row in data["strategies"]][:4] == pytest.approx([0.25] * 4)
    code, out, _ = run(capsys, "game", "honeypot", "--train", "2", "--deploy", "10",
                       "--oversight-cost", "0.2", "--format", "csv")
    assert code == 0 and out.splitlines()[1].startswith('"honeypots, T=2, D=10",zero_sum,')
    assert "overseer,h=0.7,1" in out


def test_cli_frontier_prints_a_table(capsys) -> None:
    code, out, _ = run(capsys, "game", "frontier", "--train", "0", "--deploy", "6",
                       "--prices", "0.05,0.5")
    assert code == 0
    header, _, *rows = out.splitlines()
    assert header.startswith("| price | parameter | overseen |")
    assert len(rows) == 2


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["game"], "GAME"),
        (["game", "training-length"], "--horizon"),
        (["game", "training-length", "--horizon", "3", "--oversight-cost", "0"], "trivial"),
        (["game", "audit", "--train", "0", "--deploy", "3", "--audits", "3"], "below deploy"),
        (["game", "honeypot", "--train", "2", "--deploy", "3", "--rates", "0,2"], "rates"),
        (["game", "frontier", "--train", "0", "--deploy", "3", "--prices", "x"], "--prices"),
        (["game", "audit", "--train", "0", "--deploy", "3", "--audits", "1",
          "--utility", "all"], "--utility"),
    ],
)
def test_cli_bad_input_is_one_line_and_exit_code_2(capsys, argv, message) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert err.startswith("deception-sim: error:") and message in err
    assert err.count("\n") == 1
