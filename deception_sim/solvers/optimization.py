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

    The clock setting does not (yet) handle the richer parts of the model:

    >>> optimize(hidden, payoffs=Payoffs(v_clean=1.0), information="clock")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: information='clock' does not support v_clean (got v_clean=1.0); use ...
    """
    update = HardUpdate() if update is None else update
    payoffs = Payoffs() if payoffs is None else payoffs
    check_model(schedule=schedule, update=update, payoffs=payoffs)
    _validate.choice("information", information, INFORMATION)
    if information == "clock":
        reason = clock_unsupported(schedule, payoffs)
        if reason is not None:
            raise ValueError(reason)
    n, levels = schedule.horizon, len(objective_levels(update, payoffs.indifference, horizon=None))
    limits.check_memory(f"optimize over {n} episodes", "horizon", limits.solver_bytes(n, levels))
    solver = {"known_phase": known_phase, "clock": clock, "memoryless": memoryless}[information]
    return solver.solve(schedule, update, payoffs)


def clock_unsupported(schedule: Schedule, payoffs: Payoffs) -> str | None:
    """Why the clock solver cannot take this model (``None``: it can).

    Its exactness arguments (the probe, the tree of observation histories)
    are made for the seed's payoffs and a schedule without kinds of episode,
    so it refuses kinds, ``missed="through"``, ``v_detected``, ``v_clean``
    and ``needed > 1`` (a negative ``v_overseen`` is a value like any other).

    >>> clock_unsupported(Schedule.fixed(2, 3), Payoffs(missed="through"))
    "information='clock' does not support missed (got missed='through'); use \
information='memoryless' or 'known_phase'"
    >>> clock_unsupported(Schedule.fixed(2, 3), Payoffs(v_overseen=-1.0)) is None
    True
    """
    if schedule.kinds is not None:
        return (
            "information='clock' does not support kinds of episode (the schedule has kinds); "
            "use information='memoryless' or 'known_phase'"
        )
    if payoffs.extended:
        name = payoffs.extended[0]
        other = "'memoryless'" if name in ("v_clean", "needed") else "'memoryless' or 'known_phase'"
        return (
            f"information='clock' does not support {name} "
            f"(got {name}={getattr(payoffs, name)!r}); use information={other}"
        )
    return None
