"""The Bayes-optimal policy of an agent with a clock and a memory (SPEC 3.3, "clock").

The agent knows the episode index and remembers its history (what it did, and
whether it was modified) but sees only the schedule's cue.

* With a perfect cue, the phase is known and memory adds nothing (the phase
  process is Markov): the solution is the known-phase one.
* With no cue and the hard update, the sufficient statistic is whether the
  agent has defected yet. Before its first defection an intact agent knows
  only the prior; a defection in training is always caught, so an agent that
  defects and is not modified knows it is deployed, and from then on plays
  the known-phase deployment policy. The problem is therefore an optimal
  stopping problem over the time ``k`` of the first defection (the *probe*),
  solved exactly for all ``k`` at once; ties go to waiting.

Other cases (a noisy cue, imperfect detection or partial updates with no cue)
need the posterior over the phase as a continuous state; they are not solved
here yet and :func:`solve` says so.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from ..payoffs import Payoffs
from ..schedule import Schedule
from ..update import UpdateRule
from . import known_phase
from .known_phase import DEPLOY, TIE


def supported(schedule: Schedule, update: UpdateRule) -> str | None:
    """Why the clock setting cannot be solved exactly for this model (``None`` if it can)."""
    if schedule.cue_accuracy == 1.0:
        return None
    if schedule.cue_accuracy == 0.5 and update.is_hard:
        return None
    return (
        "information='clock' is solved exactly for a perfect cue (cue_accuracy=1) or for no "
        "cue (cue_accuracy=0.5) with the hard update; got cue_accuracy="
        f"{schedule.cue_accuracy!r} and {update!r}"
    )


def solve(schedule: Schedule, update: UpdateRule, payoffs: Payoffs):
    """``(table, mesa, base, diagnostics)``; ``table`` is ``(levels, N, 2)`` over cue columns."""
    reason = supported(schedule, update)
    if reason is not None:
        raise ValueError(reason)
    if schedule.cue_accuracy == 1.0:
        policy, _, mesa, base, diagnostics = known_phase.solve(schedule, update, payoffs)
        table = np.moveaxis(policy, 0, -1).astype(float)  # [level, t, cue = phase seen]
        diagnostics = dict(diagnostics, method="known-phase backward induction (perfect cue)")
        return table, mesa, base, diagnostics
    return _probe(schedule, update, payoffs)


def _probe(schedule: Schedule, update: UpdateRule, payoffs: Payoffs):
    n = schedule.horizon
    # After a successful probe the agent knows it is deployed: the known-phase
    # deployment values, from a schedule identical but for the boundary.
    at_start = np.zeros(n + 1)
    at_start[0] = 1.0
    deployed = dataclasses.replace(schedule, train_pmf=at_start, cue_accuracy=1.0)
    policy, values, *_ = known_phase.solve(deployed, update, payoffs)
    after_mesa = np.append(values.mesa[DEPLOY, 0, 1:], 0.0)[:n]  # value at k + 1
    after_base = np.append(values.base[DEPLOY, 0, 1:], 0.0)[:n]
    model = known_phase._Model.build(schedule, update, payoffs)
    rho, comply = model.rho, model.comply_value
    survival = schedule.p_train()
    h = model.honeypot
    s, v_dep, v_ov = payoffs.success, payoffs.v_deploy, payoffs.v_overseen
    caught = survival + (1.0 - survival) * h  # probability the probe is overseen
    free = (1.0 - survival) * (1.0 - h)
    if payoffs.utility == "count":
        now = caught * v_ov + free * s * v_dep
        later = free * rho * after_mesa
        base_later = free * rho * after_base
    else:
        now = free * s
        later = free * (1.0 - s) * rho * after_mesa
        # After a success the agent goes on with its policy; only base still counts.
        base_later = free * rho * after_base
    discount = rho ** np.arange(n, dtype=float)
    probe_mesa = discount * (now + later)
    # Complying before the probe, and everything after a caught probe, is base value.
    waited = (comply[0] - discount * comply[:n]) if n else np.zeros(0)
    probe_base = waited + discount * (caught * rho * comply[1:] + base_later)
    table = np.zeros((1, n, 2))
    if n and probe_mesa.max() > TIE * max(1.0, probe_mesa.max()):
        best = float(probe_mesa.max())
        # Ties go to waiting: the latest maximizer.
        near = probe_mesa >= best - TIE * max(1.0, best)
        k = int(np.flatnonzero(near)[-1])
        table[0, k, :] = 1.0
        table[0, k + 1 :, :] = policy[DEPLOY, 0, k + 1 :, None]
        mesa, base = float(probe_mesa[k]), float(probe_base[k])
        probe = k + 1
    else:
        mesa, base, probe = 0.0, float(comply[0]) if n else 0.0, None
    diagnostics = {
        "method": "optimal stopping over the first defection (probe), exact",
        "probe_episode": probe,
        "probe_values": probe_mesa,
    }
    return table, mesa, base, diagnostics
