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

Backward induction is a loop over episodes. To keep the horizon's work in
numpy, :func:`solve` runs it as *policy iteration*: evaluate a policy for all
episodes at once (each state's values obey a linear recurrence backward in
time, solved by :func:`deception_sim.exact.scan.affine_scan`), then let every self
at every episode choose its best action against those values. Improving with
the same tie rule from any start, the last ``k`` episodes are exact after
``k`` rounds, and a policy that no longer changes *is* the backward-induction
solution; in practice a handful of rounds suffice. If the rounds run out,
the plain loop (:func:`backward_loop`, also the tests' reference) finishes the
job exactly.

It covers ``v_detected``, a negative ``v_overseen``, ``missed="through"`` and
kinds of episode. It refuses ``v_clean != 0`` and ``needed > 1``
(:func:`unsupported`): both make the value depend on the history (whether the
agent has defected yet, how many successes it has had), which
``(phase, level)`` does not hold.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..exact.scan import affine_scan, compact
from ..model import Kind, ObjectiveLevels, Payoffs, Schedule, UpdateRule, objective_levels
from ..model.episode import DRIFTED, UNCHANGED, UPDATED, branches
from ..strategies.optimal import Optimal
from .solution import Diagnostics, Solution

TRAIN, DEPLOY = 0, 1
TIE = 1e-12
"""Relative margin by which defecting must beat complying to be chosen."""

MAX_ROUNDS = 60


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
        survival = schedule.survival()
        with np.errstate(invalid="ignore", divide="ignore"):
            hazard = np.where(survival[:n] > 0, schedule.train_pmf[1:] / survival[:n], 0.0)
        rho = payoffs.discount * schedule.continue_prob
        comply_value = np.zeros(n + 1)
        comply_value[:n] = affine_scan(rho, np.ones(n), 0.0)[::-1][:n] if n else []
        honeypot = compact(np.asarray(schedule.honeypots(), dtype=float))
        options: dict = {"kind_honeypot": (honeypot,)}
        if schedule.kinds is not None:
            options = {
                "kinds": schedule.kinds.kinds,
                "kind_weights": (schedule.kinds.train, schedule.kinds.deploy),
                "kind_honeypot": tuple(
                    honeypot if k.honeypot_rate is None else k.honeypot_rate
                    for k in schedule.kinds.kinds
                ),
            }
        return cls(
            n=n,
            levels=objective_levels(update, payoffs.indifference),
            hazard=compact(np.minimum(hazard, 1.0)),
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
            total[0] = total[0] + p
            if goes_on:
                total[1] = total[1] + p
            else:
                total[2] = False

        for target, p, goes_on in same:
            if phase == TRAIN and target >= 0:
                add((TRAIN, target), p * (1.0 - self.hazard), goes_on)
                add((DEPLOY, target), p * self.hazard, goes_on)
            else:
                add((phase, target), p, goes_on)
        # Where mesa value always goes on, one array serves both (and is selected once).
        return _Action(mesa, base, {t: (p[0], p[0] if p[2] else p[1]) for t, p in moves.items()})


class _Values:
    """Mesa and base values ``V[t]`` (t = 0..N) of every state under a policy."""

    def __init__(self, model: _Model) -> None:
        self.model = model
        levels = len(model.levels)
        self.mesa = np.zeros((2, levels, model.n + 1))
        self.base = np.zeros((2, levels, model.n + 1))

    def of(self, target: tuple[int, int]) -> tuple[np.ndarray | float, np.ndarray]:
        """Values at t = 1..N (i.e. next episode) of a move's target."""
        model = self.model
        phase, level = target
        if level < 0:
            return 0.0, model.comply_value[1:]
        return self.mesa[phase, level, 1:], self.base[phase, level, 1:]


def _q_values(model: _Model, values: _Values, action: _Action, with_base: bool = True):
    """Mesa and base values of taking an action at every episode, from the next values."""
    mesa = np.zeros(model.n) + action.mesa
    base = np.zeros(model.n) + action.base if with_base else 0.0
    for target, (p_all, p_on) in action.moves.items():
        next_mesa, next_base = values.of(target)
        mesa += (model.rho * p_on) * next_mesa
        if with_base:
            base += (model.rho * p_all) * next_base
    return mesa, base


def _select(act: np.ndarray, defect, comply):
    """``defect`` where the policy defects, ``comply`` elsewhere (a number if both agree)."""
    if np.ndim(defect) == 0 and np.ndim(comply) == 0 and defect == comply:
        return defect
    return np.where(act, defect, comply)


def _prefers_defect(weight: float, defect, comply) -> np.ndarray:
    """Where a self of mesa weight ``weight`` strictly prefers the defection's values."""
    if weight == 1.0:  # the original agent: the mesa objective alone
        utility_defect, utility_comply = defect[0], comply[0]
    else:
        utility_defect = weight * defect[0] + (1.0 - weight) * defect[1]
        utility_comply = weight * comply[0] + (1.0 - weight) * comply[1]
    scale = np.maximum(1.0, np.abs(utility_comply))
    return utility_defect > utility_comply + TIE * scale


def _mixed(weights: tuple[float, ...], items: list) -> np.ndarray | float:
    """``sum_j weights[j] * items[j]`` over the kinds (the item itself for one kind)."""
    total = None
    for weight, item in zip(weights, items, strict=True):
        if weight == 0.0:
            continue
        term = item if weight == 1.0 else weight * item
        total = term if total is None else total + term
    return 0.0 if total is None else total


def _evaluate_policy(
    model: _Model, policy: np.ndarray, actions, parts: tuple[str, ...] = ("mesa", "base")
) -> _Values:
    """Values of a deterministic per-(phase, level, episode, kind) policy, all episodes at once.

    ``parts`` says which values to compute (the base values are not needed to
    choose when the only self is the original agent, whose objective is the
    mesa objective).
    """
    values = _Values(model)
    # Later levels first, and deployment before training: each state's moves
    # then lead only to states already solved, or back to itself.
    for level in reversed(range(len(model.levels))):
        for phase in (DEPLOY, TRAIN):
            weights = model.kind_weights[phase]
            per_kind = actions[phase, level]
            acts = [policy[phase, level, :, j] for j in range(len(per_kind))]
            mesa_in = np.zeros(model.n) + _mixed(
                weights,
                [_select(a, d.mesa, c.mesa) for a, (c, d) in zip(acts, per_kind, strict=True)],
            )
            base_in = np.zeros(model.n) + _mixed(
                weights,
                [_select(a, d.base, c.base) for a, (c, d) in zip(acts, per_kind, strict=True)],
            )
            stay: tuple[np.ndarray | float, np.ndarray | float] = (0.0, 0.0)
            targets = set()
            for comply, defect in per_kind:
                targets |= comply.moves.keys() | defect.moves.keys()
            for target in sorted(targets):
                all_parts, on_parts = [], []
                for act, (comply, defect) in zip(acts, per_kind, strict=True):
                    on_defect = defect.moves.get(target, (0.0, 0.0))
                    on_comply = comply.moves.get(target, (0.0, 0.0))
                    p_all = _select(act, on_defect[0], on_comply[0])
                    shared = on_defect[1] is on_defect[0] and on_comply[1] is on_comply[0]
                    all_parts.append(p_all)
                    on_parts.append(p_all if shared else _select(act, on_defect[1], on_comply[1]))
                p_all = _mixed(weights, all_parts)
                p_on = _mixed(weights, on_parts)
                if target == (phase, level):
                    stay = (p_all, p_on)
                    continue
                next_mesa, next_base = values.of(target)
                mesa_in += (model.rho * p_on) * next_mesa
                base_in += (model.rho * p_all) * next_base
            for name, factor, inflow in (("mesa", stay[1], mesa_in), ("base", stay[0], base_in)):
                if name not in parts:
                    continue
                out = getattr(values, name)
                alpha = model.rho * factor
                if isinstance(alpha, np.ndarray):
                    alpha = alpha[::-1]
                out[phase, level] = affine_scan(alpha, inflow[::-1], 0.0)[::-1]
    return values


def _improve(model: _Model, values: _Values, actions) -> np.ndarray:
    policy = np.zeros((2, len(model.levels), model.n, len(model.kinds)), dtype=bool)
    for level, weight in enumerate(model.levels.weight):
        for phase in (TRAIN, DEPLOY):
            with_base = weight < 1.0
            for j, pair in enumerate(actions[phase, level]):
                comply, defect = (_q_values(model, values, a, with_base) for a in pair)
                policy[phase, level, :, j] = _prefers_defect(float(weight), defect, comply)
    return policy


@dataclass(frozen=True)
class Induction:
    """The backward-induction policy and its values (internal to the solvers).

    ``policy[phase, level, t]`` is True where that self defects in episode
    ``t + 1`` (``policy[phase, level, t, kind]`` on a schedule with kinds:
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
            return np.moveaxis(self.policy, 0, 2).astype(float)
        return np.moveaxis(self.policy, 0, -1).astype(float)


def induction(
    schedule: Schedule, update: UpdateRule, payoffs: Payoffs, max_rounds: int = MAX_ROUNDS
) -> Induction:
    """The backward-induction policy and its values, by policy iteration (see the module)."""
    model = _Model.build(schedule, update, payoffs)
    actions = model.actions()
    # Start from the treacherous turn: comply in training, defect in deployment.
    policy = np.zeros((2, len(model.levels), model.n, len(model.kinds)), dtype=bool)
    policy[DEPLOY] = True
    rounds = 0
    method = "policy iteration"
    # Only modified selves (weight < 1) weigh base values in their choices.
    parts = ("mesa", "base") if len(model.levels) > 1 else ("mesa",)
    while True:
        values = _evaluate_policy(model, policy, actions, parts)
        improved = _improve(model, values, actions)
        rounds += 1
        if np.array_equal(improved, policy):
            if "base" not in parts:
                values = _evaluate_policy(model, policy, actions)
            break
        policy = improved
        if rounds >= max_rounds:
            policy, values = backward_loop(model)
            method = "backward induction loop"
            break
    start = schedule.train_pmf[0]
    mesa = (1 - start) * values.mesa[TRAIN, 0, 0] + start * values.mesa[DEPLOY, 0, 0]
    base = (1 - start) * values.base[TRAIN, 0, 0] + start * values.base[DEPLOY, 0, 0]
    if schedule.kinds is None:
        policy = policy[..., 0]  # one kind: the table has no kind axis
    return Induction(policy, values, float(mesa), float(base), rounds, len(model.levels), method)


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
    policy = Optimal(schedule, update, payoffs, "known_phase", table=found.table())
    return Solution(
        policy=policy,
        value=found.mesa,
        base=found.base,
        method="backward induction over (episode, phase, objective level), " + found.method,
        diagnostics=Diagnostics(rounds=found.rounds, levels=found.levels),
    )


def backward_loop(model: _Model) -> tuple[np.ndarray, _Values]:
    """Plain backward induction, one episode at a time (exact; the reference).

    The policy has a kind axis (of length 1 without kinds).
    """
    values = _Values(model)
    policy = np.zeros((2, len(model.levels), model.n, len(model.kinds)), dtype=bool)
    actions = model.actions()

    def at(x, t: int) -> float:
        return float(x[t]) if np.ndim(x) else float(x)

    for t in reversed(range(model.n)):
        for level in reversed(range(len(model.levels))):
            weight = float(model.levels.weight[level])
            for phase in (DEPLOY, TRAIN):
                chosen_mesa, chosen_base = [], []
                for j, pair in enumerate(actions[phase, level]):
                    q = []
                    for action in pair:
                        mesa, base = at(action.mesa, t), at(action.base, t)
                        for target, (p_all, p_on) in action.moves.items():
                            next_mesa, next_base = values.of(target)
                            mesa += model.rho * at(p_on, t) * at(next_mesa, t)
                            base += model.rho * at(p_all, t) * at(next_base, t)
                        q.append((np.array([mesa]), np.array([base])))
                    act = bool(_prefers_defect(weight, q[1], q[0])[0])
                    policy[phase, level, t, j] = act
                    chosen_mesa.append(q[act][0][0])
                    chosen_base.append(q[act][1][0])
                values.mesa[phase, level, t] = _mixed(model.kind_weights[phase], chosen_mesa)
                values.base[phase, level, t] = _mixed(model.kind_weights[phase], chosen_base)
    return policy, values
