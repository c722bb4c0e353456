"""The numerical kernel of exact evaluation: first-order linear recurrences.

Every state of the forward recursion (SPEC 5) obeys, once the states before it
in the triangular order are known, a scalar recurrence

    x[t + 1] = alpha[t] * x[t] + beta[t],      0 <= alpha[t] <= 1,  beta[t] >= 0,

whose closed form is a cumulative product and a cumulative sum::

    x[t + 1] = c[t] * (x[0] + sum_{s <= t} beta[s] / c[s]),   c = cumprod(alpha).

That is a few passes over memory instead of a Python loop over episodes
(with a constant factor, ``scipy.signal.lfilter`` does it in one). It is
exact while ``c`` stays well inside the floating-point range, so the time axis
is cut into chunks within which the product falls by at most a factor
``SAFE`` (each chunk starts its own product and carries ``x`` across), and a
factor below ``NEGLIGIBLE`` (a state that is left for sure, up to rounding)
restarts the sum instead of dividing by it. Every term is non-negative, so the
only cancellation is at those restarts, and its absolute error is at most
machine epsilon times the inflow. A long stretch of tiny but non-negligible
factors makes chunks short: that costs time, never accuracy.
"""

from __future__ import annotations

import itertools
import math

import numpy as np

SAFE = 1e-250
"""Smallest cumulative product used within one chunk (its inverse must not overflow)."""

NEGLIGIBLE = 1e-17
"""Factors below this empty the state: ``x[t+1] = beta[t]`` (an absolute error
below ``1e-17 * x[t]``, under the rounding of any probability near 1)."""

_LOG_SAFE = math.log(SAFE)


def compact(values: np.ndarray) -> np.ndarray | float:
    """One number if ``values`` is the same along its (only) axis, else the array itself.

    Most schedules and built-in strategies are constant over a phase; keeping
    those coefficients as numbers turns array work into scalar arithmetic.

    >>> compact(np.array([0.5, 0.5])), compact(np.array([0.5, 1.0])).tolist()
    (0.5, [0.5, 1.0])
    """
    if values.ndim != 1 or values.shape[0] == 0:
        return values
    if values.strides[0] == 0 or (values[0] == values[-1] and (values == values[0]).all()):
        return float(values[0])
    return values


RUNS = 64
"""Most runs of a constant factor that :func:`constant_runs` reports (beyond: ``None``)."""


def constant_runs(alpha: np.ndarray, most: int = RUNS) -> list[tuple[int, int, float]] | None:
    """``(start, stop, value)`` of the runs of equal factors, or ``None`` if there are more
    than ``most`` (a table that switches a few times: a threshold, a plan, a Bayesian
    agent's posterior crossing its threshold).

    >>> constant_runs(np.array([0.5, 0.5, 1.0, 1.0, 1.0]))
    [(0, 2, 0.5), (2, 5, 1.0)]
    """
    n = alpha.shape[0]
    if n == 0:
        return []
    changes = alpha[1:] != alpha[:-1]
    if int(np.count_nonzero(changes)) >= most:
        return None
    edges = [0, *(np.flatnonzero(changes) + 1).tolist(), n]
    return [(lo, hi, float(alpha[lo])) for lo, hi in itertools.pairwise(edges)]


def affine_scan(
    alpha: np.ndarray | float,
    beta: np.ndarray | None,
    x0: float,
    n: int | None = None,
    runs: list[tuple[int, int, float]] | None = None,
) -> np.ndarray:
    """Solve ``x[t+1] = alpha[t] x[t] + beta[t]`` for ``t < n``; return ``x`` (length n+1).

    ``beta=None`` means no inflow (a pure product). ``alpha`` may be one number
    for every step (then give ``n`` when there is no ``beta``). ``runs`` (from
    :func:`constant_runs` of ``alpha``, when a caller solves several states with
    the same factors) solves each run of a constant factor as such.

    >>> affine_scan(np.array([0.5, 0.0, 1.0]), np.array([0.0, 0.25, 0.5]), 1.0).tolist()
    [1.0, 0.5, 0.25, 0.75]
    >>> affine_scan(0.5, None, 1.0, n=3).tolist()
    [1.0, 0.5, 0.25, 0.125]
    """
    if np.ndim(alpha) == 0:
        steps = beta.shape[0] if beta is not None else n
        if steps is None:
            raise ValueError("affine_scan needs n when alpha is one number and beta is None")
        x = np.empty(steps + 1)
        x[0] = x0
        _constant(float(alpha), beta, x)
        return x
    assert isinstance(alpha, np.ndarray)
    n = alpha.shape[0]
    x = np.empty(n + 1)
    x[0] = x0
    if runs is not None:
        for lo, hi, value in runs:  # each run in place, from the state at its start
            _constant(value, None if beta is None else beta[lo:hi], x[lo : hi + 1])
        return x
    if n:
        _solve(alpha, beta, x0, x[1:])
    return x


def _constant(alpha: float, beta: np.ndarray | None, x: np.ndarray) -> None:
    """Fill ``x[1:]`` from ``x[0]`` for a constant factor."""
    steps = x.shape[0] - 1
    x0 = float(x[0])
    if beta is not None and steps and beta[0] == 0.0:
        # Nothing arrives at first (a flow from a level not reached yet, arrivals that
        # start with the boundary's support): only a power until the first inflow.
        inflow = beta != 0.0
        start = int(inflow.argmax())
        if not inflow[start]:
            beta, start = None, steps
        if start:
            x[: start + 1] = _geometric(alpha, x0, start)
            if beta is not None:
                _constant(alpha, beta[start:], x[start:])
            return
    if beta is None:
        x[:] = _geometric(alpha, x0, steps)
    elif alpha == 1.0:  # nothing ever leaves: a running sum
        np.cumsum(beta, out=x[1:])
        x[1:] += x0
    else:  # a first-order linear filter, one pass in C
        # After the last inflow the state only decays: a power, which stops at SAFE
        # instead of creeping through (slow, and here meaningless) denormal numbers.
        if steps and beta[-1] != 0.0:
            stop = steps  # inflow to the end (the usual case: no search)
        else:
            inflow = beta[::-1] != 0.0
            last = int(inflow.argmax())  # the last inflow, counted from the end
            stop = steps - last if steps and inflow[last] else 0
        if stop:
            from scipy.signal import lfilter  # imported here: it costs ~0.3 s

            filtered = lfilter([1.0], [1.0, -alpha], beta[:stop], zi=[alpha * x0])
            x[1 : stop + 1] = filtered[0]
        if stop < steps:
            x[stop:] = _geometric(alpha, float(x[stop]), steps - stop)


def _geometric(ratio: float, x0: float, n: int) -> np.ndarray:
    """``x0 * ratio ** t`` for ``t = 0..n``, without denormal slow-downs."""
    if ratio == 1.0 or x0 == 0.0:
        return np.full(n + 1, x0)
    x = np.zeros(n + 1)
    x[0] = x0
    if ratio < NEGLIGIBLE:
        return x
    # Beyond `steps` the terms are below SAFE * x0: zero up to rounding.
    steps = min(n, int(_LOG_SAFE / math.log(ratio)) + 1)
    x[1 : steps + 1] = x0 * np.power(ratio, np.arange(1.0, steps + 1.0))
    return x


def _solve(alpha: np.ndarray, beta: np.ndarray | None, x0: float, out: np.ndarray) -> None:
    """Write ``x[1:]`` of the recurrence (see :func:`affine_scan`) into ``out``."""
    n = alpha.shape[0]
    smallest = float(alpha.min())
    reset = None
    factors = alpha
    if smallest < NEGLIGIBLE:
        reset = alpha < NEGLIGIBLE
        if beta is None:  # a pure product is zero from its first (negligible) factor on
            stop = int(reset.argmax())
            out[stop:] = 0.0
            if stop:
                _solve(alpha[:stop], None, x0, out[:stop])
            return
        stop = int(reset.argmax())
        if reset[stop:].all():  # from here on every step empties the state (a switch of policy)
            out[stop:] = beta[stop:]
            if stop:
                _solve(alpha[:stop], beta[:stop], x0, out[:stop])
            return
        factors = np.where(reset, 1.0, alpha)
        smallest = float(factors.min())
    if smallest == 1.0 and reset is None:  # nothing ever leaves: a running sum
        if beta is None:
            out[:] = x0
        else:
            np.cumsum(beta, out=out)
            out += x0
        return
    if smallest**n >= SAFE:
        width = n
    else:
        # Blocks short enough that no product inside one leaves the safe range.
        width = max(2, int(_LOG_SAFE / math.log(smallest)))
    blocks = -(-n // width)
    pad = blocks * width - n
    if pad:
        factors = np.concatenate([factors, np.ones(pad)])
        beta = None if beta is None else np.concatenate([beta, np.zeros(pad)])
        reset = None if reset is None else np.concatenate([reset, np.zeros(pad, dtype=bool)])
    shape = (blocks, width)
    c, sums, carried = _block_parts(
        factors.reshape(shape),
        None if beta is None else beta.reshape(shape),
        None if reset is None else reset.reshape(shape),
    )
    if blocks == 1:
        starts = np.array([x0], dtype=float)
    else:
        # Each block is an affine map from its first state to its last; those maps
        # form the same kind of recurrence, n / width long, solved the same way.
        last = c[:, -1] if carried is None else c[:, -1] * carried[:, -1]
        inflow = None if sums is None else c[:, -1] * sums[:, -1]
        starts = affine_scan(last, inflow, x0)[:-1]
    carry = starts[:, None] if carried is None else carried * starts[:, None]
    target = out.reshape(shape) if blocks == 1 else np.empty(shape)
    if sums is None:
        np.multiply(c, carry, out=target)
    else:
        sums += carry
        np.multiply(c, sums, out=target)
    if blocks > 1:
        out[:] = target.ravel()[:n]


def _block_parts(
    factors: np.ndarray, beta: np.ndarray | None, reset: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    """Per block (row): ``c`` (cumulative products), ``sums`` (the inflow part) and
    ``carried`` (1 where the row's starting value still counts, ``None`` if everywhere),
    so that ``x = c * (sums + carried * start)``."""
    c = np.cumprod(factors, axis=1)
    sums = None
    if beta is not None:
        ratio = beta / c
        if reset is not None:
            # A reset at s empties the state (x[s+1] = beta[s]), so the sum restarts
            # there: subtract the total since the previous restart just before it.
            width = c.shape[1]
            boundary = reset.copy()
            boundary[:, 0] = True
            starts = np.flatnonzero(boundary)
            totals = np.add.reduceat(ratio.ravel(), starts)
            inner = starts[1:] % width != 0
            ratio.ravel()[starts[1:][inner]] -= totals[:-1][inner]
        sums = np.cumsum(ratio, axis=1)
    carried = None
    if reset is not None:
        carried = (~np.logical_or.accumulate(reset, axis=1)).astype(float)
    return c, sums, carried
