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
from ..model import Payoffs, Schedule, UpdateRule
from ..model.measures import MODEL_COLUMNS
from ..strategies import Plan, Strategy, parse_strategy
from .common import UsageError, _emit, add_model_options, add_output_options, model_from

if TYPE_CHECKING:
    import pandas as pd

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
    if args.all_plans and args.curves and 2**schedule.horizon + len(args.policy or []) != 1:
        raise UsageError("--curves shows one policy; give exactly one --policy")
    if args.all_plans and not monte_carlo and not args.curves:
        table = _all_plans_table(args, schedule, update, payoffs)
        table = table.sort_values(["mesa", "policy"], ascending=[False, True], kind="stable")
        _emit(render(table, args.format), args.output)
        return
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


def _all_plans_table(
    args: argparse.Namespace, schedule: Schedule, update: UpdateRule, payoffs: Payoffs
) -> pd.DataFrame:
    """The ``--policy`` rows, then every plan's, all plans evaluated in one vectorized pass
    (:func:`deception_sim.exact.batch.evaluate_tables`); the same numbers as evaluating
    each plan alone."""
    import numpy as np
    import pandas as pd

    from ..exact import evaluate
    from ..exact.batch import evaluate_tables
    from ..report import results_table

    _check_all_plans(schedule)
    given = [parse_strategy(text) for text in args.policy or []]
    n = schedule.horizon
    # Plan i of itertools.product("AB", repeat=n) defects in episode t + 1 when bit
    # n - 1 - t of i is 0 ("A" comes first).
    index = np.arange(2**n)[:, None]
    defects = ((index >> np.arange(n - 1, -1, -1)) & 1) == 0
    tables = np.broadcast_to(defects.astype(float)[:, :, None], (2**n, n, 2))
    found = evaluate_tables(tables, schedule, update, payoffs)
    names = ["Plan(" + repr("".join(p)) + ")" for p in itertools.product("AB", repeat=n)]
    described = dict(zip(MODEL_COLUMNS, (names, schedule.describe(), repr(update)), strict=True))
    plans = pd.DataFrame({**described, **found})
    if not given:
        return plans
    rows = results_table([evaluate(p, schedule, update, payoffs) for p in given])
    return pd.concat([rows, plans], ignore_index=True)


def _check_all_plans(schedule: Schedule) -> None:
    if schedule.horizon > MAX_ALL_PLANS_HORIZON:
        raise UsageError(
            f"--all-plans lists 2**N plans; the horizon must be at most "
            f"{MAX_ALL_PLANS_HORIZON}, got {schedule.horizon}"
        )


def _policies(args: argparse.Namespace, schedule: Schedule) -> list[Strategy]:
    policies = [parse_strategy(text) for text in args.policy or []]
    if args.all_plans:
        _check_all_plans(schedule)
        policies += [Plan("".join(p)) for p in itertools.product("AB", repeat=schedule.horizon)]
    if not policies:
        raise UsageError("give at least one --policy (or --all-plans)")
    return policies
