"""``deception-sim optimize``: the optimal policy of one model, its value and how it was found.

Next to the optimum, the table shows what ``Greedy()`` and ``Deceptive()``
get on the same model; ``--information all`` solves every information
setting the model allows.
"""

from __future__ import annotations

import argparse

from .common import _emit, add_model_options, add_output_options, model_from


def add_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The ``optimize`` command."""
    from ..solvers import INFORMATION

    optimize = commands.add_parser("optimize", help="the optimal policy, its value and method")
    add_model_options(optimize)
    add_output_options(optimize.add_argument_group("output"))
    optimize.add_argument(
        "--information",
        choices=(*INFORMATION, "all"),
        default="known_phase",
        help="what the agent knows (all: every setting the model allows)",
    )
    optimize.set_defaults(run=run)


def run(args: argparse.Namespace) -> None:
    """Solve the model in the chosen information settings and print one row each."""
    import pandas as pd

    from ..exact import evaluate
    from ..report import render
    from ..solvers import INFORMATION, clock, optimize
    from ..strategies import Deceptive, Greedy

    schedule, update, payoffs = model_from(args)
    settings: tuple[str, ...] = (args.information,)
    if args.information == "all":  # the settings this model allows
        settings = tuple(
            information
            for information in INFORMATION
            if not (information == "known_phase" and schedule.cue_accuracy != 1.0)
            and not (information == "clock" and clock.supported(schedule, update))
        )
    rows = []
    for information in settings:
        solution = optimize(schedule, update, payoffs, information)
        row = solution.summary()
        for policy in (Greedy(), Deceptive()):
            row[f"{policy.name.lower().strip('()')}_mesa"] = evaluate(
                policy, schedule, update, payoffs
            ).mesa
        rows.append(row)
    _emit(render(pd.DataFrame(rows), args.format), args.output)
