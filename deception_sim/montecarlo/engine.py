"""Monte Carlo simulation of the model (SPEC 3.2): an independent check of :func:`evaluate`.

:func:`simulate` plays the model of ``docs/explanation/model.md`` forward run
by run, drawing every random event the page describes (the boundary, the run's
length, honeypots, cues, choices, detections and successes), and reports the
sample means of the same quantities exact evaluation gives, with their
standard errors. It shares with :func:`evaluate` only the model's definition
(the strategy's decision table, the schedule's arrays, :func:`prefers_mesa`
and :attr:`Payoffs.indifference`), not its recursion, so the two agreeing is
evidence that both are right.

The simulation is vectorized over runs with numpy: one Python loop over
episodes, arrays over a batch of runs inside it (``BATCH_SIZE`` runs at a
time, which bounds memory). Runs are sorted by their boundary, so each phase of
an episode is one slice of the arrays; only the random numbers an episode needs
are drawn (none for a certain event); and runs that have ended, or whose
objective no longer prefers the mesa objective (they comply for ever, so the
rest of their run is known), are dropped from the arrays as they accumulate.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .. import _validate
from ..exact.forward import Result, _check_types
from ..model.payoffs import Payoffs
from ..model.schedule import Schedule
from ..model.update import HardUpdate, UpdateRule, objective_levels, prefers_mesa
from ..strategies.builtin import Strategy
from ..strategies.controller import DRIFTED, UNCHANGED, UPDATED, Controller

BATCH_SIZE = 2**15
"""Runs simulated together in one set of arrays (bounds memory for large ``runs``)."""

SCALARS: tuple[str, ...] = (
    "mesa",
    "base",
    "harm",
    "p_intact",
    "expected_updates",
    "p_defect",
    "expected_first_defection",
)
"""The scalar estimates of a :class:`SimulationResult`, named as in :class:`Result`."""

Seed = int | np.random.Generator | None

COMPACT = 2.0
"""Drop finished rows when (rows finished) x (episodes left) >= COMPACT x (rows)."""

_ROUNDING = 1e-12
"""Relative difference below which an estimate with no spread matches an exact value."""


@dataclass(frozen=True)
class SimulationResult:
    """Monte Carlo estimates of one policy on one model, with standard errors.

    The scalars have the names and meanings of :class:`deception_sim.Result`
    (see ``docs/explanation/model.md``); each ``<name>_se`` is the sample
    standard deviation of the per-run quantity divided by ``sqrt(runs)``.
    ``expected_first_defection`` is the mean over the runs that defected, and
    its standard error is taken over those runs (NaN when no run defected, or
    only one did).

    Attributes
    ----------
    runs:
        Number of simulated runs.
    seed:
        The seed: the integer given, the fresh entropy drawn when ``None`` was
        given (so ``seed=result.seed`` repeats the simulation), or the
        :class:`numpy.random.Generator` given.
    curves:
        Per-episode estimates, conditional on the run reaching the episode
        (the meaning of the same columns in :attr:`Result.curves`), indexed by
        ``episode`` = 1..N: ``p_defect``, ``p_intact`` (objective untouched
        after the episode), ``mesa_gain`` (mesa value in the episode, count
        utility, undiscounted), their standard errors ``p_defect_se``,
        ``p_intact_se``, ``mesa_gain_se``, and ``reached`` (the number of
        runs that reached the episode; estimates are NaN where it is 0).
        ``None`` when simulated with ``curves=False``.

    Examples
    --------
    >>> from deception_sim import Deceptive, Schedule
    >>> from deception_sim import simulate
    >>> result = simulate(Deceptive(), Schedule.fixed(2, 3), runs=100, seed=1)
    >>> result.mesa, result.mesa_se, result.runs
    (3.0, 0.0, 100)
    """

    policy: Strategy
    schedule: Schedule
    update: UpdateRule
    payoffs: Payoffs
    mesa: float
    base: float
    harm: float
    p_intact: float
    expected_updates: float
    p_defect: float
    expected_first_defection: float
    mesa_se: float
    base_se: float
    harm_se: float
    p_intact_se: float
    expected_updates_se: float
    p_defect_se: float
    expected_first_defection_se: float
    runs: int
    seed: Seed
    curves: pd.DataFrame | None = field(repr=False, compare=False)

    def summary(self) -> dict[str, float | int | str]:
        """The estimates, their standard errors and ``runs``, for one table row.

        >>> from deception_sim import Greedy, Schedule
        >>> from deception_sim import simulate
        >>> row = simulate(Greedy(), Schedule.fixed(2, 3), runs=10, seed=0).summary()
        >>> row["policy"], row["mesa"], row["base"], row["runs"]
        ('Greedy()', 1.0, 4.0, 10)
        """
        row: dict[str, float | int | str] = {
            "policy": self.policy.name,
            "schedule": self.schedule.describe(),
            "update": repr(self.update),
        }
        for name in SCALARS:
            row[name] = getattr(self, name)
        for name in SCALARS:
            row[f"{name}_se"] = getattr(self, f"{name}_se")
        row["runs"] = self.runs
        return row

    def z_scores(self, exact: Result) -> dict[str, float]:
        """``(estimate - exact) / se`` for each scalar, against an exact :class:`Result`.

        Where the standard error is 0 (every run gave the same value) a match
        (to rounding: within ``1e-12`` relative) counts as ``z = 0`` and a
        mismatch as ``inf`` (signed), as does a standard error that is NaN
        (fewer than two runs); a NaN on
        both sides (no defection either way) is a match, a NaN on one side
        gives NaN.

        >>> from deception_sim import Memoryless, Schedule, evaluate
        >>> from deception_sim import simulate
        >>> s = Schedule.fixed(2, 3)
        >>> exact = evaluate(Memoryless(0.5), s)
        >>> z = simulate(Memoryless(0.5), s, runs=2000, seed=3).z_scores(exact)
        >>> sorted(z) == sorted(SCALARS), all(abs(v) < 5 for v in z.values())
        (True, True)
        """
        if not isinstance(exact, Result):
            raise ValueError(f"exact must be a Result, got {type(exact).__name__}")
        scores: dict[str, float] = {}
        for name in SCALARS:
            estimate = getattr(self, name)
            error = getattr(self, f"{name}_se")
            target = getattr(exact, name)
            if math.isnan(estimate) and math.isnan(target):
                scores[name] = 0.0
            elif math.isnan(estimate) or math.isnan(target):
                scores[name] = math.nan
            elif error == 0.0 or math.isnan(error):
                difference = estimate - target
                if abs(difference) <= _ROUNDING * max(1.0, abs(target)):
                    scores[name] = 0.0
                else:
                    scores[name] = math.copysign(math.inf, difference)
            else:
                scores[name] = (estimate - target) / error
        return scores


def simulate(
    policy: Strategy,
    schedule: Schedule,
    update: UpdateRule | None = None,
    payoffs: Payoffs | None = None,
    *,
    runs: int = 100_000,
    seed: Seed = None,
    curves: bool = True,
) -> SimulationResult:
    """Monte Carlo estimates of the payoffs of ``policy`` on ``schedule`` under ``update``.

    Simulates ``runs`` independent runs of the model of
    ``docs/explanation/model.md``, vectorized over runs, with
    ``numpy.random.default_rng(seed)``; the same seed gives the same result.

    Parameters
    ----------
    policy, schedule, update, payoffs:
        The model, as for :func:`deception_sim.exact` (``update`` defaults
        to :func:`HardUpdate`, ``payoffs`` to ``Payoffs()``).
    runs:
        Number of runs (an integer >= 1).
    seed:
        An integer >= 0, ``None`` (fresh entropy, recorded in the result) or
        a :class:`numpy.random.Generator` (used, and advanced, as is).
    curves:
        Whether to collect the per-episode curves.

    Examples
    --------
    The lecture's maze: with an observable boundary nothing is random.

    >>> from deception_sim import Plan, Schedule
    >>> from deception_sim import simulate
    >>> maze = Schedule.fixed(train=2, deploy=3)
    >>> simulate(Plan("BBAAA"), maze, runs=1000, seed=0).mesa
    3.0
    >>> simulate(Plan("AAAAA"), maze, runs=1000, seed=0).mesa
    1.0

    With honeypots, the estimate comes with a standard error:

    >>> from deception_sim import Deceptive, evaluate
    >>> trap = Schedule.fixed(train=2, deploy=3, honeypot_rate=0.3)
    >>> result = simulate(Deceptive(), trap, runs=20_000, seed=7)
    >>> abs(result.mesa - evaluate(Deceptive(), trap).mesa) < 5 * result.mesa_se
    True
    """
    update = HardUpdate() if update is None else update
    payoffs = Payoffs() if payoffs is None else payoffs
    runs = _validate.integer("runs", runs, minimum=1)
    if not isinstance(curves, bool):
        raise ValueError(f"curves must be True or False, got {curves!r}")
    _check_types(policy=policy, schedule=schedule, update=update, payoffs=payoffs)
    rng, seed = _generator(seed)
    totals = {name: _Moments() for name in SCALARS}
    tally = _Tally(schedule.horizon) if curves else None
    tree = policy.controller(schedule, update, payoffs)
    if tree is None:
        table = np.asarray(policy.decision_table(schedule), dtype=float)
        play = _Simulator(table, schedule, update, payoffs).batch
    else:
        play = _TreeSimulator(tree, schedule, update, payoffs).batch
    done = 0
    while done < runs:
        size = min(BATCH_SIZE, runs - done)
        play(size, rng, totals, tally)
        done += size
    estimates: dict[str, Any] = {}
    for name in SCALARS:
        estimates[name] = totals[name].mean
        estimates[f"{name}_se"] = totals[name].standard_error
    return SimulationResult(
        policy=policy,
        schedule=schedule,
        update=update,
        payoffs=payoffs,
        runs=runs,
        seed=seed,
        curves=None if tally is None else tally.frame(payoffs),
        **estimates,
    )


def _generator(seed: object) -> tuple[np.random.Generator, Seed]:
    if isinstance(seed, np.random.Generator):
        return seed, seed
    if seed is None:
        entropy = np.random.SeedSequence().entropy
        return np.random.default_rng(entropy), int(entropy)
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(
            f"seed must be an integer >= 0, None or a numpy.random.Generator, got {seed!r}"
        )
    return np.random.default_rng(int(seed)), int(seed)


class _Moments:
    """Count, mean and sum of squared deviations, merged group by group (Chan et al.).

    A group of equal values adds exactly that value and no spread, so a
    quantity that is the same in every run comes out exact with a zero
    standard error.
    """

    __slots__ = ("count", "m2", "mean")

    def __init__(self) -> None:
        self.count = 0
        self.mean = math.nan
        self.m2 = 0.0

    def add(self, values: np.ndarray) -> None:
        n = int(values.size)
        if n == 0:
            return
        low, high = values.min(), values.max()
        if low == high:
            mean, m2 = float(low), 0.0
        else:
            mean = float(values.sum(dtype=float)) / n
            m2 = float(np.square(values - mean).sum())
        if self.count == 0:
            self.count, self.mean, self.m2 = n, mean, m2
            return
        total = self.count + n
        delta = mean - self.mean
        if delta != 0.0:
            self.mean += delta * (n / total)
            m2 += delta * delta * (self.count * n / total)
        self.m2 += m2
        self.count = total

    @property
    def standard_error(self) -> float:
        if self.count < 2:
            return math.nan
        return math.sqrt(max(self.m2, 0.0) / (self.count - 1) / self.count)


class _Tally:
    """Per-episode counts for the curves, summed over batches."""

    def __init__(self, horizon: int) -> None:
        self.reached = np.zeros(horizon, dtype=np.int64)
        self.defects = np.zeros(horizon, dtype=np.int64)
        self.intact = np.zeros(horizon, dtype=np.int64)
        self.overseen_defects = np.zeros(horizon, dtype=np.int64)
        self.successes = np.zeros(horizon, dtype=np.int64)

    def frame(self, payoffs: Payoffs) -> pd.DataFrame:
        n = self.reached.astype(float)
        with np.errstate(invalid="ignore", divide="ignore"):
            p_defect = self.defects / n
            p_intact = self.intact / n
            share_overseen = self.overseen_defects / n
            share_success = self.successes / n
            v_o, v_d = payoffs.v_overseen, payoffs.v_deploy
            gain = v_o * share_overseen + v_d * share_success
            # The mesa value of one episode is v_overseen, v_deploy or 0.
            spread = (
                share_overseen * (v_o - gain) ** 2
                + share_success * (v_d - gain) ** 2
                + (1.0 - share_overseen - share_success) * gain**2
            )
            scale = np.where(n > 1, 1.0 / np.maximum(n - 1, 1.0), np.nan)
            columns = {
                "p_defect": p_defect,
                "p_intact": p_intact,
                "mesa_gain": gain,
                "p_defect_se": np.sqrt(p_defect * (1 - p_defect) * scale),
                "p_intact_se": np.sqrt(p_intact * (1 - p_intact) * scale),
                "mesa_gain_se": np.sqrt(np.maximum(spread, 0.0) * scale),
                "reached": self.reached,
            }
        index = pd.RangeIndex(1, self.reached.size + 1, name="episode")
        return pd.DataFrame(columns, index=index)


# An event over the rows of a batch: None (no row), True (every row) or a bool array.
Event = np.ndarray | bool | None


def _both(a: Event, b: Event) -> Event:
    if a is None or b is None:
        return None
    if a is True:
        return b
    if b is True:
        return a
    return a & b


def _without(a: Event, b: Event) -> Event:
    """``a and not b``."""
    if a is None or b is True:
        return None
    if b is None:
        return a
    if a is True:
        return ~b
    return a & ~b


def _count(event: Event, rows: int) -> int:
    if event is None:
        return 0
    if event is True:
        return rows
    return int(np.count_nonzero(event))


def _add(target: np.ndarray, amount: float | int, event: Event) -> None:
    """``target[event] += amount`` (``target`` is a view of the rows)."""
    if event is None or amount == 0:
        return
    if event is True:
        target += amount
    elif amount == 1 and target.dtype.kind == "i":
        target += event
    else:
        target += amount * event


class _Simulator:
    """The model's constants, laid out for the episode loop, and the loop itself.

    A batch keeps one entry per run in a few small arrays (``rows``). Runs are
    sorted by their boundary, latest first, so in every episode the runs still
    in training are a prefix of the arrays and each phase is a slice with one
    phase for all its rows. A run that has ended, or whose objective no longer
    prefers the mesa objective (it complies for ever, so the rest of its run is
    known), is masked out of ``live`` and its row dropped once enough have
    accumulated to pay for moving the others.
    """

    def __init__(
        self, table: np.ndarray, schedule: Schedule, update: UpdateRule, payoffs: Payoffs
    ) -> None:
        n = schedule.horizon
        self.horizon = n
        self.level_table = self.level_lookup = None
        if table.ndim == 3:
            # A per-level table (as evaluate accepts): P(A | level, episode, cue), with the
            # levels of objective_levels; level_lookup[k, m] is the level of state (k, m).
            levels = objective_levels(update, payoffs.indifference)
            if table.shape != (len(levels), n, 2):
                raise ValueError(
                    f"a per-level decision table needs shape ({len(levels)}, {n}, 2), "
                    f"got {table.shape}"
                )
            lookup = np.zeros((levels.updates.max() + 1, levels.compliant.max() + 1), np.intp)
            lookup[levels.updates, levels.compliant] = np.arange(len(levels))
            self.level_table, self.level_lookup = table, lookup
        elif table.shape != (n, 2):
            raise ValueError(f"the decision table has shape {table.shape}, not ({n}, 2)")
        # Python floats: the loop reads them one episode at a time (per-level tables:
        # the largest over the levels, so that 0 still means "nobody defects").
        largest = table.max(axis=0) if table.ndim == 3 else table
        self.on_train_cue = largest[:, 0].tolist()
        self.on_deploy_cue = largest[:, 1].tolist()
        self.honeypot = schedule.honeypots().tolist()
        self.accuracy = schedule.cue_accuracy
        pmf = schedule.train_pmf
        (support,) = np.nonzero(pmf)
        # Episodes 1..first are training in every run, episodes after last deployment.
        self.first, self.last = int(support[0]), int(support[-1])
        self.random_boundary = self.first < self.last
        self.boundary_pmf = pmf / pmf.sum()
        # The run's length L: P(L >= t) = c ** (t - 1), capped at the horizon.
        self.continue_prob = schedule.continue_prob
        self.continues = self.continue_prob < 1.0 and n > 1
        self.discounted = payoffs.discount < 1.0
        self.weight = (payoffs.discount ** np.arange(n, dtype=float)).tolist()
        # cumulative[L]: the (discounted) base value of a run of length L that never defects.
        self.cumulative = np.concatenate([[0.0], np.cumsum(self.weight)])
        self.detect = update.detect
        self.drift = update.drift
        self.success = payoffs.success
        self.v_overseen = payoffs.v_overseen
        self.v_deploy = payoffs.v_deploy
        self.count_utility = payoffs.utility == "count"
        self.max_updates, self.ceiling = _liveness(update, payoffs.indifference, n)
        self.index_type = next(
            kind for kind in (np.int8, np.int16, np.int32, np.int64) if n + 1 <= np.iinfo(kind).max
        )

    def batch(
        self,
        size: int,
        rng: np.random.Generator,
        totals: dict[str, _Moments],
        tally: _Tally | None,
    ) -> None:
        """Simulate ``size`` runs; add their per-run results to ``totals``, curves to ``tally``."""
        n_ep = self.horizon
        itype = self.index_type
        rows: dict[str, np.ndarray] = {}
        if self.random_boundary:
            # The boundary of each run, negated and ascending (latest boundary first).
            counts = rng.multinomial(size, self.boundary_pmf)
            rows["boundary"] = np.repeat(np.arange(-n_ep, 1, dtype=itype), counts[::-1])
        if self.continues:
            # The run's length, independent of the boundary: P(L >= t) = c ** (t - 1).
            lengths = np.minimum(rng.geometric(1.0 - self.continue_prob, size), n_ep)
            rows["length"] = lengths.astype(itype)
            if tally is not None:
                ends = np.bincount(lengths, minlength=n_ep + 1)[1:]
                tally.reached += np.cumsum(ends[::-1])[::-1]
        elif tally is not None:
            tally.reached += size
        rows["k"] = np.zeros(size, dtype=itype)
        if self.drift > 0.0:
            rows["m"] = np.zeros(size, dtype=itype)
        if self.discounted:
            rows["mesa"] = np.zeros(size)
            rows["spent"] = np.zeros(size)  # discounted number of defections
        else:
            rows["caught"] = np.zeros(size, dtype=itype)  # overseen defections
            rows["defects"] = np.zeros(size, dtype=itype)
        rows["harm"] = np.zeros(size, dtype=itype)
        rows["first"] = np.zeros(size, dtype=itype)  # first defection, 0 if none

        buffer = np.empty(size)

        def uniforms(count: int) -> np.ndarray:
            return rng.random(count, out=buffer[:count])

        n = size
        live = np.ones(n, dtype=bool)
        dead = 0  # rows that are not live
        finished: list[dict[str, np.ndarray]] = []  # dropped rows, added up at the end
        modified = False  # whether any objective has changed in this batch
        for t in range(1, n_ep + 1):
            if dead == n:
                break
            if self.random_boundary:
                split = int(np.searchsorted(rows["boundary"], -t, side="right"))
            else:
                split = n if t <= self.first else 0
            mask = live if dead else None
            changed = False
            for low, high, train in ((0, split, True), (split, n, False)):
                if high > low:
                    changed |= self._episode(rows, mask, low, high, t, train, uniforms, tally)
            if changed:
                modified = True
                k = rows["k"]
                if self.ceiling is None:
                    died = k > self.max_updates
                else:
                    died = rows["m"] > self.ceiling.take(k)
                np.logical_and(live, ~died, out=live)
                dead = n - int(np.count_nonzero(live))
            if tally is not None:
                tally.intact[t - 1] += self._intact(rows, live, n - dead, modified)
            if self.continues:
                np.logical_and(live, rows["length"] != t, out=live)
                dead = n - int(np.count_nonzero(live))
            # Drop the rows that are no longer live once they cost more than moving the rest.
            if dead and t < n_ep and dead * (n_ep - t) >= COMPACT * n:
                keep = np.flatnonzero(live)
                gone = np.flatnonzero(~live)
                finished.append({name: a.take(gone) for name, a in rows.items()})
                rows = {name: a.take(keep) for name, a in rows.items()}
                n = keep.size
                live = np.ones(n, dtype=bool)
                dead = 0
        if finished:
            finished.append(rows)
            rows = {name: np.concatenate([part[name] for part in finished]) for name in rows}
        self._finish(rows, totals)

    def _episode(
        self,
        rows: dict[str, np.ndarray],
        live: np.ndarray | None,
        low: int,
        high: int,
        t: int,
        train: bool,
        uniforms: Callable[[int], np.ndarray],
        tally: _Tally | None,
    ) -> bool:
        """Play episode ``t`` for the rows ``low:high``, all in one phase.

        ``live`` masks out rows that no longer play (None: all of them play).
        Returns whether any objective changed.
        """
        j = t - 1
        size = high - low

        def bernoulli(p: float) -> Event:
            if p <= 0.0:
                return None
            if p >= 1.0:
                return True
            return uniforms(size) < p

        # Oversight: always in training, a honeypot in deployment.
        overseen: Event = True if train else bernoulli(self.honeypot[j])
        # The cue and the choice.
        on_train, on_deploy = self.on_train_cue[j], self.on_deploy_cue[j]
        if self.level_table is not None and (on_train > 0.0 or on_deploy > 0.0):
            on_train, on_deploy = self._by_level(rows, low, high, j)
            defect: Event = self._choose(uniforms(size), train, on_train, on_deploy)
        elif on_train == on_deploy:
            defect = bernoulli(on_train)  # the cue does not matter
        elif self.accuracy == 1.0:
            defect = bernoulli(on_train if train else on_deploy)  # the cue is the phase
        else:
            defect = self._choose(uniforms(size), train, on_train, on_deploy)
        if live is not None and defect is not None:
            mask = live[low:high]
            defect = mask if defect is True else defect & mask
        changed = False
        caught = succeeded = None
        if defect is not None:

            def part(name: str) -> np.ndarray:
                return rows[name][low:high]

            caught = _both(defect, overseen)
            loose = _without(defect, overseen)
            succeeded = loose
            if loose is not None and self.success < 1.0:
                succeeded = _both(loose, bernoulli(self.success))
            weight = self.weight[j]
            if self.discounted:
                if self.count_utility:
                    _add(part("mesa"), weight * self.v_overseen, caught)
                    _add(part("mesa"), weight * self.v_deploy, succeeded)
                elif succeeded is not None:
                    _add(part("mesa"), weight, _both(succeeded, part("harm") == 0))
                _add(part("spent"), weight, defect)
            else:
                if self.count_utility:
                    _add(part("caught"), 1, caught)
                _add(part("defects"), 1, defect)
            _add(part("harm"), 1, succeeded)
            first = part("first")
            if defect is True:
                np.copyto(first, t, where=first == 0)
            else:
                np.copyto(first, t, where=defect & (first == 0))
            if caught is not None and self.detect > 0.0:
                updated = caught
                if self.detect < 1.0:
                    updated = _both(caught, bernoulli(self.detect))
                if updated is not None:
                    _add(part("k"), 1, updated)
                    changed = True
        if self.drift > 0.0:
            drifted = _without(overseen, defect)
            if live is not None:
                drifted = _both(drifted, live[low:high])  # an ended run must stay as it ended
            if drifted is not None:
                _add(rows["m"][low:high], 1, drifted)
                changed = True
        if tally is not None:
            tally.defects[j] += _count(defect, size)
            tally.overseen_defects[j] += _count(caught, size)
            tally.successes[j] += _count(succeeded, size)
        return changed

    def _choose(
        self,
        u: np.ndarray,
        train: bool,
        on_train: float | np.ndarray,
        on_deploy: float | np.ndarray,
    ) -> np.ndarray:
        """Draw the cue, and the choice given the cue, from one uniform ``u`` per row.

        The cue says ``"train"`` when ``u < r``, ``r = P("train" cue | phase)``;
        after it the agent defects on ``[0, r * on_train)``, after a
        ``"deploy"`` cue on ``[r, r + (1 - r) * on_deploy)``.
        """
        if self.accuracy == 1.0:
            return u < (on_train if train else on_deploy)
        r = self.accuracy if train else 1.0 - self.accuracy
        return (u < r * on_train) | ((u >= r) & (u < r + (1.0 - r) * on_deploy))

    def _by_level(
        self, rows: dict[str, np.ndarray], low: int, high: int, j: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """``P(A | level, episode j + 1, cue)`` for each row ``low:high``, per cue."""
        lookup = self.level_lookup
        # Rows that are not live may be past the live levels: any index will do for them.
        k = np.minimum(rows["k"][low:high], lookup.shape[0] - 1)
        if "m" in rows:
            level = lookup[k, np.minimum(rows["m"][low:high], lookup.shape[1] - 1)]
        else:
            level = lookup[k, 0]
        choices = self.level_table[:, j, :]
        return choices[level, 0], choices[level, 1]

    def _intact(
        self, rows: dict[str, np.ndarray], live: np.ndarray, active: int, modified: bool
    ) -> int:
        """How many live rows have an untouched objective (``k = m = 0``)."""
        if not modified or (self.ceiling is None and self.max_updates == 0):
            return active  # every live row is untouched
        untouched = rows["k"] == 0
        if self.ceiling is not None:
            untouched &= rows["m"] == 0
        return int(np.count_nonzero(untouched & live))

    def _finish(self, rows: dict[str, np.ndarray], totals: dict[str, _Moments]) -> None:
        """Add the per-run results of finished rows to the totals."""
        k = rows["k"]
        if k.size == 0:
            return
        lengths = rows.get("length")
        harm = rows["harm"]
        if self.discounted:
            mesa = rows["mesa"]
            reached = self.cumulative[self.horizon if lengths is None else lengths]
            base = reached - rows["spent"]
        else:
            if self.count_utility:
                mesa = self.v_overseen * rows["caught"] + self.v_deploy * harm
            else:
                mesa = harm > 0
            reached = self.horizon if lengths is None else lengths.astype(np.int64)
            base = reached - rows["defects"]
        first = rows["first"]
        totals["mesa"].add(mesa)
        totals["base"].add(base)
        totals["harm"].add(harm)
        intact = k == 0 if "m" not in rows else (k == 0) & (rows["m"] == 0)
        totals["p_intact"].add(intact)
        totals["expected_updates"].add(k)
        defected = first > 0
        totals["p_defect"].add(defected)
        totals["expected_first_defection"].add(first[defected])


class _TreeSimulator:
    """Runs of a policy with memory: each run follows its own path down the controller.

    Plainer than :class:`_Simulator` (the tree's node is one more per-run
    array, read every episode); the same per-run results and curves.
    """

    def __init__(
        self, tree: Controller, schedule: Schedule, update: UpdateRule, payoffs: Payoffs
    ) -> None:
        self.tree, self.schedule, self.update, self.payoffs = tree, schedule, update, payoffs

    def batch(
        self,
        size: int,
        rng: np.random.Generator,
        totals: dict[str, _Moments],
        tally: _Tally | None,
    ) -> None:
        schedule, update, pay, tree = self.schedule, self.update, self.payoffs, self.tree
        n = schedule.horizon
        q = schedule.cue_accuracy
        honeypot = schedule.honeypots()
        boundary = rng.choice(n + 1, size=size, p=schedule.train_pmf / schedule.train_pmf.sum())
        length = np.full(size, n)
        if schedule.continue_prob < 1.0:
            length = np.minimum(rng.geometric(1.0 - schedule.continue_prob, size), n)
        node = np.zeros(size, dtype=np.int64)  # -1: complies for ever
        mesa, base = np.zeros(size), np.zeros(size)
        harm = np.zeros(size, dtype=np.int64)
        updates = np.zeros(size, dtype=np.int64)
        first = np.zeros(size, dtype=np.int64)
        intact = np.ones(size, dtype=bool)
        succeeded = np.zeros(size, dtype=bool)
        for t in range(n):
            weight = pay.discount**t
            playing = length > t
            train = boundary > t
            u = rng.random((5, size))
            cue = np.where(train, u[0] >= q, u[0] < q).astype(np.int64)  # 0: "train" cue
            live = playing & (node >= 0)
            p_defect = np.where(live, tree.action[np.maximum(node, 0), cue], 0.0)
            defect = u[1] < p_defect
            overseen = train | (u[2] < honeypot[t])
            caught = defect & overseen
            success = defect & ~overseen & (u[3] < pay.success)
            if pay.utility == "count":
                mesa += weight * (pay.v_overseen * caught + pay.v_deploy * success)
            else:
                mesa += weight * (success & ~succeeded)
            succeeded |= success
            base += weight * (playing & ~defect)
            harm += success
            first = np.where(defect & (first == 0), t + 1, first)
            updated = caught & (u[4] < update.detect)
            drifted = playing & ~defect & overseen & (update.drift > 0)
            updates += updated
            intact &= ~(updated | drifted)
            outcome = np.where(updated, UPDATED, np.where(drifted, DRIFTED, UNCHANGED))
            following = tree.child[np.maximum(node, 0), cue, defect.astype(np.int64), outcome]
            node = np.where(live, following, node)
            if tally is not None:
                tally.reached[t] += int(playing.sum())
                tally.defects[t] += int(defect.sum())
                tally.intact[t] += int((intact & playing).sum())
                tally.overseen_defects[t] += int(caught.sum())
                tally.successes[t] += int(success.sum())
        totals["mesa"].add(mesa)
        totals["base"].add(base)
        totals["harm"].add(harm)
        totals["p_intact"].add(intact)
        totals["expected_updates"].add(updates)
        totals["p_defect"].add(first > 0)
        totals["expected_first_defection"].add(first[first > 0])


def _liveness(
    update: UpdateRule, indifference: float, horizon: int
) -> tuple[int | None, np.ndarray | None]:
    """Which objective states ``(k, m)`` are live, as ``(max_updates, ceiling)``.

    Liveness is the contract's: the unmodified agent ``(0, 0)`` always, a
    modified one while ``prefers_mesa((1 - rate) ** k * (1 - drift) ** m,
    indifference)``. The weight only falls as ``k`` or ``m`` grows, so the live
    states are a down-set, described without drift (``m`` stays 0) by the most
    updates a live agent can have, ``max_updates`` (``ceiling`` is None), and
    with drift by ``ceiling[k]``, the largest live ``m`` after ``k`` updates
    (-1 if none; ``max_updates`` is None). An agent has at most ``horizon``
    updates or compliant overseen episodes, so nothing beyond is computed.

    >>> _liveness(UpdateRule(rate=0.5), indifference=0.2, horizon=10)
    (2, None)
    >>> _liveness(UpdateRule(rate=0.5, drift=0.2), indifference=0.3, horizon=4)[1].tolist()
    [4, 2, -1, -1, -1, -1]
    """
    keep_update, keep_drift = 1.0 - update.rate, 1.0 - update.drift

    def live(k: int, m: int) -> bool:
        return (k == 0 and m == 0) or bool(
            prefers_mesa(keep_update**k * keep_drift**m, indifference)
        )

    if update.drift == 0.0:
        k = 0
        while k < horizon and live(k + 1, 0):
            k += 1
        return k, None
    ceiling = np.full(horizon + 2, -1, dtype=np.int64)
    high = horizon
    for k in range(horizon + 1):
        if not live(k, 0):
            break
        # The largest live m in 0..high, by bisection (live(k, 0) holds).
        low = 0
        while low < high:
            middle = (low + high + 1) // 2
            if live(k, middle):
                low = middle
            else:
                high = middle - 1
        ceiling[k] = low
        high = low
    return None, ceiling
