"""Control protocols: trusted monitoring, upfront auditing, random auditing.

A protocol decides, for each task in order, whether the untrusted model's
output is **audited** (while audits remain), **deferred** to the trusted
model, or **used**; its ``transitions()`` are the per-task rules
(:class:`~deception_sim.control.rules.Transitions`) that every algorithm reads.

:class:`TrustedMonitoring` (audit and defer thresholds on the monitor's
score, fixed or varying by task or by (task, audits left)),
:class:`UpfrontAuditing` (audit the first tasks whatever their scores) and
:class:`RandomAuditing` (audit each task with a fixed probability) are
frozen, validated, hashable dataclasses with keyword-only fields.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from .. import _validate
from ..model import limits
from .monitor import Monitor
from .rules import Transitions

# ---------------------------------------------------------------------------- protocols


def _digest(array: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(array, dtype=float).tobytes()).hexdigest()


def _rate(name: str, value: object, tasks: int, audits: int) -> float | np.ndarray:
    """A false-positive rate: a number, one per task, or one per (task, audits left)."""
    if isinstance(value, (list, tuple, np.ndarray)):
        array = np.array(value, dtype=float) if not isinstance(value, np.ndarray) else value
        if array.ndim == 1:
            return _validate.probability_array(name, array, length=tasks)
        if array.ndim == 2:
            if array.shape != (tasks, audits + 1):
                raise ValueError(
                    f"{name} per (task, audits left) must have shape "
                    f"({tasks}, {audits + 1}), got {array.shape}"
                )
            flat = _validate.probability_array(name, array.ravel())
            out = flat.reshape(array.shape)
            out.setflags(write=False)
            return out
        raise ValueError(
            f"{name} must be a number, one per task, or a (tasks, audits + 1) "
            f"table, got shape {array.shape}"
        )
    return _validate.probability(name, value)


def _grid(value: float | np.ndarray, rows: int, columns: int) -> np.ndarray:
    """``value`` broadcast to shape (rows, columns)."""
    array = np.asarray(value, dtype=float)
    if array.ndim == 1:
        array = array[:, None]
    return np.broadcast_to(array, (rows, columns)).astype(float)


def _score_rules(
    monitor: Monitor, audit_fpr: np.ndarray, defer_fpr: np.ndarray
) -> dict[str, np.ndarray]:
    """Nested threshold regions on the monitor's score, tables of shape ``audit_fpr.shape``.

    With audits left (columns >= 1) an output in the audit region is audited,
    one in the defer region but not the audit region is deferred; with none
    (column 0) every output in the defer region is deferred. The regions are
    nested (one uniform number breaks every tie), so P(defer region minus audit
    region) = rate(max(fprs)) - rate(audit fpr).
    """
    top = np.maximum(audit_fpr, defer_fpr)
    # One evaluation per distinct rate: scipy's inverse and survival functions are costly.
    rates, where = np.unique(
        np.concatenate([audit_fpr.ravel(), top.ravel(), defer_fpr.ravel()]), return_inverse=True
    )
    honest_all, attack_all = monitor.flag_rates(rates)
    honest_a, honest_top, honest_d = (
        honest_all[part].reshape(audit_fpr.shape) for part in np.split(where, 3)
    )
    attack_a, attack_top, attack_d = (
        attack_all[part].reshape(audit_fpr.shape) for part in np.split(where, 3)
    )
    rules = {
        "honest_audit": honest_a,
        "honest_defer": honest_top - honest_a,
        "attack_audit": attack_a,
        "attack_defer": attack_top - attack_a,
    }
    rules["honest_audit"][:, 0] = rules["attack_audit"][:, 0] = 0.0
    rules["honest_defer"][:, 0], rules["attack_defer"][:, 0] = honest_d[:, 0], attack_d[:, 0]
    return rules


class _Protocol(_validate.ReadOnlyArrays):
    """Shared identity (value equality, hashing) and repr of the protocol dataclasses."""

    def _values(self) -> list[tuple[str, Any]]:
        return [(f.name, getattr(self, f.name)) for f in fields(self)]  # type: ignore[arg-type]

    def _key(self) -> tuple:
        return (
            type(self).__name__,
            *(
                (
                    name,
                    ("array", value.shape, _digest(value))
                    if isinstance(value, np.ndarray)
                    else value,
                )
                for name, value in self._values()
            ),
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, _Protocol):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        parts = []
        for f in fields(self):  # type: ignore[arg-type]
            value = getattr(self, f.name)
            if f.default is not value and not (
                isinstance(f.default, float)
                and not isinstance(value, np.ndarray)
                and value == f.default
            ):
                if isinstance(value, np.ndarray):
                    text = (
                        repr(value.tolist())
                        if value.size <= 6
                        else f"<{'x'.join(map(str, value.shape))} values>"
                    )
                else:
                    text = repr(value)
                parts.append(f"{f.name}={text}")
        return f"{type(self).__name__}({', '.join(parts)})"

    def _check_common(self) -> None:
        object.__setattr__(self, "tasks", _validate.integer("tasks", self.tasks, minimum=1))
        object.__setattr__(self, "audits", _validate.integer("audits", self.audits))
        what = f"a deployment of {self.tasks} tasks and {self.audits} audits"
        limits.check_memory(what, "tasks", limits.control_bytes(self.tasks, self.audits))
        object.__setattr__(self, "success", _validate.probability("success", self.success))
        object.__setattr__(
            self,
            "trusted_usefulness",
            _validate.probability("trusted_usefulness", self.trusted_usefulness),
        )
        if self.monitor is not None and not isinstance(self.monitor, Monitor):
            raise ValueError(f"monitor must be a Monitor, got {type(self.monitor).__name__}")

    def _finish(self, rules: dict[str, np.ndarray]) -> Transitions:
        return Transitions(
            tasks=self.tasks,
            audits=self.audits,
            success=self.success,
            trusted_usefulness=self.trusted_usefulness,
            **rules,
        )

    # declared for the type checker; the dataclasses define them
    tasks: int
    audits: int
    success: float
    trusted_usefulness: float
    monitor: Monitor | None


@dataclass(frozen=True, eq=False, repr=False, kw_only=True)
class TrustedMonitoring(_Protocol):
    """Trusted monitoring with defer: audit the most suspicious outputs, defer the next ones.

    Parameters
    ----------
    monitor:
        The trusted monitor (:class:`Monitor`).
    tasks, audits:
        ``M >= 1`` tasks in the deployment, ``C >= 0`` audits in the budget.
    audit_fpr:
        Audit an output when audits remain and its score is in the monitor's
        flag region at this false-positive rate (the threshold is the honest
        quantile at ``1 - audit_fpr``). A number; or one per task (``M``
        numbers); or one per (task, audits left) (an ``M x (C + 1)`` table,
        row ``t`` is task ``t + 1``, column ``c`` is ``c`` audits left;
        column 0 is not used).
    defer_fpr:
        Otherwise defer to the trusted model when the score is in the flag
        region at this rate (0: never defer). Same forms as ``audit_fpr``.
    success:
        P(a used attack succeeds).
    trusted_usefulness:
        Usefulness of a deferred task (the untrusted model's output counts 1).

    >>> from scipy import stats
    >>> mon = Monitor(safe=stats.beta(7.39, 6.86), attack=stats.beta(8.91, 2.82))
    >>> TrustedMonitoring(monitor=mon, tasks=100, audits=2, audit_fpr=0.02, defer_fpr=0.1)
    TrustedMonitoring(monitor=Monitor(safe=beta(7.39, 6.86), attack=beta(8.91, 2.82)), \
tasks=100, audits=2, audit_fpr=0.02, defer_fpr=0.1)
    """

    monitor: Monitor
    tasks: int
    audits: int
    audit_fpr: float | np.ndarray
    defer_fpr: float | np.ndarray = 0.0
    success: float = 1.0
    trusted_usefulness: float = 0.0

    def __post_init__(self) -> None:
        self._check_common()
        if self.monitor is None:
            raise ValueError("monitor must be a Monitor, got None")
        for name in ("audit_fpr", "defer_fpr"):
            object.__setattr__(
                self, name, _rate(name, getattr(self, name), self.tasks, self.audits)
            )

    def transitions(self) -> Transitions:
        """The per-task rules (see :class:`Transitions`)."""
        rates = (self.audit_fpr, self.defer_fpr)
        shapes = [np.shape(rate) for rate in rates]
        rows = 1 if all(s == () for s in shapes) else self.tasks
        columns = self.audits + 1 if any(len(s) == 2 for s in shapes) else min(2, self.audits + 1)
        audit = _grid(self.audit_fpr, rows, columns)
        defer = _grid(self.defer_fpr, rows, columns)
        return self._finish(_score_rules(self.monitor, audit, defer))


@dataclass(frozen=True, eq=False, repr=False, kw_only=True)
class UpfrontAuditing(_Protocol):
    """Audit the first ``audits`` tasks whatever their scores (AI Control's baseline).

    Every attack among the first ``min(audits, tasks)`` tasks is caught; after
    them nothing is audited. With a ``monitor``, later outputs in its flag
    region at ``defer_fpr`` are deferred to the trusted model.

    >>> UpfrontAuditing(tasks=5000, audits=100, success=0.53)
    UpfrontAuditing(tasks=5000, audits=100, success=0.53)
    """

    tasks: int
    audits: int
    monitor: Monitor | None = None
    defer_fpr: float = 0.0
    success: float = 1.0
    trusted_usefulness: float = 0.0

    def __post_init__(self) -> None:
        self._check_common()
        object.__setattr__(self, "defer_fpr", _validate.probability("defer_fpr", self.defer_fpr))
        if self.defer_fpr > 0 and self.monitor is None:
            raise ValueError("defer_fpr: deferring needs a monitor (monitor=None)")

    def transitions(self) -> Transitions:
        """The per-task rules (see :class:`Transitions`)."""
        upfront = min(self.audits, self.tasks)
        columns = min(2, self.audits + 1)
        honest_d, attack_d = _defer_rates(self.monitor, self.defer_fpr)
        rows = upfront + 1 if upfront < self.tasks else upfront
        rules = {
            "honest_audit": np.zeros((rows, columns)),
            "honest_defer": np.full((rows, columns), honest_d),
            "attack_audit": np.zeros((rows, columns)),
            "attack_defer": np.full((rows, columns), attack_d),
        }
        if columns == 2:
            for name in ("honest_audit", "attack_audit"):
                rules[name][:upfront, 1] = 1.0
            for name in ("honest_defer", "attack_defer"):
                rules[name][:upfront, 1] = 0.0
        return self._finish(rules)


@dataclass(frozen=True, eq=False, repr=False, kw_only=True)
class RandomAuditing(_Protocol):
    """Audit each task with probability ``rate`` whatever its score, while audits remain.

    With unlimited audits (``audits >= tasks``) this is the lecture's
    honeypot rate. With a ``monitor``, an output that is not audited is
    deferred when its score is in the flag region at ``defer_fpr``.

    >>> RandomAuditing(tasks=10, audits=10, rate=0.2)
    RandomAuditing(tasks=10, audits=10, rate=0.2)
    """

    tasks: int
    audits: int
    rate: float
    monitor: Monitor | None = None
    defer_fpr: float = 0.0
    success: float = 1.0
    trusted_usefulness: float = 0.0

    def __post_init__(self) -> None:
        self._check_common()
        object.__setattr__(self, "rate", _validate.probability("rate", self.rate))
        object.__setattr__(self, "defer_fpr", _validate.probability("defer_fpr", self.defer_fpr))
        if self.defer_fpr > 0 and self.monitor is None:
            raise ValueError("defer_fpr: deferring needs a monitor (monitor=None)")

    def transitions(self) -> Transitions:
        """The per-task rules (see :class:`Transitions`)."""
        columns = min(2, self.audits + 1)
        honest_d, attack_d = _defer_rates(self.monitor, self.defer_fpr)
        audited = np.array([[0.0, self.rate][:columns]])
        return self._finish(
            {
                "honest_audit": audited.copy(),
                "honest_defer": (1.0 - audited) * honest_d,
                "attack_audit": audited.copy(),
                "attack_defer": (1.0 - audited) * attack_d,
            }
        )


def _defer_rates(monitor: Monitor | None, defer_fpr: float) -> tuple[float, float]:
    if monitor is None or defer_fpr == 0:
        return 0.0, 0.0
    honest, attack = monitor.flag_rates(defer_fpr)
    return float(honest), float(attack)


Protocol = TrustedMonitoring | UpfrontAuditing | RandomAuditing | Transitions
"""Anything with a ``transitions()`` method: the built-in protocols, or a :class:`Transitions`."""
