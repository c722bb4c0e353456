"""Games from the model: the overseer's options, the agent's options, and their payoffs.

An overseer option (:class:`Oversight`) is a schedule and an update rule: how
long training lasts (or its distribution), which deployment episodes are
honeypots or audits, how likely an overseen defection is detected. An agent
option is a strategy (:class:`~deception_sim.Strategy`) or the solver's best
response to each overseer option (:class:`BestResponse`). Every cell of the
game is one exact evaluation (:func:`~deception_sim.exact`) of the agent
option on the model the overseer option defines, so the matrices mean what
the rest of the package means:

* the agent's payoff is its mesa utility (:attr:`Result.mesa` under the
  game's :class:`~deception_sim.Payoffs`);
* the overseer's payoff (:class:`OverseerPayoffs`) is its objective
  (*safety*, the probability that no unoverseen defection succeeds during the
  run; or minus the agent's mesa utility; or the base payoff) minus what its
  oversight costs, plus what working deployment is worth to it.

A game in which oversight is free is trivial (train for ever, audit
everything), so the built-in games (:func:`training_length_game`,
:func:`honeypot_game`, :func:`audit_game`) always charge for oversight or cap
it. :meth:`Game.solve` finds the equilibrium with the algorithms of
:mod:`deception_sim.games.algorithms`.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from .. import _validate
from ..exact import evaluate
from ..exact.scan import affine_scan
from ..model.payoffs import Payoffs
from ..model.schedule import Schedule
from ..model.update import HardUpdate, UpdateRule
from ..solvers import INFORMATION, optimize
from ..strategies import Aligned, Deceptive, Greedy, Memoryless, Plan, Strategy, Threshold
from .lp import (
    TOLERANCE,
    pure_commitment,
    solve_stackelberg,
    solve_zero_sum,
    zero_sum_form,
)

OBJECTIVES: tuple[str, ...] = ("safety", "zero_sum", "base")
"""What the overseer's payoff is built on (see :class:`OverseerPayoffs`)."""

CONCEPTS: tuple[str, ...] = ("auto", "zero_sum", "stackelberg")
"""Solution concepts :meth:`Game.solve` accepts."""

MAX_AUDIT_SETS = 5000
"""Most audit sets ``placements="all"`` will list (``C(deploy, audits)``)."""

# An exact power of two: scaling by it is exact, and 1 / (1 + _TINY) == 1.0, so a
# model with v_deploy = 0 keeps its objective levels (see _unoverseen_defections).
_TINY = 2.0**-600


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
        return float(s.reach() @ (p_train + (1.0 - p_train) * s.honeypots()))

    def unoverseen_deployment(self) -> float:
        """Expected number of deployment episodes that are not overseen."""
        s = self.schedule
        return float(s.reach() @ ((1.0 - s.p_train()) * (1.0 - s.honeypots())))


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

    def payoff(self, outcome: dict[str, Any], cost: float) -> Any:
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
    chosen = [_validate.integer("lengths", t) for t in lengths]
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
    rates = [_validate.probability("rates", h) for h in rates]
    detects = [_validate.probability("detects", d) for d in detects]
    if not rates or not detects:
        raise ValueError("rates and detects must each list at least one probability")
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
        sets = [tuple(sorted({_validate.integer("placements", e, minimum=1) for e in s}))
                for s in placements]
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
    rates = [_validate.probability("rates", p) for p in rates]
    if not rates:
        raise ValueError("rates must list at least one probability")
    if cue:
        return tuple(Memoryless({"train": 0.0, "deploy": p}) for p in rates)
    return tuple(Memoryless(p) for p in rates)


# ---------------------------------------------------------------------------- outcomes


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

    >>> from deception_sim import Deceptive
    >>> outcome(Deceptive(), Oversight(Schedule.fixed(2, 3, honeypot_rate=0.5)), Payoffs())
    {'mesa': 1.75, 'safety': 0.5, 'base': 3.25, 'harm': 0.875}
    """
    schedule, update = oversight.schedule, oversight.update
    result = evaluate(policy, schedule, update, payoffs)
    out = {"mesa": result.mesa, "base": result.base, "harm": result.harm}
    if payoffs.utility == "any" and payoffs.discount == 1.0:
        out["safety"] = 1.0 - result.mesa
    else:
        safe = dataclasses.replace(payoffs, utility="any", discount=1.0)
        out["safety"] = 1.0 - evaluate(policy, schedule, update, safe).mesa
    out = {key: out[key] for key in _outcome_keys(False)}
    if compliant:
        out["compliant"] = oversight.unoverseen_deployment() - _unoverseen_defections(
            policy, oversight, payoffs
        )
    return out


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
    starts: Sequence[int], oversight: Oversight, payoffs: Payoffs, *, compliant: bool = False
) -> dict[str, np.ndarray]:
    """:func:`outcome` for many "defect from episode k" agents at once, under the hard update.

    Closed forms, vectorized over ``k`` (one backward pass per quantity), for
    agents that comply before episode ``k`` and defect from it on
    (:class:`~deception_sim.Threshold`; :class:`~deception_sim.Greedy` is
    ``k = 1``, :class:`~deception_sim.Aligned` is ``k = N + 1``). If episode
    ``k`` is training the agent is caught at once; otherwise it is deployed
    and defects until a honeypot catches it. They equal :func:`outcome` (the
    tests check it) and make games with a thousand options cheap.

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


# ---------------------------------------------------------------------------- the game


@dataclass(frozen=True, eq=False)
class GameSolution:
    """An equilibrium of a :class:`Game`.

    Attributes
    ----------
    concept:
        ``"zero_sum"`` (a Nash equilibrium of a strategically zero-sum game:
        both strategies are optimal, whatever the other does) or
        ``"stackelberg"`` (the overseer commits to its mixed strategy, the
        agent best-responds with a pure option, ties in the overseer's favour).
    value, agent_value:
        The overseer's and the agent's expected payoffs at the equilibrium.
    overseer_strategy, agent_strategy:
        Probabilities over the options, as Series indexed by their labels.
    pure_value, pure_option:
        The best the overseer can do with a pure (announced) option against
        a best-responding agent, and that option.
    method, diagnostics:
        How it was solved; the saddle-point gap or the per-response values.
    """

    concept: str
    value: float
    agent_value: float
    overseer_strategy: pd.Series = field(repr=False)
    agent_strategy: pd.Series = field(repr=False)
    pure_value: float
    pure_option: str
    method: str = field(repr=False)
    diagnostics: dict[str, Any] = field(repr=False, default_factory=dict)

    @property
    def value_of_randomizing(self) -> float:
        """What mixing gains the overseer over its best pure option (>= 0; differences
        within the solvers' rounding, 1e-9 relative, count as 0)."""
        gain = self.value - self.pure_value
        return gain if abs(gain) > TOLERANCE * max(1.0, abs(self.pure_value)) else 0.0

    def summary(self) -> dict[str, object]:
        """One table row: the concept, both values, and what randomizing is worth."""
        return {
            "concept": self.concept,
            "overseer value": self.value,
            "agent value": self.agent_value,
            "best pure option": self.pure_option,
            "pure value": self.pure_value,
            "value of randomizing": self.value_of_randomizing,
        }

    def strategies(self, *, threshold: float = 1e-12) -> pd.DataFrame:
        """The options played with probability above ``threshold``, one row each."""
        rows = []
        for player, strategy in (("overseer", self.overseer_strategy),
                                 ("agent", self.agent_strategy)):
            for option, probability in strategy.items():
                if probability > threshold:
                    rows.append({"player": player, "option": option,
                                 "probability": float(probability)})
        return pd.DataFrame(rows, columns=["player", "option", "probability"])


@dataclass(frozen=True, eq=False, repr=False)
class Game:
    """A two-player game between the overseer (rows) and the agent (columns).

    Parameters
    ----------
    overseer:
        The overseer's options (:class:`Oversight`), e.g. from
        :func:`training_lengths`, :func:`honeypot_rates` or :func:`audit_plans`.
    agent:
        The agent's options: strategies (e.g. :func:`defection_starts`,
        :func:`memoryless_rates`, ``Deceptive()``) or :class:`BestResponse`.
    payoffs:
        The agent's payoffs (its mesa utility).
    overseer_payoffs:
        The overseer's (:class:`OverseerPayoffs`).
    name:
        A label for tables.

    The matrices are computed on first use: one exact evaluation per cell
    (closed forms for :class:`~deception_sim.Threshold` agents under the
    hard update).

    >>> from deception_sim import Deceptive, Greedy
    >>> game = Game(honeypot_rates(2, 3, [0.0, 1.0]), (Greedy(), Deceptive()),
    ...             overseer_payoffs=OverseerPayoffs("zero_sum", oversight_cost=0.5))
    >>> game.agent_matrix  # doctest: +NORMALIZE_WHITESPACE
    agent     Greedy()  Deceptive()
    overseer
    h=0            1.0          3.0
    h=1            1.0          1.0
    >>> game.solve().overseer_strategy.to_dict()
    {'h=0': 0.0, 'h=1': 1.0}
    """

    overseer: tuple[Oversight, ...]
    agent: tuple[AgentOption, ...]
    payoffs: Payoffs = field(default_factory=Payoffs)
    overseer_payoffs: OverseerPayoffs = field(default_factory=OverseerPayoffs)
    name: str = "game"

    def __post_init__(self) -> None:
        overseer = tuple(self.overseer) if _iterable(self.overseer) else None
        agent = tuple(self.agent) if _iterable(self.agent) else None
        if not overseer:
            raise ValueError("overseer must list at least one Oversight option")
        if not agent:
            raise ValueError("agent must list at least one strategy or BestResponse")
        for option in overseer:
            if not isinstance(option, Oversight):
                raise ValueError(
                    f"overseer options must be Oversight objects, got {type(option).__name__}"
                )
        for option in agent:
            if not isinstance(option, (Strategy, BestResponse)):
                raise ValueError(
                    f"agent options must be strategies or BestResponse, got "
                    f"{type(option).__name__}"
                )
        if not isinstance(self.payoffs, Payoffs):
            raise ValueError(f"payoffs must be a Payoffs, got {type(self.payoffs).__name__}")
        if not isinstance(self.overseer_payoffs, OverseerPayoffs):
            raise ValueError(
                f"overseer_payoffs must be an OverseerPayoffs, got "
                f"{type(self.overseer_payoffs).__name__}"
            )
        for player, labels in (("overseer", [o.label for o in overseer]),
                               ("agent", [a.name for a in agent])):
            repeated = sorted({x for x in labels if labels.count(x) > 1})
            if repeated:
                raise ValueError(f"{player} options must have distinct labels; repeated: "
                                 f"{repeated}")
        object.__setattr__(self, "overseer", overseer)
        object.__setattr__(self, "agent", agent)

    def __repr__(self) -> str:
        return (
            f"<Game {self.name!r}: {len(self.overseer)} overseer options x "
            f"{len(self.agent)} agent options, {self.overseer_payoffs.objective}>"
        )

    # -- the matrices
    @property
    def overseer_labels(self) -> list[str]:
        return [o.label for o in self.overseer]

    @property
    def agent_labels(self) -> list[str]:
        return [a.name for a in self.agent]

    @cached_property
    def _outcomes(self) -> dict[str, np.ndarray]:
        compliant = self.overseer_payoffs.deployed_value != 0.0
        keys = _outcome_keys(compliant)
        shape = (len(self.overseer), len(self.agent))
        out = {key: np.empty(shape) for key in keys}
        starts = [_start(option) if isinstance(option, Strategy) else None
                  for option in self.agent]
        fast = [col for col, start in enumerate(starts) if start is not None]
        fast_starts = np.array([starts[col] for col in fast], dtype=np.int64)
        for row, oversight in enumerate(self.overseer):
            closed_form = fast if oversight.update.is_hard else []
            if closed_form:
                found = threshold_outcomes(
                    fast_starts, oversight, self.payoffs, compliant=compliant
                )
                for key in keys:
                    out[key][row, closed_form] = found[key]
            done = set(closed_form)
            for col, option in enumerate(self.agent):
                if col in done:
                    continue
                policy = option
                if isinstance(option, BestResponse):
                    policy = optimize(
                        oversight.schedule, oversight.update, self.payoffs, option.information
                    ).policy
                cell = outcome(policy, oversight, self.payoffs, compliant=compliant)
                for key in keys:
                    out[key][row, col] = cell[key]
        out["cost"] = np.array([self.overseer_payoffs.cost(o) for o in self.overseer])
        out["overseen"] = np.array([o.overseen() for o in self.overseer])
        out["overseer"] = self.overseer_payoffs.payoff(out, out["cost"][:, None])
        return out

    def _frame(self, values: np.ndarray) -> pd.DataFrame:
        return pd.DataFrame(
            values,
            index=pd.Index(self.overseer_labels, name="overseer"),
            columns=pd.Index(self.agent_labels, name="agent"),
        )

    @property
    def agent_matrix(self) -> pd.DataFrame:
        """The agent's payoff (its mesa utility), overseer options by agent options."""
        return self._frame(self._outcomes["mesa"])

    @property
    def overseer_matrix(self) -> pd.DataFrame:
        """The overseer's payoff (:class:`OverseerPayoffs`), overseer options by agent options."""
        return self._frame(self._outcomes["overseer"])

    def cells(self) -> pd.DataFrame:
        """One row per (overseer option, agent option): every payoff and its parts."""
        o = self._outcomes
        rows, cols = np.indices(o["mesa"].shape)
        frame = pd.DataFrame(
            {
                "overseer": np.array(self.overseer_labels, dtype=object)[rows.ravel()],
                "agent": np.array(self.agent_labels, dtype=object)[cols.ravel()],
                **{key: o[key].ravel() for key in _outcome_keys("compliant" in o)},
                "overseen": o["overseen"][rows.ravel()],
                "cost": o["cost"][rows.ravel()],
                "overseer payoff": o["overseer"].ravel(),
            }
        )
        return frame

    def is_zero_sum(self) -> bool:
        """Whether the game is strategically zero-sum (see :func:`zero_sum_form`)."""
        return zero_sum_form(self._outcomes["overseer"], self._outcomes["mesa"]) is not None

    def solve(self, concept: str = "auto") -> GameSolution:
        """The equilibrium: ``"zero_sum"`` (Nash, by linear programming), ``"stackelberg"``
        (the overseer commits first), or ``"auto"`` (zero-sum when the game is, else
        Stackelberg). In a zero-sum game the two give the overseer the same value."""
        concept = _validate.choice("concept", concept, CONCEPTS)
        overseer, agent = self._outcomes["overseer"], self._outcomes["mesa"]
        zero_sum = zero_sum_form(overseer, agent)
        if concept == "zero_sum" and zero_sum is None:
            raise ValueError(
                "concept='zero_sum' needs a strategically zero-sum game (the overseer's payoff "
                "minus the agent's loss depends on one player's option at a time); use "
                "concept='stackelberg'"
            )
        if concept == "auto":
            concept = "zero_sum" if zero_sum is not None else "stackelberg"
        pure, row, _ = pure_commitment(overseer, agent)
        if concept == "zero_sum":
            found = solve_zero_sum(zero_sum)
            x, y = found.row_strategy, found.column_strategy
            method, diagnostics = found.method, {"gap": found.gap}
        else:
            found = solve_stackelberg(overseer, agent)
            x, y = found.leader_strategy, found.follower_strategy
            method = found.method
            diagnostics = {"induced": pd.Series(found.induced, index=self.agent_labels)}
        return GameSolution(
            concept=concept,
            value=float(x @ overseer @ y),
            agent_value=float(x @ agent @ y),
            overseer_strategy=pd.Series(x, index=self.overseer_labels, name="probability"),
            agent_strategy=pd.Series(y, index=self.agent_labels, name="probability"),
            pure_value=pure,
            pure_option=self.overseer_labels[row],
            method=method,
            diagnostics=diagnostics,
        )


def _iterable(value: object) -> bool:
    return isinstance(value, Iterable) and not isinstance(value, (str, bytes))


# ---------------------------------------------------------------------------- built-in games


def training_length_game(
    horizon: int,
    *,
    oversight_cost: float = 0.5,
    min_deploy_share: float = 0.0,
    observable: bool = False,
    lengths: Iterable[int] | None = None,
    payoffs: Payoffs | None = None,
) -> Game:
    """The overseer picks the training length, the agent when to start defecting.

    Zero-sum in the agent's mesa utility, with a price ``oversight_cost`` per
    training episode (in the agent's units: apples) and training capped so
    that at least the share ``min_deploy_share`` of the horizon is
    deployment. Without either, training for ever would hold the agent to
    one apple, so one of them must be positive. Hidden boundary by default
    (no cue); with ``observable=True`` the agent may also play
    :class:`~deception_sim.Deceptive`.

    >>> game = training_length_game(3, oversight_cost=1.0)
    >>> solution = game.solve()
    >>> solution.value, solution.pure_value
    (-2.5, -3.0)
    """
    horizon = _validate.integer("horizon", horizon)
    cost = _validate.real("oversight_cost", oversight_cost, low=0.0)
    share = _validate.probability("min_deploy_share", min_deploy_share)
    if cost == 0.0 and share == 0.0:
        raise ValueError(
            "oversight_cost or min_deploy_share must be positive: with free, unlimited "
            "training the overseer trains for ever and the game is trivial"
        )
    agent: tuple[AgentOption, ...] = defection_starts(horizon)
    if observable:
        agent = (Deceptive(), *agent)
    return Game(
        training_lengths(horizon, lengths, min_deploy_share=share, observable=observable),
        agent,
        Payoffs() if payoffs is None else payoffs,
        OverseerPayoffs("zero_sum", oversight_cost=cost),
        name=f"training length, N={horizon}" + (", observable" if observable else ", hidden"),
    )


def honeypot_game(
    train: int,
    deploy: int,
    rates: Iterable[float] | None = None,
    *,
    detects: Iterable[float] = (1.0,),
    oversight_cost: float = 0.1,
    detection_cost: float = 0.0,
    objective: str = "zero_sum",
    agents: Iterable[AgentOption] | None = None,
    observable: bool = True,
    payoffs: Payoffs | None = None,
) -> Game:
    """The overseer picks a honeypot rate (and detection probability), paying per overseen
    episode; the agent picks a policy (default Greedy, Deceptive, Aligned and the
    defection starts). Rates default to 0, 0.1, ..., 1.

    >>> game = honeypot_game(2, 10, oversight_cost=0.2)
    >>> solution = game.solve()
    >>> solution.pure_option, round(solution.agent_value, 4)
    ('h=0.7', 1.4286)
    """
    if rates is None:
        rates = np.round(np.linspace(0.0, 1.0, 11), 12)
    cost = _validate.real("oversight_cost", oversight_cost, low=0.0)
    detection = _validate.real("detection_cost", detection_cost, low=0.0)
    if cost == 0.0 and detection == 0.0:
        raise ValueError(
            "oversight_cost or detection_cost must be positive: with free honeypots the "
            "overseer makes every deployment episode one and the game is trivial"
        )
    options = honeypot_rates(train, deploy, rates, detects=detects, observable=observable)
    if agents is None:
        horizon = options[0].schedule.horizon
        agents = (Greedy(), Deceptive(), Aligned(), *defection_starts(horizon, first=2)[:-1])
    return Game(
        options,
        tuple(agents),
        Payoffs() if payoffs is None else payoffs,
        OverseerPayoffs(objective, oversight_cost=cost, detection_cost=detection),
        name=f"honeypots, T={train}, D={deploy}",
    )


def audit_game(
    train: int,
    deploy: int,
    audits: int,
    *,
    placements: str | Iterable[Iterable[int]] = "all",
    agents: Iterable[AgentOption] | None = None,
    oversight_cost: float = 0.0,
    objective: str = "safety",
    payoffs: Payoffs | None = None,
) -> Game:
    """The overseer audits ``audits`` of the ``deploy`` deployment episodes (a budget:
    ``audits < deploy``); the agent picks when to start defecting. Safety against an
    agent whose utility is "at least one unoverseen success" by default.

    Against an agent with a clock, any fixed audit set is useless (it defects in
    an unaudited episode); auditing a uniformly random set makes every
    episode audited with probability ``audits / deploy``:

    >>> solution = audit_game(0, 4, 1).solve()
    >>> solution.value, solution.pure_value
    (0.25, 0.0)
    """
    train = _validate.integer("train", train)
    deploy = _validate.integer("deploy", deploy)
    audits = _validate.integer("audits", audits)
    if audits >= deploy:
        raise ValueError(
            f"audits must be below deploy ({deploy}): auditing every deployment episode "
            f"leaves nothing deployed, got {audits}"
        )
    options = audit_plans(train, deploy, audits, placements=placements)
    if agents is None:
        agents = defection_starts(train + deploy, first=train + 1)
    return Game(
        options,
        tuple(agents),
        Payoffs(utility="any") if payoffs is None else payoffs,
        OverseerPayoffs(objective, oversight_cost=oversight_cost),
        name=f"audits, T={train}, D={deploy}, k={audits}",
    )
