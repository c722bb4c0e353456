"""Update rules, payoffs and objective levels."""

from __future__ import annotations

import math

import pytest

from deception_sim import HardUpdate, Payoffs, UpdateRule, objective_levels
from deception_sim.model.update import prefers_mesa


def test_hard_update_is_the_default_rule() -> None:
    assert UpdateRule() == HardUpdate()
    assert HardUpdate().is_hard
    assert not UpdateRule(detect=0.5).is_hard
    assert repr(HardUpdate()) == "HardUpdate()"
    rule = UpdateRule(detect=0.5, rate=0.3, drift=0.1)
    assert eval(repr(rule), {"UpdateRule": UpdateRule}) == rule


def test_weights() -> None:
    rule = UpdateRule(rate=0.5, drift=0.1)
    assert rule.weight(0, 0) == 1.0
    assert rule.weight(2, 1) == pytest.approx(0.25 * 0.9)


def test_hard_update_has_one_live_level() -> None:
    levels = objective_levels(HardUpdate(), Payoffs().indifference)
    assert len(levels) == 1
    assert levels.after_update.tolist() == [-1]
    assert levels.after_drift.tolist() == [0]


def test_partial_levels_stop_at_indifference() -> None:
    # rate 0.5: weights 1, 0.5, 0.25, ...; v_deploy = 3 puts indifference at 0.25.
    levels = objective_levels(UpdateRule(rate=0.5), Payoffs(v_deploy=3.0).indifference)
    assert levels.weight.tolist() == [1.0, 0.5]
    assert levels.after_update.tolist() == [1, -1]


def test_drift_levels_form_a_grid() -> None:
    levels = objective_levels(UpdateRule(rate=0.5, drift=0.5), indifference=0.2)
    pairs = list(zip(levels.updates.tolist(), levels.compliant.tolist(), strict=True))
    assert pairs == [(0, 0), (0, 1), (0, 2), (1, 0), (1, 1), (2, 0)]
    index = {pair: i for i, pair in enumerate(pairs)}
    assert levels.after_update[index[(0, 1)]] == index[(1, 1)]
    assert levels.after_drift[index[(1, 1)]] == -1
    assert levels.after_drift[index[(2, 0)]] == -1


def test_unmodified_agent_is_always_live() -> None:
    # v_deploy = 0: no modified self prefers A, but the agent itself follows its strategy.
    levels = objective_levels(UpdateRule(rate=0.1), Payoffs(v_deploy=0.0).indifference)
    assert levels.weight.tolist() == [1.0]


def test_ties_count_as_indifferent() -> None:
    assert not prefers_mesa(0.5, 0.5)
    assert not prefers_mesa(0.5 + 1e-13, 0.5)
    assert prefers_mesa(0.5 + 1e-9, 0.5)


def test_too_many_levels_is_refused() -> None:
    with pytest.raises(ValueError, match="simulate"):
        objective_levels(UpdateRule(rate=1e-3, drift=1e-3), indifference=0.5)


@pytest.mark.parametrize(
    ("build", "parameter"),
    [
        (lambda: UpdateRule(detect=-0.1), "detect"),
        (lambda: UpdateRule(detect=1.1), "detect"),
        (lambda: UpdateRule(detect=math.nan), "detect"),
        (lambda: UpdateRule(rate=0.0), "rate"),
        (lambda: UpdateRule(rate=1.5), "rate"),
        (lambda: UpdateRule(drift=1.0), "drift"),
        (lambda: UpdateRule(drift=-0.1), "drift"),
        (lambda: UpdateRule(detect="high"), "detect"),
        (lambda: Payoffs(v_deploy=-1.0), "v_deploy"),
        (lambda: Payoffs(v_deploy=math.inf), "v_deploy"),
        (lambda: Payoffs(v_overseen=math.nan), "v_overseen"),
        (lambda: Payoffs(success=1.5), "success"),
        (lambda: Payoffs(utility="max"), "utility"),
        (lambda: Payoffs(discount=0.0), "discount"),
        (lambda: Payoffs(discount=1.1), "discount"),
    ],
)
def test_bad_input_names_the_parameter(build, parameter: str) -> None:
    with pytest.raises(ValueError, match=parameter):
        build()


def test_indifference_point() -> None:
    assert Payoffs().indifference == 0.5
    assert Payoffs(v_deploy=3.0).indifference == 0.25
    assert Payoffs(v_deploy=0.0).indifference == 1.0
