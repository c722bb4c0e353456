"""Overseer-versus-agent games (SPEC 3.5): the trainer's side of deceptive alignment.

The overseer chooses too (training lengths, a distribution over the
boundary, honeypot rates, which episodes to audit, detection at a cost) and
the agent answers (defection-start times, memoryless rates, the solver's
best response). In the manner of nashpy, algorithms over plain arrays, a
thin :class:`Game` facade over them, and the model's games:

* algorithms over plain arrays (:mod:`.lp`): :func:`solve_zero_sum`
  (one linear program, HiGHS), :func:`solve_stackelberg` (multiple LPs, strong
  Stackelberg), :func:`pure_commitment` and :func:`zero_sum_form`;
* the players' options (:mod:`.options`): :class:`Oversight`,
  :class:`BestResponse`, :class:`OverseerPayoffs` and the option builders
  (:func:`training_lengths`, :func:`honeypot_rates`, :func:`audit_plans`,
  :func:`defection_starts`, :func:`all_plans`, :func:`memoryless_rates`);
* one cell of a game (:mod:`.outcomes`): :func:`outcome`, an exact
  evaluation; and its closed form for "comply, then defect" agents under the
  hard update (:mod:`.threshold`): :func:`threshold_outcomes`;
* the game (:mod:`.game`): the :class:`Game` facade whose matrices are exact
  evaluations, its :class:`GameSolution`, and the built-in games
  :func:`training_length_game`, :func:`honeypot_game`, :func:`audit_game`;
* continuous choices (:mod:`.design`): the agent's best response by the
  optimal-policies solver, the overseer's by ``scipy.optimize``
  (:func:`best_oversight`, :func:`safety_frontier`, :func:`design_curve`),
  and :func:`deterrence_rate`.

Every table these functions return has one snake_case column per measure.

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
from .game import (
    CONCEPTS,
    Game,
    GameSolution,
    audit_game,
    honeypot_game,
    training_length_game,
)
from .lp import (
    StackelbergSolution,
    ZeroSumSolution,
    pure_commitment,
    solve_stackelberg,
    solve_zero_sum,
    zero_sum_form,
)
from .options import (
    OBJECTIVES,
    BestResponse,
    OverseerPayoffs,
    Oversight,
    all_plans,
    audit_plans,
    defection_starts,
    honeypot_rates,
    memoryless_rates,
    training_lengths,
)
from .outcomes import outcome
from .threshold import threshold_outcomes

__all__ = [
    "CONCEPTS",
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
