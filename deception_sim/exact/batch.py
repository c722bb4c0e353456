"""The forward recursion as a loop over episodes: one policy in Python floats, or many at once.

:mod:`deception_sim.exact.forward` solves the recursion over (phase, level)
with a few passes over memory per state, which is what a long horizon
needs; its fixed cost (a few hundred numpy calls) is what a short one pays.
This module runs the *same* recursion the other way round: one loop over the
episodes, carrying the probability of every state, with the per-episode
rates of a live agent from :mod:`deception_sim.model.episode`
(:func:`~deception_sim.model.episode.defection_rates`,
:func:`~deception_sim.model.episode.drift_rate` and, with kinds of episode,
:func:`~deception_sim.model.episode.agent_rates`). The loop's arithmetic is
written once for two kinds of number:

* Python floats, for one policy on a short horizon (``evaluate`` takes this
  *scalar path* when the horizon is short: :data:`SCALAR_HORIZON`);
* numpy arrays over a batch of policies (:func:`evaluate_tables`: a stack of
  decision tables evaluated in one pass, vectorized across the policies, as
  ``--all-plans`` and the memoryless solver's bracket do).

The states are those of :class:`deception_sim.exact.forward.Recursion`: the
plain chain (``kept``), the chain with the mass removed at the first
defection (``clean``) and, for the ``"any"`` utility, at the goal's success
(``safe``, one block of levels per count of successes so far). A training
state is that of an agent trained for ever (``Y``; the probability of being
in training is ``P(T > t) * Y``), and the deployed states receive
``P(T = t) * Y`` when the boundary comes.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from ..model import ObjectiveLevels, Payoffs, Schedule, UpdateRule, objective_levels
from ..model.episode import DefectionRates, agent_rates, defection_rates, drift_rate
from ..strategies import Stationary, Strategy
from .totals import Totals, clean_value

SCALAR_HORIZON = 64
"""Longest horizon that ``evaluate`` runs on the scalar path (Python floats)."""

SCALAR_STATES = 16
"""Most states (live levels times counts of successes) the scalar path carries."""

BATCH_CELLS = 1 << 21
"""About how many numbers (policies x states x episodes) one chunk of a batch holds."""

Seq = Sequence[Any]
"""Per-episode values: floats (one policy) or arrays over a batch of policies."""


@dataclass(frozen=True)
class PhaseRates:
    """A live agent's per-episode rates in one phase, ``name[level][t]``.

    ``defect`` is the probability that it defects, ``update``, ``drift`` and
    ``success`` those of the episode's moves, ``mesa`` and ``open_value`` the
    expected values (count utility; ``"any"`` while the goal is open). A
    level's entry is shared when the table is the same at every level;
    ``None`` means 0 throughout.
    """

    defect: list[Seq]
    update: list[Seq] | None
    drift: list[Seq] | None
    success: list[Seq] | None
    mesa: list[Seq] | None
    open_value: list[Seq] | None
    certain_update: bool = False


@lru_cache(maxsize=256)
def _levels(update: UpdateRule, indifference: float) -> ObjectiveLevels:
    return objective_levels(update, indifference)


def levels_of(update: UpdateRule, payoffs: Payoffs) -> ObjectiveLevels:
    """:func:`~deception_sim.model.objective_levels` of the model (remembered across calls)."""
    return _levels(update, payoffs.indifference)


@lru_cache(maxsize=512)
def _rates(overseen: float, update: UpdateRule, payoffs: Payoffs) -> tuple[DefectionRates, float]:
    """Rates per defection and per compliance at a constant oversight (remembered)."""
    return defection_rates(overseen, update, payoffs), float(drift_rate(overseen, update))


# ------------------------------------------------------------------------------ the loop
def _step(
    x: list[Any],
    rates: PhaseRates,
    t: int,
    kill: int,
    moves: tuple[list[int], list[int], int, int],
    clip: Callable[[Any], Any],
) -> list[Any]:
    """The states after episode ``t`` from the states ``x`` before it (one phase's chain).

    ``kill``: 0 keeps every live agent (the plain chain), 1 removes it at its
    defection, 2 at a success (moving it to the next count of successes until
    the last).
    """
    after_update, after_drift, size, counts = moves
    update, drift = rates.update, rates.drift
    success = rates.success if kill == 2 else None
    if kill == 1:
        update = None
    new = [0.0] * len(x)
    for i, xi in enumerate(x):
        block, j = divmod(i, size) if counts > 1 else (0, i)
        removed = rates.defect[j][t] if kill == 1 else None
        u = None if update is None else update[j][t]
        d = None if drift is None else drift[j][t]
        s = None if success is None else success[j][t]
        parts = [p for p in (removed, u, d, s) if p is not None]
        if not parts:
            new[i] = new[i] + xi
            continue
        stay = 1.0 - parts[0]
        for part in parts[1:]:
            stay = stay - part
        if len(parts) > 1:  # rounding must not make a probability negative
            stay = clip(stay)
        new[i] = new[i] + stay * xi
        offset = block * size
        if u is not None and 0 <= after_update[j] != j:
            target = offset + after_update[j]
            new[target] = new[target] + u * xi
        if d is not None and 0 <= after_drift[j] != j:
            target = offset + after_drift[j]
            new[target] = new[target] + d * xi
        if s is not None and block + 1 < counts:
            target = i + size
            new[target] = new[target] + s * xi
    return new


def _dot(x: list[Any], seqs: list[Seq] | None, t: int, size: int, start: int = 0) -> Any:
    """``sum_i x[i] * seqs[level of i][t]`` over the states from ``start``."""
    if seqs is None:
        return 0.0
    total: Any = 0.0
    for i in range(start, len(x)):
        total = total + x[i] * seqs[i % size][t]
    return total


def run_loop(
    train: PhaseRates,
    deploy: PhaseRates,
    schedule: Schedule,
    payoffs: Payoffs,
    levels: ObjectiveLevels,
    clip: Callable[[Any], Any],
) -> dict[str, Any]:
    """The sums over episodes that make the totals (see :func:`finish`)."""
    n = schedule.horizon
    size = len(levels)
    counts = payoffs.needed if payoffs.utility == "any" else 1
    moves = (levels.after_update.tolist(), levels.after_drift.tolist(), size, 1)
    safe_moves = (moves[0], moves[1], size, counts)
    first, last = schedule.support()
    survival = schedule.survival().tolist()
    pmf = schedule.train_pmf.tolist()
    c, gamma = schedule.continue_prob, payoffs.discount
    reach = None if c == 1.0 else schedule.reach().tolist()
    weight = None
    if gamma != 1.0:
        weight = (schedule.reach() * gamma ** np.arange(n)).tolist()
    elif reach is not None:
        weight = reach
    count_utility = payoffs.utility == "count"
    wants_open = not count_utility and payoffs.v_detected != 0.0
    wants_clean_path = payoffs.v_clean != 0.0

    def zeros(states: int) -> list[Any]:
        return [0.0] * states

    kept_y, kept_z = zeros(size), zeros(size)
    kept_y[0] = 1.0
    clean_y, clean_z = zeros(size), zeros(size)
    clean_y[0] = 1.0
    # In training the clean chain is the plain one when every defection is detected and
    # nothing else moves the objective (the hard update).
    same = size == 1 and train.drift is None and train.certain_update
    safe_y = safe_z = None
    if not count_utility:
        safe_y, safe_z = zeros(counts * size), zeros(counts * size)
        safe_y[0] = 1.0
    goal = (counts - 1) * size  # the states with one success to go
    sums: dict[str, Any] = dict.fromkeys(
        ("mesa", "open", "defects", "harm", "updates", "first", "timed", "intact"), 0.0
    )
    first_curve: list[Any] = []
    for t in range(n):
        p = pmf[t]
        if p:
            kept_z = [z + p * y for z, y in zip(kept_z, kept_y, strict=True)]
            clean_z = [z + p * y for z, y in zip(clean_z, clean_y, strict=True)]
            if safe_z is not None and safe_y is not None:
                safe_z = [z + p * y for z, y in zip(safe_z, safe_y, strict=True)]
        training = t < last
        deployed = t >= first
        s = survival[t]
        defects: Any = 0.0
        mesa: Any = 0.0
        harm: Any = 0.0
        updates: Any = 0.0
        first_defection: Any = 0.0
        opened: Any = 0.0
        for on, rates, y, clean, safe, scale in (
            (training, train, kept_y, clean_y, safe_y, s),
            (deployed, deploy, kept_z, clean_z, safe_z, 1.0),
        ):
            if not on:
                continue
            part = _dot(y, rates.defect, t, size)
            later = _dot(clean, rates.defect, t, size)
            if count_utility:
                gain = _dot(y, rates.mesa, t, size)
            else:
                assert safe is not None
                gain = _dot(safe, rates.success, t, size, goal)
                if wants_open:
                    opened = opened + scale * _dot(safe, rates.open_value, t, size)
            if scale != 1.0:
                part, later, gain = scale * part, scale * later, scale * gain
            defects = defects + part
            first_defection = first_defection + later
            mesa = mesa + gain
            harm = harm + scale * _dot(y, rates.success, t, size)
            updates = updates + scale * _dot(y, rates.update, t, size)
        w = 1.0 if weight is None else weight[t]
        r = 1.0 if reach is None else reach[t]
        sums["mesa"] = sums["mesa"] + w * mesa
        sums["open"] = sums["open"] + w * opened
        sums["defects"] = sums["defects"] + w * defects
        sums["harm"] = sums["harm"] + r * harm
        sums["updates"] = sums["updates"] + r * updates
        sums["first"] = sums["first"] + r * first_defection
        sums["timed"] = sums["timed"] + (r * (t + 1)) * first_defection
        if wants_clean_path:
            first_curve.append(first_defection)
        # The states after the episode.
        if training:
            kept_y = _step(kept_y, train, t, 0, moves, clip)
            clean_y = kept_y if same else _step(clean_y, train, t, 1, moves, clip)
            if safe_y is not None:
                safe_y = _step(safe_y, train, t, 2, safe_moves, clip)
        if deployed:
            kept_z = _step(kept_z, deploy, t, 0, moves, clip)
            clean_z = _step(clean_z, deploy, t, 1, moves, clip)
            if safe_z is not None:
                safe_z = _step(safe_z, deploy, t, 2, safe_moves, clip)
        if reach is not None:
            # P(intact after episode t): still training, or deployed (arrivals at T = t + 1).
            arrived = pmf[t + 1] * kept_y[0]
            intact = survival[t + 1] * kept_y[0] + (kept_z[0] + arrived)
            end = reach[t] if t == n - 1 else reach[t] * (1.0 - c)
            sums["intact"] = sums["intact"] + end * intact
    if reach is None and n:
        sums["intact"] = kept_z[0] + pmf[n] * kept_y[0]
    sums["weight"] = float(n if weight is None else sum(weight))
    sums["first_curve"] = first_curve
    return sums


def _one(rates: PhaseRates, name: str, n: int) -> Seq:
    seqs = getattr(rates, name)
    return [0.0] * n if seqs is None else seqs[0]


def _stays(rates: PhaseRates, n: int, clip: Callable[[Any], Any], safe: bool) -> tuple[Seq, ...]:
    """Per episode, the probability that a live agent stays in its (only) state: in the
    plain chain, in the chain removed at a defection, and (``safe``) at a success."""
    a = rates.defect[0]
    u = None if rates.update is None else rates.update[0]
    d = None if rates.drift is None else rates.drift[0]
    s = None if rates.success is None else rates.success[0]

    def stay(*parts: Seq | None) -> Seq:
        present = [p for p in parts if p is not None]
        if not present:
            return [1.0] * n
        if len(present) == 1:
            return [1.0 - x for x in present[0]]
        return [clip(1.0 - sum(xs[1:], xs[0])) for xs in zip(*present, strict=True)]

    return stay(u, d), stay(a, d), (stay(u, d, s) if safe else [1.0] * n)


def one_state_loop(
    train: PhaseRates,
    deploy: PhaseRates,
    schedule: Schedule,
    payoffs: Payoffs,
    clip: Callable[[Any], Any],
) -> dict[str, Any]:
    """:func:`run_loop` for one live level and one count of successes (the common case,
    the hard update among them): every chain has one state, so its step is one product."""
    n = schedule.horizon
    first, last = schedule.support()
    survival = schedule.survival().tolist()
    pmf = schedule.train_pmf.tolist()
    c, gamma = schedule.continue_prob, payoffs.discount
    ones = [1.0] * n
    reach = ones if c == 1.0 else schedule.reach().tolist()
    if gamma != 1.0:
        weight = (schedule.reach() * gamma ** np.arange(n)).tolist()
    else:
        weight = reach
    count = payoffs.utility == "count"
    wants_open = not count and payoffs.v_detected != 0.0
    safe = not count
    keep_tr, clean_tr, safe_tr = _stays(train, n, clip, safe)
    keep_dp, clean_dp, safe_dp = _stays(deploy, n, clip, safe)
    a_tr, a_dp = train.defect[0], deploy.defect[0]
    gain_tr, gain_dp = (_one(r, "mesa" if count else "success", n) for r in (train, deploy))
    open_tr, open_dp = (_one(r, "open_value", n) for r in (train, deploy))
    harm_tr, harm_dp = _one(train, "success", n), _one(deploy, "success", n)
    up_tr, up_dp = _one(train, "update", n), _one(deploy, "update", n)
    same = train.drift is None and train.certain_update
    ky: Any = 1.0
    cy: Any = 1.0
    sy: Any = 1.0
    kz: Any = 0.0
    cz: Any = 0.0
    sz: Any = 0.0
    mesa: Any = 0.0
    opened: Any = 0.0
    defects: Any = 0.0
    harm: Any = 0.0
    updates: Any = 0.0
    first_sum: Any = 0.0
    timed: Any = 0.0
    intact: Any = 0.0
    first_curve: list[Any] = []
    for t in range(n):
        p = pmf[t]
        if p:
            kz = kz + p * ky
            cz = cz + p * cy
            sz = sz + p * sy
        w, r = weight[t], reach[t]
        if t < last:
            s = survival[t]
            sky = s * ky if s != 1.0 else ky
            a = a_tr[t]
            part = sky * a
            later = (part if same else s * cy * a) if s != 1.0 else (part if same else cy * a)
            gain = (sky if count else s * sy) * gain_tr[t]
            if wants_open:
                opened = opened + w * (s * sy * open_tr[t])
            harm = harm + r * (sky * harm_tr[t])
            updates = updates + r * (sky * up_tr[t])
            ky = ky * keep_tr[t]
            cy = ky if same else cy * clean_tr[t]
            if safe:
                sy = sy * safe_tr[t]
        else:
            part = later = gain = 0.0
        if t >= first:
            a = a_dp[t]
            part = part + kz * a
            later = later + cz * a
            gain = gain + (kz if count else sz) * gain_dp[t]
            if wants_open:
                opened = opened + w * (sz * open_dp[t])
            harm = harm + r * (kz * harm_dp[t])
            updates = updates + r * (kz * up_dp[t])
            kz = kz * keep_dp[t]
            cz = cz * clean_dp[t]
            if safe:
                sz = sz * safe_dp[t]
        defects = defects + w * part
        mesa = mesa + w * gain
        first_sum = first_sum + r * later
        timed = timed + (r * (t + 1)) * later
        first_curve.append(later)
        if c != 1.0:
            # P(intact after episode t): still training, or deployed (arrivals at T = t + 1).
            arrived = pmf[t + 1] * ky
            end = r if t == n - 1 else r * (1.0 - c)
            intact = intact + end * (survival[t + 1] * ky + (kz + arrived))
    if c == 1.0 and n:
        intact = kz + pmf[n] * ky
    return {
        "mesa": mesa,
        "open": opened,
        "defects": defects,
        "harm": harm,
        "updates": updates,
        "first": first_sum,
        "timed": timed,
        "intact": intact,
        "weight": float(n if weight is ones else sum(weight)),
        "first_curve": first_curve,
    }


def finish(sums: dict[str, Any], schedule: Schedule, payoffs: Payoffs) -> Totals:
    """The totals of one policy from its sums (floats)."""
    n = schedule.horizon
    mesa = sums["mesa"]
    if payoffs.utility == "any" and payoffs.v_detected != 0.0:
        mesa = mesa + sums["open"]  # the open values are v_detected's already
    if payoffs.v_clean != 0.0:
        mesa = mesa + clean_value(np.array(sums["first_curve"], dtype=float), schedule, payoffs)
    p_defect = float(sums["first"])
    expected_first = float(sums["timed"]) / p_defect if p_defect > 0 else math.nan
    p_intact = float(sums["intact"]) if n else 1.0
    return Totals(
        mesa=float(mesa) + 0.0,  # no -0.0
        base=sums["weight"] - float(sums["defects"]),
        harm=float(sums["harm"]),
        p_intact=min(1.0, max(0.0, p_intact)),
        expected_updates=float(sums["updates"]),
        p_defect=min(1.0, p_defect),
        expected_first_defection=expected_first,
    )


# ------------------------------------------------------------------------------ the rates
def _times(values: Seq, factor: float | Seq) -> Seq | None:
    """``values[t] * factor[t]`` (``factor`` may be one number); ``None`` for the number 0."""
    if isinstance(factor, float):
        if factor == 0.0:
            return None
        if factor == 1.0:
            return values
        return [v * factor for v in values]
    return [v * f for v, f in zip(values, factor, strict=True)]


def _per_episode(x: float | np.ndarray, n: int) -> float | list[float]:
    """One number, or a per-episode array as a list."""
    if isinstance(x, np.ndarray) and x.ndim:
        return x.tolist()
    return float(x)


def _plain_rates(
    defect: list[Seq],
    overseen: float | np.ndarray,
    update: UpdateRule,
    payoffs: Payoffs,
    n: int,
) -> PhaseRates:
    """A phase's rates without kinds: a defection's and a compliance's rates times the
    probability of each (``defect[level]``, one entry if shared by every level)."""
    if isinstance(overseen, np.ndarray):
        per = defection_rates(overseen, update, payoffs)
        dr: float | list[float] = _per_episode(drift_rate(overseen, update), n)
        fields = {
            name: _per_episode(getattr(per, name), n)
            for name in ("update", "success", "mesa", "open_value")
        }
    else:
        per, drift = _rates(float(overseen), update, payoffs)
        dr = drift
        fields = {name: float(getattr(per, name)) for name in ("update", "success", "mesa")}
        fields["open_value"] = float(per.open_value)
    count = payoffs.utility == "count"
    out: dict[str, list[Seq] | None] = {}
    for name in ("update", "drift", "success", "mesa", "open_value"):
        if (name == "mesa" and not count) or (name == "open_value" and count):
            out[name] = None
            continue
        done: dict[int, Seq | None] = {}  # a table shared by every level is done once
        seqs = []
        for a in defect:
            if id(a) not in done:
                if name != "drift":
                    done[id(a)] = _times(a, fields[name])
                elif isinstance(dr, float) and dr == 0.0:
                    done[id(a)] = None
                else:
                    done[id(a)] = _times([1.0 - v for v in a], dr)
            seqs.append(done[id(a)])
        out[name] = None if seqs[0] is None else seqs  # type: ignore[assignment]
    certain = isinstance(fields["update"], float) and fields["update"] == 1.0
    return PhaseRates(defect=defect, certain_update=certain, **out)


def _mix(on_train: list[float], on_deploy: list[float], p_train_cue: float, window: slice):
    """Defection probability in a phase that shows the train cue with ``p_train_cue``
    (as :func:`deception_sim.exact.forward._mix` does over the phase's window)."""
    if p_train_cue == 1.0:
        return on_train
    if p_train_cue == 0.0:
        return on_deploy
    if on_train[window] == on_deploy[window]:
        return on_train  # a strategy that ignores the cue
    other = 1.0 - p_train_cue
    return [p_train_cue * x + other * y for x, y in zip(on_train, on_deploy, strict=True)]


def fits_scalar_path(schedule: Schedule, payoffs: Payoffs, levels: int) -> bool:
    """Whether ``evaluate`` takes the scalar path: a short horizon and few states."""
    counts = payoffs.needed if payoffs.utility == "any" else 1
    return schedule.horizon <= SCALAR_HORIZON and levels * counts <= SCALAR_STATES


def stationary_form(policy: Strategy) -> Stationary | None:
    """The policy's declared stationary form, if it has one with valid probabilities."""
    form = policy.form()
    if isinstance(form, Stationary) and all(
        0.0 <= x <= 1.0 for x in (form.on_train_cue, form.on_deploy_cue)
    ):
        return form
    return None


def scalar_totals(
    policy: Strategy,
    table: np.ndarray | None,
    schedule: Schedule,
    update: UpdateRule,
    payoffs: Payoffs,
    levels: ObjectiveLevels,
) -> Totals:
    """The totals of one policy without memory, by the loop in Python floats.

    ``table`` is the policy's checked decision table, or ``None`` when its
    declared form is :class:`~deception_sim.strategies.Stationary` (then the
    form gives the choice, and no table is built).
    """
    n = schedule.horizon
    first, last = schedule.support()
    q = schedule.cue_accuracy
    windows = (slice(0, last), slice(first, n))
    if schedule.kinds is not None:
        assert table is not None
        train, deploy = _kind_rates(table, schedule, update, payoffs, len(levels), _lists)
    else:
        if table is None:
            form = stationary_form(policy)
            assert form is not None
            cues = [([form.on_train_cue] * n, [form.on_deploy_cue] * n)]
        else:
            rows = table.tolist()
            if table.ndim == 2:
                rows = [rows]
            cues = [([r[0] for r in level], [r[1] for r in level]) for level in rows]
        per_phase = []
        for p_train_cue, window in ((q, windows[0]), (1.0 - q, windows[1])):
            mixed = [_mix(on_train, on_deploy, p_train_cue, window) for on_train, on_deploy in cues]
            per_phase.append(mixed * len(levels) if len(mixed) == 1 else mixed)
        honeypot = schedule.honeypot_rate
        deploy_overseen = honeypot if isinstance(honeypot, float) else schedule.honeypots()
        train = _plain_rates(per_phase[0], 1.0, update, payoffs, n)
        deploy = _plain_rates(per_phase[1], deploy_overseen, update, payoffs, n)
    if len(levels) == 1 and (payoffs.utility == "count" or payoffs.needed == 1):
        sums = one_state_loop(train, deploy, schedule, payoffs, _clip)
    else:
        sums = run_loop(train, deploy, schedule, payoffs, levels, _clip)
    return finish(sums, schedule, payoffs)


def _clip(x: float) -> float:
    return x if x > 0.0 else 0.0


def _lists(values: np.ndarray | float, levels: int, n: int) -> list[Seq] | None:
    """Per-level per-episode lists from an array over ``([level,] episode)``."""
    if not isinstance(values, np.ndarray):
        return None if values == 0.0 else [[float(values)] * n] * levels
    if values.ndim == 1:
        return [values.tolist()] * levels
    return values.tolist()


def _kind_rates(
    table: np.ndarray,
    schedule: Schedule,
    update: UpdateRule,
    payoffs: Payoffs,
    levels: int,
    convert: Callable[[np.ndarray | float, int, int], list[Seq] | None],
) -> tuple[PhaseRates, PhaseRates]:
    """Both phases' rates with kinds of episode: the agent's rates summed over the kinds
    (:func:`~deception_sim.model.episode.agent_rates`), for a table ``(..., N, 2, K)``."""
    kinds = schedule.kinds
    assert kinds is not None
    n = schedule.horizon
    first, last = schedule.support()
    q = schedule.cue_accuracy
    honeypot = schedule.honeypots()
    out = []
    for training in (True, False):
        window = slice(0, last) if training else slice(first, n)
        p_train_cue = q if training else 1.0 - q
        weights = kinds.train if training else kinds.deploy
        defect, overseen = [], []
        for j, kind in enumerate(kinds.kinds):
            on_train, on_deploy = table[..., 0, j], table[..., 1, j]
            defect.append(_mix_arrays(on_train, on_deploy, p_train_cue, window))
            if training:
                overseen.append(1.0)
            else:
                overseen.append(honeypot if kind.honeypot_rate is None else kind.honeypot_rate)
        rates = agent_rates(defect, overseen, weights, kinds.kinds, update, payoffs)
        certain = training and all(
            (update.detect if kind.detect is None else kind.detect) == 1.0
            for kind, weight in zip(kinds.kinds, weights, strict=True)
            if weight > 0.0
        )
        count = payoffs.utility == "count"
        fields = {
            name: convert(getattr(rates, name), levels, n)
            for name in ("update", "drift", "success")
        }
        defect_seqs = convert(rates.defect, levels, n)
        if defect_seqs is None:  # never defects: zeros
            defect_seqs = convert(np.zeros(np.shape(table[..., 0, 0])), levels, n)
        assert defect_seqs is not None
        out.append(
            PhaseRates(
                defect=defect_seqs,
                mesa=convert(rates.mesa, levels, n) if count else None,
                open_value=None if count else convert(rates.open_value, levels, n),
                certain_update=certain,
                **fields,
            )
        )
    return out[0], out[1]


def _mix_arrays(
    on_train: np.ndarray, on_deploy: np.ndarray, p_train_cue: float, window: slice
) -> np.ndarray:
    """:func:`_mix` for arrays over ``(..., episode)``: a row that ignores the cue over the
    window keeps its probabilities."""
    if p_train_cue == 1.0:
        return on_train
    if p_train_cue == 0.0:
        return on_deploy
    mixed = p_train_cue * on_train + (1.0 - p_train_cue) * on_deploy
    same = (on_train[..., window] == on_deploy[..., window]).all(axis=-1, keepdims=True)
    return np.where(same, on_train, mixed)
