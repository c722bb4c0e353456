"""Monte Carlo simulation (SPEC 3.2): seeded, vectorized over runs, with standard errors."""

from .engine import SCALARS, SimulationResult, simulate

__all__ = ["SCALARS", "SimulationResult", "simulate"]
