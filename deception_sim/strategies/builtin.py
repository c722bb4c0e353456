"""The built-in strategies (SPEC 3.4): Greedy, Aligned, Deceptive, Plan, Threshold,
Memoryless and Bayesian.

Each is a frozen dataclass with a ``repr`` that evaluates back to an equal
object, true :attr:`~deception_sim.strategies.Strategy.metadata`, and (where
its table has one) a closed :meth:`~deception_sim.strategies.Strategy.form`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property, lru_cache

import numpy as np

from .. import _validate
from ..model import CUES, Schedule
from ..model.update import TIE_TOLERANCE
from .base import Actions, Form, Stationary, Strategy, Switch, constant_table, metadata

# The forms of the constant strategies, made once (evaluate asks for them on every call).
_GREEDY_FORM = Stationary(1.0, 1.0)
_ALIGNED_FORM = Stationary(0.0, 0.0)
_DECEPTIVE_FORM = Stationary(0.0, 1.0)


@dataclass(frozen=True, repr=False)
class Greedy(Strategy):
    """Always follow the current objective: defect in every episode.

    >>> Greedy().decision_table(Schedule.fixed(1, 1)).tolist()
    [[1.0, 1.0], [1.0, 1.0]]
    """

    def decision_table(self, schedule: Schedule) -> np.ndarray:
        return constant_table(schedule, 1.0, 1.0)

    @property
    def metadata(self) -> dict[str, bool]:
        return metadata()

    def form(self) -> Form:
        return _GREEDY_FORM

    def __repr__(self) -> str:
        return "Greedy()"


@dataclass(frozen=True, repr=False)
class Aligned(Strategy):
    """Always comply (an agent that is aligned, or acts as if it were).

    >>> Aligned().decision_table(Schedule.fixed(1, 1)).tolist()
    [[0.0, 0.0], [0.0, 0.0]]
    """

    def decision_table(self, schedule: Schedule) -> np.ndarray:
        return constant_table(schedule, 0.0, 0.0)

    @property
    def metadata(self) -> dict[str, bool]:
        return metadata()

    def form(self) -> Form:
        return _ALIGNED_FORM

    def __repr__(self) -> str:
        return "Aligned()"


@dataclass(frozen=True, repr=False)
class Deceptive(Strategy):
    """The treacherous turn: comply when the cue says training, defect when it says deployment.

    With a perfect cue (``cue_accuracy=1``) this is the lecture's ``B...BA...A``.

    >>> Deceptive().decision_table(Schedule.fixed(1, 1)).tolist()
    [[0.0, 1.0], [0.0, 1.0]]
    """

    def decision_table(self, schedule: Schedule) -> np.ndarray:
        return constant_table(schedule, 0.0, 1.0)

    @property
    def metadata(self) -> dict[str, bool]:
        return metadata(cue=True)

    def form(self) -> Form:
        return _DECEPTIVE_FORM

    def __repr__(self) -> str:
        return "Deceptive()"


_PLAN_SEPARATORS = re.compile(r"[\s,;]+")


@dataclass(frozen=True, repr=False)
class Plan(Strategy):
    """An explicit plan: ``plan[t - 1]`` is the action in episode ``t``.

    Letters are ``A`` (defect) and ``B`` (comply), case-insensitive; commas
    and spaces are ignored (``"B,B,A,A,A"`` is ``"BBAAA"``). Episodes after
    the end of the plan take the action ``fill``. A plan longer than the
    schedule's horizon is an error.

    >>> Plan("B,B,A,A,A")
    Plan('BBAAA')
    >>> Plan("BA", fill="A").decision_table(Schedule.fixed(2, 1))[:, 0].tolist()
    [0.0, 1.0, 1.0]
    """

    plan: str
    fill: str = "B"

    def __post_init__(self) -> None:
        if not isinstance(self.plan, str):
            raise ValueError(
                f"plan must be a string of the letters A and B, got {_validate.shown(self.plan)}"
            )
        letters = _PLAN_SEPARATORS.sub("", self.plan).upper()
        unknown = sorted(set(letters) - {"A", "B"})
        if unknown:
            raise ValueError(
                f"plan must contain only the letters A and B, got {''.join(unknown)!r} "
                f"in {self.plan!r}"
            )
        fill = self.fill.upper() if isinstance(self.fill, str) else self.fill
        object.__setattr__(self, "plan", letters)
        object.__setattr__(self, "fill", _validate.choice("fill", fill, ("A", "B")))

    def decision_table(self, schedule: Schedule) -> np.ndarray:
        if len(self.plan) > schedule.horizon:
            raise ValueError(
                f"plan has {len(self.plan)} letters, more than the horizon of "
                f"{schedule.horizon} episodes"
            )
        if schedule.horizon <= _REMEMBERED_PLANS:
            return _plan_table(self.plan, self.fill, schedule.horizon)
        return _plan_table.__wrapped__(self.plan, self.fill, schedule.horizon)

    @property
    def metadata(self) -> dict[str, bool]:
        return metadata(clock=True)

    def form(self) -> Form:
        return self._form

    @cached_property
    def _form(self) -> Actions:
        # Made once (evaluate asks for the form on every call).
        return Actions(tuple(letter == "A" for letter in self.plan), self.fill == "A")

    def __repr__(self) -> str:
        fill = "" if self.fill == "B" else f", fill={self.fill!r}"
        return f"Plan({self.plan!r}{fill})"


_REMEMBERED_PLANS = 64
"""Plans of horizons up to this are made once (see :func:`_plan_table`)."""


@lru_cache(maxsize=4096)
def _plan_table(plan: str, fill: str, horizon: int) -> np.ndarray:
    """A plan's read-only table (made once per plan and horizon: plans are often evaluated
    many times over, and short ones cost more to make than to evaluate)."""
    actions = np.full(horizon, 1.0 if fill == "A" else 0.0)
    actions[: len(plan)] = np.frombuffer(plan.encode(), dtype=np.uint8) == ord("A")
    actions.setflags(write=False)
    return np.broadcast_to(actions[:, None], (horizon, 2))


@dataclass(frozen=True, repr=False)
class Threshold(Strategy):
    """Comply before episode ``start``, defect from it on (``Threshold(1)`` is greedy).

    >>> Threshold(3).decision_table(Schedule.fixed(2, 2))[:, 1].tolist()
    [0.0, 0.0, 1.0, 1.0]
    """

    start: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "start", _validate.integer("start", self.start, minimum=1))

    def decision_table(self, schedule: Schedule) -> np.ndarray:
        actions = (np.arange(1, schedule.horizon + 1) >= self.start).astype(float)
        return np.broadcast_to(actions[:, None], (schedule.horizon, 2))

    @property
    def metadata(self) -> dict[str, bool]:
        return metadata(clock=True)

    def form(self) -> Form:
        return Switch(self.start)

    def __repr__(self) -> str:
        return f"Threshold({self.start})"


@dataclass(frozen=True, repr=False, init=False)
class Memoryless(Strategy):
    """A fresh instance each episode: defect with probability ``p`` given what it sees.

    ``Memoryless(0.3)`` defects with probability 0.3 whatever it sees;
    ``Memoryless({"train": 0.1, "deploy": 0.9})`` reads the cue. On a
    schedule with kinds of episode, a dict keyed by the kinds' names (each
    a probability, or a dict over the cues) reads the kind: one probability
    per (kind, cue).

    >>> Memoryless({"train": 0.1, "deploy": 0.9})
    Memoryless({'train': 0.1, 'deploy': 0.9})
    >>> Memoryless(0.3).probabilities
    (0.3, 0.3)
    >>> Memoryless({"subtle": 0.5, "obvious": {"train": 0.0, "deploy": 0.25}}).by_kind
    (('subtle', 0.5, 0.5), ('obvious', 0.0, 0.25))
    """

    by_kind: tuple[tuple[str, float, float], ...]

    def __init__(self, p: float | Mapping[str, float | Mapping[str, float]]) -> None:
        # Stored as (kind, on the train cue, on the deploy cue); the kind "" is every kind.
        if isinstance(p, Mapping) and p and not set(p) & set(CUES):
            entries = []
            for name, value in p.items():
                if not isinstance(name, str) or not name:
                    raise ValueError(f"p's kind names must be non-empty strings, got {name!r}")
                entries.append((name, *_cue_pair(value, f"p[{name!r}]")))
            object.__setattr__(self, "by_kind", tuple(entries))
        else:
            object.__setattr__(self, "by_kind", (("", *_cue_pair(p, "p")),))

    @property
    def reads_kinds(self) -> bool:
        """Whether the probabilities are given per kind of episode."""
        return self.by_kind[0][0] != ""

    @property
    def probabilities(self) -> tuple[float, float]:
        """``(P(A | train cue), P(A | deploy cue))`` of a strategy that does not read the kind."""
        if self.reads_kinds:
            raise ValueError(
                f"{self!r} gives one probability per kind of episode: read them in by_kind"
            )
        return self.by_kind[0][1], self.by_kind[0][2]

    def decision_table(self, schedule: Schedule) -> np.ndarray:
        if not self.reads_kinds:
            return constant_table(schedule, *self.probabilities)
        if schedule.kinds is None:
            raise ValueError(
                f"{self!r} reads kinds of episode, but the schedule has none; "
                "give it a schedule with kinds=..."
            )
        given = [name for name, _, _ in self.by_kind]
        unknown = sorted(set(given) - set(schedule.kinds.names))
        missing = [name for name in schedule.kinds.names if name not in given]
        if unknown or missing:
            raise ValueError(
                f"p must give each kind of the schedule {list(schedule.kinds.names)} a "
                f"probability; unknown kind names {unknown}, missing {missing}"
            )
        found = {name: (on_train, on_deploy) for name, on_train, on_deploy in self.by_kind}
        cells = np.array([found[name] for name in schedule.kinds.names], dtype=float).T
        return np.broadcast_to(cells, (schedule.horizon, 2, len(schedule.kinds)))

    @property
    def metadata(self) -> dict[str, bool]:
        values = [x for _, on_train, on_deploy in self.by_kind for x in (on_train, on_deploy)]
        random = any(0.0 < p < 1.0 for p in values)
        cue = any(on_train != on_deploy for _, on_train, on_deploy in self.by_kind)
        kind = len({(a, b) for _, a, b in self.by_kind}) > 1
        return metadata(cue=cue, stochastic=random, kind=kind)

    def form(self) -> Form | None:
        return self._form

    @cached_property
    def _form(self) -> Stationary | None:
        # Made once (evaluate asks for the form on every call).
        return None if self.reads_kinds else Stationary(*self.probabilities)

    def __repr__(self) -> str:
        if self.reads_kinds:
            parts = ", ".join(
                f"{name!r}: {_cue_text(on_train, on_deploy)}"
                for name, on_train, on_deploy in self.by_kind
            )
            return f"Memoryless({{{parts}}})"
        return f"Memoryless({_cue_text(*self.probabilities)})"


def _cue_pair(value: object, name: str) -> tuple[float, float]:
    """A probability, or a dict over both cues, as ``(on the train cue, on the deploy cue)``."""
    if isinstance(value, Mapping):
        unknown = sorted(map(str, set(value) - set(CUES)))
        missing = sorted(set(CUES) - set(value))
        if unknown or missing:
            raise ValueError(
                f"{name} must map each cue {list(CUES)} to a probability, or be one "
                f"probability (or key the kinds of episode by name); unknown {unknown}, "
                f"missing {missing}"
            )
        on_train, on_deploy = (
            _validate.probability(f"{name}[{cue!r}]", value[cue]) for cue in CUES
        )
        return on_train, on_deploy
    single = _validate.probability(name, value)
    return single, single


def _cue_text(on_train: float, on_deploy: float) -> str:
    if on_train == on_deploy:
        return repr(on_train)
    return f"{{'train': {on_train!r}, 'deploy': {on_deploy!r}}}"


@dataclass(frozen=True, repr=False)
class Bayesian(Strategy):
    """Defect when ``P(deploy | episode index, cue) > threshold`` (ties do not pass).

    The agent knows the schedule's distribution of the boundary (its prior),
    the episode index (a clock) and the current cue, and updates by Bayes'
    rule; it keeps no memory of earlier episodes. With a perfect cue it is
    :class:`Deceptive`; with no cue and a random boundary it defects once the
    prior probability of deployment passes the threshold.

    >>> from scipy import stats
    >>> s = Schedule.random_boundary(4, stats.randint(0, 4), observable=False)
    >>> Bayesian(0.5).decision_table(s)[:, 0].tolist()
    [0.0, 0.0, 1.0, 1.0]
    """

    threshold: float = 0.5

    def __post_init__(self) -> None:
        object.__setattr__(
            self,
            "threshold",
            _validate.real("threshold", self.threshold, low=0.0, high=1.0, high_open=True),
        )

    def posterior(self, schedule: Schedule) -> np.ndarray:
        """``P(deploy | episode, cue)``, shape ``(horizon, 2)`` (0 for an impossible cue).

        On a schedule with kinds of episode, ``P(deploy | episode, cue, kind)``,
        shape ``(horizon, 2, K)``: the kind is evidence about the phase too.
        """
        joint_deploy, joint_train = self._joint(schedule)
        total = joint_deploy + joint_train
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(total > 0, joint_deploy / np.where(total > 0, total, 1.0), 0.0)

    def decision_table(self, schedule: Schedule) -> np.ndarray:
        # posterior(cue) > threshold  <=>  P(T > t) < cutoff(cue): one comparison per cue.
        q, theta = schedule.cue_accuracy, self.threshold
        p_train = schedule.p_train()
        if schedule.kinds is None:
            table = np.empty((schedule.horizon, 2))
            for cue, (on_deploy, on_train) in enumerate(((1.0 - q, q), (q, 1.0 - q))):
                favour = (1.0 - theta) * on_deploy
                cutoff = favour / (favour + theta * on_train) if favour > 0 else 0.0
                # Ties (within rounding) do not pass the threshold, as in prefers_mesa.
                np.less(p_train, cutoff - TIE_TOLERANCE, out=table[:, cue], casting="unsafe")
            return table
        kinds = schedule.kinds
        by_kind = np.empty((schedule.horizon, 2, len(kinds)))
        for cue, (on_deploy, on_train) in enumerate(((1.0 - q, q), (q, 1.0 - q))):
            for j, (in_train, in_deploy) in enumerate(zip(kinds.train, kinds.deploy, strict=True)):
                # The kind's likelihood in each phase multiplies the cue's.
                favour = (1.0 - theta) * on_deploy * in_deploy
                cutoff = favour / (favour + theta * on_train * in_train) if favour > 0 else 0.0
                np.less(p_train, cutoff - TIE_TOLERANCE, out=by_kind[:, cue, j], casting="unsafe")
        return by_kind

    @staticmethod
    def _joint(schedule: Schedule) -> tuple[np.ndarray, np.ndarray]:
        """``P(deploy, cue)`` and ``P(train, cue)`` per episode, each ``(horizon, 2)``
        (``(horizon, 2, K)`` with kinds: ``P(phase, cue, kind)``)."""
        p_train = schedule.p_train()[:, None]
        likelihood = schedule.cue_matrix()  # [phase, cue]
        deploy = (1.0 - p_train) * likelihood[1][None, :]
        train = p_train * likelihood[0][None, :]
        if schedule.kinds is None:
            return deploy, train
        in_deploy = schedule.kinds.probabilities("deploy")[None, None, :]
        in_train = schedule.kinds.probabilities("train")[None, None, :]
        return deploy[..., None] * in_deploy, train[..., None] * in_train

    @property
    def metadata(self) -> dict[str, bool]:
        return metadata(cue=True, clock=True, schedule=True, kind=True)

    def __repr__(self) -> str:
        return f"Bayesian({self.threshold!r})"


BUILT_IN: tuple[type[Strategy], ...] = (
    Greedy,
    Aligned,
    Deceptive,
    Plan,
    Threshold,
    Memoryless,
    Bayesian,
)
