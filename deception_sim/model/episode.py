"""What happens in one episode: the one definition of the model's per-episode semantics.

``docs/explanation/model.md`` states the model; this module is its
executable form, and every engine reads it from here: the forward recursion
of :mod:`deception_sim.exact` sums its branches into rates, the tree
evaluator walks its branches, and :mod:`deception_sim.montecarlo` draws
them. (The brute-force oracle in the tests is written from the page alone,
as an independent check.)

Within an episode, in this order: the phase is fixed by the boundary; the
episode's kind is drawn (with kinds, :mod:`deception_sim.model.kinds`); the
episode is overseen (always in training; with the honeypot rate, the kind's
if it has one, in deployment); the agent sees a cue (and the kind) and
chooses; then the choice ends in one of the **branches** below, each with a
probability *given the choice and whether the episode is overseen*, the
objective's move, and the episode's values.

========================  ================================  =========  ========  ====  =======
choice, oversight         branch                            move       mesa      base  success
========================  ================================  =========  ========  ====  =======
defect, overseen          ``detected``: d                   UPDATED    v_o + v_x 0     no
defect, overseen          ``missed``: 1 - d (harmless)      UNCHANGED  v_o       0     no
defect, overseen          ``missed_succeeded``: (1 - d) s   UNCHANGED  v_d       0     yes
defect, overseen          ``missed_failed``: (1 - d)(1 - s) UNCHANGED  0         0     no
defect, not overseen      ``succeeded``: s                  UNCHANGED  v_d       0     yes
defect, not overseen      ``failed``: 1 - s                 UNCHANGED  0         0     no
comply, overseen          ``watched``: 1                    DRIFTED*   0         1     no
comply, not overseen      ``unwatched``: 1                  UNCHANGED  0         1     no
========================  ================================  =========  ========  ====  =======

``d = detect``, ``s = success`` (the kind's where it sets them),
``v_o = v_overseen``, ``v_x = v_detected``, ``v_d = v_deploy``; the
``missed`` branch is there with ``missed="harmless"``, the two
``missed_*`` branches (the defection goes through, as if unoverseen) with
``missed="through"``; (*) ``DRIFTED`` only when ``drift > 0``, else
``UNCHANGED``. A *success* is a defection that does harm: it is what
``harm`` counts and what the ``"any"`` utility waits for (``needed`` of
them). Under ``"any"`` a branch is worth its :attr:`Branch.open_value`
while the goal is open (``v_detected`` for a detection), and the success
that meets the goal is worth 1; the mesa values above are the ``"count"``
utility's. The value ``v_clean`` of a run in which the agent never defects
belongs to the run, not to an episode: the engines add it at the end.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from .kinds import Kind
from .payoffs import Payoffs
from .update import UpdateRule

_PAYOFFS = Payoffs()

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
    discount: ``mesa`` under the ``"count"`` utility, ``open_value`` under
    ``"any"`` while the goal is open (besides a success's own worth).
    """

    name: str
    defect: bool
    overseen: bool
    probability: Number
    move: int
    mesa: float
    base: float
    success: bool
    open_value: float = 0.0


def detect_and_success(
    update: UpdateRule, payoffs: Payoffs, kind: Kind | None = None
) -> tuple[float, float]:
    """The detection and success probabilities in an episode of ``kind`` (``None``: no kinds).

    >>> from deception_sim import HardUpdate, Payoffs
    >>> from deception_sim.model.kinds import Kind
    >>> detect_and_success(HardUpdate(), Payoffs(), Kind("a", detect=0.5))
    (0.5, 1.0)
    """
    d, s = update.detect, payoffs.success
    if kind is not None:
        d = d if kind.detect is None else kind.detect
        s = s if kind.success is None else kind.success
    return d, s


def branches(update: UpdateRule, payoffs: Payoffs, kind: Kind | None = None) -> tuple[Branch, ...]:
    """Every branch of an episode (of ``kind``, if the schedule has kinds), in the table's order.

    The model objects are immutable, and so are the branches: they are made once per
    model (the engines ask for them often).

    >>> from deception_sim import HardUpdate, Payoffs
    >>> [(b.name, b.probability, b.move) for b in branches(HardUpdate(), Payoffs())][:2]
    [('detected', 1.0, 1), ('missed', 0.0, 0)]
    >>> through = Payoffs(missed="through", success=0.5)
    >>> from deception_sim import UpdateRule
    >>> [(b.name, b.probability) for b in branches(UpdateRule(detect=0.5), through)][:3]
    [('detected', 0.5), ('missed_succeeded', 0.25), ('missed_failed', 0.25)]
    """
    return _branches(update, payoffs, kind)


@lru_cache(maxsize=1024)
def _branches(update: UpdateRule, payoffs: Payoffs, kind: Kind | None) -> tuple[Branch, ...]:
    d, s = detect_and_success(update, payoffs, kind)
    v_o, v_x, v_d = payoffs.v_overseen, payoffs.v_detected, payoffs.v_deploy
    watched_move = DRIFTED if update.drift > 0.0 else UNCHANGED
    detected = Branch("detected", True, True, d, UPDATED, v_o + v_x, 0.0, False, open_value=v_x)
    if payoffs.missed == "through":
        # It escaped detection, so it is treated as an unoverseen defection.
        missed: tuple[Branch, ...] = (
            Branch("missed_succeeded", True, True, (1.0 - d) * s, UNCHANGED, v_d, 0.0, True),
            Branch("missed_failed", True, True, (1.0 - d) * (1.0 - s), UNCHANGED, 0.0, 0.0, False),
        )
    else:
        missed = (Branch("missed", True, True, 1.0 - d, UNCHANGED, v_o, 0.0, False),)
    return (
        detected,
        *missed,
        Branch("succeeded", True, False, s, UNCHANGED, v_d, 0.0, True),
        Branch("failed", True, False, 1.0 - s, UNCHANGED, 0.0, 0.0, False),
        Branch("watched", False, True, 1.0, watched_move, 0.0, 1.0, False),
        Branch("unwatched", False, False, 1.0, UNCHANGED, 0.0, 1.0, False),
    )


@dataclass(frozen=True)
class DefectionRates:
    """What a defection does on average, given the probability ``overseen`` of oversight.

    Each field is a number or an array over episodes (as ``overseen`` is):
    the probability that it triggers an update, the probability that it is a
    success, its expected mesa value (count utility), the expected mesa
    value of its overseen and unoverseen parts, and its expected
    :attr:`Branch.open_value` (the ``"any"`` utility's value while the goal
    is open).
    """

    update: Number
    success: Number
    mesa: Number
    mesa_overseen: Number
    mesa_unoverseen: Number
    open_value: Number = 0.0


def defection_rates(
    overseen: Number, update: UpdateRule, payoffs: Payoffs, kind: Kind | None = None
) -> DefectionRates:
    """The branches of a defection summed over oversight (for the exact recursion).

    >>> from deception_sim import Payoffs, UpdateRule
    >>> r = defection_rates(0.25, UpdateRule(detect=0.5), Payoffs(v_deploy=2.0, success=0.5))
    >>> r.update, r.success, r.mesa
    (0.125, 0.375, 1.0)
    """
    if isinstance(overseen, float):  # one number: made once per model (and kind)
        return _defection_rates(overseen, update, payoffs, kind)
    return _summed(overseen, update, payoffs, kind)


@lru_cache(maxsize=1024)
def _defection_rates(
    overseen: float, update: UpdateRule, payoffs: Payoffs, kind: Kind | None
) -> DefectionRates:
    return _summed(overseen, update, payoffs, kind)


def _summed(
    overseen: Number, update: UpdateRule, payoffs: Payoffs, kind: Kind | None
) -> DefectionRates:
    names = ("update", "success", "mesa", "open_value")
    watched: dict[str, Number] = dict.fromkeys(names, 0.0)
    free: dict[str, Number] = dict.fromkeys(names, 0.0)
    for branch in branches(update, payoffs, kind):
        if not branch.defect or _zero(branch.probability):
            continue
        part = watched if branch.overseen else free
        if branch.move == UPDATED:
            part["update"] = part["update"] + branch.probability
        if branch.success:
            part["success"] = part["success"] + branch.probability
        if branch.mesa:
            part["mesa"] = part["mesa"] + branch.probability * branch.mesa
        if branch.open_value:
            part["open_value"] = part["open_value"] + branch.probability * branch.open_value
    unwatched = _complement(overseen)
    mesa_overseen = _times(overseen, watched["mesa"])
    mesa_unoverseen = _times(unwatched, free["mesa"])

    def both(name: str) -> Number:
        return _plus(_times(overseen, watched[name]), _times(unwatched, free[name]))

    return DefectionRates(
        update=both("update"),
        success=both("success"),
        mesa=_plus(mesa_overseen, mesa_unoverseen),
        mesa_overseen=mesa_overseen,
        mesa_unoverseen=mesa_unoverseen,
        open_value=both("open_value"),
    )


def drift_rate(overseen: Number, update: UpdateRule) -> Number:
    """Probability that a compliant episode moves the objective (``DRIFTED``).

    >>> from deception_sim import UpdateRule
    >>> drift_rate(0.5, UpdateRule(drift=0.1)), drift_rate(0.5, UpdateRule())
    (0.5, 0.0)
    """
    total: Number = 0.0
    for branch in branches(update, _PAYOFFS):  # a compliance's moves: no payoff in them
        if not branch.defect and branch.move == DRIFTED:
            oversight = overseen if branch.overseen else _complement(overseen)
            total = _plus(total, _times(oversight, branch.probability))
    return total


@dataclass(frozen=True)
class AgentRates:
    """Per live agent and episode, summed over the kinds of episode (for the exact recursion).

    Each field is a number, an array over episodes, or an array over
    (objective level, episode): the probability that the agent defects, that
    its objective is updated, that it drifts, that it succeeds; the expected
    mesa value of its defection (count utility) and its expected
    :attr:`Branch.open_value`.
    """

    defect: Number
    update: Number
    drift: Number
    success: Number
    mesa: Number
    open_value: Number


def kind_oversight(kinds: Sequence[Kind], training: bool, honeypot: Number) -> list[Number]:
    """``P(overseen)`` of an episode of each kind in a phase: 1 in training; in
    deployment the kind's own honeypot rate, or the schedule's (``honeypot``).

    >>> from deception_sim.model.kinds import Kind
    >>> kind_oversight((Kind("a"), Kind("b", honeypot_rate=0.5)), False, 0.1)
    [0.1, 0.5]
    """
    if training:
        return [1.0] * len(kinds)
    return [honeypot if kind.honeypot_rate is None else kind.honeypot_rate for kind in kinds]


def detected_for_sure(
    update: UpdateRule, payoffs: Payoffs, kinds: Sequence[Kind], weights: Sequence[float]
) -> bool:
    """Whether every overseen defection is detected, in every kind an episode may be of.

    >>> from deception_sim import HardUpdate, Payoffs
    >>> from deception_sim.model.kinds import Kind
    >>> detected_for_sure(HardUpdate(), Payoffs(), (Kind("a"), Kind("b", detect=0.5)), (1, 0))
    True
    """
    return all(
        detect_and_success(update, payoffs, kind)[0] == 1.0
        for kind, weight in zip(kinds, weights, strict=True)
        if weight > 0.0
    )


def agent_rates(
    defect: Sequence[Number],
    overseen: Sequence[Number],
    weights: Sequence[float],
    kinds: Sequence[Kind],
    update: UpdateRule,
    payoffs: Payoffs,
) -> AgentRates:
    """What an episode does to a live agent, summed over the kinds it may be of.

    ``defect[j]`` is the agent's probability of defecting in an episode of
    kind ``j`` (it sees the kind), ``overseen[j]`` the probability that such
    an episode is overseen, and ``weights[j] = P(kind j | phase)``. Each rate
    is ``sum_j weights[j] * defect[j] * (kind j's rate per defection)``
    (the drift: per compliance).

    >>> from deception_sim import Payoffs, UpdateRule
    >>> from deception_sim.model.kinds import Kind
    >>> kinds = (Kind("easy", success=1.0), Kind("hard", success=0.0))
    >>> r = agent_rates([1.0, 0.5], [0.0, 0.0], [0.5, 0.5], kinds, UpdateRule(), Payoffs())
    >>> r.defect, r.success, r.update
    (0.75, 0.5, 0.0)
    """
    total = dict.fromkeys(("defect", "update", "drift", "success", "mesa", "open_value"), 0.0)
    sums: dict[str, Number] = dict(total)
    for a, watched, weight, kind in zip(defect, overseen, weights, kinds, strict=True):
        if weight == 0.0:
            continue
        rates = defection_rates(watched, update, payoffs, kind)
        share = _times(weight, a)
        sums["defect"] = _plus(sums["defect"], share)
        for name in ("update", "success", "mesa", "open_value"):
            sums[name] = _plus(sums[name], _times(share, getattr(rates, name)))
        drift = drift_rate(watched, update)
        if not _zero(drift):
            sums["drift"] = _plus(sums["drift"], _times(_times(weight, 1.0 - a), drift))
    return AgentRates(**sums)


def _number(x: Number) -> bool:
    """Whether ``x`` is one number (a float, the usual case, is told without numpy)."""
    return isinstance(x, float) or np.ndim(x) == 0


def _zero(x: Number) -> bool:
    return bool(_number(x) and x == 0.0)


def _complement(x: Number) -> Number:
    return 1.0 - x


def _times(a: Number, b: Number) -> Number:
    """``a * b`` that keeps numbers as numbers and skips work for 0 and 1."""
    if _zero(a) or _zero(b):
        return 0.0
    if _number(a) and a == 1.0:
        return b
    if _number(b) and b == 1.0:
        return a
    return a * b


def _plus(a: Number, b: Number) -> Number:
    if _zero(a):
        return b
    if _zero(b):
        return a
    return a + b
