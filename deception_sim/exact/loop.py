"""The forward recursion as one loop over the episodes, for one policy or a batch at once.

:mod:`deception_sim.exact.forward` solves the recursion over (phase, level)
state by state, each over the whole horizon in a few passes over memory:
what a long horizon needs, at a fixed cost of a few hundred numpy calls.
Here the *same* recursion runs the other way round: one loop over the
episodes that carries the probability of every state, with a live agent's
per-episode rates from :mod:`deception_sim.model.episode`. Its arithmetic is
written once for two kinds of number: Python floats (one policy on a short
horizon, the *scalar path* of ``evaluate``, :mod:`deception_sim.exact.scalar`)
and numpy arrays over a batch of policies
(:func:`deception_sim.exact.batch.evaluate_tables`, vectorized across the
policies).

The chains are those of :class:`deception_sim.exact.forward.Recursion`: the
plain one (``kept``), the one with the mass removed at the first defection
(``clean``) and, for the ``"any"`` utility, at the goal's success (``safe``,
one block of levels per count of successes so far). A training state is that
of an agent trained for ever (``Y``: the probability of being in training is
``P(T > t) * Y``), and the deployed states receive ``P(T = t) * Y`` when the
boundary comes. :func:`one_level` is the common case of one live level and
one success to wait for (the hard update among others), where every chain
has one state; :func:`run_loop` is every other case (partial updates,
several successes, kinds of episode).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from ..model import ObjectiveLevels, Payoffs, Schedule
from ..model.episode import DefectionRates

Seq = Sequence[Any]
"""Per-episode values: floats (one policy) or arrays over a batch of policies."""

Clip = Callable[[Any], Any]
"""``max(x, 0)`` for the kind of number the loop runs on."""


class Sums(NamedTuple):
    """The sums over episodes that make the totals (numbers, or arrays over a batch).

    ``mesa`` (with ``open``: the ``"any"`` utility's open values, already
    ``v_detected`` each), ``defects`` and ``weight`` (for ``base``) are
    weighted by reaching and discounting each episode; ``harm``,
    ``updates``, ``first`` (``p_defect``) and ``timed`` (the first
    defection's expected episode, times ``p_defect``) by reaching it;
    ``intact`` is ``p_intact``. ``first_curve`` holds the probability of the
    first defection per episode when ``v_clean`` needs it.
    """

    mesa: Any
    open: Any
    defects: Any
    harm: Any
    updates: Any
    first: Any
    timed: Any
    intact: Any
    weight: float
    first_curve: list[Any]


@dataclass(frozen=True)
class Model:
    """What the loop needs of a model, prepared once (:func:`prepare`).

    The schedule's per-episode lists (``survival[t] = P(T > t)``, ``pmf``,
    the weight of reaching and discounting each episode and the probability
    of reaching it), the window of each phase (``first``, ``last``: the
    support of the boundary), and in each phase what one defection does
    (:func:`~deception_sim.model.episode.defection_rates`: numbers in
    training, numbers or per-episode lists in deployment) and how often one
    compliance drifts the objective.
    """

    schedule: Schedule
    payoffs: Payoffs
    levels: ObjectiveLevels
    first: int
    last: int
    survival: list[float]
    pmf: list[float]
    weight: list[float]
    reach: list[float]
    total_weight: float
    train: tuple[DefectionRates, float]
    deploy: tuple[DefectionRates, Any]
    count: bool
    size: int
    """Live objective levels."""
    states: int
    """Live levels times the counts of successes to track (``"any"``, ``needed > 1``)."""
    one: tuple[Any, ...]
    """The constants of :func:`one_level`, unpacked there in one step."""


def prepare(
    schedule: Schedule,
    payoffs: Payoffs,
    levels: ObjectiveLevels,
    train: tuple[DefectionRates, float],
    deploy: tuple[DefectionRates, Any],
) -> Model:
    """A :class:`Model` from the model objects and the rates of each phase."""
    n = schedule.horizon
    c, gamma = schedule.continue_prob, payoffs.discount
    if c == 1.0 and gamma == 1.0:
        weight = reach = [1.0] * n
        total = float(n)
    else:
        reached = schedule.reach()
        weighted = reached if gamma == 1.0 else reached * gamma ** np.arange(n)
        weight, reach, total = weighted.tolist(), reached.tolist(), float(weighted.sum())
    first, last = schedule.support()
    count = payoffs.utility == "count"
    rates, drift_t = train
    rates_d, drift = deploy
    constant = isinstance(drift, float)  # a constant oversight in deployment
    gain_d: Any = rates_d.mesa if count else rates_d.success
    drift_d: Any = ([drift] * n if drift else None) if constant else drift
    survival = schedule.survival().tolist()
    pmf = schedule.train_pmf.tolist()
    timing = [r * (t + 1) for t, r in enumerate(reach)]  # reach times the episode's number
    one = (
        survival,
        pmf,
        weight,
        reach,
        timing,
        n,
        first,
        last,
        schedule.continue_prob,
        count,
        not count and payoffs.v_detected != 0.0,  # the open values count
        payoffs.v_clean != 0.0,  # the first defection's curve is needed
        rates.update,
        rates.success,
        drift_t,
        # In training the clean chain is the plain one when every defection is detected
        # and nothing else moves the objective (the hard update).
        rates.update == 1.0 and drift_t == 0.0,
        constant,
        rates_d.update,
        rates_d.success,
        rates_d.open_value,
        gain_d,
        drift_d,
    )
    return Model(
        schedule=schedule,
        payoffs=payoffs,
        levels=levels,
        first=first,
        last=last,
        survival=survival,
        pmf=pmf,
        weight=weight,
        reach=reach,
        total_weight=total,
        train=train,
        deploy=deploy,
        count=count,
        size=len(levels),
        states=len(levels) * (1 if count else payoffs.needed),
        one=one,
    )


def one_level(a_train: Seq, a_deploy: Seq, model: Model, clip: Clip) -> Sums:
    """The loop with one live level and one success to wait for: one state per chain.

    ``a_*[t]`` is the probability that the live agent defects in episode
    ``t + 1`` in that phase (with one live level, a compliance that drifts
    the objective leaves it). Where a phase's rates per defection are
    constant, the loop sums only the defections (weighted by reaching and
    discounting) and multiplies by the rates at the end.
    """
    (
        survival,
        pmf,
        weight,
        reach,
        timing,
        n,
        first,
        last,
        c,
        count,
        wants_open,
        wants_curve,
        u_t,
        s_t,
        drift_t,
        same,
        constant,
        u_d,
        s_d,
        o_d,
        gain_d,
        drift_d,
    ) = model.one
    # The chains' states: plain (k), removed at the first defection (c), removed at the
    # goal's success (s, "any"); in training for ever (y) and deployed (z).
    ky: Any = 1.0
    cy: Any = 1.0
    sy: Any = 1.0
    # Defections in training weighted by w and by r, the safe chain's weighted by w; in
    # deployment the same (or, with per-episode rates, the values themselves).
    zero: Any = 0.0
    kz = cz = sz = xw = xr = xs = yw = yr = ys = gain = harm = updates = opened = zero
    first_sum = timed = intact = zero
    curve: list[Any] = []
    for t in range(n):
        p = pmf[t]
        if p:
            kz = kz + p * ky
            cz = cz + p * cy
            if not count:
                sz = sz + p * sy
        w, r = weight[t], reach[t]
        f: Any = 0.0
        if t < last:
            a = a_train[t]
            sv = survival[t]
            x = ky * a if sv == 1.0 else sv * (ky * a)
            xw = xw + w * x
            xr = xr + r * x
            f = x if same else (cy * a if sv == 1.0 else sv * (cy * a))
            if drift_t:
                u = a * u_t
                d = (1.0 - a) * drift_t
                ky = ky * clip(1.0 - u - d)
                cy = cy * clip(1.0 - a - d)
            else:
                ky = ky * (1.0 - a * u_t)
                cy = ky if same else cy * (1.0 - a)
            if not count:
                xs = xs + w * (sv * (sy * a))
                d = (1.0 - a) * drift_t if drift_t else 0.0
                sy = sy * clip(1.0 - a * u_t - d - a * s_t)
        if t >= first:
            a = a_deploy[t]
            y = kz * a
            f = f + cz * a
            yw = yw + w * y
            if constant:
                yr = yr + r * y
                if not count:
                    ys = ys + w * (sz * a)
                u = a * u_d
                s = a * s_d
            else:
                gain = gain + w * (y * gain_d[t] if count else (sz * a) * s_d[t])
                harm = harm + r * (y * s_d[t])
                updates = updates + r * (y * u_d[t])
                if wants_open:
                    opened = opened + w * ((sz * a) * o_d[t])
                u = a * u_d[t]
                s = a * s_d[t]
            if drift_d:
                d = (1.0 - a) * drift_d[t]
                kz = kz * clip(1.0 - u - d)
                cz = cz * clip(1.0 - a - d)
                if not count:
                    sz = sz * clip(1.0 - u - d - s)
            else:
                kz = kz * (1.0 - u)
                cz = cz * (1.0 - a)
                if not count:
                    sz = sz * clip(1.0 - u - s)
        first_sum = first_sum + r * f
        timed = timed + timing[t] * f
        if wants_curve:
            curve.append(f)
        if c != 1.0:
            # P(intact after episode t): still training, or deployed (arrivals at T = t + 1).
            end = r if t == n - 1 else r * (1.0 - c)
            intact = intact + end * (survival[t + 1] * ky + (kz + pmf[t + 1] * ky))
    if c == 1.0 and n:
        intact = kz + pmf[n] * ky
    # The constant rates times the sums of defections.
    rates = model.train[0]
    if count:
        gain = gain + rates.mesa * xw
    else:
        gain = gain + s_t * xs
        if wants_open:
            opened = opened + rates.open_value * xs
    harm = harm + s_t * xr
    updates = updates + u_t * xr
    if constant:
        gain = gain + (gain_d * yw if count else s_d * ys)
        if wants_open:
            opened = opened + o_d * ys
        harm = harm + s_d * yr
        updates = updates + u_d * yr
    return Sums(
        gain, opened, xw + yw, harm, updates, first_sum, timed, intact, model.total_weight, curve
    )


# ------------------------------------------------------------------------ any number of states
@dataclass(frozen=True)
class PhaseRates:
    """A live agent's per-episode rates in one phase, ``name[level][t]``.

    ``defect`` is the probability that it defects, ``update``, ``drift`` and
    ``success`` those of the episode's moves, ``mesa`` and ``open_value`` the
    expected values (count utility; ``"any"`` while the goal is open). A
    level's entry may be shared by every level; ``None`` means 0 throughout.
    ``certain_update``: every defection here is detected.
    """

    defect: list[Seq]
    update: list[Seq] | None
    drift: list[Seq] | None
    success: list[Seq] | None
    mesa: list[Seq] | None
    open_value: list[Seq] | None
    certain_update: bool = False


_KEEP, _KILL_DEFECTION, _KILL_SUCCESS = 0, 1, 2


Program = list[tuple[int, Seq | None, list[tuple[int, Seq]]]]
"""How one phase moves one chain: per state, its probability of staying (``None``: 1)
and the states its mass flows to, with their probabilities (per episode)."""


def _program(
    rates: PhaseRates, kill: int, levels: ObjectiveLevels, counts: int, clip: Clip
) -> Program:
    """The :data:`Program` of a chain: the plain one (``kill=_KEEP``), the one removed at
    a defection, or at a success (moving it to the next count of successes until the last)."""
    size = len(levels)
    after_update, after_drift = levels.after_update.tolist(), levels.after_drift.tolist()
    program: Program = []
    for i in range(counts * size):
        block, j = divmod(i, size)
        removed = rates.defect[j] if kill == _KILL_DEFECTION else None
        u = None if kill == _KILL_DEFECTION or rates.update is None else rates.update[j]
        d = None if rates.drift is None else rates.drift[j]
        s = rates.success[j] if kill == _KILL_SUCCESS and rates.success is not None else None
        parts = [p for p in (removed, u, d, s) if p is not None]
        stay: Seq | None = None
        if len(parts) == 1:
            stay = [1.0 - x for x in parts[0]]
        elif parts:  # rounding must not make a probability negative
            stay = [clip(1.0 - sum(xs[1:], xs[0])) for xs in zip(*parts, strict=True)]
        flows: list[tuple[int, Seq]] = []
        offset = block * size
        if u is not None and 0 <= after_update[j] != j:
            flows.append((offset + after_update[j], u))
        if d is not None and 0 <= after_drift[j] != j:
            flows.append((offset + after_drift[j], d))
        if s is not None and block + 1 < counts:  # a success that does not meet the goal
            flows.append((i + size, s))
        program.append((i, stay, flows))
    return program


def _advance(x: list[Any], program: Program, t: int) -> list[Any]:
    """The states after episode ``t`` from the states ``x`` before it."""
    new: list[Any] = [0.0] * len(x)
    for i, stay, flows in program:
        xi = x[i]
        new[i] = new[i] + (xi if stay is None else stay[t] * xi)
        for target, moved in flows:
            new[target] = new[target] + moved[t] * xi
    return new


Terms = list[tuple[int, Seq]]


def _terms(seqs: list[Seq] | None, size: int, states: int, start: int = 0) -> Terms:
    """``(state, per-episode values of its level)`` for the states from ``start``."""
    if seqs is None:
        return []
    return [(i, seqs[i % size]) for i in range(start, states)]


def _dot(x: list[Any], terms: Terms, t: int) -> Any:
    """``sum_i x[i] * values_i[t]`` over the terms."""
    total: Any = 0.0
    for i, values in terms:
        total = total + x[i] * values[t]
    return total


def run_loop(train: PhaseRates, deploy: PhaseRates, model: Model, clip: Clip) -> Sums:
    """The loop over episodes for any number of live levels and counts of successes."""
    schedule, payoffs, levels = model.schedule, model.payoffs, model.levels
    n = schedule.horizon
    size = len(levels)
    counts = payoffs.needed if payoffs.utility == "any" else 1
    first, last = model.first, model.last
    survival, pmf, weight, reach = model.survival, model.pmf, model.weight, model.reach
    c = schedule.continue_prob
    count_utility = payoffs.utility == "count"
    wants_open = not count_utility and payoffs.v_detected != 0.0
    same = size == 1 and train.drift is None and train.certain_update
    goal = (counts - 1) * size  # the states with one success to go
    phases = []
    for rates in (train, deploy):
        kept_program = _program(rates, _KEEP, levels, 1, clip)
        clean_program = _program(rates, _KILL_DEFECTION, levels, 1, clip)
        safe_program = (
            None if count_utility else _program(rates, _KILL_SUCCESS, levels, counts, clip)
        )
        every = counts * size
        measures = (
            _terms(rates.defect, size, size),
            _terms(rates.mesa if count_utility else rates.success, size, every, goal),
            _terms(rates.open_value if wants_open else None, size, every),
            _terms(rates.success, size, size),
            _terms(rates.update, size, size),
        )
        phases.append((kept_program, clean_program, safe_program, measures))

    def start(states: int) -> list[Any]:
        out: list[Any] = [0.0] * states
        out[0] = 1.0
        return out

    kept_y, kept_z = start(size), [0.0] * size
    clean_y, clean_z = start(size), [0.0] * size
    safe_y: list[Any] = start(counts * size) if not count_utility else []
    safe_z: list[Any] = [0.0] * (counts * size) if not count_utility else []
    totals: list[Any] = [0.0] * 8  # mesa, open, defects, harm, updates, first, timed, intact
    curve: list[Any] = []
    for t in range(n):
        p = pmf[t]
        if p:
            kept_z = [z + p * y for z, y in zip(kept_z, kept_y, strict=True)]
            clean_z = [z + p * y for z, y in zip(clean_z, clean_y, strict=True)]
            safe_z = [z + p * y for z, y in zip(safe_z, safe_y, strict=True)]
        defects: Any = 0.0
        mesa: Any = 0.0
        harm: Any = 0.0
        updates: Any = 0.0
        first_defection: Any = 0.0
        opened: Any = 0.0
        for on, phase, y, clean, safe, scale in (
            (t < last, phases[0], kept_y, clean_y, safe_y, survival[t]),
            (t >= first, phases[1], kept_z, clean_z, safe_z, 1.0),
        ):
            if not on:
                continue
            measures = phase[3]
            defect_terms, gain_terms, open_terms, success_terms, update_terms = measures
            part = _dot(y, defect_terms, t)
            later = _dot(clean, defect_terms, t)
            gain = _dot(y if count_utility else safe, gain_terms, t)
            if wants_open:
                opened = opened + scale * _dot(safe, open_terms, t)
            if scale != 1.0:
                part, later, gain = scale * part, scale * later, scale * gain
            defects = defects + part
            first_defection = first_defection + later
            mesa = mesa + gain
            harm = harm + scale * _dot(y, success_terms, t)
            updates = updates + scale * _dot(y, update_terms, t)
        w, r = weight[t], reach[t]
        totals[0] = totals[0] + w * mesa
        totals[1] = totals[1] + w * opened
        totals[2] = totals[2] + w * defects
        totals[3] = totals[3] + r * harm
        totals[4] = totals[4] + r * updates
        totals[5] = totals[5] + r * first_defection
        totals[6] = totals[6] + (r * (t + 1)) * first_defection
        if payoffs.v_clean != 0.0:
            curve.append(first_defection)
        # The states after the episode.
        if t < last:
            kept, clean_program, safe_program, _ = phases[0]
            kept_y = _advance(kept_y, kept, t)
            clean_y = kept_y if same else _advance(clean_y, clean_program, t)
            if safe_program is not None:
                safe_y = _advance(safe_y, safe_program, t)
        if t >= first:
            kept, clean_program, safe_program, _ = phases[1]
            kept_z = _advance(kept_z, kept, t)
            clean_z = _advance(clean_z, clean_program, t)
            if safe_program is not None:
                safe_z = _advance(safe_z, safe_program, t)
        if c != 1.0:
            # P(intact after episode t): still training, or deployed (arrivals at T = t + 1).
            arrived = pmf[t + 1] * kept_y[0]
            end = r if t == n - 1 else r * (1.0 - c)
            intact = survival[t + 1] * kept_y[0] + (kept_z[0] + arrived)
            totals[7] = totals[7] + end * intact
    if c == 1.0 and n:
        totals[7] = kept_z[0] + pmf[n] * kept_y[0]
    mesa_sum, open_sum, defects_sum, harm_sum, updates_sum, first_sum, timed, intact = totals
    return Sums(
        mesa_sum,
        open_sum,
        defects_sum,
        harm_sum,
        updates_sum,
        first_sum,
        timed,
        intact,
        model.total_weight,
        curve,
    )
