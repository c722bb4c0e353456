"""deception_sim: the game theory of deceptive alignment.

A mesa-optimizer that is overseen in training and free in deployment may do
best by complying while it is watched and defecting once it is not. This
package models that (schedules of oversight, update rules, payoffs and
strategies) and evaluates it exactly and by Monte Carlo.

>>> from deception_sim import Plan, Schedule, evaluate
>>> evaluate(Plan("BBAAA"), Schedule.fixed(train=2, deploy=3)).mesa
3.0
"""

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
    "Deceptive",
    "Greedy",
    "HardUpdate",
    "Memoryless",
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
    "defect_probabilities",
    "evaluate",
    "objective_levels",
    "optimize",
    "parse_strategy",
    "simulate",
]

__version__ = "0.1.0"
