"""Exact safety and usefulness: hand-checked cases, the oracle, closed forms, Monte Carlo.

* small cases computed on paper;
* the vectorized recursion against the oracle's plain recursion (hypothesis
  over random small protocols and attack policies of every form);
* the closed form of the memoryless attacker against the recursion;
* Monte Carlo of the same rules within 5 standard errors (fixed seeds);
* bad attack policies.
"""

from __future__ import annotations

import numpy as np
import pytest
from control_oracle import BETA, protocols
from control_oracle import safety as oracle_safety
from control_oracle import usefulness as oracle_usefulness
from hypothesis import given
from hypothesis import strategies as st

from deception_sim.control import (
    Monitor,
    RandomAuditing,
    TrustedMonitoring,
    UpfrontAuditing,
    evaluate_protocol,
    simulate_protocol,
    worst_case,
)
from deception_sim.control.recursion import (
    _closed_form,
    attacker_win,
    closed_form,
    honest_levels,
    memoryless_win,
    usefulness,
)


def test_small_cases_by_hand() -> None:
    # Upfront: caught if attacking among the first k; else the rest at success s.
    p, k, m, s = 0.1, 2, 5, 0.5
    r = evaluate_protocol(UpfrontAuditing(tasks=m, audits=k, success=s), p)
    assert r.safety == pytest.approx(1 - (1 - p) ** k * (1 - (1 - p * s) ** (m - k)), abs=1e-15)
    # Random audits with a budget of 1 over 2 tasks, attack only the second task:
    # caught w.p. rate * (1 - rate) ... the first honest task may use the audit.
    rate = 0.3
    r = evaluate_protocol(RandomAuditing(tasks=2, audits=1, rate=rate), [0.0, 1.0])
    assert r.safety == pytest.approx((1 - rate) * rate, abs=1e-15)
    # Trusted monitoring with deferral, one task: safe unless used and successful.
    mon = Monitor.from_scores([1, 2, 3, 4], [3, 4])
    proto = TrustedMonitoring(
        monitor=mon,
        tasks=1,
        audits=0,
        audit_fpr=0.25,
        defer_fpr=0.25,
        success=0.8,
        trusted_usefulness=0.2,
    )
    r = evaluate_protocol(proto, 1.0)
    assert r.safety == pytest.approx(1 - 0.5 * 0.8, abs=1e-15)
    assert r.usefulness == pytest.approx(1 - 0.25 * 0.8, abs=1e-15)
    # Audits are used only by honest outputs: on honest runs, binomial until exhausted.
    levels = honest_levels(RandomAuditing(tasks=3, audits=1, rate=0.5).transitions())
    assert levels[3].tolist() == [0.875, 0.125]


@given(protocols(), st.data())
def test_recursion_equals_the_oracle(protocol, data) -> None:
    tr = protocol.transitions()
    form = data.draw(st.sampled_from(["rate", "plan", "table"]))
    if form == "rate":
        rate = data.draw(st.floats(0, 1))
        policy, attack = (lambda t, c: rate), rate
    elif form == "plan":
        plan = data.draw(
            st.lists(st.floats(0, 1), min_size=protocol.tasks, max_size=protocol.tasks)
        )
        policy, attack = (lambda t, c: plan[t]), np.array(plan)
    else:
        table = np.array(
            data.draw(
                st.lists(
                    st.sampled_from([0.0, 0.3, 1.0]),
                    min_size=protocol.tasks * (protocol.audits + 1),
                    max_size=protocol.tasks * (protocol.audits + 1),
                )
            )
        )
        table = table.reshape(protocol.tasks, protocol.audits + 1)
        policy, attack = (lambda t, c: table[t, c]), table
    result = evaluate_protocol(protocol, attack)
    assert result.safety == pytest.approx(oracle_safety(protocol, policy), abs=1e-12)
    assert result.usefulness == pytest.approx(oracle_usefulness(protocol), abs=1e-12)
    assert usefulness(tr) == result.usefulness


@given(
    protocols(max_tasks=30, max_audits=8, kinds=["fixed", "upfront", "random"]),
    st.lists(st.floats(0, 1) | st.sampled_from([0.0, 1e-6, 1.0]), min_size=1, max_size=5),
)
def test_closed_form_equals_the_recursion(protocol, rates) -> None:
    tr = protocol.transitions()
    assert closed_form(tr)
    rates = np.array(rates)
    assert _closed_form(tr, rates) == pytest.approx(
        attacker_win(tr, rates[:, None, None]), abs=1e-12
    )


def test_closed_form_at_scale() -> None:
    proto = TrustedMonitoring(
        monitor=BETA, tasks=3000, audits=60, audit_fpr=0.02, defer_fpr=0.1, success=0.7
    )
    rates = np.array([1e-5, 3e-4, 2e-3, 0.05, 1.0])
    tr = proto.transitions()
    assert memoryless_win(tr, rates) == pytest.approx(
        attacker_win(tr, rates[:, None, None]), abs=1e-12
    )


@pytest.mark.parametrize("attacker", ["memoryless", "clock", "informed"])
@pytest.mark.parametrize(
    "protocol",
    [
        TrustedMonitoring(
            monitor=BETA,
            tasks=60,
            audits=2,
            audit_fpr=0.03,
            defer_fpr=0.1,
            success=0.7,
            trusted_usefulness=0.3,
        ),
        TrustedMonitoring(
            monitor=Monitor.from_scores([0, 1, 1, 2, 3], [1, 3, 3, 4]),
            tasks=20,
            audits=2,
            audit_fpr=np.linspace(0.1, 0.4, 20),
            defer_fpr=0.3,
        ),
        UpfrontAuditing(tasks=40, audits=4, monitor=BETA, defer_fpr=0.05, success=0.5),
    ],
    ids=["beta", "empirical-per-task", "upfront"],
)
def test_monte_carlo_within_five_standard_errors(protocol, attacker) -> None:
    exact = worst_case(protocol, attacker)
    sim = simulate_protocol(protocol, exact.policy, runs=40_000, seed=11)
    assert abs(sim.safety - exact.safety) < 5 * sim.safety_se + 1e-12
    assert abs(sim.usefulness - exact.usefulness) < 5 * sim.usefulness_se + 1e-12
    again = simulate_protocol(protocol, exact.policy, runs=40_000, seed=11)
    assert again == sim  # seeded: the same numbers


@pytest.mark.parametrize(
    ("attack", "message"),
    [
        (1.5, "probabilities"),
        ([0.1, 0.2], "per-task"),
        (np.nan, "probabilities"),
        ("a", "probability"),
        (np.zeros((3, 3)), "shape"),
    ],
)
def test_bad_attack_policies(attack, message) -> None:
    proto = UpfrontAuditing(tasks=4, audits=1)
    with pytest.raises(ValueError, match="attack.*" + message):
        evaluate_protocol(proto, attack)


def test_bad_simulation_arguments() -> None:
    proto = UpfrontAuditing(tasks=4, audits=1)
    with pytest.raises(ValueError, match="runs"):
        simulate_protocol(proto, 0.1, runs=0)
    with pytest.raises(ValueError, match="protocol"):
        evaluate_protocol("upfront", 0.1)
