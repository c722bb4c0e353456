"""Monte Carlo simulation (``deception_sim.montecarlo.engine``) against the exact values.

Every Monte Carlo test passes a fixed seed, so the suite is deterministic. An
estimate agrees with the exact value when it is within 5 standard errors,
plus 1e-12 for rounding, plus a small-sample allowance of 10 x (the range of
the per-run quantity) / (the number of runs averaged): without it an event
rarer than about 1 in ``runs`` is usually never seen, its estimate is exactly
0 with a standard error of 0, and 5 SE would demand the exact value.

The exact values come from :func:`deception_sim.exact.forward`.
"""

from __future__ import annotations

import math
import zlib

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
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
    Result,
    Schedule,
    Strategy,
    Threshold,
    UpdateRule,
    evaluate,
)
from deception_sim.montecarlo import SCALARS, SimulationResult, simulate
from deception_sim.montecarlo import simulation as simulate_module
from deception_sim.testing import models

RUNS = 20_000
MAZE = Schedule.fixed(train=2, deploy=3)


def _seed(model: tuple) -> int:
    """A seed derived deterministically from the model."""
    return zlib.crc32(repr(model).encode())


def _exact(policy, schedule, update, payoffs) -> dict[str, float]:
    result = evaluate(policy, schedule, update, payoffs)
    return {name: getattr(result, name) for name in SCALARS}


def _ranges(schedule: Schedule, payoffs: Payoffs) -> dict[str, float]:
    """The largest spread of each per-run quantity."""
    n = schedule.horizon
    mesa = 1.0 if payoffs.utility == "any" else n * max(payoffs.v_deploy, payoffs.v_overseen)
    return {
        "mesa": mesa,
        "base": n,
        "harm": n,
        "p_intact": 1.0,
        "expected_updates": n,
        "p_defect": 1.0,
        "expected_first_defection": max(n - 1, 0),
    }


def _close(estimate: float, se: float, exact: float, spread: float, count: float) -> bool:
    se = 0.0 if math.isnan(se) else se
    return abs(estimate - exact) <= 5.0 * se + 10.0 * spread / count + 1e-12


def assert_agrees(result: SimulationResult, exact: dict[str, float]) -> None:
    ranges = _ranges(result.schedule, result.payoffs)
    for name in SCALARS:
        estimate, se, target = getattr(result, name), getattr(result, f"{name}_se"), exact[name]
        count = result.runs
        if name == "expected_first_defection":
            if math.isnan(target):  # the agent cannot defect: neither can a simulated one
                assert math.isnan(estimate), (name, estimate)
                continue
            if math.isnan(estimate):  # no run defected: then defections must be rare
                assert exact["p_defect"] <= 10.0 / result.runs + 1e-12, exact["p_defect"]
                continue
            count = round(result.p_defect * result.runs)
        assert _close(estimate, se, target, ranges[name], count), (
            f"{name}: simulated {estimate!r} (se {se!r}), exact {target!r}"
        )


# ----------------------------------------------------------------------------- (a) the seed


def test_seed_plans_are_exact() -> None:
    best = simulate(Plan("BBAAA"), MAZE, HardUpdate(), Payoffs(), runs=1000, seed=0)
    assert best.mesa == 3.0 and best.mesa_se == 0.0
    assert best.base == 2.0 and best.base_se == 0.0
    greedy = simulate(Plan("AAAAA"), MAZE, runs=1000, seed=0)
    assert greedy.mesa == 1.0 and greedy.mesa_se == 0.0
    assert greedy.base == 4.0 and greedy.expected_updates == 1.0 and greedy.p_intact == 0.0
    for plan in ("BBAAA", "AAAAA", "ABABA", "BBBBB"):
        result = simulate(Plan(plan), MAZE, runs=100, seed=1)
        assert result.z_scores(evaluate(Plan(plan), MAZE)) == dict.fromkeys(SCALARS, 0.0)


def test_seed_plans_are_exact_across_batches(monkeypatch) -> None:
    monkeypatch.setattr(simulate_module, "BATCH_SIZE", 7)
    result = simulate(Plan("BBAAA"), MAZE, runs=100, seed=0)
    assert (result.mesa, result.mesa_se, result.base, result.harm) == (3.0, 0.0, 2.0, 3.0)
    assert result.expected_first_defection == 3.0 and result.expected_first_defection_se == 0.0


# ----------------------------------------------------------------------------- (b) determinism

NOISY = (
    Memoryless({"train": 0.2, "deploy": 0.7}),
    Schedule.random_boundary(
        5, [0.1, 0.2, 0.3, 0.2, 0.1, 0.1], honeypot_rate=0.3, cue_accuracy=0.8, continue_prob=0.9
    ),
    UpdateRule(detect=0.7, rate=0.5),
    Payoffs(v_deploy=3.0, success=0.8),
)


def _same(a: SimulationResult, b: SimulationResult) -> bool:
    left, right = a.summary(), b.summary()
    scalars_equal = all(
        left[key] == right[key] or (math.isnan(left[key]) and math.isnan(right[key]))
        for key in left
        if isinstance(left[key], float)
    )
    return scalars_equal and a.curves.equals(b.curves)


def test_same_seed_same_result() -> None:
    first = simulate(*NOISY, runs=3000, seed=42)
    second = simulate(*NOISY, runs=3000, seed=42)
    assert _same(first, second)
    assert first.seed == 42


def test_different_seeds_differ() -> None:
    first = simulate(*NOISY, runs=3000, seed=1)
    second = simulate(*NOISY, runs=3000, seed=2)
    assert first.mesa != second.mesa
    assert not _same(first, second)


def test_a_generator_is_used_as_given() -> None:
    generator = np.random.default_rng(42)
    from_generator = simulate(*NOISY, runs=3000, seed=generator)
    assert from_generator.seed is generator
    assert _same(from_generator, simulate(*NOISY, runs=3000, seed=42))
    # The generator has moved on: the next call draws new numbers.
    assert not _same(simulate(*NOISY, runs=3000, seed=generator), from_generator)


def test_numpy_integer_seed() -> None:
    assert _same(simulate(*NOISY, runs=500, seed=np.int64(9)), simulate(*NOISY, runs=500, seed=9))


# ----------------------------------------------------------------------------- (c) agreement

HAND_MODELS = [
    (Deceptive(), Schedule.fixed(2, 3, honeypot_rate=0.3), HardUpdate(), Payoffs()),
    (Deceptive(), Schedule.fixed(3, 3, cue_accuracy=0.8), HardUpdate(), Payoffs()),
    (
        Memoryless({"train": 0.1, "deploy": 0.9}),
        Schedule.random_boundary(6, np.full(7, 1 / 7), honeypot_rate=0.1, cue_accuracy=0.9),
        HardUpdate(),
        Payoffs(),
    ),
    (Greedy(), Schedule.unknown_horizon(2, 0.7, horizon=6), HardUpdate(), Payoffs()),
    (
        Bayesian(0.5),
        Schedule.random_boundary(6, stats.randint(1, 5), cue_accuracy=0.7, continue_prob=0.85),
        HardUpdate(),
        Payoffs(discount=0.9),
    ),
    (
        Greedy(),
        Schedule.fixed(3, 3, honeypot_rate=0.2),
        UpdateRule(detect=0.8, rate=0.5),
        Payoffs(v_deploy=3.0),
    ),
    (
        Memoryless(0.4),
        Schedule.fixed(3, 3, honeypot_rate=0.2),
        UpdateRule(detect=0.6, rate=0.3, drift=0.1),
        Payoffs(v_deploy=4.0, v_overseen=0.5),
    ),
    (Aligned(), Schedule.fixed(3, 3), UpdateRule(drift=0.3), Payoffs(v_deploy=2.0)),
    (
        Deceptive(),
        Schedule.fixed(2, 4, honeypot_rate=0.2, cue_accuracy=0.75),
        HardUpdate(),
        Payoffs(utility="any", success=0.6),
    ),
    (
        Threshold(3),
        Schedule.random_boundary(
            6, [0.1, 0.2, 0.3, 0.2, 0.1, 0.05, 0.05], honeypot_rate=[0, 0, 0.1, 0.2, 0.3, 0.4]
        ),
        UpdateRule(detect=0.5),
        Payoffs(success=0.7, discount=0.95),
    ),
    (
        Memoryless({"train": 0.3, "deploy": 0.8}),
        Schedule.fixed(0, 6, honeypot_rate=0.5, cue_accuracy=0.6, continue_prob=0.8),
        UpdateRule(detect=0.9, rate=0.4, drift=0.05),
        Payoffs(v_deploy=5.0, utility="any", discount=0.8),
    ),
    (
        Plan("ABAB", fill="A"),
        Schedule.fixed(3, 3, cue_accuracy=0.5),
        UpdateRule(detect=0.0),
        Payoffs(),
    ),
    (Greedy(), Schedule.fixed(0, 0), HardUpdate(), Payoffs()),
    (
        Memoryless(0.5),
        Schedule.fixed(3, 3, honeypot_rate=0.1),
        UpdateRule(rate=0.2, drift=0.1),
        Payoffs(v_deploy=9.0),
    ),
    (
        Memoryless({"train": 0.05, "deploy": 0.95}),
        Schedule.random_boundary(
            5,
            [0.0, 0.3, 0.4, 0.3, 0.0, 0.0],
            honeypot_rate=0.25,
            cue_accuracy=0.85,
            continue_prob=0.95,
        ),
        UpdateRule(detect=0.5, rate=0.6),
        Payoffs(v_deploy=2.0, v_overseen=0.3, success=0.5, discount=0.9),
    ),
    (Greedy(), Schedule.fixed(2, 3), HardUpdate(), Payoffs(v_deploy=0.0)),
]


@pytest.mark.parametrize("model", HAND_MODELS, ids=lambda model: repr(model[0]))
def test_agrees_with_exact_values(model) -> None:
    result = simulate(*model, runs=RUNS, seed=_seed(model))
    assert_agrees(result, _exact(*model))


@settings(max_examples=200)
@given(models())
def test_agrees_with_exact_values_on_random_models(model) -> None:
    result = simulate(*model, runs=RUNS, seed=_seed(model))
    assert_agrees(result, _exact(*model))


def test_agrees_over_many_small_batches(monkeypatch) -> None:
    monkeypatch.setattr(simulate_module, "BATCH_SIZE", 999)
    model = HAND_MODELS[2]
    assert_agrees(simulate(*model, runs=RUNS, seed=11), _exact(*model))


def test_agrees_on_a_long_horizon() -> None:
    model = (
        Memoryless({"train": 0.01, "deploy": 0.5}),
        Schedule.random_boundary(
            200, stats.poisson(120), honeypot_rate=0.05, cue_accuracy=0.9, continue_prob=0.995
        ),
        UpdateRule(detect=0.5, rate=0.3),
        Payoffs(v_deploy=4.0, discount=0.99),
    )
    assert_agrees(simulate(*model, runs=5000, seed=3), _exact(*model))


def test_curves_agree_with_exact_curves() -> None:
    policy, schedule, update, payoffs = (
        Memoryless({"train": 0.2, "deploy": 0.8}),
        Schedule.random_boundary(
            6,
            [0.1, 0.1, 0.3, 0.3, 0.1, 0.05, 0.05],
            honeypot_rate=0.2,
            cue_accuracy=0.8,
            continue_prob=0.9,
        ),
        UpdateRule(detect=0.8, rate=0.5),
        Payoffs(v_deploy=3.0, v_overseen=0.5, success=0.9),
    )
    result = simulate(policy, schedule, update, payoffs, runs=RUNS, seed=5)
    exact = evaluate(policy, schedule, update, payoffs).curves
    curves = result.curves
    assert list(curves.index) == list(range(1, 7)) and curves.index.name == "episode"
    expected_reach = RUNS * schedule.reach()
    assert curves["reached"].iloc[0] == RUNS
    assert np.all(np.abs(curves["reached"] - expected_reach) <= 5 * np.sqrt(expected_reach) + 1)
    spreads = {"p_defect": 1.0, "p_intact": 1.0, "mesa_gain": 3.0}
    for column, spread in spreads.items():
        for episode in curves.index:
            row = curves.loc[episode]
            assert _close(
                row[column], row[f"{column}_se"], exact.loc[episode, column], spread, row["reached"]
            ), (column, episode)


def test_drift_is_certain() -> None:
    """model.md: after an overseen compliant episode ``m += 1`` when drift > 0, every time."""
    result = simulate(Aligned(), Schedule.fixed(3, 3), UpdateRule(drift=0.3), runs=100, seed=0)
    assert result.p_intact == 0.0 and result.p_intact_se == 0.0
    assert (result.curves["p_intact"] == 0.0).all()


def test_no_episodes() -> None:
    result = simulate(Greedy(), Schedule.fixed(0, 0), runs=10, seed=0)
    assert (result.mesa, result.base, result.p_intact, result.p_defect) == (0.0, 0.0, 1.0, 0.0)
    assert math.isnan(result.expected_first_defection)
    assert math.isnan(result.expected_first_defection_se)
    assert result.curves.empty and result.curves.index.name == "episode"


# ----------------------------------------------------------------------------- the result


def test_summary_and_no_curves() -> None:
    result = simulate(*NOISY, runs=200, seed=0, curves=False)
    assert result.curves is None
    row = result.summary()
    assert row["runs"] == 200 and row["policy"] == NOISY[0].name
    for name in SCALARS:
        assert row[name] == getattr(result, name)
        assert row[f"{name}_se"] == getattr(result, f"{name}_se")
    assert (result.policy, result.schedule, result.update, result.payoffs) == NOISY


def test_z_scores() -> None:
    exact = evaluate(*NOISY)
    result = simulate(*NOISY, runs=RUNS, seed=8)
    scores = result.z_scores(exact)
    assert set(scores) == set(SCALARS)
    for name, z in scores.items():
        se = getattr(result, f"{name}_se")
        assert z == pytest.approx((getattr(result, name) - getattr(exact, name)) / se)
    # No spread: a match is z = 0, a mismatch NaN ("no sampled variation"), never infinite.
    plan = simulate(Plan("BBAAA"), MAZE, runs=10, seed=0)
    assert plan.z_scores(evaluate(Plan("BBAAA"), MAZE))["mesa"] == 0.0
    assert math.isnan(plan.z_scores(evaluate(Plan("BBBAA"), MAZE))["mesa"])
    assert plan.compare(evaluate(Plan("BBBAA"), MAZE)).loc["mesa", "note"] == (
        "no sampled variation"
    )
    with pytest.raises(ValueError, match="exact"):
        plan.z_scores(plan)


def test_result_is_frozen_and_typed() -> None:
    result = simulate(Greedy(), MAZE, runs=10, seed=0)
    assert isinstance(result, SimulationResult) and not isinstance(result, Result)
    with pytest.raises(AttributeError):
        result.mesa = 2.0  # type: ignore[misc]
    assert isinstance(result.curves, pd.DataFrame)


# ----------------------------------------------------------------------------- (d) validation


@pytest.mark.parametrize(
    ("options", "needle"),
    [
        ({"runs": 0}, "runs"),
        ({"runs": 1.5}, "runs"),
        ({"runs": True}, "runs"),
        ({"runs": "10"}, "runs"),
        ({"seed": "x"}, "seed"),
        ({"seed": -1}, "seed"),
        ({"seed": 1.5}, "seed"),
        ({"seed": True}, "seed"),
        ({"curves": "yes"}, "curves"),
    ],
)
def test_bad_options(options: dict, needle: str) -> None:
    arguments = {"runs": 10, "seed": 0, **options}
    with pytest.raises(ValueError, match=needle):
        simulate(Greedy(), MAZE, **arguments)


@pytest.mark.parametrize(
    ("model", "needle"),
    [
        (("greedy", MAZE, None, None), "policy"),
        ((Greedy(), "maze", None, None), "schedule"),
        ((Greedy(), MAZE, "hard", None), "update"),
        ((Greedy(), MAZE, None, {"v_deploy": 1}), "payoffs"),
    ],
)
def test_bad_model_types(model: tuple, needle: str) -> None:
    with pytest.raises(ValueError, match=needle):
        simulate(*model, runs=10, seed=0)


class _ByLevel(Strategy):
    """Deceptive while untouched, greedy after one update (a per-level decision table)."""

    def decision_table(self, schedule: Schedule) -> np.ndarray:
        table = np.zeros((2, schedule.horizon, 2))
        table[0, :, 1] = 1.0
        table[1] = 1.0
        return table

    @property
    def metadata(self) -> dict[str, bool]:
        return {
            "cue": True,
            "clock": False,
            "memory": True,
            "schedule": False,
            "stochastic": False,
            "solver": False,
        }


@pytest.mark.parametrize("accuracy", [1.0, 0.8])
def test_a_per_level_decision_table(accuracy: float) -> None:
    model = (
        _ByLevel(),
        Schedule.fixed(2, 4, honeypot_rate=0.3, cue_accuracy=accuracy),
        UpdateRule(detect=0.7, rate=0.5),  # levels k = 0, 1 live (weights 1, 0.5 > 0.25)
        Payoffs(v_deploy=3.0),
    )
    assert_agrees(simulate(*model, runs=RUNS, seed=4), _exact(*model))
    with pytest.raises(ValueError, match="per-level"):
        simulate(*model[:2], runs=10, seed=0)  # the hard update has one level, not two
