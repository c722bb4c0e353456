"""``deception-sim game``: the overseer against the agent (SPEC 3.5).

``training-length``, ``honeypot`` and ``audit`` are matrix games between the
overseer's options and the agent's answers: the command prints the
equilibrium and both mixed strategies. ``frontier`` prints the overseer's
best audited fraction at each price per audited episode.
"""

from __future__ import annotations

import argparse

from .common import (
    _emit,
    _float_values,
    _Parser,
    add_model_options,
    add_output_options,
    payoffs_from,
)


def add_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The ``game`` command: ``training-length``, ``honeypot``, ``audit`` and ``frontier``."""
    from ..games import CONCEPTS, OBJECTIVES
    from ..solvers import INFORMATION

    game = commands.add_parser("game", help="overseer-versus-agent games: equilibria, frontier")
    kinds = game.add_subparsers(
        dest="game_command", required=True, parser_class=_Parser, metavar="GAME"
    )
    length = kinds.add_parser(
        "training-length", help="the overseer picks the training length, the agent when to defect"
    )
    length.add_argument("--horizon", type=int, required=True, help="episodes N")
    length.add_argument(
        "--min-deploy-share", type=float, default=0.0, help="cap training at (1 - share) N"
    )
    length.add_argument("--observable", action="store_true", help="the agent sees the phase")
    honeypot = kinds.add_parser("honeypot", help="the overseer picks a honeypot rate")
    honeypot.add_argument(
        "--rates", default="0:1:0.1", help="honeypot rates: A,B,C or START:STOP:STEP"
    )
    honeypot.add_argument("--detects", default="1", help="detection probabilities (A,B,C)")
    honeypot.add_argument(
        "--detection-cost",
        type=float,
        default=0.0,
        help="price per overseen episode per unit of detection probability",
    )
    audit = kinds.add_parser("audit", help="the overseer audits K of the D deployment episodes")
    audit.add_argument("--audits", type=int, required=True, help="audit budget K (< D)")
    audit.add_argument(
        "--placements",
        choices=("all", "first", "last", "spread"),
        default="all",
        help="which audit sets the overseer may choose",
    )
    frontier = kinds.add_parser(
        "frontier", help="safety against oversight cost: the best audit fraction per price"
    )
    frontier.add_argument(
        "--prices", default="0.01,0.02,0.05,0.1,0.2", help="prices per audited episode"
    )
    frontier.add_argument(
        "--design",
        choices=("first", "random"),
        default="first",
        help="audit the first fraction of deployment, or each episode at random",
    )
    frontier.add_argument(
        "--information",
        choices=INFORMATION,
        default="memoryless",
        help="what the agent knows when it best-responds",
    )
    for parser in (honeypot, audit, frontier):
        parser.add_argument("--train", type=int, required=True, help="training episodes T")
        parser.add_argument("--deploy", type=int, required=True, help="deployment episodes D")
    for parser, cost, objective in (
        (length, 0.5, "zero_sum"),
        (honeypot, 0.1, "zero_sum"),
        (audit, 0.0, "safety"),
    ):
        parser.add_argument(
            "--oversight-cost", type=float, default=cost, help="price per overseen episode"
        )
        if parser is not length:
            parser.add_argument(
                "--objective",
                choices=OBJECTIVES,
                default=objective,
                help="what the overseer maximizes",
            )
        parser.add_argument(
            "--concept",
            choices=CONCEPTS,
            default="auto",
            help="the solution concept (auto: zero-sum when the game is, else Stackelberg)",
        )
    for parser, utility in (
        (length, "count"),
        (honeypot, "count"),
        (audit, "any"),
        (frontier, "any"),
    ):
        add_model_options(
            parser, ["payoffs"], title="the agent's payoffs", defaults={"utility": utility}
        )
        add_output_options(parser, tables="the tables")
    game.set_defaults(run=run)


def run(args: argparse.Namespace) -> None:
    """Solve the game (or trace the frontier) and print the tables."""
    import functools
    import json

    import pandas as pd

    from .. import games
    from ..report import render, to_json

    payoffs = payoffs_from(args)
    if args.game_command == "frontier":
        design = games.first_audits if args.design == "first" else games.random_audits
        prices = _float_values("--prices", args.prices)
        # Auditing the first k episodes has kinks at whole k: put them on the grid.
        whole = args.design == "first" and 1 <= args.deploy <= 100
        table = games.safety_frontier(
            functools.partial(design, args.train, args.deploy),
            prices,
            payoffs=payoffs,
            information=args.information,
            **({"grid": args.deploy + 1} if whole else {}),
        )
        _emit(render(table, args.format), args.output)
        return
    if args.game_command == "training-length":
        game = games.training_length_game(
            args.horizon,
            oversight_cost=args.oversight_cost,
            min_deploy_share=args.min_deploy_share,
            observable=args.observable,
            payoffs=payoffs,
        )
    elif args.game_command == "honeypot":
        game = games.honeypot_game(
            args.train,
            args.deploy,
            _float_values("--rates", args.rates),
            detects=_float_values("--detects", args.detects),
            oversight_cost=args.oversight_cost,
            detection_cost=args.detection_cost,
            objective=args.objective,
            payoffs=payoffs,
        )
    else:
        game = games.audit_game(
            args.train,
            args.deploy,
            args.audits,
            placements=args.placements,
            oversight_cost=args.oversight_cost,
            objective=args.objective,
            payoffs=payoffs,
        )
    solution = game.solve(args.concept)
    summary = pd.DataFrame([{"game": game.name, **solution.summary()}])
    strategies = solution.strategies()
    if args.format == "json":
        text = (
            json.dumps(
                {
                    "summary": json.loads(to_json(summary))[0],
                    "strategies": json.loads(to_json(strategies)),
                },
                indent=2,
            )
            + "\n"
        )
    else:
        text = render(summary, args.format) + "\n" + render(strategies, args.format)
    _emit(text, args.output)
