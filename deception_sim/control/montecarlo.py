"""Monte Carlo of monitored deployments: the same per-task rules, sampled, with standard errors.

Runs are simulated side by side (one numpy array per quantity, one step per
task), from a seeded ``numpy.random.Generator``. Each task draws, for every
run still going on, whether the attacker attacks (its policy may read the
task index and, for an informed attacker, the audits left), then the task's
outcome from the protocol's :class:`~deception_sim.control.protocols.Transitions`
(audited, deferred or used), then whether a used attack succeeds. Usefulness
is estimated on a second set of honest runs (the attacker never attacks).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import _validate
from .protocols import Transitions, transitions_of
from .recursion import attack_array


@dataclass(frozen=True)
class ControlSimulation:
    """Monte Carlo estimates of safety and usefulness, with their standard errors.

    ``caught`` is the fraction of runs in which an audit caught an attack.
    """

    safety: float
    safety_se: float
    usefulness: float
    usefulness_se: float
    caught: float
    runs: int
    seed: int | None

    def summary(self) -> dict[str, float | int | None]:
        """The estimates as one table row."""
        return {
            "safety": self.safety,
            "safety_se": self.safety_se,
            "usefulness": self.usefulness,
            "usefulness_se": self.usefulness_se,
            "caught": self.caught,
            "runs": self.runs,
            "seed": self.seed,
        }


def _deployments(
    tr: Transitions, policy: np.ndarray, runs: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(attacker won, caught, deferred honest tasks)`` per run, one step per task."""
    audits = np.full(runs, tr.audits)
    going_on = np.ones(runs, dtype=bool)
    won = np.zeros(runs, dtype=bool)
    caught = np.zeros(runs, dtype=bool)
    deferred = np.zeros(runs)
    per_task, per_level = policy.shape[0] > 1, policy.shape[1] > 1
    for t in range(tr.tasks):
        honest_audit, honest_defer, attack_audit, attack_defer = tr.at(t)
        row = policy[t if per_task else 0]
        p = row[audits] if per_level else row[0]
        attack = going_on & (rng.random(runs) < p)
        honest = going_on & ~attack
        u = rng.random(runs)
        audit_h, audit_a = honest_audit[audits], attack_audit[audits]
        audited = honest & (u < audit_h)
        deferred += honest & ~audited & (u < audit_h + honest_defer[audits])
        hit = attack & (u < audit_a)
        used = attack & (u >= audit_a + attack_defer[audits])
        audits = audits - audited
        success = used & (rng.random(runs) < tr.success)
        caught |= hit
        won |= success
        going_on &= ~(hit | success)
    return won, caught, deferred


def simulate_protocol(
    protocol: object,
    attack: object = 0.0,
    *,
    runs: int = 100_000,
    seed: int | np.random.Generator | None = 0,
) -> ControlSimulation:
    """Monte Carlo estimates of safety (against ``attack``) and usefulness (honest runs).

    ``attack`` is an attack rate, a plan (one probability per task) or a
    table by task and audits left, as in
    :func:`~deception_sim.control.safety`; ``seed`` an integer or a
    ``numpy.random.Generator``.

    >>> from deception_sim.control import UpfrontAuditing
    >>> sim = simulate_protocol(UpfrontAuditing(tasks=3, audits=1), [0, 1, 1], runs=1000)
    >>> sim.safety, sim.safety_se, sim.usefulness
    (0.0, 0.0, 1.0)
    """
    tr = transitions_of(protocol)
    runs = _validate.integer("runs", runs, minimum=1)
    policy = attack_array(tr, attack)
    if policy.shape[0] != 1:
        raise ValueError("attack must be one policy")
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    won, caught, _ = _deployments(tr, policy[0], runs, rng)
    _, _, deferred = _deployments(tr, np.zeros((1, 1)), runs, rng)
    safety = 1.0 - float(won.mean())
    useful = 1.0 - (1.0 - tr.trusted_usefulness) * deferred / tr.tasks
    spread = float(useful.std(ddof=1)) if runs > 1 else 0.0
    return ControlSimulation(
        safety=safety,
        safety_se=float(np.sqrt(safety * (1.0 - safety) / runs)),
        usefulness=float(useful.mean()),
        usefulness_se=spread / np.sqrt(runs),
        caught=float(caught.mean()),
        runs=runs,
        seed=seed if isinstance(seed, int) else None,
    )
