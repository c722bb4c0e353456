"""Monte Carlo of monitored deployments: the same per-task rules, sampled, with standard errors.

Runs are simulated side by side (one numpy array per quantity, one step per
task), from a seeded ``numpy.random.Generator``. Each task draws, for every
run still going on, whether the attacker attacks (its policy may read the
task index and, for an informed attacker, the audits left), then the task's
outcome from the protocol's :class:`~deception_sim.control.rules.Transitions`
(audited, deferred or used), then whether a used attack succeeds. Usefulness
is estimated on a second set of honest runs (the attacker never attacks).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .. import _validate
from ..model import limits
from .recursion import attack_array
from .rules import Transitions, transitions_of


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
    """``(attacker won, caught, deferred honest tasks)`` per run, one step per task.

    Only the runs still going on are carried from task to task (``live``
    indexes them), so a deployment that stops early costs nothing after.
    """
    won = np.zeros(runs, dtype=bool)
    caught = np.zeros(runs, dtype=bool)
    deferred = np.zeros(runs)
    live = np.arange(runs)
    audits = np.full(runs, tr.audits)
    per_task, per_level = policy.shape[0] > 1, policy.shape[1] > 1
    for t in range(tr.tasks):
        if live.size == 0:
            break
        count = live.size
        honest_audit, honest_defer, attack_audit, attack_defer = tr.at(t)
        row = policy[t if per_task else 0]
        p = row[audits] if per_level else row[0]
        attack = rng.random(count) < p
        u = rng.random(count)
        audit_h, audit_a = honest_audit[audits], attack_audit[audits]
        audited = ~attack & (u < audit_h)
        deferred[live] += ~attack & ~audited & (u < audit_h + honest_defer[audits])
        hit = attack & (u < audit_a)
        used = attack & (u >= audit_a + attack_defer[audits])
        success = used & (rng.random(count) < tr.success)
        audits = audits - audited
        stop = hit | success
        if stop.any():
            caught[live[hit]] = True
            won[live[success]] = True
            live, audits = live[~stop], audits[~stop]
    return won, caught, deferred


def simulate_protocol(
    protocol: object,
    attack: object = 0.0,
    *,
    runs: int = 100_000,
    honest_runs: int | None = None,
    seed: int | np.random.Generator | None = 0,
) -> ControlSimulation:
    """Monte Carlo estimates of safety (against ``attack``) and usefulness (honest runs).

    ``attack`` is an attack rate, a plan (one probability per task) or a
    table by task and audits left, as in
    :func:`~deception_sim.control.evaluate_protocol`; ``seed`` an integer or
    a ``numpy.random.Generator``. Usefulness comes from ``honest_runs`` runs
    in which the attacker never attacks (default: ``runs``; 0 skips them and
    reports NaN).

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
    honest = runs if honest_runs is None else _validate.integer("honest_runs", honest_runs)
    limits.check_memory(
        f"simulate {runs} deployments", "runs", limits.control_simulation_bytes(runs)
    )
    seconds = limits.simulation_seconds(tr.tasks, runs + honest, runs + honest)
    limits.check_time(f"simulate {runs + honest} deployments of {tr.tasks} tasks", "runs", seconds)
    won, caught, _ = _deployments(tr, policy[0], runs, rng)
    safety = 1.0 - float(won.mean())
    usefulness = usefulness_se = math.nan
    if honest:
        _, _, deferred = _deployments(tr, np.zeros((1, 1)), honest, rng)
        useful = 1.0 - (1.0 - tr.trusted_usefulness) * deferred / tr.tasks
        usefulness = float(useful.mean())
        usefulness_se = (float(useful.std(ddof=1)) if honest > 1 else 0.0) / math.sqrt(honest)
    return ControlSimulation(
        safety=safety,
        safety_se=float(np.sqrt(safety * (1.0 - safety) / runs)),
        usefulness=usefulness,
        usefulness_se=usefulness_se,
        caught=float(caught.mean()),
        runs=runs,
        seed=seed if isinstance(seed, int) else None,
    )
