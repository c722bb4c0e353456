"""The fast paths of exact evaluation against the general path, and the batch evaluator.

``evaluate`` runs short horizons on the scalar path (the recursion as a loop
over episodes in Python floats, :mod:`deception_sim.exact.loop`) and long
ones on the forward recursion (:mod:`deception_sim.exact.forward`); many
policies at once go through :func:`deception_sim.exact.batch.evaluate_tables`
(the same loop on arrays over the policies). All of them must give the same
numbers to 1e-12, over random models with every part of the model, and
tables that differ by objective level.
"""

from __future__ import annotations

import csv
import io
import itertools
import math
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deception_sim import (
    Bayesian,
    Deceptive,
    Greedy,
    HardUpdate,
    Memoryless,
    Payoffs,
    Plan,
    Schedule,
    UpdateRule,
    evaluate,
    optimize,
)
from deception_sim.cli import main
from deception_sim.exact import batch, forward, loop, scalar, totals
from deception_sim.model.measures import RESULT
from deception_sim.strategies import Strategy, checked_table, metadata
from deception_sim.testing import models

TOLERANCE = 1e-12


class _PerLevel(Strategy):
    """A random decision table per objective level (what a solved policy has)."""

    def __init__(self, seed: int, levels: int) -> None:
        self.seed, self.levels = seed, levels

    def decision_table(self, schedule: Schedule) -> np.ndarray:
        rng = np.random.default_rng(self.seed)
        kinds = () if schedule.kinds is None else (len(schedule.kinds),)
        table = rng.random((self.levels, schedule.horizon, 2, *kinds))
        table[table < 0.3] = 0.0  # certain choices too
        table[table > 0.8] = 1.0
        return table

    @property
    def metadata(self) -> dict[str, bool]:
        return metadata(clock=True, stochastic=True)

    def __repr__(self) -> str:
        return f"_PerLevel({self.seed}, {self.levels})"


def _forward(policy: Strategy, schedule: Schedule, update: UpdateRule, pay: Payoffs):
    levels = len(batch.levels_of(update, pay))
    recursion = forward.run(checked_table(policy, schedule, levels), schedule, update, pay)
    return totals.totals(recursion)


def _assert_close(actual, expected, what: str) -> None:
    for name in RESULT:
        a, b = float(getattr(actual, name)), float(getattr(expected, name))
        if math.isnan(a) or math.isnan(b):
            assert math.isnan(a) and math.isnan(b), f"{name} for {what}"
        else:
            assert math.isclose(a, b, rel_tol=TOLERANCE, abs_tol=TOLERANCE), (
                f"{name}: {a!r} != {b!r} for {what}"
            )


def _policy(model, seed: int, per_level: bool) -> Strategy:
    policy, _, update, pay = model
    if per_level:
        return _PerLevel(seed, len(batch.levels_of(update, pay)))
    return policy


def _general_loop(model):
    """The loop for any number of states, even where one state would do."""
    _, schedule, _, _ = model

    def general(a_train, a_deploy, prepared, clip):
        size = len(prepared.levels)
        train = batch._plain_rates([a_train] * size, prepared.train, schedule.horizon)
        deploy = batch._plain_rates([a_deploy] * size, prepared.deploy, schedule.horizon)
        return loop.run_loop(train, deploy, prepared, clip)

    return general


@settings(max_examples=250)
@given(models(extended=True), st.integers(0, 2**31), st.booleans())
def test_the_scalar_path_is_the_forward_recursion(model, seed, per_level) -> None:
    _, schedule, update, pay = model
    policy = _policy(model, seed, per_level)
    expected = _forward(policy, schedule, update, pay)
    found = scalar.scalar_totals(policy, schedule, update, pay)
    if found is not None:  # (too many states for the scalar path: the forward recursion)
        _assert_close(found, expected, repr((policy, *model[1:])))
    _assert_close(evaluate(policy, schedule, update, pay), expected, repr(model))


@settings(max_examples=120)
@given(models(extended=True), st.integers(0, 2**31), st.booleans())
def test_the_loop_for_any_number_of_states_is_the_one_for_one(model, seed, per_level) -> None:
    _, schedule, update, pay = model
    policy = _policy(model, seed, per_level)
    saved = scalar.one_level
    scalar.one_level = _general_loop(model)
    try:
        found = scalar.scalar_totals(policy, schedule, update, pay)
    finally:
        scalar.one_level = saved
    if found is not None:
        _assert_close(found, _forward(policy, schedule, update, pay), repr(model))


@settings(max_examples=120)
@given(models(extended=True), st.integers(0, 2**31), st.booleans())
def test_a_batch_is_each_of_its_policies_alone(model, seed, per_level) -> None:
    _, schedule, update, pay = model
    levels = len(batch.levels_of(update, pay))
    policies = [model[0], _PerLevel(seed, levels) if per_level else Greedy(), Deceptive()]
    tables = [checked_table(p, schedule, levels) for p in policies]
    if per_level:  # a stack holds tables of one shape: the plain ones, once per level
        tables = [
            np.broadcast_to(t, (levels, *t.shape)) if t.ndim < tables[1].ndim else t for t in tables
        ]
    found = batch.evaluate_tables(np.stack(tables), schedule, update, pay)
    for i, policy in enumerate(policies):
        row = SimpleNamespace(**{name: found[name][i] for name in RESULT})
        _assert_close(row, _forward(policy, schedule, update, pay), repr((policy, *model[1:])))


def test_a_batch_on_a_long_horizon_is_the_forward_recursion() -> None:
    schedule = Schedule.random_boundary(
        3000, np.full(3001, 1 / 3001), honeypot_rate=0.05, cue_accuracy=0.8
    )
    update, pay = UpdateRule(detect=0.7, rate=0.5), Payoffs(v_deploy=5.0, discount=0.999)
    policies = [Bayesian(0.3), Deceptive(), Memoryless({"train": 0.01, "deploy": 0.5})]
    levels = len(batch.levels_of(update, pay))
    tables = np.stack([checked_table(p, schedule, levels) for p in policies])
    # So few policies on so long a horizon go one by one to the forward recursion; the
    # loop over episodes must give the same.
    assert not batch._loop_pays(schedule.horizon, levels, len(policies))
    on_their_own = batch.evaluate_tables(tables, schedule, update, pay)
    saved = batch._loop_pays
    batch._loop_pays = lambda *args: True
    try:
        looped = batch.evaluate_tables(tables, schedule, update, pay)
    finally:
        batch._loop_pays = saved
    for i, policy in enumerate(policies):
        expected = evaluate(policy, schedule, update, pay)
        for name in RESULT:
            for found in (on_their_own, looped):
                assert found[name][i] == pytest.approx(getattr(expected, name), rel=1e-11), name


def test_every_plan_of_the_seed_at_once_is_each_plan_alone_exactly() -> None:
    maze = Schedule.fixed(2, 3)
    plans = ["".join(p) for p in itertools.product("AB", repeat=5)]
    tables = np.stack([checked_table(Plan(p), maze) for p in plans])
    found = batch.evaluate_tables(tables, maze, HardUpdate(), Payoffs())
    for i, plan in enumerate(plans):
        alone = evaluate(Plan(plan), maze)
        for name in RESULT:  # the same arithmetic in the same order: the same numbers
            assert found[name][i] == getattr(alone, name) or (
                math.isnan(found[name][i]) and math.isnan(getattr(alone, name))
            ), (plan, name)
    assert found["mesa"].max() == 3.0 and plans[int(found["mesa"].argmax())] == "BBAAA"


def test_all_plans_on_the_command_line_are_each_plan_alone(capsys) -> None:
    args = ["evaluate", "--train", "2", "--deploy", "2", "--honeypot", "0.3", "--all-plans"]
    assert main([*args, "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    schedule = Schedule.fixed(2, 2, honeypot_rate=0.3)
    assert len(rows) == 2**4
    for row in rows:
        plan = row["policy"].removeprefix("Plan('").removesuffix("')")
        alone = evaluate(Plan(plan), schedule)
        assert float(row["mesa"]) == pytest.approx(alone.mesa, rel=1e-11)
        assert float(row["p_intact"]) == pytest.approx(alone.p_intact, rel=1e-11)


def test_a_batch_of_tables_is_checked() -> None:
    maze = Schedule.fixed(2, 3)
    with pytest.raises(ValueError, match="tables must have shape"):
        batch.evaluate_tables(np.zeros((2, 4, 2)), maze, HardUpdate(), Payoffs())
    with pytest.raises(ValueError, match="probabilities"):
        batch.evaluate_tables(np.full((2, 5, 2), 1.5), maze, HardUpdate(), Payoffs())
    empty = batch.evaluate_tables(np.zeros((0, 5, 2)), maze, HardUpdate(), Payoffs())
    assert all(values.shape == (0,) for values in empty.values())


def test_a_large_batch_is_cut_into_chunks() -> None:
    saved = batch.BATCH_CELLS
    maze = Schedule.fixed(2, 3, honeypot_rate=0.5)
    tables = np.random.default_rng(1).random((7, 5, 2))
    whole = batch.evaluate_tables(tables, maze, HardUpdate(), Payoffs())
    try:
        batch.BATCH_CELLS = 1  # one policy per chunk
        chunked = batch.evaluate_tables(tables, maze, HardUpdate(), Payoffs())
    finally:
        batch.BATCH_CELLS = saved
    for name in RESULT:
        np.testing.assert_array_equal(whole[name], chunked[name])


def test_only_states_that_hold_mass_are_scanned() -> None:
    # Drift moves the objective in training only; nothing is ever detected (no honeypots,
    # and the deceptive agent complies in training), so of the many live levels only those
    # of no update hold mass, and the chain removed at the first defection has one level.
    update, pay = UpdateRule(detect=0.5, rate=0.3, drift=0.01), Payoffs(v_deploy=20.0)
    schedule = Schedule.fixed(150, 150)
    levels = batch.levels_of(update, pay)
    assert len(levels) > 1000
    recursion = forward.run(
        checked_table(Deceptive(), schedule, len(levels)), schedule, update, pay
    )
    assert len(recursion.kept_train.index) == 151  # (0, m) for m = 0..150
    assert len(recursion.clean_train.index) == 151  # drift moves it too
    assert set(recursion.kept_deploy.index) <= set(recursion.kept_train.index)
    result = evaluate(Deceptive(), schedule, update, pay)
    # Deployed at level (0, 150), weight 0.99**150 > 1/21: it defects in every episode.
    assert result.mesa == pytest.approx(150 * 20.0) and result.p_intact == 0.0


def test_the_scalar_path_needs_no_table_for_a_stationary_form() -> None:
    class Lying(Deceptive):
        """A Deceptive whose table cannot be read (its form still says what it does)."""

        def decision_table(self, schedule):  # pragma: no cover - never called
            raise AssertionError("the table was read")

        def form(self):
            return Deceptive().form()

    assert evaluate(Lying(), Schedule.fixed(2, 3)).mesa == 3.0


def test_the_scalar_path_reads_a_plan_from_its_form() -> None:
    class Lying(Plan):
        """A plan whose table cannot be read (its form still says what it does)."""

        def decision_table(self, schedule):  # pragma: no cover - never called
            raise AssertionError("the table was read")

        def form(self):
            return Plan(self.plan, self.fill).form()

    maze = Schedule.fixed(2, 3)
    assert evaluate(Lying("BBAAA"), maze).mesa == 3.0
    assert evaluate(Lying("BBA", fill="A"), maze).mesa == 3.0
    assert evaluate(Lying("BB"), maze).mesa == 0.0
    with pytest.raises(ValueError, match="more than the horizon"):
        evaluate(Plan("BBAAAA"), maze)  # a plan longer than the horizon is read, and refused


@settings(max_examples=60)
@given(models(), st.text("AB", min_size=1, max_size=6), st.sampled_from("AB"))
def test_a_plan_by_its_form_is_a_plan_by_its_table(model, letters, fill) -> None:
    _, schedule, update, pay = model
    plan = Plan(letters, fill=fill)
    if len(letters) > schedule.horizon:
        return
    found = scalar.scalar_totals(plan, schedule, update, pay)
    if found is not None:
        _assert_close(found, _forward(plan, schedule, update, pay), repr((plan, *model[1:])))


# The memoryless optimum on the docs' examples, as the solver found it before it evaluated
# its bracket in one vectorized pass (one number per example, to 1e-12).
MEMORYLESS_BEFORE = [
    ("driver", 1.0),
    ("driver_clean", 1.3333333333333335),
    ("turn", 0.25),
    ("hidden_2_3", 1.2336686774949175),
    ("hidden_3_3", 1.1044090403902183),
    ("hidden_5_5", 1.1049302654339723),
    ("hidden_2_10", 2.2462313280067887),
]


def _memoryless_examples():
    def hidden(train: int, deploy: int) -> Schedule:
        pmf = np.zeros(train + deploy + 1)
        pmf[train - 1 : train + 2] = 1.0 / 3.0
        return Schedule.random_boundary(train + deploy, pmf, observable=False)

    driver = Schedule.fixed(1, 1, observable=False)
    turn = Payoffs(utility="any", v_detected=-1.0 / 2.0, v_clean=0.5 / 2.0)
    yield "driver", driver, Payoffs(v_deploy=4, v_overseen=0)
    yield "driver_clean", driver, Payoffs(v_deploy=4, v_overseen=0, v_clean=1)
    yield "turn", Schedule.fixed(3, 2, observable=False), turn
    for train, deploy in ((2, 3), (3, 3), (5, 5), (2, 10)):
        yield f"hidden_{train}_{deploy}", hidden(train, deploy), Payoffs()


def test_the_memoryless_optima_of_the_docs_are_unchanged() -> None:
    before = dict(MEMORYLESS_BEFORE)
    for name, schedule, pay in _memoryless_examples():
        solution = optimize(schedule, HardUpdate(), pay, "memoryless")
        assert solution.value == pytest.approx(before[name], abs=1e-12), name
        assert evaluate(solution.policy, schedule, HardUpdate(), pay).mesa == solution.value
