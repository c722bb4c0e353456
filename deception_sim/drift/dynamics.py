"""Goal drift: how the goal weight flows along learned edges in deployment.

With no supervisory signal, the goal flag is a weight vector over concepts
(:func:`goal_vector`); each step moves a fraction of each concept's weight
along the edges learned by then (:func:`transition_matrix`, a stochastic
matrix). :func:`drift_trajectory` gives the weights over time (blocks of
matrix powers between learning times, not a loop over steps),
:func:`drift_limit` and :func:`limit_matrix` where they settle, and
:func:`overtake_time` when one concept's weight first exceeds another's.
"""

from __future__ import annotations

import itertools
import math
import numbers
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from .. import _validate
from ..model import limits
from .world import INTENDED, REGISTER, WorldModel, _as_tuple, _check_world

# Largest stack of matrix powers kept in memory (entries), and its length cap.
_STACK_ENTRIES = 1 << 21
_STACK_CAP = 4096
# Below this distance (L1, relative to the total) to its limit, weights have
# converged to rounding.
_CONVERGED = 1e-13


def transition_matrix(world: WorldModel, step: int | None = None) -> np.ndarray:
    """The stochastic matrix ``P`` of the step from ``step`` to ``step + 1``.

    Uses the edges learned by then (``learned_at <= step``; all of them when
    ``step`` is None). Row convention: ``w(t + 1) = w(t) @ P``;
    ``P[i, j]`` is the fraction of concept ``i``'s weight that moves to ``j``.

    >>> from deception_sim.drift import standard_world
    >>> world = standard_world().learn("X", "Y", at=5, rate=0.1)
    >>> transition_matrix(world, step=4).tolist() == np.eye(3).tolist()
    True
    >>> transition_matrix(world)[1:, 1:].tolist()
    [[0.9, 0.1], [0.1, 0.9]]
    """
    _check_world(world)
    limit = None if step is None else _validate.integer("step", step)
    k = len(world.names)
    rates = np.zeros((k, k))
    for e in world.edges:
        if limit is None or e.learned_at <= limit:
            rates[world.index(e.source), world.index(e.target)] += e.rate
    return np.eye(k) - np.diag(rates.sum(axis=1)) + rates


def limit_matrix(transition: object) -> np.ndarray:
    """``lim P**t`` for a stochastic matrix with a positive diagonal (a lazy chain).

    Row ``i`` is where weight that starts on concept ``i`` ends up: the
    stationary distribution of each closed class (found with
    :func:`networkx.attracting_components`), weighted by the probability
    of being absorbed into it. For symmetric rates every connected component
    is closed and its stationary distribution is uniform.

    >>> limit_matrix([[0.9, 0.1, 0.0], [0.1, 0.9, 0.0], [0.0, 0.0, 1.0]]).round(12).tolist()
    [[0.5, 0.5, 0.0], [0.5, 0.5, 0.0], [0.0, 0.0, 1.0]]
    """
    p = np.asarray(transition, dtype=float)
    if p.ndim != 2 or p.shape[0] != p.shape[1] or p.shape[0] == 0:
        raise ValueError(f"transition must be a square matrix, got shape {p.shape}")
    if not np.isfinite(p).all() or (p < 0).any() or not np.allclose(p.sum(axis=1), 1.0):
        raise ValueError("transition must be a stochastic matrix (rows of probabilities)")
    if (np.diag(p) <= 0).any():
        raise ValueError("transition must keep some weight in place (positive diagonal)")
    k = p.shape[0]
    graph = nx.DiGraph()
    graph.add_nodes_from(range(k))
    graph.add_edges_from((int(i), int(j)) for i, j in zip(*np.nonzero(p), strict=True) if i != j)
    classes = [sorted(c) for c in nx.attracting_components(graph)]
    transient = sorted(set(range(k)).difference(*classes))
    result = np.zeros((k, k))
    for members in classes:
        block = p[np.ix_(members, members)]
        system = (block - np.eye(len(members))).T
        system[-1] = 1.0
        rhs = np.zeros(len(members))
        rhs[-1] = 1.0
        stationary = np.linalg.solve(system, rhs)
        reach = np.zeros(k)
        reach[members] = 1.0
        if transient:
            inner = np.eye(len(transient)) - p[np.ix_(transient, transient)]
            reach[transient] = np.linalg.solve(inner, p[np.ix_(transient, members)].sum(axis=1))
        result[:, members] += np.outer(reach, stationary)
    return result


def goal_vector(world: WorldModel, goal: object) -> np.ndarray:
    """The goal flag as a weight array over ``world.names``.

    ``goal`` is a concept name (all weight on it), a mapping or
    :class:`pandas.Series` from names to weights (others 0), or one weight
    per concept. Weights are finite, >= 0 and not all 0; they are not
    normalized (drift conserves their total).

    >>> from deception_sim.drift import standard_world
    >>> goal_vector(standard_world(), {"X": 0.75, "Y": 0.25}).tolist()
    [0.0, 0.75, 0.25]
    """
    _check_world(world)
    names = world.names
    if isinstance(goal, str):
        vector = np.zeros(len(names))
        vector[world.index(goal, "goal")] = 1.0
        return vector
    if isinstance(goal, (Mapping, pd.Series)):
        vector = np.zeros(len(names))
        items: Iterable[tuple[Any, Any]] = goal.items()
        for name, weight in items:
            vector[world.index(name, "goal concept")] = _validate.real(
                f"goal weight of {name!r}", weight, low=0.0
            )
    else:
        try:
            vector = np.array(goal, dtype=float)
        except (TypeError, ValueError):
            raise ValueError(
                f"goal must be a concept name, a mapping or weights, got {_validate.shown(goal)}"
            ) from None
        if vector.shape != (len(names),):
            raise ValueError(
                f"goal must have {len(names)} weights, one per concept, got {_validate.shown(goal)}"
            )
        if not np.isfinite(vector).all() or (vector < 0).any():
            raise ValueError(
                f"goal weights must be finite numbers >= 0, got {_validate.shown(goal)}"
            )
    if vector.sum() <= 0:
        raise ValueError("goal weights must not all be 0")
    return vector


def drift_trajectory(world: WorldModel, goal: object, steps: int | Sequence[int]) -> pd.DataFrame:
    """The goal weights at the given steps: a DataFrame indexed by ``step``, a column per concept.

    ``steps`` is a number ``S`` (every step ``0..S``) or a sequence of steps.
    Between learning times the edge set is fixed, so each segment is
    computed with blocks of matrix powers, not a loop over steps.

    >>> from deception_sim.drift import standard_world
    >>> world = standard_world().learn("X", "Y", at=100, rate=0.01)
    >>> drift_trajectory(world, "X", [0, 100, 200, 10_000]).round(4).reset_index()
        step  pain       X       Y
    0      0   0.0  1.0000  0.0000
    1    100   0.0  1.0000  0.0000
    2    200   0.0  0.5663  0.4337
    3  10000   0.0  0.5000  0.5000
    """
    w = goal_vector(world, goal)
    if isinstance(steps, numbers.Real) and not isinstance(steps, bool):
        count = _validate.integer("steps", steps) + 1
        estimate = limits.trajectory_bytes(count, len(world.names))
        limits.check_memory(f"a trajectory of {count} steps", "steps", estimate)
        wanted = np.arange(count)
    else:
        items = _as_tuple("steps", steps)
        if not items:
            raise ValueError("steps must be a number or a non-empty sequence of steps")
        wanted = np.unique([_validate.integer("steps", s) for s in items])
    out = np.empty((wanted.size, w.size))
    segments = _segments(world)
    for position, (start, p) in enumerate(segments):
        end = segments[position + 1][0] if position + 1 < len(segments) else None
        inside = (wanted >= start) if end is None else (wanted >= start) & (wanted < end)
        if inside.any():
            out[inside] = _apply_powers(w, p, wanted[inside] - start)
        if end is None or end > wanted[-1]:
            break
        w = w @ _matrix_power(p, end - start)
    return pd.DataFrame(
        out, index=pd.Index(wanted, name="step"), columns=pd.Index(world.names, name=None)
    )


def drift_limit(world: WorldModel, goal: object) -> pd.Series:
    """Where the goal weights settle once every edge has been learned.

    The weights at the last learning time, times :func:`limit_matrix` of
    the final chain. With symmetric rates each connected component's weight
    spreads evenly over it.

    >>> from deception_sim.drift import standard_world
    >>> world = standard_world().learn("X", "Y", at=100, rate=0.01, back_rate=0.0025)
    >>> drift_limit(world, "X").round(6).to_dict()
    {'pain': 0.0, 'X': 0.2, 'Y': 0.8}
    """
    w = goal_vector(world, goal)
    segments = _segments(world)
    for (start, p), (end, _) in itertools.pairwise(segments):
        w = w @ _matrix_power(p, end - start)
    limit = w @ limit_matrix(segments[-1][1])
    return pd.Series(limit, index=pd.Index(world.names, name="concept"), name="weight")


def overtake_time(
    world: WorldModel,
    goal: object,
    *,
    source: str = INTENDED,
    target: str = REGISTER,
    horizon: int | None = None,
    tol: float = 1e-12,
) -> int | None:
    """First step at which the weight on ``target`` exceeds that on ``source``.

    "Exceeds" means by more than ``tol`` (so rounding cannot fake a
    crossing). Returns ``None`` if it never happens (or not by ``horizon``).
    Exact: every step is checked until the sign is certain, because the L1
    distance of the weights to their limit never grows, so once
    ``d_limit + distance <= tol`` (``d`` the target's lead) no later step can
    cross. The cost grows with the time until that is certain (roughly the
    last learning time plus ``1 / rate`` times a log factor).

    A target that can never receive weight (no learned path to it from a
    concept with weight, and none of its own) is an error: the question is
    then a mistake in the graph.

    >>> from deception_sim.drift import standard_world
    >>> world = standard_world().learn("X", "Y", at=100, rate=0.01, back_rate=0.0)
    >>> overtake_time(world, "X")  # (1 - 0.01) ** 69 < 1/2
    169
    >>> overtake_time(standard_world().learn("X", "Y", rate=0.01), "X") is None
    True
    """
    w = goal_vector(world, goal)
    i, j = world.index(source, "source"), world.index(target, "target")
    if i == j:
        raise ValueError(f"source and target must differ, got {source!r} twice")
    stop_at = None if horizon is None else _validate.integer("horizon", horizon)
    tolerance = _validate.real("tol", tol, low=0.0)
    if w[j] == 0:
        graph = world.graph
        holders = [world.names[h] for h in np.flatnonzero(w)]
        reached = set(holders).union(*(nx.descendants(graph, h) for h in holders))
        if target not in reached:
            raise ValueError(
                f"target {target!r} is disconnected: no learned edge leads to it from a "
                f"concept with goal weight ({', '.join(map(repr, holders))}), so it can never "
                "hold any weight"
            )
    delta = np.zeros(w.size)
    delta[j], delta[i] = 1.0, -1.0
    if w @ delta > tolerance:
        return 0
    segments = _segments(world)
    for position, (start, p) in enumerate(segments):
        end = segments[position + 1][0] if position + 1 < len(segments) else None
        if stop_at is not None:
            if start >= stop_at:
                return None
            end = stop_at if end is None else min(end, stop_at)
        found, after = _scan(w, p, start, end, delta, tolerance)
        if found is not None:
            return found
        if after is None:
            return None
        w = after
    return None


def _segments(world: WorldModel) -> list[tuple[int, np.ndarray]]:
    """``(start step, transition matrix)`` for each stretch with a fixed edge set."""
    return [(t, transition_matrix(world, t)) for t in world.learning_times]


def _block_length(k: int, needed: int) -> int:
    return max(1, min(_STACK_CAP, _STACK_ENTRIES // (k * k), needed))


def _stochastic(matrix: np.ndarray) -> np.ndarray:
    """Rescale rows to sum to 1: a row sum off by one ulp would grow like ``t`` in ``P**t``."""
    return matrix / matrix.sum(axis=-1, keepdims=True)


def _matrix_power(p: np.ndarray, n: int) -> np.ndarray:
    """``P**n`` by squaring, each product kept stochastic (total weight is conserved)."""
    result, square = np.eye(p.shape[0]), p
    while n:
        if n & 1:
            result = _stochastic(result @ square)
        n >>= 1
        if n:
            square = _stochastic(square @ square)
    return result


def _power_stack(p: np.ndarray, length: int) -> np.ndarray:
    """``P**0 .. P**(length - 1)``, shape ``(length, k, k)``.

    Filled by doubling (``P**(i + h) = P**i @ P**h``), so each power is a
    product of about ``log2(length)`` factors: rounding does not pile up.
    """
    stack = np.empty((length, *p.shape))
    stack[0] = np.eye(p.shape[0])
    filled, power = 1, p  # power == P**filled
    while filled < length:
        take = min(filled, length - filled)
        stack[filled : filled + take] = _stochastic(stack[:take] @ power)
        filled += take
        power = _stochastic(power @ power)
    return stack


def _apply_powers(w: np.ndarray, p: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """``w @ P**o`` for each sorted offset ``o``: rows of a ``(len(offsets), k)`` array.

    ``o = m * B + r``: a stack of the first ``B`` powers is applied to
    ``w @ (P**B)**m``, so a dense run of offsets costs about ``sqrt`` of its
    length in Python-level steps, and a sparse one a matrix power per offset.
    """
    k = w.size
    top = int(offsets[-1])
    block = _block_length(k, max(1, math.isqrt(top + 1)))
    stack = _power_stack(p, block)
    flat = stack.transpose(1, 0, 2).reshape(k, block * k)
    jump = _stochastic(stack[-1] @ p)
    high, low = np.divmod(offsets, block)
    out = np.empty((offsets.size, k))
    groups, firsts = np.unique(high, return_index=True)
    for m, first, last in zip(groups, firsts, [*firsts[1:], offsets.size], strict=True):
        v = w @ _matrix_power(jump, int(m))
        if (last - first) * 8 >= block:
            out[first:last] = (v @ flat).reshape(block, k)[low[first:last]]
        else:
            out[first:last] = v @ stack[low[first:last]]
    return out


def _scan(
    w: np.ndarray, p: np.ndarray, start: int, end: int | None, delta: np.ndarray, tol: float
) -> tuple[int | None, np.ndarray | None]:
    """First step in ``(start, end]`` with ``w(t) @ delta > tol``, else ``(None, w(end))``.

    ``end=None`` scans an open-ended last segment; ``(None, None)`` means never.
    """
    limit = w @ limit_matrix(p)
    d_limit = float(limit @ delta)
    converged = _CONVERGED * float(w.sum())
    span = None if end is None else end - start
    block = _block_length(w.size, _STACK_CAP if span is None else span)
    stack = _power_stack(p, block + 1)[1:]  # P**1 .. P**block
    leads = stack @ delta  # row b: P**(b + 1) @ delta
    t, v, previous = start, w, math.inf
    while end is None or t < end:
        distance = float(np.abs(v - limit).sum())
        # The L1 distance to the limit never grows: past this point no step can
        # cross (or the weights sit at their limit up to rounding).
        settled = distance <= converged or (distance >= previous and distance <= 1e3 * converged)
        if d_limit + distance <= tol or settled:
            if end is None:
                return None, None
            return None, w @ _matrix_power(p, end - start)
        n = block if end is None else min(block, end - t)
        ahead = np.flatnonzero(leads[:n] @ v > tol)
        if ahead.size:
            return t + 1 + int(ahead[0]), None
        t += n
        v, previous = w @ _matrix_power(p, t - start), distance
    return None, v
