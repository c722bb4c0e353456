"""The one definition of what happens to a task: :class:`Transitions`.

Everything the algorithms need from a protocol is its :class:`Transitions`:
for each task index ``t`` and number of audits left ``c``, the probabilities
that an honest output and an attack are audited and deferred. The exact
recursion, the clock attacker's solvers, the Monte Carlo and the brute-force
oracle in the tests all read those tables, so the rules of a task are
written once, here:

* an honest output is audited (one audit is used; the deployment goes on)
  with probability ``honest_audit[t, c]``, deferred with ``honest_defer[t, c]``,
  used otherwise;
* an attack is audited (caught: the protocol wins, the deployment stops)
  with probability ``attack_audit[t, c]``, deferred (neutralised) with
  ``attack_defer[t, c]``, used otherwise, and a used attack succeeds (the
  attacker wins, the deployment stops) with probability ``success``;
* with no audits left (``c = 0``) nothing is audited.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .. import _validate


def _table(name: str, values: np.ndarray) -> np.ndarray:
    array = np.array(values, dtype=float)
    if array.ndim != 2 or array.size == 0:
        raise ValueError(
            f"{name} must be a non-empty two-dimensional table, got shape {array.shape}"
        )
    if np.isnan(array).any() or (array < -1e-12).any() or (array > 1 + 1e-12).any():
        raise ValueError(f"{name} must hold probabilities in [0, 1]")
    array = np.clip(array, 0.0, 1.0)
    array.setflags(write=False)
    return array


@dataclass(frozen=True, eq=False)
class Transitions(_validate.ReadOnlyArrays):
    """What happens to one task: outcome probabilities by task index and audits left.

    Each table has shape ``(T, K)`` with ``1 <= T <= tasks`` and ``K`` in
    ``{min(2, audits + 1), audits + 1}``: row ``min(t, T - 1)`` is task ``t``
    (0-based, so the last row repeats), column ``min(c, K - 1)`` is ``c``
    audits left (so with ``K = 2`` column 1 stands for every ``c >= 1``).
    Column 0 of the audit tables must be 0 (nothing is audited without
    audits). See the module documentation for the rules.

    >>> from deception_sim.control import Monitor, TrustedMonitoring
    >>> tr = TrustedMonitoring(monitor=Monitor.from_scores([0, 1, 2, 3], [3]), tasks=5,
    ...                        audits=1, audit_fpr=0.25).transitions()
    >>> tr.at(0)[2].tolist()  # P(an attack is audited) with 0 and 1 audits left
    [0.0, 1.0]
    """

    tasks: int
    audits: int
    honest_audit: np.ndarray = field(repr=False)
    honest_defer: np.ndarray = field(repr=False)
    attack_audit: np.ndarray = field(repr=False)
    attack_defer: np.ndarray = field(repr=False)
    success: float = 1.0
    trusted_usefulness: float = 0.0

    def __post_init__(self) -> None:
        tasks = _validate.integer("tasks", self.tasks, minimum=1)
        audits = _validate.integer("audits", self.audits)
        object.__setattr__(self, "tasks", tasks)
        object.__setattr__(self, "audits", audits)
        object.__setattr__(self, "success", _validate.probability("success", self.success))
        object.__setattr__(
            self,
            "trusted_usefulness",
            _validate.probability("trusted_usefulness", self.trusted_usefulness),
        )
        shape = None
        for name in ("honest_audit", "honest_defer", "attack_audit", "attack_defer"):
            table = _table(name, getattr(self, name))
            rows, columns = table.shape
            if rows > tasks or columns not in (min(2, audits + 1), audits + 1):
                raise ValueError(
                    f"{name} must have 1 to {tasks} rows and {min(2, audits + 1)} or "
                    f"{audits + 1} columns, got shape {table.shape}"
                )
            if shape is not None and table.shape != shape:
                raise ValueError(
                    f"{name} must have the shape of honest_audit {shape}, got {table.shape}"
                )
            shape = table.shape
            object.__setattr__(self, name, table)
        for kind in ("honest", "attack"):
            audit, defer = getattr(self, f"{kind}_audit"), getattr(self, f"{kind}_defer")
            if (audit[:, 0] != 0).any():
                raise ValueError(f"{kind}_audit must be 0 with no audits left (column 0)")
            if (audit + defer > 1 + 1e-12).any():
                raise ValueError(f"{kind}_audit + {kind}_defer must be at most 1")

    @property
    def shape(self) -> tuple[int, int]:
        """``(T, K)``: the shape of every table."""
        return self.honest_audit.shape

    @property
    def time_invariant(self) -> bool:
        """Every task has the same rules (one row)."""
        return self.shape[0] == 1

    def at(self, t: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """``(honest_audit, honest_defer, attack_audit, attack_defer)`` of task ``t`` (0-based),
        each of length ``audits + 1`` (entry ``c``: ``c`` audits left)."""
        row = min(t, self.shape[0] - 1)
        columns = np.minimum(np.arange(self.audits + 1), self.shape[1] - 1)
        return (
            self.honest_audit[row, columns],
            self.honest_defer[row, columns],
            self.attack_audit[row, columns],
            self.attack_defer[row, columns],
        )

    def full(self, name: str) -> np.ndarray:
        """The table ``name`` expanded to shape ``(T, audits + 1)``."""
        table = getattr(self, name)
        return table[:, np.minimum(np.arange(self.audits + 1), self.shape[1] - 1)]

    def attack_win(self) -> np.ndarray:
        """``success * P(an attack is used)``, shape ``(T, K)``: P(an attack succeeds)."""
        return self.success * np.clip(1.0 - self.attack_audit - self.attack_defer, 0.0, 1.0)

    def transitions(self) -> Transitions:
        """Itself: a :class:`Transitions` is a protocol (any rules by task and audits left)."""
        return self


def transitions_of(protocol: object) -> Transitions:
    """The :class:`Transitions` of a protocol, or ValueError naming ``protocol``."""
    method = getattr(protocol, "transitions", None)
    if method is None:
        raise ValueError(
            "protocol must be TrustedMonitoring, UpfrontAuditing, RandomAuditing or "
            f"Transitions, got {type(protocol).__name__}"
        )
    result = method()
    if not isinstance(result, Transitions):
        raise ValueError("protocol.transitions() must return a Transitions")
    return result
