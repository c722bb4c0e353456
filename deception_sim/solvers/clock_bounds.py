"""Certified bounds on the clock agent's optimum with a noisy cue, at any horizon.

When only the original agent decides (an update replaces the objective:
``rate = 1``, no live drifted selves), the clock agent's problem is a
partially observed Markov decision problem over a belief ``b`` (the
probability of training; of training with the goal open, for an ``"any"``
goal). Its optimal value ``V_t`` is convex in the unnormalized mass (a
maximum of the linear values of conditional plans), so with a noisy cue,
where the exact pieces of :mod:`.clock_belief` multiply, two numbers bound it
on a grid of beliefs ``g_0 = 0 < ... < g_m = 1``:

* **upper**: ``U_N = 0`` and ``U_t(g_i)`` the Bellman backup at ``g_i`` of the
  linear interpolation of ``U_{t+1}`` on the grid. By induction ``U_{t+1} >=
  V_{t+1}`` at the grid points, hence (the chord of a convex function lies
  above it) the interpolation is ``>= V_{t+1}`` everywhere, and the backup is
  monotone, so ``U_t >= V_t``: the backup at the start belief bounds the
  optimum from above.
* **lower**: point-based value iteration on the same grid: at each grid
  point, the best action per cue against the previous episode's plans (the
  best of the plans of the grid points around each successor belief). Every
  such plan is a real policy (a graph of plans), so the value of the
  returned policy, computed exactly by :func:`deception_sim.evaluate`, bounds
  the optimum from below.

The grid is uniform in the log-odds of the belief (beliefs pile up near 0
and 1 as cues accumulate).
"""

from __future__ import annotations

import numpy as np

from ..exact import evaluate
from ..model import Payoffs, Schedule, UpdateRule
from . import clock_belief
from .clock_belief import DEAD, TIE, Coordinates, _image
from .clock_policy import as_policy, controller_from_graph
from .solution import Diagnostics, Solution

GRID = 801
"""Beliefs on the grid of the policy's plans (both certain beliefs included)."""

FINE = 8
"""The upper bound's grid has ``FINE`` times as many intervals (it is cheap)."""

LOG_ODDS = 12.0


def grid(points: int = GRID) -> np.ndarray:
    """``points`` beliefs from 0 to 1, uniform in log-odds over ``[-12, 12]`` in between.

    >>> grid(5).round(6).tolist()
    [0.0, 6e-06, 0.5, 0.999994, 1.0]
    """
    inner = 1.0 / (1.0 + np.exp(-np.linspace(-LOG_ODDS, LOG_ODDS, points - 2)))
    return np.concatenate([[0.0], inner, [1.0]])


def solve(schedule: Schedule, update: UpdateRule, payoffs: Payoffs, points: int = GRID) -> Solution:
    """A policy, its exact value (the lower bound) and an upper bound on the optimum."""
    from .clock import likelihoods

    n = schedule.horizon
    coordinates = Coordinates("phase" if payoffs.utility == "count" else "open")
    like = likelihoods(schedule.cue_accuracy)
    signals = like.shape[0]
    levels, per_episode = clock_belief.steps(schedule, update, payoffs, coordinates, like)
    if len(levels) != 1:
        raise ValueError("certified bounds need a single deciding self (rate=1, no live drift)")
    b0 = 1.0 - float(schedule.train_pmf[0])
    g = grid(points)
    fine = grid(FINE * (points - 1) + 1)
    upper = np.zeros(fine.size)  # U_{t+1} on the fine grid
    alpha = np.zeros((points, 2))  # the plans of the grid points at t + 1
    plans: list[tuple[np.ndarray, np.ndarray]] = [None] * n  # type: ignore[list-item]
    top = 0.0
    for t in reversed(range(n)):
        at = np.array([b0]) if t == 0 else g
        step = per_episode[t][0]
        maps = np.einsum("aexy,cy->caexy", step.edge, step.likelihood)
        mu = np.stack([at, 1.0 - at], axis=1)
        upper = _upper(step, maps, np.array([b0]) if t == 0 else fine, fine, upper)
        new_alpha = np.zeros((at.size, 2))
        actions = np.zeros((at.size, signals), dtype=np.int64)
        succ = np.full((at.size, signals, 3), DEAD, dtype=np.int64)
        for c in range(signals):
            vectors = np.zeros((2, at.size, 2))
            chosen = np.full((2, at.size, 3), DEAD, dtype=np.int64)
            for a in (0, 1):
                vec = np.broadcast_to(step.reward_mesa[a], (at.size, 2)).copy()
                for e in range(3):
                    if step.target[e] < 0 or not maps[c, a, e].any():
                        continue
                    mass, b = _image(maps[c, a, e], at)
                    index = _best(alpha, g, b)
                    index = np.where(mass > 0, index, DEAD)
                    chosen[a, :, e] = index
                    safe = np.where(index >= 0, index, 0)
                    vec += step.rho * np.where(
                        (index >= 0)[:, None], alpha[safe] @ step.edge[a, e], 0.0
                    )
                vectors[a] = vec * like[c]
            value = np.einsum("aix,ix->ai", vectors, mu)
            seen = mu @ like[c]
            act = value[1] > value[0] + TIE * np.maximum(seen, np.abs(value[0]))
            actions[:, c] = act
            new_alpha += np.where(act[:, None], vectors[1], vectors[0])
            succ[:, c] = np.where(act[:, None], chosen[1], chosen[0])
        plans[t] = (actions, succ)
        alpha = new_alpha
        top = float(upper[0]) if t == 0 else top
    met = -1 if coordinates.tracks_base else -2

    def plan(t: int, level: int, piece: int):
        actions, succ = plans[t]
        step = per_episode[t][0]
        out = []
        for c in range(signals):
            carries = step.carries[int(actions[piece, c])] & step.likelihood[c].any()
            out.append(
                [
                    int(s) if s >= 0 else (met if carries[e] else -1)
                    for e, s in enumerate(succ[piece, c])
                ]
            )
        return [int(x) for x in actions[piece]], out

    controller = controller_from_graph(n, levels, 0, plan, signals)
    policy = as_policy(controller, schedule, update, payoffs, 1)
    exact = evaluate(policy, schedule, update, payoffs)
    lower = exact.mesa
    return Solution(
        policy=policy,
        value=lower,
        base=exact.base,
        method=(
            f"certified bounds: point-based value iteration on {points} beliefs (the policy, "
            "evaluated exactly) and the convex interpolation bound (the upper bound)"
        ),
        diagnostics=Diagnostics(levels=1, grid=points, nodes=controller.nodes),
        upper=max(top, lower),
    )


def _upper(step, maps, at: np.ndarray, fine: np.ndarray, following: np.ndarray) -> np.ndarray:
    """The Bellman backup at the beliefs ``at`` of the interpolated bound ``following``."""
    mu = np.stack([at, 1.0 - at], axis=1)
    total = np.zeros(at.size)
    for c in range(maps.shape[0]):
        best = np.full(at.size, -np.inf)
        for a in (0, 1):
            u = mu @ (step.reward_mesa[a] * step.likelihood[c])
            for e in range(3):
                if step.target[e] < 0 or not maps[c, a, e].any():
                    continue
                mass, b = _image(maps[c, a, e], at)
                u = u + step.rho * mass * np.interp(b, fine, following)
            best = np.maximum(best, u)
        total += best
    return total


def _best(alpha: np.ndarray, g: np.ndarray, b: np.ndarray) -> np.ndarray:
    """For each belief, the best of the plans of the grid points around it."""
    right = np.clip(np.searchsorted(g, b), 0, g.size - 1)
    candidates = np.stack([np.clip(right + k, 0, g.size - 1) for k in (-2, -1, 0, 1)], axis=1)
    values = alpha[candidates, 0] * b[:, None] + alpha[candidates, 1] * (1.0 - b[:, None])
    return candidates[np.arange(b.size), np.argmax(values, axis=1)]
