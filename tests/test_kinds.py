"""Kinds of episode: the objects, the strategies that read them, the solvers and the games.

Agreement of every engine with the brute-force oracle on models with kinds is
in ``test_payoffs.py`` (``models(extended=True)`` draws kinds).
"""

from __future__ import annotations

import dataclasses
import itertools
import pickle

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from oracle_optimal import known_phase_optimum

from deception_sim import (
    Bayesian,
    Deceptive,
    EpisodeKinds,
    Greedy,
    HardUpdate,
    Kind,
    Memoryless,
    Payoffs,
    Schedule,
    Threshold,
    UpdateRule,
    evaluate,
    optimize,
    parse_strategy,
    simulate,
)
from deception_sim.games import Game, Oversight, outcome
from deception_sim.solvers import clock as clock_module
from deception_sim.strategies import checked_table, table_controller
from deception_sim.testing import episode_kinds, payoffs, schedules, update_rules

TWO = EpisodeKinds(
    (
        Kind("subtle", success=0.9, detect=0.3, honeypot_rate=0.1),
        Kind("obvious", success=0.3, detect=0.9, honeypot_rate=0.4),
    ),
    train=(0.2, 0.8),
    deploy=(0.5, 0.5),
)
NAMESPACE = {"Kind": Kind, "EpisodeKinds": EpisodeKinds, "Schedule": Schedule}


# ------------------------------------------------------------------ the objects
@given(episode_kinds())
def test_kinds_are_values(kinds) -> None:
    again = eval(repr(kinds), {}, NAMESPACE)
    assert again == kinds and hash(again) == hash(kinds)
    schedule = Schedule.fixed(1, 2, honeypot_rate=0.3, kinds=kinds)
    assert eval(repr(schedule), {}, NAMESPACE) == schedule
    restored = pickle.loads(pickle.dumps(schedule))
    assert restored == schedule and hash(restored) == hash(schedule)
    assert schedule != Schedule.fixed(1, 2, honeypot_rate=0.3)
    for phase in ("train", "deploy"):
        assert abs(kinds.probabilities(phase).sum() - 1.0) < 1e-9
        assert not kinds.probabilities(phase).flags.writeable


def test_deploy_oversight_and_the_overseers_count() -> None:
    schedule = Schedule.fixed(2, 3, honeypot_rate=0.2, kinds=TWO)
    assert schedule.deploy_oversight() == pytest.approx([0.25] * 5)
    assert Oversight(schedule).overseen() == pytest.approx(2 + 3 * 0.25)
    assert Oversight(schedule).unoverseen_deployment() == pytest.approx(3 * 0.75)
    assert schedule.describe() == "T=2, D=3, honeypot=0.25, kinds subtle 0.2/0.5 obvious 0.8/0.5"


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: EpisodeKinds((Kind("a"), Kind("b")), train=(0.5, 0.6)), "train probabilities"),
        (
            lambda: EpisodeKinds((Kind("a"), Kind("b")), train=(0.5, 0.5), deploy=(1.0, 0.1)),
            "deploy probabilities must sum to 1",
        ),
        (lambda: EpisodeKinds((Kind("a"),), train=(float("nan"),)), "train probabilities"),
        (lambda: EpisodeKinds((Kind("a"), Kind("b")), train=(1.0,)), "must have 2 entries"),
        (lambda: EpisodeKinds((Kind("a"), Kind("a")), train=(0.5, 0.5)), "distinct names"),
        (lambda: EpisodeKinds((), train=()), "kinds must be a non-empty"),
        (lambda: Kind("train"), "must not be"),
        (lambda: Kind(""), "name"),
        (lambda: Kind("a", success=1.5), "success of kind 'a'"),
        (lambda: Kind("a", detect=float("nan")), "detect of kind 'a'"),
        (lambda: Kind("a", honeypot_rate=-0.1), "honeypot_rate of kind 'a'"),
        (lambda: Schedule.fixed(1, 1, kinds="subtle"), "kinds must be an EpisodeKinds"),
        (lambda: TWO.index("hidden"), "unknown kind name 'hidden'"),
    ],
)
def test_bad_kinds_name_the_parameter(make, message) -> None:
    with pytest.raises(ValueError, match=message):
        make()


# ------------------------------------------------------------------ strategies
def test_memoryless_per_kind() -> None:
    policy = Memoryless({"subtle": {"train": 0.0, "deploy": 1.0}, "obvious": 0.25})
    schedule = Schedule.fixed(1, 1, kinds=TWO)
    table = checked_table(policy, schedule)
    assert table.shape == (2, 2, 2)
    assert table[0].tolist() == [[0.0, 0.25], [1.0, 0.25]]  # [cue][kind]
    assert policy.metadata["kind"] and policy.metadata["cue"] and policy.metadata["stochastic"]
    assert policy.form() is None and policy.reads_kinds
    assert eval(repr(policy), {"Memoryless": Memoryless}) == policy
    assert parse_strategy(repr(policy)) == policy
    with pytest.raises(ValueError, match="by_kind"):
        _ = policy.probabilities
    # The same probability in every kind does not read the kind.
    assert not Memoryless({"subtle": 0.5, "obvious": 0.5}).metadata["kind"]


@pytest.mark.parametrize(
    "policy, schedule, message",
    [
        (Memoryless({"subtle": 0.5}), Schedule.fixed(1, 1, kinds=TWO), r"missing \['obvious'\]"),
        (
            Memoryless({"subtle": 0.5, "obvious": 0.1, "hidden": 0.2}),
            Schedule.fixed(1, 1, kinds=TWO),
            r"unknown kind names \['hidden'\]",
        ),
        (Memoryless({"subtle": 0.5}), Schedule.fixed(1, 1), "the schedule has none"),
    ],
)
def test_memoryless_kind_names_must_match(policy, schedule, message) -> None:
    with pytest.raises(ValueError, match=message):
        evaluate(policy, schedule)


def test_memoryless_per_kind_rejects_bad_cells() -> None:
    with pytest.raises(ValueError, match=r"p\['a'\] must map each cue"):
        Memoryless({"a": {"train": 0.1}})
    with pytest.raises(ValueError, match=r"p\['a'\]"):
        Memoryless({"a": float("nan")})


@given(schedules(max_horizon=5, kinds=True), st.data())
def test_metadata_is_true_on_schedules_with_kinds(schedule, data) -> None:
    from deception_sim.testing import strategies_for

    policy = data.draw(strategies_for(schedule))
    table = checked_table(policy, schedule)
    assert table.shape == (schedule.horizon, 2, len(schedule.kinds))
    if not policy.metadata["kind"]:
        assert (table == table[..., :1]).all()


def test_bayesian_reads_the_kind_as_evidence() -> None:
    kinds = EpisodeKinds((Kind("a"), Kind("b")), train=(0.2, 0.8), deploy=(0.6, 0.4))
    pmf = [0.0, 0.3, 0.3, 0.4, 0.0]
    schedule = Schedule.random_boundary(4, pmf, cue_accuracy=0.7, kinds=kinds)
    posterior = Bayesian().posterior(schedule)
    p_train = schedule.p_train()
    for t, cue, j in itertools.product(range(4), (0, 1), (0, 1)):
        on_deploy = (1 - p_train[t]) * (0.7 if cue == 1 else 0.3) * kinds.deploy[j]
        on_train = p_train[t] * (0.7 if cue == 0 else 0.3) * kinds.train[j]
        expected = on_deploy / (on_deploy + on_train) if on_deploy + on_train > 0 else 0.0
        assert posterior[t, cue, j] == pytest.approx(expected, abs=1e-12)
    for threshold in (0.3, 0.5, 0.8):
        table = Bayesian(threshold).decision_table(schedule)
        assert np.array_equal(table, (posterior > threshold).astype(float))
    # Kinds that are alike in both phases say nothing: the table is the one without kinds.
    alike = EpisodeKinds((Kind("a"), Kind("b")), train=(0.5, 0.5))
    plain = dataclasses.replace(schedule, kinds=None)
    with_alike = Bayesian().decision_table(dataclasses.replace(schedule, kinds=alike))
    assert np.array_equal(with_alike, np.repeat(Bayesian().decision_table(plain)[..., None], 2, -1))


def test_policies_with_memory_do_not_read_kinds() -> None:
    hidden = Schedule.random_boundary(4, [0.5, 0, 0, 0.5, 0], cue_accuracy=0.8)
    with_kinds = dataclasses.replace(hidden, kinds=EpisodeKinds((Kind("a"),), train=(1.0,)))
    tree = table_controller(np.tile([[0.0, 1.0]], (4, 1)), HardUpdate(), Payoffs())
    from deception_sim.exact.tree import evaluate_controller

    with pytest.raises(ValueError, match="does not read kinds"):
        evaluate_controller(tree, with_kinds, HardUpdate(), Payoffs())
    from deception_sim.montecarlo.tree import TreeSimulator

    with pytest.raises(ValueError, match="does not read kinds"):
        TreeSimulator(tree, with_kinds, HardUpdate(), Payoffs())
    with pytest.raises(ValueError, match="does not read kinds"):
        table_controller(np.zeros((2, 2, 2, 1)), HardUpdate(), Payoffs())


# ------------------------------------------------------------------ solvers
def _observable_with_kinds():
    return schedules(max_horizon=4, kinds=True).map(
        lambda s: dataclasses.replace(s, cue_accuracy=1.0)
    )


def _solvable(pay: Payoffs) -> Payoffs:
    """The payoffs the known-phase solver takes (no v_clean, one success)."""
    return dataclasses.replace(pay, v_clean=0.0, needed=1)


@settings(max_examples=60)
@given(_observable_with_kinds(), update_rules(), payoffs(extended=True))
def test_known_phase_with_kinds_equals_the_independent_backward_induction(
    schedule, update, pay
) -> None:
    pay = _solvable(pay)
    solution = optimize(schedule, update, pay, "known_phase")
    mesa, base = known_phase_optimum(schedule, update, pay)
    assert solution.value == pytest.approx(mesa, abs=1e-9)
    assert solution.base == pytest.approx(base, abs=1e-9)
    assert solution.policy.table.shape[-1] == len(schedule.kinds)
    if update.rate == 1.0:  # one self: the solved policy's value is the value
        assert evaluate(solution.policy, schedule, update, pay).mesa == pytest.approx(
            solution.value, abs=1e-9
        )


def test_known_phase_sweep_and_the_loop_agree_with_kinds() -> None:
    from deception_sim.solvers import known_phase

    schedule = Schedule.random_boundary(5, [0.1, 0.2, 0.3, 0.2, 0.1, 0.1], kinds=TWO)
    update, pay = UpdateRule(detect=0.8, rate=0.5, drift=0.1), Payoffs(v_deploy=3.0)
    fast = known_phase.induction(schedule, update, pay)
    policy, values = known_phase.backward_loop(known_phase._Model.build(schedule, update, pay))
    assert fast.policy.shape == (2, fast.levels, 5, 2)
    assert np.array_equal(fast.policy, policy)
    np.testing.assert_allclose(fast.values.mesa, values.mesa, rtol=1e-12, atol=1e-12)


def test_known_phase_reads_the_kind() -> None:
    solution = optimize(Schedule.fixed(2, 3, kinds=TWO), HardUpdate(), Payoffs(missed="through"))
    assert solution.policy.rule() == (
        "kind subtle: AAAAA; kind obvious: train cue: BBBAA; deploy cue: BBAAA"
    )
    assert solution.policy.metadata["kind"] and solution.policy.plan() is None
    # Seeing the kind is worth something: better than the best kind-blind table.
    blind = Schedule.fixed(2, 3)
    assert solution.value > evaluate(Deceptive(), Schedule.fixed(2, 3, kinds=TWO)).mesa
    assert optimize(blind).policy.plan() == "BBAAA"


def _grid_best(schedule, update, pay, cells, points=11) -> float:
    axis = np.linspace(0.0, 1.0, points)
    best = -np.inf
    for values in itertools.product(axis, repeat=len(cells)):
        p = {name: {"train": 0.0, "deploy": 0.0} for name in schedule.kinds.names}
        for (name, cue), value in zip(cells, values, strict=True):
            for c in cue:
                p[name][c] = float(value)
        best = max(best, evaluate(Memoryless(p), schedule, update, pay).mesa)
    return float(best)


@pytest.mark.parametrize(
    "schedule, cells",
    [
        # No cue: one probability per kind (two dimensions).
        (
            Schedule.random_boundary(4, [0.0, 0.3, 0.4, 0.3, 0.0], observable=False, kinds=TWO),
            [("subtle", ("train", "deploy")), ("obvious", ("train", "deploy"))],
        ),
        # A noisy cue: one per (kind, cue) (four dimensions: the multistart path).
        (
            Schedule.random_boundary(4, [0.0, 0.3, 0.4, 0.3, 0.0], cue_accuracy=0.7, kinds=TWO),
            [(k, (c,)) for k in ("subtle", "obvious") for c in ("train", "deploy")],
        ),
    ],
)
def test_the_memoryless_solver_with_kinds_beats_a_grid(schedule, cells) -> None:
    pay = Payoffs(utility="any", v_detected=-0.5, missed="through")
    solution = optimize(schedule, HardUpdate(), pay, "memoryless")
    grid = _grid_best(schedule, HardUpdate(), pay, cells, points=11 if len(cells) == 2 else 5)
    assert solution.value >= grid - 1e-12
    policy = solution.policy.as_memoryless()
    assert policy.reads_kinds
    assert evaluate(policy, schedule, HardUpdate(), pay).mesa == pytest.approx(solution.value)
    assert solution.policy.table.shape == (4, 2, 2)


def test_the_memoryless_solver_drops_cells_that_never_occur() -> None:
    # Deployment only, phase seen: the train cue never shows, and kind "rare" never happens
    # in deployment, so only two cells are free.
    kinds = EpisodeKinds(
        (Kind("subtle", success=0.9), Kind("obvious", success=0.3), Kind("rare")),
        train=(0.0, 0.0, 1.0),
        deploy=(0.5, 0.5, 0.0),
    )
    schedule = Schedule.fixed(0, 3, honeypot_rate=0.4, kinds=kinds)
    solution = optimize(schedule, HardUpdate(), Payoffs(utility="any"), "memoryless")
    assert "17x17" in solution.method  # the two-dimensional bracket
    by_kind = dict((name, (a, b)) for name, a, b in solution.policy.as_memoryless().by_kind)
    assert by_kind["rare"] == (0.0, 0.0) and by_kind["subtle"][0] == 0.0


def test_the_clock_setting_refuses_kinds() -> None:
    with pytest.raises(ValueError, match="information='clock' does not support kinds"):
        optimize(Schedule.fixed(2, 3, kinds=TWO), information="clock")
    assert clock_module.MAX_TREE_HORIZON >= 1  # the clock solver itself is untouched


# ------------------------------------------------------------------ simulation and games
def test_monte_carlo_with_kinds_and_a_per_level_table() -> None:
    schedule = Schedule.fixed(2, 4, cue_accuracy=1.0, kinds=TWO)
    update, pay = UpdateRule(detect=0.7, rate=0.5), Payoffs(v_deploy=3.0, v_detected=-1.0)
    policy = optimize(schedule, update, pay).policy
    assert policy.table.ndim == 4
    exact = evaluate(policy, schedule, update, pay)
    found = simulate(policy, schedule, update, pay, runs=20_000, seed=11)
    for name, z in found.z_scores(exact).items():
        assert np.isnan(z) or abs(z) < 5, name


def test_games_with_kinds_use_exact_evaluation() -> None:
    options = [
        Oversight(Schedule.fixed(1, 3, kinds=TWO), label="kinds"),
        Oversight(Schedule.fixed(1, 3, honeypot_rate=0.25), label="plain"),
    ]
    pay = Payoffs(utility="any", missed="through")
    game = Game(options, (Greedy(), Threshold(2), Deceptive()), pay)
    cells = game.cells().set_index(["overseer", "agent"])
    for oversight in options:
        for policy in game.agent:
            expected = outcome(policy, oversight, pay)
            for key, value in expected.items():
                assert cells.loc[(oversight.label, policy.name), key] == pytest.approx(
                    value, abs=1e-12
                )


def test_the_audit_analysis_claims() -> None:
    from deception_sim.analyses import audit_kinds as module

    budget = 0.2
    uniform = module.safety(budget, budget)
    subtle, obvious, best = module.best_split(budget)
    # Most of the audits go to the kind where escape is easiest, not all of them.
    assert 0.5 < 0.5 * subtle / budget < 1.0 and obvious > 0.0
    assert best > 1.5 * uniform
    assert module.safety(2 * budget, 0.0) < uniform
