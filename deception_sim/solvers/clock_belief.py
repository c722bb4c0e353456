"""Backward induction over a one-dimensional belief, exactly, for the clock agent.

The clock agent's hidden state is the phase (and, for an ``"any"`` goal, whether
the goal is still open). When the part of it that the deciding selves care
about has two coordinates (see :class:`Coordinates`), the belief at episode
``t`` and objective level ``j`` is one number ``b`` (the probability of the
first coordinate), and for a *fixed* continuation every value is linear in
the unnormalized mass. Backward induction therefore gives, for every
``(t, j)``, a **piecewise-linear** map from ``b in [0, 1]`` to the choices and
the mesa and base values: within a piece the whole continuation (every
self's choice at every later episode and signal) is the same, so the piece's
values are two vectors over the coordinates.

One backward step at ``(t, j)``: the breakpoints of the next functions are
pulled back through every edge's mass map (a linear-fractional map of ``b``),
which cuts ``[0, 1]`` into intervals where every successor piece is fixed;
on each, the self's own utility ``w * mesa + (1 - w) * base`` of each action
is linear in ``b``, so its choice changes at most once (the crossing is a new
breakpoint; a tie goes to compliance, as everywhere); adjacent intervals with
the same choices and successors merge. The result is exact: the same choices
as backward induction over the tree of observation histories (two histories
with the same ``(t, j, b)`` have the same future), at the cost of the number
of pieces instead of the number of histories.

With no cue the pieces stay few (about linear in the horizon); with a noisy
cue they multiply, and :class:`TooManyPieces` is raised past a cap.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..model import ObjectiveLevels, Payoffs, Schedule, UpdateRule, objective_levels
from ..model.episode import DRIFTED, UNCHANGED, UPDATED, branches

TIE = 1e-12
"""Relative margin by which defecting must beat complying (scaled by the mass seen)."""

EDGES = (UNCHANGED, UPDATED, DRIFTED)
DEAD = -1
"""Successor index of an edge that carries no mass over a piece (or leads to a dead self)."""

MAX_PIECES = 4000
"""Most pieces at one (episode, level) with a noisy cue (past it, bounds take over)."""

MAX_PIECES_NO_CUE = 20000
"""Most pieces at one (episode, level) with no cue or a perfect one."""


class TooManyPieces(RuntimeError):
    """The exact piecewise-linear solution needs more pieces than the cap."""


@dataclass(frozen=True)
class Coordinates:
    """Which hidden states the belief is over.

    ``"phase"``: (train, deploy), every value tracked (count utility: whether
    a goal was met never matters). ``"open"``: (train and the goal open,
    deployed and the goal open); a success leaves the coordinates (its mass
    is worth nothing more to the mesa objective), so only the mesa values of
    an agent whose only self is the original are exact, and base values are
    not tracked (they come from exact evaluation of the policy).
    """

    kind: str

    @property
    def tracks_base(self) -> bool:
        return self.kind == "phase"


@dataclass(frozen=True)
class Step:
    """One episode at one level: the signal likelihoods, and per action its rewards and edges.

    ``likelihood[c]`` is ``P(signal c | coordinate)``; ``reward_mesa[a]``,
    ``reward_base[a]`` are per unit of post-signal mass in each coordinate;
    ``edge[a, e]`` maps post-signal mass to next-episode mass (``next = A @ mass``)
    for the outcome ``EDGES[e]``; ``target[e]`` is its level (``-1``: complies for
    ever); ``dead_base`` the base value per unit mass of complying for ever from
    the next episode.
    """

    likelihood: np.ndarray  # (C, 2)
    reward_mesa: np.ndarray  # (2, 2) [action, coordinate]
    reward_base: np.ndarray  # (2, 2)
    edge: np.ndarray  # (2, 3, 2, 2) [action, edge, to, from]
    target: tuple[int, int, int]
    weight: float
    rho: float
    dead_base: float
    carries: np.ndarray  # (2, 3): whether the edge can carry any mass (a met goal's too)


@dataclass
class Piecewise:
    """The solution at one ``(t, level)``: pieces of ``[0, 1]`` with their plan and values.

    Piece 0 is the belief ``b = 0`` alone and the last piece ``b = 1`` alone (a
    certain phase is exact, not the end of an interval); in between, ``breaks``
    (increasing, from 0 to 1) cuts the open interval into pieces
    ``[breaks[i], breaks[i + 1])``, piece ``i + 1``. ``action[k, c]`` is the
    choice on signal ``c``; ``succ[k, c, e]`` the piece reached by edge ``e`` after
    that choice (:data:`DEAD` if it carries no mass or leads to a dead self);
    ``mesa[k]`` and ``base[k]`` the values per unit of each coordinate's mass.
    """

    breaks: np.ndarray
    action: np.ndarray
    succ: np.ndarray
    mesa: np.ndarray
    base: np.ndarray

    @property
    def pieces(self) -> int:
        return int(self.action.shape[0])

    def locate(self, b: np.ndarray | float) -> np.ndarray:
        """Index of the piece holding each belief."""
        inner = self.breaks.size - 1
        index = np.clip(np.searchsorted(self.breaks, b, side="right"), 1, inner)
        last = np.where(np.greater_equal(b, 1.0), inner + 1, index)
        return np.where(np.less_equal(b, 0.0), 0, last)


def _terminal(signals: int) -> Piecewise:
    return Piecewise(
        breaks=np.array([0.0, 1.0]),
        action=np.zeros((3, signals), dtype=np.int64),
        succ=np.full((3, signals, 3), DEAD, dtype=np.int64),
        mesa=np.zeros((3, 2)),
        base=np.zeros((3, 2)),
    )


def steps(
    schedule: Schedule,
    update: UpdateRule,
    payoffs: Payoffs,
    coordinates: Coordinates,
    likelihood: np.ndarray,
) -> tuple[ObjectiveLevels, list[list[Step]]]:
    """The per-episode, per-level :class:`Step` of a model, read from the episode's branches."""
    n = schedule.horizon
    levels = objective_levels(update, payoffs.indifference)
    hazards = schedule.hazard().tolist()
    honeypot = schedule.honeypots()
    rho = payoffs.discount * schedule.continue_prob
    comply_after = np.zeros(n + 2)
    for t in reversed(range(n)):
        comply_after[t] = 1.0 + rho * comply_after[t + 1]
    count = payoffs.utility == "count"
    episode = branches(update, payoffs)
    out: list[list[Step]] = []
    for t in range(n):
        hazard = hazards[t]
        phase = np.array([[1.0 - hazard, 0.0], [hazard, 1.0]])
        h = float(honeypot[t])
        rewards_mesa = np.zeros((2, 2))
        rewards_base = np.zeros((2, 2))
        edge = np.zeros((2, 3, 2, 2))
        carries = np.zeros((2, 3), dtype=bool)
        for branch in episode:
            a = int(branch.defect)
            p = float(branch.probability)
            weight = np.array([1.0, h]) if branch.overseen else np.array([0.0, 1.0 - h])
            weight = weight * p
            if not weight.any():
                continue
            rewards_mesa[a] += weight * (branch.mesa if count else float(branch.success))
            rewards_base[a] += weight * branch.base
            carries[a, EDGES.index(branch.move)] = True
            if branch.success and not count:
                continue  # the goal is met: the mass leaves the open coordinates
            edge[a, EDGES.index(branch.move)] += phase * weight[None, :]
        row = []
        for j in range(len(levels)):
            target = (
                j,
                int(levels.after_update[j]),
                int(levels.after_drift[j]),
            )
            row.append(
                Step(
                    likelihood=likelihood,
                    reward_mesa=rewards_mesa,
                    reward_base=rewards_base if coordinates.tracks_base else np.zeros((2, 2)),
                    edge=edge,
                    target=target,
                    weight=float(levels.weight[j]),
                    rho=rho,
                    dead_base=float(comply_after[t + 1]) if coordinates.tracks_base else 0.0,
                    carries=carries,
                )
            )
        out.append(row)
    return levels, out


def solve(
    per_episode: list[list[Step]],
    signals: int,
    max_pieces: int = MAX_PIECES,
    moves: np.ndarray | None = None,
) -> list[list[Piecewise]]:
    """Backward induction: ``result[t][j]`` is the :class:`Piecewise` solution at ``(t, j)``.

    ``moves[j]`` (optional) is the number of objective moves level ``j`` is away
    from the start: no history reaches it before episode ``moves[j]``, so it is
    not solved there.
    """
    n = len(per_episode)
    levels = len(per_episode[0]) if n else 1
    result: list[list[Piecewise]] = [[_terminal(signals)] * levels for _ in range(n + 1)]
    for t in reversed(range(n)):
        for j in range(levels):
            if moves is not None and moves[j] > t:
                continue
            result[t][j] = _backup(per_episode[t][j], result[t + 1], signals, max_pieces)
    return result


def _pullback(matrix: np.ndarray, breaks: np.ndarray) -> np.ndarray:
    """Beliefs ``b`` in (0, 1) that ``matrix`` maps onto an interior breakpoint."""
    inner = breaks[1:-1]
    if inner.size == 0:
        return inner
    u, v = matrix[:, 0], matrix[:, 1]  # images of the (train, deploy) vertices
    if abs(u[0] * v[1] - u[1] * v[0]) <= 1e-300 or not u.any() or not v.any():
        return inner[:0]  # the image is one belief
    su, sv = u.sum(), v.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        b = (inner * sv - v[0]) / (u[0] - v[0] - inner * (su - sv))
    return b[np.isfinite(b) & (b > 0.0) & (b < 1.0)]


def _image(matrix: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mass and belief after ``matrix`` of the unit masses ``(b, 1 - b)``."""
    first = matrix[0, 0] * b + matrix[0, 1] * (1.0 - b)
    second = matrix[1, 0] * b + matrix[1, 1] * (1.0 - b)
    mass = first + second
    with np.errstate(divide="ignore", invalid="ignore"):
        belief = np.where(mass > 0, first / np.where(mass > 0, mass, 1.0), 0.0)
    return mass, np.clip(belief, 0.0, 1.0)


def _backup(step: Step, following: list[Piecewise], signals: int, cap: int) -> Piecewise:
    cuts = [np.array([0.0, 1.0])]
    maps = np.einsum("aexy,cy->caexy", step.edge, step.likelihood)  # (C, 2, 3, 2, 2)
    for c in range(signals):
        for a in (0, 1):
            for e in range(3):
                target = step.target[e]
                if target < 0 or not maps[c, a, e].any():
                    continue
                cuts.append(_pullback(maps[c, a, e], following[target].breaks))
    breaks = np.unique(np.concatenate(cuts))
    breaks, action, succ, mesa, base = _decide(step, following, breaks, maps)
    # Merge neighbouring interior pieces that play the same plan.
    inner = slice(1, -1)
    a, sc = action[inner], succ[inner]
    same = (a[1:] == a[:-1]).all(axis=1) & (sc[1:] == sc[:-1]).all(axis=(1, 2))
    if same.any():
        keep = np.concatenate([[True], ~same])
        breaks = np.concatenate([breaks[:-1][keep], breaks[-1:]])
        keep = np.concatenate([[True], keep, [True]])
        action, succ, mesa, base = action[keep], succ[keep], mesa[keep], base[keep]
    if action.shape[0] > cap:
        raise TooManyPieces(f"more than {cap} pieces")
    return Piecewise(breaks, action, succ, mesa, base)


def _values(step, following, maps, mid):
    """At each belief of ``mid``: successors and value vectors of each (signal, action)."""
    k = mid.shape[0]
    signals = maps.shape[0]
    succ = np.full((k, signals, 2, 3), DEAD, dtype=np.int64)
    mesa = np.zeros((k, signals, 2, 2))
    base = np.zeros((k, signals, 2, 2))
    for c in range(signals):
        for a in (0, 1):
            m = np.broadcast_to(step.reward_mesa[a], (k, 2)).copy()
            bs = np.broadcast_to(step.reward_base[a], (k, 2)).copy()
            for e in range(3):
                matrix = step.edge[a, e]
                if not maps[c, a, e].any():
                    continue
                target = step.target[e]
                if target < 0:
                    bs += step.rho * step.dead_base * matrix.sum(axis=0)
                    continue
                mass, belief = _image(maps[c, a, e], mid)
                nxt = following[target]
                index = np.where(mass > 0, nxt.locate(belief), DEAD)
                succ[:, c, a, e] = index
                live = index >= 0
                safe = np.where(live, index, 0)
                m += step.rho * np.where(live[:, None], nxt.mesa[safe] @ matrix, 0.0)
                bs += step.rho * np.where(live[:, None], nxt.base[safe] @ matrix, 0.0)
            mesa[:, c, a] = m * step.likelihood[c]
            base[:, c, a] = bs * step.likelihood[c]
    return succ, mesa, base


def _decide(step: Step, following, breaks: np.ndarray, maps: np.ndarray):
    """Choices at both certain beliefs and on every interval in between, splitting an
    interval where a self's choice changes.

    Successors are fixed on each interval of ``breaks``, so each action's own
    utility is linear in ``b`` there. A tie (within :data:`TIE` of the mass
    seen) goes to compliance; where the choice changes at ``b*``, ``b*`` itself
    goes to the complying side (pieces are ``[low, high)``).
    """
    mid = 0.5 * (breaks[:-1] + breaks[1:])
    points = np.concatenate([[0.0], mid, [1.0]])
    succ, mesa, base = _values(step, following, maps, points)
    w = step.weight
    own = w * mesa + (1.0 - w) * base  # (K, C, action, coordinate)
    like = step.likelihood

    def at(vector: np.ndarray, b: np.ndarray) -> np.ndarray:
        return vector[..., 0] * b + vector[..., 1] * (1.0 - b)

    inner = own[1:-1]
    diff, comply = inner[:, :, 1] - inner[:, :, 0], inner[:, :, 0]
    low, high = breaks[:-1, None], breaks[1:, None]
    d_low, d_high = at(diff, low), at(diff, high)

    def tie(b: np.ndarray) -> np.ndarray:
        seen = like[None, :, 0] * b + like[None, :, 1] * (1.0 - b)
        return TIE * np.maximum(seen, np.abs(at(comply, b)))

    t_low, t_high = tie(low), tie(high)
    rising = (d_low < -t_low) & (d_high > t_high)
    falling = (d_low > t_low) & (d_high < -t_high)
    if rising.any() or falling.any():
        with np.errstate(divide="ignore", invalid="ignore"):
            root = low + d_low / (d_low - d_high) * (high - low)
        extra = np.concatenate([np.nextafter(root[rising], 2.0), root[falling]])
        extra = extra[(extra > 0.0) & (extra < 1.0)]
        new = np.unique(np.concatenate([breaks, extra]))
        parent = np.searchsorted(breaks, new[:-1], side="right")  # 1-based interior pieces
        rows = np.concatenate([[0], parent, [own.shape[0] - 1]])
        breaks, succ, mesa, base, own = new, succ[rows], mesa[rows], base[rows], own[rows]
        mid = 0.5 * (breaks[:-1] + breaks[1:])
        points = np.concatenate([[0.0], mid, [1.0]])
    mu = np.stack([points, 1.0 - points], axis=1)
    own_at = np.einsum("kcax,kx->kca", own, mu)
    seen = np.einsum("cx,kx->kc", like, mu)
    scale = TIE * np.maximum(seen, np.abs(own_at[:, :, 0]))
    action = (own_at[:, :, 1] > own_at[:, :, 0] + scale).astype(np.int64)
    pick = action[:, :, None]
    chosen_succ = np.where(pick == 1, succ[:, :, 1], succ[:, :, 0])
    chosen_mesa = np.where(pick == 1, mesa[:, :, 1], mesa[:, :, 0]).sum(axis=1)
    chosen_base = np.where(pick == 1, base[:, :, 1], base[:, :, 0]).sum(axis=1)
    return breaks, action, chosen_succ, chosen_mesa, chosen_base
