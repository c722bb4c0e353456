"""``optimize``: the agent's optimal policy in an information setting, by the right solver."""

from __future__ import annotations

from .. import _validate
from ..exact import check_model
from ..model import HardUpdate, Payoffs, Schedule, UpdateRule, limits, objective_levels
from ..strategies.optimal import INFORMATION
from . import clock, known_phase, memoryless
from .solution import Solution


def optimize(
    schedule: Schedule,
    update: UpdateRule | None = None,
    payoffs: Payoffs | None = None,
    information: str = "known_phase",
) -> Solution:
    """The agent's optimal policy in an information setting, its value and how it was found.

    ``information`` is ``"known_phase"`` (the agent sees the phase),
    ``"clock"`` (it knows the episode index, remembers its history and sees
    the cue) or ``"memoryless"`` (a fresh instance sees only the cue). Every
    setting returns a :class:`Solution` whose ``policy`` is an immutable
    :class:`~deception_sim.Optimal` strategy; two calls return equal,
    independent solutions.

    >>> from deception_sim import Schedule
    >>> solution = optimize(Schedule.fixed(train=2, deploy=3))
    >>> solution.policy.plan(), solution.value
    ('BBAAA', 3.0)
    >>> hidden = Schedule.random_boundary(5, [0, 1/3, 1/3, 1/3, 0, 0], observable=False)
    >>> probe = optimize(hidden, information="clock")
    >>> probe.policy.rule(), round(probe.value, 12)
    ('BBAAA', 2.333333333333)
    """
    update = HardUpdate() if update is None else update
    payoffs = Payoffs() if payoffs is None else payoffs
    check_model(schedule=schedule, update=update, payoffs=payoffs)
    _validate.choice("information", information, INFORMATION)
    n, levels = schedule.horizon, len(objective_levels(update, payoffs.indifference, horizon=None))
    limits.check_memory(f"optimize over {n} episodes", "horizon", limits.solver_bytes(n, levels))
    solver = {"known_phase": known_phase, "clock": clock, "memoryless": memoryless}[information]
    return solver.solve(schedule, update, payoffs)
