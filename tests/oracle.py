"""A brute-force oracle for the model of ``docs/explanation/model.md``.

This is a second, independent implementation of the contract, written only
from that page and the public attributes of the model objects (it never looks
at :mod:`deception_sim.exact.forward`). It favours being obviously right over being
fast: it sums over the boundary ``T`` outermost (so every episode's phase is
known), then walks the episodes one by one, branching on every random event
of the episode in the order the page gives (kind, honeypot, cue, the agent's
choice, then success or detection), and it adds the exact probability of
every branch with plain Python floats.

Paths that reach the same state are merged before the next episode; the state
is everything the future (and the reported statistics) can depend on:

``(k, m, defected, successes)``
    ``k`` updates so far, ``m`` overseen compliant episodes so far (counted
    only when ``drift > 0``), whether the agent has defected yet and how
    many successes there have been (counted up to ``needed``: after that the
    goal of the ``"any"`` utility is met).

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

import numpy as np

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


def _kinds(schedule, phase, update, payoffs, honeypot):
    """The kinds an episode of ``phase`` can be: ``(probability, index, h, detect, success)``.

    Without kinds, one kind that sets nothing (index ``None``).
    """
    if schedule.kinds is None:
        return [(1.0, None, honeypot, float(update.detect), float(payoffs.success))]
    weights = schedule.kinds.train if phase == TRAIN else schedule.kinds.deploy
    out = []
    for j, (weight, kind) in enumerate(zip(weights, schedule.kinds.kinds, strict=True)):
        if weight > 0.0:
            h = honeypot if kind.honeypot_rate is None else kind.honeypot_rate
            d = update.detect if kind.detect is None else kind.detect
            s = payoffs.success if kind.success is None else kind.success
            out.append((float(weight), j, float(h), float(d), float(s)))
    return out


def _episode_outcomes(phase, honeypot, accuracy, p_a, live):
    """Every outcome of one episode of one kind: ``(probability, overseen, defected)``.

    Branches on the honeypot (deployment only), then the cue, then the choice;
    ``p_a(cue)`` is the agent's probability of ``A`` on that cue (in this kind).
    """
    if phase == TRAIN:
        oversight = [(1.0, True)]
    else:
        oversight = [(honeypot, True), (1.0 - honeypot, False)]
    for p_oversight, overseen in oversight:
        other = DEPLOY if phase == TRAIN else TRAIN
        for p_cue, cue in ((accuracy, phase), (1.0 - accuracy, other)):
            a = p_a(cue) if live else 0.0
            for p_choice, defected in ((a, True), (1.0 - a, False)):
                p = p_oversight * p_cue * p_choice
                if p > 0.0:
                    yield p, overseen, defected


def _defection_outcomes(overseen, detect, success, payoffs):
    """What a defection does: ``(probability, detected, succeeded, mesa value)`` (count)."""
    if overseen:
        yield detect, True, False, payoffs.v_overseen + payoffs.v_detected
        if payoffs.missed == "harmless":
            yield 1.0 - detect, False, False, payoffs.v_overseen
        else:  # it goes through, as if it were not overseen
            yield (1.0 - detect) * success, False, True, payoffs.v_deploy
            yield (1.0 - detect) * (1.0 - success), False, False, 0.0
    else:
        yield success, False, True, payoffs.v_deploy
        yield 1.0 - success, False, False, 0.0


def _run_given_boundary(table, train, schedule, update, payoffs):
    """Per-episode expectations given the boundary ``T = train``, for a run that goes on.

    Returns a list with one dict per episode ``t = 1..N`` of expectations in
    episode ``t`` (not discounted, not weighted by continuation): ``mesa``
    (count utility), ``goal`` (probability that the ``needed``-th success is
    in episode ``t``), ``open_detect`` (probability of a detection while the
    goal is open), ``base``, ``harm``, ``defect``, ``first_defection``, and
    the expectations after the episode ``intact`` (``P(k = m = 0)``),
    ``updates`` (``E[k]``) and ``clean`` (``P(no defection yet)``).
    """
    horizon = schedule.horizon
    honeypots = [float(h) for h in schedule.honeypots()]
    accuracy = float(schedule.cue_accuracy)
    indifference = payoffs.indifference
    needed = payoffs.needed
    states = {(0, 0, False, 0): 1.0}
    episodes = []
    names = ("mesa", "goal", "open_detect", "base", "harm", "defect", "first_defection")
    for t in range(1, horizon + 1):
        phase = TRAIN if t <= train else DEPLOY
        row = table[t - 1]
        out = dict.fromkeys(names, 0.0)
        following = defaultdict(float)
        for (k, m, has_defected, successes), p_state in states.items():
            live = _live(k, m, update, indifference)
            for p_kind, j, h, detect, success in _kinds(
                schedule, phase, update, payoffs, honeypots[t - 1]
            ):

                def p_a(cue, j=j, row=row):
                    return float(row[cue] if j is None or np.ndim(row[cue]) == 0 else row[cue][j])

                for p, overseen, defected in _episode_outcomes(phase, h, accuracy, p_a, live):
                    p_path = p_state * p_kind * p
                    if not defected:
                        out["base"] += p_path
                        m_next = m + 1 if (overseen and update.drift > 0.0) else m
                        following[(k, m_next, has_defected, successes)] += p_path
                        continue
                    out["defect"] += p_path
                    if not has_defected:
                        out["first_defection"] += p_path
                    for p_out, detected, succeeded, value in _defection_outcomes(
                        overseen, detect, success, payoffs
                    ):
                        if p_out <= 0.0:
                            continue
                        p_outcome = p_path * p_out
                        out["mesa"] += p_outcome * value
                        if detected and successes < needed:
                            out["open_detect"] += p_outcome
                        if succeeded:
                            out["harm"] += p_outcome
                            if successes == needed - 1:
                                out["goal"] += p_outcome
                        count = min(successes + succeeded, needed)
                        following[(k + detected, m, True, count)] += p_outcome
        states = dict(following)
        out["intact"] = sum(p for (k, m, _, _), p in states.items() if k == 0 and m == 0)
        out["updates"] = sum(p * k for (k, _, _, _), p in states.items())
        out["clean"] = sum(p for (_, _, defected, _), p in states.items() if not defected)
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
    table = np.asarray(policy.decision_table(schedule), dtype=float).tolist()
    c = float(schedule.continue_prob)
    discount = float(payoffs.discount)

    # Expectations per episode given that the run reaches it, averaged over T.
    names = (
        "mesa",
        "goal",
        "open_detect",
        "base",
        "harm",
        "defect",
        "first_defection",
        "intact",
        "updates",
        "clean",
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
        mesa = sum(r * g * e["goal"] for r, g, e in zip(reach, weight, per_episode, strict=True))
        mesa += payoffs.v_detected * sum(
            r * g * e["open_detect"] for r, g, e in zip(reach, weight, per_episode, strict=True)
        )
    # A clean run ends with v_clean, weighted like its last episode (1 if it has none).
    if horizon:
        mesa += payoffs.v_clean * sum(
            w * g * e["clean"] for w, g, e in zip(ends, weight, per_episode, strict=True)
        )
    else:
        mesa += payoffs.v_clean
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
