"""Resource limits: what one request may ask of the machine, checked before it allocates.

Every size a user can type (a horizon, a number of runs, a grid, a number of
steps or of game options) is turned into an estimate of the memory the
request will need, from its sizes alone, before anything is allocated. A
request whose estimate exceeds the **memory budget** is refused with a
:class:`ValueError` that names the parameter, the estimate and the budget
(the command line prints it as its one line, exit code 2), instead of
ending in a ``MemoryError`` or a machine that swaps for minutes.

**The budget** is, by default, half of the memory the machine has available
when the check runs (``MemAvailable`` in ``/proc/meminfo``; elsewhere the
free physical pages; 4 GiB if neither can be read). Set it with the
environment variable ``DECEPTION_SIM_MEMORY_LIMIT`` (bytes, with an optional
suffix ``K``, ``M``, ``G`` or ``T``, powers of 1024, or a share of the
available memory such as ``75%``), or with :func:`set_memory_limit`, which
sets that variable so that worker processes inherit it.

**The estimates** (:func:`schedule_bytes`, :func:`evaluation_bytes`,
:func:`simulation_bytes`, :func:`solver_bytes`, :func:`sweep_bytes`,
:func:`trajectory_bytes`, :func:`game_bytes`) are per-element costs measured
as peak resident memory on numpy 2 and pandas 2, rounded up: they are meant
to be within a factor of about two of the measured peak, and above it.

>>> with limited_memory("1G"):
...     check_memory("evaluate", "horizon", evaluation_bytes(10**9, levels=1))
Traceback (most recent call last):
...
ValueError: horizon: evaluate needs about 67.1 GiB of memory, more than the memory limit of \
1 GiB (raise it with DECEPTION_SIM_MEMORY_LIMIT, or deception_sim.model.limits.set_memory_limit)
>>> format_bytes(3 * 2**30)
'3 GiB'
"""

from __future__ import annotations

import contextlib
import math
import os
import re
from collections.abc import Iterator

ENVIRONMENT = "DECEPTION_SIM_MEMORY_LIMIT"
"""The environment variable that sets the memory budget."""

DEFAULT_SHARE = 0.5
"""The default budget: this share of the memory available when a request is checked."""

FALLBACK_AVAILABLE = 8 * 2**30
"""Available memory assumed where the machine does not say (the budget is then 4 GiB)."""

_UNITS = {"": 1, "B": 1, "K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}

# Measured peak resident memory per element (bytes), rounded up; see the module's text.
EVALUATION_PER_EPISODE = 40
"""Exact evaluation: per-episode arrays of the recursion and its totals."""
EVALUATION_PER_LEVEL = 32
"""Exact evaluation: each objective level's states, per episode, for the worst case (every
state of the level holds mass in every episode and is stored: four chains of floats)."""
CURVES_PER_EPISODE = 160
"""The per-episode curves' table."""
SIMULATION_PER_EPISODE = 240
"""Monte Carlo: per-episode constants held as Python floats, and the counts."""
SIMULATION_PER_RUN = 128
"""Monte Carlo: the per-run arrays of one batch."""
SOLVER_PER_EPISODE = 48
"""The known-phase solver: the model's per-episode coefficients."""
SOLVER_OVERHEAD = 16 * 2**20
"""The known-phase solver at any size (the scan's first use of scipy's linear filter)."""
SOLVER_PER_LEVEL = 112
"""The known-phase solver: each objective level's values (mesa and base, both phases) and
decision table, per episode (measured: 94 bytes with 1,452 levels)."""
SCHEDULE_PER_EPISODE = 16
"""A schedule: the boundary's distribution, and its check."""
ROW_OVERHEAD = 48
"""A sweep's table: per row, beside its columns."""
BYTES_PER_CELL = 24
"""A sweep's table: per value (the chunk's arrays, the table and its copy)."""
FRAME_OVERHEAD = 16 * 2**20
"""A table of any size (pandas' and the chunks' fixed costs)."""


def available_memory() -> int:
    """Bytes of memory the machine has available now (a fallback where it does not say)."""
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return int(os.sysconf("SC_AVPHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
    except (AttributeError, OSError, ValueError):
        return FALLBACK_AVAILABLE


def parse_memory(text: str) -> int | float:
    """Bytes from ``"512M"``, ``"16G"``, ``"1000000"``; a share (0, 1] from ``"75%"``.

    >>> parse_memory("1.5G"), parse_memory("75%")
    (1610612736, 0.75)
    """
    match = re.fullmatch(r"\s*([0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?)\s*([KMGTB%]?)(?:i?B)?\s*", text)
    if match is None:
        raise ValueError(
            f"{ENVIRONMENT} must be bytes with an optional K, M, G or T suffix (e.g. 16G) "
            f"or a share of the available memory (e.g. 50%), got {text!r}"
        )
    number, unit = float(match.group(1)), match.group(2).upper()
    if unit == "%":
        if not 0.0 < number <= 100.0:
            raise ValueError(f"{ENVIRONMENT} as a share must be in (0%, 100%], got {text!r}")
        return number / 100.0
    size = number * _UNITS[unit]
    if not math.isfinite(size) or size < 1:
        raise ValueError(f"{ENVIRONMENT} must be at least 1 byte, got {text!r}")
    return int(size)


def memory_limit() -> int:
    """The memory budget of one request, in bytes (see the module's text).

    >>> with limited_memory("2G"):
    ...     memory_limit()
    2147483648
    """
    text = os.environ.get(ENVIRONMENT, "").strip()
    value: int | float = parse_memory(text) if text else DEFAULT_SHARE
    if isinstance(value, float):
        return max(1, int(value * available_memory()))
    return value


def set_memory_limit(limit: int | str | None) -> None:
    """Set the memory budget: bytes, text as for ``DECEPTION_SIM_MEMORY_LIMIT``, or ``None``
    for the default. It is kept in that environment variable, so worker processes
    started afterwards inherit it.
    """
    if limit is None:
        os.environ.pop(ENVIRONMENT, None)
        return
    if isinstance(limit, bool) or not isinstance(limit, (int, str)):
        raise ValueError(f"limit must be bytes, text such as '16G', or None, got {limit!r}")
    text = str(limit)
    if isinstance(limit, int) and limit < 1:
        raise ValueError(f"limit must be at least 1 byte, got {limit!r}")
    parse_memory(text)  # refuse bad text here, not at the next check
    os.environ[ENVIRONMENT] = text


@contextlib.contextmanager
def limited_memory(limit: int | str | None) -> Iterator[None]:
    """Within a ``with`` block the budget is ``limit``; afterwards what it was."""
    before = os.environ.get(ENVIRONMENT)
    set_memory_limit(limit)
    try:
        yield
    finally:
        set_memory_limit(before)


def format_bytes(size: float) -> str:
    """``size`` bytes for a message: ``'1.5 GiB'``, ``'12 TiB'``, ``'3e+06 TiB'``."""
    for unit, scale in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if size >= scale:
            return f"{size / scale:.3g} {unit}"
    return f"{size:.0f} bytes"


def check_memory(what: str, parameter: str, estimate: float) -> None:
    """Refuse (``ValueError`` naming ``parameter``) if ``what`` needs more than the budget."""
    limit = memory_limit()
    estimate = _finite(estimate)
    if estimate > limit:
        raise ValueError(
            f"{parameter}: {what} needs about {format_bytes(estimate)} of memory, more than "
            f"the memory limit of {format_bytes(limit)} (raise it with {ENVIRONMENT}, "
            "or deception_sim.model.limits.set_memory_limit)"
        )


# ---------------------------------------------------------------------------- time
TIME_ENVIRONMENT = "DECEPTION_SIM_TIME_LIMIT"
"""The environment variable that sets the time budget."""

DEFAULT_SECONDS = 86_400.0
"""The default time budget of one request whose time is predictable: a day."""

_SECONDS = {"": 1.0, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}


def time_limit() -> float:
    """The time budget, in seconds, of one request whose time is predictable.

    Only requests whose time grows with a size the user types and can be
    estimated from it are checked (a simulation's ``runs`` times its horizon):
    the budget catches a typo such as ``runs=10**12``, not long honest work.
    ``DECEPTION_SIM_TIME_LIMIT`` sets it (seconds, or with a suffix ``s``,
    ``m``, ``h`` or ``d``).

    >>> with limited_time("2h"):
    ...     time_limit()
    7200.0
    """
    text = os.environ.get(TIME_ENVIRONMENT, "").strip()
    if not text:
        return DEFAULT_SECONDS
    match = re.fullmatch(r"([0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?)\s*([smhd]?)", text)
    if match is None or float(match.group(1)) <= 0:
        raise ValueError(
            f"{TIME_ENVIRONMENT} must be a positive number of seconds, with an optional suffix "
            f"s, m, h or d (e.g. 2h), got {text!r}"
        )
    return float(match.group(1)) * _SECONDS[match.group(2)]


@contextlib.contextmanager
def limited_time(limit: str | float | None) -> Iterator[None]:
    """Within a ``with`` block the time budget is ``limit``; afterwards what it was."""
    before = os.environ.get(TIME_ENVIRONMENT)
    if limit is None:
        os.environ.pop(TIME_ENVIRONMENT, None)
    else:
        os.environ[TIME_ENVIRONMENT] = str(limit)
    try:
        time_limit()  # refuse bad text at once
        yield
    finally:
        if before is None:
            os.environ.pop(TIME_ENVIRONMENT, None)
        else:
            os.environ[TIME_ENVIRONMENT] = before


def format_seconds(seconds: float) -> str:
    """``seconds`` for a message: ``'2.5 h'``, ``'3e+05 d'``."""
    for unit, scale in (("d", 86400.0), ("h", 3600.0), ("min", 60.0)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds:.3g} s"


def check_time(what: str, parameter: str, seconds: float) -> None:
    """Refuse (``ValueError`` naming ``parameter``) if ``what`` would outlast the time budget."""
    limit = time_limit()
    seconds = _finite(seconds)
    if seconds > limit:
        raise ValueError(
            f"{parameter}: {what} would take about {format_seconds(seconds)}, more than the "
            f"time limit of {format_seconds(limit)} (raise it with {TIME_ENVIRONMENT})"
        )


SIMULATION_SECONDS_PER_STEP = 40e-9
"""Monte Carlo: seconds per run and episode (measured: 0.2 to 32 ns), rounded up."""
SIMULATION_SECONDS_PER_BATCH_EPISODE = 30e-6
"""Monte Carlo: the Python loop's seconds per episode of each batch of runs."""


def simulation_seconds(horizon: float, runs: float, batch: int) -> float:
    """About how long ``runs`` runs over ``horizon`` episodes take (every run to the end)."""
    horizon, runs = _finite(horizon), _finite(runs)
    batches = math.ceil(runs / batch) if math.isfinite(runs) else math.inf
    return horizon * (
        runs * SIMULATION_SECONDS_PER_STEP + batches * SIMULATION_SECONDS_PER_BATCH_EPISODE
    )


# ---------------------------------------------------------------------------- estimates
def _finite(size: float) -> float:
    """``size`` as a float (sizes beyond the floats, such as ``10**400``, are infinite)."""
    try:
        return float(size)
    except OverflowError:
        return math.inf


def schedule_bytes(horizon: float) -> float:
    """A schedule of ``horizon`` episodes (its arrays, while they are checked)."""
    horizon = _finite(horizon)
    return SCHEDULE_PER_EPISODE * (horizon + 1.0)


def evaluation_bytes(horizon: float, levels: float = 1, *, curves: bool = False) -> float:
    """Exact evaluation over ``horizon`` episodes with ``levels`` live objective levels."""
    horizon = _finite(horizon)
    levels = _finite(levels)
    per_episode = EVALUATION_PER_EPISODE + EVALUATION_PER_LEVEL * max(levels, 1)
    return horizon * (per_episode + (CURVES_PER_EPISODE if curves else 0))


def simulation_bytes(horizon: float, runs: float, batch: int, *, curves: bool = False) -> float:
    """Monte Carlo over ``horizon`` episodes, ``runs`` runs in batches of ``batch``."""
    horizon = _finite(horizon)
    runs = _finite(runs)
    per_episode = SIMULATION_PER_EPISODE + (CURVES_PER_EPISODE if curves else 0)
    return horizon * per_episode + min(runs, batch) * SIMULATION_PER_RUN


def solver_bytes(horizon: float, levels: float = 1) -> float:
    """The known-phase solver over ``horizon`` episodes with ``levels`` objective levels."""
    horizon = _finite(horizon)
    levels = _finite(levels)
    return SOLVER_OVERHEAD + horizon * (SOLVER_PER_EPISODE + SOLVER_PER_LEVEL * max(levels, 1))


def sweep_bytes(rows: float, columns: int) -> float:
    """A sweep's table of ``rows`` rows of ``columns`` columns (and its chunks)."""
    rows = _finite(rows)
    return FRAME_OVERHEAD + rows * (ROW_OVERHEAD + BYTES_PER_CELL * columns)


def trajectory_bytes(steps: float, concepts: int) -> float:
    """A goal-drift trajectory: ``steps`` rows of ``concepts`` weights."""
    steps = _finite(steps)
    return FRAME_OVERHEAD + steps * (48.0 + 16.0 * concepts)


def game_bytes(rows: float, columns: float, horizon: float) -> float:
    """A game's options (a schedule per overseer option) and its matrices of outcomes."""
    rows = _finite(rows)
    columns = _finite(columns)
    horizon = _finite(horizon)
    return rows * schedule_bytes(horizon) + rows * columns * 8.0 * 10


def format_count(count: float) -> str:
    """A count for a message: exact up to 10**15, then three digits (``1e+400``)."""
    return str(count) if _finite(count) < 1e15 else f"{_finite(count):.3g}"


def control_bytes(tasks: float, audits: float) -> float:
    """A monitored deployment's recursions: a few tables over (tasks left, audits left)."""
    tasks, audits = _finite(tasks), _finite(audits)
    return 32.0 * (tasks + 1.0) * (audits + 1.0) + 32.0 * tasks


def control_simulation_bytes(runs: float) -> float:
    """Monte Carlo of monitored deployments: the per-run arrays, all runs at once."""
    return 128.0 * _finite(runs)


def size_of(values: object) -> int | None:
    """``len(values)`` without materializing it, or ``None`` if it has no length."""
    try:
        return len(values)  # type: ignore[arg-type]
    except (TypeError, OverflowError):
        return None
