"""The Bayes-optimal policy of an agent with a clock and a memory (SPEC 3.3, "clock").

The agent knows the episode index and remembers its history (its cues, what
it did, and whether its objective was updated or drifted) but sees only the
schedule's cue. Every self, at every history, chooses for its own objective
given the probability of each hidden state at that history: the phase, and
for an ``"any"`` goal whether the goal is still open (it never sees a
success, but its history can make one certain; a self whose goal is surely
met has nothing left to gain and complies, the tie rule). The solvers, by
the model:

* **perfect cue, count utility**: memory adds nothing (the phase and the
  objective level are seen and Markov); known-phase backward induction;
* **no cue, hard update, count utility**: optimal stopping over the first
  defection (the *probe*), a closed form; a fast path of the next item;
* **one-dimensional belief** (count utility with any update rule, or an
  ``"any"`` goal when only the original agent decides, with any cue):
  exact backward induction over the belief (:mod:`.clock_belief`), any
  horizon while its pieces stay few: always with no or a perfect cue;
* **noisy cue, one deciding self, long horizons**: certified bounds
  (:mod:`.clock_bounds`): a policy's exact value and an upper bound on the
  optimum;
* **otherwise, horizons up to 7**: backward induction over the tree of
  observation histories (:mod:`.clock_tree`), the reference for all of them.

What is left (an ``"any"`` goal with several deciding selves and an
imperfect cue beyond 7 episodes; several selves with a noisy cue where the
pieces are too many) is refused with a ``ValueError`` that says why.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from ..exact import evaluate
from ..model import Payoffs, Schedule, UpdateRule, objective_levels
from ..strategies.optimal import Optimal
from . import clock_belief, clock_bounds, clock_tree, known_phase
from .clock_belief import TooManyPieces
from .clock_policy import as_policy, controller_from_graph
from .clock_tree import MAX_TREE_HORIZON
from .known_phase import DEPLOY, TIE
from .solution import Diagnostics, Solution

__all__ = ["MAX_TREE_HORIZON", "solve", "supported"]


def _deciders(update: UpdateRule, payoffs: Payoffs) -> int:
    return len(objective_levels(update, payoffs.indifference))


def supported(schedule: Schedule, update: UpdateRule, payoffs: Payoffs | None = None) -> str | None:
    """Why the clock setting cannot be solved for this model (``None`` if it can).

    A noisy cue with several deciding selves can still be refused when the
    problem is solved, if its exact solution needs too many pieces.
    """
    payoffs = Payoffs() if payoffs is None else payoffs
    if schedule.horizon <= MAX_TREE_HORIZON:
        return None
    if payoffs.utility == "count" or _deciders(update, payoffs) == 1:
        return None
    return (
        "information='clock' with utility='any' and modified selves that still decide "
        f"({_deciders(update, payoffs)} live objective levels) keeps a two-dimensional belief "
        "(the phase, and whether the goal is still open), solved exactly only on the tree "
        f"of histories, for horizons up to {MAX_TREE_HORIZON}; got a horizon of "
        f"{schedule.horizon}, {update!r} (use utility='count', or an update that "
        "replaces the objective, rate=1 and drift=0)"
    )


def solve(schedule: Schedule, update: UpdateRule, payoffs: Payoffs) -> Solution:
    """The clock agent's optimum (or certified bounds on it) as a :class:`Solution`."""
    reason = supported(schedule, update, payoffs)
    if reason is not None:
        raise ValueError(reason)
    q = schedule.cue_accuracy
    count = payoffs.utility == "count"
    if schedule.horizon == 0:
        return Solution(
            policy=Optimal(schedule, update, payoffs, "clock", table=np.zeros((0, 2))),
            value=0.0,
            base=0.0,
            method="no episodes",
        )
    if q == 1.0 and count:
        found = known_phase.induction(schedule, update, payoffs)
        return Solution(
            policy=Optimal(schedule, update, payoffs, "clock", table=found.table()),
            value=found.mesa,
            base=found.base,
            method="known-phase backward induction (perfect cue)",
            diagnostics=Diagnostics(rounds=found.rounds, levels=found.levels),
        )
    if q == 0.5 and update.is_hard and count:
        return _probe(schedule, update, payoffs)
    single = _deciders(update, payoffs) == 1
    if count or single:
        cap = clock_belief.MAX_PIECES if 0.5 < q < 1.0 else clock_belief.MAX_PIECES_NO_CUE
        try:
            return belief(schedule, update, payoffs, cap)
        except TooManyPieces:
            pass
    if schedule.horizon <= MAX_TREE_HORIZON:
        return clock_tree.solve(schedule, update, payoffs)
    if single:
        return clock_bounds.solve(schedule, update, payoffs)
    raise ValueError(
        f"information='clock' with cue_accuracy={q!r} and modified selves that still decide "
        f"({_deciders(update, payoffs)} live objective levels) needs more than {cap} pieces "
        f"of belief at some episode for an exact solution at a horizon of "
        f"{schedule.horizon}; the selves play a game, so there is no optimum to bound; use "
        "a shorter horizon, a perfect cue, or rate=1 and drift=0"
    )


def likelihoods(q: float) -> np.ndarray:
    """``P(signal | train, deploy)`` per signal: one signal when the cue says nothing."""
    if q == 0.5:
        return np.ones((1, 2))
    return np.array([[q, 1.0 - q], [1.0 - q, q]])


def belief(
    schedule: Schedule,
    update: UpdateRule,
    payoffs: Payoffs,
    max_pieces: int = clock_belief.MAX_PIECES,
) -> Solution:
    """Exact backward induction over the one-dimensional belief (:mod:`.clock_belief`)."""
    n = schedule.horizon
    coordinates = clock_belief.Coordinates("phase" if payoffs.utility == "count" else "open")
    like = likelihoods(schedule.cue_accuracy)
    signals = like.shape[0]
    levels, per_episode = clock_belief.steps(schedule, update, payoffs, coordinates, like)
    moves = levels.updates + levels.compliant
    result = clock_belief.solve(per_episode, signals, max_pieces, moves)
    b0 = 1.0 - float(schedule.train_pmf[0])
    start = int(result[0][0].locate(b0))
    # An edge with no mass on a piece of "open" coordinates may still carry the mass
    # of a met goal: that self complies (-2); otherwise nothing goes there (-1).
    met = -1 if coordinates.tracks_base else -2

    def plan(t: int, level: int, piece: int):
        solved, step = result[t][level], per_episode[t][level]
        out = []
        for c in range(signals):
            a = int(solved.action[piece, c])
            carries = step.carries[a] & step.likelihood[c].any()
            out.append(
                [
                    int(s) if s >= 0 else (met if carries[e] else -1)
                    for e, s in enumerate(solved.succ[piece, c])
                ]
            )
        return [int(a) for a in solved.action[piece]], out

    controller = controller_from_graph(n, levels, start, plan, signals)
    policy = as_policy(controller, schedule, update, payoffs, len(levels))
    pieces = max((p.pieces for row in result[:n] for p in row), default=1)
    mu0 = np.array([b0, 1.0 - b0])
    value = float(result[0][0].mesa[start] @ mu0) if n else 0.0
    if coordinates.tracks_base:
        base = float(result[0][0].base[start] @ mu0) if n else 0.0
    else:
        base = evaluate(policy, schedule, update, payoffs).base
    return Solution(
        policy=policy,
        value=value,
        base=base,
        method="exact backward induction over the belief (piecewise linear)",
        diagnostics=Diagnostics(levels=len(levels), pieces=pieces, nodes=controller.nodes),
    )


def _probe(schedule: Schedule, update: UpdateRule, payoffs: Payoffs) -> Solution:
    """No cue, hard update, count utility: optimal stopping over the first defection."""
    n = schedule.horizon
    # After a successful probe the agent knows it is deployed: the known-phase
    # deployment values, from a schedule identical but for the boundary.
    at_start = np.zeros(n + 1)
    at_start[0] = 1.0
    deployed = dataclasses.replace(schedule, train_pmf=at_start, cue_accuracy=1.0)
    after = known_phase.induction(deployed, update, payoffs)
    policy, values = after.policy, after.values
    after_mesa = np.append(values.mesa[DEPLOY, 0, 1:], 0.0)[:n]  # value at k + 1
    after_base = np.append(values.base[DEPLOY, 0, 1:], 0.0)[:n]
    model = known_phase._Model.build(schedule, update, payoffs)
    rho, comply = model.rho, model.comply_value
    survival = schedule.p_train()
    h = model.honeypot
    s, v_dep, v_ov = payoffs.success, payoffs.v_deploy, payoffs.v_overseen
    caught = survival + (1.0 - survival) * h  # probability the probe is overseen
    free = (1.0 - survival) * (1.0 - h)
    now = caught * v_ov + free * s * v_dep
    later = free * rho * after_mesa
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
    return Solution(
        policy=Optimal(schedule, update, payoffs, "clock", table=table),
        value=mesa,
        base=base,
        method="optimal stopping over the first defection (probe), exact",
        diagnostics=Diagnostics(probe_episode=probe, probe_values=probe_mesa),
    )
