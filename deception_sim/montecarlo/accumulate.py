"""What a simulation accumulates: moments of per-run results, per-episode counts, and
the algebra of events over the rows of a batch."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from ..model.episode import Branch

ROUNDING_SPREAD = 1e-12
"""Per-run values that differ by at most this (relative to their size) differ by rounding only."""


class Moments:
    """Count, mean and sum of squared deviations, merged group by group (Chan et al.).

    Every variance is a sum of squared deviations from a group's own mean
    (never a difference of large sums), and a group of equal values adds
    exactly that value and no spread, so a quantity that is the same in every
    run comes out exact with a standard error of exactly 0. Per-run values
    that differ only by the rounding of their own sums (``1.0`` and
    ``0.9999999999999998``: within ``ROUNDING_SPREAD`` of their size) also
    count as agreeing: their spread is below the rounding of the mean itself,
    so no standard error can be told from it.

    >>> m = Moments()
    >>> m.add(np.array([1.0, 0.9999999999999998, 1.0000000000000002]))
    >>> m.standard_error
    0.0
    >>> m.add(np.array([3.0]))
    >>> round(m.standard_error, 12)
    0.5
    """

    __slots__ = ("count", "high", "low", "m2", "mean")

    def __init__(self) -> None:
        self.count = 0
        self.mean = math.nan
        self.m2 = 0.0
        self.low = math.inf
        self.high = -math.inf

    def add(self, values: np.ndarray) -> None:
        n = int(values.size)
        if n == 0:
            return
        low, high = float(values.min()), float(values.max())
        self.low, self.high = min(self.low, low), max(self.high, high)
        if low == high:
            mean, m2 = low, 0.0
        else:
            mean = float(values.sum(dtype=float)) / n
            m2 = float(np.square(values - mean).sum())
        if self.count == 0:
            self.count, self.mean, self.m2 = n, mean, m2
            return
        total = self.count + n
        delta = mean - self.mean
        if delta != 0.0:
            self.mean += delta * (n / total)
            m2 += delta * delta * (self.count * n / total)
        self.m2 += m2
        self.count = total

    @property
    def agreeing(self) -> bool:
        """Whether every value added is the same, up to the rounding of per-run sums."""
        size = max(abs(self.low), abs(self.high))
        return self.count > 0 and self.high - self.low <= ROUNDING_SPREAD * size

    @property
    def standard_error(self) -> float:
        if self.count < 2:
            return math.nan
        if self.agreeing:
            return 0.0
        return math.sqrt(max(self.m2, 0.0) / (self.count - 1) / self.count)


class Tally:
    """Per-episode counts for the curves, summed over batches.

    ``values`` are the distinct non-zero mesa values an episode can give
    (from the episode's branches); ``counts[v, t]`` counts the episodes
    ``t + 1`` that gave ``values[v]``, so the mean and the spread of the mesa
    gain come out without assuming which branches exist.
    """

    def __init__(self, horizon: int, outcomes: Sequence[Branch]) -> None:
        self.reached = np.zeros(horizon, dtype=np.int64)
        self.defects = np.zeros(horizon, dtype=np.int64)
        self.intact = np.zeros(horizon, dtype=np.int64)
        self.values = tuple(sorted({b.mesa for b in outcomes if b.mesa != 0.0}))
        self.value_index = {value: i for i, value in enumerate(self.values)}
        self.counts = np.zeros((len(self.values), horizon), dtype=np.int64)

    def add_value(self, value: float, episode: int, count: int) -> None:
        """Count ``count`` episodes ``episode + 1`` that gave mesa value ``value``."""
        if value != 0.0 and count:
            self.counts[self.value_index[value], episode] += count

    def frame(self) -> pd.DataFrame:
        n = self.reached.astype(float)
        with np.errstate(invalid="ignore", divide="ignore"):
            p_defect = self.defects / n
            p_intact = self.intact / n
            shares = self.counts / n
            values = np.array(self.values)[:, None]
            gain = (values * shares).sum(axis=0)
            # The mesa value of one episode is one of `values`, or 0.
            spread = (shares * (values - gain) ** 2).sum(axis=0) + (
                1.0 - shares.sum(axis=0)
            ) * gain**2
            scale = np.where(n > 1, 1.0 / np.maximum(n - 1, 1.0), np.nan)
            columns = {
                "p_defect": p_defect,
                "p_intact": p_intact,
                "mesa_gain": gain,
                "p_defect_se": np.sqrt(p_defect * (1 - p_defect) * scale),
                "p_intact_se": np.sqrt(p_intact * (1 - p_intact) * scale),
                "mesa_gain_se": np.sqrt(np.maximum(spread, 0.0) * scale),
                "reached": self.reached,
            }
        index = pd.RangeIndex(1, self.reached.size + 1, name="episode")
        return pd.DataFrame(columns, index=index)


# An event over the rows of a batch: None (no row), True (every row) or a bool array.
Event = np.ndarray | Literal[True] | None


def both(a: Event, b: Event) -> Event:
    if a is None or b is None:
        return None
    if a is True:
        return b
    if b is True:
        return a
    return a & b


def without(a: Event, b: Event) -> Event:
    """``a and not b``."""
    if a is None or b is True:
        return None
    if b is None:
        return a
    if a is True:
        return ~b
    return a & ~b


def count(event: Event, rows: int) -> int:
    if event is None:
        return 0
    if event is True:
        return rows
    return int(np.count_nonzero(event))


def add(target: np.ndarray, amount: float | int, event: Event) -> None:
    """``target[event] += amount`` (``target`` is a view of the rows)."""
    if event is None or amount == 0:
        return
    if event is True:
        target += amount
    elif amount == 1 and target.dtype.kind == "i":
        target += event
    else:
        target += amount * event
