"""Optimal policies (SPEC 3.3): what a mesa-optimizer should do, given what it knows.

:func:`optimize` solves the agent's problem in one of three information
settings and returns a :class:`Solution` whose ``policy`` is an
:class:`Optimal` strategy, usable in :func:`deception_sim.exact` and
:func:`deception_sim.simulate` like any other.

``"known_phase"``
    The agent sees the phase of every episode (a honeypot looks like
    deployment), the episode index and its own objective: exact backward
    induction, with every modified self choosing for its own objective.
``"clock"``
    The agent knows the episode index and remembers its history (what it
    did, and whether it was modified) but sees only the schedule's cue: the
    exact Bayes-optimal policy, which may *probe* (defect once; if it is not
    modified, it is deployed).
``"memoryless"``
    A fresh instance each episode sees only the current cue: the best
    defection probability per cue value, by ``scipy.optimize``.
"""

from __future__ import annotations

from ..strategies.optimal import INFORMATION, Optimal
from .optimization import optimize
from .solution import Diagnostics, Solution

__all__ = ["INFORMATION", "Diagnostics", "Optimal", "Solution", "optimize"]
