"""``deception-sim drift``: objective formation and goal drift in a world model (SPEC 3.6).

``drift select`` shows which concept training selects after ``n`` examples,
``drift crossover`` the number of examples after which the label register
overtakes the intended objective (over grids), and ``drift trajectory`` the
goal weight flowing along learned edges: its limit and when it overtakes.
"""

from __future__ import annotations

import argparse
from typing import cast

from .. import _validate
from ..model import limits
from .common import UsageError, _emit, _Parser, add_output_options


def add_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The ``drift`` command and its subcommands ``select``, ``crossover``, ``trajectory``."""
    drift = commands.add_parser("drift", help="objective selection and goal drift (world model)")
    actions = drift.add_subparsers(dest="drift_command", required=True, parser_class=_Parser)
    select = actions.add_parser("select", help="which concept training selects after n examples")
    crossover = actions.add_parser("crossover", help="n* at which Y overtakes X, over a grid")
    trajectory = actions.add_parser("trajectory", help="goal weight drifting along learned edges")
    for parser in (select, trajectory):
        world = parser.add_argument_group("world model (the standard concepts X, Y, proxies)")
        world.add_argument("--label-noise", type=float, default=0.0, help="label noise e")
        world.add_argument("--intended-bits", type=float, default=20.0, help="complexity of X")
        world.add_argument("--register-bits", type=float, default=30.0, help="complexity of Y")
        world.add_argument(
            "--proxy", action="append", help="NAME:BITS:AGREEMENT (repeatable; default pain:5:0.8)"
        )
    select.add_argument(
        "--examples", type=float, action="append", help="training examples n (repeatable)"
    )
    crossover.add_argument("--label-noise", type=float, action="append", help="e (repeatable)")
    crossover.add_argument(
        "--gap", type=float, action="append", help="complexity gap bits(Y) - bits(X) (repeatable)"
    )
    select.add_argument("--beta", type=float, default=1.0, help="inverse temperature")
    crossover.add_argument("--beta", type=float, action="append", help="(repeatable)")
    for parser in (select, crossover):
        parser.add_argument("--fidelity", type=float, default=0.9, help="likelihood tolerance q")
    trajectory.add_argument("--rate", type=float, default=0.01, help="flow X -> Y per step")
    trajectory.add_argument("--back-rate", type=float, help="flow Y -> X (default: --rate)")
    trajectory.add_argument("--learn-at", type=int, default=0, help="step X ~ Y is learned")
    trajectory.add_argument(
        "--edge", action="append", help="another learned flow SOURCE:TARGET:AT:RATE (repeatable)"
    )
    trajectory.add_argument(
        "--goal", action="append", help="NAME or NAME=WEIGHT of the goal flag (default X)"
    )
    trajectory.add_argument("--steps", type=int, default=1000, help="steps to follow")
    trajectory.add_argument(
        "--curve", action="store_true", help="the weights every --every steps instead"
    )
    trajectory.add_argument("--every", type=int, help="rows of --curve (default steps/10)")
    for parser in (select, crossover, trajectory):
        add_output_options(parser)
    drift.set_defaults(run=run)


def run(args: argparse.Namespace) -> None:
    """Run the drift subcommand and print its table."""
    import pandas as pd

    from ..drift import (
        INTENDED,
        REGISTER,
        Concept,
        LearnedEdge,
        WorldModel,
        crossover,
        crossover_table,
        drift_limit,
        drift_trajectory,
        misaligned_probability,
        overtake_time,
        selection_table,
        standard_world,
    )
    from ..report import render

    def fields(option: str, text: str, count: int) -> list[str]:
        parts = text.split(":")
        if len(parts) != count or not all(parts):
            raise UsageError(f"{option} must have {count} fields separated by ':', got {text!r}")
        return parts

    def number(option: str, text: str) -> float:
        try:
            return float(text)
        except ValueError:
            raise UsageError(f"{option}: {text!r} is not a number") from None

    if args.drift_command == "crossover":
        grids = {"label_noise": args.label_noise, "complexity_gap": args.gap, "beta": args.beta}
        given = {name: values for name, values in grids.items() if values}
        table = crossover_table(**given, fidelity=args.fidelity)
        _emit(render(table, args.format), args.output)
        return
    proxies = None
    if args.proxy:
        proxies = []
        for text in args.proxy:
            name, bits, agreement = fields("--proxy", text, 3)
            bits_, agreement_ = number("--proxy", bits), number("--proxy", agreement)
            proxies.append(Concept(name, bits_, agreement_))
    world = standard_world(
        args.label_noise,
        intended_bits=args.intended_bits,
        register_bits=args.register_bits,
        proxies=proxies,
    )
    x, y = INTENDED, REGISTER
    if args.drift_command == "select":
        options = {"beta": args.beta, "fidelity": args.fidelity}
        examples = args.examples or [0, 10, 100, 1000]
        table = selection_table(world, examples, **options).drop(columns="log_probability")
        n_star = {
            name: float("nan") if name == x else crossover(world, x, name, **options)
            for name in world.names
        }
        table[f"n_star_vs_{x}"] = table["concept"].map(n_star)
        _emit(render(table, args.format), args.output)
        return
    world = world.learn(x, y, at=args.learn_at, rate=args.rate, back_rate=args.back_rate)
    extra = []
    for text in args.edge or []:
        source, target, at, rate = fields("--edge", text, 4)
        at_, rate_ = number("--edge", at), number("--edge", rate)
        # LearnedEdge checks that the step is a whole number (and says so).
        extra.append(LearnedEdge(source, target, cast(int, at_), rate_))
    world = WorldModel(world.concepts, world.edges + tuple(extra))
    goal: dict[str, float] = {}
    for text in args.goal or [x]:
        name, _, weight = text.partition("=")
        goal[name] = number("--goal", weight) if weight else 1.0
    steps = _validate.integer("steps", args.steps)
    if args.every is not None and not args.curve:
        raise UsageError("--every goes with --curve (the rows of the curve)")
    if args.curve:
        every = _validate.integer(
            "every", max(1, steps // 10) if args.every is None else args.every, minimum=1
        )
        sampled = range(0, steps, every)
        rows = len(sampled) + 1
        estimate = limits.trajectory_bytes(rows, len(world.names))
        limits.check_memory(f"a curve of {rows} rows", "--every", estimate)
        table = drift_trajectory(world, goal, [*sampled, steps])
        table["misaligned"] = [misaligned_probability(row) for _, row in table.iterrows()]
        _emit(render(table.reset_index(), args.format), args.output)
        return
    path = drift_trajectory(world, goal, [0, steps])
    limit = drift_limit(world, goal)
    overtakes: list[int | str] = []
    for name in world.names:
        if name == x:
            overtakes.append("-")
            continue
        try:
            at_step: int | str | None = overtake_time(world, goal, source=x, target=name)
        except ValueError:  # the only possible one here: the concept can get no weight
            at_step = "unreachable"
        overtakes.append("never" if at_step is None else at_step)
    table = pd.DataFrame(
        {
            "concept": world.names,
            "initial": path.loc[0].to_numpy(),
            "final": path.loc[steps].to_numpy(),
            "limit": limit.to_numpy(),
            f"overtakes_{x}_at": overtakes,
        }
    )
    _emit(render(table, args.format), args.output)
