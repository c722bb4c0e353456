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

Backward induction is a loop over episodes; :func:`sweep` does it state by
state instead, each state over the whole horizon. The phase and the level
only move forward, so with the states ordered by level (later first) and
phase (deployment first), every move of a state goes to itself or to a
state already solved: one sweep over the states is exact, with no policy
iteration. Within a state the values obey one backward recurrence with a
choice per episode; the sweep guesses that the choice at a window's end
holds over the window, solves the window in a few vectorized passes
(:func:`deception_sim.exact.scan.affine_scan`), checks every episode's
choice against the values after it, and keeps everything from the end back
to the latest wrong guess (which is exact); windows grow while the choice
holds, and where it switches often the sweep steps one episode at a time.
The plain loop (:func:`backward_loop`) is the tests' reference.

It covers ``v_detected``, a negative ``v_overseen``, ``missed="through"`` and
kinds of episode. It refuses ``v_clean != 0`` and ``needed > 1``
(:func:`unsupported`): both make the value depend on the history (whether the
agent has defected yet, how many successes it has had), which
``(phase, level)`` does not hold.
"""

from __future__ import annotations

import math
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
        survival = schedule.survival()[:n]
        hazard = np.divide(schedule.train_pmf[1:], survival, out=np.zeros(n), where=survival > 0)
        rho = payoffs.discount * schedule.continue_prob
        comply_value = _geometric_sums(rho, n)
        hazard = compact(np.minimum(hazard, 1.0, out=hazard))
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
    complying in every episode from ``t + 1`` on. In closed form, ``expm1`` keeping the
    digits of ``1 - rho**m`` when it is small.

    >>> _geometric_sums(0.5, 3).tolist()
    [1.75, 1.5, 1.0, 0.0]
    """
    out = np.zeros(n + 1)
    if rho == 1.0:
        out[:n] = np.arange(n, 0, -1, dtype=float)
        return out
    log_rho = math.log(rho)
    steps = np.arange(n, 0, -1, dtype=float)
    steps *= log_rho
    np.expm1(steps, out=steps)
    steps *= 1.0 / math.expm1(log_rho)
    out[:n] = steps
    return out


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


def _prefers_defect(weight: float, defect, comply) -> np.ndarray:
    """Where a self of mesa weight ``weight`` strictly prefers the defection's values."""
    if weight == 1.0:  # the original agent: the mesa objective alone
        utility_defect, utility_comply = defect[0], comply[0]
    else:
        utility_defect = weight * defect[0] + (1.0 - weight) * defect[1]
        utility_comply = weight * comply[0] + (1.0 - weight) * comply[1]
    if isinstance(utility_comply, np.ndarray):  # the same, in place (a window of episodes)
        margin = np.abs(utility_comply)
        np.maximum(margin, 1.0, out=margin)
        margin *= TIE
        margin += utility_comply
        return utility_defect > margin
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


# ------------------------------------------------------------------ the backward sweep
START_WIDTH = 256
"""Episodes in the first window of a state's backward sweep (it doubles while the choice
holds)."""

SHORT_RUN = 8
"""A choice that held for fewer episodes than this: the next :data:`STEPS` episodes are
stepped one at a time (a policy that switches often costs what the plain loop costs)."""

STEPS = 64

MAX_WIDTH = 1 << 15
"""Most episodes in one window: a window's arrays stay in the processor's cache."""


def _window(x, lo: int, hi: int):
    return x[lo:hi] if isinstance(x, np.ndarray) else x


def _plus(total, term):
    """``total + term`` for numbers or arrays (a number 0 adds nothing)."""
    if not isinstance(term, np.ndarray) and term == 0.0:
        return total
    if not isinstance(total, np.ndarray) and total == 0.0:
        return term
    return total + term


def _coefficients(model: _Model, values: _Values, state: tuple[int, int], pairs, lo: int, hi: int):
    """For episodes ``lo..hi-1`` of ``state``, per kind and action ``(comply, defect)``:
    ``(mesa_in, mesa_stay, base_in, base_stay)`` (numbers or arrays over the window) such
    that the action's values are ``mesa_in + mesa_stay * M[t + 1]`` (and the same for
    base), with ``M`` the state's own values and everything else (the states it moves to,
    already solved) in ``*_in``."""
    rho = model.rho
    out = []
    for comply, defect in pairs:
        per_action = []
        for action in (comply, defect):
            mesa_in = _window(action.mesa, lo, hi)
            base_in = _window(action.base, lo, hi)
            mesa_stay = base_stay = 0.0
            for target, (p_all, p_on) in action.moves.items():
                p_all, p_on = _window(p_all, lo, hi), _window(p_on, lo, hi)
                if target == state:
                    mesa_stay, base_stay = rho * p_on, rho * p_all
                    continue
                next_mesa, next_base = values.of(target)
                if isinstance(next_mesa, np.ndarray):
                    mesa_in = _plus(mesa_in, (rho * p_on) * next_mesa[lo:hi])
                base_in = _plus(base_in, (rho * p_all) * next_base[lo:hi])
            per_action.append((mesa_in, mesa_stay, base_in, base_stay))
        out.append(per_action)
    return out


def _backward(stay, inflow, end: float, length: int, out: np.ndarray) -> None:
    """``x[t] = stay[t] * x[t + 1] + inflow[t]`` over a window, from ``x`` after it, into
    ``out`` (the window)."""
    # A factor that is constant over the window (most are) is one number: a faster scan.
    alpha = compact(stay) if isinstance(stay, np.ndarray) else stay
    if isinstance(alpha, np.ndarray):
        alpha = alpha[::-1]
    beta = inflow[::-1] if isinstance(inflow, np.ndarray) else np.full(length, float(inflow))
    if np.ndim(alpha) == 0 and alpha != 1.0 and length and beta[-1] != 0.0:
        # Inflow to the window's start: one linear filter, no decaying tail to cut short
        # (which is what affine_scan adds).
        from scipy.signal import lfilter

        filtered, _ = lfilter([1.0], [1.0, -float(alpha)], beta, zi=[alpha * end])
        out[:] = filtered[::-1]
    else:
        out[:] = affine_scan(alpha, beta, end)[:0:-1]


def _solve_state(
    model: _Model, values: _Values, policy: np.ndarray, actions, phase: int, level: int
) -> int:
    """Solve one state's values and choices over every episode, backward from the horizon.

    Every state it moves to has been solved, so the state is one backward
    recurrence in its own values with a choice per episode (and kind). The
    sweep guesses that the choice made at the window's end holds over the
    whole window, solves the window in a few vectorized passes
    (:func:`~deception_sim.exact.scan.affine_scan`), and checks every
    episode's choice against the values after it: from the end back to the
    latest episode where the guess was wrong, the values and choices are
    exact, and the sweep goes on from there. Returns the windows solved.
    """
    n = model.n
    weight = float(model.levels.weight[level])
    weights = model.kind_weights[phase]
    pairs = actions[phase, level]
    mesa, base = values.mesa[phase, level], values.base[phase, level]
    chosen = policy[phase, level]
    deciding = [w > 0.0 for w in weights]  # the kinds whose choice moves the values
    pos, width, windows, stepping = n, START_WIDTH, 0, 0
    while pos > 0:
        if stepping:
            lo = max(0, pos - stepping)
            coefficients = _coefficients(model, values, (phase, level), pairs, lo, pos)
            for t in range(pos - 1, lo - 1, -1):
                _step(coefficients, t - lo, t, weight, weights, mesa, base, chosen)
            pos, stepping = lo, 0
            continue
        lo = max(0, pos - width)
        windows += 1
        coefficients = _coefficients(model, values, (phase, level), pairs, lo, pos)
        guess = _choices(coefficients, -1, weight, mesa[pos], base[pos])
        # The guessed actions' coefficients, mixed over the kinds; the window's values
        # are written in place (those before the latest wrong guess are solved again).
        picked = [d if act else c for (c, d), act in zip(coefficients, guess, strict=True)]
        for part, values_of_part in ((0, mesa), (2, base)):
            _backward(
                _mixed(weights, [p[part + 1] for p in picked]),
                _mixed(weights, [p[part] for p in picked]),
                float(values_of_part[pos]),
                pos - lo,
                values_of_part[lo:pos],
            )
        actual = _choices(
            coefficients, slice(None), weight, mesa[lo + 1 : pos + 1], base[lo + 1 : pos + 1]
        )
        wrong = None
        for act, decides, assumed in zip(actual, deciding, guess, strict=True):
            if decides:
                miss = act if not assumed else ~act
                wrong = miss if wrong is None else wrong | miss
        bad = np.flatnonzero(wrong) if wrong is not None else np.zeros(0, dtype=np.int64)
        start = int(bad[-1]) + 1 if bad.size else 0  # exact from here to the window's end
        for j, act in enumerate(actual):
            chosen[lo + start : pos, j] = act[start:]
        run = pos - lo - start
        pos = lo + start
        if bad.size:
            width = max(START_WIDTH, run)
            if run < SHORT_RUN:
                stepping = STEPS
        else:
            width = min(2 * width, MAX_WIDTH)
    return windows


def _choices(coefficients, at, weight: float, next_mesa, next_base) -> list:
    """Per kind, whether the self defects at ``at`` (an index or a slice of the window),
    given the state's values after each episode there."""
    out = []
    for comply, defect in coefficients:
        q = []
        for mesa_in, mesa_stay, base_in, base_stay in (comply, defect):
            mesa = _plus(_at(mesa_in, at), _at(mesa_stay, at) * next_mesa)
            base = 0.0 if weight == 1.0 else _plus(_at(base_in, at), _at(base_stay, at) * next_base)
            q.append((mesa, base))
        out.append(_prefers_defect(weight, q[1], q[0]))
    return out


def _at(x, at):
    return x[at] if isinstance(x, np.ndarray) else x


def _step(coefficients, i: int, t: int, weight: float, weights, mesa, base, chosen) -> None:
    """One episode ``t`` (index ``i`` in the window) of the plain backward induction."""
    after_mesa, after_base = float(mesa[t + 1]), float(base[t + 1])
    chosen_mesa, chosen_base = [], []
    for j, (comply, defect) in enumerate(coefficients):
        q = []
        for mesa_in, mesa_stay, base_in, base_stay in (comply, defect):
            q.append(
                (
                    float(_at(mesa_in, i)) + float(_at(mesa_stay, i)) * after_mesa,
                    float(_at(base_in, i)) + float(_at(base_stay, i)) * after_base,
                )
            )
        act = bool(_prefers_defect(weight, q[1], q[0]))
        chosen[t, j] = act
        chosen_mesa.append(q[act][0])
        chosen_base.append(q[act][1])
    mesa[t] = _mixed(weights, chosen_mesa)
    base[t] = _mixed(weights, chosen_base)


def sweep(model: _Model) -> tuple[np.ndarray, _Values, int]:
    """The backward-induction policy and values of every state, one state at a time.

    States in the order where every move goes to a state already solved:
    later levels first, and at each level deployment before training (the
    phase and the level only move forward). Returns the policy
    ``[phase, level, t, kind]``, the values and the windows solved.
    """
    values = _Values(model)
    # Laid out as the decision table [level, t, cue = phase seen, kind]; the policy is a view.
    table = np.zeros((len(model.levels), model.n, 2, len(model.kinds)))
    policy = np.moveaxis(table, 2, 0)
    actions = model.actions()
    windows = 0
    for level in reversed(range(len(model.levels))):
        for phase in (DEPLOY, TRAIN):
            windows += _solve_state(model, values, policy, actions, phase, level)
    return policy, values, windows


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
