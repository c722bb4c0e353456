"""Games' numbers for "comply, then defect" agents, from exact evaluation's closed form.

:func:`threshold_outcomes` gives a game's numbers (:func:`~deception_sim.games.outcome`)
for many agents that comply before episode ``k`` and defect from it on, at
once, from :mod:`deception_sim.exact.switch` (the closed form lives there,
with exact evaluation); this module also holds the general path's count of
unoverseen deployment defections, which :func:`~deception_sim.games.outcome` needs.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np

from ..exact import evaluate
from ..exact.switch import switch_outcomes
from ..model import Payoffs
from ..strategies import Strategy
from .options import Oversight

# An exact power of two: scaling by it is exact, and 1 / (1 + _TINY) == 1.0, so a
# model with v_deploy = 0 keeps its objective levels (see _unoverseen_defections).
_TINY = 2.0**-600


def _unoverseen_defections(policy: Strategy, oversight: Oversight, payoffs: Payoffs) -> float:
    """Expected unoverseen deployment defections: the mesa count of a payoff table that
    values only those, with the same ``v_deploy`` (so the same objective levels)."""
    v = payoffs.v_deploy if payoffs.v_deploy > 0 else _TINY
    count = Payoffs(v_deploy=v, v_overseen=0.0, success=1.0, utility="count", discount=1.0)
    schedule = oversight.schedule
    if schedule.kinds is not None:  # every unoverseen defection counts, whatever its success
        schedule = dataclasses.replace(schedule, kinds=schedule.kinds.replace_all(success=None))
    return evaluate(policy, schedule, oversight.update, count).mesa / v


def threshold_outcomes(
    starts: Sequence[int] | np.ndarray,
    oversight: Oversight,
    payoffs: Payoffs,
    *,
    compliant: bool = False,
) -> dict[str, np.ndarray]:
    """:func:`~deception_sim.games.outcome` for many "defect from episode k" agents at once.

    The closed form of :func:`deception_sim.exact.switch.switch_outcomes` on the
    overseer option's model (hard update only, no kinds of episode, one
    success for ``"any"``: :func:`deception_sim.exact.switch.unsupported`),
    for agents that comply
    before episode ``k`` and defect from it on (:class:`~deception_sim.Threshold`;
    :class:`~deception_sim.Greedy` is ``k = 1``, :class:`~deception_sim.Aligned`
    is ``k = N + 1``). They equal :func:`~deception_sim.games.outcome` (the
    tests check it) and make games with a thousand options cheap.

    >>> from deception_sim import Schedule
    >>> threshold_outcomes([1, 3, 6], Oversight(Schedule.fixed(2, 3)), Payoffs())["mesa"].tolist()
    [1.0, 3.0, 0.0]
    """
    if not oversight.update.is_hard:
        raise ValueError(f"threshold_outcomes needs the hard update, got {oversight.update!r}")
    return switch_outcomes(
        starts, oversight.schedule, oversight.update, payoffs, compliant=compliant
    )
