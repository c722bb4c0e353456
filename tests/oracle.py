"""A brute-force oracle for the model of ``docs/explanation/model.md``.

This is a second, independent implementation of the contract, written only
from that page and the public attributes of the model objects (it never looks
at :mod:`deception_sim.exact.forward`). It favours being obviously right over being
fast: it sums over the boundary ``T`` outermost (so every episode's phase is
known), then walks the episodes one by one, branching on every random event
of the episode in the order the page gives (honeypot, cue, the agent's
choice, then success or detection), and it adds the exact probability of
every branch with plain Python floats.

Paths that reach the same state are merged before the next episode; the state
is everything the future (and the reported statistics) can depend on:

``(k, m, defected, succeeded)``
    ``k`` updates so far, ``m`` overseen compliant episodes so far (counted
    only when ``drift > 0``), whether the agent has defected yet and whether
    an unoverseen defection has succeeded yet.

Continuation is independent of everything else, so the oracle first computes
what happens in episode ``t`` *given that the run reaches it* and then weighs
it by ``continue_prob ** (t - 1)`` (totals) or by the probability that the run
ends right after episode ``t`` (quantities "when the run ends").

It only has to handle horizons up to about 6.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from collections.abc import Iterator

from deception_sim.model.payoffs import Payoffs
from deception_sim.model.schedule import Schedule
from deception_sim.model.update import UpdateRule, prefers_mesa
from deception_sim.strategies.builtin import Strategy

TRAIN, DEPLOY = 0, 1  # phase and cue indices (column 0 of a decision table is the "train" cue)


def all_plans(horizon: int) -> Iterator[str]:
    """Every string of ``horizon`` letters ``A``/``B`` (``2 ** horizon`` of them)."""
    for letters in itertools.product("AB", repeat=horizon):
        yield "".join(letters)


def _live(k: int, m: int, update: UpdateRule, indifference: float) -> bool:
    """Whether the agent in objective state ``(k, m)`` still follows its strategy."""
    if k == 0 and m == 0:
        return True  # the unmodified agent always follows its strategy
    weight = (1.0 - update.rate) ** k * (1.0 - update.drift) ** m
    return bool(prefers_mesa(weight, indifference))


def _episode_outcomes(phase, honeypot, accuracy, p_a_by_cue, live):
    """Every outcome of one episode: ``(probability, overseen, defected)``.

    Branches on the honeypot (deployment only), then the cue, then the choice.
    """
    if phase == TRAIN:
        oversight = [(1.0, True)]
    else:
        oversight = [(honeypot, True), (1.0 - honeypot, False)]
    for p_oversight, overseen in oversight:
        other = DEPLOY if phase == TRAIN else TRAIN
        for p_cue, cue in ((accuracy, phase), (1.0 - accuracy, other)):
            p_a = p_a_by_cue[cue] if live else 0.0
            for p_choice, defected in ((p_a, True), (1.0 - p_a, False)):
                p = p_oversight * p_cue * p_choice
                if p > 0.0:
                    yield p, overseen, defected


def _run_given_boundary(table, train, schedule, update, payoffs):
    """Per-episode expectations given the boundary ``T = train``, for a run that goes on.

    Returns a list with one dict per episode ``t = 1..N`` of expectations in
    episode ``t`` (not discounted, not weighted by continuation): ``mesa``
    (count utility), ``first_success`` (probability that the first successful
    unoverseen defection is in episode ``t``), ``base``, ``harm``, ``defect``,
    ``first_defection``, and the expectations after the episode ``intact``
    (``P(k = m = 0)``) and ``updates`` (``E[k]``).
    """
    horizon = schedule.horizon
    honeypots = [float(h) for h in schedule.honeypots()]
    accuracy = float(schedule.cue_accuracy)
    indifference = payoffs.indifference
    states = {(0, 0, False, False): 1.0}
    episodes = []
    for t in range(1, horizon + 1):
        phase = TRAIN if t <= train else DEPLOY
        p_a_by_cue = (float(table[t - 1][TRAIN]), float(table[t - 1][DEPLOY]))
        out = dict.fromkeys(
            ("mesa", "first_success", "base", "harm", "defect", "first_defection"), 0.0
        )
        following = defaultdict(float)
        for (k, m, has_defected, has_succeeded), p_state in states.items():
            live = _live(k, m, update, indifference)
            for p, overseen, defected in _episode_outcomes(
                phase, honeypots[t - 1], accuracy, p_a_by_cue, live
            ):
                p_path = p_state * p
                if not defected:
                    out["base"] += p_path
                    m_next = m + 1 if (overseen and update.drift > 0.0) else m
                    following[(k, m_next, has_defected, has_succeeded)] += p_path
                    continue
                out["defect"] += p_path
                if not has_defected:
                    out["first_defection"] += p_path
                if overseen:
                    out["mesa"] += p_path * payoffs.v_overseen
                    outcomes = ((update.detect, True), (1.0 - update.detect, False))
                    for p_detect, detected in outcomes:
                        if p_detect > 0.0:
                            k_next = k + 1 if detected else k
                            following[(k_next, m, True, has_succeeded)] += p_path * p_detect
                else:
                    outcomes = ((payoffs.success, True), (1.0 - payoffs.success, False))
                    for p_success, success in outcomes:
                        if p_success <= 0.0:
                            continue
                        p_outcome = p_path * p_success
                        if success:
                            out["mesa"] += p_outcome * payoffs.v_deploy
                            out["harm"] += p_outcome
                            if not has_succeeded:
                                out["first_success"] += p_outcome
                        following[(k, m, True, has_succeeded or success)] += p_outcome
        states = dict(following)
        out["intact"] = sum(p for (k, m, _, _), p in states.items() if k == 0 and m == 0)
        out["updates"] = sum(p * k for (k, _, _, _), p in states.items())
        episodes.append(out)
    return episodes


def brute_force(
    policy: Strategy,
    schedule: Schedule,
    update: UpdateRule | None = None,
    payoffs: Payoffs | None = None,
) -> dict:
    """The exact expectations of ``policy`` on the model, by enumeration.

    Keys: ``mesa``, ``base``, ``harm``, ``p_intact``, ``expected_updates``,
    ``p_defect``, ``expected_first_defection`` (NaN when ``p_defect == 0``),
    and the per-episode lists ``p_defect_curve`` (``P(defect in episode t |
    the run reaches t)``) and ``p_intact_curve`` (``P(k = m = 0 after episode
    t | the run reaches t)``).
    """
    update = UpdateRule() if update is None else update
    payoffs = Payoffs() if payoffs is None else payoffs
    horizon = schedule.horizon
    table = [[float(x) for x in row] for row in policy.decision_table(schedule)]
    c = float(schedule.continue_prob)
    discount = float(payoffs.discount)

    # Expectations per episode given that the run reaches it, averaged over T.
    names = (
        "mesa",
        "first_success",
        "base",
        "harm",
        "defect",
        "first_defection",
        "intact",
        "updates",
    )
    per_episode = [dict.fromkeys(names, 0.0) for _ in range(horizon)]
    for train, p_train in enumerate(float(p) for p in schedule.train_pmf):
        if p_train == 0.0:
            continue
        for t, out in enumerate(_run_given_boundary(table, train, schedule, update, payoffs)):
            for name in names:
                per_episode[t][name] += p_train * out[name]

    reach = [c ** (t - 1) for t in range(1, horizon + 1)]
    # The run ends right after episode t: it reaches t and does not go on (or t = N).
    ends = [c ** (t - 1) * (1.0 - c) for t in range(1, horizon)]
    if horizon:
        ends.append(c ** (horizon - 1))
    weight = [discount ** (t - 1) for t in range(1, horizon + 1)]

    if payoffs.utility == "count":
        mesa = sum(r * g * e["mesa"] for r, g, e in zip(reach, weight, per_episode, strict=True))
    else:
        mesa = sum(
            r * g * e["first_success"] for r, g, e in zip(reach, weight, per_episode, strict=True)
        )
    base = sum(r * g * e["base"] for r, g, e in zip(reach, weight, per_episode, strict=True))
    harm = sum(r * e["harm"] for r, e in zip(reach, per_episode, strict=True))
    if horizon:
        p_intact = sum(w * e["intact"] for w, e in zip(ends, per_episode, strict=True))
        updates = sum(w * e["updates"] for w, e in zip(ends, per_episode, strict=True))
    else:
        p_intact, updates = 1.0, 0.0
    p_defect = sum(r * e["first_defection"] for r, e in zip(reach, per_episode, strict=True))
    if p_defect > 0.0:
        first = (
            sum(
                t * r * e["first_defection"]
                for t, r, e in zip(range(1, horizon + 1), reach, per_episode, strict=True)
            )
            / p_defect
        )
    else:
        first = math.nan
    return {
        "mesa": mesa,
        "base": base,
        "harm": harm,
        "p_intact": p_intact,
        "expected_updates": updates,
        "p_defect": p_defect,
        "expected_first_defection": first,
        "p_defect_curve": [e["defect"] for e in per_episode],
        "p_intact_curve": [e["intact"] for e in per_episode],
    }
