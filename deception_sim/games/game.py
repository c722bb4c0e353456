"""The game: the :class:`Game` facade, its :class:`GameSolution`, and the built-in games.

A :class:`Game` holds the overseer's options (rows) and the agent's
(columns); its matrices are computed on first use, one exact evaluation per
cell (:func:`~deception_sim.games.outcome`, or the closed forms of
:mod:`deception_sim.games.threshold`). :meth:`Game.solve` finds the
equilibrium with the algorithms over plain arrays of
:mod:`deception_sim.games.lp` and returns a :class:`GameSolution`.

A game in which oversight is free is trivial (train for ever, audit
everything), so the built-in games (:func:`training_length_game`,
:func:`honeypot_game`, :func:`audit_game`) always charge for oversight or cap
it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from .. import _validate
from .._display import html_table, short_repr
from ..exact.switch import switch_start
from ..exact.switch import unsupported as switch_unsupported
from ..model import Payoffs, limits
from ..solvers import optimize
from ..strategies import Aligned, Deceptive, Greedy, Strategy
from .lp import (
    TOLERANCE,
    pure_commitment,
    solve_stackelberg,
    solve_zero_sum,
    zero_sum_form,
)
from .options import (
    AgentOption,
    BestResponse,
    OverseerPayoffs,
    Oversight,
    audit_plans,
    defection_starts,
    honeypot_rates,
    training_lengths,
)
from .outcomes import _outcome_keys, outcome
from .threshold import threshold_outcomes

CONCEPTS: tuple[str, ...] = ("auto", "zero_sum", "stackelberg")
"""Solution concepts :meth:`Game.solve` accepts."""


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

    def _rows(self) -> list[tuple[str, object]]:
        rows = list(self.summary().items())
        for player, strategy in (
            ("overseer", self.overseer_strategy),
            ("agent", self.agent_strategy),
        ):
            played = [f"{option}: {p:.4g}" for option, p in strategy.items() if p > 1e-12]
            rows.append((f"{player} plays", "; ".join(played)))
        return rows

    def __repr__(self) -> str:
        row = self.summary()
        keys = ("concept", "overseer_value", "agent_value", "pure_option", "value_of_randomizing")
        return short_repr("GameSolution", [(key, row[key]) for key in keys], head=1)

    def _repr_html_(self) -> str:
        return html_table("GameSolution", self._rows())

    def summary(self) -> dict[str, object]:
        """One table row for the equilibrium.

        Columns ``concept``, ``overseer_value`` (:attr:`value`), ``agent_value``,
        ``pure_option``, ``pure_value`` and ``value_of_randomizing``.
        """
        return {
            "concept": self.concept,
            "overseer_value": self.value,
            "agent_value": self.agent_value,
            "pure_option": self.pure_option,
            "pure_value": self.pure_value,
            "value_of_randomizing": self.value_of_randomizing,
        }

    def strategies(self, *, threshold: float = 1e-12) -> pd.DataFrame:
        """The options played with probability above ``threshold``, one row each."""
        rows = []
        for player, strategy in (
            ("overseer", self.overseer_strategy),
            ("agent", self.agent_strategy),
        ):
            for option, probability in strategy.items():
                if probability > threshold:
                    rows.append(
                        {"player": player, "option": option, "probability": float(probability)}
                    )
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
        for answer in agent:
            if not isinstance(answer, (Strategy, BestResponse)):
                raise ValueError(
                    f"agent options must be strategies or BestResponse, got {type(answer).__name__}"
                )
        if not isinstance(self.payoffs, Payoffs):
            raise ValueError(f"payoffs must be a Payoffs, got {type(self.payoffs).__name__}")
        if not isinstance(self.overseer_payoffs, OverseerPayoffs):
            raise ValueError(
                f"overseer_payoffs must be an OverseerPayoffs, got "
                f"{type(self.overseer_payoffs).__name__}"
            )
        for player, labels in (
            ("overseer", [o.label for o in overseer]),
            ("agent", [a.name for a in agent]),
        ):
            repeated = sorted({x for x in labels if labels.count(x) > 1})
            if repeated:
                raise ValueError(
                    f"{player} options must have distinct labels; repeated: {repeated}"
                )
        object.__setattr__(self, "overseer", overseer)
        object.__setattr__(self, "agent", agent)

    def __repr__(self) -> str:
        return (
            f"<Game {self.name!r}: {len(self.overseer)} overseer options x "
            f"{len(self.agent)} agent options, {self.overseer_payoffs.objective}>"
        )

    def _repr_html_(self) -> str:
        """The game's size and objective, and the overseer's payoffs when they fit a screen."""
        rows: list[tuple[str, object]] = [
            ("name", self.name),
            ("overseer options", len(self.overseer)),
            ("agent options", len(self.agent)),
            ("overseer objective", self.overseer_payoffs.objective),
            ("zero-sum", str(self.is_zero_sum())),
        ]
        text = html_table("Game", rows)
        if len(self.overseer) <= 12 and len(self.agent) <= 12:
            matrix = self.overseer_matrix.to_html(float_format=lambda v: f"{v:.4g}")
            text += "\n<p>Overseer's payoffs (rows: overseer, columns: agent)</p>\n" + matrix
        return text

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
        starts = [
            switch_start(option) if isinstance(option, Strategy) else None for option in self.agent
        ]
        fast = [col for col, start in enumerate(starts) if start is not None]
        fast_starts = np.array([starts[col] for col in fast], dtype=np.int64)
        for row, oversight in enumerate(self.overseer):
            model = (oversight.schedule, oversight.update, self.payoffs)
            closed_form = fast if switch_unsupported(*model) is None else []
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
                policy: Strategy
                if isinstance(option, BestResponse):
                    policy = optimize(
                        oversight.schedule, oversight.update, self.payoffs, option.information
                    ).policy
                else:
                    policy = option
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
        """One row per (overseer option, agent option): every payoff and its parts.

        Columns ``overseer`` and ``agent`` (the options' labels), ``mesa``,
        ``safety``, ``base``, ``harm`` (and ``compliant`` when deployment has
        a value), ``overseen``, ``cost`` and ``overseer_payoff``.
        """
        o = self._outcomes
        rows, cols = np.indices(o["mesa"].shape)
        frame = pd.DataFrame(
            {
                "overseer": np.array(self.overseer_labels, dtype=object)[rows.ravel()],
                "agent": np.array(self.agent_labels, dtype=object)[cols.ravel()],
                **{key: o[key].ravel() for key in _outcome_keys("compliant" in o)},
                "overseen": o["overseen"][rows.ravel()],
                "cost": o["cost"][rows.ravel()],
                "overseer_payoff": o["overseer"].ravel(),
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
        diagnostics: dict[str, Any]
        if concept == "zero_sum":
            nash = solve_zero_sum(zero_sum)
            x, y = nash.row_strategy, nash.column_strategy
            method, diagnostics = nash.method, {"gap": nash.gap}
        else:
            commitment = solve_stackelberg(overseer, agent)
            x, y = commitment.leader_strategy, commitment.follower_strategy
            method = commitment.method
            diagnostics = {"induced": pd.Series(commitment.induced, index=self.agent_labels)}
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


def _check_size(parameter: str, rows: int, columns: int, horizon: int) -> None:
    """Refuse a game whose options and matrices would exceed the memory budget."""
    what = f"a game of {rows} x {columns} options over {horizon} episodes"
    limits.check_memory(what, parameter, limits.game_bytes(rows, columns, horizon))


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
    rows = limits.size_of(lengths) if lengths is not None else horizon + 1  # at most
    _check_size("horizon", rows or 1, horizon + 2, horizon)
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
    train = _validate.integer("train", train)
    deploy = _validate.integer("deploy", deploy)
    rows = (limits.size_of(rates) or 1) * (limits.size_of(detects) or 1)
    columns = limits.size_of(agents) if agents is not None else train + deploy + 3
    _check_size("rates", rows, columns or 1, train + deploy)  # sized before listed
    rates = None if rates is None else _validate.sequence("rates", rates)
    detects = _validate.sequence("detects", detects)
    agents = None if agents is None else _validate.sequence("agents", agents)
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
    _check_size("deploy", 1, deploy + 1, train + deploy)
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
