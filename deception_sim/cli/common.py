"""What every command of ``deception-sim`` shares: the parser, errors, output and model options.

* :class:`_Parser` turns every argparse error into :class:`UsageError`, which
  ``main`` prints as one line with exit code 2; its help shows each option's
  default.
* :func:`add_model_options` generates the model's options (``--train``,
  ``--deploy``, ``--honeypot``, ``--detect``, ...) from the one table of the
  model's parameters (:data:`deception_sim.model.PARAMETERS`), and
  :func:`model_from` builds the model from them with
  :func:`deception_sim.model.build_model`.
* :func:`_emit` prints a table or writes it whole to a file.

>>> parser = _Parser(prog="demo")
>>> add_model_options(parser)
>>> schedule, update, payoffs = model_from(parser.parse_args(["--train", "2", "--deploy", "3"]))
>>> schedule, update, payoffs.utility
(Schedule.fixed(train=2, deploy=3), HardUpdate(), 'count')
>>> list(_sweep_values("--train", "0:10:5", "int"))
[0, 5, 10]
"""

from __future__ import annotations

import argparse
import contextlib
import math
import sys
import warnings
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, overload

import numpy as np

from .. import _files, _validate
from ..model import (
    OWNERS,
    PARAMETERS,
    DiscreteDistribution,
    EpisodeKinds,
    Kind,
    Parameter,
    Payoffs,
    build_model,
)
from ..report import FORMATS

if TYPE_CHECKING:
    from ..model import Schedule, UpdateRule


class UsageError(ValueError):
    """Bad input on the command line."""


class _HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Shows an option's default after its help, unless there is none (``None``, off)."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        if action.default is None or action.default is False:
            return action.help
        return super()._get_help_string(action)


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line (``main`` exits with code 2)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _HelpFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


# ---------------------------------------------------------------------------- output
def add_output_options(container: argparse._ActionsContainer, *, tables: str = "the table") -> None:
    """``--format`` and ``--output`` (checked when parsed, before any work)."""
    container.add_argument(
        "--format", choices=FORMATS, default="markdown", help=f"how to write {tables}"
    )
    container.add_argument(
        "--output", type=output_file, help=f"write {tables} here instead of stdout"
    )


def output_file(text: str) -> Path:
    """An argparse ``type``: a path a file can be written to (its folder exists, ...).

    Checked when the command line is parsed, so a bad path fails before the work.

    >>> output_file("")
    Traceback (most recent call last):
    ...
    argparse.ArgumentTypeError: must be a file name, got ''
    """
    try:
        return _files.check_output_file("", text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error).strip()) from None


def output_folder(text: str) -> Path:
    """An argparse ``type``: a folder that exists or can be made, and can be written in."""
    try:
        return _files.check_output_folder("", text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error).strip()) from None


@contextlib.contextmanager
def warnings_as_lines() -> Iterator[None]:
    """Within the block, a warning is printed as one line on standard error.

    >>> import warnings
    >>> with warnings_as_lines():
    ...     warnings.warn("careful")
    """

    def show(message: Warning | str, category: type[Warning], *_: object, **__: object) -> None:
        print(f"deception-sim: warning: {message}", file=sys.stderr)

    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.showwarning = show
        yield


def _emit(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text)
        return
    # Written whole to a temporary file in the same folder, then renamed: a failure
    # leaves nothing half-written, and two commands never share a temporary file.
    _files.atomic_write(output, text)
    print(f"wrote {output}", file=sys.stderr)


# ---------------------------------------------------------------------------- model options
_TITLES: dict[str, str] = {"schedule": "schedule", "update": "update rule", "payoffs": "payoffs"}

# Where the command line spells a parameter otherwise than --NAME-WITH-DASHES ...
_OPTIONS: dict[str, str] = {
    "train_length": "--boundary",
    "honeypot_rate": "--honeypot",
    "observable": "--unobservable",  # a flag: given, the cue says nothing
    "kinds": "--kind",  # repeated: one kind of episode each
}
# ... and says more than the table (the syntax of its text, what goes with what).
_HELP: dict[str, str] = {
    "horizon": "horizon N (with --boundary)",
    "train_length": "random training length over 0..N: uniform:LOW,HIGH | geometric:P | "
    "pmf:P0,P1,...,PN",
    "observable": "the cue says nothing (q = 0.5)",
    "kinds": "a kind of episode, repeated for each: NAME:P_TRAIN[/P_DEPLOY] with optional "
    ",success=S ,detect=D ,honeypot=H (the kind's own rates); the probabilities of the "
    "kinds must sum to 1 in each phase",
}


def option_of(parameter: Parameter) -> str:
    """The command line's option for a model parameter.

    >>> from deception_sim.model import PARAMETERS
    >>> [option_of(p) for p in PARAMETERS[:6]]
    ['--train', '--deploy', '--horizon', '--boundary', '--honeypot', '--cue-accuracy']
    """
    return _OPTIONS.get(parameter.name, "--" + parameter.name.replace("_", "-"))


def _dest(parameter: Parameter) -> str:
    return option_of(parameter)[2:].replace("-", "_")


def add_model_options(
    parser: argparse.ArgumentParser,
    owners: Sequence[str] = OWNERS,
    *,
    title: str | None = None,
    defaults: Mapping[str, object] | None = None,
) -> None:
    """One option per parameter of the model objects ``owners``, grouped by object.

    ``title`` names the group (one owner only); ``defaults`` overrides the
    model's defaults for this command.
    """
    for owner in owners:
        group = parser.add_argument_group(title or _TITLES[owner])
        for parameter in PARAMETERS:
            if parameter.owner != owner:
                continue
            text = _HELP.get(parameter.name, parameter.help)
            if parameter.kind == "kinds":
                group.add_argument(option_of(parameter), action="append", metavar="SPEC", help=text)
                continue
            if parameter.kind == "flag":
                group.add_argument(option_of(parameter), action="store_true", help=text)
                continue
            default = (defaults or {}).get(parameter.name, parameter.default)
            if parameter.kind == "choice":
                group.add_argument(
                    option_of(parameter), choices=parameter.choices, default=default, help=text
                )
            else:
                group.add_argument(
                    option_of(parameter),
                    type=parameter.scalar or str,
                    default=default,
                    help=text,
                )


def model_from(args: argparse.Namespace) -> tuple[Schedule, UpdateRule, Payoffs]:
    """The model that the options of :func:`add_model_options` describe."""
    train, deploy, horizon = args.train, args.deploy, args.horizon
    values: dict[str, object] = {}
    if args.boundary is None:
        if horizon is not None:
            raise UsageError("--horizon goes with --boundary; use --train and --deploy")
        if train is None or deploy is None:
            raise UsageError("give --train and --deploy (or --horizon and --boundary)")
    else:
        if train is not None or deploy is not None:
            raise UsageError("--boundary goes with --horizon, not with --train/--deploy")
        if horizon is None:
            raise UsageError("--boundary needs --horizon")
        horizon = _validate.integer("horizon", horizon)
    for parameter in PARAMETERS:
        given = getattr(args, _dest(parameter))
        if parameter.kind == "kinds":
            if given:
                values[parameter.name] = kinds_from(given)
        elif parameter.kind == "distribution" and given is not None:
            values[parameter.name] = _boundary(given, horizon)
        elif parameter.kind == "flag":
            if given:
                values[parameter.name] = False
        elif given is not None:
            values[parameter.name] = given
    accuracy = values.get("cue_accuracy")
    if values.get("observable") is False and accuracy not in (None, 0.5, 1.0):
        # As the API: observable=False means cue_accuracy=0.5 (1.0 is the default).
        raise UsageError(f"--unobservable contradicts --cue-accuracy {accuracy}; give one")
    return build_model(values)


def payoffs_from(args: argparse.Namespace) -> Payoffs:
    """The payoffs that the options of ``add_model_options(parser, ["payoffs"])`` describe."""
    return Payoffs(**{p.name: getattr(args, _dest(p)) for p in PARAMETERS if p.owner == "payoffs"})


def kinds_from(specs: Sequence[str]) -> EpisodeKinds:
    """The kinds of episode that repeated ``--kind`` options describe.

    >>> kinds_from(["subtle:0.5/0.2,success=0.9", "obvious:0.5/0.8,honeypot=0.3"])
    EpisodeKinds((Kind('subtle', success=0.9), Kind('obvious', honeypot_rate=0.3)), \
train=(0.5, 0.5), deploy=(0.2, 0.8))
    """
    fields = {"success": "success", "detect": "detect", "honeypot": "honeypot_rate"}
    kinds, train, deploy = [], [], []
    for spec in specs:
        head, *options = spec.split(",")
        name, _, shares = head.partition(":")
        on_train, _, on_deploy = shares.partition("/")
        rates: dict[str, float] = {}
        try:
            for option in options:
                key, _, value = option.partition("=")
                if key.strip() not in fields:
                    raise UsageError(
                        f"--kind {spec!r}: unknown field {key.strip()!r}; "
                        "use success=, detect= or honeypot="
                    )
                rates[fields[key.strip()]] = float(value)
            train.append(float(on_train))
            deploy.append(float(on_deploy) if on_deploy else float(on_train))
        except ValueError as error:
            if isinstance(error, UsageError):
                raise
            raise UsageError(
                f"--kind must be NAME:P_TRAIN[/P_DEPLOY][,success=S][,detect=D][,honeypot=H] "
                f"with numbers, got {spec!r}"
            ) from None
        kinds.append(Kind(name.strip(), **rates))
    return EpisodeKinds(tuple(kinds), train=tuple(train), deploy=tuple(deploy))


def _boundary(text: str, horizon: int) -> np.ndarray | DiscreteDistribution:
    """The training length's distribution from ``--boundary`` (over ``0..horizon``)."""
    from scipy import stats

    kind, _, values = text.partition(":")
    try:
        numbers = [float(v) for v in _items("--boundary", values)] if values.strip() else []
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
        return _validate.probability_array("train_pmf", numbers)  # as the schedule names it
    raise UsageError(
        f"--boundary must be uniform:LOW,HIGH, geometric:P or pmf with {horizon + 1} "
        f"probabilities, got {text!r}"
    )


# ---------------------------------------------------------------------------- lists of values
MAX_RANGE_VALUES = 2**53
"""Most values ``START:STOP:STEP`` may give (beyond, consecutive floats would repeat)."""


def _items(option: str, text: str) -> list[str]:
    """The comma-separated items of ``text``, each non-empty (``'0.1,'`` is refused)."""
    items = [item.strip() for item in text.split(",")]
    if not all(items):
        raise UsageError(f"{option} {text!r}: an empty value (two commas, or one at an end)")
    return items


def _float_values(option: str, text: str) -> Sequence[float]:
    """Numbers given as for :func:`_sweep_values` (a range is not materialized)."""
    values = _sweep_values(option, text, "float")
    if isinstance(values, _Range):
        return values
    return [float(value) for value in values]


class _Range(Sequence[float]):
    """``START:STOP:STEP`` as a sequence whose values are computed when read.

    Its length is known at once, so a grid is sized before any of its values
    exists (a billion values cost nothing until they are asked for).

    >>> r = _Range(0.0, 0.1, 11)
    >>> len(r), r[3], r[-1], list(r[:2])
    (11, 0.3, 1.0, [0.0, 0.1])
    """

    def __init__(self, start: float, step: float, size: int) -> None:
        self.start, self.step, self.size = start, step, size

    def __len__(self) -> int:
        return self.size

    def _value(self, i: int) -> float:
        return round(float(self.start + i * self.step), 12) + 0.0

    @overload
    def __getitem__(self, index: int) -> float: ...

    @overload
    def __getitem__(self, index: slice) -> list[float]: ...

    def __getitem__(self, index: int | slice) -> float | list[float]:
        if isinstance(index, slice):
            return [self._value(i) for i in range(*index.indices(self.size))]
        i = index + self.size if index < 0 else index
        if not 0 <= i < self.size:
            raise IndexError(f"index {index} out of range")
        return self._value(i)

    def __repr__(self) -> str:
        return f"_Range(start={self.start!r}, step={self.step!r}, size={self.size})"


def _sweep_values(option: str, text: str, kind: str) -> Sequence[int | float | str]:
    """``5``, ``0,1,2.5`` or ``START:STOP[:STEP]`` (STOP included) as a sequence of values.

    ``kind`` is ``"int"``, ``"float"`` or ``"str"`` (a comma-separated list).
    Parsing is strict: every number finite, no empty item. A range is not
    materialized (a ``range``, or a :class:`_Range` of floats), so its size
    can be checked before its values exist.

    >>> _sweep_values("--train", "0:1e12", "int")
    range(0, 1000000000001)
    >>> _sweep_values("--train", "0:inf", "int")
    Traceback (most recent call last):
    ...
    deception_sim.cli.common.UsageError: --train: 'inf' is not a finite number
    """
    if kind == "str":
        return list(_items(option, text))

    def number(part: str) -> float | int:
        try:
            value = float(part)
        except ValueError:
            raise UsageError(f"{option}: {part.strip()!r} is not a number") from None
        if not math.isfinite(value):
            raise UsageError(f"{option}: {part.strip()!r} is not a finite number")
        return int(value) if kind == "int" and value.is_integer() else value

    if ":" in text:
        parts = text.split(":")
        if len(parts) not in (2, 3):
            raise UsageError(f"{option} must be START:STOP or START:STOP:STEP, got {text!r}")
        start, stop = number(parts[0]), number(parts[1])
        step = number(parts[2]) if len(parts) == 3 else 1
        if not step > 0 or stop < start:
            raise UsageError(f"{option} {text!r}: STEP must be > 0 and STOP >= START")
        if isinstance(start, int) and isinstance(stop, int) and isinstance(step, int):
            return range(start, stop + 1, step)
        span = (stop - start) / step
        if not span < MAX_RANGE_VALUES:
            raise UsageError(
                f"{option} {text!r} gives more than {MAX_RANGE_VALUES} values; use a larger STEP"
            )
        return _Range(float(start), float(step), int(span + 1e-9) + 1)
    return [number(part) for part in _items(option, text)]
