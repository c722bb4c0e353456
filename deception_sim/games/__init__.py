"""Overseer-versus-agent games (SPEC 3.5): the trainer's side of deceptive alignment.

The overseer chooses too (training lengths, a distribution over the
boundary, honeypot rates, which episodes to audit, detection at a cost) and
the agent answers (defection-start times, memoryless rates, the solver's
best response). Three layers, in the manner of nashpy:

* algorithms over plain arrays (:mod:`.algorithms`): :func:`solve_zero_sum`
  (one linear program, HiGHS), :func:`solve_stackelberg` (multiple LPs, strong
  Stackelberg), :func:`pure_commitment` and :func:`zero_sum_form`;
* games from the model (:mod:`.model`): :class:`Oversight` options,
  :class:`BestResponse`, :class:`OverseerPayoffs`, the option builders, the
  :class:`Game` facade whose matrices are exact evaluations, and the built-in
  games :func:`training_length_game`, :func:`honeypot_game`, :func:`audit_game`;
* continuous choices (:mod:`.continuous`): the agent's best response by the
  optimal-policies solver, the overseer's by ``scipy.optimize``
  (:func:`best_oversight`, :func:`safety_frontier`), and
  :func:`deterrence_rate`.

>>> from deception_sim.games import training_length_game
>>> training_length_game(3, oversight_cost=1.0).solve().value_of_randomizing
0.5
"""

from __future__ import annotations

from .design import (
    OversightChoice,
    best_oversight,
    best_response,
    design_curve,
    deterrence_rate,
    first_audits,
    random_audits,
    safety_frontier,
)
from .lp import (
    StackelbergSolution,
    ZeroSumSolution,
    pure_commitment,
    solve_stackelberg,
    solve_zero_sum,
    zero_sum_form,
)
from .model import (
    OBJECTIVES,
    BestResponse,
    Game,
    GameSolution,
    OverseerPayoffs,
    Oversight,
    all_plans,
    audit_game,
    audit_plans,
    defection_starts,
    honeypot_game,
    honeypot_rates,
    memoryless_rates,
    outcome,
    threshold_outcomes,
    training_length_game,
    training_lengths,
)

__all__ = [
    "OBJECTIVES",
    "BestResponse",
    "Game",
    "GameSolution",
    "OverseerPayoffs",
    "Oversight",
    "OversightChoice",
    "StackelbergSolution",
    "ZeroSumSolution",
    "all_plans",
    "audit_game",
    "audit_plans",
    "best_oversight",
    "best_response",
    "defection_starts",
    "design_curve",
    "deterrence_rate",
    "first_audits",
    "honeypot_game",
    "honeypot_rates",
    "memoryless_rates",
    "outcome",
    "pure_commitment",
    "random_audits",
    "safety_frontier",
    "solve_stackelberg",
    "solve_zero_sum",
    "threshold_outcomes",
    "training_length_game",
    "training_lengths",
    "zero_sum_form",
]
