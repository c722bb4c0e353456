"""Simulation on a schedule with kinds of episode: each run draws each episode's kind.

Plainer than :class:`~deception_sim.montecarlo.engine.Simulator` (every run
is a row of a few arrays, and every random event of an episode is drawn for
every row): the kind from its phase's distribution, the oversight (the
kind's honeypot rate, or the schedule's), the cue, the choice from the
table's cell for that (episode, cue, kind) and objective level, then the
branch of the kind's :func:`~deception_sim.model.episode.branches`.
"""

from __future__ import annotations

import numpy as np

from ..model import Payoffs, Schedule, UpdateRule, objective_levels
from ..model.episode import DRIFTED, UPDATED, branches
from .accumulate import Moments, Tally
from .engine import clean_weights


class KindSimulator:
    """Runs of a policy without memory on a schedule with kinds (a table ``(..., N, 2, K)``)."""

    def __init__(
        self, table: np.ndarray, schedule: Schedule, update: UpdateRule, payoffs: Payoffs
    ) -> None:
        kinds = schedule.kinds
        assert kinds is not None
        n = schedule.horizon
        levels = objective_levels(update, payoffs.indifference)
        # A per-level table is indexed by level; a shared one is the same for every level.
        self.table = (
            table if table.ndim == 4 else np.broadcast_to(table, (len(levels), *table.shape))
        )
        # lookup[k, m]: the level of objective state (k, m), -1 when it no longer prefers A.
        self.lookup = np.full((levels.updates.max() + 2, levels.compliant.max() + 2), -1, np.intp)
        self.lookup[levels.updates, levels.compliant] = np.arange(len(levels))
        self.schedule, self.payoffs = schedule, payoffs
        self.cumulative = {
            phase: np.cumsum(kinds.probabilities(phase)) for phase in ("train", "deploy")
        }
        self.honeypot = np.array([schedule.kind_honeypots(name) for name in kinds.names])
        by_kind = [branches(update, payoffs, kind) for kind in kinds.kinds]
        self.outcomes = by_kind[0]  # the same branches in every kind, with other probabilities
        self.chances = np.array([[b.probability for b in found] for found in by_kind]).T
        self.weight = [payoffs.discount**t for t in range(n)]

    def batch(
        self,
        size: int,
        rng: np.random.Generator,
        totals: dict[str, Moments],
        tally: Tally | None,
    ) -> None:
        schedule, pay = self.schedule, self.payoffs
        n = schedule.horizon
        q = schedule.cue_accuracy
        boundary = rng.choice(n + 1, size=size, p=schedule.train_pmf / schedule.train_pmf.sum())
        length = np.full(size, n)
        if schedule.continue_prob < 1.0:
            length = np.minimum(rng.geometric(1.0 - schedule.continue_prob, size), n)
        k = np.zeros(size, dtype=np.int64)
        m = np.zeros(size, dtype=np.int64)
        mesa, base = np.zeros(size), np.zeros(size)
        harm = np.zeros(size, dtype=np.int64)
        first = np.zeros(size, dtype=np.int64)
        last_kind = len(self.honeypot) - 1
        for t in range(n):
            weight = self.weight[t]
            playing = length > t
            train = boundary > t
            u = rng.random((5, size))
            kind = np.where(
                train,
                np.searchsorted(self.cumulative["train"], u[0], side="right"),
                np.searchsorted(self.cumulative["deploy"], u[0], side="right"),
            )
            kind = np.minimum(kind, last_kind)  # rounding of the cumulative sum below 1
            overseen = train | (u[1] < self.honeypot[kind, t])
            cue = np.where(train, u[2] >= q, u[2] < q).astype(np.int64)  # 0: "train" cue
            level = self.lookup[
                np.minimum(k, self.lookup.shape[0] - 1), np.minimum(m, self.lookup.shape[1] - 1)
            ]
            live = playing & (level >= 0)
            p_defect = np.where(live, self.table[np.maximum(level, 0), t, cue, kind], 0.0)
            defect = live & (u[3] < p_defect)
            move = np.zeros(size, dtype=np.int64)
            success = np.zeros(size, dtype=bool)
            value = np.zeros(size)
            opened = np.zeros(size)
            low = np.zeros(size)
            for b, branch in enumerate(self.outcomes):
                group = playing & (defect == branch.defect) & (overseen == branch.overseen)
                high = low + np.where(group, self.chances[b, kind], 0.0)
                hit = group & (u[4] >= low) & (u[4] < high)
                low = high
                move[hit] = branch.move
                success |= hit & branch.success
                value[hit] = branch.mesa
                opened[hit] = branch.open_value
            if pay.utility == "count":
                mesa += weight * value
            else:
                mesa += weight * (success & (harm == pay.needed - 1))
                mesa += weight * np.where(harm < pay.needed, opened, 0.0)
            base += weight * (playing & ~defect)
            harm += success
            first = np.where(defect & (first == 0), t + 1, first)
            k += move == UPDATED
            m += move == DRIFTED
            if tally is not None:
                tally.reached[t] += int(playing.sum())
                tally.defects[t] += int(defect.sum())
                tally.intact[t] += int((playing & (k == 0) & (m == 0)).sum())
                for mesa_value in tally.values:
                    tally.add_value(mesa_value, t, int((value == mesa_value).sum()))
        if pay.v_clean != 0.0:
            mesa += pay.v_clean * np.where(first == 0, clean_weights(self.weight, length), 0.0)
        totals["mesa"].add(mesa)
        totals["base"].add(base)
        totals["harm"].add(harm)
        totals["p_intact"].add((k == 0) & (m == 0))
        totals["expected_updates"].add(k)
        totals["p_defect"].add(first > 0)
        totals["expected_first_defection"].add(first[first > 0])
