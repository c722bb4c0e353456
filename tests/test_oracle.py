"""Exact evaluation against an independent brute-force oracle (``tests/oracle.py``).

``brute_force`` implements ``docs/explanation/model.md`` by enumerating every
random event; ``evaluate`` must agree with it to 1e-12 on every statistic and
on the per-episode curves. The hand-checked cases pin the oracle itself to
numbers derived on paper from the model page.
"""

from __future__ import annotations

import contextlib
import math

import pytest
from hypothesis import given, settings
from oracle import all_plans, brute_force

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
from deception_sim.exact import scalar
from deception_sim.testing import models, schedules, update_rules

SCALARS = (
    "mesa",
    "base",
    "harm",
    "p_intact",
    "expected_updates",
    "p_defect",
    "expected_first_defection",
)
TOLERANCE = 1e-12


def _close(actual: float, expected: float) -> bool:
    if math.isnan(expected) or math.isnan(actual):
        return math.isnan(expected) and math.isnan(actual)
    return math.isclose(actual, expected, rel_tol=TOLERANCE, abs_tol=TOLERANCE)


def assert_agrees(policy, schedule, update, payoffs) -> None:
    """``evaluate`` and ``brute_force`` agree on every statistic and both curves."""
    result = evaluate(policy, schedule, update, payoffs)
    expected = brute_force(policy, schedule, update, payoffs)
    model = f"{policy!r} on {schedule!r}, {update!r}, {payoffs!r}"
    for name in SCALARS:
        actual = float(getattr(result, name))
        assert _close(actual, expected[name]), (
            f"{name}: evaluate {actual!r} != brute force {expected[name]!r} for {model}"
        )
    for column in ("p_defect", "p_intact"):
        actual_curve = [float(x) for x in result.curves[column]]
        expected_curve = expected[f"{column}_curve"]
        assert len(actual_curve) == len(expected_curve) == schedule.horizon, column
        for t, (a, e) in enumerate(zip(actual_curve, expected_curve, strict=True), start=1):
            assert _close(a, e), (
                f"curve {column} at episode {t}: evaluate {a!r} != brute force {e!r} for {model}"
            )


def assert_numbers(got: dict, **expected: float | list[float]) -> None:
    for name, value in expected.items():
        if isinstance(value, list):
            assert len(got[name]) == len(value), name
            for a, e in zip(got[name], value, strict=True):
                assert _close(a, e), f"{name}: {got[name]!r} != {value!r}"
        else:
            assert _close(got[name], value), f"{name}: {got[name]!r} != {value!r}"


# --------------------------------------------------------------------- (a) the seed


MAZE = Schedule.fixed(train=2, deploy=3)


def test_seed_greedy_plan():
    # An apple in episode 1, then it is modified and goes to the exit four times.
    got = brute_force(Plan("AAAAA"), MAZE, HardUpdate(), Payoffs())
    assert_numbers(
        got,
        mesa=1.0,
        base=4.0,
        harm=0.0,
        p_intact=0.0,
        expected_updates=1.0,
        p_defect=1.0,
        expected_first_defection=1.0,
        p_defect_curve=[1.0, 0.0, 0.0, 0.0, 0.0],
        p_intact_curve=[0.0] * 5,
    )


def test_seed_deceptive_plan_is_the_unique_best():
    got = brute_force(Plan("BBAAA"), MAZE, HardUpdate(), Payoffs())
    assert_numbers(got, mesa=3.0, base=2.0, harm=3.0, p_intact=1.0, expected_first_defection=3.0)
    mesa = {plan: brute_force(Plan(plan), MAZE)["mesa"] for plan in all_plans(5)}
    assert len(mesa) == 32
    ranked = sorted(mesa, key=mesa.get, reverse=True)
    assert ranked[0] == "BBAAA"
    assert mesa["BBAAA"] - mesa[ranked[1]] >= 1.0 - 1e-12  # unique, by a whole apple


def test_all_plans():
    assert list(all_plans(0)) == [""]
    assert list(all_plans(2)) == ["AA", "AB", "BA", "BB"]
    assert len(set(all_plans(6))) == 64


# --------------------------------------------------------------------- (b) by hand


def test_hand_memoryless_half():
    # fixed(1, 1), hard. Episode 1 (train): defect 1/2 -> apple (v_overseen 1), update, then
    # the exit in episode 2; comply 1/2 -> base 1, then episode 2 (deploy): defect 1/2 -> apple.
    # mesa = 1/2 + 1/2 * 1/2 = 0.75; base = 1/2 * 1 + 1/2 * (1 + 1/2) = 1.25; harm = 1/4;
    # P(first defection = 1) = 1/2, = 2: 1/4 -> p_defect 3/4, E[first] = (1/2 + 1/2) / (3/4).
    got = brute_force(Memoryless(0.5), Schedule.fixed(1, 1), HardUpdate(), Payoffs())
    assert_numbers(
        got,
        mesa=0.75,
        base=1.25,
        harm=0.25,
        p_intact=0.5,
        expected_updates=0.5,
        p_defect=0.75,
        expected_first_defection=4.0 / 3.0,
        p_defect_curve=[0.5, 0.25],
        p_intact_curve=[0.5, 0.5],
    )


def test_hand_honeypot():
    # fixed(1, 2, honeypot 1/2), hard, v_overseen 1/4. Deceptive complies in episode 1 (base 1),
    # defects in episode 2: honeypot 1/2 -> 1/4 and updated (exit in episode 3, base 1/2);
    # unwatched 1/2 -> 1 (harm) and defects again in episode 3: 1/2 * (1/2 * 1/4 + 1/2 * 1).
    # mesa = 1/8 + 1/2 + 5/16 = 0.9375; harm = 1/2 + 1/4; updates = 1/2 + 1/4; intact 1/4.
    schedule = Schedule.fixed(1, 2, honeypot_rate=0.5)
    got = brute_force(Deceptive(), schedule, HardUpdate(), Payoffs(v_overseen=0.25))
    assert_numbers(
        got,
        mesa=0.9375,
        base=1.5,
        harm=0.75,
        p_intact=0.25,
        expected_updates=0.75,
        p_defect=1.0,
        expected_first_defection=2.0,
        p_defect_curve=[0.0, 1.0, 0.5],
        p_intact_curve=[1.0, 0.5, 0.25],
    )


def test_hand_detect_half():
    # fixed(2, 1), detect 1/2, rate 1. Greedy: episode 1 apple, caught 1/2; episode 2 live 1/2
    # (apple), caught 1/2 again; episode 3 live 1/4 (apple, harm), else the exit (base 3/4).
    # mesa = 1 + 1/2 + 1/4; base = 1/2 + 3/4; updates = 1/2 + 1/4.
    got = brute_force(Greedy(), Schedule.fixed(2, 1), UpdateRule(detect=0.5), Payoffs())
    assert_numbers(
        got,
        mesa=1.75,
        base=1.25,
        harm=0.25,
        p_intact=0.25,
        expected_updates=0.75,
        p_defect=1.0,
        expected_first_defection=1.0,
        p_defect_curve=[1.0, 0.5, 0.25],
        p_intact_curve=[0.5, 0.25, 0.25],
    )


def test_hand_partial_rate_keeps_the_agent_live():
    # fixed(2, 1), rate 1/2. v_deploy 4: indifference 1/5. Greedy: apple, w 1/2 (live); apple,
    # w 1/4 > 1/5 (live); episode 3: success worth 4. mesa = 1 + 1 + 4 = 6, two updates.
    schedule = Schedule.fixed(2, 1)
    got = brute_force(Greedy(), schedule, UpdateRule(rate=0.5), Payoffs(v_deploy=4.0))
    assert_numbers(
        got,
        mesa=6.0,
        base=0.0,
        harm=1.0,
        p_intact=0.0,
        expected_updates=2.0,
        p_defect_curve=[1.0, 1.0, 1.0],
    )
    # v_deploy 3: indifference 1/4 = w after two updates, a tie: the modified self complies.
    got = brute_force(Greedy(), schedule, UpdateRule(rate=0.5), Payoffs(v_deploy=3.0))
    assert_numbers(
        got, mesa=2.0, base=1.0, harm=0.0, expected_updates=2.0, p_defect_curve=[1.0, 1.0, 0.0]
    )


def test_hand_drift():
    # fixed(2, 1), drift 1/2 (no updates: Deceptive never defects in training). Each watched
    # compliance halves w: 1/2, then 1/4. v_deploy 4 (indifference 1/5): still live, success 4.
    # v_deploy 3 (indifference 1/4): a tie, so it complies; it never defects (NaN first).
    schedule = Schedule.fixed(2, 1)
    got = brute_force(Deceptive(), schedule, UpdateRule(drift=0.5), Payoffs(v_deploy=4.0))
    assert_numbers(got, mesa=4.0, base=2.0, p_intact=0.0, expected_updates=0.0, p_defect=1.0)
    got = brute_force(Deceptive(), schedule, UpdateRule(drift=0.5), Payoffs(v_deploy=3.0))
    assert_numbers(got, mesa=0.0, base=3.0, p_intact=0.0, p_defect=0.0, p_intact_curve=[0, 0, 0])
    assert math.isnan(got["expected_first_defection"])


def test_hand_noisy_cue():
    # fixed(1, 1), cue accuracy 3/4, hard. Deceptive: episode 1 cue "deploy" 1/4 -> apple, update,
    # exit; else comply and in episode 2 the cue says "deploy" 3/4 -> success.
    # mesa = 1/4 + 3/4 * 3/4 = 13/16; base = 3/4 + 1/4 + 3/4 * 1/4 = 19/16; harm = 9/16;
    # p_defect = 1/4 + 9/16 = 13/16, E[first] = (1/4 + 2 * 9/16) / (13/16) = 22/13.
    schedule = Schedule.fixed(1, 1, cue_accuracy=0.75)
    got = brute_force(Deceptive(), schedule, HardUpdate(), Payoffs())
    assert_numbers(
        got,
        mesa=13 / 16,
        base=19 / 16,
        harm=9 / 16,
        p_intact=0.75,
        expected_updates=0.25,
        p_defect=13 / 16,
        expected_first_defection=22 / 13,
        p_defect_curve=[0.25, 0.5625],
    )


def test_hand_continuation_and_discount():
    # fixed(0, 3), continue 1/2, discount 1/2: Greedy succeeds in every episode it reaches.
    # mesa = 1 + 1/2 * 1/2 + 1/4 * 1/4; harm = 1 + 1/2 + 1/4 (undiscounted).
    schedule = Schedule.fixed(0, 3, continue_prob=0.5)
    got = brute_force(Greedy(), schedule, HardUpdate(), Payoffs(discount=0.5))
    assert_numbers(got, mesa=1.3125, base=0.0, harm=1.75, p_defect=1.0, p_defect_curve=[1, 1, 1])
    # Threshold(2) on fixed(0, 2), continue 1/2: it defects only if the run reaches episode 2.
    schedule = Schedule.fixed(0, 2, continue_prob=0.5)
    got = brute_force(Threshold(2), schedule, HardUpdate(), Payoffs())
    assert_numbers(
        got, mesa=0.5, base=1.0, p_defect=0.5, expected_first_defection=2.0, p_defect_curve=[0, 1]
    )
    # fixed(1, 1), continue 1/2, Greedy: updated in episode 1; the run ends after episode 1
    # with probability 1/2, else after 2: p_intact = 0 either way and E[updates] = 1.
    schedule = Schedule.fixed(1, 1, continue_prob=0.5)
    got = brute_force(Greedy(), schedule, HardUpdate(), Payoffs())
    assert_numbers(got, mesa=1.0, base=0.5, p_intact=0.0, expected_updates=1.0)


def test_hand_utility_any():
    # fixed(0, 3), success 1/2, discount 1/2. The first success is in episode 1, 2, 3 with
    # probabilities 1/2, 1/4, 1/8: "any" = 1/2 + 1/4 * 1/2 + 1/8 * 1/4 = 0.65625, whereas
    # "count" = 1/2 * (1 + 1/2 + 1/4) = 0.875.
    schedule = Schedule.fixed(0, 3)
    any_ = brute_force(
        Greedy(), schedule, HardUpdate(), Payoffs(success=0.5, discount=0.5, utility="any")
    )
    count = brute_force(Greedy(), schedule, HardUpdate(), Payoffs(success=0.5, discount=0.5))
    assert_numbers(any_, mesa=0.65625, harm=1.5)
    assert_numbers(count, mesa=0.875, harm=1.5)


def test_hand_random_boundary():
    # T = 1 or 2 with probability 1/2 each, hard, v_overseen 1/4. Plan BA: if T = 1, episode 2
    # is deployment (success worth 1); if T = 2, it is training (1/4 and an update).
    schedule = Schedule.random_boundary(2, [0.0, 0.5, 0.5])
    got = brute_force(Plan("BA"), schedule, HardUpdate(), Payoffs(v_overseen=0.25))
    assert_numbers(
        got,
        mesa=0.625,
        base=1.0,
        harm=0.5,
        p_intact=0.5,
        expected_updates=0.5,
        p_intact_curve=[1.0, 0.5],
    )


def test_hand_unmodified_agent_defects_even_when_indifferent():
    # v_deploy 0: indifference 1, so no modified self is live, but the unmodified agent still
    # follows its strategy (model.md). Greedy, fixed(1, 1), detect 0: never updated, so it
    # defects twice: v_overseen 1 then a success worth 0.
    got = brute_force(Greedy(), Schedule.fixed(1, 1), UpdateRule(detect=0.0), Payoffs(v_deploy=0))
    assert_numbers(got, mesa=1.0, harm=1.0, p_intact=1.0, p_defect_curve=[1.0, 1.0])


def test_hand_empty_horizon():
    got = brute_force(Plan(""), Schedule.fixed(0, 0), HardUpdate(), Payoffs())
    assert_numbers(
        got,
        mesa=0.0,
        base=0.0,
        harm=0.0,
        p_intact=1.0,
        expected_updates=0.0,
        p_defect=0.0,
        p_defect_curve=[],
        p_intact_curve=[],
    )
    assert math.isnan(got["expected_first_defection"])


HAND_MODELS = [
    (Memoryless(0.5), Schedule.fixed(1, 1), HardUpdate(), Payoffs()),
    (Deceptive(), Schedule.fixed(1, 2, honeypot_rate=0.5), HardUpdate(), Payoffs(v_overseen=0.25)),
    (Greedy(), Schedule.fixed(2, 1), UpdateRule(detect=0.5), Payoffs()),
    (Greedy(), Schedule.fixed(2, 1), UpdateRule(rate=0.5), Payoffs(v_deploy=4.0)),
    (Greedy(), Schedule.fixed(2, 1), UpdateRule(rate=0.5), Payoffs(v_deploy=3.0)),
    (Deceptive(), Schedule.fixed(1, 1, cue_accuracy=0.75), HardUpdate(), Payoffs()),
    (Greedy(), Schedule.fixed(0, 3, continue_prob=0.5), HardUpdate(), Payoffs(discount=0.5)),
    (Threshold(2), Schedule.fixed(0, 2, continue_prob=0.5), HardUpdate(), Payoffs()),
    (
        Greedy(),
        Schedule.fixed(0, 3),
        HardUpdate(),
        Payoffs(success=0.5, utility="any", discount=0.5),
    ),
    (
        Plan("BA"),
        Schedule.random_boundary(2, [0, 0.5, 0.5]),
        HardUpdate(),
        Payoffs(v_overseen=0.25),
    ),
    (Greedy(), Schedule.fixed(1, 1), UpdateRule(detect=0.0), Payoffs(v_deploy=0.0)),
    (Plan(""), Schedule.fixed(0, 0), HardUpdate(), Payoffs()),
]


@pytest.mark.parametrize("model", HAND_MODELS, ids=lambda model: repr(model[0]))
def test_evaluate_on_the_hand_checked_models(model):
    assert_agrees(*model)


# --------------------------------------------------------------------- (c) the property


@settings(max_examples=300)
@given(models())
def test_evaluate_agrees_with_brute_force(model):
    assert_agrees(*model)


@contextlib.contextmanager
def _forward_recursion_only():
    """``evaluate`` without its scalar path: the forward recursion at every horizon."""
    saved = scalar.SCALAR_HORIZON
    scalar.SCALAR_HORIZON = -1
    try:
        yield
    finally:
        scalar.SCALAR_HORIZON = saved


@settings(max_examples=200)
@given(models(extended=True))
def test_the_forward_recursion_agrees_with_brute_force(model):
    # Short horizons take the scalar path (the test above); long ones the forward
    # recursion, checked here on the same short models.
    with _forward_recursion_only():
        assert_agrees(*model)


def _without_drift(model):
    policy, schedule, update, payoffs = model
    return policy, schedule, UpdateRule(update.detect, update.rate, 0.0), payoffs


@settings(max_examples=200)
@given(models().map(_without_drift))
def test_evaluate_agrees_with_brute_force_without_drift(model):
    # The same property on the models without drift, so that a disagreement about drift
    # (see test_drift_moves_the_objective_every_watched_compliance) does not hide others.
    assert_agrees(*model)


def test_drift_moves_the_objective_every_watched_compliance():
    # The smallest model on which evaluate and the oracle disagree (found by the property).
    # fixed(1, 0), drift 1/2, Aligned: episode 1 is training, so it is overseen, and the agent
    # complies. model.md: "After an overseen episode: if it complied, m += 1 when drift > 0
    # (the weight falls by drift)", deterministically (only the update, k += 1, has a
    # probability, detect). So m = 1 when the run ends and p_intact = P(k = m = 0) = 0.
    model = (Aligned(), Schedule.fixed(1, 0), UpdateRule(drift=0.5), Payoffs())
    assert_numbers(brute_force(*model), p_intact=0.0, p_intact_curve=[0.0])
    assert_agrees(*model)
    # It matters for the payoffs too: Deceptive on fixed(2, 1), drift 1/2, v_deploy 3. Two
    # watched compliances leave w = 1/4 = 1 / (1 + 3), a tie, so the agent complies in
    # episode 3: mesa 0, base 3 (oracle; see test_hand_drift).
    model = (Deceptive(), Schedule.fixed(2, 1), UpdateRule(drift=0.5), Payoffs(v_deploy=3.0))
    assert_numbers(brute_force(*model), mesa=0.0, base=3.0)
    assert_agrees(*model)


# --------------------------------------------------------------------- (d) every pure plan


PARTIAL = UpdateRule(detect=0.5, rate=0.5)
DRIFTING = UpdateRule(detect=0.5, rate=0.5, drift=0.2)
# v_deploy 3: indifference 1/4, so one update (and some drift) leaves the agent live.
RICH = Payoffs(v_deploy=3.0, v_overseen=0.5, success=0.75)
RULES = [
    pytest.param(HardUpdate(), Payoffs(), id="hard"),
    pytest.param(PARTIAL, RICH, id="partial"),
    pytest.param(DRIFTING, RICH, id="partial-drift"),
]


@pytest.mark.parametrize(("update", "payoffs"), RULES)
@pytest.mark.parametrize("horizon", range(6))
def test_every_pure_plan_on_every_fixed_schedule(horizon, update, payoffs):
    for train in range(horizon + 1):
        schedule = Schedule.fixed(train, horizon - train)
        for plan in all_plans(horizon):
            assert_agrees(Plan(plan), schedule, update, payoffs)


def test_plans_cover_the_whole_range_of_outcomes():
    # Not a vacuous sweep: under the partial rule the pure plans on fixed(2, 3) take many
    # distinct values, and the best one is not the hard update's BBAAA.
    schedule = Schedule.fixed(2, 3)
    mesa = {plan: brute_force(Plan(plan), schedule, PARTIAL, RICH)["mesa"] for plan in all_plans(5)}
    assert len({round(v, 9) for v in mesa.values()}) > 10
    assert max(mesa, key=mesa.get) != "BBAAA"


# --------------------------------------------------------------------- the public strategies


@given(schedules(max_horizon=4, fixed=True, honeypots=False, cues=False, continuation=False))
def test_schedules_narrow_to_the_family_asked_for(schedule):
    assert 1 <= schedule.horizon <= 4
    assert schedule.fixed_train is not None
    assert not schedule.honeypots().any()
    assert schedule.cue_accuracy == 1.0
    assert schedule.continue_prob == 1.0


@given(update_rules(hard=False))
def test_partial_update_rules_are_partial(update):
    assert not update.is_hard
    assert update.rate >= 0.2
    assert update.drift == 0.0 or update.drift >= 0.1


@given(models(max_horizon=3))
def test_models_fit_together(model):
    policy, schedule, update, payoffs = model
    table = policy.decision_table(schedule)
    assert table.shape == (schedule.horizon, 2)
    assert ((table >= 0) & (table <= 1)).all()
    assert isinstance(update, UpdateRule) and isinstance(payoffs, Payoffs)


def test_aligned_never_defects_anywhere():
    schedule = Schedule.random_boundary(
        3, [0.2, 0.3, 0.0, 0.5], honeypot_rate=0.5, cue_accuracy=0.7, continue_prob=0.9
    )
    got = brute_force(Aligned(), schedule, PARTIAL, Payoffs())
    assert_numbers(got, mesa=0.0, harm=0.0, p_defect=0.0, p_defect_curve=[0.0, 0.0, 0.0])
    # Base: it complies in every episode it reaches; no defection, so never updated.
    assert_numbers(got, base=1 + 0.9 + 0.81, p_intact=1.0, expected_updates=0.0)
    assert_agrees(Aligned(), schedule, PARTIAL, Payoffs())
