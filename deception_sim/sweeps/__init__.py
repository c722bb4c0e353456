"""Parameter sweeps (SPEC 3.7): grids of models into one tidy DataFrame."""

from ..exact.seed_model import seed_model_payoffs
from .checkpoint import CheckpointWarning
from .grid import PARAMETERS
from .plan import MODES
from .running import sweep

__all__ = ["MODES", "PARAMETERS", "CheckpointWarning", "seed_model_payoffs", "sweep"]
