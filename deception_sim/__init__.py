"""deception_sim: the game theory of deceptive alignment.

A mesa-optimizer that is overseen in training and free in deployment may do
best by complying while it is watched and defecting once it is not. This
package models that (schedules of oversight, update rules, payoffs and
strategies) and evaluates it exactly and by Monte Carlo.

>>> from deception_sim import Plan, Schedule, evaluate
>>> evaluate(Plan("BBAAA"), Schedule.fixed(train=2, deploy=3)).mesa
3.0
"""

from .drift import (
    Concept,
    LearnedEdge,
    MixtureResult,
    WorldModel,
    crossover,
    crossover_table,
    drift_limit,
    drift_trajectory,
    misaligned_probability,
    mixture_evaluate,
    overtake_time,
    selection_probabilities,
    selection_regimes,
    selection_table,
    standard_world,
)
from .evaluate import Result, defect_probabilities, evaluate
from .optimize import Optimal, Solution, optimize
from .payoffs import Payoffs
from .schedule import CUES, PHASES, Schedule
from .simulate import SimulationResult, simulate
from .strategies import (
    Aligned,
    Bayesian,
    Deceptive,
    Greedy,
    Memoryless,
    Plan,
    Strategy,
    Threshold,
    parse_strategy,
)
from .update import HardUpdate, UpdateRule, objective_levels

__all__ = [
    "CUES",
    "PHASES",
    "Aligned",
    "Bayesian",
    "Concept",
    "Deceptive",
    "Greedy",
    "HardUpdate",
    "LearnedEdge",
    "Memoryless",
    "MixtureResult",
    "Optimal",
    "Payoffs",
    "Plan",
    "Result",
    "Schedule",
    "SimulationResult",
    "Solution",
    "Strategy",
    "Threshold",
    "UpdateRule",
    "WorldModel",
    "crossover",
    "crossover_table",
    "defect_probabilities",
    "drift_limit",
    "drift_trajectory",
    "evaluate",
    "misaligned_probability",
    "mixture_evaluate",
    "objective_levels",
    "optimize",
    "overtake_time",
    "parse_strategy",
    "selection_probabilities",
    "selection_regimes",
    "selection_table",
    "simulate",
    "standard_world",
]

__version__ = "0.1.0"
