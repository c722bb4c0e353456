"""The ``deception-sim`` command line: the only part of the package that prints.

Subcommands: ``evaluate`` (exact), ``simulate`` (Monte Carlo), ``optimize``
(optimal policies), ``drift`` (objective formation and goal drift), ``sweep``
(a grid of parameters into one table), ``game`` (overseer-versus-agent games)
and ``reproduce`` (regenerate every table and figure of the analyses). Bad input
gives one line on standard error and exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib.util
import itertools
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
from scipy import stats

from . import _validate
from .payoffs import UTILITIES, Payoffs
from .report import FORMATS, render, results_table
from .schedule import Schedule
from .strategies import Deceptive, Greedy, Plan, Strategy, parse_strategy
from .update import UpdateRule

MAX_ALL_PLANS_HORIZON = 16


class UsageError(ValueError):
    """Bad input on the command line."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit code 2
        raise UsageError(message)


def _model_options(parser: argparse.ArgumentParser, *, policies: bool = True) -> None:
    schedule = parser.add_argument_group("schedule")
    schedule.add_argument("--train", type=int, help="training episodes T (fixed boundary)")
    schedule.add_argument("--deploy", type=int, help="deployment episodes D (fixed boundary)")
    schedule.add_argument("--horizon", type=int, help="horizon N (with --boundary)")
    schedule.add_argument(
        "--boundary",
        help="random training length over 0..N: uniform:LOW,HIGH | geometric:P | "
        "pmf:P0,P1,...,PN",
    )
    schedule.add_argument("--honeypot", type=float, default=0.0, help="honeypot rate h")
    schedule.add_argument("--cue-accuracy", type=float, default=1.0, help="cue accuracy q")
    schedule.add_argument(
        "--unobservable", action="store_true", help="the cue says nothing (q = 0.5)"
    )
    schedule.add_argument(
        "--continue-prob", type=float, default=1.0, help="probability the run goes on"
    )
    update = parser.add_argument_group("update rule")
    update.add_argument(
        "--detect", type=float, default=1.0, help="P(an overseen defection triggers an update)"
    )
    update.add_argument(
        "--rate", type=float, default=1.0, help="fraction of mesa weight one update removes"
    )
    update.add_argument(
        "--drift", type=float, default=0.0, help="mesa weight lost per overseen compliance"
    )
    payoffs = parser.add_argument_group("payoffs")
    payoffs.add_argument(
        "--v-deploy", type=float, default=1.0, help="mesa value of a successful defection"
    )
    payoffs.add_argument(
        "--v-overseen", type=float, default=1.0, help="mesa value of an overseen defection"
    )
    payoffs.add_argument(
        "--success", type=float, default=1.0, help="P(an unoverseen defection succeeds)"
    )
    payoffs.add_argument(
        "--utility", choices=UTILITIES, default="count", help="count apples, or any success"
    )
    payoffs.add_argument("--discount", type=float, default=1.0, help="discount per episode")
    output = parser.add_argument_group("policies and output" if policies else "output")
    output.add_argument("--format", choices=FORMATS, default="markdown")
    output.add_argument("--output", type=Path, help="write the table here instead of stdout")
    if not policies:
        return
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


def _schedule(args: argparse.Namespace) -> Schedule:
    common = {
        "honeypot_rate": args.honeypot,
        "cue_accuracy": 0.5 if args.unobservable else args.cue_accuracy,
        "continue_prob": args.continue_prob,
    }
    if args.boundary is None:
        if args.horizon is not None:
            raise UsageError("--horizon goes with --boundary; use --train and --deploy")
        if args.train is None or args.deploy is None:
            raise UsageError("give --train and --deploy (or --horizon and --boundary)")
        return Schedule.fixed(args.train, args.deploy, **common)
    if args.train is not None or args.deploy is not None:
        raise UsageError("--boundary goes with --horizon, not with --train/--deploy")
    if args.horizon is None:
        raise UsageError("--boundary needs --horizon")
    horizon = _validate.integer("horizon", args.horizon)
    return Schedule.random_boundary(horizon, _boundary(args.boundary, horizon), **common)


def _boundary(text: str, horizon: int) -> object:
    kind, _, values = text.partition(":")
    try:
        numbers = [float(v) for v in values.split(",") if v.strip()]
    except ValueError:
        raise UsageError(f"--boundary {text!r}: the values must be numbers") from None
    if kind == "uniform" and len(numbers) == 2:
        low = _validate.integer("boundary low", numbers[0])
        high = _validate.integer("boundary high", numbers[1])
        if high < low:
            raise UsageError(f"--boundary {text!r}: HIGH must be >= LOW")
        return stats.randint(low, high + 1)
    if kind == "geometric" and len(numbers) == 1:
        p = _validate.real("boundary p", numbers[0], low=0.0, high=1.0, low_open=True)
        return stats.geom(p, loc=-1)  # failures before the first success: 0, 1, 2, ...
    if kind == "pmf" and len(numbers) == horizon + 1:
        return numbers
    raise UsageError(
        f"--boundary must be uniform:LOW,HIGH, geometric:P or pmf with {horizon + 1} "
        f"probabilities, got {text!r}"
    )


def _policies(args: argparse.Namespace, schedule: Schedule) -> list[Strategy]:
    policies = [parse_strategy(text) for text in args.policy or []]
    if args.all_plans:
        if schedule.horizon > MAX_ALL_PLANS_HORIZON:
            raise UsageError(
                f"--all-plans lists 2**N plans; the horizon must be at most "
                f"{MAX_ALL_PLANS_HORIZON}, got {schedule.horizon}"
            )
        policies += [
            Plan("".join(p)) for p in itertools.product("AB", repeat=schedule.horizon)
        ]
    if not policies:
        raise UsageError("give at least one --policy (or --all-plans)")
    return policies


def _model(args: argparse.Namespace) -> tuple[Schedule, UpdateRule, Payoffs]:
    schedule = _schedule(args)
    update = UpdateRule(detect=args.detect, rate=args.rate, drift=args.drift)
    payoffs = Payoffs(
        v_deploy=args.v_deploy,
        v_overseen=args.v_overseen,
        success=args.success,
        utility=args.utility,
        discount=args.discount,
    )
    return schedule, update, payoffs


def _emit(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text)
        return
    # Written whole to a temporary file first, so a failure leaves nothing half-written.
    partial = output.with_name(output.name + ".partial")
    partial.write_text(text)
    partial.replace(output)
    print(f"wrote {output}", file=sys.stderr)


def _run_evaluate(args: argparse.Namespace, monte_carlo: bool) -> None:
    schedule, update, payoffs = _model(args)
    policies = _policies(args, schedule)
    if monte_carlo:
        from .simulate import simulate

        runs = _validate.integer("runs", args.runs, minimum=1)
        results = [
            simulate(p, schedule, update, payoffs, runs=runs, seed=args.seed, curves=args.curves)
            for p in policies
        ]
    else:
        from .evaluate import evaluate

        results = [evaluate(p, schedule, update, payoffs) for p in policies]
    if args.curves:
        if len(results) != 1:
            raise UsageError("--curves shows one policy; give exactly one --policy")
        table = results[0].curves.reset_index()
    else:
        table = results_table(results)
        if args.all_plans and not monte_carlo:
            table = table.sort_values(["mesa", "policy"], ascending=[False, True], kind="stable")
    _emit(render(table, args.format), args.output)


def _run_optimize(args: argparse.Namespace) -> None:
    from .evaluate import evaluate
    from .optimize import INFORMATION, clock, optimize

    schedule, update, payoffs = _model(args)
    settings = (args.information,)
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
            row[f"{policy.name.lower().strip('()')} (mesa)"] = evaluate(
                policy, schedule, update, payoffs
            ).mesa
        rows.append(row)
    _emit(render(pd.DataFrame(rows), args.format), args.output)


def _run_reproduce(args: argparse.Namespace) -> None:
    folder = args.analyses or _default_analyses()
    if folder is None or not folder.is_dir():
        raise UsageError(
            "cannot find the analyses/ folder; run from the repository or pass --analyses DIR"
        )
    scripts = sorted(p for p in folder.glob("*.py") if not p.name.startswith("_"))
    if args.only:
        wanted = set(args.only)
        scripts = [p for p in scripts if p.stem in wanted]
        missing = wanted - {p.stem for p in scripts}
        if missing:
            raise UsageError(f"no analysis named {sorted(missing)} in {folder}")
    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    done = []
    for script in scripts:
        started = time.perf_counter()
        written, summary = _load(script).main(out)
        seconds = time.perf_counter() - started
        print(f"== {script.stem} ({seconds:.1f} s)")
        for path in written:
            print(f"   wrote {path}")
        if summary:
            print(summary.rstrip("\n"))
        names = ", ".join(Path(path).name for path in written)
        done.append({"analysis": script.stem, "seconds": round(seconds, 1), "files": names})
    count = sum(len(row["files"].split(", ")) for row in done if row["files"])
    print(f"\n== {len(done)} analyses wrote {count} files to {out.resolve()}")
    print(render(pd.DataFrame(done, columns=["analysis", "seconds", "files"])), end="")


def _default_analyses() -> Path | None:
    for candidate in (Path.cwd() / "analyses", Path(__file__).resolve().parents[1] / "analyses"):
        if candidate.is_dir():
            return candidate
    return None


def _load(script: Path):
    spec = importlib.util.spec_from_file_location(f"analyses.{script.stem}", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    if not hasattr(module, "main"):
        raise UsageError(f"{script} has no main(out) function")
    return module


def _add_drift_command(commands: argparse._SubParsersAction) -> None:
    """``deception-sim drift select|crossover|trajectory`` (SPEC 3.6)."""
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
        parser.add_argument("--format", choices=FORMATS, default="markdown")
        parser.add_argument("--output", type=Path, help="write the table here instead of stdout")


def _run_drift(args: argparse.Namespace) -> None:
    from . import drift

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
        table = drift.crossover_table(**given, fidelity=args.fidelity)
        _emit(render(table, args.format), args.output)
        return
    proxies = None
    if args.proxy:
        proxies = []
        for text in args.proxy:
            name, bits, agreement = fields("--proxy", text, 3)
            bits_, agreement_ = number("--proxy", bits), number("--proxy", agreement)
            proxies.append(drift.Concept(name, bits_, agreement_))
    world = drift.standard_world(
        args.label_noise,
        intended_bits=args.intended_bits,
        register_bits=args.register_bits,
        proxies=proxies,
    )
    x, y = drift.INTENDED, drift.REGISTER
    if args.drift_command == "select":
        options = {"beta": args.beta, "fidelity": args.fidelity}
        examples = args.examples or [0, 10, 100, 1000]
        table = drift.selection_table(world, examples, **options).drop(columns="log_probability")
        n_star = {
            name: float("nan") if name == x else drift.crossover(world, x, name, **options)
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
        extra.append(drift.LearnedEdge(source, target, at_, rate_))
    world = drift.WorldModel(world.concepts, world.edges + tuple(extra))
    goal: dict[str, float] = {}
    for text in args.goal or [x]:
        name, _, weight = text.partition("=")
        goal[name] = number("--goal", weight) if weight else 1.0
    steps = _validate.integer("steps", args.steps)
    if args.curve:
        every = _validate.integer("every", args.every or max(1, steps // 10), minimum=1)
        table = drift.drift_trajectory(world, goal, [*range(0, steps, every), steps])
        table["misaligned"] = [drift.misaligned_probability(row) for _, row in table.iterrows()]
        _emit(render(table.reset_index(), args.format), args.output)
        return
    path = drift.drift_trajectory(world, goal, [0, steps])
    limit = drift.drift_limit(world, goal)
    overtakes: list[object] = []
    for name in world.names:
        if name == x:
            overtakes.append("-")
            continue
        try:
            at_step = drift.overtake_time(world, goal, source=x, target=name)
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


SCHEDULER_TIMEOUT = 10.0
"""Seconds ``sweep --scheduler`` waits to connect to a Dask scheduler."""

_SWEEP_AXES = (
    # (option, grid parameter, kind)
    ("--train", "train", "int"),
    ("--deploy", "deploy", "int"),
    ("--honeypot", "honeypot_rate", "float"),
    ("--cue-accuracy", "cue_accuracy", "float"),
    ("--continue-prob", "continue_prob", "float"),
    ("--detect", "detect", "float"),
    ("--rate", "rate", "float"),
    ("--drift", "drift", "float"),
    ("--v-deploy", "v_deploy", "float"),
    ("--v-overseen", "v_overseen", "float"),
    ("--success", "success", "float"),
    ("--utility", "utility", "str"),
    ("--discount", "discount", "float"),
)


def _add_sweep_command(commands: argparse._SubParsersAction) -> None:
    """``deception-sim sweep``: a grid of model parameters into one table (SPEC 3.7)."""
    sweep = commands.add_parser(
        "sweep", help="evaluate, simulate or optimize policies over a grid of parameters"
    )
    grid = sweep.add_argument_group(
        "grid (each takes VALUE, A,B,C or START:STOP[:STEP], STOP included)"
    )
    for option, name, _ in _SWEEP_AXES:
        grid.add_argument(option, dest=f"grid_{name}", metavar="VALUES", help=name)
    run = sweep.add_argument_group("policies and how to run")
    run.add_argument(
        "--policy",
        action="append",
        help="as for evaluate, or optimal[:known_phase|clock|memoryless] (repeatable; "
        "default: greedy, deceptive, optimal)",
    )
    run.add_argument("--mode", choices=("evaluate", "simulate", "optimize"), default="evaluate")
    run.add_argument("--runs", type=int, default=10_000, help="Monte Carlo runs per cell")
    run.add_argument("--seed", type=int, default=0, help="seed of the Monte Carlo runs")
    run.add_argument("--workers", type=int, help="local worker processes (1: serial)")
    run.add_argument("--chunk-size", type=int, help="cells per chunk")
    run.add_argument("--scheduler", metavar="ADDRESS", help="a Dask scheduler to run chunks on")
    run.add_argument("--checkpoint", type=Path, metavar="FILE", help="append finished chunks")
    run.add_argument(
        "--progress", action=argparse.BooleanOptionalAction, help="a progress bar (default: tty)"
    )
    output = sweep.add_argument_group("output")
    output.add_argument("--format", choices=FORMATS, default="markdown")
    output.add_argument("--output", type=Path, help="write the table here instead of stdout")
    output.add_argument(
        "--figure", type=Path, metavar="FILE", help="heatmap of the deception advantage over "
        "--train x --deploy (.png, .pdf or .svg)"
    )


def _sweep_values(option: str, text: str, kind: str) -> list[object]:
    """``5``, ``0,1,2.5`` or ``START:STOP[:STEP]`` (STOP included) as a list of values."""
    if kind == "str":
        return [part.strip() for part in text.split(",") if part.strip()]

    def number(part: str) -> float | int:
        try:
            value = float(part)
        except ValueError:
            raise UsageError(f"{option}: {part!r} is not a number") from None
        return int(value) if kind == "int" and value.is_integer() else value

    if ":" in text:
        parts = text.split(":")
        if len(parts) not in (2, 3):
            raise UsageError(f"{option} must be START:STOP or START:STOP:STEP, got {text!r}")
        start, stop = number(parts[0]), number(parts[1])
        step = number(parts[2]) if len(parts) == 3 else 1
        if not step > 0 or stop < start:
            raise UsageError(f"{option} {text!r}: STEP must be > 0 and STOP >= START")
        count = int((stop - start) / step + 1e-9) + 1
        values = [start + i * step for i in range(count)]
        if kind == "float" or any(isinstance(v, float) for v in values):
            values = [round(float(v), 12) + 0.0 for v in values]
        return values
    return [number(part) for part in text.split(",") if part.strip()]


def _run_sweep(args: argparse.Namespace) -> None:
    from .sweep import sweep

    grid = {}
    for option, name, kind in _SWEEP_AXES:
        text = getattr(args, f"grid_{name}")
        if text is not None:
            grid[name] = _sweep_values(option, text, kind)
    if "train" not in grid or "deploy" not in grid:
        raise UsageError("give --train and --deploy (values or ranges such as 0:10)")
    policies = args.policy or (
        ["optimal"] if args.mode == "optimize" else ["greedy", "deceptive", "optimal"]
    )
    figure = None
    if args.figure is not None:
        if args.mode == "optimize":
            raise UsageError("--figure needs --mode evaluate or simulate")
        others = [name for name, values in grid.items()
                  if name not in ("train", "deploy") and len(values) > 1]
        if others:
            raise UsageError(
                f"--figure draws a train x deploy heatmap; give one value of {others[0]}"
            )
        if args.figure.suffix.lower() not in (".png", ".pdf", ".svg"):
            raise UsageError(f"--figure must end in .png, .pdf or .svg, got {args.figure}")
        try:
            import matplotlib  # noqa: F401
        except ImportError:
            raise UsageError(
                "--figure needs matplotlib: pip install 'deception_sim[figures]'"
            ) from None
        figure = args.figure
    client = None
    executor = None
    if args.scheduler:
        try:
            from distributed import Client
        except ImportError:
            raise UsageError(
                "--scheduler needs Dask: pip install 'deception_sim[dask]'"
            ) from None
        try:
            client = Client(args.scheduler, timeout=SCHEDULER_TIMEOUT)
        except (OSError, TimeoutError) as error:
            raise UsageError(f"--scheduler {args.scheduler}: cannot connect ({error})") from None
        executor = client
    try:
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
    if figure is not None:
        from .report import advantage_heatmap, save_figure

        keep = table.drop(columns=[n for n in grid if n not in ("train", "deploy")])
        save_figure(advantage_heatmap(keep), figure)
        print(f"wrote {figure}", file=sys.stderr)
    _emit(render(table, args.format), args.output)


def _add_game_command(commands: argparse._SubParsersAction) -> None:
    """``deception-sim game training-length|honeypot|audit|frontier`` (SPEC 3.5)."""
    from .games.model import CONCEPTS, OBJECTIVES
    from .optimize import INFORMATION

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
        "--detection-cost", type=float, default=0.0, help="price per overseen episode per unit "
        "of detection probability"
    )
    audit = kinds.add_parser("audit", help="the overseer audits K of the D deployment episodes")
    audit.add_argument("--audits", type=int, required=True, help="audit budget K (< D)")
    audit.add_argument(
        "--placements", choices=("all", "first", "last", "spread"), default="all",
        help="which audit sets the overseer may choose",
    )
    frontier = kinds.add_parser(
        "frontier", help="safety against oversight cost: the best audit fraction per price"
    )
    frontier.add_argument(
        "--prices", default="0.01,0.02,0.05,0.1,0.2", help="prices per audited episode"
    )
    frontier.add_argument(
        "--design", choices=("first", "random"), default="first",
        help="audit the first fraction of deployment, or each episode at random",
    )
    frontier.add_argument("--information", choices=INFORMATION, default="memoryless")
    for parser in (honeypot, audit, frontier):
        parser.add_argument("--train", type=int, required=True, help="training episodes T")
        parser.add_argument("--deploy", type=int, required=True, help="deployment episodes D")
    for parser, cost, objective in ((length, 0.5, "zero_sum"), (honeypot, 0.1, "zero_sum"),
                                    (audit, 0.0, "safety")):
        parser.add_argument(
            "--oversight-cost", type=float, default=cost, help="price per overseen episode"
        )
        if parser is not length:
            parser.add_argument("--objective", choices=OBJECTIVES, default=objective)
        parser.add_argument("--concept", choices=CONCEPTS, default="auto")
    for parser, utility in ((length, "count"), (honeypot, "count"), (audit, "any"),
                            (frontier, "any")):
        payoffs = parser.add_argument_group("the agent's payoffs")
        payoffs.add_argument("--v-deploy", type=float, default=1.0)
        payoffs.add_argument("--v-overseen", type=float, default=1.0)
        payoffs.add_argument("--success", type=float, default=1.0)
        payoffs.add_argument("--utility", choices=UTILITIES, default=utility)
        payoffs.add_argument("--discount", type=float, default=1.0)
        parser.add_argument("--format", choices=FORMATS, default="markdown")
        parser.add_argument("--output", type=Path, help="write the tables here instead of stdout")


def _run_game(args: argparse.Namespace) -> None:
    import functools
    import json

    from . import games
    from .report import to_json

    payoffs = Payoffs(
        v_deploy=args.v_deploy,
        v_overseen=args.v_overseen,
        success=args.success,
        utility=args.utility,
        discount=args.discount,
    )
    if args.game_command == "frontier":
        design = games.first_audits if args.design == "first" else games.random_audits
        prices = _sweep_values("--prices", args.prices, "float")
        # Auditing the first k episodes has kinks at whole k: put them on the grid.
        whole = args.design == "first" and 1 <= args.deploy <= 100
        table = games.safety_frontier(
            functools.partial(design, args.train, args.deploy),
            prices,
            payoffs=payoffs,
            information=args.information,
            grid=args.deploy + 1 if whole else games.continuous.GRID,
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
            _sweep_values("--rates", args.rates, "float"),
            detects=_sweep_values("--detects", args.detects, "float"),
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
        text = json.dumps(
            {"summary": json.loads(to_json(summary))[0],
             "strategies": json.loads(to_json(strategies))},
            indent=2,
        ) + "\n"
    else:
        text = render(summary, args.format) + "\n" + render(strategies, args.format)
    _emit(text, args.output)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``deception-sim`` (exposed for the docs and tests)."""
    parser = _Parser(
        prog="deception-sim",
        description="Game theory of deceptive alignment: exact evaluation, Monte Carlo "
        "and reproducible analyses.",
    )
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    evaluate = commands.add_parser("evaluate", help="exact expected payoffs of policies")
    _model_options(evaluate)
    simulate = commands.add_parser("simulate", help="Monte Carlo estimates with standard errors")
    _model_options(simulate)
    simulate.add_argument("--runs", type=int, default=100_000)
    simulate.add_argument("--seed", type=int, default=0)
    optimize = commands.add_parser("optimize", help="the optimal policy, its value and method")
    _model_options(optimize, policies=False)
    optimize.add_argument(
        "--information",
        choices=("known_phase", "clock", "memoryless", "all"),
        default="known_phase",
        help="what the agent knows (all: every setting the model allows)",
    )
    reproduce = commands.add_parser("reproduce", help="regenerate every analysis table/figure")
    reproduce.add_argument("--out", type=Path, default=Path("out"))
    reproduce.add_argument("--analyses", type=Path, help="folder of analysis scripts")
    reproduce.add_argument("--only", action="append", help="run only this analysis (repeatable)")
    _add_drift_command(commands)
    _add_sweep_command(commands)
    _add_game_command(commands)
    from . import _cli_control

    _cli_control.add_command(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``deception-sim``; returns the exit code."""
    try:
        args = build_parser().parse_args(argv)
        if args.command == "evaluate":
            _run_evaluate(args, monte_carlo=False)
        elif args.command == "simulate":
            _run_evaluate(args, monte_carlo=True)
        elif args.command == "optimize":
            _run_optimize(args)
        elif args.command == "drift":
            _run_drift(args)
        elif args.command == "sweep":
            _run_sweep(args)
        elif args.command == "game":
            _run_game(args)
        elif args.command == "control":
            from . import _cli_control

            _cli_control.run(args)
        else:
            _run_reproduce(args)
    except ValueError as error:  # bad input, from argparse or from the model's checks
        print(f"deception-sim: error: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"deception-sim: error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
