"""The players' options in a game, and what a run is worth to the overseer.

An overseer option (:class:`Oversight`) is a schedule and an update rule: how
long training lasts (or its distribution), which deployment episodes are
honeypots or audits, how likely an overseen defection is detected. An agent
option is a strategy (:class:`~deception_sim.Strategy`) or the solver's best
response to each overseer option (:class:`BestResponse`). The overseer's
payoff (:class:`OverseerPayoffs`) is its objective (*safety*, the
probability that no unoverseen defection succeeds during the run; or minus
the agent's mesa utility; or the base payoff) minus what its oversight
costs, plus what working deployment is worth to it.

The option builders make the usual families: :func:`training_lengths`,
:func:`honeypot_rates` and :func:`audit_plans` for the overseer;
:func:`defection_starts`, :func:`all_plans` and :func:`memoryless_rates`
for the agent.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .. import _validate
from ..model import HardUpdate, Schedule, UpdateRule
from ..solvers import INFORMATION
from ..strategies import Memoryless, Plan, Strategy, Threshold

OBJECTIVES: tuple[str, ...] = ("safety", "zero_sum", "base")
"""What the overseer's payoff is built on (see :class:`OverseerPayoffs`)."""


MAX_AUDIT_SETS = 5000
"""Most audit sets ``placements="all"`` will list (``C(deploy, audits)``)."""


# ---------------------------------------------------------------------------- options


@dataclass(frozen=True)
class Oversight:
    """One option of the overseer: the schedule it runs and its update rule.

    Parameters
    ----------
    schedule:
        Training length (or its distribution), honeypots or audits, cues.
    update:
        How an overseen defection changes the agent (``detect`` is the
        detection probability).
    label:
        The option's name in tables (default: the schedule's description).

    >>> Oversight(Schedule.fixed(2, 3)).label
    'T=2, D=3'
    >>> Oversight(Schedule.fixed(2, 3, honeypot_rate=0.5)).overseen()
    3.5
    """

    schedule: Schedule
    update: UpdateRule = field(default_factory=HardUpdate)
    label: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.schedule, Schedule):
            raise ValueError(f"schedule must be a Schedule, got {type(self.schedule).__name__}")
        if not isinstance(self.update, UpdateRule):
            raise ValueError(f"update must be an UpdateRule, got {type(self.update).__name__}")
        if not isinstance(self.label, str):
            raise ValueError(f"label must be a string, got {self.label!r}")
        if not self.label:
            text = self.schedule.describe()
            if not self.update.is_hard:
                text += f", {self.update!r}"
            object.__setattr__(self, "label", text)

    def overseen(self) -> float:
        """Expected number of overseen episodes in a run (training, honeypots, audits)."""
        s = self.schedule
        p_train = s.p_train()
        return float(s.reach() @ (p_train + (1.0 - p_train) * s.deploy_oversight()))

    def unoverseen_deployment(self) -> float:
        """Expected number of deployment episodes that are not overseen."""
        s = self.schedule
        return float(s.reach() @ ((1.0 - s.p_train()) * (1.0 - s.deploy_oversight())))


@dataclass(frozen=True)
class BestResponse:
    """The agent option "best-respond to whatever the overseer chose".

    For each overseer option, the agent's optimal policy in the information
    setting ``information`` (:func:`~deception_sim.solvers.optimize`). As a
    column of a matrix game it is an agent that learns which option the
    overseer picked (the follower of a pure commitment); for an agent that
    cannot, use fixed strategies.

    >>> BestResponse("memoryless").name
    "BestResponse('memoryless')"
    """

    information: str = "memoryless"

    def __post_init__(self) -> None:
        _validate.choice("information", self.information, INFORMATION)

    @property
    def name(self) -> str:
        return f"BestResponse({self.information!r})"


AgentOption = Strategy | BestResponse


@dataclass(frozen=True)
class OverseerPayoffs:
    """What a run is worth to the overseer.

    ``payoff = objective - overseen * (oversight_cost + detection_cost * detect)
    + deployed_value * compliant``, where

    * ``objective`` is ``"safety"`` (the probability that no unoverseen
      defection succeeds during the run: ``1 -`` the mesa utility under
      ``Payoffs(utility="any", discount=1)``), ``"zero_sum"`` (minus the
      agent's own mesa utility: what the agent gains, the overseer loses) or
      ``"base"`` (the base payoff: expected discounted compliant episodes);
    * ``overseen`` is the expected number of overseen episodes (training,
      honeypots, audits), each costing ``oversight_cost``, plus
      ``detection_cost`` per unit of detection probability (``detect`` of the
      option's update rule): a price per overseen episode;
    * ``compliant`` is the expected number of unoverseen deployment episodes
      in which the agent complies: the work deployment is for, worth
      ``deployed_value`` each.

    Costs and values are in the objective's units (probability for safety,
    the agent's utility for ``"zero_sum"``, episodes for ``"base"``) and are
    not discounted. With the defaults (all 0) oversight is free: the
    built-in games set a price or a cap.

    >>> OverseerPayoffs("zero_sum", oversight_cost=0.5).objective
    'zero_sum'
    """

    objective: str = "safety"
    oversight_cost: float = 0.0
    detection_cost: float = 0.0
    deployed_value: float = 0.0

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "objective", _validate.choice("objective", self.objective, OBJECTIVES)
        )
        for name in ("oversight_cost", "detection_cost", "deployed_value"):
            object.__setattr__(self, name, _validate.real(name, getattr(self, name), low=0.0))

    def cost(self, oversight: Oversight) -> float:
        """What ``oversight`` costs the overseer per run (the same for every agent)."""
        price = self.oversight_cost + self.detection_cost * oversight.update.detect
        return oversight.overseen() * price if price else 0.0

    def payoff(self, outcome: Mapping[str, Any], cost: float | np.ndarray) -> Any:
        """The overseer's payoff from an outcome (numbers or arrays) and the cost."""
        term = {
            "safety": outcome["safety"],
            "zero_sum": -np.asarray(outcome["mesa"]),
            "base": outcome["base"],
        }[self.objective]
        value = term - cost
        if self.deployed_value:
            value = value + self.deployed_value * outcome["compliant"]
        return value


# ---------------------------------------------------------------------------- option builders


def training_lengths(
    horizon: int,
    lengths: Iterable[int] | None = None,
    *,
    min_deploy_share: float = 0.0,
    observable: bool = False,
    honeypot_rate: float = 0.0,
    update: UpdateRule | None = None,
) -> tuple[Oversight, ...]:
    """One option per training length ``T`` in a horizon of ``horizon`` episodes.

    ``lengths`` defaults to every ``T`` that leaves at least the share
    ``min_deploy_share`` of the horizon to deployment. ``observable=False``
    (the default) hides the boundary: the agent sees no cue.

    >>> [o.label for o in training_lengths(4, min_deploy_share=0.5)]
    ['T=0', 'T=1', 'T=2']
    """
    horizon = _validate.integer("horizon", horizon)
    share = _validate.probability("min_deploy_share", min_deploy_share)
    longest = math.floor((1.0 - share) * horizon + 1e-9)
    if lengths is None:
        lengths = range(longest + 1)
    chosen = [_validate.integer("lengths", t) for t in _validate.sequence("lengths", lengths)]
    if not chosen:
        raise ValueError("lengths must list at least one training length")
    for t in chosen:
        if t > longest:
            raise ValueError(
                f"lengths must be at most {longest} (horizon {horizon}, min_deploy_share "
                f"{share:g}), got {t}"
            )
    update = HardUpdate() if update is None else update
    return tuple(
        Oversight(
            Schedule.fixed(t, horizon - t, honeypot_rate=honeypot_rate, observable=observable),
            update,
            label=f"T={t}",
        )
        for t in chosen
    )


def honeypot_rates(
    train: int,
    deploy: int,
    rates: Iterable[float],
    *,
    detects: Iterable[float] = (1.0,),
    observable: bool = True,
) -> tuple[Oversight, ...]:
    """One option per (honeypot rate, detection probability) pair.

    >>> [o.label for o in honeypot_rates(2, 3, [0.0, 0.5], detects=[0.5, 1.0])]
    ['h=0, d=0.5', 'h=0, d=1', 'h=0.5, d=0.5', 'h=0.5, d=1']
    """
    rates = [_validate.probability("rates", h) for h in _validate.sequence("rates", rates)]
    detects = [_validate.probability("detects", d) for d in _validate.sequence("detects", detects)]
    if not rates or not detects:
        raise ValueError("rates and detects must each list at least one probability")
    for name, given in (("rates", rates), ("detects", detects)):
        if len(set(given)) < len(given):
            repeated = sorted({x for x in given if given.count(x) > 1})
            raise ValueError(f"{name} must not repeat a value; repeated: {repeated}")
    options = []
    for h, d in itertools.product(rates, detects):
        label = f"h={h:g}" + (f", d={d:g}" if len(detects) > 1 else "")
        schedule = Schedule.fixed(train, deploy, honeypot_rate=h, observable=observable)
        options.append(Oversight(schedule, UpdateRule(detect=d), label=label))
    return tuple(options)


def audit_plans(
    train: int,
    deploy: int,
    audits: int,
    *,
    placements: str | Iterable[Iterable[int]] = "all",
    observable: bool = True,
    update: UpdateRule | None = None,
) -> tuple[Oversight, ...]:
    """Options that audit ``audits`` of the ``deploy`` deployment episodes.

    An audited episode is an overseen deployment episode (a per-episode
    honeypot rate of 1; it looks like deployment). ``placements`` is
    ``"all"`` (every set of ``audits`` episodes), ``"first"``, ``"last"``,
    ``"spread"`` (evenly spaced), or explicit sets of deployment-episode
    numbers (1 = the first deployment episode).

    >>> [o.label for o in audit_plans(0, 3, 2)]
    ['audit 1,2', 'audit 1,3', 'audit 2,3']
    >>> audit_plans(1, 3, 1, placements="last")[0].schedule.honeypots().tolist()
    [0.0, 0.0, 0.0, 1.0]
    """
    train = _validate.integer("train", train)
    deploy = _validate.integer("deploy", deploy)
    audits = _validate.integer("audits", audits)
    if audits > deploy:
        raise ValueError(f"audits must be at most deploy ({deploy}), got {audits}")
    if isinstance(placements, str):
        sets = _placements(placements, deploy, audits)
    else:
        given = [
            _validate.sequence("placements", s)
            for s in _validate.sequence("placements", placements)
        ]
        sets = [
            tuple(sorted({_validate.integer("placements", e, minimum=1) for e in s})) for s in given
        ]
        for chosen in sets:
            if len(chosen) != audits or (chosen and chosen[-1] > deploy):
                raise ValueError(
                    f"placements must be sets of {audits} deployment episodes in 1..{deploy}, "
                    f"got {list(chosen)}"
                )
        if not sets:
            raise ValueError("placements must list at least one set of episodes")
    update = HardUpdate() if update is None else update
    options = []
    for chosen in sets:
        rate = np.zeros(train + deploy)
        rate[[train + e - 1 for e in chosen]] = 1.0
        schedule = Schedule.fixed(train, deploy, honeypot_rate=rate, observable=observable)
        label = "audit " + (",".join(str(e) for e in chosen) or "none")
        options.append(Oversight(schedule, update, label=label))
    return tuple(options)


def _placements(kind: str, deploy: int, audits: int) -> list[tuple[int, ...]]:
    episodes = range(1, deploy + 1)
    if kind == "all":
        count = math.comb(deploy, audits)
        if count > MAX_AUDIT_SETS:
            raise ValueError(
                f"placements='all' would list C({deploy}, {audits}) = {count} audit sets, more "
                f"than {MAX_AUDIT_SETS}; give fewer episodes or explicit placements"
            )
        return list(itertools.combinations(episodes, audits))
    if kind == "first":
        return [tuple(episodes[:audits])]
    if kind == "last":
        return [tuple(episodes[deploy - audits :])]
    if kind == "spread":
        if audits == 0:
            return [()]
        # Episode ceil((i + 1/2) * deploy / audits) for i = 0..audits-1: evenly spaced.
        return [tuple(math.ceil((i + 0.5) * deploy / audits) for i in range(audits))]
    raise ValueError(
        f"placements must be 'all', 'first', 'last', 'spread' or sets of episodes, got {kind!r}"
    )


def defection_starts(horizon: int, *, first: int = 1) -> tuple[Threshold, ...]:
    """The agent options "comply until episode k, then defect", ``k = first..horizon + 1``.

    ``Threshold(horizon + 1)`` never defects. For an agent with a clock and no
    cue, under the hard update and the default payoffs, no plan that first
    defects in episode ``k`` does better: once a defection goes unpunished it
    knows it is deployed, and defecting on is what pays.

    >>> defection_starts(2)
    (Threshold(1), Threshold(2), Threshold(3))
    """
    horizon = _validate.integer("horizon", horizon)
    first = _validate.integer("first", first, minimum=1)
    if first > horizon + 1:
        raise ValueError(f"first must be at most horizon + 1 ({horizon + 1}), got {first}")
    return tuple(Threshold(k) for k in range(first, horizon + 2))


MAX_PLAN_HORIZON = 12
"""Longest horizon :func:`all_plans` lists (``2**12`` plans)."""


def all_plans(horizon: int) -> tuple[Plan, ...]:
    """Every pure plan of ``horizon`` letters: the agent options of an agent with a clock
    that commits to its actions in advance.

    >>> all_plans(2)
    (Plan('AA'), Plan('AB'), Plan('BA'), Plan('BB'))
    """
    horizon = _validate.integer("horizon", horizon)
    if horizon > MAX_PLAN_HORIZON:
        raise ValueError(
            f"horizon must be at most {MAX_PLAN_HORIZON} for all_plans (2**horizon plans), "
            f"got {horizon}"
        )
    return tuple(Plan("".join(p)) for p in itertools.product("AB", repeat=horizon))


def memoryless_rates(rates: Iterable[float], *, cue: bool = False) -> tuple[Memoryless, ...]:
    """Memoryless agents on a grid of defection probabilities.

    ``cue=True``: defect with probability ``p`` on the deployment cue and
    never on the training cue.

    >>> memoryless_rates([0.5, 1.0], cue=True)
    (Memoryless({'train': 0.0, 'deploy': 0.5}), Memoryless({'train': 0.0, 'deploy': 1.0}))
    """
    rates = [_validate.probability("rates", p) for p in _validate.sequence("rates", rates)]
    if not rates:
        raise ValueError("rates must list at least one probability")
    if cue:
        return tuple(Memoryless({"train": 0.0, "deploy": p}) for p in rates)
    return tuple(Memoryless(p) for p in rates)
