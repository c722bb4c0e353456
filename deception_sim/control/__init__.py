"""Monitored deployments (AI control): protocols as games, solved exactly (SPEC 3.10).

An untrusted model works through ``M`` tasks; a trusted monitor scores every
output for suspicion; a protocol audits the most suspicious outputs while
its budget of ``C`` audits lasts, defers others to the trusted model, or
uses them. Safety is P(the attacker never wins); usefulness the expected
fraction of tasks done by the untrusted model on honest runs. Attackers are
memoryless (one attack rate), clock (know the task index) or informed (also
know the audits left). See ``docs/explanation/control.md`` for the model.

>>> from scipy import stats
>>> from deception_sim.control import Monitor, TrustedMonitoring, worst_case
>>> mon = Monitor(safe=stats.beta(7.39, 6.86), attack=stats.beta(8.91, 2.82))
>>> proto = TrustedMonitoring(monitor=mon, tasks=100, audits=2, audit_fpr=0.02, defer_fpr=0.10)
>>> r = worst_case(proto, attacker="memoryless")
>>> round(r.safety, 4), round(r.usefulness, 4), round(r.policy, 4)
(0.6426, 0.9146, 0.065)
"""

from .attackers import (
    level_monotone,
    suffix_conditions,
    suffix_optimal,
    suffix_safety,
    worst_case,
)
from .design import (
    Design,
    MixedDesign,
    best_design,
    best_thresholds,
    control_table,
    mix_protocols,
    paced_thresholds,
    pareto_frontier,
)
from .monitor import Monitor, no_information
from .montecarlo import ControlSimulation, simulate_protocol
from .protocols import RandomAuditing, TrustedMonitoring, UpfrontAuditing
from .recursion import evaluate_protocol
from .results import ATTACKERS, ControlResult
from .rules import Transitions

__all__ = [
    "ATTACKERS",
    "ControlResult",
    "ControlSimulation",
    "Design",
    "MixedDesign",
    "Monitor",
    "RandomAuditing",
    "Transitions",
    "TrustedMonitoring",
    "UpfrontAuditing",
    "best_design",
    "best_thresholds",
    "control_table",
    "evaluate_protocol",
    "level_monotone",
    "mix_protocols",
    "no_information",
    "paced_thresholds",
    "pareto_frontier",
    "simulate_protocol",
    "suffix_conditions",
    "suffix_optimal",
    "suffix_safety",
    "worst_case",
]
