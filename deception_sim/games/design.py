"""Continuous choices: the agent's best response by the solver, the overseer's by scipy.

The overseer's options here are a continuous family (a *design*: a function
from a parameter, such as the audited fraction of deployment, to an
:class:`~deception_sim.games.Oversight`). The agent best-responds to the
announced option with the optimal-policies solver
(:func:`~deception_sim.solvers.optimize`, memoryless by default), and the
overseer picks the parameter that maximizes its payoff given that response
(a Stackelberg game with a continuum of commitments): a dense grid over the
parameter, then ``scipy.optimize.minimize_scalar`` (bounded) from the best
grid points. Sweeping the price of oversight traces the safety-cost frontier.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import optimize as sciopt

from .. import _validate
from ..exact import evaluate
from ..model import HardUpdate, Payoffs, Schedule, UpdateRule
from ..solvers import INFORMATION, Solution, optimize
from ..strategies import Deceptive, Greedy, Strategy
from .options import OverseerPayoffs, Oversight
from .outcomes import outcome

Design = Callable[[float], Oversight]
"""A continuous family of overseer options: parameter -> :class:`Oversight`."""

GRID = 17
STARTS = 2
XTOL = 1e-4


def best_response(
    oversight: Oversight, payoffs: Payoffs | None = None, information: str = "memoryless"
) -> Solution:
    """The agent's optimal policy against ``oversight`` (the solver, in ``information``).

    Against audits of the first two of four deployment episodes, a memoryless
    agent whose utility is "any" defects with probability ``1 - 1/sqrt(2)``:

    >>> audited = first_audits(0, 4, 0.5)
    >>> solution = best_response(audited, Payoffs(utility="any"))
    >>> round(solution.policy.as_memoryless().probabilities[0], 6)
    0.292893
    """
    if not isinstance(oversight, Oversight):
        raise ValueError(f"oversight must be an Oversight, got {type(oversight).__name__}")
    _validate.choice("information", information, INFORMATION)
    payoffs = Payoffs() if payoffs is None else payoffs
    return optimize(oversight.schedule, oversight.update, payoffs, information)


def first_audits(
    train: int,
    deploy: int,
    fraction: float,
    *,
    observable: bool = False,
    update: UpdateRule | None = None,
) -> Oversight:
    """Audit the first ``fraction`` of the deployment episodes.

    ``fraction * deploy`` need not be whole: the episode after the last fully
    audited one is audited with the remaining probability, so the expected
    number of audits is ``fraction * deploy`` and the design is continuous in
    ``fraction``. No cue by default (``observable=False``).

    >>> first_audits(1, 4, 0.375).schedule.honeypots().tolist()
    [0.0, 1.0, 0.5, 0.0, 0.0]
    """
    train = _validate.integer("train", train)
    deploy = _validate.integer("deploy", deploy)
    fraction = _validate.probability("fraction", fraction)
    audits = fraction * deploy
    whole = min(deploy, math.floor(audits + 1e-12))
    rate = np.zeros(train + deploy)
    rate[train : train + whole] = 1.0
    if whole < deploy:
        rate[train + whole] = max(0.0, audits - whole)
    schedule = Schedule.fixed(train, deploy, honeypot_rate=rate, observable=observable)
    return Oversight(
        schedule, HardUpdate() if update is None else update, label=f"first {fraction:g} audited"
    )


def random_audits(
    train: int,
    deploy: int,
    fraction: float,
    *,
    observable: bool = False,
    update: UpdateRule | None = None,
) -> Oversight:
    """Audit each deployment episode independently with probability ``fraction``.

    >>> random_audits(1, 2, 0.25).schedule.honeypots().tolist()
    [0.25, 0.25, 0.25]
    """
    fraction = _validate.probability("fraction", fraction)
    schedule = Schedule.fixed(train, deploy, honeypot_rate=fraction, observable=observable)
    return Oversight(
        schedule, HardUpdate() if update is None else update, label=f"random {fraction:g} audited"
    )


def deterrence_rate(
    schedule: Schedule,
    *,
    policy: Strategy | None = None,
    baseline: Strategy | None = None,
    update: UpdateRule | None = None,
    payoffs: Payoffs | None = None,
    grid: int = 65,
) -> float:
    """The smallest honeypot rate at which ``policy`` earns no more than ``baseline``.

    Defaults: the treacherous turn (:class:`~deception_sim.Deceptive`) against
    :class:`~deception_sim.Greedy`, i.e. the honeypot rate that makes
    deception unprofitable. The rate replaces the schedule's
    ``honeypot_rate``; the first sign change on a grid of ``grid`` rates is
    refined with ``scipy.optimize.brentq``. NaN if even a rate of 1 does not
    deter.

    With the seed's payoffs an apple is eaten even when a honeypot catches the
    agent, so nothing short of certain oversight deters it. An impatient agent
    (discount ``g``) that waits ``T`` episodes gets
    ``g**T * (1 - (g * (1 - h))**D) / (1 - g * (1 - h))`` from deception, against
    Greedy's one apple now:

    >>> deterrence_rate(Schedule.fixed(2, 3))
    1.0
    >>> round(deterrence_rate(Schedule.fixed(2, 3), payoffs=Payoffs(discount=0.8)), 4)
    0.4983
    """
    policy = Deceptive() if policy is None else policy
    baseline = Greedy() if baseline is None else baseline
    update = HardUpdate() if update is None else update
    payoffs = Payoffs() if payoffs is None else payoffs
    grid = _validate.integer("grid", grid, minimum=2)
    if not isinstance(schedule, Schedule):
        raise ValueError(f"schedule must be a Schedule, got {type(schedule).__name__}")

    def advantage(h: float) -> float:
        at = dataclasses.replace(schedule, honeypot_rate=float(h))
        return (
            evaluate(policy, at, update, payoffs).mesa
            - evaluate(baseline, at, update, payoffs).mesa
        )

    rates = np.linspace(0.0, 1.0, grid)
    values = [advantage(h) for h in rates]
    for i, value in enumerate(values):
        if value <= 0.0:
            if i == 0:
                return 0.0
            return float(sciopt.brentq(advantage, rates[i - 1], rates[i], xtol=1e-14))
    return math.nan


# ---------------------------------------------------------------------------- the overseer


@dataclass(frozen=True)
class OversightChoice:
    """The overseer's best parameter of a design against a best-responding agent.

    Attributes
    ----------
    parameter:
        The chosen parameter.
    oversight:
        The option it gives.
    value:
        The overseer's payoff there (:class:`OverseerPayoffs`).
    safety, cost, overseen:
        Its parts: safety against the agent's response, what the oversight
        costs, expected overseen episodes.
    agent:
        The agent's best response (the solver's :class:`Solution`).
    method:
        How it was found (the grid, the refinements, how many solves).
    """

    parameter: float
    oversight: Oversight = field(repr=False)
    value: float
    safety: float
    cost: float
    overseen: float
    agent: Solution = field(repr=False)
    method: str = field(repr=False)


@dataclass(frozen=True)
class _Response:
    """The agent's best response to one overseer option, and the outcome it gives."""

    oversight: Oversight
    agent: Solution
    mesa: float
    safety: float
    base: float
    harm: float
    compliant: float

    def outcome(self) -> dict[str, float]:
        """The outcome as :meth:`OverseerPayoffs.payoff` reads it (a fresh dict)."""
        return {
            "mesa": self.mesa,
            "safety": self.safety,
            "base": self.base,
            "harm": self.harm,
            "compliant": self.compliant,
        }


class _Responses:
    """The agent's best response and the outcome at each parameter, computed once per call.

    Only for the call that made it: a :class:`Solution` carries mutable parts
    (its ``diagnostics``, its policy's tables), so one shared across calls
    would let a caller's change show up in another call's answer.
    """

    def __init__(self, design: Design, payoffs: Payoffs, information: str) -> None:
        self.design, self.payoffs, self.information = design, payoffs, information
        self.cache: dict[float, _Response] = {}

    def __call__(self, x: float) -> _Response:
        x = float(x)
        if x not in self.cache:
            oversight = self.design(x)
            if not isinstance(oversight, Oversight):
                raise ValueError(f"design must return an Oversight, got {type(oversight).__name__}")
            solution = best_response(oversight, self.payoffs, self.information)
            found = outcome(solution.policy, oversight, self.payoffs, compliant=True)
            self.cache[x] = _Response(
                oversight=oversight,
                agent=solution,
                mesa=found["mesa"],
                safety=found["safety"],
                base=found["base"],
                harm=found["harm"],
                compliant=found["compliant"],
            )
        return self.cache[x]


def _bounds(bounds: tuple[float, float]) -> tuple[float, float]:
    try:
        low, high = bounds
    except (TypeError, ValueError):
        raise ValueError(f"bounds must be a pair (low, high), got {bounds!r}") from None
    low = _validate.real("bounds[0]", low)
    high = _validate.real("bounds[1]", high)
    if high < low:
        raise ValueError(f"bounds must have low <= high, got {bounds!r}")
    return low, high


def _choose(
    responses: _Responses, overseer: OverseerPayoffs, low: float, high: float, grid: int
) -> OversightChoice:
    def value(x: float) -> float:
        found = responses(x)
        return float(overseer.payoff(found.outcome(), overseer.cost(found.oversight)))

    before = len(responses.cache)
    xs = np.linspace(low, high, grid) if high > low else np.array([low])
    scores = np.array([value(x) for x in xs])
    candidates = [(scores[i], xs[i]) for i in range(xs.size)]
    refined: list[int] = []
    for i in np.argsort(-scores, kind="stable")[:STARTS]:
        if any(abs(int(i) - j) <= 1 for j in refined):
            continue  # the same basin as a point already refined
        refined.append(int(i))
        a, b = xs[max(i - 1, 0)], xs[min(i + 1, xs.size - 1)]
        if b > a:
            result = sciopt.minimize_scalar(
                lambda x: -value(x), bounds=(a, b), method="bounded", options={"xatol": XTOL}
            )
            candidates.append((value(result.x), float(result.x)))
    # The best payoff; among payoffs equal to rounding, the smallest parameter.
    best = max(c[0] for c in candidates)
    x = min(c[1] for c in candidates if c[0] >= best - 1e-12 * max(1.0, abs(best)))
    found = responses(x)
    return OversightChoice(
        parameter=float(x),
        oversight=found.oversight,
        value=value(x),
        safety=float(found.safety),
        cost=float(overseer.cost(found.oversight)),
        overseen=found.oversight.overseen(),
        agent=found.agent,
        method=f"{xs.size}-point grid + bounded Brent refinement (scipy.optimize."
        f"minimize_scalar) around the best {STARTS} grid points that are not neighbours; "
        f"{len(responses.cache) - before} parameters tried, each against the solver's "
        f"best response",
    )


def _payoffs(payoffs: object) -> Payoffs:
    """``payoffs``, or the default ``Payoffs()`` for ``None``; ``ValueError`` for anything else."""
    if payoffs is None:
        return Payoffs()
    if not isinstance(payoffs, Payoffs):
        raise ValueError(f"payoffs must be a Payoffs, got {type(payoffs).__name__}")
    return payoffs


def best_oversight(
    design: Design,
    bounds: tuple[float, float] = (0.0, 1.0),
    *,
    payoffs: Payoffs | None = None,
    overseer: OverseerPayoffs | None = None,
    information: str = "memoryless",
    grid: int = GRID,
) -> OversightChoice:
    """The overseer's best parameter of ``design`` when the agent best-responds.

    The agent's response to each parameter is the solver's optimal policy
    (in ``information``; ties as the solver breaks them); the overseer's
    payoff is :class:`OverseerPayoffs` (default: safety, free oversight). A
    ``grid``-point grid over ``bounds``, then bounded Brent refinement around
    the best points; never a single local start.

    At a price of 0.05 (in safety) per audited episode, the overseer of 20
    deployment episodes audits the first 30% against a memoryless agent:

    >>> from functools import partial
    >>> choice = best_oversight(partial(first_audits, 0, 20), payoffs=Payoffs(utility="any"),
    ...                         overseer=OverseerPayoffs("safety", oversight_cost=0.05))
    >>> round(choice.parameter, 3), round(choice.safety, 3)
    (0.3, 0.582)
    """
    low, high = _bounds(bounds)
    payoffs = _payoffs(payoffs)
    overseer = OverseerPayoffs() if overseer is None else overseer
    if not isinstance(overseer, OverseerPayoffs):
        raise ValueError(f"overseer must be an OverseerPayoffs, got {type(overseer).__name__}")
    _validate.choice("information", information, INFORMATION)
    grid = _validate.integer("grid", grid, minimum=2)
    if not callable(design):
        raise ValueError(f"design must be a function parameter -> Oversight, got {design!r}")
    return _choose(_Responses(design, payoffs, information), overseer, low, high, grid)


def safety_frontier(
    design: Design,
    prices: Iterable[float],
    bounds: tuple[float, float] = (0.0, 1.0),
    *,
    payoffs: Payoffs | None = None,
    information: str = "memoryless",
    grid: int = GRID,
) -> pd.DataFrame:
    """The overseer's best choice of ``design`` at each price per overseen episode.

    For each price ``c`` the overseer maximizes ``safety - c * overseen``
    against the agent's best response (:func:`best_oversight`); the chosen
    points trace the upper frontier of safety against oversight cost. One row
    per price: ``price``, ``parameter``, ``overseen`` (expected overseen
    episodes), ``safety``, ``overseer_value`` (the overseer's payoff),
    ``agent_value`` and ``agent_rule`` (the value and the rule of the agent's
    best response, :meth:`~deception_sim.Optimal.rule`). The agent's responses
    are solved once per parameter and shared between the prices of this call.

    >>> from functools import partial
    >>> frontier = safety_frontier(partial(first_audits, 0, 10), [0.01, 0.05],
    ...                            payoffs=Payoffs(utility="any"), grid=11)
    >>> frontier[["price", "parameter", "safety"]].round(3).to_dict("list")
    {'price': [0.01, 0.05], 'parameter': [1.0, 0.7], 'safety': [1.0, 0.869]}
    """
    low, high = _bounds(bounds)
    payoffs = _payoffs(payoffs)
    _validate.choice("information", information, INFORMATION)
    grid = _validate.integer("grid", grid, minimum=2)
    if not callable(design):
        raise ValueError(f"design must be a function parameter -> Oversight, got {design!r}")
    prices = [_validate.real("prices", c, low=0.0) for c in _validate.sequence("prices", prices)]
    if not prices:
        raise ValueError("prices must list at least one price")
    responses = _Responses(design, payoffs, information)
    rows = []
    for price in prices:
        overseer = OverseerPayoffs("safety", oversight_cost=price)
        choice = _choose(responses, overseer, low, high, grid)
        rows.append(
            {
                "price": price,
                "parameter": choice.parameter,
                "overseen": choice.overseen,
                "safety": choice.safety,
                "overseer_value": choice.value,
                "agent_value": choice.agent.value,
                "agent_rule": choice.agent.policy.rule(),
            }
        )
    return pd.DataFrame(rows)


def design_curve(
    design: Design,
    parameters: Iterable[float],
    *,
    payoffs: Payoffs | None = None,
    information: str = "memoryless",
) -> pd.DataFrame:
    """Safety and cost of ``design`` at each parameter against the agent's best response.

    One row per parameter: ``parameter``, ``overseen``, ``safety``,
    ``agent_value`` and ``agent_rule`` (as in :func:`safety_frontier`).

    >>> from functools import partial
    >>> curve = design_curve(partial(random_audits, 0, 10), [0.0, 0.5],
    ...                      payoffs=Payoffs(utility="any"))
    >>> (curve[["parameter", "overseen", "safety"]].round(12) + 0.0).to_dict("list")
    {'parameter': [0.0, 0.5], 'overseen': [0.0, 5.0], 'safety': [0.0, 0.5]}
    """
    payoffs = _payoffs(payoffs)
    _validate.choice("information", information, INFORMATION)
    if not callable(design):
        raise ValueError(f"design must be a function parameter -> Oversight, got {design!r}")
    parameters = _validate.sequence("parameters", parameters)
    responses = _Responses(design, payoffs, information)
    rows = []
    for x in parameters:
        x = _validate.real("parameters", x)
        found = responses(x)
        rows.append(
            {
                "parameter": x,
                "overseen": found.oversight.overseen(),
                "safety": float(found.safety),
                "agent_value": found.agent.value,
                "agent_rule": found.agent.policy.rule(),
            }
        )
    return pd.DataFrame(rows)
