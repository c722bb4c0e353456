"""A closed form for "comply, then defect from episode k" under the hard update.

A fast path of exact evaluation for strategies whose form
(:meth:`~deception_sim.strategies.Strategy.form`) is a
:class:`~deception_sim.strategies.Switch` (or a :class:`~deception_sim.strategies.Stationary`
that always or never defects): every number a game needs, for many
defection starts ``k`` at once, by one backward pass per quantity. If episode
``k`` is training the agent is caught at once; otherwise it is deployed and
defects until a honeypot catches it. The tests compare it with
:func:`~deception_sim.evaluate` on random models (and the brute-force
oracle). It covers ``v_detected`` and ``v_clean`` (and ``missed``, which the
hard update makes moot: every overseen defection is detected); it refuses
kinds of episode and a goal of more than one success (:func:`unsupported`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..model import Payoffs, Schedule, UpdateRule
from ..strategies import Stationary, Strategy, Switch
from .scan import affine_scan

NEVER = 2**62
"""A start after any horizon: the agent never defects."""


def switch_start(policy: Strategy) -> int | None:
    """The first defection episode of a cue-blind "comply, then defect" policy, else ``None``.

    Read from the policy's declared form, never from its class.

    >>> from deception_sim import Aligned, Deceptive, Greedy, Threshold
    >>> [switch_start(p) for p in (Greedy(), Threshold(3), Deceptive())]
    [1, 3, None]
    >>> switch_start(Aligned()) == NEVER
    True
    """
    form = policy.form()
    if isinstance(form, Switch):
        return form.start
    if isinstance(form, Stationary) and form.on_train_cue == form.on_deploy_cue:
        if form.on_train_cue == 1.0:
            return 1
        if form.on_train_cue == 0.0:
            return NEVER
    return None


def unsupported(schedule: Schedule, update: UpdateRule, payoffs: Payoffs) -> str | None:
    """Why the closed form does not apply to this model (``None`` if it does).

    >>> from deception_sim import HardUpdate
    >>> unsupported(Schedule.fixed(2, 3), HardUpdate(), Payoffs(utility="any", needed=2))
    'the switch closed form needs needed=1 (one success), got needed=2'
    """
    if not update.is_hard:
        return f"the switch closed form needs the hard update, got {update!r}"
    if schedule.kinds is not None:
        return "the switch closed form does not handle kinds of episode (the schedule has kinds)"
    if payoffs.needed != 1:
        return f"the switch closed form needs needed=1 (one success), got needed={payoffs.needed}"
    return None


def _backward(inflow: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """``x[k] = inflow[k] + keep[k] * x[k + 1]`` for ``k < n``, ``x[n] = 0`` (length n + 1)."""
    return affine_scan(keep[::-1].copy(), inflow[::-1].copy(), 0.0)[::-1]


def switch_outcomes(
    starts: Sequence[int] | np.ndarray,
    schedule: Schedule,
    update: UpdateRule,
    payoffs: Payoffs,
    *,
    compliant: bool = False,
) -> dict[str, np.ndarray]:
    """``mesa``, ``safety``, ``base``, ``harm`` (and ``compliant``) for each start ``k``.

    ``safety`` is the probability that no unoverseen defection succeeds;
    ``compliant`` the expected number of unoverseen deployment episodes in
    which the agent complies. Under the hard update only.

    >>> from deception_sim import HardUpdate
    >>> found = switch_outcomes([1, 3, 6], Schedule.fixed(2, 3), HardUpdate(), Payoffs())
    >>> found["mesa"].tolist()
    [1.0, 3.0, 0.0]
    """
    reason = unsupported(schedule, update, payoffs)
    if reason is not None:
        raise ValueError(reason)
    s = schedule
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
    # Every overseen defection is detected (the hard update): it earns v_overseen + v_detected.
    v_caught = v_ov + payoffs.v_detected
    caught = s.survival()[i]  # P(T >= k): episode k is training, the defection is caught
    deployed = 1.0 - caught
    padded = np.append(weight, 0.0)
    if payoffs.utility == "count":
        tail = _backward(weight * (h * v_caught + stay * success * v_dep), stay)
        mesa = caught * v_caught * padded[i] + deployed * tail[i]
    else:
        mesa = deployed * _backward(weight * stay * success, stay * (1.0 - success))[i]
        if payoffs.v_detected != 0.0:
            # A detection before the success: in training at once, else by a honeypot.
            detected = _backward(weight * h, stay * (1.0 - success))
            mesa = mesa + payoffs.v_detected * (caught * padded[i] + deployed * detected[i])
    if payoffs.v_clean != 0.0:
        # Clean: the run ends before episode k (it defects from k on, if it gets there).
        if n == 0:
            mesa = mesa + payoffs.v_clean
        else:
            ends = reach * (1.0 - s.continue_prob)
            ends[-1] = reach[-1]
            before = np.append(0.0, np.cumsum(ends * payoffs.discount ** np.arange(n)))
            mesa = mesa + payoffs.v_clean * before[i]
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
