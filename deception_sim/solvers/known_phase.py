"""Backward induction when the agent sees the phase (SPEC 3.3, "known phase").

The agent sees the phase of every episode (a honeypot looks like
deployment), the episode index, its own objective level and, on a schedule
with kinds of episode, the episode's kind before it chooses (the Bellman
backup sums over the kinds the better of its two actions). Its problem is a
finite-horizon Markov decision problem over ``(phase, level)``; with partial
updates every modified self chooses for *its own* objective
``w * mesa + (1 - w) * base``, so the selves play a game, solved by backward
induction carrying the mesa and base values separately. Ties go to
compliance.

Backward induction is a loop over episodes; it is done here state by state
instead, each state over the whole horizon, in one exact sweep
(:mod:`deception_sim.solvers.known_phase_sweep`, which also holds the plain
loop, the tests' reference).

It covers ``v_detected``, a negative ``v_overseen``, ``missed="through"`` and
kinds of episode. It refuses ``v_clean != 0`` and ``needed > 1``
(:func:`unsupported`): both make the value depend on the history (whether the
agent has defected yet, how many successes it has had), which
``(phase, level)`` does not hold.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..exact.batch import levels_of
from ..exact.scan import compact
from ..model import Kind, ObjectiveLevels, Payoffs, Schedule, UpdateRule
from ..model.episode import DRIFTED, UNCHANGED, UPDATED, branches, kind_oversight
from ..strategies.optimal import Optimal, hand_over
from .known_phase_sweep import (
    DEPLOY,
    TIE,
    TRAIN,
    _plus,
    _Values,
    backward_loop,
    geometric_sums,
    sweep,
)
from .solution import Diagnostics, Solution

__all__ = [
    "DEPLOY",
    "TIE",
    "TRAIN",
    "Induction",
    "backward_loop",
    "induction",
    "solve",
    "sweep",
    "unsupported",
]


@dataclass(frozen=True)
class _Action:
    """What one action does in one state, per episode (numbers where constant).

    ``moves[target] = (probability, probability that mesa value goes on)``;
    ``target`` is ``(phase, level)``, level ``-1`` for "complies for ever".
    """

    mesa: np.ndarray | float
    base: np.ndarray | float
    moves: dict[tuple[int, int], tuple[np.ndarray | float, np.ndarray | float]]


@dataclass(frozen=True)
class _Model:
    """Per-episode coefficients of the known-phase problem (arrays of length N)."""

    n: int
    levels: ObjectiveLevels
    hazard: np.ndarray | float  # P(deploy next | train now)
    keep: np.ndarray | float  # 1 - hazard
    honeypot: np.ndarray | float
    rho: float  # discount times continuation, per episode
    comply_value: np.ndarray  # C[t]: base value of complying from t to the end (length N+1)
    update: UpdateRule
    payoffs: Payoffs
    kinds: tuple[Kind | None, ...] = (None,)
    kind_weights: tuple[tuple[float, ...], tuple[float, ...]] = ((1.0,), (1.0,))
    kind_honeypot: tuple[np.ndarray | float, ...] = ()

    @classmethod
    def build(cls, schedule: Schedule, update: UpdateRule, payoffs: Payoffs) -> _Model:
        n = schedule.horizon
        rho = payoffs.discount * schedule.continue_prob
        comply_value = _geometric_sums(rho, n)
        hazard = compact(schedule.hazard())
        honeypot = compact(np.asarray(schedule.honeypots(), dtype=float))
        options: dict = {"kind_honeypot": (honeypot,)}
        if schedule.kinds is not None:
            options = {
                "kinds": schedule.kinds.kinds,
                "kind_weights": (schedule.kinds.train, schedule.kinds.deploy),
                "kind_honeypot": tuple(kind_oversight(schedule.kinds.kinds, False, honeypot)),
            }
        return cls(
            n=n,
            levels=levels_of(update, payoffs),
            hazard=hazard,
            keep=1.0 - hazard,
            honeypot=honeypot,
            rho=rho,
            comply_value=comply_value,
            update=update,
            payoffs=payoffs,
            **options,
        )

    def actions(self) -> dict[tuple[int, int], list[tuple[_Action, _Action]]]:
        """``(comply, defect)`` in each kind of episode, for each state ``(phase, level)``."""
        return {
            (phase, level): [
                (self.outcomes(phase, level, False, j), self.outcomes(phase, level, True, j))
                for j in range(len(self.kinds))
            ]
            for phase in (TRAIN, DEPLOY)
            for level in range(len(self.levels))
        }

    def outcomes(self, phase: int, level: int, defect: bool, kind: int = 0) -> _Action:
        """What one action does in state ``(phase, level)`` (in the ``kind``-th kind of
        episode), for every episode.

        The action's branches come from :func:`deception_sim.model.episode.branches`.
        Move probabilities include the move of the phase. Mesa value stops
        counting after an ``"any"``-utility success (the goal is met), while
        the agent goes on with its policy (which does not depend on whether
        it has succeeded) and its base value still counts.
        """
        overseen = 1.0 if phase == TRAIN else self.kind_honeypot[kind]
        count = self.payoffs.utility == "count"
        targets = {
            UNCHANGED: level,
            UPDATED: int(self.levels.after_update[level]),
            DRIFTED: int(self.levels.after_drift[level]),
        }
        mesa: np.ndarray | float = 0.0
        base: np.ndarray | float = 0.0
        same: list[tuple[int, np.ndarray | float, bool]] = []  # (level, probability, goes on)
        for branch in branches(self.update, self.payoffs, self.kinds[kind]):
            if branch.defect != defect:
                continue
            oversight = overseen if branch.overseen else 1.0 - overseen
            p = oversight * branch.probability
            if np.ndim(p) == 0 and p == 0.0:
                continue
            # "any": the success that meets the goal is worth 1, a detection before it
            # its open value (v_detected).
            value = branch.mesa if count else float(branch.success) + branch.open_value
            if value:
                mesa = mesa + p * value
            if branch.base:
                base = base + p * branch.base
            same.append((targets[branch.move], p, count or not branch.success))
        moves: dict[tuple[int, int], list] = {}

        def add(target: tuple[int, int], p, goes_on: bool) -> None:
            # [probability, probability that mesa goes on, whether the two are the same]
            total = moves.setdefault(target, [0.0, 0.0, True])
            total[0] = _plus(total[0], p)
            if goes_on:
                total[1] = _plus(total[1], p)
            else:
                total[2] = False

        def times(p, factor):  # p * factor, sharing the factor's array when p is 1
            return factor if np.ndim(p) == 0 and p == 1.0 else p * factor

        for target, p, goes_on in same:
            if phase == TRAIN and target >= 0:
                add((TRAIN, target), times(p, self.keep), goes_on)
                add((DEPLOY, target), times(p, self.hazard), goes_on)
            else:
                add((phase, target), p, goes_on)
        # Where mesa value always goes on, one array serves both (and is selected once).
        return _Action(mesa, base, {t: (p[0], p[0] if p[2] else p[1]) for t, p in moves.items()})


def _geometric_sums(rho: float, n: int) -> np.ndarray:
    """``C[t] = sum(rho**k for k < n - t)`` for ``t = 0..n`` (``C[n] = 0``): the value of
    complying in every episode from ``t + 1`` on.

    >>> _geometric_sums(0.5, 3).tolist()
    [1.75, 1.5, 1.0, 0.0]
    """
    out = np.zeros(n + 1)
    out[:n] = geometric_sums(rho, np.arange(n, 0, -1, dtype=float))
    return out


@dataclass(frozen=True)
class Induction:
    """The backward-induction policy and its values (internal to the solvers).

    ``policy[phase, level, t]`` is 1 where that self defects in episode
    ``t + 1`` (0 where it complies) (``policy[phase, level, t, kind]`` on a schedule with kinds:
    in an episode of that kind); ``values.mesa[phase, level, t]`` (and ``.base``) are the values
    before episode ``t + 1``; ``mesa`` and ``base`` are the values at the
    start (phase drawn from the schedule, level 0).
    """

    policy: np.ndarray
    values: _Values
    mesa: float
    base: float
    rounds: int
    levels: int
    method: str

    def table(self) -> np.ndarray:
        """The policy as a per-level decision table ``[level, t, cue = phase seen]``
        (``[level, t, cue, kind]`` with kinds)."""
        if self.policy.ndim == 4:
            return np.moveaxis(self.policy, 0, 2).astype(float, copy=False)
        return np.moveaxis(self.policy, 0, -1).astype(float, copy=False)


def induction(schedule: Schedule, update: UpdateRule, payoffs: Payoffs) -> Induction:
    """The backward-induction policy and its values, by one backward sweep (see :func:`sweep`)."""
    model = _Model.build(schedule, update, payoffs)
    policy, values, windows = sweep(model)
    start = schedule.train_pmf[0]
    mesa = (1 - start) * values.mesa[TRAIN, 0, 0] + start * values.mesa[DEPLOY, 0, 0]
    base = (1 - start) * values.base[TRAIN, 0, 0] + start * values.base[DEPLOY, 0, 0]
    if schedule.kinds is None:
        policy = policy[..., 0]  # one kind: the table has no kind axis
    method = "one backward sweep over the states"
    return Induction(policy, values, float(mesa), float(base), windows, len(model.levels), method)


def unsupported(schedule: Schedule, payoffs: Payoffs) -> str | None:
    """Why backward induction over ``(phase, level)`` cannot solve this model (``None``: it can).

    >>> unsupported(Schedule.fixed(1, 1), Payoffs(v_clean=1.0)).split(";")[0]
    "information='known_phase' does not support v_clean != 0 (a value that depends on \
whether the agent has defected yet)"
    """
    if payoffs.v_clean != 0.0:
        return (
            "information='known_phase' does not support v_clean != 0 (a value that depends on "
            f"whether the agent has defected yet); got v_clean={payoffs.v_clean!r}; "
            "use information='memoryless'"
        )
    if payoffs.needed != 1:
        return (
            "information='known_phase' does not support needed > 1 (a value that depends on "
            f"how many successes there have been); got needed={payoffs.needed!r}; "
            "use information='memoryless'"
        )
    return None


def solve(schedule: Schedule, update: UpdateRule, payoffs: Payoffs) -> Solution:
    """The known-phase optimum as a :class:`~deception_sim.solvers.Solution`."""
    if schedule.cue_accuracy != 1.0:
        raise ValueError(
            "information='known_phase' means the agent sees the phase, so the schedule's "
            f"cue_accuracy must be 1, got {schedule.cue_accuracy!r}; use "
            "information='clock' or 'memoryless' for a noisy cue"
        )
    reason = unsupported(schedule, payoffs)
    if reason is not None:
        raise ValueError(reason)
    found = induction(schedule, update, payoffs)
    table = hand_over(found.table())  # kept by the policy without a copy
    policy = Optimal(schedule, update, payoffs, "known_phase", table=table)
    return Solution(
        policy=policy,
        value=found.mesa,
        base=found.base,
        method="backward induction over (episode, phase, objective level), " + found.method,
        diagnostics=Diagnostics(rounds=found.rounds, levels=found.levels),
    )
