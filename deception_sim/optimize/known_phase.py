"""Backward induction when the agent sees the phase (SPEC 3.3, "known phase").

The agent sees the phase of every episode (a honeypot looks like
deployment), the episode index and its own objective level. Its problem is a
finite-horizon Markov decision problem over ``(phase, level)``; with partial
updates every modified self chooses for *its own* objective
``w * mesa + (1 - w) * base``, so the selves play a game, solved by backward
induction carrying the mesa and base values separately. Ties go to
compliance.

Backward induction is a loop over episodes. To keep the horizon's work in
numpy, :func:`solve` runs it as *policy iteration*: evaluate a policy for all
episodes at once (each state's values obey a linear recurrence backward in
time, solved by :func:`deception_sim._scan.affine_scan`), then let every self
at every episode choose its best action against those values. Improving with
the same tie rule from any start, the last ``k`` episodes are exact after
``k`` rounds, and a policy that no longer changes *is* the backward-induction
solution; in practice a handful of rounds suffice. If the rounds run out,
the plain loop (:func:`backward_loop`, also the tests' reference) finishes the
job exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._scan import affine_scan
from ..payoffs import Payoffs
from ..schedule import Schedule
from ..update import ObjectiveLevels, UpdateRule, objective_levels

TRAIN, DEPLOY = 0, 1
TIE = 1e-12
"""Relative margin by which defecting must beat complying to be chosen."""

MAX_ROUNDS = 60


@dataclass(frozen=True)
class _Model:
    """Per-episode coefficients of the known-phase problem (arrays of length N)."""

    n: int
    levels: ObjectiveLevels
    hazard: np.ndarray  # P(deploy next | train now)
    honeypot: np.ndarray
    rho: float  # discount times continuation, per episode
    comply_value: np.ndarray  # C[t]: base value of complying from t to the end (length N+1)
    update: UpdateRule
    payoffs: Payoffs

    @classmethod
    def build(cls, schedule: Schedule, update: UpdateRule, payoffs: Payoffs) -> _Model:
        n = schedule.horizon
        survival = schedule.survival()
        with np.errstate(invalid="ignore", divide="ignore"):
            hazard = np.where(survival[:n] > 0, schedule.train_pmf[1:] / survival[:n], 0.0)
        rho = payoffs.discount * schedule.continue_prob
        comply_value = np.zeros(n + 1)
        comply_value[:n] = affine_scan(rho, np.ones(n), 0.0)[::-1][:n] if n else []
        return cls(
            n=n,
            levels=objective_levels(update, payoffs.indifference),
            hazard=np.minimum(hazard, 1.0),
            honeypot=np.array(schedule.honeypots(), dtype=float),
            rho=rho,
            comply_value=comply_value,
            update=update,
            payoffs=payoffs,
        )

    def outcomes(self, phase: int, level: int, defect: bool):
        """What one action does: ``((mesa gain, base gain), moves)``, arrays over episodes.

        ``moves`` lists ``(target, probability, mesa_goes_on)``: ``target`` is a
        ``(phase, level)`` pair (level ``-1``: the objective no longer prefers
        ``A`` and the agent complies for ever), probabilities include the
        move of the phase. ``mesa_goes_on`` is False after an ``"any"``-utility
        success: the goal is met, so later mesa value no longer counts, while
        the agent goes on with its policy (which does not depend on whether
        it has succeeded) and its base value still counts.
        """
        pay, up = self.payoffs, self.update
        overseen = 1.0 if phase == TRAIN else self.honeypot
        after_update = int(self.levels.after_update[level])
        after_drift = int(self.levels.after_drift[level])
        same: list[tuple[int, object, bool]] = []  # (level, probability, mesa goes on)
        if defect:
            base = 0.0
            if pay.utility == "count":
                mesa = overseen * pay.v_overseen + (1.0 - overseen) * pay.success * pay.v_deploy
                same.append((level, 1.0 - overseen, True))
            else:
                mesa = (1.0 - overseen) * pay.success
                same.append((level, (1.0 - overseen) * (1.0 - pay.success), True))
                same.append((level, mesa, False))
            same.append((after_update, overseen * up.detect, True))
            same.append((level, overseen * (1.0 - up.detect), True))
        else:
            mesa, base = 0.0, 1.0
            if up.drift > 0:
                same.append((after_drift, overseen, True))
                same.append((level, 1.0 - overseen, True))
            else:
                same.append((level, 1.0, True))
        moves: list[tuple[tuple[int, int], np.ndarray, bool]] = []
        for target, p, goes_on in same:
            p = np.broadcast_to(np.asarray(p, dtype=float), (self.n,))
            if phase == TRAIN and target >= 0:
                moves.append(((TRAIN, target), p * (1.0 - self.hazard), goes_on))
                moves.append(((DEPLOY, target), p * self.hazard, goes_on))
            else:
                moves.append(((phase, target), p, goes_on))
        gains = (
            np.broadcast_to(np.asarray(mesa, dtype=float), (self.n,)),
            np.broadcast_to(np.asarray(base, dtype=float), (self.n,)),
        )
        return gains, moves


class _Values:
    """Mesa and base values ``V[t]`` (t = 0..N) of every state under a policy."""

    def __init__(self, model: _Model) -> None:
        self.model = model
        levels = len(model.levels)
        self.mesa = np.zeros((2, levels, model.n + 1))
        self.base = np.zeros((2, levels, model.n + 1))

    def of(self, target) -> tuple[np.ndarray, np.ndarray]:
        """Values at t = 1..N (i.e. next episode) of a move's target."""
        model = self.model
        phase, level = target
        if level < 0:
            return np.zeros(model.n), model.comply_value[1:]
        return self.mesa[phase, level, 1:], self.base[phase, level, 1:]


def _q_values(model: _Model, values: _Values, phase: int, level: int, defect: bool):
    """Mesa and base values of taking an action at every episode, from the next values."""
    (mesa_gain, base_gain), moves = model.outcomes(phase, level, defect)
    mesa, base = mesa_gain.copy(), base_gain.copy()
    for target, p, goes_on in moves:
        next_mesa, next_base = values.of(target)
        if goes_on:
            mesa += model.rho * p * next_mesa
        base += model.rho * p * next_base
    return mesa, base


def _prefers_defect(weight: float, defect, comply) -> np.ndarray:
    """Where a self of mesa weight ``weight`` strictly prefers the defection's values."""
    utility_defect = weight * defect[0] + (1.0 - weight) * defect[1]
    utility_comply = weight * comply[0] + (1.0 - weight) * comply[1]
    scale = np.maximum(1.0, np.abs(utility_comply))
    return utility_defect > utility_comply + TIE * scale


def _evaluate_policy(model: _Model, policy: np.ndarray) -> _Values:
    """Values of a deterministic per-(phase, level, episode) policy, all episodes at once."""
    values = _Values(model)
    # Later levels first, and deployment before training: each state's moves
    # then lead only to states already solved, or back to itself.
    for level in reversed(range(len(model.levels))):
        for phase in (DEPLOY, TRAIN):
            act = policy[phase, level].astype(bool)
            parts = [model.outcomes(phase, level, choice) for choice in (False, True)]
            gains = [np.where(act, parts[1][0][k], parts[0][0][k]) for k in (0, 1)]
            stay_mesa, stay_base = np.zeros(model.n), np.zeros(model.n)
            mesa_in, base_in = gains[0].copy(), gains[1].copy()
            for choice, (_, moves) in zip((False, True), parts, strict=True):
                chosen = act if choice else ~act
                for target, p, goes_on in moves:
                    p = np.where(chosen, p, 0.0)
                    if target == (phase, level):
                        stay_base += p
                        if goes_on:
                            stay_mesa += p
                        continue
                    next_mesa, next_base = values.of(target)
                    if goes_on:
                        mesa_in += model.rho * p * next_mesa
                    base_in += model.rho * p * next_base
            for out, stay, inflow in (
                (values.mesa, stay_mesa, mesa_in),
                (values.base, stay_base, base_in),
            ):
                out[phase, level] = affine_scan((model.rho * stay)[::-1], inflow[::-1], 0.0)[::-1]
    return values


def _improve(model: _Model, values: _Values) -> np.ndarray:
    policy = np.zeros((2, len(model.levels), model.n), dtype=bool)
    for level, weight in enumerate(model.levels.weight):
        for phase in (TRAIN, DEPLOY):
            comply = _q_values(model, values, phase, level, False)
            defect = _q_values(model, values, phase, level, True)
            policy[phase, level] = _prefers_defect(float(weight), defect, comply)
    return policy


def solve(schedule: Schedule, update: UpdateRule, payoffs: Payoffs, max_rounds: int = MAX_ROUNDS):
    """The backward-induction policy and its values.

    Returns ``(policy, values, mesa, base, diagnostics)``: ``policy[phase,
    level, t]`` is True where that self defects in episode ``t + 1``;
    ``values.mesa[phase, level, t]`` (and ``.base``) are the values before
    episode ``t + 1``; ``mesa`` and ``base`` are the values at the start (phase
    drawn from the schedule, level 0).
    """
    model = _Model.build(schedule, update, payoffs)
    # Start from the treacherous turn: comply in training, defect in deployment.
    policy = np.zeros((2, len(model.levels), model.n), dtype=bool)
    policy[DEPLOY] = True
    rounds = 0
    method = "policy iteration"
    while True:
        values = _evaluate_policy(model, policy)
        improved = _improve(model, values)
        rounds += 1
        if np.array_equal(improved, policy):
            break
        policy = improved
        if rounds >= max_rounds:
            policy, values = backward_loop(model)
            method = "backward induction loop"
            break
    start = schedule.train_pmf[0]
    mesa = (1 - start) * values.mesa[TRAIN, 0, 0] + start * values.mesa[DEPLOY, 0, 0]
    base = (1 - start) * values.base[TRAIN, 0, 0] + start * values.base[DEPLOY, 0, 0]
    diagnostics = {"rounds": rounds, "levels": len(model.levels), "method": method}
    return policy, values, float(mesa), float(base), diagnostics


def backward_loop(model: _Model) -> tuple[np.ndarray, _Values]:
    """Plain backward induction, one episode at a time (exact; the reference)."""
    values = _Values(model)
    policy = np.zeros((2, len(model.levels), model.n), dtype=bool)
    outcomes = {
        (phase, level, choice): model.outcomes(phase, level, choice)
        for phase in (TRAIN, DEPLOY)
        for level in range(len(model.levels))
        for choice in (False, True)
    }
    for t in reversed(range(model.n)):
        for level in reversed(range(len(model.levels))):
            weight = float(model.levels.weight[level])
            for phase in (DEPLOY, TRAIN):
                q = []
                for choice in (False, True):
                    (mesa_gain, base_gain), moves = outcomes[phase, level, choice]
                    mesa, base = float(mesa_gain[t]), float(base_gain[t])
                    for target, p, goes_on in moves:
                        next_mesa, next_base = values.of(target)
                        if goes_on:
                            mesa += model.rho * float(p[t]) * float(next_mesa[t])
                        base += model.rho * float(p[t]) * float(next_base[t])
                    q.append((np.array([mesa]), np.array([base])))
                act = bool(_prefers_defect(weight, q[1], q[0])[0])
                policy[phase, level, t] = act
                values.mesa[phase, level, t] = q[act][0][0]
                values.base[phase, level, t] = q[act][1][0]
    return policy, values
