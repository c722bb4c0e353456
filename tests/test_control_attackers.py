"""Best responses: brute force over every plan, the suffix theorem, the lecture's model.

* the clock best response equals brute force over all ``2**M`` plans to
  1e-12 (hypothesis over random small protocols of every kind, including
  thresholds that vary by task and by audits left; and M = 12 cases);
* for protocols that satisfy the suffix theorem's conditions, the best plan
  value equals the best attack-from-k plan (the theorem, checked);
* the memoryless best response against a fine grid of rates;
* informed >= clock >= memoryless (for the attacker);
* with an uninformative monitor, the control model equals the lecture's model
  (``optimize`` with ``information="memoryless"`` and ``"clock"``, utility "any",
  ``v_overseen=0``) on upfront audits and on honeypots;
* AI Control's upfront auditing: safety about 15%.
"""

from __future__ import annotations

import numpy as np
import pytest
from control_oracle import BETA, brute_force_clock, protocols
from hypothesis import given, settings
from hypothesis import strategies as st

from deception_sim import HardUpdate, Payoffs, Schedule, optimize
from deception_sim.control import (
    Monitor,
    RandomAuditing,
    TrustedMonitoring,
    UpfrontAuditing,
    evaluate_protocol,
    level_monotone,
    no_information,
    paced_thresholds,
    suffix_conditions,
    suffix_optimal,
    suffix_safety,
    worst_case,
)
from deception_sim.control.attackers import clock_search, rate_grid
from deception_sim.control.recursion import attacker_win, memoryless_win


@settings(max_examples=80)
@given(protocols(max_tasks=10, max_audits=3))
def test_clock_best_response_equals_brute_force(protocol) -> None:
    best, _ = brute_force_clock(protocol)
    result = worst_case(protocol, "clock")
    assert result.safety == pytest.approx(best, abs=1e-12)
    # the plan returned achieves the value returned
    assert evaluate_protocol(protocol, result.policy).safety == pytest.approx(
        result.safety, abs=1e-12
    )
    assert set(np.unique(result.policy)) <= {0.0, 1.0}


@given(protocols(max_tasks=9, max_audits=3, kinds=["per task", "per cell"]))
def test_the_search_is_exact_for_any_protocol(protocol) -> None:
    best, _ = brute_force_clock(protocol)
    win, plan = clock_search(protocol.transitions())
    assert 1 - win == pytest.approx(best, abs=1e-12)
    assert evaluate_protocol(protocol, plan).safety == pytest.approx(best, abs=1e-12)


@pytest.mark.parametrize(
    "protocol",
    [
        TrustedMonitoring(
            monitor=BETA, tasks=12, audits=2, audit_fpr=0.05, defer_fpr=0.2, success=0.6
        ),
        TrustedMonitoring(
            monitor=BETA,
            tasks=12,
            audits=3,
            audit_fpr=[0.5, 0.0, 0.9, 0.01, 0.3, 0.0, 1.0, 0.2, 0.0, 0.7, 0.05, 1.0],
            defer_fpr=0.1,
            success=0.4,
        ),
        TrustedMonitoring(
            monitor=BETA,
            tasks=12,
            audits=2,
            audit_fpr=paced_thresholds(12, 2, 0.7),
            defer_fpr=0.2,
            success=0.5,
        ),
        UpfrontAuditing(tasks=12, audits=3, monitor=BETA, defer_fpr=0.1, success=0.5),
    ],
    ids=["fixed", "per-task", "paced", "upfront"],
)
def test_twelve_tasks_brute_force(protocol) -> None:
    best, _ = brute_force_clock(protocol)
    assert worst_case(protocol, "clock").safety == pytest.approx(best, abs=1e-12)


@given(protocols(max_tasks=12, max_audits=4))
def test_suffix_safety_is_each_suffix_plans_safety(protocol) -> None:
    # closed forms (fixed thresholds, random audits) and loops (the rest) alike
    tasks = protocol.tasks
    plans = np.triu(np.ones((tasks + 1, tasks)))[:, :, None]  # row k: attack from task k + 1
    expected = 1 - attacker_win(protocol.transitions(), plans)
    assert suffix_safety(protocol) == pytest.approx(expected, abs=1e-12)


@given(protocols(max_tasks=10, max_audits=3, kinds=["fixed", "upfront", "random"]))
def test_suffix_theorem(protocol) -> None:
    # Fixed thresholds, upfront and random auditing satisfy the conditions ...
    assert suffix_optimal(protocol)
    # ... and then the best of all 2**M plans is an attack-from-k plan.
    best, _ = brute_force_clock(protocol)
    assert suffix_safety(protocol).min() == pytest.approx(best, abs=1e-12)


@given(protocols(max_tasks=8, max_audits=3, kinds=["per task"]), st.booleans())
def test_suffix_theorem_for_weakening_thresholds(protocol, weakening) -> None:
    # Audit rates that never rise over the deployment satisfy the conditions.
    rates = np.sort(protocol.audit_fpr)[::-1] if weakening else protocol.audit_fpr
    varied = TrustedMonitoring(
        monitor=protocol.monitor,
        tasks=protocol.tasks,
        audits=protocol.audits,
        audit_fpr=rates,
        defer_fpr=protocol.defer_fpr,
        success=protocol.success,
    )
    assert level_monotone(varied)
    if weakening:
        assert suffix_optimal(varied)
    if suffix_optimal(varied):
        best, _ = brute_force_clock(varied)
        assert suffix_safety(varied).min() == pytest.approx(best, abs=1e-12)


@given(protocols(max_tasks=9, max_audits=3, kinds=["per task", "per cell"]))
def test_suffix_theorem_when_every_attack_ends_the_deployment(protocol) -> None:
    ends = TrustedMonitoring(
        monitor=protocol.monitor,
        tasks=protocol.tasks,
        audits=protocol.audits,
        audit_fpr=protocol.audit_fpr,
        success=1.0,
    )
    assert "ends" in suffix_conditions(ends)
    best, _ = brute_force_clock(ends)
    assert suffix_safety(ends).min() == pytest.approx(best, abs=1e-12)


def test_suffix_plans_are_not_always_optimal() -> None:
    # Audit hard at tasks 2 and 4 only: the best plan attacks around them.
    proto = TrustedMonitoring(
        monitor=BETA, tasks=5, audits=3, audit_fpr=[0, 1, 0, 1, 0], success=0.3
    )
    assert not suffix_optimal(proto)
    result = worst_case(proto, "clock")
    best, _ = brute_force_clock(proto)
    assert result.safety == pytest.approx(best, abs=1e-15)
    assert result.safety < suffix_safety(proto).min() - 0.01
    assert result.summary()["policy"] == "attack tasks 1, 3, 5"


@given(protocols(max_tasks=12, max_audits=3))
def test_memoryless_is_global_on_a_fine_grid(protocol) -> None:
    result = worst_case(protocol, "memoryless")
    tr = protocol.transitions()
    grid = np.unique(np.concatenate([np.linspace(0, 1, 2001), rate_grid(protocol.tasks)]))
    assert result.safety <= 1 - memoryless_win(tr, grid).max() + 1e-12
    assert evaluate_protocol(protocol, result.policy).safety == pytest.approx(
        result.safety, abs=1e-14
    )


@given(protocols(max_tasks=8, max_audits=3))
def test_more_information_never_helps_the_protocol(protocol) -> None:
    memoryless = worst_case(protocol, "memoryless").safety
    clock = worst_case(protocol, "clock").safety
    informed = worst_case(protocol, "informed")
    assert informed.safety <= clock + 1e-12 and clock <= memoryless + 1e-12
    assert evaluate_protocol(protocol, informed.policy).safety == pytest.approx(
        informed.safety, abs=1e-12
    )


LECTURE = [(3, 7, 0.5), (1, 4, 1.0), (5, 20, 0.3), (0, 6, 0.8), (10, 40, 0.53)]


@pytest.mark.parametrize(("audited", "deploy", "success"), LECTURE)
def test_upfront_audits_equal_the_lectures_model(audited, deploy, success) -> None:
    payoffs = Payoffs(utility="any", v_overseen=0, success=success)
    schedule = Schedule.fixed(audited, deploy, observable=False)
    for monitor in (None, no_information(), no_information([0.0, 1.0, 1.0, 2.0])):
        proto = UpfrontAuditing(
            tasks=audited + deploy, audits=audited, success=success, monitor=monitor
        )
        old = optimize(schedule, HardUpdate(), payoffs, information="memoryless")
        new = worst_case(proto, "memoryless")
        assert new.safety == pytest.approx(1 - old.value, abs=1e-10)
        p = old.policy.as_memoryless().probabilities[0]
        assert new.policy == pytest.approx(p, rel=1e-4, abs=1e-7)
        clock_old = optimize(schedule, HardUpdate(), payoffs, information="clock")
        clock_new = worst_case(proto, "clock")
        assert clock_new.safety == pytest.approx(1 - clock_old.value, abs=1e-10)
        # the lecture's plan is as good (its solver breaks ties within 1e-9)
        assert evaluate_protocol(
            proto, [c == "A" for c in clock_old.policy.plan()]
        ).safety == pytest.approx(clock_new.safety, abs=1e-10)


@pytest.mark.parametrize(("rate", "deploy", "success"), [(0.2, 7, 0.5), (0.05, 30, 1.0)])
def test_honeypots_equal_random_audits(rate, deploy, success) -> None:
    payoffs = Payoffs(utility="any", v_overseen=0, success=success)
    schedule = Schedule.fixed(0, deploy, honeypot_rate=rate, observable=False)
    old = optimize(schedule, HardUpdate(), payoffs, information="memoryless")
    for proto in (
        RandomAuditing(tasks=deploy, audits=deploy, rate=rate, success=success),
        # an uninformative monitor audits at random too
        TrustedMonitoring(
            monitor=no_information(), tasks=deploy, audits=deploy, audit_fpr=rate, success=success
        ),
    ):
        assert worst_case(proto, "memoryless").safety == pytest.approx(1 - old.value, abs=1e-10)


def test_ai_control_upfront_auditing() -> None:
    # AI Control (Greenblatt et al. 2024): 5000 tasks, the first 2% audited, success 0.53.
    result = worst_case(UpfrontAuditing(tasks=5000, audits=100, success=0.53), "memoryless")
    assert result.safety == pytest.approx(0.1518413, abs=1e-6)
    assert result.policy == pytest.approx(0.001268, rel=1e-3)
    assert (
        worst_case(UpfrontAuditing(tasks=5000, audits=100, success=0.53), "clock").attack_from
        == 101
    )


def test_the_search_refuses_beyond_its_budget() -> None:
    proto = TrustedMonitoring(
        monitor=Monitor.from_scores([0, 1, 2, 3], [2, 3]),
        tasks=12,
        audits=3,
        audit_fpr=[0.5, 0, 0.75, 0.25] * 3,
        success=0.2,
        defer_fpr=0.25,
    )
    with pytest.raises(ValueError, match=r"max_states.*informed attacker gives safety >="):
        worst_case(proto, "clock", max_states=3)


def test_bad_attacker() -> None:
    with pytest.raises(ValueError, match="attacker"):
        worst_case(UpfrontAuditing(tasks=3, audits=1), "omniscient")
