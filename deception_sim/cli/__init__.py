"""The ``deception-sim`` command line: the only part of the package that prints.

Subcommands: ``evaluate`` (exact), ``simulate`` (Monte Carlo), ``optimize``
(optimal policies), ``drift`` (objective formation and goal drift), ``sweep``
(a grid of parameters into one table), ``game`` (overseer-versus-agent games),
``control`` (monitored deployments) and ``reproduce`` (regenerate every table
and figure of the analyses). Each command group is a module with
``add_command(subparsers)`` and ``run(args)``; what they share is in
:mod:`.common`. Bad input gives one line on standard
error and exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from . import control, drift, evaluate, game, optimize, reproduce, sweep
from .common import UsageError, _Parser

__all__ = ["UsageError", "build_parser", "main"]

_GROUPS = (evaluate, optimize, reproduce, drift, sweep, game, control)
"""The command groups, in the order ``deception-sim --help`` lists their commands."""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``deception-sim`` (exposed for the docs and tests)."""
    parser = _Parser(
        prog="deception-sim",
        description="Game theory of deceptive alignment: exact evaluation, Monte Carlo "
        "and reproducible analyses.",
    )
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for group in _GROUPS:
        group.add_command(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``deception-sim``; returns the exit code."""
    try:
        args = build_parser().parse_args(argv)
        args.run(args)
    except ValueError as error:  # bad input, from argparse or from the model's checks
        print(f"deception-sim: error: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"deception-sim: error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
