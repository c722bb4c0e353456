"""The result of evaluating a protocol against an attacker: numbers, not recursion internals."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np

from .. import _validate
from .._display import html_table, short_repr

ATTACKERS: tuple[str, ...] = ("memoryless", "clock", "informed")
"""What an attacker knows: nothing (one attack rate), the task index, or the index and the
audits left (an upper bound on the clock attacker's power; see the docs)."""


def protocol_parameters(protocol: Any) -> dict[str, Any]:
    """The protocol's name and scalar parameters, for a table row.

    A threshold that varies over the deployment shows as NaN, with
    ``thresholds`` saying how it varies.

    >>> from deception_sim.control import RandomAuditing
    >>> protocol_parameters(RandomAuditing(tasks=10, audits=2, rate=0.1))["rate"]
    0.1
    """
    row: dict[str, Any] = {"protocol": type(protocol).__name__}
    varying = []
    names = [f.name for f in fields(protocol)] if hasattr(protocol, "__dataclass_fields__") else []
    for name in names:
        value = getattr(protocol, name)
        if name == "monitor" or name.endswith("_audit") or name.endswith("_defer"):
            continue
        if isinstance(value, np.ndarray):
            varying.append("per task" if value.ndim == 1 else "per (task, audits left)")
            value = math.nan
        row[name] = value
    if "audit_fpr" in row or varying:
        row["thresholds"] = varying[0] if varying else "fixed"
    return row


def describe_policy(policy: float | np.ndarray) -> str:
    """A short text for an attack policy: a rate, a plan over tasks, or a table.

    >>> describe_policy(0.0125), describe_policy(np.array([0, 0, 1, 1.0]))
    ('rate 0.0125', 'attack from task 3')
    >>> describe_policy(np.array([1, 0, 1, 1, 0.0]))
    'attack tasks 1, 3-4'
    """
    if np.ndim(policy) == 0:
        return f"rate {float(policy):.6g}"
    plan = np.asarray(policy)
    if plan.ndim == 2:
        return f"attack in {int((plan > 0.5).sum())} of {plan.size} (task, audits left) cells"
    attacks = np.flatnonzero(plan > 0.5)
    if attacks.size == 0:
        return "never attack"
    if attacks.size == plan.size - attacks[0]:
        return f"attack from task {attacks[0] + 1}"
    runs = np.split(attacks, np.flatnonzero(np.diff(attacks) > 1) + 1)
    return "attack tasks " + ", ".join(
        f"{r[0] + 1}" if r.size == 1 else f"{r[0] + 1}-{r[-1] + 1}" for r in runs
    )


@dataclass(frozen=True)
class ControlResult(_validate.ReadOnlyArrays):
    """Safety and usefulness of a protocol against an attacker's policy.

    Attributes
    ----------
    safety:
        P(the attacker never wins) against ``policy``.
    usefulness:
        Expected fraction of tasks whose output is the untrusted model's, on
        honest runs (a deferred task counts the trusted model's usefulness).
    policy:
        The attacker's policy: an attack rate (memoryless), a plan of ``M``
        per-task attack probabilities (clock; 0 or 1), or an ``M x (C + 1)``
        table by task and audits left (informed). Read-only.
    attacker:
        ``"memoryless"``, ``"clock"``, ``"informed"``, or ``"given"`` (a policy
        you passed in).
    method:
        How the policy was found, and what is guaranteed about it.
    protocol:
        The protocol evaluated.
    """

    safety: float
    usefulness: float
    policy: float | np.ndarray = field(repr=False)
    attacker: str
    method: str = field(repr=False)
    protocol: object = field(repr=False)

    def __post_init__(self) -> None:
        if isinstance(self.policy, np.ndarray):
            self.policy.setflags(write=False)

    @property
    def attack_from(self) -> int | None:
        """For a plan "attack every task from task k on": k (1-based), else None."""
        if np.ndim(self.policy) != 1:
            return None
        attacks = np.flatnonzero(np.asarray(self.policy) > 0.5)
        if attacks.size == 0 or attacks.size != np.size(self.policy) - attacks[0]:
            return None
        return int(attacks[0]) + 1

    def __repr__(self) -> str:
        rows = [("attacker", self.attacker), ("safety", self.safety)]
        return short_repr("ControlResult", [*rows, ("usefulness", self.usefulness)], head=1)

    def _repr_html_(self) -> str:
        return html_table("ControlResult", list(self.summary().items()))

    def summary(self) -> dict[str, Any]:
        """One table row: the protocol's parameters, the attacker, safety, usefulness, policy."""
        return {
            **protocol_parameters(self.protocol),
            "attacker": self.attacker,
            "safety": self.safety,
            "usefulness": self.usefulness,
            "policy": describe_policy(self.policy),
            "method": self.method,
        }
