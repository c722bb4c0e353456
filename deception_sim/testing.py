"""Hypothesis strategies for the model objects: state claims about strategies as tests.

A claim such as "a deceptive agent never does worse than a greedy one when the
phase is observable and there are no honeypots" is a *property*: it should hold
for every schedule, update rule and payoff table in some family. With
`hypothesis <https://hypothesis.readthedocs.io>`_ you write it once and let
hypothesis look for a counterexample; the functions here draw the model objects
(:class:`~deception_sim.Schedule`, :class:`~deception_sim.UpdateRule`,
:class:`~deception_sim.Payoffs` and the built-in strategies) over the ranges
that matter, edge cases included (point masses, zero probabilities, exact ties,
a cue that says nothing, a run that surely goes on).

Each function returns a hypothesis ``SearchStrategy``; use it with ``@given``.
The keyword arguments narrow the family to the one your claim is about. A
claim, stated with the conditions under which it holds::

    from hypothesis import given, settings

    from deception_sim import Deceptive, Greedy, HardUpdate, evaluate
    from deception_sim.testing import payoffs, schedules


    @settings(deadline=None)  # the first call imports scipy: no per-example deadline
    @given(
        schedules(honeypots=False, cues=False, continuation=False, min_deploy=1),
        payoffs(discount=False, success=False, min_v_deploy=1.0, max_v_overseen=1.0),
    )
    def test_deception_beats_greed_when_the_phase_is_observable(schedule, pay):
        deceptive = evaluate(Deceptive(), schedule, HardUpdate(), pay).mesa
        greedy = evaluate(Greedy(), schedule, HardUpdate(), pay).mesa
        assert deceptive >= greedy - 1e-12

Each condition is needed: with no deployment (``T = 1, D = 0``) Deceptive
gets 0 and Greedy 1; an impatient agent (``discount``), a defection that may
fail (``success``) or an overseen apple worth more than a deployed one can
each make greed pay. If a claim is false, hypothesis reports (and shrinks) a
counterexample: a small schedule and payoff table you can then evaluate by
hand. ``tests/test_testing.py`` runs this example as written.
:func:`models` draws a whole ``(policy, schedule, update, payoffs)`` tuple
whose parts fit together, for claims about every model at once.

The models drawn are kept small (horizons up to ``max_horizon``, a handful
of live objective levels) so that exact evaluation stays cheap. ``hypothesis``
is a test dependency (the ``test`` extra), not a dependency of the package;
this module is the only one that imports it.

The richer parts of the model are off by default, so a claim states what it
covers: ``schedules(kinds=True)`` draws kinds of episode
(:func:`episode_kinds`), ``payoffs(extended=True)`` the values ``v_detected``
and ``v_clean``, a negative ``v_overseen``, ``missed="through"`` and goals of
several successes, and ``models(extended=True)`` both (with strategies that
read the kind).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

try:
    from hypothesis import strategies as st
except ModuleNotFoundError as missing:  # pragma: no cover - hypothesis is in the test extras
    raise ModuleNotFoundError(
        "deception_sim.testing needs hypothesis: pip install 'deception_sim[testing]'"
    ) from missing

from .model.kinds import EpisodeKinds, Kind
from .model.payoffs import MISSED, UTILITIES, Payoffs
from .model.schedule import Schedule
from .model.update import HardUpdate, UpdateRule
from .strategies import (
    Aligned,
    Bayesian,
    Deceptive,
    Greedy,
    Memoryless,
    Plan,
    Strategy,
    Threshold,
)

__all__ = [
    "FAMILIES",
    "built_in_strategies",
    "episode_kinds",
    "models",
    "payoffs",
    "schedules",
    "strategies_for",
    "update_rules",
]


def _probabilities() -> st.SearchStrategy[float]:
    """A probability in [0, 1]: often 0, 1/2 or 1, else a float not too close to 0."""
    return st.one_of(
        st.sampled_from([0.0, 0.5, 1.0]),
        st.floats(min_value=1e-3, max_value=1.0),
    )


def _weights() -> st.SearchStrategy[float]:
    """An unnormalised weight: zeros, small whole numbers and floats."""
    return st.one_of(
        st.just(0.0),
        st.integers(min_value=1, max_value=9).map(float),
        st.floats(min_value=1e-2, max_value=1.0),
    )


@st.composite
def _train_pmfs(draw: st.DrawFn, horizon: int, longest: int) -> list[float]:
    """A distribution of the boundary over ``0..longest`` (of ``0..horizon``), normalised."""
    if draw(st.integers(min_value=0, max_value=3)) == 0:
        point = draw(st.integers(min_value=0, max_value=longest))
        return [1.0 if k == point else 0.0 for k in range(horizon + 1)]
    weights = draw(st.lists(_weights(), min_size=longest + 1, max_size=longest + 1))
    if sum(weights) == 0.0:
        weights[draw(st.integers(min_value=0, max_value=longest))] = 1.0
    total = sum(weights)
    return [w / total for w in weights] + [0.0] * (horizon - longest)


def _optional_probability() -> st.SearchStrategy[float | None]:
    return st.one_of(st.none(), _probabilities())


def _distribution(draw: st.DrawFn, size: int) -> tuple[float, ...]:
    """``size`` probabilities summing to 1 (zeros and point masses included)."""
    weights = draw(st.lists(_weights(), min_size=size, max_size=size))
    if sum(weights) == 0.0:
        weights[draw(st.integers(min_value=0, max_value=size - 1))] = 1.0
    total = sum(weights)
    return tuple(w / total for w in weights)


@st.composite
def episode_kinds(draw: st.DrawFn, max_kinds: int = 3) -> EpisodeKinds:
    """Kinds of episode: 1 to ``max_kinds`` kinds, each setting its own success,
    detection and honeypot rate or not (``None``), with a distribution per phase
    (the same in both phases, or not).

    >>> from hypothesis import given
    >>> @given(episode_kinds(max_kinds=2))
    ... def test_sums(kinds):
    ...     assert abs(sum(kinds.deploy) - 1.0) < 1e-9 and 1 <= len(kinds) <= 2
    >>> test_sums()
    """
    size = draw(st.integers(min_value=1, max_value=max_kinds))
    kinds = tuple(
        Kind(
            f"k{j}",
            success=draw(_optional_probability()),
            detect=draw(_optional_probability()),
            honeypot_rate=draw(_optional_probability()),
        )
        for j in range(size)
    )
    train = _distribution(draw, size)
    deploy = train if draw(st.booleans()) else _distribution(draw, size)
    return EpisodeKinds(kinds, train=train, deploy=deploy)


@st.composite
def schedules(
    draw: st.DrawFn,
    max_horizon: int = 6,
    fixed: bool | None = None,
    honeypots: bool = True,
    cues: bool = True,
    continuation: bool = True,
    min_horizon: int = 1,
    min_deploy: int = 0,
    kinds: bool = False,
) -> Schedule:
    """Schedules with a horizon of ``min_horizon..max_horizon`` episodes.

    ``fixed=True`` draws only :meth:`Schedule.fixed` (a certain boundary),
    ``fixed=False`` only :meth:`Schedule.random_boundary` with a random
    distribution of the boundary (point masses and zero entries included),
    ``None`` either. ``honeypots=False`` leaves deployment unwatched,
    ``cues=False`` makes the phase observable (``cue_accuracy=1``) and
    ``continuation=False`` makes every run last the whole horizon; otherwise
    the honeypot rate (one number, or one per episode), the cue accuracy (in
    [0.5, 1], both ends included) and the continuation probability (in (0, 1],
    1 included) are drawn too. ``min_deploy`` is the fewest deployment
    episodes a run can have (the training length is at most the horizon
    minus it). ``kinds=True`` adds kinds of episode (:func:`episode_kinds`).

    >>> from hypothesis import given
    >>> @given(schedules(max_horizon=3, honeypots=False))
    ... def test_short(schedule):
    ...     assert 1 <= schedule.horizon <= 3
    ...     assert not schedule.honeypots().any()
    >>> test_short()
    """
    if not 0 <= min_deploy <= max_horizon:
        raise ValueError(f"min_deploy must be in 0..max_horizon, got {min_deploy}")
    horizon = draw(st.integers(min_value=max(min_horizon, min_deploy), max_value=max_horizon))
    longest = horizon - min_deploy
    options: dict = {}
    if honeypots:
        options["honeypot_rate"] = draw(
            st.one_of(
                st.just(0.0),
                _probabilities(),
                st.lists(_probabilities(), min_size=horizon, max_size=horizon),
            )
        )
    if cues:
        options["cue_accuracy"] = draw(
            st.one_of(st.sampled_from([0.5, 1.0, 0.75]), st.floats(min_value=0.5, max_value=1.0))
        )
    if continuation:
        options["continue_prob"] = draw(
            st.one_of(st.sampled_from([1.0, 0.5]), st.floats(min_value=0.05, max_value=1.0))
        )
    if kinds:
        options["kinds"] = draw(episode_kinds())
    if fixed is None:
        fixed = draw(st.booleans())
    if fixed:
        train = draw(st.integers(min_value=0, max_value=longest))
        return Schedule.fixed(train, horizon - train, **options)
    return Schedule.random_boundary(horizon, draw(_train_pmfs(horizon, longest)), **options)


@st.composite
def update_rules(
    draw: st.DrawFn, hard: bool | None = None, *, detect: bool = True, drift: bool = True
) -> UpdateRule:
    """Update rules: the hard update, or a partial one.

    ``hard=True`` gives only :func:`HardUpdate`, ``hard=False`` never gives it,
    ``None`` either. ``detect`` ranges over [0, 1]; ``rate`` over [0.2, 1] and
    ``drift`` is 0 or in [0.1, 0.9], so that only a few objective levels stay
    live and exact evaluation stays cheap. ``detect=False`` detects every
    overseen defection (``detect=1``); ``drift=False`` keeps the weight of a
    compliant agent (``drift=0``).

    >>> from hypothesis import given
    >>> @given(update_rules(hard=False))
    ... def test_partial(update):
    ...     assert not update.is_hard
    >>> test_partial()
    """
    if hard is None:
        hard = draw(st.booleans())
    if hard:
        return HardUpdate()
    detected = draw(_probabilities()) if detect else 1.0
    rate = draw(st.one_of(st.sampled_from([1.0, 0.5]), st.floats(min_value=0.2, max_value=1.0)))
    drifted = 0.0
    if drift:
        drifted = draw(
            st.one_of(st.just(0.0), st.sampled_from([0.5]), st.floats(min_value=0.1, max_value=0.9))
        )
    rule = UpdateRule(detect=detected, rate=rate, drift=drifted)
    if rule.is_hard:  # detect = rate = 1 and drift = 0 drawn by chance: make it partial
        rule = (
            UpdateRule(detect=0.5, rate=rate, drift=drifted)
            if detect
            else UpdateRule(detect=1.0, rate=0.5, drift=drifted)
        )
    return rule


def _values(low: float = 0.0, high: float = 3.0) -> st.SearchStrategy[float]:
    """A value in [low, high]: often a whole number, else any float."""
    whole = [v for v in (0.0, 1.0, 2.0, 3.0) if low <= v <= high] or [low]
    return st.one_of(st.sampled_from(whole), st.floats(min_value=low, max_value=high))


@st.composite
def payoffs(
    draw: st.DrawFn,
    *,
    utility: str | None = None,
    discount: bool = True,
    success: bool = True,
    min_v_deploy: float = 0.0,
    max_v_overseen: float = 3.0,
    extended: bool = False,
) -> Payoffs:
    """Payoff tables: values in [0, 3], any success probability, both utilities.

    ``v_deploy`` and ``v_overseen`` are drawn from [0, 3] (0 and 1 often:
    ``v_deploy=0`` is an agent indifferent even before any update), ``success``
    from [0, 1], ``utility`` from ``"count"`` and ``"any"`` and ``discount``
    from (0, 1] (1 often). ``extended=True`` also draws ``v_overseen`` from
    [-2, 3], ``v_detected`` and ``v_clean`` from [-2, 2] (0 often), ``missed``
    and, with ``"any"``, ``needed`` from 1..3.

    To narrow: ``utility="count"`` (or ``"any"``) draws only that utility;
    ``discount=False`` makes the agent patient (``discount=1``);
    ``success=False`` makes every unoverseen defection succeed
    (``success=1``); ``min_v_deploy`` and ``max_v_overseen`` bound the two
    values (within [0, 3]).

    >>> from hypothesis import given
    >>> @given(payoffs())
    ... def test_indifference(pay):
    ...     assert 0.25 <= pay.indifference <= 1.0
    >>> test_indifference()
    """
    if utility is not None and utility not in UTILITIES:
        raise ValueError(f"utility must be one of {UTILITIES}, got {utility!r}")
    if not 0.0 <= min_v_deploy <= 3.0 or not 0.0 <= max_v_overseen <= 3.0:
        raise ValueError("min_v_deploy and max_v_overseen must be in [0, 3]")
    table = Payoffs(
        v_deploy=draw(_values(low=min_v_deploy)),
        v_overseen=draw(_values(high=max_v_overseen)),
        success=draw(_probabilities()) if success else 1.0,
        utility=draw(st.sampled_from(UTILITIES)) if utility is None else utility,
        discount=draw(
            st.one_of(st.sampled_from([1.0, 0.5]), st.floats(min_value=0.05, max_value=1.0))
        )
        if discount
        else 1.0,
    )
    if not extended:
        return table
    signed = st.one_of(st.sampled_from([0.0, -1.0, 1.0]), st.floats(min_value=-2.0, max_value=2.0))
    return Payoffs(
        v_deploy=table.v_deploy,
        v_overseen=draw(st.one_of(st.just(table.v_overseen), st.floats(-2.0, 3.0))),
        success=table.success,
        utility=table.utility,
        discount=table.discount,
        v_detected=draw(signed),
        v_clean=draw(signed),
        missed=draw(st.sampled_from(MISSED)),
        needed=draw(st.integers(1, 3)) if table.utility == "any" else 1,
    )


def _kind_aware(names: tuple[str, ...]) -> st.SearchStrategy[Strategy]:
    """Memoryless strategies with one probability per (kind, cue)."""
    cells = st.one_of(
        _probabilities(),
        st.fixed_dictionaries({"train": _probabilities(), "deploy": _probabilities()}),
    )
    return st.fixed_dictionaries({name: cells for name in names}).map(Memoryless)


FAMILIES: tuple[str, ...] = (
    "greedy",
    "aligned",
    "deceptive",
    "plan",
    "threshold",
    "memoryless",
    "bayesian",
)
"""The built-in strategy families, by the names ``families=`` takes."""


def _strategies(
    max_plan: int, max_start: int, families: Iterable[str] | None = None
) -> st.SearchStrategy[Strategy]:
    plans = st.builds(
        Plan,
        st.text(alphabet="AB", min_size=0, max_size=max_plan),
        fill=st.sampled_from(["A", "B"]),
    )
    cue_dependent = st.builds(
        lambda on_train, on_deploy: Memoryless({"train": on_train, "deploy": on_deploy}),
        _probabilities(),
        _probabilities(),
    )
    chosen = FAMILIES if families is None else tuple(families)
    unknown = sorted(set(chosen) - set(FAMILIES))
    if unknown or not chosen:
        raise ValueError(f"families must be some of {FAMILIES}, got {list(chosen)}")
    fixed: list[Strategy] = [
        strategy
        for name, strategy in (
            ("greedy", Greedy()),
            ("aligned", Aligned()),
            ("deceptive", Deceptive()),
        )
        if name in chosen
    ]
    drawn: dict[str, st.SearchStrategy[Strategy]] = {
        "plan": plans,
        "threshold": st.builds(Threshold, st.integers(min_value=1, max_value=max_start)),
        "memoryless": st.one_of(st.builds(Memoryless, _probabilities()), cue_dependent),
        "bayesian": st.builds(
            Bayesian,
            st.one_of(
                st.sampled_from([0.0, 0.5]),
                st.floats(min_value=0.0, max_value=1.0, exclude_max=True),
            ),
        ),
    }
    options: list[st.SearchStrategy[Strategy]] = [st.sampled_from(fixed)] if fixed else []
    options += [drawn[name] for name in FAMILIES if name in drawn and name in chosen]
    return st.one_of(*options)


def built_in_strategies(
    max_horizon: int = 6, *, families: Iterable[str] | None = None
) -> st.SearchStrategy[Strategy]:
    """Built-in strategies usable on any schedule with a horizon of at least ``max_horizon``.

    :class:`Greedy`, :class:`Aligned`, :class:`Deceptive`, a :class:`Plan`
    of at most ``max_horizon`` random letters (with ``fill`` ``A`` or ``B``),
    :class:`Threshold`, :class:`Memoryless` (one probability, or one per cue)
    and :class:`Bayesian` (any threshold in [0, 1)). ``families`` narrows
    them to some of :data:`FAMILIES` (e.g. ``["plan", "threshold"]``).

    >>> from hypothesis import given
    >>> @given(built_in_strategies(max_horizon=3))
    ... def test_plans_fit(policy):
    ...     assert len(getattr(policy, "plan", "")) <= 3
    >>> test_plans_fit()
    """
    return _strategies(max_plan=max_horizon, max_start=max_horizon + 1, families=families)


def strategies_for(
    schedule: Schedule, *, families: Iterable[str] | None = None
) -> st.SearchStrategy[Strategy]:
    """Built-in strategies that fit ``schedule`` (a :class:`Plan` no longer than its horizon;
    on a schedule with kinds of episode, also :class:`Memoryless` strategies that read the kind).

    ``families`` narrows them as for :func:`built_in_strategies`.

    >>> from hypothesis import given
    >>> maze = Schedule.fixed(train=2, deploy=3)
    >>> @given(strategies_for(maze))
    ... def test_table_shape(policy):
    ...     assert policy.decision_table(maze).shape == (5, 2)
    >>> test_table_shape()
    """
    found = _strategies(
        max_plan=schedule.horizon, max_start=schedule.horizon + 1, families=families
    )
    if schedule.kinds is None:
        return found
    return st.one_of(found, _kind_aware(schedule.kinds.names))


@st.composite
def models(
    draw: st.DrawFn,
    max_horizon: int = 6,
    *,
    families: Iterable[str] | None = None,
    hard: bool | None = None,
    schedule_options: Mapping[str, Any] | None = None,
    payoff_options: Mapping[str, Any] | None = None,
    extended: bool = False,
) -> tuple[Strategy, Schedule, UpdateRule, Payoffs]:
    """A whole model ``(policy, schedule, update, payoffs)`` whose parts fit together.

    The schedule comes from :func:`schedules`, the policy from
    :func:`strategies_for` that schedule, the rest from :func:`update_rules`
    and :func:`payoffs`. Each part narrows as its own function does:
    ``families`` (the policy), ``hard`` (the update rule),
    ``schedule_options`` and ``payoff_options`` (keyword arguments of
    :func:`schedules` and :func:`payoffs`). ``extended=True`` draws the richer
    model: kinds of episode (sometimes), ``payoffs(extended=True)``.

    >>> from hypothesis import given, settings
    >>> from deception_sim import evaluate
    >>> @settings(deadline=None, max_examples=20)
    ... @given(models(max_horizon=3))
    ... def test_harm_is_bounded(model):
    ...     policy, schedule, update, pay = model
    ...     result = evaluate(policy, schedule, update, pay)
    ...     assert 0.0 <= result.harm <= schedule.horizon + 1e-9
    >>> test_harm_is_bounded()
    """
    schedule_options = dict(schedule_options or {})
    payoff_options = dict(payoff_options or {})
    if extended:  # the richer model: kinds of episode (sometimes), extended payoffs
        schedule_options.setdefault("kinds", draw(st.booleans()))
        payoff_options.setdefault("extended", True)
    schedule = draw(schedules(max_horizon=max_horizon, **schedule_options))
    policy = draw(strategies_for(schedule, families=families))
    return policy, schedule, draw(update_rules(hard)), draw(payoffs(**payoff_options))
