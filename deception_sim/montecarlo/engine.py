"""The vectorized simulator of policies without memory (the fast engine of :func:`simulate`).

The simulation is vectorized over runs with numpy: one Python loop over
episodes, arrays over a batch of runs inside it. Runs are sorted by their
boundary, so each phase of an episode is one slice of the arrays; only the
random numbers an episode needs are drawn (none for a certain event); and runs
that have ended, or whose objective no longer prefers the mesa objective
(they comply for ever, so the rest of their run is known), are dropped from
the arrays as they accumulate. What an episode does is drawn from the
branches of :mod:`deception_sim.model.episode`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..model import Payoffs, Schedule, UpdateRule, objective_levels, prefers_mesa
from ..model.episode import DRIFTED, UNCHANGED, UPDATED, Branch, branches
from .accumulate import Event, Moments, Tally, add, both, count, without

COMPACT = 2.0
"""Drop finished rows when (rows finished) x (episodes left) >= COMPACT x (rows)."""


class Simulator:
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
        self.outcomes = branches(update, payoffs)
        self.defections = tuple(b for b in self.outcomes if b.defect)
        self.compliances = tuple(b for b in self.outcomes if not b.defect)
        # Drift: some compliance moves the objective, so compliant rows draw their branch.
        self.drift = any(b.move != UNCHANGED for b in self.compliances)
        self.count_utility = payoffs.utility == "count"
        self.needed = payoffs.needed
        self.v_detected = payoffs.v_detected  # "any": per detection while the goal is open
        self.v_clean = payoffs.v_clean
        self.max_updates, self.ceiling = liveness(update, payoffs.indifference, n)
        self.index_type = next(
            kind for kind in (np.int8, np.int16, np.int32, np.int64) if n + 1 <= np.iinfo(kind).max
        )

    def batch(
        self,
        size: int,
        rng: np.random.Generator,
        totals: dict[str, Moments],
        tally: Tally | None,
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
        rows["mesa"] = np.zeros(size)
        if self.discounted:
            rows["spent"] = np.zeros(size)  # discounted number of defections
        else:
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
        tally: Tally | None,
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

        # The probability of oversight: always in training, a honeypot in deployment.
        watched = 1.0 if train else self.honeypot[j]
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
        mask = None if live is None else live[low:high]
        if mask is not None and defect is not None:
            defect = mask if defect is True else defect & mask
        changed = False

        def part(name: str) -> np.ndarray:
            return rows[name][low:high]

        if defect is not None:
            weight = self.weight[j]
            # Only the success that meets the goal counts for the "any" utility (and,
            # before it, detections are worth v_detected).
            fresh = opened = None
            if not self.count_utility:
                fresh = part("harm") == self.needed - 1
                if self.v_detected != 0.0:
                    opened = part("harm") < self.needed
            for branch, event in self._draw(self.defections, defect, watched, size, uniforms):
                if self.count_utility:
                    add(part("mesa"), weight * branch.mesa, event)
                elif opened is not None and branch.open_value:
                    add(part("mesa"), weight * branch.open_value, both(event, opened))
                if branch.success:
                    if fresh is not None:
                        add(part("mesa"), weight, both(event, fresh))
                    add(part("harm"), 1, event)
                if branch.move == UPDATED and event is not None:
                    add(part("k"), 1, event)
                    changed = True
                if tally is not None:
                    tally.add_value(branch.mesa, j, count(event, size))
            if self.discounted:
                add(part("spent"), weight, defect)
            else:
                add(part("defects"), 1, defect)
            first = part("first")
            if defect is True:
                np.copyto(first, t, where=first == 0)
            else:
                np.copyto(first, t, where=defect & (first == 0))
        if self.drift:
            # An ended run must stay as it ended: only live rows comply here.
            comply = without(True if mask is None else mask, defect)
            for branch, event in self._draw(self.compliances, comply, watched, size, uniforms):
                if branch.move == DRIFTED and event is not None:
                    add(rows["m"][low:high], 1, event)
                    changed = True
        if tally is not None:
            tally.defects[j] += count(defect, size)
        return changed

    def _draw(
        self,
        outcomes: tuple[Branch, ...],
        rows: Event,
        watched: float,
        size: int,
        uniforms: Callable[[int], np.ndarray],
    ) -> list[tuple[Branch, Event]]:
        """Which branch each of ``rows`` ends in, with one uniform per row.

        ``watched`` is the probability of oversight; a branch's probability is
        that of its oversight times its own. Certain branches draw nothing.
        """
        if rows is None:
            return []
        chances = [
            (branch, (watched if branch.overseen else 1.0 - watched) * branch.probability)
            for branch in outcomes
        ]
        chances = [(branch, p) for branch, p in chances if p > 0.0]
        if len(chances) == 1:
            return [(chances[0][0], rows)]
        u = uniforms(size)
        out: list[tuple[Branch, Event]] = []
        low: float = 0.0
        for i, (branch, p) in enumerate(chances):
            high = low + float(p)
            if i == len(chances) - 1:
                event: np.ndarray = u >= low  # the last branch takes rounding's remainder
            elif i == 0:
                event = u < high
            else:
                event = (u >= low) & (u < high)
            out.append((branch, both(rows, event)))
            low = high
        return out

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
        lookup, by_level = self.level_lookup, self.level_table
        assert lookup is not None and by_level is not None
        # Rows that are not live may be past the live levels: any index will do for them.
        k = np.minimum(rows["k"][low:high], lookup.shape[0] - 1)
        if "m" in rows:
            level = lookup[k, np.minimum(rows["m"][low:high], lookup.shape[1] - 1)]
        else:
            level = lookup[k, 0]
        choices = by_level[:, j, :]
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

    def _finish(self, rows: dict[str, np.ndarray], totals: dict[str, Moments]) -> None:
        """Add the per-run results of finished rows to the totals."""
        k = rows["k"]
        if k.size == 0:
            return
        lengths = rows.get("length")
        harm = rows["harm"]
        mesa = rows["mesa"]
        if self.discounted:
            reached = self.cumulative[self.horizon if lengths is None else lengths]
            base = reached - rows["spent"]
        else:
            reached = self.horizon if lengths is None else lengths.astype(np.int64)
            base = reached - rows["defects"]
        first = rows["first"]
        if self.v_clean != 0.0:
            # A clean run ends with v_clean, weighted like its last episode.
            last = self.horizon if lengths is None else lengths.astype(np.int64)
            end_weight = clean_weights(self.weight, last)
            mesa = mesa + self.v_clean * np.where(first == 0, end_weight, 0.0)
        totals["mesa"].add(mesa)
        totals["base"].add(base)
        totals["harm"].add(harm)
        intact = k == 0 if "m" not in rows else (k == 0) & (rows["m"] == 0)
        totals["p_intact"].add(intact)
        totals["expected_updates"].add(k)
        defected = first > 0
        totals["p_defect"].add(defected)
        totals["expected_first_defection"].add(first[defected])


def clean_weights(weight: list[float], last: int | np.ndarray) -> np.ndarray | float:
    """The discount weight of a run's last episode ``last`` (1 for an empty run).

    >>> clean_weights([1.0, 0.5, 0.25], np.array([1, 3])).tolist()
    [1.0, 0.25]
    """
    padded = np.array([1.0, *weight])
    return padded[last]


def liveness(
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

    >>> liveness(UpdateRule(rate=0.5), indifference=0.2, horizon=10)
    (2, None)
    >>> liveness(UpdateRule(rate=0.5, drift=0.2), indifference=0.3, horizon=4)[1].tolist()
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
