"""``deception-sim control``: monitored deployments from the command line (SPEC 3.10).

Subcommands: ``evaluate`` (exact safety and usefulness against a given attack
rate, optionally with a Monte Carlo check), ``worst-case`` (the attackers'
best responses), ``frontier`` (the safety-usefulness frontier over defer
rates, with the best audit rate for each) and ``roc`` (the monitor's ROC
curve). The monitor is ``--monitor SAFE/ATTACK`` with two scipy.stats
distributions (``beta:7.39,6.86/beta:8.91,2.82``) or ``--scores FILE`` (CSV
or Parquet with a column of scores per kind). Bad input: one line, exit 2
(the errors are raised here and printed by :func:`deception_sim.cli.main`).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd
from scipy import stats

from ..control import (
    ATTACKERS,
    Monitor,
    RandomAuditing,
    TrustedMonitoring,
    UpfrontAuditing,
    control_table,
    evaluate_protocol,
    pareto_frontier,
    simulate_protocol,
)
from ..control.results import protocol_parameters
from ..report import FORMATS, render
from .common import UsageError, _emit, _Parser, output_file

PROTOCOLS = ("trusted-monitoring", "upfront", "random")


def add_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``control`` and its subcommands on the top-level subparsers."""
    control = commands.add_parser(
        "control", help="monitored deployments: protocols against attackers (AI control)"
    )
    control.set_defaults(run=run)
    actions = control.add_subparsers(
        dest="control_command", required=True, parser_class=_Parser, metavar="ACTION"
    )
    evaluate = actions.add_parser("evaluate", help="exact safety and usefulness at an attack rate")
    worst = actions.add_parser("worst-case", help="the attackers' best responses")
    frontier = actions.add_parser("frontier", help="safety against usefulness over defer rates")
    roc = actions.add_parser("roc", help="the monitor's ROC curve")
    for parser in (evaluate, worst, frontier, roc):
        monitor = parser.add_argument_group("monitor (one of)")
        monitor.add_argument(
            "--monitor",
            metavar="SAFE/ATTACK",
            help="two scipy.stats distributions, e.g. beta:7.39,6.86/beta:8.91,2.82",
        )
        monitor.add_argument(
            "--scores",
            type=Path,
            metavar="FILE",
            help="CSV or Parquet file with a column of scores per kind",
        )
        monitor.add_argument("--safe-column", default="safe", help="column of honest scores")
        monitor.add_argument("--attack-column", default="attack", help="column of attack scores")
        parser.add_argument(
            "--format", choices=FORMATS, default="markdown", help="how to write the table"
        )
        parser.add_argument(
            "--output", type=output_file, help="write the table here instead of stdout"
        )
    roc.add_argument("--fprs", help="false-positive rates A,B,C (default: a log grid)")
    for parser in (evaluate, worst, frontier):
        deployment = parser.add_argument_group("deployment and protocol")
        deployment.add_argument("--tasks", type=int, required=True, help="tasks M")
        deployment.add_argument("--audits", type=int, required=True, help="audit budget C")
        deployment.add_argument(
            "--success", type=float, default=1.0, help="P(a used attack succeeds)"
        )
        deployment.add_argument(
            "--trusted-usefulness", type=float, default=0.0, help="usefulness of a deferred task"
        )
        if parser is not frontier:
            deployment.add_argument(
                "--protocol", choices=PROTOCOLS, default=PROTOCOLS[0], help="the control protocol"
            )
            deployment.add_argument(
                "--audit-fpr",
                type=float,
                default=0.02,
                help="audit false-positive rate (trusted monitoring)",
            )
            deployment.add_argument(
                "--defer-fpr",
                type=float,
                default=0.0,
                help="defer false-positive rate (0: never defer)",
            )
            deployment.add_argument(
                "--rate", type=float, help="audit probability per task (random auditing)"
            )
    evaluate.add_argument(
        "--attack-rate", type=float, required=True, help="P(attack) on every task"
    )
    evaluate.add_argument("--runs", type=int, help="also estimate by Monte Carlo with RUNS runs")
    evaluate.add_argument("--seed", type=int, default=0, help="seed of the Monte Carlo runs")
    worst.add_argument(
        "--attacker",
        action="append",
        choices=ATTACKERS,
        help="memoryless | clock | informed (repeatable; default the first two)",
    )
    frontier.add_argument(
        "--attacker", choices=ATTACKERS, default="memoryless", help="the attacker to play against"
    )
    frontier.add_argument(
        "--defer-fprs",
        default="0,0.02,0.05,0.1,0.2,0.3,0.5",
        help="defer false-positive rates A,B,C",
    )
    for parser in (worst, frontier):
        parser.add_argument(
            "--show-method",
            action="store_true",
            help="add how each result was found and what it guarantees",
        )


def _numbers(option: str, text: str) -> list[float]:
    try:
        return [float(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise UsageError(f"{option} must be numbers separated by commas, got {text!r}") from None


def _distribution(text: str) -> object:
    name, _, values = text.partition(":")
    family = getattr(stats, name.strip(), None)
    if not isinstance(family, stats.rv_continuous):
        raise UsageError(f"--monitor: {name!r} is not a continuous scipy.stats distribution")
    arguments = _numbers("--monitor", values)
    try:
        return family(*arguments)
    except (TypeError, ValueError) as error:
        raise UsageError(f"--monitor {text!r}: {error}") from None


def _monitor(args: argparse.Namespace) -> Monitor:
    if (args.monitor is None) == (args.scores is None):
        raise UsageError("give exactly one of --monitor SAFE/ATTACK and --scores FILE")
    if args.scores is not None:
        return Monitor.from_file(
            args.scores, safe_column=args.safe_column, attack_column=args.attack_column
        )
    parts = args.monitor.split("/")
    if len(parts) != 2:
        raise UsageError(
            f"--monitor must be SAFE/ATTACK (e.g. beta:7.39,6.86/beta:8.91,2.82), "
            f"got {args.monitor!r}"
        )
    safe, attack = (_distribution(part) for part in parts)
    return Monitor(safe=safe, attack=attack)


def _protocol(args: argparse.Namespace, monitor: Monitor | None) -> object:
    common = {
        "tasks": args.tasks,
        "audits": args.audits,
        "success": args.success,
        "trusted_usefulness": args.trusted_usefulness,
    }
    if args.protocol == "trusted-monitoring":
        if monitor is None:
            raise UsageError("trusted monitoring needs --monitor or --scores")
        return TrustedMonitoring(
            monitor=monitor, audit_fpr=args.audit_fpr, defer_fpr=args.defer_fpr, **common
        )
    if args.protocol == "upfront":
        return UpfrontAuditing(monitor=monitor, defer_fpr=args.defer_fpr, **common)
    if args.rate is None:
        raise UsageError("random auditing needs --rate")
    return RandomAuditing(monitor=monitor, rate=args.rate, defer_fpr=args.defer_fpr, **common)


def _optional_monitor(args: argparse.Namespace) -> Monitor | None:
    if args.monitor is None and args.scores is None:
        return None
    return _monitor(args)


def run(args: argparse.Namespace) -> None:
    """Run ``deception-sim control ACTION`` and write its table."""
    if args.control_command == "roc":
        fprs = _numbers("--fprs", args.fprs) if args.fprs else None
        table = _monitor(args).roc(fprs)
    elif args.control_command == "frontier":
        table = pareto_frontier(
            _monitor(args),
            tasks=args.tasks,
            audits=args.audits,
            attacker=args.attacker,
            defer_fprs=_numbers("--defer-fprs", args.defer_fprs),
            success=args.success,
            trusted_usefulness=args.trusted_usefulness,
        )
        if args.show_method:
            table["method"] = "best audit rate by dense bracket + bounded refinement"
    elif args.control_command == "worst-case":
        protocol = _protocol(args, _optional_monitor(args))
        table = control_table([protocol], args.attacker or ["memoryless", "clock"])
        if not args.show_method:
            table = table.drop(columns="method")
    else:
        protocol = _protocol(args, _optional_monitor(args))
        result = evaluate_protocol(protocol, args.attack_rate)
        row = {
            **protocol_parameters(protocol),
            "attack_rate": args.attack_rate,
            "safety": result.safety,
            "usefulness": result.usefulness,
        }
        if args.runs is not None:
            sim = simulate_protocol(protocol, args.attack_rate, runs=args.runs, seed=args.seed)
            row.update(
                {
                    "mc_safety": sim.safety,
                    "mc_safety_se": sim.safety_se,
                    "mc_usefulness": sim.usefulness,
                    "mc_usefulness_se": sim.usefulness_se,
                    "runs": sim.runs,
                }
            )
        table = pd.DataFrame([row])
    _emit(render(table, args.format), args.output)
