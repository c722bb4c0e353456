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
from .exact import Result, defect_probabilities, evaluate
from .games import (
    BestResponse,
    Game,
    GameSolution,
    OverseerPayoffs,
    Oversight,
    audit_game,
    best_oversight,
    deterrence_rate,
    honeypot_game,
    safety_frontier,
    solve_stackelberg,
    solve_zero_sum,
    training_length_game,
)
from .model import (
    CUES,
    PHASES,
    EpisodeKinds,
    HardUpdate,
    Kind,
    Payoffs,
    Schedule,
    UpdateRule,
    objective_levels,
)
from .montecarlo import SimulationResult, simulate
from .solvers import Optimal, Solution, optimize
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
from .sweeps import sweep

__all__ = [
    "CUES",
    "PHASES",
    "Aligned",
    "Bayesian",
    "BestResponse",
    "Concept",
    "Deceptive",
    "EpisodeKinds",
    "Game",
    "GameSolution",
    "Greedy",
    "HardUpdate",
    "Kind",
    "LearnedEdge",
    "Memoryless",
    "MixtureResult",
    "Optimal",
    "OverseerPayoffs",
    "Oversight",
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
    "audit_game",
    "best_oversight",
    "crossover",
    "crossover_table",
    "defect_probabilities",
    "deterrence_rate",
    "drift_limit",
    "drift_trajectory",
    "evaluate",
    "honeypot_game",
    "misaligned_probability",
    "mixture_evaluate",
    "objective_levels",
    "optimize",
    "overtake_time",
    "parse_strategy",
    "safety_frontier",
    "selection_probabilities",
    "selection_regimes",
    "selection_table",
    "simulate",
    "solve_stackelberg",
    "solve_zero_sum",
    "standard_world",
    "sweep",
    "training_length_game",
]

__version__ = "0.1.0"
