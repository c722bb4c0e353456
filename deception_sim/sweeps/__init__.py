"""Parameter sweeps (SPEC 3.7): grids of models into one tidy DataFrame."""

from .running import PARAMETERS, seed_model_payoffs, sweep

__all__ = ["PARAMETERS", "seed_model_payoffs", "sweep"]
