"""Update rules: how the base optimizer changes the agent's objective (SPEC 2).

The agent's objective is a mix of the mesa objective (weight ``w``) and the
base objective (weight ``1 - w``); it starts at ``w = 1``. After each
*overseen* episode:

* a defection is detected with probability ``detect``; a detected defection
  is an **update**, which removes the fraction ``rate`` of the remaining mesa
  weight (``rate = 1`` replaces the objective by the base objective);
* a compliant episode removes the fraction ``drift`` of it (imperfect
  goal-guarding; 0 by default).

So after ``k`` updates and ``m`` overseen compliant episodes the weight is
``(1 - rate)**k * (1 - drift)**m``. A (partly) modified self acts on its own
current objective: it still defects only while its weight prefers the mesa
objective (see :attr:`deception_sim.Payoffs.indifference`); below that it
complies for ever, so only finitely many *objective levels* are live.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

from .. import _validate

MAX_LEVELS = 20_000
"""Most live objective levels exact evaluation will track (see :func:`objective_levels`)."""

TIE_TOLERANCE = 1e-12
"""Weights within this of the indifference point count as indifferent (comply)."""


@dataclass(frozen=True)
class UpdateRule:
    """How an overseen episode changes the agent's objective.

    Parameters
    ----------
    detect:
        Probability in [0, 1] that an overseen defection triggers an update.
    rate:
        Fraction in (0, 1] of the remaining mesa weight one update removes.
    drift:
        Fraction in [0, 1) of the mesa weight removed by each overseen
        compliant episode.

    Examples
    --------
    >>> UpdateRule()
    HardUpdate()
    >>> UpdateRule(detect=0.5, rate=0.3)
    UpdateRule(detect=0.5, rate=0.3, drift=0.0)
    >>> UpdateRule(rate=0.5).weight(updates=2, compliant=0)
    0.25
    """

    detect: float = 1.0
    rate: float = 1.0
    drift: float = 0.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "detect", _validate.probability("detect", self.detect))
        object.__setattr__(
            self, "rate", _validate.real("rate", self.rate, low=0.0, high=1.0, low_open=True)
        )
        object.__setattr__(
            self, "drift", _validate.real("drift", self.drift, low=0.0, high=1.0, high_open=True)
        )

    @property
    def is_hard(self) -> bool:
        """True for the seed's rule: every overseen defection replaces the objective."""
        return self.detect == 1.0 and self.rate == 1.0 and self.drift == 0.0

    def weight(self, updates: int, compliant: int) -> float:
        """Mesa weight after ``updates`` updates and ``compliant`` overseen compliant episodes."""
        return (1.0 - self.rate) ** updates * (1.0 - self.drift) ** compliant

    def __repr__(self) -> str:
        if self.is_hard:
            return "HardUpdate()"
        return f"UpdateRule(detect={self.detect!r}, rate={self.rate!r}, drift={self.drift!r})"


def HardUpdate() -> UpdateRule:
    """The seed's rule: an overseen defection always replaces the objective.

    >>> HardUpdate() == UpdateRule(detect=1.0, rate=1.0, drift=0.0)
    True
    """
    return UpdateRule(detect=1.0, rate=1.0, drift=0.0)


@dataclass(frozen=True)
class ObjectiveLevels(_validate.ReadOnlyArrays):
    """The live objective states ``(k updates, m compliant overseen episodes)``.

    Levels are ordered by ``k`` then ``m``, so both kinds of move go to a later
    index; ``after_update[i]`` and ``after_drift[i]`` give the level reached
    from level ``i`` (``-1``: the weight no longer prefers the mesa objective).
    """

    updates: np.ndarray
    compliant: np.ndarray
    weight: np.ndarray
    after_update: np.ndarray
    after_drift: np.ndarray

    def __len__(self) -> int:
        return int(self.weight.shape[0])


def level_count(update: UpdateRule, indifference: float) -> int | None:
    """How many live objective levels a per-level decision table has (``None``: more than
    :data:`MAX_LEVELS`, so no per-level table can exist; tables without levels still work).

    >>> level_count(UpdateRule(rate=0.5), 0.2), level_count(UpdateRule(drift=1e-300), 0.5)
    (3, None)
    """
    try:
        return len(objective_levels(update, indifference))
    except ValueError:
        return None


def prefers_mesa(weight: np.ndarray | float, indifference: float) -> np.ndarray | bool:
    """Whether an objective with mesa weight ``weight`` still prefers to defect.

    Ties (and rounding within ``TIE_TOLERANCE`` of one) count as not preferring
    it, so exact evaluation and simulation resolve them the same way.

    >>> prefers_mesa(0.5, indifference=0.5), prefers_mesa(0.51, indifference=0.5)
    (False, True)
    """
    return weight > indifference + TIE_TOLERANCE


def objective_levels(
    update: UpdateRule, indifference: float, horizon: int | None = None
) -> ObjectiveLevels:
    """Enumerate the live objective levels: the unmodified agent, and every modified
    self whose weight still prefers the mesa objective (:func:`prefers_mesa`).

    With ``horizon``, only the levels an agent can reach within that many
    episodes: each update and each drift takes an overseen episode, so level
    ``(k, m)`` is reached after ``k + m`` episodes at the earliest, and a level
    with ``k + m > horizon`` has probability 0 throughout a run. Leaving those
    out changes no decision and no value (a move to one of them is a move to
    ``-1``, which happens only after the last episode). The result is computed
    once per argument and is read-only.

    >>> levels = objective_levels(UpdateRule(rate=0.5), indifference=0.2)
    >>> levels.weight.tolist(), levels.after_update.tolist()
    ([1.0, 0.5, 0.25], [1, 2, -1])
    >>> len(objective_levels(UpdateRule(rate=1e-4), 0.5)), len(objective_levels(
    ...     UpdateRule(rate=1e-4), 0.5, horizon=7))
    (6932, 8)
    """
    if horizon is not None:
        horizon = _validate.integer("horizon", horizon)
    return _objective_levels(update, float(indifference), horizon)


@functools.lru_cache(maxsize=128)
def _objective_levels(
    update: UpdateRule, indifference: float, horizon: int | None
) -> ObjectiveLevels:
    keep_update, keep_drift = 1.0 - update.rate, 1.0 - update.drift
    reach = math.inf if horizon is None else horizon

    def live(k: int, m: int) -> bool:
        # The unmodified agent (k = m = 0) is the agent itself: it follows its strategy.
        return (k == 0 and m == 0) or (
            k + m <= reach and bool(prefers_mesa(keep_update**k * keep_drift**m, indifference))
        )

    levels: list[tuple[int, int, float]] = []
    k = 0
    while live(k, 0):
        m = 0
        while live(k, m):
            levels.append((k, m, keep_update**k * keep_drift**m))
            if len(levels) > MAX_LEVELS:
                raise ValueError(
                    f"rate={update.rate!r} and drift={update.drift!r} leave more than "
                    f"{MAX_LEVELS} live objective levels; use simulate() for this model"
                )
            if update.drift == 0.0:
                break
            m += 1
        if update.rate == 1.0:
            break
        k += 1
    index = {(k, m): i for i, (k, m, _) in enumerate(levels)}
    after_update = [index.get((k + 1, m), -1) for k, m, _ in levels]
    after_drift = [
        index.get((k, m + 1), -1) if update.drift > 0 else i for i, (k, m, _) in enumerate(levels)
    ]
    arrays = (
        np.array([k for k, _, _ in levels], dtype=np.int64),
        np.array([m for _, m, _ in levels], dtype=np.int64),
        np.array([w for _, _, w in levels], dtype=float),
        np.array(after_update, dtype=np.int64),
        np.array(after_drift, dtype=np.int64),
    )
    for array in arrays:
        array.setflags(write=False)  # shared by every caller (the cache)
    return ObjectiveLevels(*arrays)
