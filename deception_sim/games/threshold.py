"""Closed forms for "comply, then defect" agents under the hard update.

:func:`threshold_outcomes` gives a game's numbers (:func:`~deception_sim.games.outcome`)
for many agents that comply before episode ``k`` and defect from it on, at
once: one backward pass per quantity, vectorized over ``k``. It is a fast
path of exact evaluation, tested against it. This module holds it, its
helpers, and the general path's count of unoverseen deployment defections
(which :func:`~deception_sim.games.outcome` needs), and nothing else, so
that this closed form can join the package's other closed forms in one place.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..exact import evaluate

# affine_scan is not exported by the exact package; it is the same layer's
# kernel that this closed form will sit next to.
from ..exact.scan import affine_scan
from ..model import Payoffs
from ..strategies import Aligned, Greedy, Strategy, Threshold
from .options import Oversight

# An exact power of two: scaling by it is exact, and 1 / (1 + _TINY) == 1.0, so a
# model with v_deploy = 0 keeps its objective levels (see _unoverseen_defections).
_TINY = 2.0**-600


def _unoverseen_defections(policy: Strategy, oversight: Oversight, payoffs: Payoffs) -> float:
    """Expected unoverseen deployment defections: the mesa count of a payoff table that
    values only those, with the same ``v_deploy`` (so the same objective levels)."""
    v = payoffs.v_deploy if payoffs.v_deploy > 0 else _TINY
    count = Payoffs(v_deploy=v, v_overseen=0.0, success=1.0, utility="count", discount=1.0)
    return evaluate(policy, oversight.schedule, oversight.update, count).mesa / v


_NEVER = 2**62  # a start after any horizon: never defects


def _start(policy: Strategy) -> int | None:
    """The first defection episode of a cue-blind "comply, then defect" strategy, else None."""
    if type(policy) is Threshold:
        return policy.start
    if type(policy) is Greedy:
        return 1
    if type(policy) is Aligned:
        return _NEVER
    return None


def _backward(inflow: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """``x[k] = inflow[k] + keep[k] * x[k + 1]`` for ``k < n``, ``x[n] = 0`` (length n + 1)."""
    return affine_scan(keep[::-1].copy(), inflow[::-1].copy(), 0.0)[::-1]


def threshold_outcomes(
    starts: Sequence[int] | np.ndarray,
    oversight: Oversight,
    payoffs: Payoffs,
    *,
    compliant: bool = False,
) -> dict[str, np.ndarray]:
    """:func:`~deception_sim.games.outcome` for many "defect from episode k" agents at once.

    Closed forms under the hard update, vectorized over ``k`` (one backward
    pass per quantity), for agents that comply before episode ``k`` and
    defect from it on (:class:`~deception_sim.Threshold`;
    :class:`~deception_sim.Greedy` is ``k = 1``, :class:`~deception_sim.Aligned`
    is ``k = N + 1``). If episode ``k`` is training the agent is caught at
    once; otherwise it is deployed and defects until a honeypot catches it.
    They equal :func:`~deception_sim.games.outcome` (the tests check it) and
    make games with a thousand options cheap.

    >>> from deception_sim import Schedule
    >>> threshold_outcomes([1, 3, 6], Oversight(Schedule.fixed(2, 3)), Payoffs())["mesa"].tolist()
    [1.0, 3.0, 0.0]
    """
    update = oversight.update
    if not update.is_hard:
        raise ValueError(f"threshold_outcomes needs the hard update, got {update!r}")
    s = oversight.schedule
    n = s.horizon
    k = np.asarray(starts)
    if k.ndim != 1 or k.dtype.kind not in "iu" or (k < 1).any():
        raise ValueError(f"starts must be a sequence of integers >= 1, got {starts!r}")
    k = np.minimum(k, n + 1)
    i = k - 1  # index of the first defection, n for "never"
    reach, h = s.reach(), s.honeypots()
    weight = reach * payoffs.discount ** np.arange(n) if payoffs.discount != 1.0 else reach
    stay = 1.0 - h
    v_ov, v_dep, success = payoffs.v_overseen, payoffs.v_deploy, payoffs.success
    caught = s.survival()[i]  # P(T >= k): episode k is training, the defection is caught
    deployed = 1.0 - caught
    padded = np.append(weight, 0.0)
    if payoffs.utility == "count":
        tail = _backward(weight * (h * v_ov + stay * success * v_dep), stay)
        mesa = caught * v_ov * padded[i] + deployed * tail[i]
    else:
        mesa = deployed * _backward(weight * stay * success, stay * (1.0 - success))[i]
    first_success = _backward(reach * stay * success, stay * (1.0 - success))
    after = np.append(np.cumsum(weight[::-1])[::-1], [0.0, 0.0])  # sum of weight[t:], t=0..n+1
    base_tail = _backward(h * after[1 : n + 1], stay)
    out = {
        "mesa": mesa,
        "safety": 1.0 - deployed * first_success[i],
        "base": after[0] - after[i] + caught * after[i + 1] + deployed * base_tail[i],
        "harm": deployed * _backward(reach * stay * success, stay)[i],
    }
    if compliant:
        free = np.append(np.cumsum((reach * stay)[::-1])[::-1], [0.0, 0.0])
        kept = _backward(h * free[1 : n + 1], stay)
        total = float(s.train_pmf @ free[: n + 1])
        out["compliant"] = total - deployed * (free[i] - kept[i])
    return out
