"""A solved policy: :class:`Optimal`, a plain immutable strategy for the model it was solved for.

:func:`deception_sim.optimize` solves; this class only holds what it found (a
decision table per objective level, or a tree of observation histories for a
clock agent with a noisy cue), read-only, with the model it belongs to. It
solves nothing and cannot be changed after it is made.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np

from .._validate import ReadOnlyArrays
from ..model import Payoffs, Schedule, UpdateRule
from .base import Strategy, metadata
from .builtin import Memoryless
from .controller import Controller

INFORMATION: tuple[str, ...] = ("known_phase", "clock", "memoryless")
"""The information settings a policy can be solved for (see :func:`deception_sim.optimize`)."""


def _sealed(array: object) -> bool:
    """Whether nothing can write to ``array`` by accident: a float array, read-only, and
    every array it views read-only too (a solver seals the table it hands over)."""
    if not isinstance(array, np.ndarray) or array.dtype != np.float64:
        return False
    while isinstance(array, np.ndarray):
        if array.flags.writeable:
            return False
        array = array.base
    return array is None


def hand_over(array: np.ndarray) -> np.ndarray:
    """``array`` made read-only with every array it views, for :class:`Optimal` to keep
    without a copy: for a solver handing over a table nothing else holds.

    >>> owner = np.zeros((2, 3))
    >>> view = hand_over(owner[:, :2])
    >>> view.flags.writeable, owner.flags.writeable
    (False, False)
    """
    part: object = array
    while isinstance(part, np.ndarray):
        part.setflags(write=False)
        part = part.base
    return array


def _frozen(array: np.ndarray) -> np.ndarray:
    """``array`` read-only: kept if sealed, else a read-only copy (the caller's array
    stays the caller's).

    >>> mine = np.zeros((2, 2))
    >>> _frozen(mine) is mine, mine.flags.writeable
    (False, True)
    >>> mine.setflags(write=False)
    >>> _frozen(mine) is mine
    True
    """
    if _sealed(array):
        return array  # no copy: at N = 10^6 a copy costs as much as half the solve
    out = np.array(array, dtype=float)
    out.setflags(write=False)
    return out


def _digest(*arrays: np.ndarray) -> str:
    h = hashlib.sha256()
    for array in arrays:
        h.update(np.ascontiguousarray(array).tobytes())
        h.update(str(array.shape).encode())
    return h.hexdigest()


@dataclass(frozen=True, eq=False, repr=False)
class Optimal(Strategy, ReadOnlyArrays):
    """The optimal strategy for one model and information setting, as found by a solver.

    Get one from :func:`deception_sim.optimize` (``solution.policy``). Exactly
    one of ``table`` (``P(A | level, episode, cue)``, shape ``(levels, N,
    2)``: every modified self chooses for its own objective; or ``(N, 2)``
    when every self plays the same; on a schedule with ``K`` kinds of
    episode ``(levels, N, 2, K)`` or ``(N, 2, K)``, with the kind last) and
    ``controller`` (a tree of observation histories) is given. It is a
    strategy like the built-in ones, but only for the model it was solved
    for: asking for it on another model is an error. Its arrays are
    read-only: a copy of the table given, unless that is read-only already
    (with every array it views), as a solver's is.

    >>> from deception_sim import Schedule, evaluate, optimize
    >>> maze = Schedule.fixed(train=2, deploy=3)
    >>> best = optimize(maze).policy
    >>> best.plan(), evaluate(best, maze).mesa
    ('BBAAA', 3.0)
    >>> best.table.flags.writeable
    False
    """

    schedule: Schedule
    update: UpdateRule
    payoffs: Payoffs
    information: str
    table: np.ndarray | None = field(default=None, repr=False)
    controller_tree: Controller | None = field(default=None, repr=False)
    memoryless: Memoryless | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.information not in INFORMATION:
            raise ValueError(
                f"information must be one of {', '.join(map(repr, INFORMATION))}, "
                f"got {self.information!r}"
            )
        if (self.table is None) == (self.controller_tree is None):
            raise ValueError("an Optimal policy needs exactly one of table and controller_tree")
        if self.table is not None:
            table = _frozen(self.table)
            n = self.schedule.horizon
            kinds = self.schedule.kinds
            if kinds is None:
                good = table.ndim in (2, 3) and table.shape[-2:] == (n, 2)
                shapes = f"(levels, {n}, 2) or ({n}, 2)"
            else:
                good = table.ndim in (3, 4) and table.shape[-3:] == (n, 2, len(kinds))
                shapes = f"(levels, {n}, 2, {len(kinds)}) or ({n}, 2, {len(kinds)})"
            if not good:
                raise ValueError(f"table must have shape {shapes}, got {table.shape}")
            object.__setattr__(self, "table", table)

    # -- the strategy interface
    def decision_table(self, schedule: Schedule) -> np.ndarray:
        self._check_model(schedule)
        if self.table is None:
            raise ValueError(
                "this optimal clock policy depends on the agent's whole history of cues, so it "
                "has no per-episode decision table; evaluate() and simulate() follow its "
                "controller (policy.controller(schedule, update, payoffs))"
            )
        return self.table

    def controller(
        self, schedule: Schedule, update: UpdateRule | None = None, payoffs: Payoffs | None = None
    ) -> Controller | None:
        """The tree of observation histories, for a clock policy that needs one, else None."""
        if self.controller_tree is None:
            return None
        self._check_model(schedule, update, payoffs)
        return self.controller_tree

    def _check_model(
        self, schedule: Schedule, update: UpdateRule | None = None, payoffs: Payoffs | None = None
    ) -> None:
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
        if self.controller_tree is not None:
            tree = self.controller_tree
            actions = tree.action
            # It reads the cue if a choice, or where the agent goes next, depends on it.
            cue = bool(
                (actions[:, 0] != actions[:, 1]).any()
                or (tree.child[:, 0] != tree.child[:, 1]).any()
            )
            return metadata(
                cue=cue,
                clock=True,
                memory=True,
                schedule=True,
                stochastic=bool(((actions > 0) & (actions < 1)).any()),
                solver=True,
            )
        table = self.table
        assert table is not None
        kinds_differ = False
        if self.schedule.kinds is not None:
            kinds_differ = bool((table != table[..., :1]).any()) if table.size else False
            table = table.max(axis=-1)  # the other questions are about episodes and cues
        rows_differ = bool((table != table[..., :1, :]).any()) if table.size else False
        columns_differ = bool((table[..., 0] != table[..., 1]).any()) if table.size else False
        return metadata(
            cue=columns_differ,
            clock=rows_differ,
            memory=False,  # a table reads the episode, the cue and the agent's own objective
            schedule=True,
            stochastic=bool(((table > 0) & (table < 1)).any()),
            solver=True,
            kind=kinds_differ,
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
        table = self.table
        if train is None or table is None or self.metadata["stochastic"]:
            return None
        if self.schedule.kinds is not None:
            return None  # one plan per kind: see rule()
        q = self.schedule.cue_accuracy
        if q not in (0.5, 1.0):
            return None
        phases = np.arange(self.schedule.horizon) >= train
        intact = self._intact()
        if q == 1.0:
            row = intact[np.arange(self.schedule.horizon), phases.astype(int)]
        else:
            row = intact[:, 0]
        return "".join("A" if a else "B" for a in row)

    def _intact(self) -> np.ndarray:
        """The unmodified agent's table, ``(N, 2)`` (``(N, 2, K)`` with kinds)."""
        assert self.table is not None
        per_level = 4 if self.schedule.kinds is not None else 3
        return self.table[0] if self.table.ndim == per_level else self.table

    def as_memoryless(self) -> Memoryless | None:
        """For ``information="memoryless"``: the equivalent :class:`Memoryless` strategy."""
        return self.memoryless

    def rule(self) -> str:
        """A readable description of the policy of the unmodified agent."""
        if self.memoryless is not None:
            return repr(self.memoryless)
        plan = self.plan()
        if plan is not None:
            return plan
        if self.controller_tree is not None:
            tree = self.controller_tree
            reads = "past cues" if self.metadata["cue"] else "when its objective moved"
            return f"a graph of {tree.nodes} observation histories (it reads {reads})"
        intact = self._intact()
        if self.schedule.kinds is not None:
            return "; ".join(
                f"kind {name}: " + self._rule_of(intact[..., j])
                for j, name in enumerate(self.schedule.kinds.names)
            )
        return self._rule_of(intact)

    def _rule_of(self, intact: np.ndarray) -> str:
        """The rule of an ``(N, 2)`` table of the unmodified agent."""
        cue_blind = bool((intact[:, 0] == intact[:, 1]).all())
        if self.schedule.cue_accuracy == 0.5 or cue_blind:
            return "".join("A" if a else "B" for a in intact[:, 0])
        by_cue = ["".join("A" if a else "B" for a in intact[:, cue]) for cue in (0, 1)]
        return f"train cue: {by_cue[0]}; deploy cue: {by_cue[1]}"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Optimal):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def _key(self) -> tuple[object, ...]:
        if self.table is not None:
            found = _digest(self.table)
        else:
            tree = self.controller_tree
            assert tree is not None
            found = _digest(tree.depth, tree.level, tree.action, tree.child)
        return (self.schedule, self.update, self.payoffs, self.information, found)

    def __repr__(self) -> str:
        return (
            f"Optimal({self.schedule!r}, {self.update!r}, {self.payoffs!r}, "
            f"information={self.information!r})"
        )
