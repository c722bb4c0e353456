"""The closed-form fast path of a sweep: which strategies and cells it covers.

Under the hard update with a perfect cue and a fixed boundary (the seed's
model, honeypots, discounting and an unknown horizon included), every
strategy whose declared form (:meth:`~deception_sim.strategies.Strategy.form`)
is a certain choice per cue in every episode (``Greedy``, ``Deceptive``,
``Aligned``, ``Memoryless`` with probabilities 0 and 1) and the optimal
policy have closed-form payoffs
(:mod:`deception_sim.exact.seed_model`); a sweep computes them for all such
cells of a chunk at once, as numpy arrays. This module says which strategy
behaves how there (:func:`_pattern`), fills a chunk's closed-form entries
(:func:`_closed_forms`), and guesses whether a whole sweep is closed forms
(:func:`_all_closed_form`, which makes it a cheap, serial sweep). Any other
cell, or one whose optimal choice is too close to call in floating point, is
left to the solvers.

>>> from deception_sim import Greedy
>>> from deception_sim.sweeps.grid import _grid
>>> plan = _Plan(_grid({"train": [2], "deploy": [3]}), (Greedy(),), "evaluate", 1, 0, True)
>>> _all_closed_form(plan)
True
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ..exact.seed_model import (
    DEPLOY_DEFECT,
    NEVER,
    TRAIN_DEFECT,
    _optimal_pattern,
    _seed_arrays,
    _seed_fields,
    seed_model_payoffs,
)
from ..strategies import Stationary, Strategy
from .plan import _Plan, _Solve

SAMPLE_CELLS = 4096
"""Cells looked at to decide whether a sweep is all closed forms."""

Pattern = tuple[np.ndarray, np.ndarray, np.ndarray]
"""``(kind, at, valid)`` over cells: see :func:`~deception_sim.sweeps.seed_model_payoffs`."""


def _pure_stationary(strategy: object) -> Stationary | None:
    """The strategy's declared form if it is the same certain choice per cue in every episode."""
    if not isinstance(strategy, Strategy):
        return None
    form = strategy.form()
    return form if isinstance(form, Stationary) and form.pure else None


def _pattern(strategy: object, a: dict[str, np.ndarray]) -> Pattern | None:
    """``(kind, at, valid)`` of a strategy on seed-model cells, or ``None`` (no closed form).

    Chosen by the strategy's declared form (the cue is the phase in these
    cells): a choice per phase that is the same in every episode. Defecting in
    training is caught in the first training episode (the hard update), so
    what the agent would do in deployment then no longer matters.
    """
    train, deploy = a["train"], a["deploy"]
    everywhere = np.ones(train.shape, dtype=bool)
    form = _pure_stationary(strategy)
    if form is not None:
        in_deployment = np.where(deploy >= 1, DEPLOY_DEFECT, NEVER) if form.on_deploy_cue else NEVER
        kind = (
            np.where(train >= 1, TRAIN_DEFECT, in_deployment)
            if form.on_train_cue
            else in_deployment
        )
        return np.broadcast_to(kind, train.shape).copy(), np.ones_like(train), everywhere
    if isinstance(strategy, _Solve) and strategy.information in ("known_phase", "clock"):
        return _optimal_pattern(a)
    return None


def _closed_forms(
    plan: _Plan, cells: np.ndarray, out: Mapping[str, np.ndarray], done: np.ndarray
) -> None:
    """Fill the entries of ``out`` (cells x strategies) that have closed forms; mark them done."""
    seed = _seed_arrays(plan.grid.names, plan.grid.values, plan.grid.indices(cells))
    if seed is None:
        return
    arrays, ok = seed
    rows = np.flatnonzero(ok)
    model = {name: _pick(values, rows) for name, values in arrays.items()}
    for j, strategy in enumerate(plan.strategies):
        pattern = _pattern(strategy, model)
        if pattern is None:
            continue
        kind, at, valid = pattern
        if not valid.any():
            continue
        chosen = {name: _pick(values, valid) for name, values in model.items()}
        results = seed_model_payoffs(kind[valid], at[valid], **chosen)
        target = rows[valid]
        for name, values in results.items():
            out[name][target, j] = values
        done[target, j] = True


def _pick(values: np.ndarray, which: np.ndarray) -> np.ndarray:
    """The chosen cells of an array over cells (a number stays a number)."""
    return values if np.ndim(values) == 0 else values[which]


def _all_closed_form(plan: _Plan) -> bool:
    """Whether every cell and strategy is (most likely) a closed form: a cheap sweep."""
    if not plan.closed_form or plan.mode != "evaluate":
        return False
    for name, values in zip(plan.grid.names, plan.grid.values, strict=True):
        if any(_seed_fields(name, value) is None for value in values):
            return False
    if not all(
        _pure_stationary(s) is not None or (isinstance(s, _Solve) and s.information != "memoryless")
        for s in plan.strategies
    ):
        return False
    if not any(isinstance(s, _Solve) for s in plan.strategies):
        return True
    # The optimal policy has a closed form only where its choices are clear (no
    # honeypots, no near-ties): look at an even sample of the grid.
    size = plan.grid.size
    sample = np.unique(np.linspace(0, size - 1, min(size, SAMPLE_CELLS)).astype(np.int64))
    seed = _seed_arrays(plan.grid.names, plan.grid.values, plan.grid.indices(sample))
    if seed is None or not seed[1].all():
        return False
    return bool(np.all(_optimal_pattern(seed[0])[2]))
