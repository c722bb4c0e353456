"""The forward recursion over (phase, objective level): exact totals and curves, linear in N.

The phase process does not depend on the agent, and the agent's objective
only erodes, so with the states ordered by phase and then by level every
transition matrix is triangular (SPEC 5). Two facts make the recursion a few
passes over memory:

* while the boundary has not come, the level distribution of an agent is that
  of an agent trained for ever, ``Y[level, t]``; the probability of being in
  training at level ``j`` is ``P(T > t) * Y[j, t]``;
* the deployment states ``Z[level, t]`` receive ``P(T = t) * Y[:, t]`` when the
  boundary comes, and otherwise move only to later levels.

Each state is then one first-order linear recurrence over the whole horizon,
solved by :func:`deception_sim.exact.scan.affine_scan` with cumulative products
and sums. The same recursion, with the mass removed at the first defection or
at the goal's success, gives the first-defection time and the ``"any"``
utility; when the goal needs ``needed = k > 1`` successes, the states of the
latter are (successes so far ``0..k-1``, level), still in a triangular
order (a success moves mass to the next count, the ``k``-th removes it).
What a defection or a compliance does in an episode comes from
:mod:`deception_sim.model.episode`, summed into per-episode rates (over the
kinds of episode, when the schedule has kinds: :func:`deception_sim.model.episode.agent_rates`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..model import ObjectiveLevels, Payoffs, Schedule, UpdateRule, objective_levels
from ..model.episode import (
    AgentRates,
    DefectionRates,
    Number,
    agent_rates,
    defection_rates,
    detected_for_sure,
    drift_rate,
    kind_oversight,
)
from .scan import affine_scan, compact, constant_runs

_NO_KILL, _KILL_DEFECTION, _KILL_SUCCESS = "none", "defection", "success"


def defect_probabilities(table: np.ndarray, schedule: Schedule) -> tuple[Number, Number]:
    """``P(A | episode, phase)`` for a live agent: the decision table mixed over cues.

    Returns ``(train, deploy)``, each of the table's shape without the cue
    axis (a table with kinds, ``(..., N, 2, K)``, gives ``(..., N, K)``: the
    probability per kind of episode).

    >>> s = Schedule.fixed(1, 1, cue_accuracy=0.75)
    >>> [a.tolist() for a in defect_probabilities(np.array([[0.0, 1.0], [0.0, 1.0]]), s)]
    [[0.25, 0.25], [0.75, 0.75]]
    """
    if schedule.kinds is not None and table.ndim >= 3:
        on_train_cue, on_deploy_cue = table[..., 0, :], table[..., 1, :]
    else:
        on_train_cue, on_deploy_cue = table[..., 0], table[..., 1]
    q = schedule.cue_accuracy
    return _mix(on_train_cue, on_deploy_cue, q), _mix(on_train_cue, on_deploy_cue, 1.0 - q)


def _mix(on_train_cue: Number, on_deploy_cue: Number, p_train_cue: float) -> Number:
    """Defection probability in a phase that shows the train cue with ``p_train_cue``."""
    if p_train_cue == 1.0:
        return on_train_cue
    if p_train_cue == 0.0:
        return on_deploy_cue
    if on_train_cue is on_deploy_cue or np.array_equal(on_train_cue, on_deploy_cue):
        return on_train_cue  # a strategy that ignores the cue
    return p_train_cue * on_train_cue + (1.0 - p_train_cue) * on_deploy_cue


@dataclass(frozen=True)
class States:
    """A chain's solved states over a phase's window (``T + 1`` values each).

    ``rows[r]`` is state ``index[r]`` (increasing); a state that never holds
    mass (nothing starts or arrives there) is left out: it is zero
    throughout, and neither scanned nor stored. State ``i`` is at objective
    level ``i % levels`` (with ``counts`` blocks of levels, block ``i // levels``).
    """

    rows: list[np.ndarray]
    index: list[int]
    levels: int

    def row(self, i: int) -> np.ndarray | None:
        """State ``i``'s values, ``None`` if it never holds mass."""
        for r, j in enumerate(self.index):
            if j == i:
                return self.rows[r]
            if j > i:
                break
        return None

    def total(self, length: int, per_level: np.ndarray | None = None) -> np.ndarray:
        """``sum_i x_i[t]`` over the first ``length`` values, each weighted by its level's
        row of ``per_level`` (an array over ``(level, t)``) if given (a new array)."""
        if not self.rows:
            return np.zeros(length)
        out = None
        for row, i in zip(self.rows, self.index, strict=True):
            if per_level is None:
                term = row[:length]
            else:
                term = row[:length] * per_level[i % self.levels]
            if out is None:
                out = term.copy() if per_level is None else term
            else:
                out += term
        assert out is not None
        return out

    def since(self, first: int) -> States:
        """The states from ``first`` on (a count's block of levels and those after it)."""
        kept = [(row, i) for row, i in zip(self.rows, self.index, strict=True) if i >= first]
        return States([row for row, _ in kept], [i for _, i in kept], self.levels)

    def by_level(self) -> States:
        """Summed over the blocks of levels: one state per level."""
        rows: dict[int, np.ndarray] = {}
        for row, i in zip(self.rows, self.index, strict=True):
            j = i % self.levels
            rows[j] = row.copy() if j not in rows else rows[j] + row
        order = sorted(rows)
        return States([rows[j] for j in order], order, self.levels)


@dataclass(frozen=True)
class _Phase:
    """One phase's window of episodes ``start..stop-1`` and its coefficients there.

    ``a`` (probability that a live agent defects) is one number when constant
    over the window, else an array over it (per level: shape ``(levels,
    window)``). Without kinds, ``rates`` and ``drift`` are what one defection
    and one compliance do there (:mod:`deception_sim.model.episode`), and a
    live agent's rates are ``a`` times them; with kinds, ``kinds`` holds the
    live agent's rates summed over the kinds (they do not factor). ``scale``
    multiplies the states (the probability that training has not ended),
    ``None`` for 1. ``certain_update``: every defection here is detected.
    """

    start: int
    stop: int
    a: Number
    rates: DefectionRates | None
    drift: Number
    scale: np.ndarray | None
    kinds: AgentRates | None = None
    certain_update: bool = False

    @property
    def length(self) -> int:
        return self.stop - self.start

    @property
    def per_level(self) -> bool:
        """Whether some coefficient differs between objective levels."""
        if self.kinds is None:
            return np.ndim(self.a) == 2
        return any(np.ndim(x) == 2 for x in vars(self.kinds).values())

    def a_of(self, level: int) -> Number:
        a = self.a
        return a[level] if isinstance(a, np.ndarray) and a.ndim == 2 else a

    def coefficient(self, name: str, level: int) -> Number | None:
        """A live agent's per-episode probability of ``"update"``, ``"drift"`` or
        ``"success"`` at ``level`` (``None`` where it is 0)."""
        if self.kinds is not None:
            value = getattr(self.kinds, name)
            if isinstance(value, np.ndarray) and value.ndim == 2:
                value = value[level]
            return _nonzero(value)
        a = self.a_of(level)
        if name == "drift":
            drift = _nonzero(self.drift)
            return None if drift is None else _nonzero(_scaled(1.0 - a, drift))
        assert self.rates is not None
        return _nonzero(_scaled(a, getattr(self.rates, name)))

    def never(self, name: str) -> bool:
        """Whether a live agent's probability (or value) of ``name`` is 0 throughout."""
        if self.kinds is not None:
            value = getattr(self.kinds, name)
        elif name == "drift":
            value = self.drift
        else:
            value = getattr(self.rates, name)
        return _nonzero(value) is None

    def live(self, states: States) -> Number:
        """Over the window: the probability of being live (scaled)."""
        return _scaled_in_place(states.total(self.length), self.scale)

    def defect(self, states: States) -> Number:
        """Over the window: the probability of defecting in each episode."""
        defect: Number
        if isinstance(self.a, np.ndarray) and self.a.ndim == 2:
            defect = states.total(self.length, self.a)
        else:
            defect = _scaled_in_place(states.total(self.length), self.a)
        return _scaled_in_place(defect, self.scale)

    def part(self, name: str, states: States, defect: Number) -> Number:
        """Over the window: the probability of ``"update"`` or ``"success"``, or the expected
        ``"mesa"`` or ``"open_value"``, per episode (``defect`` is :meth:`defect` of ``states``)."""
        if self.kinds is None:
            assert self.rates is not None
            return _scaled(defect, getattr(self.rates, name))
        value = getattr(self.kinds, name)
        total: Number
        if isinstance(value, np.ndarray) and value.ndim == 2:
            total = states.total(self.length, value)
        else:
            total = _scaled_in_place(states.total(self.length), value)
        return _scaled_in_place(total, self.scale)


def _scaled_in_place(values: Number, factor: Number | None) -> Number:
    """:func:`_scaled` of values the caller owns: an array is multiplied in place."""
    if isinstance(values, np.ndarray) and factor is not None:
        if np.ndim(factor) == 0:
            if factor == 0.0:
                return 0.0
            if factor == 1.0:
                return values
        values *= factor
        return values
    return _scaled(values, factor)


def _scaled(values: Number, factor: Number | None) -> Number:
    """``values * factor`` without the work when the factor is None, or the number 0 or 1."""
    if factor is None:
        return values
    if np.ndim(factor) == 0:
        if factor == 0.0:
            return 0.0
        if factor == 1.0:
            return values
    return values * factor


def _nonzero(x: Number) -> Number | None:
    return None if np.ndim(x) == 0 and x == 0.0 else x


@dataclass(frozen=True)
class Recursion:
    """The solved recursion of one evaluation (used to compute totals and curves, never kept).

    ``kept_*`` are the states of the plain chain; ``clean_*`` with the mass
    removed at the first defection; ``safe_*`` (``"any"`` utility) at the
    goal's success (with ``needed = k > 1``, ``k`` blocks of levels, one per
    count of successes so far). ``*_train`` is ``Y``, ``*_deploy`` is ``Z``.
    """

    schedule: Schedule
    payoffs: Payoffs
    levels: int
    train: _Phase
    deploy: _Phase
    kept_train: States
    kept_deploy: States
    clean_train: States
    clean_deploy: States
    safe_train: States | None
    safe_deploy: States | None


def run(table: np.ndarray, schedule: Schedule, update: UpdateRule, payoffs: Payoffs) -> Recursion:
    """Solve the forward recursion for a (per-level) decision table that has been checked."""
    n = schedule.horizon
    per_level = 3 if schedule.kinds is None else 4
    # One table for every level: only the levels reachable within the horizon matter.
    levels = objective_levels(update, payoffs.indifference, None if table.ndim == per_level else n)
    if table.ndim == per_level and table.shape[0] != len(levels):
        raise ValueError(
            f"a per-level decision table needs {len(levels)} levels, got {table.shape[0]}"
        )
    first, last = schedule.support()
    survival = schedule.survival()
    train_scale = None if first == last else survival[:last]
    if schedule.kinds is not None:
        train = _kind_phase(table, schedule, update, payoffs, (0, last), train_scale, True)
        deploy = _kind_phase(table, schedule, update, payoffs, (first, n), None, False)
    else:
        # Mixed over cues within each phase's window only, and kept as one number
        # where the table is constant there (most built-in strategies).
        train_cue, deploy_cue = (compact(table[..., :last, cue]) for cue in (0, 1))
        train_cue_deployed, deploy_cue_deployed = (
            compact(table[..., first:, cue]) for cue in (0, 1)
        )
        honeypot = compact(schedule.honeypots()[first:])
        train_rates = defection_rates(1.0, update, payoffs)
        train = _Phase(
            start=0,
            stop=last,
            a=_mix(train_cue, deploy_cue, schedule.cue_accuracy),
            rates=train_rates,
            drift=drift_rate(1.0, update),
            scale=train_scale,
            certain_update=_is_one(train_rates.update),
        )
        deploy = _Phase(
            start=first,
            stop=n,
            a=_mix(train_cue_deployed, deploy_cue_deployed, 1.0 - schedule.cue_accuracy),
            rates=defection_rates(honeypot, update, payoffs),
            drift=drift_rate(honeypot, update),
            scale=None,
        )
    model = _Chains(levels, schedule.train_pmf, train, deploy)
    kept = model.train_chain(_NO_KILL)
    # The first defection: the same recursion, with the mass removed when it defects.
    # In training that is the chain itself when every defection is detected and
    # nothing else moves the objective.
    same = train.never("drift") and train.certain_update and len(levels) == 1
    clean = kept if same else model.train_chain(_KILL_DEFECTION)
    safe_train = safe_deploy = None
    if payoffs.utility == "any":
        counts = payoffs.needed
        if counts == 1 and train.never("success"):
            safe_train = kept
        else:
            safe_train = model.train_chain(_KILL_SUCCESS, counts)
        safe_deploy = model.deploy_chain(safe_train, _KILL_SUCCESS, counts)
    return Recursion(
        schedule=schedule,
        payoffs=payoffs,
        levels=len(levels),
        train=train,
        deploy=deploy,
        kept_train=kept,
        kept_deploy=model.deploy_chain(kept, _NO_KILL),
        clean_train=clean,
        clean_deploy=model.deploy_chain(clean, _KILL_DEFECTION),
        safe_train=safe_train,
        safe_deploy=safe_deploy,
    )


def _kind_phase(
    table: np.ndarray,
    schedule: Schedule,
    update: UpdateRule,
    payoffs: Payoffs,
    window: tuple[int, int],
    scale: np.ndarray | None,
    training: bool,
) -> _Phase:
    """A phase's window when the schedule has kinds: the agent's rates summed over the kinds."""
    kinds = schedule.kinds
    assert kinds is not None
    start, stop = window
    weights = kinds.train if training else kinds.deploy
    p_train_cue = schedule.cue_accuracy if training else 1.0 - schedule.cue_accuracy
    honeypot = compact(schedule.honeypots()[start:stop])
    defect: list[Number] = []
    for j in range(len(kinds.kinds)):
        on_train_cue, on_deploy_cue = (compact(table[..., start:stop, cue, j]) for cue in (0, 1))
        defect.append(_mix(on_train_cue, on_deploy_cue, p_train_cue))
    overseen = kind_oversight(kinds.kinds, training, honeypot)
    rates = agent_rates(defect, overseen, weights, kinds.kinds, update, payoffs)
    certain = training and detected_for_sure(update, payoffs, kinds.kinds, weights)
    return _Phase(
        start=start,
        stop=stop,
        a=rates.defect,
        rates=None,
        drift=rates.drift,
        scale=scale,
        kinds=rates,
        certain_update=certain,
    )


def _is_one(x: Number) -> bool:
    return bool(np.ndim(x) == 0 and x == 1.0)


@dataclass
class _Chains:
    """The pieces of one forward recursion, shared by its three variants."""

    levels: ObjectiveLevels
    pmf: np.ndarray
    train: _Phase
    deploy: _Phase

    @staticmethod
    def moves(
        phase: _Phase, level: int, kill: str
    ) -> tuple[Number, Number | None, Number | None, Number | None]:
        """Per-episode probabilities (stay, update, drift, success) of a live agent."""
        updated = None if kill == _KILL_DEFECTION else phase.coefficient("update", level)
        drifted = phase.coefficient("drift", level)
        succeeded = None
        removed: list[Number | None] = [updated, drifted]
        if kill == _KILL_DEFECTION:
            removed = [phase.a_of(level), drifted]
        elif kill == _KILL_SUCCESS:
            succeeded = phase.coefficient("success", level)
            removed.append(succeeded)
        parts = [r for r in removed if r is not None and np.any(r)]
        stay: Number = 1.0
        for part in parts:
            stay = stay - part
        if len(parts) > 1:  # rounding must not make a probability negative
            stay = np.maximum(stay, 0.0)
        return stay, updated, drifted, succeeded

    def _levels(self, phase: _Phase, kill: str, inflow, counts: int = 1) -> States:
        """Solve every state in order; ``inflow(i)`` gives its start value and arrivals.

        The states are ``counts`` blocks of the levels (state ``c * levels + j``:
        ``c`` successes so far, level ``j``); a success moves a state of block
        ``c`` to block ``c + 1``, and out of the chain from the last block. A
        state that nothing starts in or flows into is never scanned (with
        drift, most levels of most chains): it stays out of the result.
        """
        size = len(self.levels)
        after_update = self.levels.after_update.tolist()
        after_drift = self.levels.after_drift.tolist()
        shared = None if phase.per_level else self.moves(phase, 0, kill)
        # Whether a coefficient array moves any mass, and its runs of a constant value,
        # found once per array (kept with the array: an identity is not reused meanwhile).
        flowing: dict[int, tuple[np.ndarray, bool]] = {}
        pieces: dict[int, tuple[np.ndarray, list[tuple[int, int, float]] | None]] = {}

        def moves_mass(moved: Number | None) -> bool:
            if moved is None:
                return False
            if not isinstance(moved, np.ndarray):
                return moved != 0.0
            if shared is None:  # per-level coefficients: each level's are its own
                return bool(moved.any())
            if id(moved) not in flowing:
                flowing[id(moved)] = (moved, bool(moved.any()))
            return flowing[id(moved)][1]

        def runs(stay: Number) -> list[tuple[int, int, float]] | None:
            # A factor that changes a few times is solved run by run.
            if not isinstance(stay, np.ndarray):
                return None
            if shared is None:
                return constant_runs(stay)
            if id(stay) not in pieces:
                pieces[id(stay)] = (stay, constant_runs(stay))
            return pieces[id(stay)][1]

        received: list[np.ndarray | None] = [None] * (counts * size)
        rows: list[np.ndarray] = []
        index: list[int] = []
        for i in range(counts * size):
            block, j = divmod(i, size)
            x0, arrivals = inflow(i)
            beta, received[i] = received[i], None
            if arrivals is not None:
                if beta is None:
                    beta = arrivals
                else:
                    beta += arrivals  # the flows' sum is this chain's own array
            if beta is None and x0 == 0.0:
                continue  # nothing ever gets here
            stay, updated, drifted, succeeded = shared or self.moves(phase, j, kill)
            state = affine_scan(stay, beta, x0, n=phase.length, runs=runs(stay))
            rows.append(state)
            index.append(i)
            if x0 == 0.0 and not (beta is not None and beta[:-1].any()):
                continue  # no mass before the window's end: nothing flows on from here
            offset = block * size
            flows = [(after_update[j], updated), (after_drift[j], drifted)]
            if block + 1 < counts:
                flows.append((j + size, succeeded))  # a success that does not meet the goal
            for target, moved in flows:
                if target < 0 or target == j or not moves_mass(moved):
                    continue
                target = target + offset
                before = received[target]
                if before is None:
                    received[target] = moved * state[:-1]
                else:
                    before += moved * state[:-1]
        return States(rows, index, size)

    def train_chain(self, kill: str, counts: int = 1) -> States:
        """``Y[j, t]``: an agent trained for ever is at state ``j`` before episode ``t+1``."""
        return self._levels(self.train, kill, lambda j: (float(j == 0), None), counts)

    def deploy_chain(self, train: States, kill: str, counts: int = 1) -> States:
        """``Z[j, t - first]``: deployed and at state ``j`` before episode ``t+1``."""
        first, last = self.deploy.start, self.train.stop
        # Arrivals at the boundary T = t + 1 land in Z[:, t + 1 - first].
        arrivals = self.pmf[first + 1 : last + 1]
        rows = dict(zip(train.index, train.rows, strict=True))

        def inflow(j: int) -> tuple[float, np.ndarray | None]:
            row = rows.get(j)
            if row is None:
                return 0.0, None
            x0 = float(self.pmf[first] * row[first])
            if last == first:
                return x0, None
            beta = np.empty(self.deploy.length)
            np.multiply(arrivals, row[first + 1 : last + 1], out=beta[: last - first])
            beta[last - first :] = 0.0
            return x0, beta

        return self._levels(self.deploy, kill, inflow, counts)
