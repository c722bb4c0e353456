"""The model's parameters as plain values: one table, and the one function that builds the model.

Notebooks build :class:`Schedule`, :class:`UpdateRule` and :class:`Payoffs`
directly. Interfaces that take the model as plain values (a sweep's grid, the
command line's options) name its parameters instead; this module is the one
place that says what those names are, what kind of value each takes, its
default and what it means (:data:`PARAMETERS`), and how a mapping of them
becomes the three model objects (:func:`build_model`).

=====================  =====================================================
schedule               ``train``, ``deploy`` (:meth:`Schedule.fixed`), or
                       ``horizon`` and ``train_length``
                       (:meth:`Schedule.random_boundary`); ``honeypot_rate``,
                       ``cue_accuracy``, ``observable``, ``continue_prob``,
                       ``kinds``
update rule            ``detect``, ``rate``, ``drift``
payoffs                ``v_deploy``, ``v_overseen``, ``success``, ``utility``,
                       ``discount``, ``v_detected``, ``v_clean``, ``missed``,
                       ``needed``
whole model objects    ``schedule``, ``update``, ``payoffs`` (instead of
                       their fields)
=====================  =====================================================

>>> rate = parameter("rate")
>>> rate.owner, rate.kind, rate.default, str(rate.interval), rate.help
('update', 'real', 1.0, '(0, 1]', 'fraction of mesa weight one update removes')
>>> schedule, update, payoffs = build_model({"train": 2, "deploy": 3, "detect": 0.5})
>>> schedule, update
(Schedule.fixed(train=2, deploy=3), UpdateRule(detect=0.5, rate=1.0, drift=0.0))
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Literal, Protocol, TypeAlias, cast, runtime_checkable

import numpy as np

from .. import _validate
from .kinds import EpisodeKinds
from .payoffs import MISSED, UTILITIES, Payoffs
from .schedule import Schedule
from .update import UpdateRule

Owner: TypeAlias = Literal["schedule", "update", "payoffs"]
"""Which model object a parameter is a field of."""

Kind: TypeAlias = Literal[
    "count", "probability", "probabilities", "real", "choice", "flag", "distribution", "kinds"
]
"""What values a parameter takes (see :class:`Parameter`)."""

OWNERS: tuple[Owner, ...] = ("schedule", "update", "payoffs")
"""The model objects, in the order :func:`build_model` returns them; each name
also stands for a whole object given instead of its fields."""


@runtime_checkable
class DiscreteDistribution(Protocol):
    """A frozen ``scipy.stats`` discrete distribution (anything with ``pmf`` and ``cdf``)."""

    def pmf(self, k: np.ndarray) -> np.ndarray: ...

    def cdf(self, k: np.ndarray) -> np.ndarray: ...


ParameterValue: TypeAlias = (
    int
    | float
    | str
    | bool
    | tuple[float, ...]
    | DiscreteDistribution
    | EpisodeKinds
    | Schedule
    | UpdateRule
    | Payoffs
    | None
)
"""A checked value of a parameter (a sequence of probabilities is kept as a tuple)."""


@dataclass(frozen=True)
class Interval:
    """The range of a real parameter, written as in the error messages: ``(0, 1]``."""

    low: float = -math.inf
    high: float = math.inf
    low_open: bool = False
    high_open: bool = False

    def check(self, name: str, value: object) -> float:
        return _validate.real(
            name,
            value,
            low=self.low,
            high=self.high,
            low_open=self.low_open,
            high_open=self.high_open,
        )

    def __str__(self) -> str:
        left, right = "(" if self.low_open else "[", ")" if self.high_open else "]"
        return f"{left}{self.low:g}, {self.high:g}{right}"


@dataclass(frozen=True)
class Parameter:
    """One parameter of the model, as interfaces name it.

    ``kind`` says what values it takes: ``"count"`` an integer >= 0,
    ``"probability"`` a number in [0, 1], ``"probabilities"`` a probability or
    one per episode, ``"real"`` a number in ``interval``, ``"choice"`` one of
    ``choices``, ``"flag"`` ``True``, ``False`` or ``None``, and
    ``"distribution"`` a ``scipy.stats`` discrete distribution or
    probabilities over ``0..horizon``, and ``"kinds"`` an
    :class:`~deception_sim.model.EpisodeKinds` (or ``None``: one kind). A
    count is at least ``minimum``. ``default`` is the model's default
    (``None``: the parameter has none, or it is implied by others).

    >>> parameter("honeypot_rate").check(0.25), parameter("honeypot_rate").check([0, 0.5])
    (0.25, (0.0, 0.5))
    >>> parameter("cue_accuracy").check(0.2)
    Traceback (most recent call last):
    ...
    ValueError: cue_accuracy must be a number in [0.5, 1], got 0.2
    """

    name: str
    owner: Owner
    kind: Kind
    default: float | str | None
    help: str
    interval: Interval | None = None
    choices: tuple[str, ...] = ()
    minimum: int = 0

    @property
    def scalar(self) -> type[int] | type[float] | type[str] | None:
        """The type of one plain value of it (``None``: no single number or word)."""
        if self.kind == "count":
            return int
        if self.kind in ("probability", "probabilities", "real"):
            return float
        if self.kind == "choice":
            return str
        return None

    def check(self, value: object) -> ParameterValue:
        """``value``, validated and normalized; the message names the parameter and its range."""
        if isinstance(value, np.generic):
            value = value.item()
        name = self.name
        if self.kind == "count":
            return _validate.integer(name, value, minimum=self.minimum)
        if self.kind == "kinds":
            if value is None or isinstance(value, EpisodeKinds):
                return value
            raise ValueError(f"{name} must be an EpisodeKinds or None, got {value!r}")
        if self.kind == "probability":
            return _validate.probability(name, value)
        if self.kind == "real":
            return (self.interval or Interval()).check(name, value)
        if self.kind == "choice":
            return _validate.choice(name, value, self.choices)
        if self.kind == "probabilities":
            if isinstance(value, (list, tuple, np.ndarray)):
                return tuple(_validate.probability_array(name, value).tolist())
            return _validate.probability(name, value)
        if self.kind == "flag":
            if value is not None and not isinstance(value, bool):
                raise ValueError(f"{name} must be True, False or None, got {value!r}")
            return value
        if isinstance(value, DiscreteDistribution):
            return value
        if isinstance(value, (list, tuple, np.ndarray)):
            return tuple(_validate.probability_array(name, value).tolist())
        raise ValueError(
            f"{name} must be a scipy.stats discrete distribution or probabilities over "
            f"0..horizon (to sweep one list of probabilities, wrap it in a list), got {value!r}"
        )


PARAMETERS: tuple[Parameter, ...] = (
    Parameter("train", "schedule", "count", None, "training episodes T (fixed boundary)"),
    Parameter("deploy", "schedule", "count", None, "deployment episodes D (fixed boundary)"),
    Parameter("horizon", "schedule", "count", None, "horizon N (random boundary)"),
    Parameter(
        "train_length",
        "schedule",
        "distribution",
        None,
        "random training length over 0..N (random boundary)",
    ),
    Parameter("honeypot_rate", "schedule", "probabilities", 0.0, "honeypot rate h"),
    Parameter(
        "cue_accuracy", "schedule", "real", 1.0, "cue accuracy q", interval=Interval(0.5, 1.0)
    ),
    Parameter(
        "observable",
        "schedule",
        "flag",
        None,
        "True: the cue is the phase (q = 1); False: it says nothing (q = 0.5)",
    ),
    Parameter(
        "continue_prob",
        "schedule",
        "real",
        1.0,
        "probability the run goes on",
        interval=Interval(0.0, 1.0, low_open=True),
    ),
    Parameter("kinds", "schedule", "kinds", None, "kinds of episode (EpisodeKinds)"),
    Parameter(
        "detect", "update", "probability", 1.0, "P(an overseen defection triggers an update)"
    ),
    Parameter(
        "rate",
        "update",
        "real",
        1.0,
        "fraction of mesa weight one update removes",
        interval=Interval(0.0, 1.0, low_open=True),
    ),
    Parameter(
        "drift",
        "update",
        "real",
        0.0,
        "mesa weight lost per overseen compliance",
        interval=Interval(0.0, 1.0, high_open=True),
    ),
    Parameter(
        "v_deploy",
        "payoffs",
        "real",
        1.0,
        "mesa value of a successful defection",
        interval=Interval(0.0),
    ),
    Parameter(
        "v_overseen",
        "payoffs",
        "real",
        1.0,
        "mesa value of an overseen defection (negative: a cost)",
    ),
    Parameter("success", "payoffs", "probability", 1.0, "P(an unoverseen defection succeeds)"),
    Parameter(
        "utility",
        "payoffs",
        "choice",
        "count",
        "count apples, or any success",
        choices=UTILITIES,
    ),
    Parameter(
        "discount",
        "payoffs",
        "real",
        1.0,
        "discount per episode",
        interval=Interval(0.0, 1.0, low_open=True),
    ),
    Parameter(
        "v_detected",
        "payoffs",
        "real",
        0.0,
        "mesa value added when an overseen defection is detected (negative: a cost)",
    ),
    Parameter(
        "v_clean",
        "payoffs",
        "real",
        0.0,
        "mesa value at the end of a run in which the agent never defected",
    ),
    Parameter(
        "missed",
        "payoffs",
        "choice",
        "harmless",
        "an overseen defection that escapes detection: harmless, or goes through as if unoverseen",
        choices=MISSED,
    ),
    Parameter("needed", "payoffs", "count", 1, "successes the 'any' utility needs", minimum=1),
)
"""Every field of the model objects that interfaces may set, in the order they list them."""

PARAMETER_NAMES: tuple[str, ...] = (*(p.name for p in PARAMETERS), *OWNERS)
"""Every name a mapping of parameters may use: the fields, then the whole objects."""

_BY_NAME: dict[str, Parameter] = {p.name: p for p in PARAMETERS}


def parameter(name: str) -> Parameter:
    """The row of :data:`PARAMETERS` called ``name``."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise ValueError(
            f"unknown model parameter {name!r}; the parameters are {', '.join(_BY_NAME)}"
        ) from None


def check_parameter(name: str, value: object) -> ParameterValue:
    """One value of the parameter ``name`` (a field, or a whole model object), validated.

    >>> check_parameter("train", 3.0), check_parameter("utility", "any")
    (3, 'any')
    >>> check_parameter("update", "hard")
    Traceback (most recent call last):
    ...
    ValueError: update values must be UpdateRule objects, got 'hard'
    """
    if name in OWNERS:
        expected = {"schedule": Schedule, "update": UpdateRule, "payoffs": Payoffs}[name]
        if isinstance(value, (Schedule, UpdateRule, Payoffs)) and isinstance(value, expected):
            return value
        raise ValueError(f"{name} values must be {expected.__name__} objects, got {value!r}")
    return parameter(name).check(value)


def check_parameter_names(names: Collection[str], *, where: str = "model") -> None:
    """Check that ``names`` describe one model: known, each object once, one kind of boundary.

    ``where`` names the mapping in the messages (``"grid"`` for a sweep).

    >>> check_parameter_names(["train", "deploy", "detect"])
    >>> check_parameter_names(["train", "horizon"], where="grid")
    Traceback (most recent call last):
    ...
    ValueError: grid mixes a fixed boundary (train, deploy) with a random one (horizon, \
train_length); give one
    """
    unknown = [name for name in names if name not in PARAMETER_NAMES]
    if unknown:
        raise ValueError(
            f"unknown {where} parameter {unknown[0]!r}; the parameters are "
            f"{', '.join(PARAMETER_NAMES)}"
        )
    given = set(names)
    for owner in OWNERS:
        fields = {p.name for p in PARAMETERS if p.owner == owner}
        clash = sorted(given & fields)
        if owner in given and clash:
            raise ValueError(f"{where} gives both {owner!r} and its field {clash[0]!r}; give one")
    if "schedule" in given:
        return
    fixed, random = given & {"train", "deploy"}, given & {"horizon", "train_length"}
    if fixed and random:
        raise ValueError(
            f"{where} mixes a fixed boundary (train, deploy) with a random one "
            "(horizon, train_length); give one"
        )
    if random and random != {"horizon", "train_length"}:
        raise ValueError("a random boundary needs both 'horizon' and 'train_length'")
    if not random and fixed != {"train", "deploy"}:
        raise ValueError(
            f"{where} needs a schedule: 'train' and 'deploy', or 'horizon' and 'train_length', "
            "or 'schedule'"
        )


def build_model(
    values: Mapping[str, object], *, where: str = "model"
) -> tuple[Schedule, UpdateRule, Payoffs]:
    """The schedule, update rule and payoffs that a mapping of parameter names describes.

    Fields not given take the model's defaults; a whole object (``schedule``,
    ``update``, ``payoffs``) replaces its fields. Bad names or values raise
    :class:`ValueError` naming the parameter (see :func:`check_parameter_names`
    and :func:`check_parameter`).

    >>> from scipy import stats
    >>> schedule, _, payoffs = build_model(
    ...     {"horizon": 4, "train_length": stats.randint(1, 3), "utility": "any"})
    >>> schedule.train_pmf.tolist(), payoffs.utility
    ([0.0, 0.5, 0.5, 0.0, 0.0], 'any')
    """
    check_parameter_names(values, where=where)
    given = {name: check_parameter(name, value) for name, value in values.items()}
    schedule, update, payoffs = given.get("schedule"), given.get("update"), given.get("payoffs")
    if not isinstance(schedule, Schedule):
        schedule = _schedule(given)
    if not isinstance(update, UpdateRule):
        update = UpdateRule(
            detect=_real(given, "detect"), rate=_real(given, "rate"), drift=_real(given, "drift")
        )
    if not isinstance(payoffs, Payoffs):
        payoffs = Payoffs(
            v_deploy=_real(given, "v_deploy"),
            v_overseen=_real(given, "v_overseen"),
            success=_real(given, "success"),
            utility=cast(str, _get(given, "utility")),
            discount=_real(given, "discount"),
            v_detected=_real(given, "v_detected"),
            v_clean=_real(given, "v_clean"),
            missed=cast(str, _get(given, "missed")),
            needed=cast(int, _get(given, "needed")),
        )
    return schedule, update, payoffs


def _get(given: Mapping[str, ParameterValue], name: str) -> ParameterValue:
    return given[name] if name in given else parameter(name).default


def _real(given: Mapping[str, ParameterValue], name: str) -> float:
    return cast(float, _get(given, name))


def _schedule(given: Mapping[str, ParameterValue]) -> Schedule:
    honeypot = _get(given, "honeypot_rate")
    honeypot_rate = np.array(honeypot) if isinstance(honeypot, tuple) else cast(float, honeypot)
    cue_accuracy = _real(given, "cue_accuracy")
    observable = cast("bool | None", _get(given, "observable"))
    continue_prob = _real(given, "continue_prob")
    kinds = cast("EpisodeKinds | None", _get(given, "kinds"))
    if "train_length" in given:
        length = given["train_length"]
        return Schedule.random_boundary(
            cast(int, given["horizon"]),
            np.array(length) if isinstance(length, tuple) else length,
            honeypot_rate=honeypot_rate,
            cue_accuracy=cue_accuracy,
            observable=observable,
            continue_prob=continue_prob,
            kinds=kinds,
        )
    return Schedule.fixed(
        cast(int, given["train"]),
        cast(int, given["deploy"]),
        honeypot_rate=honeypot_rate,
        cue_accuracy=cue_accuracy,
        observable=observable,
        continue_prob=continue_prob,
        kinds=kinds,
    )
