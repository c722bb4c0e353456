"""``deception-sim sweep``: every policy at every point of a grid of model parameters.

Each model option of ``evaluate`` that takes one number or word is a grid
axis here (``--train``, ``--deploy``, ``--honeypot``, ...), taking ``VALUE``,
``A,B,C`` or ``START:STOP[:STEP]``; the table is the one
:func:`deception_sim.sweep` returns, and ``--figure`` draws the deception
advantage over ``--train`` x ``--deploy``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ..model import PARAMETERS, Parameter
from .common import (
    UsageError,
    _emit,
    _sweep_values,
    add_output_options,
    kinds_from,
    option_of,
    output_file,
    warnings_as_lines,
)

if TYPE_CHECKING:
    import pandas as pd

SCHEDULER_TIMEOUT = 10.0
"""Seconds ``sweep --scheduler`` waits to connect to a Dask scheduler."""

# The command line sweeps fixed boundaries only (it has no --boundary), so no --horizon.
AXES: tuple[Parameter, ...] = tuple(
    p for p in PARAMETERS if p.scalar is not None and p.name != "horizon"
)
"""The model parameters the command line sweeps over, in the order of their options."""


def _kind(parameter: Parameter) -> str:
    scalar = parameter.scalar
    assert scalar is not None  # an axis
    return scalar.__name__


def add_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The ``sweep`` command."""
    from ..solvers import INFORMATION
    from ..sweeps import MODES

    sweep = commands.add_parser(
        "sweep", help="evaluate, simulate or optimize policies over a grid of parameters"
    )
    grid = sweep.add_argument_group(
        "grid (each takes VALUE, A,B,C or START:STOP[:STEP], STOP included)"
    )
    for parameter in AXES:
        default = "" if parameter.default is None else f" (default: {parameter.default})"
        grid.add_argument(
            option_of(parameter),
            dest=f"grid_{parameter.name}",
            metavar="VALUES",
            help=f"{parameter.name}: {parameter.help}{default}",
        )
    kinds = next(p for p in PARAMETERS if p.kind == "kinds")
    grid.add_argument(
        option_of(kinds),
        dest="grid_kinds",
        action="append",
        metavar="SPEC",
        help="kinds of episode for every cell, as for evaluate (repeated: one kind each)",
    )
    run_options = sweep.add_argument_group("policies and how to run")
    run_options.add_argument(
        "--policy",
        action="append",
        help=f"as for evaluate, or optimal[:{'|'.join(INFORMATION)}] (repeatable; "
        "default: greedy, deceptive, optimal)",
    )
    run_options.add_argument(
        "--mode",
        choices=MODES,
        default="evaluate",
        help="exact payoffs, Monte Carlo estimates, or the solver's answer",
    )
    run_options.add_argument("--runs", type=int, default=10_000, help="Monte Carlo runs per cell")
    run_options.add_argument("--seed", type=int, default=0, help="seed of the Monte Carlo runs")
    run_options.add_argument("--workers", type=int, help="local worker processes (1: serial)")
    run_options.add_argument("--chunk-size", type=int, help="cells per chunk")
    run_options.add_argument(
        "--scheduler", metavar="ADDRESS", help="a Dask scheduler to run chunks on"
    )
    run_options.add_argument(
        "--checkpoint", type=output_file, metavar="FILE", help="append finished chunks"
    )
    run_options.add_argument(
        "--progress", action=argparse.BooleanOptionalAction, help="a progress bar (default: tty)"
    )
    output = sweep.add_argument_group("output")
    add_output_options(output)
    output.add_argument(
        "--figure",
        type=output_file,
        metavar="FILE",
        help="heatmap of the deception advantage over --train x --deploy (.png, .pdf or .svg)",
    )
    sweep.set_defaults(run=run)


def run(args: argparse.Namespace) -> None:
    """Sweep the grid the options give and print the table (and draw the figure)."""
    from ..report import render
    from ..sweeps import sweep

    grid: dict[str, Sequence[object]] = {}
    for parameter in AXES:
        text = getattr(args, f"grid_{parameter.name}")
        if text is not None:
            grid[parameter.name] = _sweep_values(option_of(parameter), text, _kind(parameter))
    if args.grid_kinds:
        grid["kinds"] = [kinds_from(args.grid_kinds)]
    if "train" not in grid or "deploy" not in grid:
        raise UsageError("give --train and --deploy (values or ranges such as 0:10)")
    policies = args.policy or (
        ["optimal"] if args.mode == "optimize" else ["greedy", "deceptive", "optimal"]
    )
    figure = _figure(args, grid)
    client = None
    executor = None
    if args.scheduler:
        try:
            from distributed import Client
        except ImportError:
            raise UsageError("--scheduler needs Dask: pip install 'deception_sim[dask]'") from None
        try:
            client = Client(args.scheduler, timeout=SCHEDULER_TIMEOUT)
        except (OSError, TimeoutError) as error:
            raise UsageError(f"--scheduler {args.scheduler}: cannot connect ({error})") from None
        executor = client
    try:
        with warnings_as_lines():  # a damaged checkpoint chunk: one line on stderr
            table = sweep(
                grid,
                policies,
                mode=args.mode,
                runs=args.runs,
                seed=args.seed,
                executor=executor,
                workers=args.workers,
                chunk_size=args.chunk_size,
                checkpoint=args.checkpoint,
                progress=args.progress,
            )
    finally:
        if client is not None:
            client.close()
    # The table is rendered before any file is written (a figure, then a table that
    # fails, would leave half the output); with --figure and no --output it is not
    # wanted at all: the figure is what was asked for, with a few lines of summary.
    text = render(table, args.format) if figure is None or args.output is not None else None
    if figure is not None:
        from ..report import advantage_heatmap, save_figure

        keep = table.drop(columns=[n for n in grid if n not in ("train", "deploy")])
        heatmap = advantage_heatmap(keep)
        save_figure(heatmap, figure)
        print(f"wrote {figure}", file=sys.stderr)
        if text is None:
            if not getattr(args, "quiet", False):
                print(_summary(keep, grid, figure))
            return
    assert text is not None
    _emit(text, args.output)


def _summary(table: pd.DataFrame, grid: dict[str, Sequence[object]], figure: Path) -> str:
    """What ``sweep --figure`` prints without ``--output``: the grid and the advantage's range."""
    from ..report import deception_advantage, label

    advantage = deception_advantage(table)
    values = advantage.to_numpy(dtype=float)
    row, column = divmod(int(values.argmax()), values.shape[1])
    train, deploy = grid["train"], grid["deploy"]
    best, baseline = advantage.attrs["best"], advantage.attrs["baseline"]
    return (
        f"swept {len(train)} x {len(deploy)} cells (T {train[0]}..{train[-1]}, "
        f"D {deploy[0]}..{deploy[-1]}), {table['policy'].nunique()} policies\n"
        f"deception advantage ({label(best)} - {label(baseline)}, mesa): "
        f"{values.min():g} to {values.max():g}, largest at T={advantage.index[row]}, "
        f"D={advantage.columns[column]}\n"
        f"figure: {figure} (add --output FILE for the table)"
    )


def _figure(args: argparse.Namespace, grid: dict[str, Sequence[object]]) -> Path | None:
    """Where ``--figure`` goes, once it is clear that it can be drawn."""
    if args.figure is None:
        return None
    if args.mode == "optimize":
        raise UsageError("--figure needs --mode evaluate or simulate")
    others = [
        name for name, values in grid.items() if name not in ("train", "deploy") and len(values) > 1
    ]
    if others:
        raise UsageError(f"--figure draws a train x deploy heatmap; give one value of {others[0]}")
    if args.figure.suffix.lower() not in (".png", ".pdf", ".svg"):
        raise UsageError(f"--figure must end in .png, .pdf or .svg, got {args.figure}")
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise UsageError(
            "--figure needs matplotlib: pip install 'deception_sim[figures]'"
        ) from None
    return Path(args.figure)
