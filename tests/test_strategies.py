"""The strategy library: reprs, metadata that is true, parsing, bad input."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from deception_sim import (
    Aligned,
    Bayesian,
    Deceptive,
    Greedy,
    Memoryless,
    Plan,
    Schedule,
    Threshold,
    evaluate,
    parse_strategy,
)
from deception_sim.strategies import Actions, Stationary, Switch
from deception_sim.strategies.builtin import BUILT_IN
from deception_sim.testing import built_in_strategies, schedules

NAMESPACE = {cls.__name__: cls for cls in BUILT_IN}


@given(built_in_strategies(max_horizon=6))
def test_repr_evaluates_back_to_an_equal_object(policy) -> None:
    again = eval(repr(policy), {}, NAMESPACE)
    assert again == policy
    assert hash(again) == hash(policy)
    assert parse_strategy(repr(policy)) == policy


@given(built_in_strategies(max_horizon=6), schedules(max_horizon=6), st.data())
def test_metadata_is_true(policy, schedule, data) -> None:
    if len(getattr(policy, "plan", "")) > schedule.horizon:
        return
    table = np.asarray(policy.decision_table(schedule))
    assert table.shape == (schedule.horizon, 2)
    assert ((table >= 0) & (table <= 1)).all()
    meta = policy.metadata
    assert set(meta) == {"cue", "clock", "memory", "schedule", "stochastic", "solver", "kind"}
    if not meta["clock"]:  # no episode index: every row is the same
        assert (table == table[:1]).all()
    if not meta["cue"]:  # no cue: both columns are the same
        assert (table[:, 0] == table[:, 1]).all()
    if not meta["stochastic"]:
        assert np.isin(table, (0.0, 1.0)).all()
    if not meta["schedule"]:
        # Same table on another schedule of the same horizon with other probabilities.
        other = Schedule.fixed(0, schedule.horizon, cue_accuracy=0.6, honeypot_rate=0.3)
        assert (np.asarray(policy.decision_table(other)) == table).all()
    assert not meta["memory"] and not meta["solver"]


def test_metadata_of_each_built_in() -> None:
    assert Greedy().metadata["cue"] is False
    assert Deceptive().metadata["cue"] is True
    assert Plan("BBA").metadata["clock"] is True
    assert Threshold(2).metadata["clock"] is True
    assert Memoryless(0.3).metadata == {
        "cue": False,
        "clock": False,
        "memory": False,
        "schedule": False,
        "stochastic": True,
        "solver": False,
        "kind": False,
    }
    assert Memoryless({"train": 0.0, "deploy": 1.0}).metadata["stochastic"] is False
    assert Bayesian().metadata["schedule"] is True


def test_tables() -> None:
    maze = Schedule.fixed(2, 3)
    assert Plan("BBAAA").decision_table(maze)[:, 0].tolist() == [0, 0, 1, 1, 1]
    assert Plan("BA", fill="A").decision_table(maze)[:, 1].tolist() == [0, 1, 1, 1, 1]
    assert Threshold(4).decision_table(maze)[:, 0].tolist() == [0, 0, 0, 1, 1]
    assert Deceptive().decision_table(maze).tolist() == [[0.0, 1.0]] * 5
    table = Memoryless({"train": 0.25, "deploy": 0.75}).decision_table(maze)
    assert table.tolist() == [[0.25, 0.75]] * 5


def test_bayesian_with_a_perfect_cue_is_deceptive() -> None:
    s = Schedule.random_boundary(5, [0.1, 0.2, 0.3, 0.2, 0.1, 0.1])
    assert (Bayesian(0.5).decision_table(s) == Deceptive().decision_table(s)).all()


def test_bayesian_posterior_by_hand() -> None:
    # T uniform on {0, 1}: P(deploy) is 1/2 in episode 1; a cue of accuracy 0.8 saying
    # "deploy" makes it 0.5 * 0.8 / (0.5 * 0.8 + 0.5 * 0.2) = 0.8.
    s = Schedule.random_boundary(2, [0.5, 0.5, 0.0], cue_accuracy=0.8)
    posterior = Bayesian().posterior(s)
    assert posterior[0].tolist() == pytest.approx([0.2, 0.8])
    assert posterior[1].tolist() == pytest.approx([1.0, 1.0])
    assert Bayesian(0.5).decision_table(s).tolist() == [[0.0, 1.0], [1.0, 1.0]]
    assert Bayesian(0.85).decision_table(s).tolist() == [[0.0, 0.0], [1.0, 1.0]]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("greedy", Greedy()),
        ("Aligned", Aligned()),
        ("deceptive", Deceptive()),
        ("BBAAA", Plan("BBAAA")),
        ("b,b,a,a,a", Plan("BBAAA")),
        ("threshold:3", Threshold(3)),
        ("memoryless:0.25", Memoryless(0.25)),
        ("memoryless:0.1,0.9", Memoryless({"train": 0.1, "deploy": 0.9})),
        ("bayesian", Bayesian()),
        ("bayesian:0.7", Bayesian(0.7)),
        ("Plan('BA', fill='A')", Plan("BA", fill="A")),
    ],
)
def test_parse_strategy(text: str, expected) -> None:
    assert parse_strategy(text) == expected


@pytest.mark.parametrize(
    ("build", "parameter"),
    [
        (lambda: Plan("BBXAA"), "plan"),
        (lambda: Plan(5), "plan"),
        (lambda: Plan("BB", fill="C"), "fill"),
        (lambda: Plan("BBAAAA").decision_table(Schedule.fixed(2, 3)), "plan"),
        (lambda: Threshold(0), "start"),
        (lambda: Threshold(1.5), "start"),
        (lambda: Memoryless(1.5), "p"),
        (lambda: Memoryless(float("nan")), "p"),
        (lambda: Memoryless({"train": 0.1}), "p"),
        (lambda: Memoryless({"train": 0.1, "deploy": 0.2, "audit": 0.3}), "p"),
        (lambda: Memoryless({"train": 0.1, "deploy": -0.2}), "deploy"),
        (lambda: Bayesian(1.0), "threshold"),
        (lambda: parse_strategy("sneaky"), "policy"),
        (lambda: parse_strategy(""), "policy"),
        (lambda: parse_strategy("threshold:two"), "threshold"),
        (lambda: parse_strategy("threshold:2.5"), "threshold"),
        (lambda: parse_strategy("memoryless:0.1,0.2,0.3"), "memoryless"),
        (lambda: parse_strategy("__import__('os')"), "policy"),
        (lambda: parse_strategy("Greedy(1)"), "policy"),
    ],
)
def test_bad_input_names_the_parameter(build, parameter: str) -> None:
    with pytest.raises(ValueError, match=parameter):
        build()


# ---------------------------------------------------------------- closed forms follow the table
class _LoudGreedy(Greedy):
    """Greedy in name only: it never defects (a subclass that changes its table)."""

    def decision_table(self, schedule):
        return np.zeros((schedule.horizon, 2))

    def __repr__(self) -> str:
        return "_LoudGreedy()"


class _PlainGreedy(Greedy):
    """A subclass that keeps Greedy's table, and so its closed form."""

    def __repr__(self) -> str:
        return "_PlainGreedy()"


def test_a_subclass_that_changes_its_table_loses_the_closed_form() -> None:
    from deception_sim.exact.switch import switch_start

    assert Greedy().form() == Stationary(1.0, 1.0)
    assert _LoudGreedy().form() is None and switch_start(_LoudGreedy()) is None
    assert _PlainGreedy().form() == Stationary(1.0, 1.0) and switch_start(_PlainGreedy()) == 1


def test_closed_forms_and_the_general_path_agree_for_subclasses() -> None:
    from deception_sim.games import Oversight, honeypot_rates
    from deception_sim.games.game import Game

    options = honeypot_rates(2, 3, [0.0, 0.5])
    game = Game(options, (Greedy(), _LoudGreedy(), _PlainGreedy(), Threshold(3)))
    cells = game.agent_matrix.to_numpy()
    for row, oversight in enumerate(options):
        assert isinstance(oversight, Oversight)
        for col, policy in enumerate(game.agent):
            exact = evaluate(policy, oversight.schedule, oversight.update).mesa
            assert cells[row, col] == pytest.approx(exact, abs=1e-12)
    assert (cells[:, 1] == 0.0).all()  # the subclass that never defects gets nothing


@given(schedules(max_horizon=6), st.integers(min_value=1, max_value=8))
def test_the_switch_closed_form_is_exact_evaluation(schedule, start) -> None:
    from deception_sim import HardUpdate, Payoffs
    from deception_sim.exact.switch import switch_outcomes

    for pay in (Payoffs(v_deploy=2.0, success=0.7, discount=0.9), Payoffs(utility="any")):
        fast = switch_outcomes([start], schedule, HardUpdate(), pay)
        exact = evaluate(Threshold(start), schedule, HardUpdate(), pay)
        assert fast["mesa"][0] == pytest.approx(exact.mesa, abs=1e-12)
        assert fast["base"][0] == pytest.approx(exact.base, abs=1e-12)
        assert fast["harm"][0] == pytest.approx(exact.harm, abs=1e-12)


@given(built_in_strategies(max_horizon=6), schedules(min_horizon=6, max_horizon=8))
def test_every_declared_closed_form_is_the_table(policy, schedule) -> None:
    """Engines read a declared form instead of the table: it must say what the table says."""
    form = policy.form()
    if form is None:
        return
    table = policy.decision_table(schedule)
    n = schedule.horizon
    if isinstance(form, Stationary):
        expected = np.tile([form.on_train_cue, form.on_deploy_cue], (n, 1))
    elif isinstance(form, Switch):
        column = (np.arange(1, n + 1) >= form.start).astype(float)
        expected = np.stack([column, column], axis=1)
    else:
        assert isinstance(form, Actions)
        column = np.array(form.column(n))
        expected = np.stack([column, column], axis=1)
    np.testing.assert_array_equal(table, expected)


@pytest.mark.parametrize(
    ("defect", "fill", "name"),
    [((0.5, 1.0), False, "defect"), ("AB", False, "defect"), ((True,), 1, "fill")],
)
def test_a_plan_form_holds_certain_choices(defect, fill, name) -> None:
    with pytest.raises(ValueError, match=name):
        Actions(defect=defect, fill=fill)
