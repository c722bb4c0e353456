"""An independent oracle for monitored deployments, and hypothesis strategies for them.

``rules`` writes the per-task rules of ``docs/explanation/control.md`` again,
from the protocol's parameters and the monitor's flag rates (not from
``Transitions``); ``safety`` and ``usefulness`` evaluate them by plain,
memoized Python recursion over (task, audits left). ``brute_force_clock``
tries every one of the ``2**M`` attack plans.
"""

from __future__ import annotations

import functools
import itertools

import numpy as np
from hypothesis import strategies as st
from scipy import stats

from deception_sim.control import (
    Monitor,
    RandomAuditing,
    TrustedMonitoring,
    UpfrontAuditing,
)
from deception_sim.control.recursion import attacker_win


def _rate_at(rate, t: int, c: int) -> float:
    array = np.asarray(rate, dtype=float)
    if array.ndim == 0:
        return float(array)
    if array.ndim == 1:
        return float(array[t])
    return float(array[t, c])


def _flags(monitor, fpr: float) -> tuple[float, float]:
    if monitor is None or fpr == 0:
        return 0.0, 0.0
    honest, attack = monitor.flag_rates([fpr])
    return float(honest[0]), float(attack[0])


def rules(protocol, t: int, c: int) -> tuple[float, float, float, float]:
    """(honest audited, honest deferred, attack audited, attack deferred) at task t, c left."""
    if isinstance(protocol, TrustedMonitoring):
        audit = _rate_at(protocol.audit_fpr, t, c)
        defer = _rate_at(protocol.defer_fpr, t, c)
        honest_d, attack_d = _flags(protocol.monitor, defer)
        if c == 0:
            return 0.0, honest_d, 0.0, attack_d
        honest_a, attack_a = _flags(protocol.monitor, audit)
        # Nested regions: the defer region minus the audit region.
        return honest_a, max(0.0, honest_d - honest_a), attack_a, max(0.0, attack_d - attack_a)
    honest_d, attack_d = _flags(protocol.monitor, protocol.defer_fpr)
    if isinstance(protocol, UpfrontAuditing):
        if c >= 1 and t < min(protocol.audits, protocol.tasks):
            return 1.0, 0.0, 1.0, 0.0
        return 0.0, honest_d, 0.0, attack_d
    if isinstance(protocol, RandomAuditing):
        if c == 0:
            return 0.0, honest_d, 0.0, attack_d
        r = protocol.rate
        return r, (1 - r) * honest_d, r, (1 - r) * attack_d
    raise TypeError(protocol)


def safety(protocol, policy) -> float:
    """P(the attacker never wins); ``policy(t, c)`` is the attack probability."""
    tasks, success = protocol.tasks, protocol.success

    @functools.cache
    def value(t: int, c: int) -> float:
        if t == tasks:
            return 1.0
        honest_a, _, attack_a, attack_d = rules(protocol, t, c)
        honest = (
            honest_a * value(t + 1, c - 1) + (1 - honest_a) * value(t + 1, c)
            if c
            else value(t + 1, c)
        )
        used = 1 - attack_a - attack_d
        attack = attack_a + attack_d * value(t + 1, c) + used * (1 - success) * value(t + 1, c)
        q = policy(t, c)
        return (1 - q) * honest + q * attack

    return value(0, protocol.audits)


def usefulness(protocol) -> float:
    levels = {protocol.audits: 1.0}
    total = 0.0
    for t in range(protocol.tasks):
        after: dict[int, float] = {}
        for c, mass in levels.items():
            honest_a, honest_d, _, _ = rules(protocol, t, c)
            total += mass * (1 - honest_d * (1 - protocol.trusted_usefulness))
            after[c] = after.get(c, 0.0) + mass * (1 - honest_a)
            if honest_a:
                after[c - 1] = after.get(c - 1, 0.0) + mass * honest_a
        levels = after
    return total / protocol.tasks


def brute_force_clock(protocol) -> tuple[float, np.ndarray]:
    """(worst safety, all plans' safeties) over every deterministic plan, by the recursion
    (itself checked against :func:`safety`)."""
    plans = np.array(list(itertools.product([0.0, 1.0], repeat=protocol.tasks)))
    safeties = 1.0 - attacker_win(protocol.transitions(), plans[:, :, None])
    return float(safeties.min()), safeties


# ---------------------------------------------------------------------------- strategies

BETA = Monitor(safe=stats.beta(7.39, 6.86), attack=stats.beta(8.91, 2.82))

fprs = st.sampled_from([0.0, 0.01, 0.05, 0.1, 0.25, 0.5, 0.9, 1.0]) | st.floats(0, 1)


@st.composite
def monitors(draw):
    if draw(st.booleans()):
        return BETA
    # Few distinct integer scores: ties at every threshold.
    safe = draw(st.lists(st.integers(0, 5), min_size=1, max_size=8))
    attack = draw(st.lists(st.integers(0, 6), min_size=1, max_size=8))
    return Monitor.from_scores(safe, attack)


@st.composite
def protocols(draw, max_tasks: int = 6, max_audits: int = 3, kinds=None):
    tasks = draw(st.integers(1, max_tasks))
    audits = draw(st.integers(0, max_audits))
    monitor = draw(monitors())
    common = {
        "tasks": tasks,
        "audits": audits,
        "success": draw(st.sampled_from([1.0, 0.5]) | st.floats(0, 1)),
        "trusted_usefulness": draw(st.sampled_from([0.0, 0.3])),
    }
    kind = draw(st.sampled_from(kinds or ["fixed", "per task", "per cell", "upfront", "random"]))
    if kind == "fixed":
        return TrustedMonitoring(
            monitor=monitor, audit_fpr=draw(fprs), defer_fpr=draw(fprs), **common
        )
    if kind == "per task":
        return TrustedMonitoring(
            monitor=monitor,
            audit_fpr=draw(st.lists(fprs, min_size=tasks, max_size=tasks)),
            defer_fpr=draw(fprs),
            **common,
        )
    if kind == "per cell":
        table = np.array(
            draw(st.lists(fprs, min_size=tasks * (audits + 1), max_size=tasks * (audits + 1)))
        ).reshape(tasks, audits + 1)
        return TrustedMonitoring(monitor=monitor, audit_fpr=table, defer_fpr=draw(fprs), **common)
    defer = draw(st.sampled_from([0.0, 0.1, 0.4]))
    if kind == "upfront":
        return UpfrontAuditing(monitor=monitor, defer_fpr=defer, **common)
    return RandomAuditing(monitor=monitor, defer_fpr=defer, rate=draw(fprs), **common)
