"""deception_sim: the game theory of deceptive alignment.

A mesa-optimizer that is overseen in training and free in deployment may do
best by complying while it is watched and defecting once it is not. This
package models that (schedules of oversight, update rules, payoffs and
strategies) and evaluates it exactly and by Monte Carlo.

>>> from deception_sim import Plan, Schedule, evaluate
>>> evaluate(Plan("BBAAA"), Schedule.fixed(train=2, deploy=3)).mesa
3.0
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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
    from .exact import (
        Result,
        defect_probabilities,
        evaluate,
    )
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
    from .montecarlo import (
        SimulationResult,
        simulate,
    )
    from .solvers import (
        Optimal,
        Solution,
        optimize,
    )
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
    from .sweeps import (
        sweep,
    )

# The public names and the subpackage each comes from. They are imported on
# first use (PEP 562), so that ``import deception_sim`` costs little more than
# numpy; ``from deception_sim import evaluate`` imports what ``evaluate`` needs.
_EXPORTS: dict[str, str] = {
    "CUES": ".model",
    "PHASES": ".model",
    "Aligned": ".strategies",
    "Bayesian": ".strategies",
    "BestResponse": ".games",
    "Concept": ".drift",
    "Deceptive": ".strategies",
    "EpisodeKinds": ".model",
    "Game": ".games",
    "GameSolution": ".games",
    "Greedy": ".strategies",
    "HardUpdate": ".model",
    "Kind": ".model",
    "LearnedEdge": ".drift",
    "Memoryless": ".strategies",
    "MixtureResult": ".drift",
    "Optimal": ".solvers",
    "OverseerPayoffs": ".games",
    "Oversight": ".games",
    "Payoffs": ".model",
    "Plan": ".strategies",
    "Result": ".exact",
    "Schedule": ".model",
    "SimulationResult": ".montecarlo",
    "Solution": ".solvers",
    "Strategy": ".strategies",
    "Threshold": ".strategies",
    "UpdateRule": ".model",
    "WorldModel": ".drift",
    "audit_game": ".games",
    "best_oversight": ".games",
    "crossover": ".drift",
    "crossover_table": ".drift",
    "defect_probabilities": ".exact",
    "deterrence_rate": ".games",
    "drift_limit": ".drift",
    "drift_trajectory": ".drift",
    "evaluate": ".exact",
    "honeypot_game": ".games",
    "misaligned_probability": ".drift",
    "mixture_evaluate": ".drift",
    "objective_levels": ".model",
    "optimize": ".solvers",
    "overtake_time": ".drift",
    "parse_strategy": ".strategies",
    "safety_frontier": ".games",
    "selection_probabilities": ".drift",
    "selection_regimes": ".drift",
    "selection_table": ".drift",
    "simulate": ".montecarlo",
    "solve_stackelberg": ".games",
    "solve_zero_sum": ".games",
    "standard_world": ".drift",
    "sweep": ".sweeps",
    "training_length_game": ".games",
}

_SUBPACKAGES = frozenset(
    {
        "analyses",
        "cli",
        "control",
        "drift",
        "exact",
        "games",
        "model",
        "montecarlo",
        "report",
        "solvers",
        "strategies",
        "sweeps",
        "testing",
    }
)

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


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name], __name__), name)
        globals()[name] = value  # the next access is a plain attribute
        return value
    if name in _SUBPACKAGES:
        return importlib.import_module(f".{name}", __name__)
    if name == "__version__":
        from importlib.metadata import version

        globals()[name] = found = version("deception_sim")
        return found
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__, *_SUBPACKAGES, "__version__"})
