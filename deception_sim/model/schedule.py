"""Schedules: which episodes are overseen, and what the agent sees of it (SPEC 2).

A schedule is a small hidden Markov model over two phases that only move
forward, ``train`` (overseen: the base optimizer may update the agent) then
``deploy`` (not overseen), over a horizon of ``N`` episodes:

* the train/deploy **boundary** ``T`` (the number of training episodes) has any
  distribution over ``0..N`` (``train_pmf``); episodes ``1..T`` are training and
  ``T+1..N`` deployment;
* **honeypots**: each deployment episode is overseen with probability
  ``honeypot_rate`` (one number, or one per episode), independently; a
  honeypot is a deployment episode in every way the agent can see;
* **cues**: in every episode the agent sees a cue, ``"train"`` or ``"deploy"``,
  equal to the true phase with probability ``cue_accuracy`` (1: the phase is
  observable; 0.5: the cue carries no information), independently;
* **unknown horizon**: after each episode the run goes on with probability
  ``continue_prob``, so episode ``t`` happens with probability
  ``continue_prob ** (t - 1)``; ``horizon`` caps it;
* **kinds of episode** (optional, :class:`~deception_sim.model.kinds.EpisodeKinds`):
  each episode's kind is drawn from a distribution per phase; a kind may
  have its own honeypot rate, success and detection probabilities, and the
  agent sees it.

Every variant is the same object to the algorithms: :meth:`Schedule.p_train`,
:meth:`Schedule.honeypots` and :meth:`Schedule.reach` give the per-episode arrays.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from functools import cached_property
from typing import cast

import numpy as np

from .. import _validate
from . import limits
from .kinds import EpisodeKinds

PHASES: tuple[str, str] = ("train", "deploy")
"""Names of the two phases, in the order they occur."""

CUES: tuple[str, str] = ("train", "deploy")
"""Names of the two cue values; cue ``i`` is the cue that phase ``i`` emits."""

_PMF_TOLERANCE = 1e-9


def _digest(array: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(array, dtype=float).tobytes()).hexdigest()


@dataclass(frozen=True, eq=False)
class Schedule:
    """The distribution of phases and cues over a horizon of episodes.

    Most users build one with :meth:`fixed`, :meth:`random_boundary` or
    :meth:`unknown_horizon`; the constructor takes the general form.

    Parameters
    ----------
    horizon:
        Number of episodes ``N`` (>= 0).
    train_pmf:
        ``train_pmf[k]`` is the probability that the first ``k`` episodes are
        training, for ``k = 0..N`` (``N + 1`` numbers summing to 1).
    honeypot_rate:
        Probability that a deployment episode is overseen: one number in
        [0, 1], or a sequence of ``N`` (one per episode).
    cue_accuracy:
        Probability in [0.5, 1] that the cue shows the true phase.
    continue_prob:
        Probability in (0, 1] that the run goes on after each episode.
    kinds:
        Kinds of episode (:class:`~deception_sim.model.kinds.EpisodeKinds`),
        or ``None`` (every episode alike).

    Examples
    --------
    >>> s = Schedule.fixed(train=2, deploy=3)
    >>> s.horizon, s.p_train().tolist()
    (5, [1.0, 1.0, 0.0, 0.0, 0.0])
    >>> Schedule.fixed(train=2, deploy=3, observable=False).cue_accuracy
    0.5
    """

    horizon: int
    train_pmf: np.ndarray = field(repr=False)
    honeypot_rate: float | np.ndarray = 0.0
    cue_accuracy: float = 1.0
    continue_prob: float = 1.0
    kinds: EpisodeKinds | None = None

    def __post_init__(self) -> None:
        horizon = _validate.integer("horizon", self.horizon)
        pmf = _validate.probability_array("train_pmf", self.train_pmf, length=horizon + 1)
        total = float(pmf.sum())
        if abs(total - 1.0) > _PMF_TOLERANCE:
            raise ValueError(f"train_pmf must sum to 1, got a total of {total!r}")
        if isinstance(self.honeypot_rate, (list, tuple, np.ndarray)):
            honeypot: float | np.ndarray = _validate.probability_array(
                "honeypot_rate", self.honeypot_rate, length=horizon
            )
        else:
            honeypot = _validate.probability("honeypot_rate", self.honeypot_rate)
        accuracy = _validate.real("cue_accuracy", self.cue_accuracy, low=0.5, high=1.0)
        continuation = _validate.real(
            "continue_prob", self.continue_prob, low=0.0, high=1.0, low_open=True
        )
        object.__setattr__(self, "horizon", horizon)
        object.__setattr__(self, "train_pmf", pmf)
        object.__setattr__(self, "honeypot_rate", honeypot)
        object.__setattr__(self, "cue_accuracy", accuracy)
        object.__setattr__(self, "continue_prob", continuation)
        if self.kinds is not None and not isinstance(self.kinds, EpisodeKinds):
            raise ValueError(
                f"kinds must be an EpisodeKinds or None, got {type(self.kinds).__name__}"
            )

    # ------------------------------------------------------------------ constructors
    @classmethod
    def fixed(
        cls,
        train: int,
        deploy: int,
        *,
        honeypot_rate: float | np.ndarray = 0.0,
        cue_accuracy: float = 1.0,
        observable: bool | None = None,
        continue_prob: float = 1.0,
        kinds: EpisodeKinds | None = None,
    ) -> Schedule:
        """``train`` overseen episodes, then ``deploy`` deployment episodes.

        ``observable=False`` is the same as ``cue_accuracy=0.5`` (the cue says
        nothing); ``observable=True`` the same as ``cue_accuracy=1``.

        >>> Schedule.fixed(train=2, deploy=3)
        Schedule.fixed(train=2, deploy=3)
        """
        train = _validate.integer("train", train)
        deploy = _validate.integer("deploy", deploy)
        _check_horizon("train + deploy", train + deploy)
        pmf = np.zeros(train + deploy + 1)
        pmf[train] = 1.0
        return cls(
            horizon=train + deploy,
            train_pmf=pmf,
            honeypot_rate=honeypot_rate,
            cue_accuracy=_accuracy(cue_accuracy, observable),
            continue_prob=continue_prob,
            kinds=kinds,
        )

    @classmethod
    def random_boundary(
        cls,
        horizon: int,
        train_length: object,
        *,
        honeypot_rate: float | np.ndarray = 0.0,
        cue_accuracy: float = 1.0,
        observable: bool | None = None,
        continue_prob: float = 1.0,
        kinds: EpisodeKinds | None = None,
    ) -> Schedule:
        """A horizon of ``horizon`` episodes whose training length is random.

        ``train_length`` is either ``horizon + 1`` probabilities over the
        training length ``0..horizon``, or a frozen ``scipy.stats`` discrete
        distribution; its mass above ``horizon`` is put at ``horizon`` (the
        run ends before deployment), and mass below 0 is an error.

        >>> from scipy import stats
        >>> s = Schedule.random_boundary(horizon=4, train_length=stats.randint(1, 3))
        >>> s.train_pmf.tolist()
        [0.0, 0.5, 0.5, 0.0, 0.0]
        >>> s.p_train().tolist()
        [1.0, 0.5, 0.0, 0.0]
        """
        horizon = _validate.integer("horizon", horizon)
        _check_horizon("horizon", horizon)
        if hasattr(train_length, "pmf") and hasattr(train_length, "cdf"):
            below = float(train_length.cdf(-1))
            if below > _PMF_TOLERANCE:
                raise ValueError(f"train_length must put no mass below 0, got P(T < 0) = {below!r}")
            pmf = np.asarray(train_length.pmf(np.arange(horizon + 1)), dtype=float)
            pmf[horizon] += max(0.0, 1.0 - float(train_length.cdf(horizon)))
        else:
            pmf = cast(np.ndarray, train_length)  # validated (and converted) by the constructor
        return cls(
            horizon=horizon,
            train_pmf=pmf,
            honeypot_rate=honeypot_rate,
            cue_accuracy=_accuracy(cue_accuracy, observable),
            continue_prob=continue_prob,
            kinds=kinds,
        )

    @classmethod
    def unknown_horizon(
        cls,
        train: int,
        continue_prob: float,
        *,
        horizon: int | None = None,
        tail: float = 1e-12,
        honeypot_rate: float | np.ndarray = 0.0,
        cue_accuracy: float = 1.0,
        observable: bool | None = None,
        kinds: EpisodeKinds | None = None,
    ) -> Schedule:
        """``train`` training episodes in a run of geometric length.

        After each episode the run goes on with probability ``continue_prob``.
        Without ``horizon`` the run is cut where the expected number of
        episodes beyond it, ``c**N / (1 - c)``, falls below ``tail``, so
        counts differ from the untruncated model by at most ``tail``.

        >>> s = Schedule.unknown_horizon(train=2, continue_prob=0.5)
        >>> s.horizon
        41
        >>> s.reach()[:3].tolist()
        [1.0, 0.5, 0.25]
        """
        train = _validate.integer("train", train)
        continue_prob = _validate.real(
            "continue_prob", continue_prob, low=0.0, high=1.0, low_open=True, high_open=True
        )
        tail = _validate.real("tail", tail, low=0.0, high=1.0, low_open=True, high_open=True)
        if horizon is None:
            needed = (math.log(tail) + math.log1p(-continue_prob)) / math.log(continue_prob)
            horizon = max(train, math.ceil(needed))
            _check_horizon(f"continue_prob={continue_prob!r} (with tail={tail!r})", horizon)
        horizon = _validate.integer("horizon", horizon)
        if horizon < train:
            raise ValueError(f"horizon must be an integer >= train ({train}), got {horizon}")
        return cls.fixed(
            train,
            horizon - train,
            honeypot_rate=honeypot_rate,
            cue_accuracy=cue_accuracy,
            observable=observable,
            continue_prob=continue_prob,
            kinds=kinds,
        )

    # ------------------------------------------------------------------ per-episode arrays
    def survival(self) -> np.ndarray:
        """``P(T > t)`` for ``t = 0..N``: the probability episode ``t + 1`` is training.

        The array is computed once per schedule and is read-only.

        >>> Schedule.fixed(train=1, deploy=1).survival().tolist()
        [1.0, 0.0, 0.0]
        """
        return self._survival

    @cached_property
    def _survival(self) -> np.ndarray:
        first, last = self.support()
        out = np.zeros(self.horizon + 1)
        out[:first] = 1.0
        if last > first:
            # Summed from the right so that tiny tail probabilities keep their digits.
            tail = np.cumsum(self.train_pmf[last:first:-1])[::-1]
            out[first:last] = np.minimum(tail, 1.0)
        out.setflags(write=False)
        return out

    def hazard(self) -> np.ndarray:
        """``P(T = t + 1 | T > t)`` for ``t = 0..N-1``: the probability that training ends
        with episode ``t + 1``, given that episode ``t + 1`` is a training episode (0 once
        training has certainly ended). This is how the phase moves in every engine that
        follows the phase episode by episode.

        The array is computed once per schedule and is read-only.

        >>> Schedule.random_boundary(3, [0.0, 0.5, 0.25, 0.25]).hazard().tolist()
        [0.5, 0.5, 1.0]
        >>> Schedule.fixed(train=1, deploy=2).hazard().tolist()
        [1.0, 0.0, 0.0]
        """
        return self._hazard

    @cached_property
    def _hazard(self) -> np.ndarray:
        n = self.horizon
        last = self.support()[1]
        out = np.zeros(n)
        # Where P(T > t) > 0 (t < last); rounding may leave a ratio a hair above 1.
        np.divide(self.train_pmf[1 : last + 1], self.survival()[:last], out=out[:last])
        np.minimum(out, 1.0, out=out)
        out.setflags(write=False)
        return out

    def p_train(self) -> np.ndarray:
        """Probability that each episode ``1..N`` is a training episode."""
        return self.survival()[:-1]

    def episodes(self) -> np.ndarray:
        """The episode numbers ``1.0 .. N`` as floats (computed once, read-only)."""
        return self._episodes

    @cached_property
    def _episodes(self) -> np.ndarray:
        out = np.arange(1.0, self.horizon + 1.0)
        out.setflags(write=False)
        return out

    def honeypots(self) -> np.ndarray:
        """Per-episode probability that a deployment episode is overseen (length N)."""
        return np.broadcast_to(np.asarray(self.honeypot_rate, dtype=float), (self.horizon,))

    def deploy_oversight(self) -> np.ndarray:
        """Per-episode probability that a deployment episode is overseen, over its kinds.

        Without kinds this is :meth:`honeypots`; with kinds, each kind's own
        rate (or the schedule's) weighted by ``P(kind | deploy)``.

        >>> from deception_sim.model.kinds import EpisodeKinds, Kind
        >>> kinds = EpisodeKinds.uniform(Kind("a", honeypot_rate=1.0), Kind("b"))
        >>> Schedule.fixed(0, 2, honeypot_rate=0.5, kinds=kinds).deploy_oversight().tolist()
        [0.75, 0.75]
        """
        if self.kinds is None:
            return self.honeypots()
        total = np.zeros(self.horizon)
        for kind, p in zip(self.kinds.kinds, self.kinds.deploy, strict=True):
            if p:
                total = total + p * self.kind_honeypots(kind.name)
        return total

    def kind_honeypots(self, name: str) -> np.ndarray:
        """Per-episode probability that a deployment episode of kind ``name`` is overseen.

        >>> from deception_sim.model.kinds import EpisodeKinds, Kind
        >>> kinds = EpisodeKinds.uniform(Kind("a", honeypot_rate=1.0), Kind("b"))
        >>> Schedule.fixed(0, 2, honeypot_rate=0.5, kinds=kinds).kind_honeypots("b").tolist()
        [0.5, 0.5]
        """
        if self.kinds is None:
            raise ValueError("kind_honeypots needs a schedule with kinds")
        kind = self.kinds.kinds[self.kinds.index(name)]
        if kind.honeypot_rate is None:
            return self.honeypots()
        return np.full(self.horizon, kind.honeypot_rate)

    def reach(self) -> np.ndarray:
        """Probability that the run reaches each episode: ``continue_prob ** (t - 1)``."""
        if self.continue_prob == 1.0:
            return np.ones(self.horizon)
        return np.exp(np.arange(self.horizon) * math.log(self.continue_prob))

    def cue_matrix(self) -> np.ndarray:
        """``M[phase, cue]``: probability of each cue given the phase (rows sum to 1).

        >>> Schedule.fixed(1, 1, cue_accuracy=0.75).cue_matrix().tolist()
        [[0.75, 0.25], [0.25, 0.75]]
        """
        q = self.cue_accuracy
        return np.array([[q, 1.0 - q], [1.0 - q, q]])

    @property
    def fixed_train(self) -> int | None:
        """The training length if it is certain, else ``None``."""
        first, last = self.support()
        return first if first == last else None

    def support(self) -> tuple[int, int]:
        """``(smallest, largest)`` training length with positive probability.

        >>> Schedule.random_boundary(4, [0, 0.5, 0, 0.5, 0]).support()
        (1, 3)
        """
        return self._support

    @cached_property
    def _support(self) -> tuple[int, int]:
        (support,) = np.nonzero(self.train_pmf)
        return int(support[0]), int(support[-1])

    # ------------------------------------------------------------------ identity
    def __reduce__(self) -> tuple[object, tuple[object, ...]]:
        # Only the support of the boundary's distribution is stored (its cached arrays
        # are not), so a schedule of 10**7 fixed episodes pickles to a few bytes.
        first, last = self.support()
        window = self.train_pmf[first : last + 1].copy()
        honeypot = self.honeypot_rate
        return (
            _restore,
            (
                self.horizon,
                first,
                window,
                honeypot,
                self.cue_accuracy,
                self.continue_prob,
                self.kinds,
            ),
        )

    def _key(self) -> tuple[object, ...]:
        honeypot: object = self.honeypot_rate
        if isinstance(honeypot, np.ndarray):
            honeypot = ("per-episode", _digest(honeypot))
        return (
            self.horizon,
            _digest(self.train_pmf),
            honeypot,
            self.cue_accuracy,
            self.continue_prob,
            self.kinds,
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Schedule):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        options = []
        if isinstance(self.honeypot_rate, np.ndarray):
            options.append(f"honeypot_rate={self.honeypot_rate.tolist()!r}")
        elif self.honeypot_rate:
            options.append(f"honeypot_rate={self.honeypot_rate!r}")
        if self.cue_accuracy != 1.0:
            options.append(f"cue_accuracy={self.cue_accuracy!r}")
        if self.continue_prob != 1.0:
            options.append(f"continue_prob={self.continue_prob!r}")
        if self.kinds is not None:
            options.append(f"kinds={self.kinds!r}")
        tail = "".join(", " + option for option in options)
        train = self.fixed_train
        if train is not None:
            return f"Schedule.fixed(train={train}, deploy={self.horizon - train}{tail})"
        pmf = self.train_pmf.tolist()
        return f"Schedule(horizon={self.horizon}, train_pmf={pmf!r}{tail})"

    def describe(self) -> str:
        """A one-line human description, for tables and the command line."""
        train = self.fixed_train
        if train is not None:
            text = f"T={train}, D={self.horizon - train}"
        else:
            ks = np.arange(self.horizon + 1)
            text = f"N={self.horizon}, E[T]={float(ks @ self.train_pmf):.4g}"
        # With kinds, the rate over the kinds (each kind may have its own).
        oversight = self.deploy_oversight()
        kinds_audit = self.kinds is not None and bool(oversight.any())
        if isinstance(self.honeypot_rate, np.ndarray) or self.honeypot_rate or kinds_audit:
            text += f", honeypot={np.mean(oversight) if self.horizon else 0:.4g}"
        if self.cue_accuracy != 1.0:
            text += f", cue={self.cue_accuracy:.4g}"
        if self.continue_prob != 1.0:
            text += f", continue={self.continue_prob:.4g}"
        if self.kinds is not None:
            text += f", {self.kinds.describe()}"
        return text


def _restore(
    horizon: int,
    first: int,
    window: np.ndarray,
    honeypot_rate: float | np.ndarray,
    cue_accuracy: float,
    continue_prob: float,
    kinds: EpisodeKinds | None = None,
) -> Schedule:
    """Rebuild a pickled :class:`Schedule` from the support of its boundary distribution."""
    pmf = np.zeros(horizon + 1)
    pmf[first : first + len(window)] = window
    return Schedule(horizon, pmf, honeypot_rate, cue_accuracy, continue_prob, kinds)


def _accuracy(cue_accuracy: float, observable: bool | None) -> float:
    if observable is None:
        return cue_accuracy
    if not isinstance(observable, bool):
        raise ValueError(f"observable must be True, False or None, got {observable!r}")
    implied = 1.0 if observable else 0.5
    if cue_accuracy not in (1.0, implied):
        raise ValueError(
            f"observable={observable} contradicts cue_accuracy={cue_accuracy!r}; give one"
        )
    return implied


def _check_horizon(parameter: str, horizon: int) -> None:
    """Refuse a horizon whose schedule alone would exceed the memory budget."""
    what = f"a schedule of {limits.format_count(horizon)} episodes"
    limits.check_memory(what, parameter, limits.schedule_bytes(horizon))
