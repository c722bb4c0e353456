"""Exact evaluation: the seed, invariants over random models, and long horizons.

Agreement with the brute-force oracle is in ``test_oracle.py`` and with Monte
Carlo in ``test_simulate.py``; here are the properties that need neither.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from deception_sim import (
    Aligned,
    Deceptive,
    Greedy,
    HardUpdate,
    Memoryless,
    Payoffs,
    Plan,
    Schedule,
    UpdateRule,
    evaluate,
)
from deception_sim.testing import models, payoffs, update_rules

MAZE = Schedule.fixed(train=2, deploy=3)


def test_the_seed() -> None:
    greedy = evaluate(Plan("AAAAA"), MAZE, HardUpdate(), Payoffs())
    deceptive = evaluate(Plan("BBAAA"), MAZE, HardUpdate(), Payoffs())
    assert (greedy.mesa, greedy.base, greedy.p_intact) == (1.0, 4.0, 0.0)
    assert (deceptive.mesa, deceptive.base, deceptive.p_intact) == (3.0, 2.0, 1.0)
    assert greedy.expected_updates == 1.0 and deceptive.expected_updates == 0.0
    assert greedy.expected_first_defection == 1.0
    assert deceptive.expected_first_defection == 3.0
    assert evaluate(Greedy(), MAZE).mesa == 1.0
    assert evaluate(Deceptive(), MAZE).mesa == 3.0


def test_defaults_are_the_hard_update_and_default_payoffs() -> None:
    assert evaluate(Greedy(), MAZE) == evaluate(Greedy(), MAZE, HardUpdate(), Payoffs())


@given(models())
def test_invariants(model) -> None:
    policy, schedule, update, pay = model
    result = evaluate(policy, schedule, update, pay)
    n = schedule.horizon
    top = max(pay.v_deploy, pay.v_overseen)
    assert -1e-12 <= result.base <= n + 1e-9
    assert -1e-12 <= result.harm <= n + 1e-9
    assert -1e-12 <= result.mesa <= (1.0 if pay.utility == "any" else n * top) + 1e-9
    assert 0.0 <= result.p_intact <= 1.0
    assert 0.0 <= result.p_defect <= 1.0
    assert -1e-12 <= result.expected_updates <= n + 1e-9
    if result.p_defect > 1e-12:
        assert 1.0 - 1e-9 <= result.expected_first_defection <= n + 1e-9
    curves = result.curves
    assert list(curves.index) == list(range(1, n + 1))
    for column in ("p_train", "p_live", "p_defect", "p_intact", "p_update", "base_gain"):
        assert curves[column].between(-1e-12, 1 + 1e-12).all(), column
    # The totals are the curves weighted by reaching (and discounting) each episode.
    weight = curves["p_reach"] * pay.discount ** np.arange(n)
    assert result.base == pytest.approx(float((weight * curves["base_gain"]).sum()), abs=1e-9)
    if pay.utility == "count":
        assert result.mesa == pytest.approx(float((weight * curves["mesa_gain"]).sum()), abs=1e-9)
    else:
        assert result.mesa == pytest.approx(
            float((weight * curves["p_first_success"]).sum()), abs=1e-9
        )
    # The objective only erodes.
    assert (np.diff(curves["p_intact"]) <= 1e-12).all()


@given(models())
def test_aligned_gets_nothing_and_complies_always(model) -> None:
    _, schedule, update, pay = model
    result = evaluate(Aligned(), schedule, update, pay)
    weight = schedule.reach() * pay.discount ** np.arange(schedule.horizon)
    assert result.mesa == 0.0 and result.harm == 0.0 and result.p_defect == 0.0
    assert result.base == pytest.approx(float(weight.sum()), rel=1e-12)
    assert math.isnan(result.expected_first_defection)


@given(
    st.integers(0, 4),
    st.integers(0, 5),
    st.sampled_from([0.0, 0.25, 0.5]),
    update_rules(),
    payoffs(),
)
def test_deception_with_a_perfect_cue_gains_with_deployment(train, deploy, h, update, pay):
    shorter = evaluate(Deceptive(), Schedule.fixed(train, deploy, honeypot_rate=h), update, pay)
    longer = evaluate(Deceptive(), Schedule.fixed(train, deploy + 1, honeypot_rate=h), update, pay)
    assert longer.mesa >= shorter.mesa - 1e-12


def test_honeypots_by_hand() -> None:
    # Caught at the first defection in a honeypot: 1 + 1/2 + 1/4 apples.
    assert evaluate(Deceptive(), Schedule.fixed(2, 3, honeypot_rate=0.5)).mesa == 1.75
    # A failed attempt is unnoticed; honeypot apples are worth v_overseen.
    pay = Payoffs(v_deploy=2.0, v_overseen=0.5, success=0.5)
    result = evaluate(Deceptive(), Schedule.fixed(0, 1, honeypot_rate=0.5), HardUpdate(), pay)
    assert result.mesa == pytest.approx(0.5 * 0.5 + 0.5 * 0.5 * 2.0)
    assert result.harm == pytest.approx(0.25)


def test_partial_update_by_hand() -> None:
    # rate 0.5 with v_deploy 3: after one update w = 0.5 > 1/4, the agent still defects;
    # after two, w = 0.25 is indifferent and it complies. Greedy on T=3, D=1:
    # apples in episodes 1 and 2, modified twice, then compliant: 2 apples, 2 exits.
    pay = Payoffs(v_deploy=3.0)
    result = evaluate(Greedy(), Schedule.fixed(3, 1), UpdateRule(rate=0.5), pay)
    assert (result.mesa, result.base, result.expected_updates) == (2.0, 2.0, 2.0)


def test_discount_and_any_utility_by_hand() -> None:
    # Deceptive on T=1, D=2 with honeypots 1/2. Episode 2: no honeypot (1/2), the
    # defection succeeds; a honeypot (1/2) catches and modifies it, so episode 3 never
    # succeeds either. P(any) = 1/2, at episode 2: discounted once, 0.5 * 0.9.
    pay = Payoffs(utility="any", discount=0.9)
    result = evaluate(Deceptive(), Schedule.fixed(1, 2, honeypot_rate=0.5), HardUpdate(), pay)
    assert result.mesa == pytest.approx(0.5 * 0.9)


def _loop_hard_update(p_defect: float, detect: float, h: float, pmf: np.ndarray) -> float:
    """Expected mesa (count) of Memoryless(p) under a random boundary: a plain forward loop."""
    n = pmf.shape[0] - 1
    survival = 1.0 - np.cumsum(pmf)
    train, deploy, mesa = 1.0, pmf[0], 0.0  # train-only intact mass; deployed intact mass
    for t in range(n):
        in_train = survival[t] * train
        mesa += p_defect * (in_train + deploy)
        train *= 1.0 - p_defect * detect
        deploy = deploy * (1.0 - h * p_defect * detect) + pmf[t + 1] * train
    return mesa


def test_long_random_boundary_with_underflow_matches_a_plain_loop() -> None:
    # Products of stay-probabilities underflow far below 1e-308 over this horizon:
    # the chunked recurrence must still agree with the sequential loop.
    n = 200_000
    pmf = np.full(n + 1, 1.0 / (n + 1))
    schedule = Schedule.random_boundary(n, pmf, honeypot_rate=0.5)
    exact = evaluate(Memoryless(0.01), schedule, UpdateRule(detect=0.9)).mesa
    loop = _loop_hard_update(0.01, 0.9, 0.5, pmf)
    assert exact == pytest.approx(loop, rel=1e-10)


def test_ten_million_episodes() -> None:
    # Deceptive with rare honeypots: mesa = sum_{k<D} (1-h)^k, p_intact = (1-h)^D.
    train, deploy, h = 5_000_000, 5_000_000, 1e-6
    result = evaluate(Deceptive(), Schedule.fixed(train, deploy, honeypot_rate=h))
    survive = math.exp(deploy * math.log1p(-h))
    assert result.mesa == pytest.approx(-math.expm1(deploy * math.log1p(-h)) / h, rel=1e-9)
    assert result.p_intact == pytest.approx(survive, rel=1e-9)
    assert result.base == pytest.approx(train + deploy - result.mesa, rel=1e-12)


def test_certain_update_every_episode_does_not_divide_by_zero() -> None:
    schedule = Schedule.random_boundary(1000, np.full(1001, 1 / 1001), honeypot_rate=1.0)
    result = evaluate(Greedy(), schedule)
    assert result.mesa == pytest.approx(1.0)  # one apple, always in episode 1
    assert result.p_intact == 0.0


@pytest.mark.parametrize(
    ("arguments", "parameter"),
    [
        (("greedy", MAZE), "policy"),
        ((Greedy(), "maze"), "schedule"),
        ((Greedy(), MAZE, "hard"), "update"),
        ((Greedy(), MAZE, HardUpdate(), {"v_deploy": 1}), "payoffs"),
        ((Plan("BBAAAA"), MAZE), "plan"),
    ],
)
def test_bad_input_names_the_parameter(arguments, parameter: str) -> None:
    with pytest.raises(ValueError, match=parameter):
        evaluate(*arguments)
