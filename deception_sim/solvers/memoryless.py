"""The best memoryless agent (SPEC 3.3, "memoryless"): one defection probability per cue.

A fresh instance each episode sees only the current cue and defects with
probability ``p[cue]``; every live self uses the same ``p`` (the
:class:`~deception_sim.Memoryless` strategy). The expected mesa utility, from
exact evaluation, is maximized over ``p`` in ``[0, 1]`` per cue value that
carries information (one number when the cue says nothing).

Never a single local start: a dense bracket (a grid that includes the
corners) finds the basins, then every promising grid point is refined with a
bounded method (``scipy.optimize.minimize_scalar(method="bounded")`` in one
dimension; bounded Nelder-Mead followed by coordinate-wise bounded polishing
in two), and the best refined point wins.
"""

from __future__ import annotations

import numpy as np
from scipy import optimize as sciopt

from ..exact import evaluate
from ..model import Payoffs, Schedule, UpdateRule
from ..strategies import Memoryless, checked_table
from ..strategies.optimal import Optimal
from .solution import Diagnostics, Solution

GRID_1D = 65
GRID_2D = 17
STARTS = 3
XTOL = 1e-11


def solve(
    schedule: Schedule, update: UpdateRule, payoffs: Payoffs, *, curve: bool = False
) -> Solution:
    """The best memoryless policy as a :class:`~deception_sim.solvers.Solution`.

    ``curve=True`` keeps the values on the dense bracket in the diagnostics.
    """
    evaluations = 0
    cache: dict[tuple[float, float], float] = {}

    def value(on_train: float, on_deploy: float) -> float:
        nonlocal evaluations
        key = (float(on_train), float(on_deploy))
        if key not in cache:
            evaluations += 1
            policy = Memoryless({"train": key[0], "deploy": key[1]})
            cache[key] = evaluate(policy, schedule, update, payoffs).mesa
        return cache[key]

    informative = schedule.cue_accuracy > 0.5
    if informative:
        best, grid_values = _two_dimensional(value)
    else:
        best, grid_values = _one_dimensional(value)
    p = tuple(float(x) for x in best)
    best_policy = Memoryless({"train": p[0], "deploy": p[1]})
    final = evaluate(best_policy, schedule, update, payoffs)
    method = (
        f"dense bracket ({GRID_2D}x{GRID_2D} grid) + bounded Nelder-Mead and "
        "coordinate-wise bounded Brent refinement"
        if informative
        else f"dense bracket ({GRID_1D}-point grid) + bounded Brent refinement"
    )
    table = checked_table(best_policy, schedule)  # every live self plays the same p
    return Solution(
        policy=Optimal(
            schedule, update, payoffs, "memoryless", table=table, memoryless=best_policy
        ),
        value=final.mesa,
        base=final.base,
        method=method,
        diagnostics=Diagnostics(evaluations=evaluations, curve=grid_values if curve else None),
    )


def _one_dimensional(value) -> tuple[tuple[float, float], np.ndarray]:
    grid = np.linspace(0.0, 1.0, GRID_1D)
    scores = np.array([value(p, p) for p in grid])
    candidates = [(scores[i], grid[i]) for i in range(GRID_1D)]
    for i in _best_indices(scores, STARTS):
        low, high = grid[max(i - 1, 0)], grid[min(i + 1, GRID_1D - 1)]
        if high > low:
            result = sciopt.minimize_scalar(
                lambda p: -value(p, p),
                bounds=(low, high),
                method="bounded",
                options={"xatol": XTOL},
            )
            candidates.append((-result.fun, float(result.x)))
    _, p = max(candidates, key=lambda c: (c[0], -c[1]))
    return (p, p), np.column_stack([grid, scores])


def _two_dimensional(value) -> tuple[tuple[float, float], np.ndarray]:
    axis = np.linspace(0.0, 1.0, GRID_2D)
    scores = np.array([[value(a, b) for b in axis] for a in axis])
    candidates = [
        (scores[i, j], (axis[i], axis[j])) for i in range(GRID_2D) for j in range(GRID_2D)
    ]
    for flat in _best_indices(scores.ravel(), STARTS):
        i, j = divmod(int(flat), GRID_2D)
        start = np.array([axis[i], axis[j]])
        result = sciopt.minimize(
            lambda x: -value(*np.clip(x, 0.0, 1.0)),
            start,
            method="Nelder-Mead",
            bounds=[(0.0, 1.0), (0.0, 1.0)],
            options={"xatol": 1e-10, "fatol": 1e-14, "maxiter": 2000},
        )
        point = _polish(value, np.clip(result.x, 0.0, 1.0))
        candidates.append((value(*point), tuple(point)))
    _, best = max(candidates, key=lambda c: (c[0], -c[1][0] - c[1][1]))
    a, b = np.meshgrid(axis, axis, indexing="ij")
    return (float(best[0]), float(best[1])), np.column_stack([a.ravel(), b.ravel(), scores.ravel()])


def _polish(value, point: np.ndarray, sweeps: int = 4) -> np.ndarray:
    """Coordinate-wise bounded Brent searches: p* to about ``XTOL`` in each coordinate."""
    point = point.copy()
    for _ in range(sweeps):
        before = point.copy()
        for k in range(2):

            def along(x: float, k: int = k) -> float:
                trial = point.copy()
                trial[k] = x
                return -value(*trial)

            low, high = max(0.0, point[k] - 0.1), min(1.0, point[k] + 0.1)
            result = sciopt.minimize_scalar(
                along, bounds=(low, high), method="bounded", options={"xatol": XTOL}
            )
            for x in (float(result.x), low, high):
                if -along(x) > value(*point):
                    point[k] = x
        if np.max(np.abs(point - before)) < XTOL:
            break
    return point


def _best_indices(scores: np.ndarray, count: int) -> list[int]:
    """Indices of the best ``count`` local maxima of a grid's values (best first)."""
    order = np.argsort(-scores, kind="stable")
    return [int(i) for i in order[:count]]
