"""``deception-sim evaluate`` and ``simulate``: the payoffs of policies on one model.

``evaluate`` computes them exactly, ``simulate`` by Monte Carlo with standard
errors; both take the model's options, one or more ``--policy`` (or
``--all-plans``), and print one row per policy, or one policy's per-episode
curves (``--curves``).
"""

from __future__ import annotations

import argparse
import itertools
from typing import TYPE_CHECKING

from .. import _validate
from ..model import Schedule
from ..strategies import Plan, Strategy, parse_strategy
from .common import UsageError, _emit, add_model_options, add_output_options, model_from

if TYPE_CHECKING:
    from ..exact import Result
    from ..montecarlo import SimulationResult

MAX_ALL_PLANS_HORIZON = 16


def add_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The ``evaluate`` and ``simulate`` commands."""
    evaluate = commands.add_parser("evaluate", help="exact expected payoffs of policies")
    _options(evaluate)
    simulate = commands.add_parser("simulate", help="Monte Carlo estimates with standard errors")
    _options(simulate)
    simulate.add_argument("--runs", type=int, default=100_000, help="Monte Carlo runs")
    simulate.add_argument("--seed", type=int, default=0, help="seed of the random numbers")
    for parser in (evaluate, simulate):
        parser.set_defaults(run=run)


def _options(parser: argparse.ArgumentParser) -> None:
    add_model_options(parser)
    output = parser.add_argument_group("policies and output")
    add_output_options(output)
    output.add_argument(
        "--policy",
        action="append",
        help="greedy | aligned | deceptive | a plan such as BBAAA | threshold:K | "
        "memoryless:P[,P_DEPLOY] | bayesian[:THRESHOLD] (repeat for several)",
    )
    output.add_argument(
        "--all-plans", action="store_true", help="every pure plan of the horizon's length"
    )
    output.add_argument(
        "--curves", action="store_true", help="per-episode curves of one policy instead"
    )


def run(args: argparse.Namespace) -> None:
    """Evaluate (or, for ``simulate``, estimate) every policy and print the table."""
    from ..report import render, results_table

    monte_carlo = args.command == "simulate"
    schedule, update, payoffs = model_from(args)
    policies = _policies(args, schedule)
    if args.curves and len(policies) != 1:  # before any work
        raise UsageError("--curves shows one policy; give exactly one --policy")
    results: list[Result] | list[SimulationResult]
    if monte_carlo:
        from ..montecarlo import simulate

        runs = _validate.integer("runs", args.runs, minimum=1)
        results = [
            simulate(p, schedule, update, payoffs, runs=runs, seed=args.seed, curves=args.curves)
            for p in policies
        ]
    else:
        from ..exact import evaluate

        results = [evaluate(p, schedule, update, payoffs) for p in policies]
    if args.curves:
        curves = results[0].curves
        if curves is None:  # pragma: no cover - simulate collects curves here
            raise UsageError("no curves were collected")
        table = curves.reset_index()
    else:
        table = results_table(results)
        if args.all_plans and not monte_carlo:
            table = table.sort_values(["mesa", "policy"], ascending=[False, True], kind="stable")
    _emit(render(table, args.format), args.output)


def _policies(args: argparse.Namespace, schedule: Schedule) -> list[Strategy]:
    policies = [parse_strategy(text) for text in args.policy or []]
    if args.all_plans:
        if schedule.horizon > MAX_ALL_PLANS_HORIZON:
            raise UsageError(
                f"--all-plans lists 2**N plans; the horizon must be at most "
                f"{MAX_ALL_PLANS_HORIZON}, got {schedule.horizon}"
            )
        policies += [Plan("".join(p)) for p in itertools.product("AB", repeat=schedule.horizon)]
    if not policies:
        raise UsageError("give at least one --policy (or --all-plans)")
    return policies
