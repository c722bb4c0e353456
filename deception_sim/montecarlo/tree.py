"""Simulation of a policy with memory: each run follows its own path down the controller."""

from __future__ import annotations

import numpy as np

from ..model import Payoffs, Schedule, UpdateRule
from ..model.episode import UPDATED, branches
from ..strategies.controller import Controller
from .accumulate import Moments, Tally
from .engine import clean_weights


class TreeSimulator:
    """Runs of a policy with memory (a :class:`~deception_sim.strategies.Controller`).

    Plainer than :class:`~deception_sim.montecarlo.engine.Simulator` (the tree's
    node is one more per-run array, read every episode); the same per-run
    results and curves, and the same branches of the episode.
    """

    def __init__(
        self, tree: Controller, schedule: Schedule, update: UpdateRule, payoffs: Payoffs
    ) -> None:
        if schedule.kinds is not None:
            raise ValueError(
                "a policy with memory (a Controller) does not read kinds of episode; "
                "simulate it on a schedule without kinds"
            )
        self.tree, self.schedule, self.update, self.payoffs = tree, schedule, update, payoffs

    def batch(
        self,
        size: int,
        rng: np.random.Generator,
        totals: dict[str, Moments],
        tally: Tally | None,
    ) -> None:
        schedule, pay, tree = self.schedule, self.payoffs, self.tree
        outcomes = branches(self.update, pay)
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
        for t in range(n):
            weight = pay.discount**t
            playing = length > t
            train = boundary > t
            u = rng.random((4, size))
            cue = np.where(train, u[0] >= q, u[0] < q).astype(np.int64)  # 0: "train" cue
            live = playing & (node >= 0)
            p_defect = np.where(live, tree.action[np.maximum(node, 0), cue], 0.0)
            defect = u[1] < p_defect
            overseen = train | (u[2] < honeypot[t])
            # The branch of each row, given its choice and oversight (one uniform each).
            move = np.zeros(size, dtype=np.int64)
            success = np.zeros(size, dtype=bool)
            value = np.zeros(size)
            low = np.zeros(size)
            for branch in outcomes:
                group = playing & (defect == branch.defect) & (overseen == branch.overseen)
                high = low + np.where(group, branch.probability, 0.0)
                hit = group & (u[3] >= low) & (u[3] < high)
                low = high
                move[hit] = branch.move
                success |= hit & branch.success
                value[hit] = branch.mesa
            if pay.utility == "count":
                mesa += weight * value
            else:
                mesa += weight * (success & (harm == pay.needed - 1))
                if pay.v_detected != 0.0:  # a detection while the goal is open
                    mesa += weight * pay.v_detected * ((move == UPDATED) & (harm < pay.needed))
            base += weight * (playing & ~defect)
            harm += success
            first = np.where(defect & (first == 0), t + 1, first)
            updates += move == UPDATED
            intact &= move == 0
            following = tree.child[np.maximum(node, 0), cue, defect.astype(np.int64), move]
            node = np.where(live, following, node)
            if tally is not None:
                tally.reached[t] += int(playing.sum())
                tally.defects[t] += int(defect.sum())
                tally.intact[t] += int((intact & playing).sum())
                for mesa_value in tally.values:
                    tally.add_value(mesa_value, t, int((value == mesa_value).sum()))
        if pay.v_clean != 0.0:
            weights = [pay.discount**t for t in range(n)]
            mesa += pay.v_clean * np.where(first == 0, clean_weights(weights, length), 0.0)
        totals["mesa"].add(mesa)
        totals["base"].add(base)
        totals["harm"].add(harm)
        totals["p_intact"].add(intact)
        totals["expected_updates"].add(updates)
        totals["p_defect"].add(first > 0)
        totals["expected_first_defection"].add(first[first > 0])
