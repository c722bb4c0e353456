"""The ``deception-sim`` command line: the only part of the package that prints.

Subcommands: ``evaluate`` (exact), ``simulate`` (Monte Carlo), ``optimize``
(optimal policies), ``drift`` (objective formation and goal drift), ``sweep``
(a grid of parameters into one table), ``game`` (overseer-versus-agent games),
``control`` (monitored deployments) and ``reproduce`` (regenerate every table
and figure of the analyses). Each command group is a module with
``add_command(subparsers)`` and ``run(args)``; what they share is in
:mod:`.common`. Bad input gives one line on standard
error and exit code 2, never a traceback.

Only the module of the command given is imported (and, through it, what that
command needs): ``deception-sim --help`` and ``--version`` import none, so
they cost little more than starting Python with numpy.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import io
import sys
from collections.abc import Sequence

from .common import UsageError, _Parser

__all__ = ["COMMANDS", "UsageError", "build_parser", "main"]

COMMANDS: dict[str, tuple[str, str]] = {
    "evaluate": ("evaluate", "exact expected payoffs of policies"),
    "simulate": ("evaluate", "Monte Carlo estimates with standard errors"),
    "optimize": ("optimize", "the optimal policy, its value and method"),
    "reproduce": ("reproduce", "regenerate every analysis table and figure"),
    "drift": ("drift", "objective selection and goal drift (world model)"),
    "sweep": ("sweep", "evaluate, simulate or optimize policies over a grid of parameters"),
    "game": ("game", "overseer-versus-agent games: equilibria, frontier"),
    "control": ("control", "monitored deployments: protocols against attackers (AI control)"),
}
"""Each command, the module (command group) that defines it, and its one-line help.

The help is what ``deception-sim --help`` lists without importing the module
(a test checks that it is the module's own).
"""

_QUIET_HELP = "print only errors: no progress bars, summaries or 'wrote FILE' lines"


def _version() -> str:
    from importlib.metadata import version

    return version("deception_sim")


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The argument parser of ``deception-sim`` (exposed for the docs and tests).

    With ``command``, only that command's group is built (the others are
    listed by name and help): its module is the only one imported.
    """
    parser = _Parser(
        prog="deception-sim",
        description="Game theory of deceptive alignment: exact evaluation, Monte Carlo "
        "and reproducible analyses.",
    )
    parser.add_argument(
        "--version", action="version", version=f"%(prog)s {_version()}", help="show the version"
    )
    parser.add_argument("-q", "--quiet", action="store_true", help=_QUIET_HELP)
    commands = parser.add_subparsers(
        dest="command", required=True, parser_class=_Parser, metavar="command"
    )
    built: set[str] = set()
    for name, (group, text) in COMMANDS.items():
        if group in built:
            continue
        if command is None or COMMANDS.get(command, ("",))[0] == group:
            importlib.import_module(f".{group}", __name__).add_command(commands)
            built.add(group)
        else:
            commands.add_parser(name, help=text)
    for name, sub in commands.choices.items():
        if COMMANDS[name][0] in built:
            # --quiet after the command too; SUPPRESS keeps a --quiet given before it.
            sub.add_argument(
                "-q", "--quiet", action="store_true", default=argparse.SUPPRESS, help=_QUIET_HELP
            )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``deception-sim``; returns the exit code."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    command = next((a for a in arguments if not a.startswith("-")), "")
    try:
        args = build_parser(command if command in COMMANDS else "").parse_args(arguments)
        if args.quiet:
            # Progress bars and "wrote FILE" go to stderr; errors are printed below.
            with contextlib.redirect_stderr(io.StringIO()):
                args.run(args)
        else:
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
