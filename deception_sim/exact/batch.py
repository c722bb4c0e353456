"""Exact evaluation of many policies at once, and the model the loop over episodes reads.

:func:`evaluate_tables` takes a stack of decision tables and evaluates them
all in one pass, vectorized across the policies (numpy arrays over the batch,
one loop over the episodes of :mod:`deception_sim.exact.loop`, fed with a
live agent's rates from :mod:`deception_sim.model.episode`):
``deception-sim evaluate --all-plans`` and the memoryless solver's bracket
use it. :func:`model_of` prepares a model's per-episode lists once, and the
rates functions turn choices into a phase's rates; ``evaluate``'s scalar path
(:mod:`deception_sim.exact.scalar`) reads them too.

It agrees with :mod:`deception_sim.exact.forward` to rounding; the tests
check it over random models (``tests/test_batch.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

import numpy as np

from ..model import ObjectiveLevels, Payoffs, Schedule, UpdateRule, objective_levels
from ..model.episode import (
    DefectionRates,
    agent_rates,
    defection_rates,
    detected_for_sure,
    drift_rate,
    kind_oversight,
)
from ..model.measures import RESULT
from . import forward, totals
from .loop import Model, PhaseRates, Seq, Sums, one_level, prepare, run_loop
from .totals import clean_value

BATCH_CELLS = 1 << 21
"""About how many numbers (policies x episodes x per-episode rates) one chunk of a batch
holds; a larger batch is evaluated chunk by chunk."""


@lru_cache(maxsize=256)
def _levels(update: UpdateRule, indifference: float) -> ObjectiveLevels:
    return objective_levels(update, indifference)


def levels_of(update: UpdateRule, payoffs: Payoffs) -> ObjectiveLevels:
    """:func:`~deception_sim.model.objective_levels` of the model (remembered across calls)."""
    return _levels(update, payoffs.indifference)


@lru_cache(maxsize=512)
def _constant_rates(
    overseen: float, update: UpdateRule, payoffs: Payoffs
) -> tuple[DefectionRates, float]:
    """What a defection does, and how often a compliance drifts, at a constant oversight."""
    return defection_rates(overseen, update, payoffs), float(drift_rate(overseen, update))


def _phase_model(
    overseen: float | np.ndarray, update: UpdateRule, payoffs: Payoffs
) -> tuple[DefectionRates, float | list[float]]:
    """:func:`_constant_rates`, or per-episode lists (every one) for a per-episode oversight."""
    if not isinstance(overseen, np.ndarray):
        return _constant_rates(float(overseen), update, payoffs)
    rates = defection_rates(overseen, update, payoffs)

    def listed(x: Any) -> list[float]:
        return np.broadcast_to(np.asarray(x, dtype=float), overseen.shape).tolist()

    fields: dict[str, Any] = {name: listed(value) for name, value in vars(rates).items()}
    return DefectionRates(**fields), listed(drift_rate(overseen, update))


def _deploy_oversight(schedule: Schedule) -> float | np.ndarray:
    honeypot = schedule.honeypot_rate
    return honeypot if isinstance(honeypot, float) else schedule.honeypots()


def _counts(payoffs: Payoffs) -> int:
    return payoffs.needed if payoffs.utility == "any" else 1


def model_of(schedule: Schedule, update: UpdateRule, payoffs: Payoffs) -> Model:
    """The loop's :class:`~deception_sim.exact.loop.Model` of these model objects.

    Prepared once per model for short horizons: the model objects are
    immutable, so a few recent ones are remembered by identity (with the
    objects themselves, so that an identity is never reused while remembered).
    """
    key = (id(schedule), id(update), id(payoffs))
    hit = _PREPARED.get(key)
    if hit is not None and hit[0] is schedule and hit[1] is update and hit[2] is payoffs:
        return hit[3]
    model = prepare(
        schedule,
        payoffs,
        levels_of(update, payoffs),
        _constant_rates(1.0, update, payoffs),
        _phase_model(_deploy_oversight(schedule), update, payoffs),
    )
    if schedule.horizon <= REMEMBERED_HORIZON:
        if len(_PREPARED) >= _REMEMBERED:
            del _PREPARED[next(iter(_PREPARED))]
        _PREPARED[key] = (schedule, update, payoffs, model)
    return model


REMEMBERED_HORIZON = 512
"""Models of horizons up to this are prepared once and remembered (short models are
evaluated over and over, and preparing one costs about as much as evaluating it)."""

_REMEMBERED = 16
_PREPARED: dict[tuple[int, int, int], tuple[Schedule, UpdateRule, Payoffs, Model]] = {}


# ----------------------------------------------------------------------------- the rates
def _mix(on_train: list[float], on_deploy: list[float], p_train_cue: float, window: slice):
    """Defection probability in a phase that shows the train cue with ``p_train_cue``, as
    :func:`deception_sim.exact.forward._mix` over the phase's window."""
    if p_train_cue == 1.0:
        return on_train
    if p_train_cue == 0.0:
        return on_deploy
    if on_train[window] == on_deploy[window]:
        return on_train  # a strategy that ignores the cue
    other = 1.0 - p_train_cue
    return [p_train_cue * x + other * y for x, y in zip(on_train, on_deploy, strict=True)]


def _times(values: Seq, factor: Any) -> Seq | None:
    """``values[t] * factor[t]`` (``factor`` may be one number); ``None`` for the number 0."""
    if isinstance(factor, float):
        if factor == 0.0:
            return None
        if factor == 1.0:
            return values
        return [v * factor for v in values]
    return [v * f for v, f in zip(values, factor, strict=True)]


def _plain_rates(defect: list[Seq], model: tuple[DefectionRates, Any], n: int) -> PhaseRates:
    """A phase's rates without kinds: what a defection and a compliance do, times the
    probability of each (``defect[level]``; an entry shared by levels is done once)."""
    rates, drift = model
    names = ("update", "success", "mesa", "open_value")
    done: dict[int, dict[str, Seq | None]] = {}
    for a in defect:
        if id(a) not in done:
            entry = {name: _times(a, getattr(rates, name)) for name in names}
            if isinstance(drift, float) and drift == 0.0:
                entry["drift"] = None
            else:
                entry["drift"] = _times([1.0 - v for v in a], drift)
            done[id(a)] = entry

    def per_level(name: str) -> list[Seq] | None:
        seqs = [done[id(a)][name] for a in defect]
        return None if seqs[0] is None else seqs  # type: ignore[return-value]

    certain = isinstance(rates.update, float) and rates.update == 1.0
    return PhaseRates(
        defect=defect,
        update=per_level("update"),
        drift=per_level("drift"),
        success=per_level("success"),
        mesa=per_level("mesa"),
        open_value=per_level("open_value"),
        certain_update=certain,
    )


def _lists(values: Any, levels: int, n: int) -> list[Seq] | None:
    """Per-level per-episode lists of floats from an array over ``([level,] episode)``."""
    if not isinstance(values, np.ndarray):
        return None if values == 0.0 else [[float(values)] * n] * levels
    if values.ndim == 1:
        return [values.tolist()] * levels
    return values.tolist()


def _columns(values: Any, levels: int, n: int) -> list[Seq] | None:
    """Per-level per-episode arrays over the batch from an array over
    ``(policy, [level,] episode)`` (an episode axis of length one: the same in every
    episode)."""
    if not isinstance(values, np.ndarray):
        return None if values == 0.0 else [[float(values)] * n] * levels
    if values.ndim == 2 and values.shape[1] == 1 and n != 1:  # the same in every episode
        return [[values[:, 0]] * n] * levels
    if values.ndim == 2:
        return [list(np.ascontiguousarray(values.T))] * levels
    return [list(np.ascontiguousarray(values[:, j].T)) for j in range(values.shape[1])]


def _kind_rates(
    table: np.ndarray,
    schedule: Schedule,
    update: UpdateRule,
    payoffs: Payoffs,
    levels: int,
    convert: Callable[[Any, int, int], list[Seq] | None],
) -> tuple[PhaseRates, PhaseRates]:
    """Both phases' rates with kinds of episode: the agent's rates summed over the kinds
    (:func:`~deception_sim.model.episode.agent_rates`), for tables ``(..., N, 2, K)``."""
    kinds = schedule.kinds
    assert kinds is not None
    n = schedule.horizon
    first, last = schedule.support()
    q = schedule.cue_accuracy
    honeypot = _deploy_oversight(schedule)  # one number when constant (its rates are kept)
    scalar = convert is _lists
    per_level = table.ndim == (4 if scalar else 5)
    rows = table.tolist() if scalar and not per_level else None  # [episode][cue][kind]
    out = []
    for training in (True, False):
        window = slice(0, last) if training else slice(first, n)
        p_train_cue = q if training else 1.0 - q
        weights = kinds.train if training else kinds.deploy
        defect: list[Any] = []
        for j in range(len(kinds.kinds)):
            # (Not against per-episode rates of oversight, which keep the episode axis.)
            constant = not per_level and (training or not isinstance(honeypot, np.ndarray))
            if rows is not None:  # one policy: in Python floats
                mixed = _mix([r[0][j] for r in rows], [r[1][j] for r in rows], p_train_cue, window)
                part = mixed[window]
                if constant and part and part.count(part[0]) == len(part):
                    defect.append(float(part[0]))
                else:
                    defect.append(np.array(mixed))
            else:
                on_train, on_deploy = table[..., 0, j], table[..., 1, j]
                a = _mix_arrays(on_train, on_deploy, p_train_cue, window)
                defect.append(_constant_in(a, window) if constant else a)
        overseen = kind_oversight(kinds.kinds, training, honeypot)
        rates = agent_rates(defect, overseen, weights, kinds.kinds, update, payoffs)
        certain = training and detected_for_sure(update, payoffs, kinds.kinds, weights)
        count = payoffs.utility == "count"
        defect_seqs = convert(rates.defect, levels, n) or [[0.0] * n] * levels
        out.append(
            PhaseRates(
                defect=defect_seqs,
                update=convert(rates.update, levels, n),
                drift=convert(rates.drift, levels, n),
                success=convert(rates.success, levels, n),
                mesa=convert(rates.mesa, levels, n) if count else None,
                open_value=None if count else convert(rates.open_value, levels, n),
                certain_update=certain,
            )
        )
    return out[0], out[1]


def _constant_in(a: np.ndarray, window: slice) -> Any:
    """``a`` over ``(..., episode)`` as its value at the window's start where it is the same
    over the whole window (a number for one policy, an array over a batch), else ``a``: a
    constant choice makes every rate one number (or one per policy, on an episode axis of
    length one)."""
    part = a[..., window]
    if part.shape[-1] == 0:
        return a
    start = part[..., 0]
    if not (part == start[..., None]).all():
        return a
    return float(start) if np.ndim(start) == 0 else start[..., None]


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


# ------------------------------------------------------------------------ many policies
def check_tables(tables: object, schedule: Schedule, levels: int) -> np.ndarray:
    """A stack of decision tables as a float array, checked: shape and probabilities.

    Each table has a shape :func:`~deception_sim.strategies.checked_table`
    accepts: ``(N, 2)`` or ``(levels, N, 2)``, with kinds ``(N, 2, K)`` or
    ``(levels, N, 2, K)`` (a table without the kind axis plays the same in
    every kind); the stack puts the policies first.

    >>> check_tables(np.zeros((3, 2, 2)), Schedule.fixed(1, 1), 1).shape
    (3, 2, 2)
    """
    array = np.asarray(tables, dtype=float)
    n = schedule.horizon
    plain = [(n, 2), (levels, n, 2)]
    count = None if schedule.kinds is None else len(schedule.kinds)
    allowed = plain if count is None else [*plain, (n, 2, count), (levels, n, 2, count)]
    if array.ndim < 3 or array.shape[1:] not in allowed:
        shapes = " or ".join(f"(policies, {', '.join(map(str, s))})" for s in allowed)
        raise ValueError(f"tables must have shape {shapes}, got {array.shape}")
    if array.size and not (np.isfinite(array).all() and array.min() >= 0.0 and array.max() <= 1.0):
        raise ValueError("tables must hold probabilities: finite numbers in [0, 1]")
    if count is not None and array.shape[1:] in plain:
        array = np.broadcast_to(array[..., None], (*array.shape, count))
    return array


def evaluate_tables(
    tables: object, schedule: Schedule, update: UpdateRule, payoffs: Payoffs
) -> dict[str, np.ndarray]:
    """The exact results of a stack of decision tables (policies without memory), at once.

    Returns one array over the policies per measure of
    :data:`deception_sim.model.measures.RESULT`, each equal (to rounding) to
    what :func:`deception_sim.evaluate` gives for that policy alone. The
    loop over episodes is vectorized across the policies, so this is for
    many policies on a short or moderate horizon (all plans of a short
    horizon, a solver's bracket of candidates); the batch is cut into chunks
    of about :data:`BATCH_CELLS` numbers.

    >>> from deception_sim import HardUpdate, Payoffs, Schedule
    >>> plans = np.array([[[1.0, 1.0]] * 5, [[0.0, 0.0]] * 2 + [[1.0, 1.0]] * 3])
    >>> evaluate_tables(plans, Schedule.fixed(2, 3), HardUpdate(), Payoffs())["mesa"].tolist()
    [1.0, 3.0]
    """
    model = model_of(schedule, update, payoffs)
    array = check_tables(tables, schedule, model.size)
    size = array.shape[0]
    if not _loop_pays(schedule.horizon, model.states, size):
        # A long horizon and few policies: each on the forward recursion (vectorized over
        # the episodes) costs less than a loop over the episodes.
        found = [totals.totals(forward.run(table, schedule, update, payoffs)) for table in array]
        return {name: np.array([getattr(t, name) for t in found]) for name in RESULT}
    per_policy = max(1, schedule.horizon * model.size * 8)
    chunk = max(1, BATCH_CELLS // per_policy)
    parts = [
        _evaluate_chunk(array[start : start + chunk], update, model)
        for start in range(0, size, chunk)
    ]
    if not parts:
        return {name: np.zeros(0) for name in RESULT}
    return {name: np.concatenate([part[name] for part in parts]) for name in RESULT}


def _loop_pays(horizon: int, states: int, policies: int) -> bool:
    """Whether the loop over episodes (vectorized across the policies) costs less than the
    forward recursion once per policy, by a rough model of both: the loop makes about 30
    numpy calls per episode and state (a microsecond each, plus the policies' numbers);
    the recursion costs a few hundred microseconds, plus about 30 passes over memory per
    state."""
    loop = horizon * 30 * states * (1e-6 + 2e-9 * policies)
    recursion = policies * (4e-4 + 60e-9 * horizon * states)
    return loop <= recursion


def _evaluate_chunk(tables: np.ndarray, update: UpdateRule, model: Model) -> dict[str, np.ndarray]:
    schedule, payoffs = model.schedule, model.payoffs
    n = schedule.horizon
    size = model.size
    batch = tables.shape[0]
    if schedule.kinds is not None:
        if tables.ndim == 5 and size == 1:
            tables = tables[:, 0]
        train, deploy = _kind_rates(tables, schedule, update, payoffs, size, _columns)
        return finish_batch(run_loop(train, deploy, model, _clip_array), model, batch)
    if tables.ndim == 4 and size == 1:
        tables = tables[:, 0]
    q = schedule.cue_accuracy
    on_train, on_deploy = tables[..., 0], tables[..., 1]
    a_train = _mix_arrays(on_train, on_deploy, q, slice(0, model.last))
    a_deploy = _mix_arrays(on_train, on_deploy, 1.0 - q, slice(model.first, n))
    if model.states == 1:
        columns_train = list(np.ascontiguousarray(a_train.T))
        columns_deploy = list(np.ascontiguousarray(a_deploy.T))
        sums = one_level(columns_train, columns_deploy, model, _clip_array)
        return finish_batch(sums, model, batch)
    defect_train = _columns(a_train, size, n)
    defect_deploy = _columns(a_deploy, size, n)
    assert defect_train is not None and defect_deploy is not None
    train = _plain_rates(defect_train, model.train, n)
    deploy = _plain_rates(defect_deploy, model.deploy, n)
    return finish_batch(run_loop(train, deploy, model, _clip_array), model, batch)


def _clip_array(x: Any) -> Any:
    return np.maximum(x, 0.0)


def finish_batch(sums: Sums, model: Model, batch: int) -> dict[str, np.ndarray]:
    """The totals of a batch of policies from their sums (arrays over the batch)."""
    schedule, payoffs = model.schedule, model.payoffs

    def full(x: Any) -> np.ndarray:
        return np.broadcast_to(np.asarray(x, dtype=float), (batch,)).copy()

    mesa = full(sums.mesa)
    if payoffs.utility == "any" and payoffs.v_detected != 0.0:
        mesa = mesa + full(sums.open)
    if payoffs.v_clean != 0.0:
        curve = np.array([full(x) for x in sums.first_curve]).reshape(-1, batch)
        mesa = mesa + np.array([clean_value(curve[:, i], schedule, payoffs) for i in range(batch)])
    p_defect = full(sums.first)
    timed = full(sums.timed)
    with np.errstate(invalid="ignore", divide="ignore"):
        expected_first = np.where(
            p_defect > 0, timed / np.where(p_defect > 0, p_defect, 1.0), np.nan
        )
    p_intact = full(sums.intact) if schedule.horizon else np.ones(batch)
    return {
        "mesa": mesa + 0.0,
        "base": sums.weight - full(sums.defects),
        "harm": full(sums.harm),
        "p_intact": np.clip(p_intact, 0.0, 1.0),
        "expected_updates": full(sums.updates),
        "p_defect": np.minimum(p_defect, 1.0),
        "expected_first_defection": expected_first,
    }
