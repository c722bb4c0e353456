"""``simulate``: Monte Carlo estimates of a policy's payoffs (SPEC 3.2), an independent check
of :func:`~deception_sim.evaluate`.

:func:`simulate` plays the model of ``docs/explanation/model.md`` forward run
by run, drawing every random event the page describes (the boundary, the run's
length, honeypots, cues, choices and each episode's branch), and reports the
sample means of the same quantities exact evaluation gives, with their
standard errors. It shares with :func:`~deception_sim.evaluate` only the
model's definition (the strategy's checked decision table, the schedule's
arrays, the episode's branches and the objective levels), not its
recursion, so the two agreeing is evidence that both are right.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable

import numpy as np

from .. import _validate
from ..exact import check_model
from ..model import HardUpdate, Payoffs, Schedule, UpdateRule, level_count, limits
from ..model.episode import branches
from ..model.measures import standard_error
from ..strategies import Strategy, checked_table
from .accumulate import Moments, Tally
from .engine import Simulator
from .kinds import KindSimulator
from .result import SCALARS, Seed, SimulationResult
from .tree import TreeSimulator

BATCH_SIZE = 2**15
"""Runs simulated together in one set of arrays (bounds memory for large ``runs``)."""


def simulate(
    policy: Strategy,
    schedule: Schedule,
    update: UpdateRule | None = None,
    payoffs: Payoffs | None = None,
    *,
    runs: int = 100_000,
    seed: Seed = None,
    curves: bool = True,
) -> SimulationResult:
    """Monte Carlo estimates of the payoffs of ``policy`` on ``schedule`` under ``update``.

    Simulates ``runs`` independent runs of the model of
    ``docs/explanation/model.md``, vectorized over runs, with
    ``numpy.random.default_rng(seed)``; the same seed gives the same result.

    Parameters
    ----------
    policy, schedule, update, payoffs:
        The model, as for :func:`deception_sim.exact` (``update`` defaults
        to :func:`HardUpdate`, ``payoffs`` to ``Payoffs()``).
    runs:
        Number of runs (an integer >= 1).
    seed:
        An integer >= 0, ``None`` (fresh entropy, recorded in the result) or
        a :class:`numpy.random.Generator` (used, and advanced, as is).
    curves:
        Whether to collect the per-episode curves.

    Examples
    --------
    The lecture's maze: with an observable boundary nothing is random.

    >>> from deception_sim import Plan, Schedule
    >>> from deception_sim import simulate
    >>> maze = Schedule.fixed(train=2, deploy=3)
    >>> simulate(Plan("BBAAA"), maze, runs=1000, seed=0).mesa
    3.0
    >>> simulate(Plan("AAAAA"), maze, runs=1000, seed=0).mesa
    1.0

    With honeypots, the estimate comes with a standard error:

    >>> from deception_sim import Deceptive, evaluate
    >>> trap = Schedule.fixed(train=2, deploy=3, honeypot_rate=0.3)
    >>> result = simulate(Deceptive(), trap, runs=20_000, seed=7)
    >>> abs(result.mesa - evaluate(Deceptive(), trap).mesa) < 5 * result.mesa_se
    True
    """
    update = HardUpdate() if update is None else update
    payoffs = Payoffs() if payoffs is None else payoffs
    runs = _validate.integer("runs", runs, minimum=1)
    if not isinstance(curves, bool):
        raise ValueError(f"curves must be True or False, got {curves!r}")
    check_model(policy, schedule, update, payoffs)
    estimate = limits.simulation_bytes(schedule.horizon, runs, BATCH_SIZE, curves=curves)
    limits.check_memory(f"simulate over {schedule.horizon} episodes", "horizon", estimate)
    seconds = limits.simulation_seconds(schedule.horizon, runs, BATCH_SIZE)
    limits.check_time(f"simulate {runs} runs of {schedule.horizon} episodes", "runs", seconds)
    rng, seed = _generator(seed)
    totals = {name: Moments() for name in SCALARS}
    tally = Tally(schedule.horizon, branches(update, payoffs)) if curves else None
    tree = policy.controller(schedule, update, payoffs)
    play: Callable[[int, np.random.Generator, dict[str, Moments], Tally | None], None]
    if tree is None:
        levels = level_count(update, payoffs.indifference)
        table = checked_table(policy, schedule, levels)
        if schedule.kinds is None:
            play = Simulator(table, schedule, update, payoffs).batch
        else:
            play = KindSimulator(table, schedule, update, payoffs).batch
    else:
        play = TreeSimulator(tree, schedule, update, payoffs).batch
    done = 0
    while done < runs:
        size = min(BATCH_SIZE, runs - done)
        play(size, rng, totals, tally)
        done += size
    estimates: dict[str, float] = {}
    for name in SCALARS:
        estimates[name] = totals[name].mean
        estimates[standard_error(name)] = totals[name].standard_error
    return SimulationResult(
        policy=policy,
        schedule=schedule,
        update=update,
        payoffs=payoffs,
        runs=runs,
        seed=seed,
        curves=None if tally is None else tally.frame(),
        **estimates,
    )


def _generator(seed: object) -> tuple[np.random.Generator, Seed]:
    if isinstance(seed, np.random.Generator):
        return seed, seed
    if seed is None:
        entropy = int(np.random.SeedSequence().entropy)  # type: ignore[arg-type]
        return np.random.default_rng(entropy), entropy
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(
            f"seed must be an integer >= 0, None or a numpy.random.Generator, got {seed!r}"
        )
    return np.random.default_rng(int(seed)), int(seed)
