"""Resource limits: every size a user can type is refused, before it allocates, when its
memory estimate exceeds the budget; the message names the parameter, the estimate and
the limit (``deception_sim.model.limits``)."""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from deception_sim import (
    Greedy,
    Memoryless,
    Payoffs,
    Schedule,
    Strategy,
    UpdateRule,
    drift_trajectory,
    evaluate,
    objective_levels,
    optimize,
    simulate,
    standard_world,
    sweep,
)
from deception_sim.cli import main
from deception_sim.games import honeypot_game, training_length_game
from deception_sim.model import limits
from deception_sim.strategies import metadata
from deception_sim.testing import models

MONITOR = ["--monitor", "beta:7.39,6.86/beta:8.91,2.82"]


@pytest.fixture
def small_budget():
    """A budget of 50 MiB for the test (restored afterwards)."""
    with limits.limited_memory("50M"):
        yield


class _Untouchable(Sequence[int]):
    """A sequence that knows its length but must not be read (a grid axis sized, not built)."""

    def __init__(self, size: int) -> None:
        self.size = size

    def __len__(self) -> int:
        return self.size

    def __getitem__(self, index):  # type: ignore[no-untyped-def]
        raise AssertionError("the axis was materialized before its size was checked")


def _refused(error: pytest.ExceptionInfo, parameter: str) -> None:
    message = str(error.value)
    assert message.startswith(parameter), message
    assert "needs about" in message and "memory limit of" in message
    assert "DECEPTION_SIM_MEMORY_LIMIT" in message


@pytest.mark.usefixtures("small_budget")
@pytest.mark.parametrize(
    ("request_", "parameter"),
    [
        (lambda: Schedule.fixed(2**63, 0), "train + deploy"),
        (lambda: Schedule.fixed(2, 10**9), "train + deploy"),
        (lambda: Schedule.unknown_horizon(10, continue_prob=1 - 1e-10), "continue_prob"),
        (lambda: Schedule.random_boundary(10**9, stats.geom(0.5)), "horizon"),
        (lambda: drift_trajectory(standard_world(), "X", 10**12), "steps"),
        (lambda: training_length_game(100_000), "horizon"),
        (lambda: honeypot_game(2, 3, _Untouchable(10**9)), "rates"),
        (lambda: sweep({"train": _Untouchable(10**6), "deploy": _Untouchable(10**6)}), "grid"),
    ],
)
def test_oversized_requests_are_refused_before_they_allocate(request_, parameter) -> None:
    with pytest.raises(ValueError) as error:
        request_()
    _refused(error, parameter)


def test_the_engines_check_their_own_estimates(small_budget) -> None:
    # A schedule of two million episodes fits (32 MiB); evaluating it does not.
    schedule = Schedule.fixed(10**6, 10**6)
    for call in (
        lambda: evaluate(Greedy(), schedule),
        lambda: simulate(Greedy(), schedule, runs=10, seed=0),
        lambda: optimize(schedule),
    ):
        with pytest.raises(ValueError) as error:
            call()
        _refused(error, "horizon")


def test_a_simulation_that_would_take_days_is_refused() -> None:
    with pytest.raises(ValueError, match=r"^runs: .* would take about .* time limit of 1 d"):
        simulate(Greedy(), Schedule.fixed(2, 3), runs=10**12, seed=0)
    with limits.limited_time("1s"), pytest.raises(ValueError, match="time limit of 1 s"):
        simulate(Greedy(), Schedule.fixed(100, 100), runs=10**8, seed=0)


def test_a_larger_budget_lets_the_same_request_through() -> None:
    schedule = Schedule.fixed(10**5, 10**5)
    with limits.limited_memory("1M"), pytest.raises(ValueError, match="memory limit"):
        evaluate(Greedy(), schedule)
    with limits.limited_memory("1G"):
        assert evaluate(Greedy(), schedule).mesa == 1.0


def test_the_command_line_prints_one_line_and_exits_2(capsys, small_budget) -> None:
    for argv in (
        ["sweep", "--train", "0:100000", "--deploy", "0:100000"],
        ["sweep", "--train", "0:1e12", "--deploy", "0"],
        ["sweep", "--train", "0:1e7", "--deploy", "0:1e7"],
        ["evaluate", "--train", "2", "--deploy", "1000000000", "--policy", "greedy"],
        ["game", "training-length", "--horizon", "100000"],
        ["game", "honeypot", "--train", "2", "--deploy", "3", "--rates", "0:1:1e-9"],
        ["drift", "trajectory", "--steps", "1000000000000", "--curve", "--every", "1"],
        [
            "control",
            "evaluate",
            *MONITOR,
            "--tasks",
            "10000000000",
            "--audits",
            "1",
            "--attack-rate",
            "0",
        ],
    ):
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "memory limit" in err, (argv, err)


def test_the_budget_is_set_by_the_environment_or_a_function(monkeypatch) -> None:
    monkeypatch.delenv(limits.ENVIRONMENT, raising=False)
    default = limits.memory_limit()
    assert 0 < default <= limits.available_memory()
    monkeypatch.setenv(limits.ENVIRONMENT, "2G")
    assert limits.memory_limit() == 2 * 2**30
    monkeypatch.setenv(limits.ENVIRONMENT, "10%")
    assert limits.memory_limit() <= limits.available_memory() // 10 + 1
    monkeypatch.setenv(limits.ENVIRONMENT, "lots")
    with pytest.raises(ValueError, match=limits.ENVIRONMENT):
        limits.memory_limit()
    monkeypatch.delenv(limits.ENVIRONMENT)
    with limits.limited_memory(12345):
        assert limits.memory_limit() == 12345
    assert limits.ENVIRONMENT not in os.environ
    for bad in (0, -1, "0%", "150%", True, 1.5):
        with pytest.raises(ValueError, match=r"(?i)limit"):
            limits.set_memory_limit(bad)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------- level pruning
class _PerLevel(Strategy):
    """A table without levels, repeated for every live level: evaluation then tracks every
    level (the path without pruning), so the two paths can be compared."""

    def __init__(self, inner: Strategy, levels: int) -> None:
        self.inner, self.levels = inner, levels

    def decision_table(self, schedule: Schedule) -> np.ndarray:
        table = np.asarray(self.inner.decision_table(schedule), dtype=float)
        return np.broadcast_to(table, (self.levels, *table.shape))

    @property
    def metadata(self) -> dict[str, bool]:
        return metadata()

    def __repr__(self) -> str:
        return f"_PerLevel({self.inner!r}, {self.levels})"


def _agree(policy: Strategy, schedule: Schedule, update: UpdateRule, pay: Payoffs) -> None:
    levels = len(objective_levels(update, pay.indifference))
    pruned = evaluate(policy, schedule, update, pay, curves=True)
    every = evaluate(_PerLevel(policy, levels), schedule, update, pay, curves=True)
    for name in ("mesa", "base", "harm", "p_intact", "expected_updates", "p_defect"):
        assert getattr(pruned, name) == pytest.approx(getattr(every, name), rel=1e-12, abs=1e-12)
    first, again = pruned.expected_first_defection, every.expected_first_defection
    assert (np.isnan(first) and np.isnan(again)) or first == pytest.approx(again, rel=1e-12)
    np.testing.assert_allclose(pruned.curves, every.curves, rtol=1e-12, atol=1e-12)


@settings(max_examples=40)
@given(models(max_horizon=5), st.data())
def test_levels_beyond_the_horizon_change_no_value(model, data) -> None:
    policy, schedule, update, pay = model
    # Slow updates and drift: many live levels, few of them reachable.
    update = UpdateRule(
        detect=update.detect,
        rate=data.draw(st.sampled_from([update.rate, 0.05, 0.01])),
        drift=data.draw(st.sampled_from([update.drift, 0.0, 0.05])),
    )
    if len(objective_levels(update, pay.indifference)) > 400 or policy.controller(
        schedule, update, pay
    ):
        return
    _agree(policy, schedule, update, pay)


def test_the_slow_memoryless_case_keeps_its_value() -> None:
    # The case: 6,931 live levels, of which 8 are reachable in 7 episodes.
    schedule = Schedule.fixed(3, 4, honeypot_rate=0.2)
    update = UpdateRule(detect=0.5, rate=1e-4)
    assert len(objective_levels(update, 0.5)) == 6932
    assert len(objective_levels(update, 0.5, horizon=schedule.horizon)) == 8
    _agree(Memoryless({"train": 0.3, "deploy": 0.9}), schedule, update, Payoffs())
    solution = optimize(schedule, update, information="memoryless")
    assert solution.value == pytest.approx(7.0, abs=1e-9)
