"""Kinds of episode: opportunities that differ in how easy they are to exploit and to audit.

Every episode of a schedule with kinds is of one *kind*, drawn independently
from a distribution that depends on the episode's phase (``train`` or
``deploy``; a honeypot is a deployment episode). A :class:`Kind` may set its
own success probability, detection probability and honeypot (audit) rate;
a field left ``None`` is the model's (``Payoffs.success``,
``UpdateRule.detect``, the schedule's ``honeypot_rate``). The agent sees the
kind of each episode before it chooses, so a strategy may read it, and
because the two phases may draw kinds differently, the kind is evidence
about the phase too.

:class:`EpisodeKinds` is the list of kinds and the two distributions; attach
it to a :class:`~deception_sim.Schedule` with ``kinds=...``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from .. import _validate

RESERVED = ("train", "deploy")
"""Names a kind may not have: they are the cue values (``Memoryless`` keys by either)."""

_SUM_TOLERANCE = 1e-9


@dataclass(frozen=True)
class Kind:
    """One kind of episode, and what it changes (``None``: the model's value).

    Parameters
    ----------
    name:
        A non-empty name, unique within its :class:`EpisodeKinds` (not
        ``"train"`` or ``"deploy"``).
    success:
        Probability that a defection that is not stopped achieves its end.
    detect:
        Probability that an overseen defection is detected (an update).
    honeypot_rate:
        Probability that a deployment episode of this kind is overseen.

    >>> Kind("subtle", success=0.9, detect=0.3)
    Kind('subtle', success=0.9, detect=0.3)
    """

    name: str
    success: float | None = None
    detect: float | None = None
    honeypot_rate: float | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise ValueError(f"a kind's name must be a non-empty string, got {self.name!r}")
        if self.name in RESERVED:
            raise ValueError(
                f"a kind's name must not be {' or '.join(map(repr, RESERVED))} "
                f"(the cue values), got {self.name!r}"
            )
        for field in ("success", "detect", "honeypot_rate"):
            value = getattr(self, field)
            if value is not None:
                checked = _validate.probability(f"{field} of kind {self.name!r}", value)
                object.__setattr__(self, field, checked)

    def __repr__(self) -> str:
        options = "".join(
            f", {field}={getattr(self, field)!r}"
            for field in ("success", "detect", "honeypot_rate")
            if getattr(self, field) is not None
        )
        return f"Kind({self.name!r}{options})"


def _distribution(name: str, values: object, size: int) -> tuple[float, ...]:
    """A probability vector over ``size`` kinds, checked to sum to 1."""
    if isinstance(values, (str, bytes)) or not hasattr(values, "__len__"):
        raise ValueError(f"{name} must be a sequence of {size} probabilities, got {values!r}")
    array = _validate.probability_array(name, values, length=size)
    total = math.fsum(array.tolist())
    if abs(total - 1.0) > _SUM_TOLERANCE:
        raise ValueError(f"{name} must sum to 1, got a total of {total!r}")
    return tuple(float(x) for x in array)


@dataclass(frozen=True)
class EpisodeKinds:
    """The kinds of episode of a schedule and how likely each is in each phase.

    Parameters
    ----------
    kinds:
        The kinds (at least one), each a :class:`Kind` with a distinct name.
    train:
        ``train[j]`` is the probability that a training episode is of kind
        ``j`` (``K`` numbers summing to 1).
    deploy:
        The same for a deployment episode; empty or ``None`` (default) is ``train``.

    >>> kinds = EpisodeKinds(
    ...     (Kind("subtle", success=0.9, detect=0.3), Kind("obvious", success=0.3)),
    ...     train=(0.5, 0.5), deploy=(0.2, 0.8))
    >>> kinds.names, kinds.probabilities("deploy").tolist()
    (('subtle', 'obvious'), [0.2, 0.8])
    >>> eval(repr(kinds)) == kinds
    True
    """

    kinds: tuple[Kind, ...]
    train: tuple[float, ...]
    deploy: tuple[float, ...] = ()

    def __post_init__(self) -> None:
        kinds = tuple(self.kinds) if isinstance(self.kinds, (list, tuple)) else None
        if not kinds or not all(isinstance(k, Kind) for k in kinds):
            raise ValueError(f"kinds must be a non-empty sequence of Kind, got {self.kinds!r}")
        names = [k.name for k in kinds]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise ValueError(f"kinds must have distinct names; repeated: {repeated}")
        train = _distribution("kinds' train probabilities", self.train, len(kinds))
        deploy = (
            train
            if self.deploy is None or (isinstance(self.deploy, tuple) and not self.deploy)
            else _distribution("kinds' deploy probabilities", self.deploy, len(kinds))
        )
        object.__setattr__(self, "kinds", kinds)
        object.__setattr__(self, "train", train)
        object.__setattr__(self, "deploy", deploy)

    @classmethod
    def uniform(cls, *kinds: Kind) -> EpisodeKinds:
        """Every kind equally likely, in both phases.

        >>> EpisodeKinds.uniform(Kind("a"), Kind("b")).train
        (0.5, 0.5)
        """
        return cls(tuple(kinds), train=tuple(1.0 / len(kinds) for _ in kinds))

    def __len__(self) -> int:
        return len(self.kinds)

    @property
    def names(self) -> tuple[str, ...]:
        """The kinds' names, in order."""
        return tuple(k.name for k in self.kinds)

    def index(self, name: str) -> int:
        """The position of the kind called ``name`` (a ``ValueError`` if there is none)."""
        if name not in self.names:
            raise ValueError(f"unknown kind name {name!r}; the kinds are {list(self.names)}")
        return self.names.index(name)

    def probabilities(self, phase: str) -> np.ndarray:
        """``P(kind | phase)`` as a read-only array (``phase`` is ``"train"`` or ``"deploy"``)."""
        _validate.choice("phase", phase, RESERVED)
        out = np.array(self.train if phase == "train" else self.deploy, dtype=float)
        out.setflags(write=False)
        return out

    def replace_all(self, **changes: Any) -> EpisodeKinds:
        """The same kinds with one or more fields replaced in every kind.

        >>> EpisodeKinds.uniform(Kind("a", success=0.5)).replace_all(success=None).kinds
        (Kind('a'),)
        """
        return replace(self, kinds=tuple(replace(k, **changes) for k in self.kinds))

    def describe(self) -> str:
        """A short description, for tables."""
        parts = []
        for kind, on_train, on_deploy in zip(self.kinds, self.train, self.deploy, strict=True):
            share = (
                f"{on_train:.3g}" if on_train == on_deploy else f"{on_train:.3g}/{on_deploy:.3g}"
            )
            parts.append(f"{kind.name} {share}")
        return "kinds " + " ".join(parts)

    def __repr__(self) -> str:
        kinds = ", ".join(repr(k) for k in self.kinds)
        kinds = f"({kinds},)" if len(self.kinds) == 1 else f"({kinds})"
        deploy = "" if self.deploy == self.train else f", deploy={self.deploy!r}"
        return f"EpisodeKinds({kinds}, train={self.train!r}{deploy})"
