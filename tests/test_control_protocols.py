"""Protocols: the per-task rules (Transitions) by hand and against the oracle; validation.

Every protocol's tables agree with ``control_oracle.rules``, which writes the
rules of ``docs/explanation/control.md`` again from the parameters.
"""

from __future__ import annotations

import numpy as np
import pytest
from control_oracle import BETA, protocols, rules
from hypothesis import given

from deception_sim.control import (
    Monitor,
    RandomAuditing,
    Transitions,
    TrustedMonitoring,
    UpfrontAuditing,
    paced_thresholds,
)


def test_trusted_monitoring_rules_by_hand() -> None:
    # Honest scores 1..4, attacks 3 and 4. Audit the top quarter (score > 3), defer the top
    # half (score > 2): an attack at 3 is deferred, at 4 audited.
    mon = Monitor.from_scores([1, 2, 3, 4], [3, 4])
    tr = TrustedMonitoring(
        monitor=mon, tasks=3, audits=2, audit_fpr=0.25, defer_fpr=0.5
    ).transitions()
    honest_audit, honest_defer, attack_audit, attack_defer = tr.at(0)
    assert honest_audit.tolist() == [0.0, 0.25, 0.25]
    assert honest_defer.tolist() == [0.5, 0.25, 0.25]
    assert attack_audit.tolist() == [0.0, 0.5, 0.5]
    assert attack_defer.tolist() == [1.0, 0.5, 0.5]
    assert tr.shape == (1, 2) and tr.time_invariant
    # Defer region inside the audit region: nothing is deferred while audits remain.
    tr = TrustedMonitoring(
        monitor=mon, tasks=3, audits=1, audit_fpr=0.5, defer_fpr=0.25
    ).transitions()
    assert tr.at(2)[1].tolist() == [0.25, 0.0] and tr.at(2)[3].tolist() == [0.5, 0.0]


def test_upfront_and_random_rules_by_hand() -> None:
    tr = UpfrontAuditing(tasks=5, audits=2).transitions()
    assert tr.shape == (3, 2)
    caught = [tr.at(t)[2].tolist() for t in range(5)]  # by audits left 0, 1, 2
    assert caught == [[0, 1, 1], [0, 1, 1], [0, 0, 0], [0, 0, 0], [0, 0, 0]]
    tr = RandomAuditing(tasks=5, audits=1, rate=0.3, monitor=BETA, defer_fpr=0.1).transitions()
    honest_audit, honest_defer, _, attack_defer = tr.at(4)
    assert honest_audit.tolist() == [0.0, 0.3]
    assert honest_defer == pytest.approx([0.1, 0.7 * 0.1], abs=1e-15)
    tpr = float(BETA.tpr(0.1))
    assert attack_defer == pytest.approx([tpr, 0.7 * tpr], abs=1e-15)


@given(protocols())
def test_tables_match_the_oracles_rules(protocol) -> None:
    tr = protocol.transitions()
    for t in range(protocol.tasks):
        got = np.array(tr.at(t))
        for c in range(protocol.audits + 1):
            assert got[:, c] == pytest.approx(rules(protocol, t, c), abs=1e-14)


def test_time_varying_thresholds_shapes() -> None:
    per_task = TrustedMonitoring(
        monitor=BETA, tasks=4, audits=3, audit_fpr=[0.1, 0.2, 0.3, 0.4]
    ).transitions()
    assert per_task.shape == (4, 2)
    table = paced_thresholds(4, 3, 1.0)
    per_cell = TrustedMonitoring(monitor=BETA, tasks=4, audits=3, audit_fpr=table)
    assert per_cell.transitions().shape == (4, 4)
    assert per_cell.transitions().at(3)[0].tolist() == [0.0, 1.0, 1.0, 1.0]
    assert not per_cell.audit_fpr.flags.writeable


def test_identity_and_repr() -> None:
    a = TrustedMonitoring(monitor=BETA, tasks=100, audits=2, audit_fpr=0.02, defer_fpr=0.1)
    b = TrustedMonitoring(monitor=BETA, tasks=100, audits=2, audit_fpr=0.02, defer_fpr=0.1)
    assert a == b and hash(a) == hash(b) and a != UpfrontAuditing(tasks=100, audits=2)
    assert repr(a) == (
        "TrustedMonitoring(monitor=Monitor(safe=beta(7.39, 6.86), "
        "attack=beta(8.91, 2.82)), tasks=100, audits=2, audit_fpr=0.02, "
        "defer_fpr=0.1)"
    )
    varying = TrustedMonitoring(monitor=BETA, tasks=10, audits=1, audit_fpr=np.full(10, 0.1))
    assert "audit_fpr=<10 values>" in repr(varying)
    assert hash(varying) == hash(
        TrustedMonitoring(monitor=BETA, tasks=10, audits=1, audit_fpr=[0.1] * 10)
    )
    with pytest.raises(AttributeError):
        a.tasks = 3  # frozen


@pytest.mark.parametrize(
    ("make", "name"),
    [
        (lambda: TrustedMonitoring(monitor=BETA, tasks=10, audits=1, audit_fpr=1.5), "audit_fpr"),
        (
            lambda: TrustedMonitoring(
                monitor=BETA, tasks=10, audits=1, audit_fpr=0.1, defer_fpr=-0.1
            ),
            "defer_fpr",
        ),
        (
            lambda: TrustedMonitoring(monitor=BETA, tasks=10, audits=1, audit_fpr=np.nan),
            "audit_fpr",
        ),
        (
            lambda: TrustedMonitoring(monitor=BETA, tasks=10, audits=1, audit_fpr=[0.1] * 9),
            "audit_fpr",
        ),
        (
            lambda: TrustedMonitoring(
                monitor=BETA, tasks=10, audits=1, audit_fpr=np.zeros((10, 3))
            ),
            "audit_fpr",
        ),
        (lambda: TrustedMonitoring(monitor=BETA, tasks=10, audits=-1, audit_fpr=0.1), "audits"),
        (lambda: TrustedMonitoring(monitor=BETA, tasks=0, audits=1, audit_fpr=0.1), "tasks"),
        (lambda: TrustedMonitoring(monitor=BETA, tasks=2.5, audits=1, audit_fpr=0.1), "tasks"),
        (lambda: TrustedMonitoring(monitor=None, tasks=10, audits=1, audit_fpr=0.1), "monitor"),
        (
            lambda: TrustedMonitoring(monitor=BETA, tasks=10, audits=1, audit_fpr=0.1, success=2),
            "success",
        ),
        (
            lambda: TrustedMonitoring(
                monitor=BETA, tasks=10, audits=1, audit_fpr=0.1, trusted_usefulness=-1
            ),
            "trusted_usefulness",
        ),
        (lambda: UpfrontAuditing(tasks=10, audits=1, defer_fpr=0.1), "defer_fpr"),
        (lambda: RandomAuditing(tasks=10, audits=1, rate=1.1), "rate"),
        (
            lambda: Transitions(
                tasks=2,
                audits=1,
                honest_audit=[[0.5, 0.5]],
                honest_defer=[[0, 0]],
                attack_audit=[[0, 0]],
                attack_defer=[[0, 0]],
            ),
            "honest_audit",
        ),
        (
            lambda: Transitions(
                tasks=2,
                audits=1,
                honest_audit=[[0, 0.5]],
                honest_defer=[[0, 0.6]],
                attack_audit=[[0, 0]],
                attack_defer=[[0, 0]],
            ),
            "honest_audit",
        ),
        (
            lambda: Transitions(
                tasks=2,
                audits=1,
                honest_audit=[[0, 0.5]] * 3,
                honest_defer=[[0, 0]] * 3,
                attack_audit=[[0, 0]] * 3,
                attack_defer=[[0, 0]] * 3,
            ),
            "honest_audit",
        ),
        (lambda: paced_thresholds(10, 2, -1.0), "pace"),
    ],
)
def test_bad_input_names_the_parameter(make, name) -> None:
    with pytest.raises(ValueError, match=name):
        make()
