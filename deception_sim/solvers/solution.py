"""What every solver returns: one :class:`Solution` type with typed fields."""

from __future__ import annotations

from dataclasses import dataclass, field, fields

import numpy as np

from .. import _validate
from .._display import html_table, short_repr
from ..model.measures import METHOD, RULE
from ..strategies.optimal import Optimal


@dataclass(frozen=True, eq=False)
class Diagnostics(_validate.ReadOnlyArrays):
    """How a solver got there; a field that does not apply to the solver is ``None``.

    Attributes
    ----------
    rounds:
        Rounds of policy iteration (known phase).
    levels:
        Live objective levels the solver tracked.
    probe_episode:
        The episode of the clock agent's probe (no cue, hard update), if it probes.
    probe_values:
        The value of probing in each episode (read-only).
    histories, nodes:
        Observation histories explored, and nodes kept, by the exact tree solver.
    evaluations:
        Exact evaluations made by the memoryless solver.
    pieces:
        The most pieces of belief the clock solver over beliefs kept at one
        (episode, level).
    grid:
        Beliefs on the grid of the clock agent's certified bounds.
    curve:
        The memoryless solver's values on its dense bracket (read-only).

    Fields can also be read by name, ``diagnostics["rounds"]``.

    >>> Diagnostics(rounds=2)["rounds"]
    2
    """

    rounds: int | None = None
    levels: int | None = None
    probe_episode: int | None = None
    probe_values: np.ndarray | None = field(default=None, repr=False)
    histories: int | None = None
    nodes: int | None = None
    evaluations: int | None = None
    pieces: int | None = None
    grid: int | None = None
    curve: np.ndarray | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        for name in ("probe_values", "curve"):
            value = getattr(self, name)
            if value is not None:
                array = np.array(value, dtype=float)
                array.setflags(write=False)
                object.__setattr__(self, name, array)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Diagnostics):
            return NotImplemented
        return all(_same(a, b) for a, b in zip(self._values(), other._values(), strict=True))

    def __hash__(self) -> int:
        return hash(tuple(v for v in self._values() if not isinstance(v, np.ndarray)))

    def _values(self) -> tuple[object, ...]:
        return tuple(getattr(self, f.name) for f in fields(self))

    def __getitem__(self, name: str) -> object:
        if name not in {f.name for f in fields(self)}:
            raise KeyError(name)
        return getattr(self, name)

    def present(self) -> dict[str, object]:
        """The fields that apply (not ``None``).

        >>> Diagnostics(rounds=2, levels=1).present()
        {'rounds': 2, 'levels': 1}
        """
        found = {f.name: getattr(self, f.name) for f in fields(self)}
        return {name: value for name, value in found.items() if value is not None}


def _same(a: object, b: object) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return (
            a is not None and b is not None and bool(np.array_equal(np.asarray(a), np.asarray(b)))
        )
    return a == b


@dataclass(frozen=True)
class Solution:
    """What :func:`~deception_sim.optimize` found.

    Attributes
    ----------
    policy:
        The optimal strategy (an :class:`~deception_sim.Optimal`; for
        ``"memoryless"`` its ``rule()`` is the equivalent
        :class:`~deception_sim.Memoryless`).
    value:
        Its expected mesa utility (the original objective's), exact.
    base:
        Its expected base payoff.
    method:
        How it was found.
    diagnostics:
        Solver details (:class:`Diagnostics`).
    upper:
        An upper bound on the optimum: ``value`` itself when the solver is
        exact (the default), larger when it only bounds the optimum (the clock
        agent with a noisy cue at long horizons: ``value`` is then the exact
        value of the returned policy, a lower bound).

    >>> from deception_sim import Schedule, optimize
    >>> solution = optimize(Schedule.fixed(2, 3))
    >>> solution.summary()["rule"]
    'BBAAA'
    >>> solution
    <Solution known_phase | T=2, D=3 | HardUpdate(): rule=BBAAA, value=3, base=2>
    """

    policy: Optimal
    value: float
    base: float
    method: str
    diagnostics: Diagnostics = field(default_factory=Diagnostics, repr=False)
    upper: float | None = None

    def __post_init__(self) -> None:
        if self.upper is None:
            object.__setattr__(self, "upper", self.value)

    @property
    def gap(self) -> float:
        """``upper - value``: 0 when the solver is exact."""
        assert self.upper is not None
        return self.upper - self.value

    @property
    def exact(self) -> bool:
        """Whether ``value`` is the optimum (not only a lower bound on it)."""
        return self.gap == 0.0

    @property
    def information(self) -> str:
        """The information setting the policy was solved for."""
        return self.policy.information

    def __repr__(self) -> str:
        row = self.summary()
        keys = ("information", "schedule", "update", RULE, "value", "base")
        return short_repr("Solution", [(key, row[key]) for key in keys], head=3)

    def _repr_html_(self) -> str:
        return html_table("Solution", list(self.summary().items()))

    def summary(self) -> dict[str, object]:
        """One table row: the information setting, the policy, its rule, value and method."""
        return {
            "information": self.policy.information,
            "schedule": self.policy.schedule.describe(),
            "update": repr(self.policy.update),
            "policy": self.policy.name,
            RULE: self.policy.rule(),
            "value": self.value,
            "base": self.base,
            METHOD: self.method,
        }
