"""What happens in one episode: the one definition of the model's per-episode semantics.

``docs/explanation/model.md`` states the model; this module is its
executable form, and every engine reads it from here: the forward recursion
of :mod:`deception_sim.exact` sums its branches into rates, the tree
evaluator walks its branches, and :mod:`deception_sim.montecarlo` draws
them. (The brute-force oracle in the tests is written from the page alone,
as an independent check.)

Within an episode, in this order: the phase is fixed by the boundary; the
episode is overseen (always in training; with the honeypot rate in
deployment); the agent sees a cue and chooses; then the choice ends in one
of the **branches** below, each with a probability *given the choice and
whether the episode is overseen*, the objective's move, and the episode's
values.

========================  =====================  ==========  ====  ====  =======
choice, oversight         branch                 move        mesa  base  success
========================  =====================  ==========  ====  ====  =======
defect, overseen          ``detected``: d        UPDATED     v_o   0     no
defect, overseen          ``missed``: 1 - d      UNCHANGED   v_o   0     no
defect, not overseen      ``succeeded``: s       UNCHANGED   v_d   0     yes
defect, not overseen      ``failed``: 1 - s      UNCHANGED   0     0     no
comply, overseen          ``watched``: 1         DRIFTED*    0     1     no
comply, not overseen      ``unwatched``: 1       UNCHANGED   0     1     no
========================  =====================  ==========  ====  ====  =======

``d = detect``, ``s = success``, ``v_o = v_overseen``, ``v_d = v_deploy``;
(*) ``DRIFTED`` only when ``drift > 0``, else ``UNCHANGED``. A *success* is a
successful unoverseen defection: it is what ``harm`` counts and what the
``"any"`` utility waits for.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .payoffs import Payoffs
from .update import UpdateRule

UNCHANGED, UPDATED, DRIFTED = 0, 1, 2
"""How an episode moves the agent's objective (an index into :data:`MOVES`)."""

MOVES: tuple[str, str, str] = ("unchanged", "updated", "drifted")
"""The names of the objective's moves, in the order of their constants."""

Number = float | np.ndarray


@dataclass(frozen=True)
class Branch:
    """One way an episode can end, given the choice and the oversight.

    ``probability`` is conditional on ``(defect, overseen)``; it is a number
    or an array over episodes. The values are the episode's own, before any
    discount.
    """

    name: str
    defect: bool
    overseen: bool
    probability: Number
    move: int
    mesa: float
    base: float
    success: bool


def branches(update: UpdateRule, payoffs: Payoffs) -> tuple[Branch, ...]:
    """Every branch of an episode, in the order of the module's table.

    >>> from deception_sim import HardUpdate, Payoffs
    >>> [(b.name, b.probability, b.move) for b in branches(HardUpdate(), Payoffs())][:2]
    [('detected', 1.0, 1), ('missed', 0.0, 0)]
    """
    d, s = update.detect, payoffs.success
    watched_move = DRIFTED if update.drift > 0.0 else UNCHANGED
    return (
        Branch("detected", True, True, d, UPDATED, payoffs.v_overseen, 0.0, False),
        Branch("missed", True, True, 1.0 - d, UNCHANGED, payoffs.v_overseen, 0.0, False),
        Branch("succeeded", True, False, s, UNCHANGED, payoffs.v_deploy, 0.0, True),
        Branch("failed", True, False, 1.0 - s, UNCHANGED, 0.0, 0.0, False),
        Branch("watched", False, True, 1.0, watched_move, 0.0, 1.0, False),
        Branch("unwatched", False, False, 1.0, UNCHANGED, 0.0, 1.0, False),
    )


@dataclass(frozen=True)
class DefectionRates:
    """What a defection does on average, given the probability ``overseen`` of oversight.

    Each field is a number or an array over episodes (as ``overseen`` is):
    the probability that it triggers an update, the probability that it is a
    success, its expected mesa value (count utility), and the expected mesa
    value of its overseen and unoverseen parts.
    """

    update: Number
    success: Number
    mesa: Number
    mesa_overseen: Number
    mesa_unoverseen: Number


def defection_rates(overseen: Number, update: UpdateRule, payoffs: Payoffs) -> DefectionRates:
    """The branches of a defection summed over oversight (for the exact recursion).

    >>> from deception_sim import Payoffs, UpdateRule
    >>> r = defection_rates(0.25, UpdateRule(detect=0.5), Payoffs(v_deploy=2.0, success=0.5))
    >>> r.update, r.success, r.mesa
    (0.125, 0.375, 1.0)
    """
    watched: dict[str, Number] = {"update": 0.0, "success": 0.0, "mesa": 0.0}
    free: dict[str, Number] = {"update": 0.0, "success": 0.0, "mesa": 0.0}
    for branch in branches(update, payoffs):
        if not branch.defect or _zero(branch.probability):
            continue
        part = watched if branch.overseen else free
        if branch.move == UPDATED:
            part["update"] = part["update"] + branch.probability
        if branch.success:
            part["success"] = part["success"] + branch.probability
        if branch.mesa:
            part["mesa"] = part["mesa"] + branch.probability * branch.mesa
    unwatched = _complement(overseen)
    mesa_overseen = _times(overseen, watched["mesa"])
    mesa_unoverseen = _times(unwatched, free["mesa"])
    return DefectionRates(
        update=_plus(_times(overseen, watched["update"]), _times(unwatched, free["update"])),
        success=_plus(_times(overseen, watched["success"]), _times(unwatched, free["success"])),
        mesa=_plus(mesa_overseen, mesa_unoverseen),
        mesa_overseen=mesa_overseen,
        mesa_unoverseen=mesa_unoverseen,
    )


def drift_rate(overseen: Number, update: UpdateRule) -> Number:
    """Probability that a compliant episode moves the objective (``DRIFTED``).

    >>> from deception_sim import UpdateRule
    >>> drift_rate(0.5, UpdateRule(drift=0.1)), drift_rate(0.5, UpdateRule())
    (0.5, 0.0)
    """
    total: Number = 0.0
    for branch in branches(update, Payoffs()):
        if not branch.defect and branch.move == DRIFTED:
            oversight = overseen if branch.overseen else _complement(overseen)
            total = _plus(total, _times(oversight, branch.probability))
    return total


def _zero(x: Number) -> bool:
    return bool(np.ndim(x) == 0 and x == 0.0)


def _complement(x: Number) -> Number:
    return 1.0 - x


def _times(a: Number, b: Number) -> Number:
    """``a * b`` that keeps numbers as numbers and skips work for 0 and 1."""
    if _zero(a) or _zero(b):
        return 0.0
    if np.ndim(a) == 0 and a == 1.0:
        return b
    if np.ndim(b) == 0 and b == 1.0:
        return a
    return a * b


def _plus(a: Number, b: Number) -> Number:
    if _zero(a):
        return b
    if _zero(b):
        return a
    return a + b
