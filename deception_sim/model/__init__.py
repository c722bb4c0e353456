"""The model (SPEC 2): schedules of oversight, update rules and payoffs.

Everything else in the package computes with these objects: they are frozen,
validated and hashable, and they say *what* happens in a run; the one
definition of what happens within an episode is :mod:`deception_sim.model.episode`.
"""

from .kinds import EpisodeKinds, Kind
from .parameters import (
    OWNERS,
    PARAMETER_NAMES,
    PARAMETERS,
    DiscreteDistribution,
    Parameter,
    ParameterValue,
    build_model,
    check_parameter,
    check_parameter_names,
)
from .payoffs import MISSED, UTILITIES, Payoffs
from .schedule import CUES, PHASES, Schedule
from .update import (
    HardUpdate,
    ObjectiveLevels,
    UpdateRule,
    level_count,
    objective_levels,
    prefers_mesa,
)

__all__ = [
    "CUES",
    "MISSED",
    "OWNERS",
    "PARAMETERS",
    "PARAMETER_NAMES",
    "PHASES",
    "UTILITIES",
    "DiscreteDistribution",
    "EpisodeKinds",
    "HardUpdate",
    "Kind",
    "ObjectiveLevels",
    "Parameter",
    "ParameterValue",
    "Payoffs",
    "Schedule",
    "UpdateRule",
    "build_model",
    "check_parameter",
    "check_parameter_names",
    "level_count",
    "objective_levels",
    "prefers_mesa",
]
