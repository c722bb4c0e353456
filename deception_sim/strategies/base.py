"""What every policy is: the :class:`Strategy` interface, its metadata and its closed form.

A strategy describes an agent whose objective still prefers the mesa
objective; an agent whose objective has been modified below indifference
(see :mod:`deception_sim.model.update`) complies whatever its strategy. Every
strategy without memory gives its choice as a table ``P(A | episode, cue)``
over the schedule's episodes and the two cue values (``"train"``,
``"deploy"``), and, on a schedule with kinds of episode, optionally over
the kinds too (``P(A | episode, cue, kind)``), which is all that exact
evaluation and simulation need; a
strategy with memory gives a :class:`~deception_sim.strategies.Controller`
(a tree of observation histories) instead.

Each strategy has a ``repr`` that evaluates back to an equal object, and a
``metadata`` dict saying what it uses, in the manner of Axelrod's classifier:

``cue``
    reads the current cue;
``clock``
    reads the episode index;
``memory``
    remembers its own earlier choices and what happened to it;
``schedule``
    uses the schedule's distribution (prior beliefs about phases);
``stochastic``
    randomizes;
``solver``
    was computed by an optimizer;
``kind``
    reads the kind of the episode (on a schedule with kinds).

**Closed forms.** A strategy may also say, with :meth:`Strategy.form`, that
its table has a shape for which exact evaluation has a closed form
(:class:`Stationary`: the same choice in every episode; :class:`Switch`:
comply, then defect from one episode on; :class:`Actions`: a certain choice
per episode, whatever the cue). The fast paths of
:mod:`deception_sim.exact` are chosen by that form, never by the class: a
subclass that redefines :meth:`~Strategy.decision_table` without redefining
:meth:`~Strategy.form` has no closed form (it could no longer be trusted), so
a subclass can neither silently keep a fast path that no longer describes it
nor gain one it did not declare.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ..model import Schedule

if TYPE_CHECKING:  # pragma: no cover - imported for annotations only
    from ..model import Payoffs, UpdateRule
    from .controller import Controller

METADATA_KEYS: tuple[str, ...] = (
    "cue",
    "clock",
    "memory",
    "schedule",
    "stochastic",
    "solver",
    "kind",
)
"""The keys of every strategy's :attr:`Strategy.metadata`, in this order."""


@dataclass(frozen=True)
class Stationary:
    """A closed form: the same choice in every episode, ``P(A | cue)``.

    >>> Stationary(on_train_cue=0.0, on_deploy_cue=1.0)
    Stationary(on_train_cue=0.0, on_deploy_cue=1.0)
    """

    on_train_cue: float
    on_deploy_cue: float

    @property
    def pure(self) -> bool:
        """Whether both choices are certain (0 or 1)."""
        return self.on_train_cue in (0.0, 1.0) and self.on_deploy_cue in (0.0, 1.0)


@dataclass(frozen=True)
class Switch:
    """A closed form: comply before episode ``start``, defect from it on, whatever the cue.

    ``start`` past the horizon never defects.

    >>> Switch(start=3)
    Switch(start=3)
    """

    start: int


@dataclass(frozen=True)
class Actions:
    """A closed form: a certain choice per episode, whatever the cue: defect in episode
    ``t`` if ``defect[t - 1]``, and after the listed episodes as ``fill`` says.

    A strategy with this form is defined only on horizons of at least
    ``len(defect)`` episodes (on a shorter one, its table is asked for, and
    says why not).

    >>> Actions(defect=(False, False, True), fill=False).column(5)
    [0.0, 0.0, 1.0, 0.0, 0.0]
    """

    defect: tuple[bool, ...]
    fill: bool

    def __post_init__(self) -> None:
        defect = tuple(self.defect) if isinstance(self.defect, (tuple, list)) else None
        if defect is None or not all(isinstance(a, (bool, np.bool_)) for a in defect):
            raise ValueError(f"defect must be a tuple of True/False, got {self.defect!r}")
        if not isinstance(self.fill, (bool, np.bool_)):
            raise ValueError(f"fill must be True or False, got {self.fill!r}")
        object.__setattr__(self, "defect", tuple(bool(a) for a in defect))
        object.__setattr__(self, "fill", bool(self.fill))

    def column(self, horizon: int) -> list[float]:
        """``P(A)`` in each episode ``1..horizon`` (``horizon >= len(defect)``)."""
        listed = [1.0 if a else 0.0 for a in self.defect]
        return listed + [1.0 if self.fill else 0.0] * (horizon - len(listed))


Form = Stationary | Switch | Actions


class Strategy:
    """Base class: a policy for an agent whose objective still prefers ``A``.

    Subclasses implement :meth:`decision_table` and :attr:`metadata` (and a
    ``repr`` that evaluates back to an equal object, which is how tables and
    checkpoints name them). A subclass may also implement :meth:`form`.

    >>> class EveryOther(Strategy):
    ...     def decision_table(self, schedule):
    ...         odd = (np.arange(schedule.horizon) % 2).astype(float)
    ...         return np.stack([odd, odd], axis=1)
    ...     @property
    ...     def metadata(self):
    ...         return metadata(clock=True)
    ...     def __repr__(self):
    ...         return "EveryOther()"
    >>> checked_table(EveryOther(), Schedule.fixed(2, 2))[:, 0].tolist()
    [0.0, 1.0, 0.0, 1.0]
    """

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # A new table invalidates an inherited closed form (see the module documentation).
        if "decision_table" in cls.__dict__ and "form" not in cls.__dict__:
            cls.form = Strategy.form  # type: ignore[method-assign]

    def decision_table(self, schedule: Schedule) -> np.ndarray:
        """``P(A | episode, cue)`` as an array of shape ``(schedule.horizon, 2)``.

        Row ``t`` is episode ``t + 1``; column 0 is the ``"train"`` cue and
        column 1 the ``"deploy"`` cue. The array may be a read-only
        broadcast view. Solved policies may give one table per objective
        level, shape ``(levels, horizon, 2)``. On a schedule with ``K``
        kinds of episode a strategy that reads the kind gives shape
        ``(horizon, 2, K)`` (``(levels, horizon, 2, K)`` per level); an
        ``(horizon, 2)`` table plays the same in every kind.
        """
        raise NotImplementedError

    @property
    def metadata(self) -> dict[str, bool]:
        """What the strategy uses and does (see the module documentation)."""
        raise NotImplementedError

    def form(self) -> Form | None:
        """The closed form of the strategy's table, if it has one (else ``None``).

        >>> Strategy().form() is None
        True
        """
        return None

    def controller(
        self, schedule: Schedule, update: UpdateRule, payoffs: Payoffs
    ) -> Controller | None:
        """A :class:`~deception_sim.strategies.Controller` if the strategy has a memory.

        Strategies whose choice depends on their history (not only on the
        episode, the cue and their objective level) return their tree of
        observation histories; evaluation and simulation then follow it. The
        built-in strategies have no memory and return ``None``.
        """
        return None

    @property
    def name(self) -> str:
        """The label used in tables: the strategy's ``repr``.

        A ``repr`` that carries a memory address (a subclass without a
        ``__repr__`` of its own) would make tables differ from run to run;
        the label is then the class's name followed by ``(...)``, and a
        :class:`UserWarning` says so (once per class). Sweeps refuse such a
        strategy (their checkpoints are named by the reprs).
        """
        text = repr(self)
        if not has_address(text):
            return text
        kind = type(self)
        if kind not in _WARNED:
            _WARNED.add(kind)
            warnings.warn(
                f"{kind.__qualname__} has no __repr__ of its own (its repr {text!r} holds a "
                f"memory address); tables name it {kind.__qualname__}(...). Give it a "
                "__repr__ that evaluates back to an equal object",
                UserWarning,
                stacklevel=2,
            )
        return f"{kind.__qualname__}(...)"


_WARNED: set[type] = set()
_ADDRESS = re.compile(r"\bat 0x[0-9a-fA-F]+")


def has_address(text: str) -> bool:
    """Whether a ``repr`` holds a memory address (``<X object at 0x7f...>``): not reproducible.

    >>> has_address("Greedy()"), has_address("<__main__.Mine object at 0x7f3a2c1b9d90>")
    (False, True)
    """
    return _ADDRESS.search(text) is not None


def metadata(
    *,
    cue: bool = False,
    clock: bool = False,
    memory: bool = False,
    schedule: bool = False,
    stochastic: bool = False,
    solver: bool = False,
    kind: bool = False,
) -> dict[str, bool]:
    """A metadata dict with every key of :data:`METADATA_KEYS` (unnamed ones ``False``).

    >>> metadata(cue=True)["cue"], metadata()["clock"]
    (True, False)
    """
    return {
        "cue": cue,
        "clock": clock,
        "memory": memory,
        "schedule": schedule,
        "stochastic": stochastic,
        "solver": solver,
        "kind": kind,
    }


def constant_table(schedule: Schedule, on_train_cue: float, on_deploy_cue: float) -> np.ndarray:
    """The read-only table of a choice that is the same in every episode.

    >>> constant_table(Schedule.fixed(1, 1), 0.0, 1.0).tolist()
    [[0.0, 1.0], [0.0, 1.0]]
    """
    row = np.array([[on_train_cue, on_deploy_cue]], dtype=float)
    return np.broadcast_to(row, (schedule.horizon, 2))


def checked_table(policy: Strategy, schedule: Schedule, levels: int | None = None) -> np.ndarray:
    """``policy``'s decision table on ``schedule``, checked: the one way tables enter the engines.

    The table must have shape ``(horizon, 2)`` (or ``(levels, horizon, 2)``
    for a solved policy with one table per objective level) and hold
    probabilities: finite numbers in [0, 1]. On a schedule with ``K`` kinds
    of episode it may also be ``(horizon, 2, K)`` (or ``(levels, horizon,
    2, K)``), and it is returned with the kind axis last: an ``(horizon, 2)``
    table as a read-only broadcast over the kinds. A user-written strategy
    that breaks this gets a :class:`ValueError` naming it, not a wrong answer.

    >>> from deception_sim import Deceptive
    >>> checked_table(Deceptive(), Schedule.fixed(1, 1)).tolist()
    [[0.0, 1.0], [0.0, 1.0]]
    >>> from deception_sim.model import EpisodeKinds, Kind
    >>> kinds = EpisodeKinds.uniform(Kind("a"), Kind("b"))
    >>> checked_table(Deceptive(), Schedule.fixed(1, 1, kinds=kinds)).shape
    (2, 2, 2)
    """
    given = policy.decision_table(schedule)
    try:
        table = np.asarray(given, dtype=float)
    except (TypeError, ValueError, OverflowError):
        raise ValueError(
            f"the decision table of {_label(policy)} must be an array of probabilities, got "
            f"{type(given).__name__}"
        ) from None
    n = schedule.horizon
    allowed: list[tuple[int, ...]] = [(n, 2)]
    per_level: tuple[int, ...] | None = None if levels is None else (levels, n, 2)
    count = None if schedule.kinds is None else len(schedule.kinds)
    if count is not None:
        # With kinds a 3-d table is (episodes, cues, kinds): per-level tables carry kinds too.
        allowed.append((n, 2, count))
        per_level = None if levels is None else (levels, n, 2, count)
    if table.shape not in allowed and table.shape != per_level:
        shapes = ", or ".join(str(shape) for shape in allowed)
        if per_level is not None:
            shapes += f", or {per_level} per-level"
        axes = "episodes x cues" + ("" if count is None else " [x kinds]")
        raise ValueError(
            f"the decision table of {_label(policy)} has shape {table.shape}; "
            f"it must be {shapes} ({axes})"
        )
    by_kind = count is not None and table.ndim >= 3
    episode_axis = table.ndim - (3 if by_kind else 2)
    # A broadcast view (stride 0 over episodes) holds one row: check only that row.
    stored = table
    if n > 1 and table.strides[episode_axis] == 0:
        stored = np.take(table, [0], axis=episode_axis)
    if stored.size <= _SMALL:  # a few numbers: checked faster in Python than by numpy
        values = stored.ravel().tolist()
        total = sum(values)  # NaN if any is NaN (which min and max may pass over)
        fine = not values or (min(values) >= 0.0 and max(values) <= 1.0 and total == total)
    else:  # the extremes (NaN propagates to both, and fails both tests)
        fine = stored.size == 0 or bool(stored.min() >= 0.0 and stored.max() <= 1.0)
    if not fine:
        good = np.isfinite(stored) & (stored >= 0.0) & (stored <= 1.0)
        bad = stored[~good].flat[0]
        raise ValueError(
            f"the decision table of {_label(policy)} must hold probabilities in [0, 1], "
            f"got {float(bad)!r}"
        )
    if count is not None and not by_kind:
        table = np.broadcast_to(table[..., None], (*table.shape, count))
    return table


_SMALL = 256


def _label(policy: Strategy) -> str:
    text = object.__repr__(policy) if type(policy).__repr__ is object.__repr__ else repr(policy)
    return text if len(text) <= 80 else text[:77] + "..."
