"""Monte Carlo simulation (SPEC 3.2): seeded, vectorized over runs, with standard errors.

:func:`simulate` is the entry point (:mod:`~deception_sim.montecarlo.simulation`);
:class:`SimulationResult` what it returns. The engines draw each episode's
branches from :mod:`deception_sim.model.episode`:
:mod:`~deception_sim.montecarlo.engine` for policies without memory (vectorized
over runs), :mod:`~deception_sim.montecarlo.kinds` for schedules with kinds of
episode, :mod:`~deception_sim.montecarlo.tree` for policies with memory.
"""

from .result import SCALARS, SimulationResult
from .simulation import BATCH_SIZE, simulate

__all__ = ["BATCH_SIZE", "SCALARS", "SimulationResult", "simulate"]
