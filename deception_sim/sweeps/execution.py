"""Running a sweep's chunks: computing one chunk, executors, progress, and the run loop.

The grid's cells are numbered in grid order and cut into chunks of
consecutive cells (:func:`_ranges`). A chunk is computed by
:func:`_run_chunk`: closed forms where they apply (:mod:`.fast`), the exact
evaluator, Monte Carlo or the solvers elsewhere (:func:`_solve_one`). Chunks
run serially, in a process pool, or on any executor with ``submit`` (a
``concurrent.futures`` executor, or a Dask ``distributed.Client``); the run
loop (:func:`_execute`) keeps a few chunks in flight and hands each finished
one back in order of completion.

>>> _ranges(np.array([0, 1, 2, 3, 4, 7, 8]), 2)
[(0, 2), (2, 4), (4, 5), (7, 9)]
"""

from __future__ import annotations

import concurrent.futures as cf
import itertools
import os
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Protocol, cast

import numpy as np

from .. import _validate
from ..exact import evaluate
from ..model import Payoffs, Schedule, UpdateRule, build_model
from ..model.measures import MEASURES, clip
from ..montecarlo import simulate
from ..solvers import optimize
from .fast import _closed_forms
from .plan import EXACT_COLUMNS, _Plan, _Solve

if TYPE_CHECKING:
    from tqdm import tqdm

Chunk = dict[str, np.ndarray]
"""The rows of a chunk: ``_cell``, ``_strategy`` and the result columns, cell-major."""

Row = dict[str, float | int | str]
"""The results of one (cell, strategy), by column."""

SERIAL_BELOW = {"evaluate": 256, "simulate": 16, "optimize": 32}
"""Sweeps with fewer (cell, strategy) pairs to solve than this run in the calling process."""

FAST_CHUNK = 1 << 16
"""Cells per chunk when every cell has a closed form."""

MAX_SLOW_CHUNK = 64
"""Most cells per chunk otherwise (a kill loses at most the chunks in flight)."""


class _DaskClient(Protocol):
    """What a sweep uses of a ``distributed.Client``."""

    def nthreads(self) -> dict[str, int]: ...

    def get_executor(self) -> cf.Executor: ...


# ---------------------------------------------------------------------------- one chunk
def _run_chunk(plan: _Plan, start: int, stop: int) -> Chunk:
    """The rows of cells ``start..stop-1``: keys and result columns, cell-major."""
    return _compute(plan, np.arange(start, stop, dtype=np.int64))


def _compute(plan: _Plan, cells: np.ndarray) -> Chunk:
    """The rows of the given cells: closed forms where they apply, :func:`_solve_one` elsewhere."""
    n, count = cells.shape[0], len(plan.strategies)
    out: dict[str, np.ndarray] = {}
    for name, kind in plan.kinds().items():
        if kind == "float":
            out[name] = np.full((n, count), np.nan)
        elif kind == "int":
            out[name] = np.zeros((n, count), dtype=np.int64)
        else:
            out[name] = np.full((n, count), "", dtype=object)
    done = np.zeros((n, count), dtype=bool)
    if plan.closed_form and plan.mode == "evaluate":
        _closed_forms(plan, cells, out, done)
    models: dict[int, tuple[Schedule, UpdateRule, Payoffs]] = {}
    for i, j in zip(*np.nonzero(~done), strict=True):
        if i not in models:
            models[i] = build_model(plan.grid.params(int(cells[i])), where="grid")
        row = _solve_one(plan, int(cells[i]), int(j), *models[i])
        for name, value in row.items():
            out[name][i, j] = value
    for name, values in out.items():
        if name in MEASURES and values.dtype.kind == "f" and values.size:
            # Rounding can leave a closed form a hair outside its range (see measures.clip).
            finite = values[np.isfinite(values)]
            scale = float(np.abs(finite).max()) if finite.size else 1.0
            out[name] = np.asarray(clip(name, values, scale))
    rows: Chunk = {
        "_cell": np.repeat(cells, count),
        "_strategy": np.tile(np.arange(count, dtype=np.int64), n),
    }
    rows.update({name: values.reshape(-1) for name, values in out.items()})
    return rows


def _solve_one(
    plan: _Plan, cell: int, j: int, schedule: Schedule, update: UpdateRule, payoffs: Payoffs
) -> Row:
    """The results of strategy ``j`` in one cell (whose model is given)."""
    strategy = plan.strategies[j]
    if plan.mode == "optimize":
        assert isinstance(strategy, _Solve)  # the only strategies of this mode
        solution = optimize(schedule, update, payoffs, strategy.information)
        return {
            "value": solution.value,
            "base": solution.base,
            "rule": solution.policy.rule(),
            "method": solution.method,
        }
    policy = (
        optimize(schedule, update, payoffs, strategy.information).policy
        if isinstance(strategy, _Solve)
        else strategy
    )
    if plan.mode == "evaluate":
        result = evaluate(policy, schedule, update, payoffs)
        return {name: getattr(result, name) for name in EXACT_COLUMNS}
    # One stream per (cell, strategy): the same numbers however the grid is chunked.
    stream = np.random.SeedSequence(plan.seed, spawn_key=(cell, j))
    estimate = simulate(
        policy,
        schedule,
        update,
        payoffs,
        runs=plan.runs,
        seed=np.random.default_rng(stream),
        curves=False,
    )
    row = estimate.summary()
    return {name: row[name] for name in plan.kinds()}


# ---------------------------------------------------------------------------- executors
def _executor(
    executor: object, workers: int | None, cheap: bool, pairs: int, mode: str
) -> tuple[cf.Executor | None, int, bool]:
    """``(executor or None for serial, parallelism, shut it down afterwards?)``."""
    if workers is not None:
        workers = _validate.integer("workers", workers, minimum=1)
    if executor is None:
        if cheap or workers == 1 or (workers is None and pairs < SERIAL_BELOW[mode]):
            return None, 1, False
        executor = "processes"
    if executor == "serial":
        return None, 1, False
    if executor == "processes":
        count = workers or os.cpu_count() or 1
        if count == 1:
            return None, 1, False
        return cf.ProcessPoolExecutor(max_workers=count, initializer=_one_thread_each), count, True
    if type(executor).__module__.split(".")[0] == "distributed" and hasattr(
        executor, "get_executor"
    ):  # a dask.distributed Client: its concurrent.futures face
        client = cast(_DaskClient, executor)
        threads = sum(client.nthreads().values()) or 1
        return client.get_executor(), workers or threads, False
    if callable(getattr(executor, "submit", None)):
        count = workers or getattr(executor, "_max_workers", None) or os.cpu_count() or 1
        return cast(cf.Executor, executor), count, False
    raise ValueError(
        "executor must be None, 'serial', 'processes', a concurrent.futures.Executor or a "
        f"dask.distributed Client, got {executor!r}"
    )


BLAS_VARIABLES = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "BLIS_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
)
"""Environment variables that cap the threads of the numerical libraries loaded later."""


def _one_thread_each() -> None:
    """A pool worker's start: one BLAS/OpenMP thread in this process.

    A pool of ``k`` processes on ``k`` cores then uses ``k`` threads, not
    ``k`` times the cores (each process's BLAS would start a thread per
    core). Libraries already loaded (numpy's BLAS, inherited on ``fork``)
    are capped by ``threadpoolctl``; those a chunk loads later (scipy's own
    BLAS) read the environment. A Dask worker does the same by default
    (``distributed.nanny.pre-spawn-environ``); an executor the caller passes
    in is the caller's to configure.
    """
    for name in BLAS_VARIABLES:
        os.environ[name] = "1"
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1)  # for the rest of this process's life


def _check_executor(executor: object) -> None:
    """Refuse an executor :func:`_executor` could not use (before any work starts)."""
    if executor is None or executor in ("serial", "processes"):
        return
    if callable(getattr(executor, "submit", None)) or (
        type(executor).__module__.split(".")[0] == "distributed"
        and hasattr(executor, "get_executor")
    ):
        return
    raise ValueError(
        "executor must be None, 'serial', 'processes', a concurrent.futures.Executor or a "
        f"dask.distributed Client, got {executor!r}"
    )


def _progress(show: bool | None, total: int, initial: int, chunks: int) -> tqdm | None:
    """A progress bar (a widget in a notebook, else on standard error), or ``None``.

    ``show=None`` shows one for a sweep of several chunks in a notebook or a terminal.
    """
    notebook = _in_notebook()
    if show is None:
        show = chunks > 1 and (notebook or (sys.stderr is not None and sys.stderr.isatty()))
    if not show:
        return None
    from .._optional import require

    require("tqdm", "sweep", what="a sweep's progress bar")
    if notebook:
        try:
            import ipywidgets  # noqa: F401  (tqdm's notebook bar is a widget)
            from tqdm.auto import tqdm as bar

            return cast("tqdm", bar(total=total, initial=initial, unit="cell", desc="sweep"))
        except ImportError:  # no widgets: the text bar, which a notebook shows too
            pass
    from tqdm import tqdm

    return tqdm(total=total, initial=initial, unit="cell", desc="sweep", file=sys.stderr)


def _in_notebook() -> bool:
    """Whether this runs in a Jupyter kernel (IPython's ZMQ shell)."""
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return False
    shell = ipython.get_ipython()
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"


def _ranges(todo: np.ndarray, size: int) -> list[tuple[int, int]]:
    """Consecutive runs of the unfinished cells, cut into chunks of at most ``size``."""
    if todo.size == 0:
        return []
    breaks = np.flatnonzero(np.diff(todo) != 1) + 1
    out: list[tuple[int, int]] = []
    for run in np.split(todo, breaks):
        first, last = int(run[0]), int(run[-1]) + 1
        out.extend((s, min(s + size, last)) for s in range(first, last, size))
    return out


# ---------------------------------------------------------------------------- the run loop
def _execute(
    plan: _Plan,
    ranges: Sequence[tuple[int, int]],
    pool: cf.Executor | None,
    in_flight: int,
    finish: Callable[[Chunk], None],
) -> None:
    """Compute the chunks ``ranges`` (serially without a pool) and ``finish`` each in turn."""
    if pool is None:
        for start, stop in ranges:
            finish(_run_chunk(plan, start, stop))
        return
    waiting = iter(ranges)
    pending: dict[cf.Future[Chunk], tuple[int, int]] = {}

    def submit(span: tuple[int, int]) -> None:
        pending[pool.submit(_run_chunk, plan, *span)] = span

    try:
        for span in itertools.islice(waiting, in_flight):
            submit(span)
        while pending:
            ready, _ = cf.wait(list(pending), return_when=cf.FIRST_COMPLETED)
            for future in sorted(ready, key=lambda f: pending[f]):
                pending.pop(future)
                finish(future.result())
                following = next(waiting, None)
                if following is not None:
                    submit(following)
    finally:
        for future in pending:
            future.cancel()
