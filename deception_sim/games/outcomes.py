"""One cell of a game: the numbers a game needs from one exact evaluation.

Every cell of a :class:`~deception_sim.games.Game` is one exact evaluation
(:func:`~deception_sim.evaluate`) of an agent option on the model an
overseer option defines, so the matrices mean what the rest of the package
means: :func:`outcome` reads off the agent's mesa utility, the base payoff,
the harm, the overseer's safety and (when asked) the compliant deployment
episodes. The closed forms for "comply, then defect" agents are in
:mod:`deception_sim.games.threshold`.
"""

from __future__ import annotations

import dataclasses

from ..exact import evaluate
from ..model import Payoffs
from ..strategies import Strategy
from .options import Oversight
from .threshold import _unoverseen_defections


def _outcome_keys(compliant: bool) -> list[str]:
    keys = ["mesa", "safety", "base", "harm"]
    return [*keys, "compliant"] if compliant else keys


def outcome(
    policy: Strategy,
    oversight: Oversight,
    payoffs: Payoffs,
    *,
    compliant: bool = False,
) -> dict[str, float]:
    """The numbers a game needs from one exact evaluation of ``policy`` under ``oversight``.

    ``mesa``, ``base`` and ``harm`` as in :class:`~deception_sim.exact.Result`;
    ``safety`` = 1 - P(an unoverseen defection succeeds during the run); with
    ``compliant=True`` also the expected number of unoverseen deployment
    episodes in which the agent complies.

    >>> from deception_sim import Deceptive, Schedule
    >>> outcome(Deceptive(), Oversight(Schedule.fixed(2, 3, honeypot_rate=0.5)), Payoffs())
    {'mesa': 1.75, 'safety': 0.5, 'base': 3.25, 'harm': 0.875}
    """
    schedule, update = oversight.schedule, oversight.update
    result = evaluate(policy, schedule, update, payoffs)
    out = {"mesa": result.mesa, "base": result.base, "harm": result.harm}
    # Safety is P(no success): the "any" utility of one success, undiscounted, and
    # nothing else (no value for detections or for a clean run).
    safe = dataclasses.replace(
        payoffs, utility="any", discount=1.0, needed=1, v_detected=0.0, v_clean=0.0
    )
    if safe == payoffs:
        out["safety"] = 1.0 - result.mesa
    else:
        out["safety"] = 1.0 - evaluate(policy, schedule, update, safe).mesa
    out = {key: out[key] for key in _outcome_keys(False)}
    if compliant:
        out["compliant"] = oversight.unoverseen_deployment() - _unoverseen_defections(
            policy, oversight, payoffs
        )
    return out
