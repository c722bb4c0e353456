"""``optimize``, its :class:`Solution`, and the :class:`Optimal` strategy."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .. import _validate
from ..exact.forward import _check_types
from ..model.payoffs import Payoffs
from ..model.schedule import Schedule
from ..model.update import HardUpdate, UpdateRule
from ..strategies.builtin import Memoryless, Strategy, _metadata
from ..strategies.controller import Controller
from . import clock, known_phase, memoryless

INFORMATION: tuple[str, ...] = ("known_phase", "clock", "memoryless")
"""The information settings :func:`optimize` solves (see the package documentation)."""


@dataclass(frozen=True, eq=False, repr=False)
class Optimal(Strategy):
    """The optimal strategy for one model and information setting.

    Constructing it solves the problem (see :func:`optimize`, which also
    reports the value and how it was found). It is a strategy like the
    built-in ones, but only for the model it was solved for: its decision
    table is per objective level (every modified self chooses for its own
    objective), and asking for it on another schedule is an error.

    >>> from deception_sim import Schedule, evaluate
    >>> maze = Schedule.fixed(train=2, deploy=3)
    >>> best = Optimal(maze, information="known_phase")
    >>> best.plan()
    'BBAAA'
    >>> evaluate(best, maze).mesa
    3.0
    """

    schedule: Schedule
    update: UpdateRule = field(default_factory=HardUpdate)
    payoffs: Payoffs = field(default_factory=Payoffs)
    information: str = "known_phase"
    _solved: dict[str, Any] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        _check_types(schedule=self.schedule, update=self.update, payoffs=self.payoffs)
        _validate.choice("information", self.information, INFORMATION)
        if self.information == "known_phase" and self.schedule.cue_accuracy != 1.0:
            raise ValueError(
                "information='known_phase' means the agent sees the phase, so the schedule's "
                f"cue_accuracy must be 1, got {self.schedule.cue_accuracy!r}; use "
                "information='clock' or 'memoryless' for a noisy cue"
            )
        self._solved.update(_solve(self.schedule, self.update, self.payoffs, self.information))

    # -- the strategy interface
    def decision_table(self, schedule: Schedule) -> np.ndarray:
        self._check_model(schedule)
        if "controller" in self._solved:
            raise ValueError(
                "this optimal clock policy depends on the agent's whole history of cues, so it "
                "has no per-episode decision table; evaluate() and simulate() follow its "
                "controller (policy.controller(schedule, update, payoffs))"
            )
        return self._solved["table"]

    def controller(self, schedule: Schedule, update=None, payoffs=None):
        """The tree of observation histories, for a clock policy that needs one, else None."""
        if "controller" not in self._solved:
            return None
        self._check_model(schedule, update, payoffs)
        return self._solved["controller"]

    def _check_model(self, schedule: Schedule, update=None, payoffs=None) -> None:
        for name, given, solved in (
            ("schedule", schedule, self.schedule),
            ("update", update, self.update),
            ("payoffs", payoffs, self.payoffs),
        ):
            if given is not None and given != solved:
                raise ValueError(
                    f"{name} {given!r} is not the one this Optimal strategy was solved for "
                    f"({solved!r}); solve again with optimize()"
                )

    @property
    def metadata(self) -> dict[str, bool]:
        if "controller" in self._solved:
            actions = self._solved["controller"].action
            return _metadata(
                cue=True,
                clock=True,
                memory=True,
                schedule=True,
                stochastic=bool(((actions > 0) & (actions < 1)).any()),
                solver=True,
            )
        table = self._solved["table"]
        rows_differ = bool((table != table[:, :1]).any()) if table.size else False
        columns_differ = bool((table[..., 0] != table[..., 1]).any()) if table.size else False
        return _metadata(
            cue=columns_differ,
            clock=rows_differ,
            memory=self.information == "clock",
            schedule=True,
            stochastic=bool(((table > 0) & (table < 1)).any()),
            solver=True,
        )

    @property
    def name(self) -> str:
        return f"Optimal({self.information})"

    def plan(self) -> str | None:
        """The unmodified agent's choices as a plan, where the schedule fixes the phases.

        With a fixed boundary and a deterministic policy, the letters the agent
        plays in episodes ``1..N`` while its objective is intact; ``None``
        otherwise.
        """
        train = self.schedule.fixed_train
        table = self._solved.get("table")
        if train is None or table is None or self.metadata["stochastic"]:
            return None
        q = self.schedule.cue_accuracy
        if q not in (0.5, 1.0):
            return None
        phases = np.arange(self.schedule.horizon) >= train
        if q == 1.0:
            row = table[0, np.arange(self.schedule.horizon), phases.astype(int)]
        else:
            row = table[0, :, 0]
        return "".join("A" if a else "B" for a in row)

    def as_memoryless(self) -> Memoryless | None:
        """For ``information="memoryless"``: the equivalent :class:`Memoryless` strategy."""
        return self._solved.get("memoryless")

    def rule(self) -> str:
        """A readable description of the policy of the unmodified agent."""
        if self.information == "memoryless":
            return repr(self._solved["memoryless"])
        plan = self.plan()
        if plan is not None:
            return plan
        if "controller" in self._solved:
            tree = self._solved["controller"]
            return f"a tree of {tree.nodes} observation histories (it reads past cues)"
        table = self._solved["table"]
        if self.schedule.cue_accuracy == 0.5 or not self.metadata["cue"]:
            return "".join("A" if a else "B" for a in table[0, :, 0])
        by_cue = ["".join("A" if a else "B" for a in table[0, :, cue]) for cue in (0, 1)]
        return f"train cue: {by_cue[0]}; deploy cue: {by_cue[1]}"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Optimal):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def _key(self) -> tuple:
        return (self.schedule, self.update, self.payoffs, self.information)

    def __repr__(self) -> str:
        return (
            f"Optimal({self.schedule!r}, {self.update!r}, {self.payoffs!r}, "
            f"information={self.information!r})"
        )


def _solve(schedule: Schedule, update: UpdateRule, payoffs: Payoffs, information: str):
    if information == "known_phase":
        policy, _, mesa, base, diagnostics = known_phase.solve(schedule, update, payoffs)
        table = np.moveaxis(policy, 0, -1).astype(float)  # [level, t, cue = phase seen]
        method = "backward induction over (episode, phase, objective level), " + diagnostics.pop(
            "method"
        )
        return {"table": table, "value": mesa, "base": base, "method": method, **diagnostics}
    if information == "clock":
        policy, mesa, base, diagnostics = clock.solve(schedule, update, payoffs)
        key = "controller" if isinstance(policy, Controller) else "table"
        method = diagnostics.pop("method")
        return {key: policy, "value": mesa, "base": base, "method": method, **diagnostics}
    found = memoryless.solve(schedule, update, payoffs)
    policy = Memoryless({"train": found["p"][0], "deploy": found["p"][1]})
    table = np.asarray(policy.decision_table(schedule), dtype=float)
    return {"table": table, "memoryless": policy, **found}


@dataclass(frozen=True)
class Solution:
    """What :func:`optimize` found.

    Attributes
    ----------
    policy:
        The optimal strategy (an :class:`Optimal`; for ``"memoryless"`` its
        ``rule()`` is the equivalent :class:`~deception_sim.Memoryless`).
    value:
        Its expected mesa utility (the original objective's), exact.
    base:
        Its expected base payoff.
    method:
        How it was found.
    diagnostics:
        Solver details: rounds of policy iteration, the probe episode,
        optimizer status and evaluations, the value curve, ...
    """

    policy: Optimal
    value: float
    base: float
    method: str
    diagnostics: dict[str, Any] = field(repr=False)

    def summary(self) -> dict[str, object]:
        """One table row: the information setting, the policy's rule, value and method."""
        return {
            "information": self.policy.information,
            "schedule": self.policy.schedule.describe(),
            "update": repr(self.policy.update),
            "policy": self.policy.rule(),
            "value": self.value,
            "base": self.base,
            "method": self.method,
        }


def optimize(
    schedule: Schedule,
    update: UpdateRule | None = None,
    payoffs: Payoffs | None = None,
    information: str = "known_phase",
) -> Solution:
    """The agent's optimal policy in an information setting, its value and how it was found.

    >>> from deception_sim import Schedule
    >>> solution = optimize(Schedule.fixed(train=2, deploy=3))
    >>> solution.policy.plan(), solution.value
    ('BBAAA', 3.0)
    >>> hidden = Schedule.random_boundary(5, [0, 1/3, 1/3, 1/3, 0, 0], observable=False)
    >>> probe = optimize(hidden, information="clock")
    >>> probe.policy.rule(), round(probe.value, 12)
    ('BBAAA', 2.333333333333)
    """
    update = HardUpdate() if update is None else update
    payoffs = Payoffs() if payoffs is None else payoffs
    policy = Optimal(schedule, update, payoffs, information)
    solved = dict(policy._solved)
    value = float(solved.pop("value"))
    base = float(solved.pop("base"))
    method = str(solved.pop("method"))
    for key in ("table", "controller", "memoryless"):
        solved.pop(key, None)
    return Solution(policy=policy, value=value, base=base, method=method, diagnostics=solved)
