"""The best memoryless agent (SPEC 3.3, "memoryless"): one defection probability per cue.

A fresh instance each episode sees only the current cue (and, on a schedule
with kinds of episode, the kind) and defects with probability ``p[cue]``
(``p[kind, cue]``); every live self uses the same ``p`` (the
:class:`~deception_sim.Memoryless` strategy). The expected mesa utility, from
exact evaluation, is maximized over ``p`` in ``[0, 1]`` per cue value that
carries information (one number when the cue says nothing), and with kinds
per (kind, cue) cell that can occur (the cue merged when it says nothing).

Never a single local start: a dense bracket (a grid that includes the
corners) finds the basins, then every promising grid point is refined with a
bounded method (``scipy.optimize.minimize_scalar(method="bounded")`` in one
dimension; bounded Nelder-Mead followed by coordinate-wise bounded polishing
in two or more), and the best refined point wins. In three or four
dimensions the bracket is a coarser grid; beyond, every corner (up to ten
dimensions) and a scrambled Sobol sequence with a fixed seed, so the answer
is the same on every run.
"""

from __future__ import annotations

import numpy as np
from scipy import optimize as sciopt
from scipy.stats import qmc

from ..exact import evaluate
from ..exact.batch import evaluate_tables
from ..model import Payoffs, Schedule, UpdateRule
from ..strategies import Memoryless, checked_table
from ..strategies.optimal import Optimal
from .solution import Diagnostics, Solution

GRID_1D = 65
GRID_2D = 17

METHOD_1D = f"dense bracket ({GRID_1D}-point grid) + bounded Brent refinement"
"""How the optimum over one probability is found."""
METHOD_2D = (
    f"dense bracket ({GRID_2D}x{GRID_2D} grid) + bounded Nelder-Mead and "
    "coordinate-wise bounded Brent refinement"
)
"""How the optimum over two probabilities is found."""
STARTS = 3
XTOL = 1e-11


def solve(
    schedule: Schedule, update: UpdateRule, payoffs: Payoffs, *, curve: bool = False
) -> Solution:
    """The best memoryless policy as a :class:`~deception_sim.solvers.Solution`.

    ``curve=True`` keeps the values on the dense bracket in the diagnostics.
    """
    if schedule.kinds is not None:
        return _solve_kinds(schedule, update, payoffs, curve=curve)
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

    def bracket(points: np.ndarray) -> None:
        nonlocal evaluations

        def tables_of(keys: np.ndarray) -> np.ndarray:
            return _plain_tables(keys, schedule)

        evaluations += _evaluate_all(points, cache, tables_of, schedule, update, payoffs)

    informative = schedule.cue_accuracy > 0.5
    if informative:
        best, grid_values = _two_dimensional(value, bracket)
    else:
        best, grid_values = _one_dimensional(value, bracket)
    p = tuple(float(x) for x in best)
    best_policy = Memoryless({"train": p[0], "deploy": p[1]})
    method = METHOD_2D if informative else METHOD_1D
    return _solution(
        best_policy, (schedule, update, payoffs), method, evaluations, grid_values, curve
    )


def _solution(
    best_policy: Memoryless,
    model: tuple[Schedule, UpdateRule, Payoffs],
    method: str,
    evaluations: int,
    grid_values: np.ndarray,
    curve: bool,
) -> Solution:
    """The :class:`Solution` of the memoryless policy found (every live self plays it)."""
    schedule, update, payoffs = model
    final = evaluate(best_policy, schedule, update, payoffs)
    table = checked_table(best_policy, schedule)
    return Solution(
        policy=Optimal(
            schedule, update, payoffs, "memoryless", table=table, memoryless=best_policy
        ),
        value=final.mesa,
        base=final.base,
        method=method,
        diagnostics=Diagnostics(evaluations=evaluations, curve=grid_values if curve else None),
    )


def _evaluate_all(points, cache, tables_of, schedule, update, payoffs) -> int:
    """Evaluate the points of a bracket not yet in ``cache`` in one vectorized pass
    (:func:`deception_sim.exact.batch.evaluate_tables`) and put them in it; returns how
    many. ``tables_of`` makes their decision tables (those of the memoryless policies
    they stand for), and the values are those ``evaluate`` gives for each alone."""
    missing = list(dict.fromkeys(tuple(float(v) for v in point) for point in points))
    missing = [key for key in missing if key not in cache]
    if not missing:
        return 0
    found = evaluate_tables(tables_of(np.array(missing)), schedule, update, payoffs)["mesa"]
    cache.update(zip(missing, found.tolist(), strict=True))
    return len(missing)


def _plain_tables(points: np.ndarray, schedule: Schedule) -> np.ndarray:
    """``Memoryless({"train": a, "deploy": b})``'s table for each point ``(a, b)``."""
    return np.broadcast_to(points[:, None, :], (len(points), schedule.horizon, 2))


def _kind_tables(points: np.ndarray, schedule: Schedule, cells) -> np.ndarray:
    """The table of the memoryless policy with one probability per (kind, cue) cell, for
    each point (a cell that cannot occur plays 0)."""
    kinds = schedule.kinds
    assert kinds is not None
    per_cell = np.zeros((len(points), 2, len(kinds)))
    for column, (j, cues) in enumerate(cells):
        for cue in cues:
            per_cell[:, cue, j] = points[:, column]
    return np.broadcast_to(per_cell[:, None], (len(points), schedule.horizon, 2, len(kinds)))


def _one_dimensional(value, bracket=None) -> tuple[tuple[float, float], np.ndarray]:
    grid = np.linspace(0.0, 1.0, GRID_1D)
    if bracket is not None:
        bracket(np.column_stack([grid, grid]))
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


def _two_dimensional(value, bracket=None) -> tuple[tuple[float, float], np.ndarray]:
    axis = np.linspace(0.0, 1.0, GRID_2D)
    if bracket is not None:
        a, b = np.meshgrid(axis, axis, indexing="ij")
        bracket(np.column_stack([a.ravel(), b.ravel()]))
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
        for k in range(len(point)):

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


GRID_3D = 9
GRID_4D = 5
SOBOL_POINTS = 256
MAX_CORNERS = 10
"""Most dimensions whose ``2 ** d`` corners the bracket includes."""


def _cells(schedule: Schedule) -> list[tuple[int, tuple[int, ...]]]:
    """The free coordinates with kinds: ``(kind, cues)`` for each cell that can occur.

    ``cues`` is ``(0, 1)`` when the cue says nothing (one probability for both),
    else one cue. A cell that never occurs (a kind never drawn in a phase that
    happens, a cue never shown) is left out: its probability is 0.
    """
    kinds = schedule.kinds
    assert kinds is not None
    n = schedule.horizon
    first, last = schedule.support()
    phases = [
        (phase, weights)
        for phase, weights, occurs in ((0, kinds.train, last > 0), (1, kinds.deploy, first < n))
        if occurs
    ]
    q = schedule.cue_accuracy
    seen = [[q, 1.0 - q], [1.0 - q, q]]  # [phase][cue]
    cells: list[tuple[int, tuple[int, ...]]] = []
    for j in range(len(kinds)):
        shown = [
            cue
            for cue in (0, 1)
            if any(weights[j] > 0.0 and seen[phase][cue] > 0.0 for phase, weights in phases)
        ]
        if not shown:
            continue
        if q == 0.5:
            cells.append((j, (0, 1)))
        else:
            cells.extend((j, (cue,)) for cue in shown)
    return cells


def _solve_kinds(
    schedule: Schedule, update: UpdateRule, payoffs: Payoffs, *, curve: bool
) -> Solution:
    """The best memoryless policy with one probability per (kind, cue) that can occur."""
    kinds = schedule.kinds
    assert kinds is not None
    cells = _cells(schedule)
    evaluations = 0
    cache: dict[tuple[float, ...], float] = {}

    def policy_of(x) -> Memoryless:
        table = [[0.0, 0.0] for _ in kinds.names]
        for (j, cues), p in zip(cells, x, strict=True):
            for cue in cues:
                table[j][cue] = float(p)
        return Memoryless(
            {
                name: {"train": a, "deploy": b}
                for name, (a, b) in zip(kinds.names, table, strict=True)
            }
        )

    def score(x) -> float:
        nonlocal evaluations
        key = tuple(float(v) for v in x)
        if key not in cache:
            evaluations += 1
            cache[key] = evaluate(policy_of(key), schedule, update, payoffs).mesa
        return cache[key]

    def bracket(points: np.ndarray) -> None:
        nonlocal evaluations
        # The one- and two-dimensional brackets give (a, b) pairs; one cell reads a.
        keys = points[:, : len(cells)]

        def tables_of(keys: np.ndarray) -> np.ndarray:
            return _kind_tables(keys, schedule, cells)

        evaluations += _evaluate_all(keys, cache, tables_of, schedule, update, payoffs)

    size = len(cells)
    if size == 0:
        best: tuple[float, ...] = ()
        grid_values = np.zeros((1, 1))
        method = "nothing to choose (no kind and cue can occur)"
    elif size == 1:
        (p, _), grid_values = _one_dimensional(lambda a, b: score((a,)), bracket)
        best = (p,)
        method = METHOD_1D
    elif size == 2:
        pair, grid_values = _two_dimensional(lambda a, b: score((a, b)), bracket)
        best = pair
        method = METHOD_2D
    else:
        best, grid_values, text = _many_dimensional(score, size, bracket)
        method = (
            f"dense bracket ({text}) + bounded Nelder-Mead and coordinate-wise bounded "
            f"Brent refinement from the best {STARTS} points, over {size} (kind, cue) cells"
        )
    best_policy = policy_of(best)
    return _solution(
        best_policy, (schedule, update, payoffs), method, evaluations, grid_values, curve
    )


def _bracket(size: int) -> tuple[np.ndarray, str]:
    """The starting points in ``[0, 1] ** size``, and how they were made."""
    if size <= 4:
        count = GRID_3D if size == 3 else GRID_4D
        axis = np.linspace(0.0, 1.0, count)
        points = np.array(np.meshgrid(*([axis] * size), indexing="ij")).reshape(size, -1).T
        return points, "x".join([str(count)] * size) + " grid"
    sobol = qmc.Sobol(d=size, scramble=True, seed=0).random(SOBOL_POINTS)
    parts = [sobol]
    if size <= MAX_CORNERS:
        corners = np.array(np.meshgrid(*([[0.0, 1.0]] * size), indexing="ij"))
        parts.insert(0, corners.reshape(size, -1).T)
    points = np.concatenate(parts)
    corners_text = "every corner and " if size <= MAX_CORNERS else ""
    return points, f"{corners_text}{SOBOL_POINTS} Sobol points"


def _many_dimensional(score, size: int, bracket=None) -> tuple[tuple[float, ...], np.ndarray, str]:
    points, text = _bracket(size)
    if bracket is not None:
        bracket(points)
    scores = np.array([score(x) for x in points])
    candidates = [(scores[i], tuple(points[i])) for i in range(len(points))]
    for i in _best_indices(scores, STARTS):
        result = sciopt.minimize(
            lambda x: -score(np.clip(x, 0.0, 1.0)),
            points[i],
            method="Nelder-Mead",
            bounds=[(0.0, 1.0)] * size,
            options={"xatol": 1e-10, "fatol": 1e-14, "maxiter": 400 * size},
        )
        point = _polish(lambda *x: score(x), np.clip(result.x, 0.0, 1.0))
        candidates.append((score(point), tuple(point)))
    _, best = max(candidates, key=lambda c: (c[0], -sum(c[1])))
    return tuple(float(x) for x in best), np.column_stack([points, scores]), text
