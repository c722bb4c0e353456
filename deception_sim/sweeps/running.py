"""Parameter sweeps (SPEC 3.7): a grid of model parameters in, one tidy DataFrame out.

:func:`sweep` evaluates (exactly or by Monte Carlo) or optimizes every
strategy at every point of a grid of model parameters and returns one row per
(parameter point, strategy), with the parameters as columns. Parameters are
named as in the model objects (:data:`deception_sim.model.PARAMETERS`).

How the work is done:

* **Closed forms.** Under the hard update with a perfect cue and a fixed
  boundary (the seed's model, honeypots, discounting and an unknown horizon
  included), the payoffs of ``Greedy``, ``Deceptive``, ``Aligned`` and the
  optimal policy are closed-form expressions; they are computed for all such
  cells of a chunk at once, as numpy arrays (:mod:`.fast`, and
  :func:`~deception_sim.sweeps.seed_model_payoffs`). Any other cell, or a
  cell whose optimal choice is too close to call in floating point, is solved
  by :func:`~deception_sim.exact` and :func:`~deception_sim.solvers` as usual.
* **Chunks and executors.** The grid's cells (:mod:`.grid`) are numbered in
  grid order and cut into chunks of consecutive cells; chunks run serially,
  in a process pool, or on any executor with ``submit`` (a
  ``concurrent.futures`` executor, or a Dask ``distributed.Client``; see
  :mod:`.execution`).
* **Checkpoints.** With ``checkpoint=PATH`` every finished chunk is appended
  to a file (Parquet, or CSV) with the fingerprint of the sweep's arguments;
  a rerun skips the cells it finds there (see :mod:`deception_sim.sweeps.checkpoint`).

This module holds :func:`sweep` and the assembly of its rows into the table.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from .. import _validate
from ..strategies import Strategy
from .checkpoint import KEYS, Checkpoint
from .execution import (
    FAST_CHUNK,
    MAX_SLOW_CHUNK,
    Chunk,
    _check_executor,
    _execute,
    _executor,
    _progress,
    _ranges,
)
from .fast import _all_closed_form
from .grid import Column, _grid
from .plan import MODES, _Plan, _strategies, result_kinds

__all__ = ["sweep"]


def sweep(
    grid: Mapping[str, object],
    strategies: Sequence[Strategy | str] | Strategy | str | None = None,
    *,
    mode: str = "evaluate",
    runs: int = 10_000,
    seed: int = 0,
    executor: object = None,
    workers: int | None = None,
    chunk_size: int | None = None,
    checkpoint: str | os.PathLike | None = None,
    progress: bool | None = None,
    closed_form: bool = True,
) -> pd.DataFrame:
    """Evaluate, simulate or optimize strategies over a grid of model parameters.

    Parameters
    ----------
    grid:
        Parameter name -> values (a list, ``range``, array, or one value). The
        names are those of the model objects (:data:`deception_sim.model.PARAMETERS`);
        the grid is their product, in the order given, the first name varying
        slowest. Parameters not in the grid take the model's defaults.
    strategies:
        Strategy objects, or strings: the command line's short forms
        (``"greedy"``, ``"BBAAA"``, ``"memoryless:0.1,0.9"``, ...) and
        ``"optimal"`` / ``"optimal:clock"`` / ``"optimal:memoryless"``: the
        optimal policy of each cell in that information setting. Default:
        ``Greedy()`` and ``Deceptive()`` (``"optimal"`` for ``mode="optimize"``).
    mode:
        ``"evaluate"`` (exact, :func:`~deception_sim.exact`), ``"simulate"``
        (Monte Carlo with ``runs`` runs per cell and strategy, seeded from
        ``seed``, the cell and the strategy, so chunking does not change the
        numbers) or ``"optimize"`` (the solver's value, base payoff, rule and
        method; strategies must be optimal ones).
    executor:
        ``None`` (serial for small or closed-form sweeps, else a process pool),
        ``"serial"``, ``"processes"``, any object with ``submit`` (e.g. a
        ``concurrent.futures`` executor) or a Dask ``distributed.Client``.
    workers:
        Processes for the pool (default: the CPU count); 1 means serial.
    chunk_size:
        Cells per chunk (default: 65536 for closed-form sweeps, else at most 64).
    checkpoint:
        A file to append each finished chunk to (``*.csv``, or Parquet with
        ``pyarrow``); a rerun with the same arguments skips the finished cells,
        and a file written for other arguments is refused.
    progress:
        A tqdm progress bar on standard error: ``None`` shows it when standard
        error is a terminal and there is more than one chunk.
    closed_form:
        Use the seed model's closed forms where they apply (``False``: solve
        every cell, for checking them).

    Returns
    -------
    pandas.DataFrame
        One row per (cell, strategy), in grid order and then strategy order:
        the parameters, ``policy`` (the strategy's name), and the results
        (``mesa``, ``base``, ``harm``, ``p_intact``, ``expected_updates``,
        ``p_defect``, ``expected_first_defection``; with ``_se`` errors and
        ``runs`` for ``"simulate"``; ``value``, ``base``, ``rule``, ``method``
        for ``"optimize"``).

    Examples
    --------
    >>> from deception_sim import Deceptive, Greedy
    >>> table = sweep({"train": [2], "deploy": [0, 1, 3]}, [Greedy(), Deceptive()])
    >>> table[["deploy", "policy", "mesa"]]
       deploy       policy  mesa
    0       0     Greedy()   1.0
    1       0  Deceptive()   0.0
    2       1     Greedy()   1.0
    3       1  Deceptive()   1.0
    4       3     Greedy()   1.0
    5       3  Deceptive()   3.0
    """
    mode = _validate.choice("mode", mode, MODES)
    chosen = _strategies(strategies, mode)
    plan = _Plan(
        grid=_grid(grid, rows_per_cell=len(chosen), columns=len(result_kinds(mode))),
        strategies=chosen,
        mode=mode,
        runs=_validate.integer("runs", runs, minimum=1),
        seed=_validate.integer("seed", seed),
        closed_form=_flag("closed_form", closed_form),
    )
    if progress is not None:
        _flag("progress", progress)
    _check_executor(executor)
    size = plan.grid.size
    cheap = _all_closed_form(plan)
    if chunk_size is None:
        chunk_size = FAST_CHUNK if cheap else max(1, min(MAX_SLOW_CHUNK, -(-size // 16)))
    chunk_size = _validate.integer("chunk_size", chunk_size, minimum=1)

    with contextlib.ExitStack() as stack:
        store = None
        finished = None
        if checkpoint is not None:
            store = stack.enter_context(
                Checkpoint(
                    checkpoint,
                    _arguments(plan),
                    [*plan.grid.names, *KEYS, "policy", *plan.kinds()],
                    plan.kinds(),
                    len(plan.strategies),
                    cells=size,
                    labels=lambda cells, strategies: _labels(plan, cells, strategies),
                )
            )
            finished = store.load()  # holds the checkpoint's lock until the sweep ends
        try:
            parts = _run(plan, finished, store, chunk_size, executor, workers, cheap, progress)
        except BaseException:
            if store is not None:
                store.discard_if_new()  # a checkpoint this call created, with nothing in it
            raise
    return _assemble(plan, parts)


def _flag(name: str, value: object) -> bool:
    """``value`` if it is ``True`` or ``False`` (a string such as ``"no"`` is not)."""
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name} must be True or False, got {value!r}")
    return bool(value)


def _run(
    plan: _Plan,
    finished: pd.DataFrame | None,
    store: Checkpoint | None,
    chunk_size: int,
    executor: object,
    workers: int | None,
    cheap: bool,
    progress: bool | None,
) -> list[Chunk]:
    """Compute the cells not in ``finished``; the chunks (``finished`` first), to assemble."""
    size = plan.grid.size
    done_cells = (
        np.unique(finished["_cell"].to_numpy()) if finished is not None else np.zeros(0, int)
    )
    done_cells = done_cells[done_cells < size]
    todo = np.setdiff1d(np.arange(size, dtype=np.int64), done_cells, assume_unique=True)
    ranges = _ranges(todo, chunk_size)
    pairs = int(todo.size) * len(plan.strategies)
    pool, parallel, own = _executor(executor, workers, cheap, pairs, plan.mode)
    bar = _progress(progress, size, size - int(todo.size), len(ranges))
    parts: list[Chunk] = []

    def finish(result: Chunk) -> None:
        if store is not None:
            store.append(_frame(plan, result))
        parts.append(result)
        if bar is not None:
            bar.update(len(result["_cell"]) // len(plan.strategies))

    try:
        _execute(plan, ranges, pool, max(2, 2 * parallel), finish)
    finally:
        if bar is not None:
            bar.close()
        if own and pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
    if finished is not None and len(finished):
        parts.insert(0, {name: finished[name].to_numpy() for name in finished.columns})
    return parts


def _arguments(plan: _Plan) -> dict[str, object]:
    """What determines a sweep's rows: the checkpoint's fingerprint is a hash of it."""
    arguments: dict[str, object] = {
        "format": 1,
        "grid": plan.grid.canonical(),
        "strategies": [repr(s) for s in plan.strategies],
        "mode": plan.mode,
    }
    if plan.mode == "simulate":
        arguments["runs"] = plan.runs
        arguments["seed"] = plan.seed
    return arguments


def _labels(plan: _Plan, cells: np.ndarray, strategies: np.ndarray) -> dict[str, Column]:
    """The parameter and policy columns that rows with these keys hold (in a checkpoint)."""
    columns = plan.grid.columns(cells)
    columns["policy"] = np.array([s.name for s in plan.strategies], dtype=object)[strategies]
    return columns


def _frame(plan: _Plan, result: Chunk) -> pd.DataFrame:
    """Rows with their parameters, for the checkpoint."""
    cells, count = result["_cell"], len(plan.strategies)
    strategy = result["_strategy"]
    # Rows come cell by cell with every strategy in order (chunks, and sorted checkpoints).
    by_cell = (
        cells.size % count == 0
        and np.array_equal(strategy, np.tile(np.arange(count), cells.size // count))
        and np.array_equal(cells, np.repeat(cells[::count], count))
    )
    if by_cell:
        columns: dict[str, Column] = plan.grid.columns(cells[::count], repeat=count)
    else:
        columns = plan.grid.columns(cells)
    columns.update({name: result[name] for name in KEYS})
    names = pd.array([s.name for s in plan.strategies], dtype="str")
    columns["policy"] = names.take(strategy)
    columns.update({name: result[name] for name in plan.kinds()})
    return pd.DataFrame(columns, copy=False)


def _assemble(plan: _Plan, parts: list[Chunk]) -> pd.DataFrame:
    """The table of a sweep from its chunks (and a checkpoint's rows), in grid order."""
    kinds = plan.kinds()
    if parts:
        merged = {name: np.concatenate([p[name] for p in parts]) for name in (*KEYS, *kinds)}
    else:
        merged = {name: np.zeros(0, dtype=np.int64) for name in (*KEYS, *kinds)}
    cell, strategy = merged["_cell"], merged["_strategy"]
    if cell.size > 1:
        ordered = (np.diff(cell) > 0) | ((np.diff(cell) == 0) & (np.diff(strategy) > 0))
        if not ordered.all():
            order = np.lexsort((strategy, cell))
            merged = {name: values[order] for name, values in merged.items()}
    table = _frame(plan, merged)
    table = table.drop(columns=list(KEYS))
    for name, kind in kinds.items():
        if kind == "str":
            table[name] = pd.array(merged[name].astype(str), dtype="str")
    return table
