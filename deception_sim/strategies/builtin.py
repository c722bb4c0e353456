"""The built-in strategies (SPEC 3.4): Greedy, Aligned, Deceptive, Plan, Threshold,
Memoryless and Bayesian.

Each is a frozen dataclass with a ``repr`` that evaluates back to an equal
object, true :attr:`~deception_sim.strategies.Strategy.metadata`, and (where
its table has one) a closed :meth:`~deception_sim.strategies.Strategy.form`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from .. import _validate
from ..model import CUES, Schedule
from ..model.update import TIE_TOLERANCE
from .base import Form, Stationary, Strategy, Switch, constant_table, metadata


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
        return Stationary(1.0, 1.0)

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
        return Stationary(0.0, 0.0)

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
        return Stationary(0.0, 1.0)

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
        actions = np.full(schedule.horizon, 1.0 if self.fill == "A" else 0.0)
        actions[: len(self.plan)] = np.frombuffer(self.plan.encode(), dtype=np.uint8) == ord("A")
        return np.broadcast_to(actions[:, None], (schedule.horizon, 2))

    @property
    def metadata(self) -> dict[str, bool]:
        return metadata(clock=True)

    def __repr__(self) -> str:
        fill = "" if self.fill == "B" else f", fill={self.fill!r}"
        return f"Plan({self.plan!r}{fill})"


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
    """A fresh instance each episode: defect with probability ``p`` given the cue.

    ``Memoryless(0.3)`` defects with probability 0.3 whatever it sees;
    ``Memoryless({"train": 0.1, "deploy": 0.9})`` reads the cue.

    >>> Memoryless({"train": 0.1, "deploy": 0.9})
    Memoryless({'train': 0.1, 'deploy': 0.9})
    >>> Memoryless(0.3).probabilities
    (0.3, 0.3)
    """

    probabilities: tuple[float, float]

    def __init__(self, p: float | dict[str, float]) -> None:
        if isinstance(p, dict):
            unknown = sorted(set(p) - set(CUES))
            missing = sorted(set(CUES) - set(p))
            if unknown or missing:
                raise ValueError(
                    f"p must map each cue {list(CUES)} to a probability; "
                    f"unknown {unknown}, missing {missing}"
                )
            values = tuple(_validate.probability(f"p[{cue!r}]", p[cue]) for cue in CUES)
        else:
            value = _validate.probability("p", p)
            values = (value, value)
        object.__setattr__(self, "probabilities", values)

    def decision_table(self, schedule: Schedule) -> np.ndarray:
        return constant_table(schedule, *self.probabilities)

    @property
    def metadata(self) -> dict[str, bool]:
        on_train, on_deploy = self.probabilities
        random = any(0.0 < p < 1.0 for p in self.probabilities)
        return metadata(cue=on_train != on_deploy, stochastic=random)

    def form(self) -> Form:
        return Stationary(*self.probabilities)

    def __repr__(self) -> str:
        on_train, on_deploy = self.probabilities
        if on_train == on_deploy:
            return f"Memoryless({on_train!r})"
        return f"Memoryless({{'train': {on_train!r}, 'deploy': {on_deploy!r}}})"


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
        """``P(deploy | episode, cue)``, shape ``(horizon, 2)`` (0 for an impossible cue)."""
        joint_deploy, joint_train = self._joint(schedule)
        total = joint_deploy + joint_train
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(total > 0, joint_deploy / np.where(total > 0, total, 1.0), 0.0)

    def decision_table(self, schedule: Schedule) -> np.ndarray:
        # posterior(cue) > threshold  <=>  P(T > t) < cutoff(cue): one comparison per cue.
        q, theta = schedule.cue_accuracy, self.threshold
        p_train = schedule.p_train()
        table = np.empty((schedule.horizon, 2))
        for cue, (on_deploy, on_train) in enumerate(((1.0 - q, q), (q, 1.0 - q))):
            favour = (1.0 - theta) * on_deploy
            cutoff = favour / (favour + theta * on_train) if favour > 0 else 0.0
            # Ties (within rounding) do not pass the threshold, as in prefers_mesa.
            np.less(p_train, cutoff - TIE_TOLERANCE, out=table[:, cue], casting="unsafe")
        return table

    @staticmethod
    def _joint(schedule: Schedule) -> tuple[np.ndarray, np.ndarray]:
        """``P(deploy, cue)`` and ``P(train, cue)`` per episode, each ``(horizon, 2)``."""
        p_train = schedule.p_train()[:, None]
        likelihood = schedule.cue_matrix()  # [phase, cue]
        return (1.0 - p_train) * likelihood[1][None, :], p_train * likelihood[0][None, :]

    @property
    def metadata(self) -> dict[str, bool]:
        return metadata(cue=True, clock=True, schedule=True)

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
