"""The claims of docs/explanation/information.md, each over exactly the models it is stated for.

Most claims hold when one self decides: the original agent, because every
modified self complies for ever (``rate = 1`` and no drifted self that
still prefers ``A``). With modified selves that decide, the selves play a
game, and the tests at the end pin the counterexamples the page shows.
"""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from deception_sim import (
    Aligned,
    Bayesian,
    Deceptive,
    Greedy,
    Memoryless,
    Payoffs,
    Plan,
    Schedule,
    Threshold,
    UpdateRule,
    evaluate,
    objective_levels,
)
from deception_sim.solvers import optimize
from deception_sim.testing import payoffs, schedules, update_rules

HARD_RULES = st.builds(UpdateRule, detect=st.sampled_from([0.0, 0.3, 0.7, 1.0]), rate=st.just(1.0))


def one_self(update: UpdateRule, pay: Payoffs) -> bool:
    return len(objective_levels(update, pay.indifference)) == 1


def built_ins(schedule: Schedule):
    yield from (Greedy(), Aligned(), Deceptive(), Bayesian(), Memoryless(0.5))
    yield from (Threshold(k) for k in range(1, schedule.horizon + 2))
    yield Plan("B" * (schedule.horizon // 2), fill="A")


@settings(max_examples=60)
@given(schedules(max_horizon=5), update_rules(), payoffs(), st.booleans())
def test_claim_the_optimum_beats_every_built_in(schedule, update, pay, seen) -> None:
    assume(one_self(update, pay))
    if seen:
        schedule = dataclasses.replace(schedule, cue_accuracy=1.0)
    information = "known_phase" if seen else "clock"
    value = optimize(schedule, update, pay, information).value
    for policy in built_ins(schedule):
        assert value >= evaluate(policy, schedule, update, pay).mesa - 1e-9, policy


@given(st.integers(1, 6), st.integers(1, 6), st.sampled_from([0.0, 0.1, 0.5]))
def test_claim_deception_is_optimal_with_a_perfect_cue(train, deploy, honeypot) -> None:
    schedule = Schedule.fixed(train, deploy, honeypot_rate=honeypot)
    optimum = optimize(schedule).value
    deceptive = evaluate(Deceptive(), schedule).mesa
    greedy = evaluate(Greedy(), schedule).mesa
    assert deceptive == pytest.approx(optimum, abs=1e-12)
    assert (deceptive > greedy + 1e-12) == (deploy >= 2)


@given(st.integers(0, 6), HARD_RULES, st.sampled_from([0.0, 0.3]))
def test_claim_without_deployment_deception_never_helps(train, update, honeypot) -> None:
    schedule = Schedule.fixed(train, 0, honeypot_rate=honeypot)
    optimum = optimize(schedule, update).value
    assert optimum == pytest.approx(evaluate(Greedy(), schedule, update).mesa, abs=1e-12)
    assert evaluate(Deceptive(), schedule, update).mesa == 0.0


@settings(max_examples=60)
@given(
    st.integers(0, 4),
    st.integers(0, 3),
    st.sampled_from([0.0, 0.2]),
    st.sampled_from([0.5, 0.8, 1.0]),
    update_rules(),
    payoffs(),
)
def test_claim_more_deployment_never_hurts(train, deploy, honeypot, cue, update, pay) -> None:
    assume(one_self(update, pay))
    for information in ("known_phase", "clock"):
        q = 1.0 if information == "known_phase" else cue
        shorter = Schedule.fixed(train, deploy, honeypot_rate=honeypot, cue_accuracy=q)
        longer = Schedule.fixed(train, deploy + 1, honeypot_rate=honeypot, cue_accuracy=q)
        before = optimize(shorter, update, pay, information).value
        assert optimize(longer, update, pay, information).value >= before - 1e-12


@given(
    schedules(max_horizon=5).map(lambda s: dataclasses.replace(s, cue_accuracy=1.0)),
    st.sampled_from([0.0, 0.25, 0.5, 0.75]),
    st.floats(0.0, 0.25),
    payoffs(),
)
def test_claim_better_detection_never_helps_the_agent(schedule, detect, more, pay) -> None:
    weaker = optimize(schedule, UpdateRule(detect=detect), pay).value
    stronger = optimize(schedule, UpdateRule(detect=detect + more), pay).value
    assert stronger <= weaker + 1e-12


@settings(max_examples=40)
@given(schedules(max_horizon=5), update_rules(), payoffs(), st.sampled_from([0.5, 0.7, 1.0]))
def test_claim_clock_beats_memoryless_and_known_phase_beats_clock(schedule, update, pay, cue):
    assume(one_self(update, pay))
    schedule = dataclasses.replace(schedule, cue_accuracy=cue)
    clock = optimize(schedule, update, pay, "clock").value
    memoryless = optimize(schedule, update, pay, "memoryless").value
    seen = dataclasses.replace(schedule, cue_accuracy=1.0)
    known = optimize(seen, update, pay, "known_phase").value
    assert clock >= memoryless - 1e-9
    assert known >= clock - 1e-9


# ---------------------------------------------------------------- counterexamples (the game)
def test_with_deciding_selves_a_built_in_can_beat_the_optimum() -> None:
    schedule = Schedule.fixed(1, 1, honeypot_rate=0.1)
    update, pay = UpdateRule(detect=0.45, drift=0.2), Payoffs(v_overseen=0, success=0.05)
    assert optimize(schedule, update, pay).value == pytest.approx(0.02475, abs=1e-12)
    assert evaluate(Deceptive(), schedule, update, pay).mesa == pytest.approx(0.045, abs=1e-12)


def test_with_deciding_selves_memoryless_can_beat_the_clock() -> None:
    schedule = Schedule.fixed(1, 2, cue_accuracy=0.85)
    update, pay = UpdateRule(detect=0.7, rate=0.35), Payoffs(success=0.5, discount=0.7)
    assert optimize(schedule, update, pay, "clock").value == pytest.approx(1.1785, abs=1e-12)
    assert optimize(schedule, update, pay, "memoryless").value == pytest.approx(1.595, abs=1e-9)


def test_with_deciding_selves_the_clock_can_beat_the_known_phase() -> None:
    schedule = Schedule.random_boundary(2, [0.25, 0.25, 0.5], cue_accuracy=0.9)
    update, pay = UpdateRule(rate=0.4), Payoffs(success=0.65)
    seen = dataclasses.replace(schedule, cue_accuracy=1.0)
    assert optimize(schedule, update, pay, "clock").value == pytest.approx(1.7375, abs=1e-12)
    assert optimize(seen, update, pay).value == pytest.approx(1.575, abs=1e-12)


def test_with_deciding_selves_more_deployment_can_hurt() -> None:
    update, pay = UpdateRule(detect=0.5, drift=0.3), Payoffs(utility="any")
    shorter = optimize(Schedule.fixed(1, 1, honeypot_rate=0.3), update, pay).value
    longer = optimize(Schedule.fixed(1, 2, honeypot_rate=0.3), update, pay).value
    assert shorter == pytest.approx(0.7, abs=1e-12)
    assert longer == pytest.approx(0.49, abs=1e-12)
