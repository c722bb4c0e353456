"""Hostile input: every public constructor and entry point, and the command line's argument
vectors, fed values a hostile user would try.

For every input the answer is a result within its bounds, or a ``ValueError``/``TypeError``
whose message names a parameter; never another exception, and never a traceback from the
command line (which answers one line and exit code 2). Derandomized and bounded (the ``ci``
profile); each test's ``max_examples`` says how many inputs it tries per run, and
:data:`INPUTS_PER_RUN` adds them up.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from deception_sim import (
    Bayesian,
    Concept,
    Deceptive,
    Greedy,
    Memoryless,
    Payoffs,
    Plan,
    Schedule,
    Strategy,
    Threshold,
    UpdateRule,
    crossover,
    drift_trajectory,
    evaluate,
    optimize,
    parse_strategy,
    simulate,
    solve_zero_sum,
    standard_world,
    sweep,
)
from deception_sim.cli import main
from deception_sim.games import audit_game, honeypot_game, training_length_game
from deception_sim.model import PARAMETER_NAMES, limits
from deception_sim.model.measures import MEASURES, RESULT
from deception_sim.report import render, results_table
from deception_sim.strategies import metadata

EXAMPLES = {
    "api": 100,
    "engines": 150,
    "tables": 80,
    "sweep": 80,
    "games": 80,
    "report": 40,
    "cli": 400,
}
"""Inputs tried per run, by test (the constructors' test runs once per target)."""

TARGETS = 14
"""Targets of :func:`test_constructors_answer_or_name_a_parameter`."""

INPUTS_PER_RUN = EXAMPLES["api"] * TARGETS + sum(v for k, v in EXAMPLES.items() if k != "api")
"""How many hostile inputs the suite tries per run (in the ``ci`` profile): 2,230."""


def test_the_suite_tries_what_it_says() -> None:
    assert INPUTS_PER_RUN == 2230


def fuzz(examples: int) -> settings:
    """The settings of one fuzz test: ``examples`` inputs (the profile's other settings kept)."""
    return settings(
        max_examples=examples,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )


@pytest.fixture(autouse=True)
def _small_budget():
    """Sizes beyond a small budget are refused by the limits, never allocated (and runs
    beyond a few seconds' worth are refused, never run)."""
    with limits.limited_memory("64M"), limits.limited_time("5s"):
        yield


# ---------------------------------------------------------------------------- hostile values
_SPECIAL = [
    0,
    -1,
    1,
    2,
    3,
    2**31,
    10**12,
    2**63,
    -(2**63),
    10**400,
    0.0,
    -0.0,
    0.5,
    1.0,
    1 - 1e-16,
    1 + 1e-16,
    5e-324,
    1e-300,
    1e308,
    -1e308,
    math.nan,
    math.inf,
    -math.inf,
    True,
    False,
    None,
    "",
    "1",
    "nan",
    "0.5",
    "count",
    "any",
    "train",
    b"1",
    1 + 2j,
    Fraction(1, 3),
    np.float64(0.5),
    np.int64(3),
    np.float32("nan"),
    np.bool_(True),
]

scalars = st.one_of(
    st.sampled_from(_SPECIAL),
    st.integers(-3, 12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(0.0, 1.0),
    st.text(max_size=6),
)
plausible = st.one_of(st.integers(0, 6), st.floats(0.0, 1.0), st.sampled_from([0.5, 1.0, 0.9]))
values = st.one_of(
    plausible,
    scalars,
    st.lists(scalars, max_size=5),
    st.lists(st.floats(0.0, 1.0), min_size=1, max_size=8).map(np.array),
    st.sampled_from([[], {}, (), object(), np.zeros((2, 2)), np.array("x"), {"train": 0.5}]),
)


def _names_a_parameter(error: Exception, names: tuple[str, ...]) -> None:
    """The message's first line names a parameter (a value shown may run over several)."""
    first = (str(error).splitlines() or [""])[0]
    assert any(name in first for name in names), (names, str(error))


def _answers(call: Callable[[], object], names: tuple[str, ...]) -> object | None:
    """The result of ``call``, or ``None`` after a ValueError/TypeError that names a parameter."""
    try:
        result = call()
    except (ValueError, TypeError) as error:
        _names_a_parameter(error, names)
        event("refused")
        return None
    event("answered")
    return result


def _in_range(result: object) -> None:
    for name in RESULT:
        value = getattr(result, name)
        assert isinstance(value, float) and MEASURES[name].contains(value), (name, value)


SMALL = Schedule.fixed(2, 3, honeypot_rate=0.25)

# ---------------------------------------------------------------------------- constructors
_TARGETS: dict[str, tuple[Callable[..., object], tuple[str, ...], int]] = {
    "Schedule": (
        lambda a, b, c, d, e: Schedule(a, b, c, d, e),
        ("horizon", "train_pmf", "honeypot_rate", "cue_accuracy", "continue_prob"),
        5,
    ),
    "Schedule.fixed": (
        lambda a, b, c, d, e: Schedule.fixed(
            a, b, honeypot_rate=c, cue_accuracy=d, continue_prob=e
        ),
        ("train", "deploy", "honeypot_rate", "cue_accuracy", "continue_prob"),
        5,
    ),
    "Schedule.fixed observable": (
        lambda a, b, c: Schedule.fixed(a, b, observable=c),
        ("train", "deploy", "observable"),
        3,
    ),
    "Schedule.random_boundary": (
        lambda a, b, c: Schedule.random_boundary(a, b, cue_accuracy=c),
        ("horizon", "train_pmf", "train_length", "cue_accuracy"),
        3,
    ),
    "Schedule.unknown_horizon": (
        lambda a, b, c, d: Schedule.unknown_horizon(a, b, horizon=c, tail=d),
        ("train", "continue_prob", "horizon", "tail"),
        4,
    ),
    "UpdateRule": (lambda a, b, c: UpdateRule(a, b, c), ("detect", "rate", "drift"), 3),
    "Payoffs": (
        lambda a, b, c, d, e: Payoffs(a, b, c, d, e),
        ("v_deploy", "v_overseen", "success", "utility", "discount"),
        5,
    ),
    "Plan": (lambda a: Plan(a), ("plan", "Plan"), 1),
    "Threshold": (lambda a: Threshold(a), ("start", "threshold", "Threshold"), 1),
    "Memoryless": (lambda a: Memoryless(a), ("memoryless", "Memoryless", "p", "probab"), 1),
    "Bayesian": (lambda a: Bayesian(a), ("threshold", "Bayesian"), 1),
    "parse_strategy": (lambda a: parse_strategy(a), ("policy", "plan", "memoryless"), 1),
    "Concept": (lambda a, b, c: Concept(a, b, c), ("name", "complexity_bits", "agreement"), 3),
    "standard_world": (
        lambda a, b, c: standard_world(a, intended_bits=b, register_bits=c),
        ("label_noise", "intended_bits", "register_bits", "complexity_bits"),
        3,
    ),
}
assert len(_TARGETS) == TARGETS


def _use(built: object) -> None:
    """Put a constructed object to work; its results must be within their bounds."""
    if isinstance(built, Schedule) and built.horizon <= 12:
        for policy in (Greedy(), Deceptive(), Memoryless(0.5)):
            _in_range(evaluate(policy, built, UpdateRule(detect=0.5, rate=0.5)))
        _in_range(simulate(Memoryless(0.5), built, runs=20, seed=0, curves=False))
    elif isinstance(built, (UpdateRule, Payoffs)):
        update = built if isinstance(built, UpdateRule) else UpdateRule()
        pay = built if isinstance(built, Payoffs) else Payoffs()
        if len(limits_levels := _levels(update, pay)) <= 200:
            assert len(limits_levels) >= 1
            _in_range(evaluate(Memoryless(0.5), SMALL, update, pay))
            _in_range(simulate(Deceptive(), SMALL, update, pay, runs=20, seed=0, curves=False))
    elif isinstance(built, Strategy):
        _answers(lambda: _in_range(evaluate(built, SMALL)), ("plan", "Plan", "decision table"))


def _levels(update: UpdateRule, pay: Payoffs):
    from deception_sim import objective_levels

    try:
        return objective_levels(update, pay.indifference, horizon=SMALL.horizon)
    except ValueError:
        return ()


@pytest.mark.parametrize("target", sorted(_TARGETS))
def test_constructors_answer_or_name_a_parameter(target: str) -> None:
    build, names, arity = _TARGETS[target]

    @fuzz(EXAMPLES["api"])
    @given(st.tuples(*[values] * arity))
    def check(arguments: tuple) -> None:
        built = _answers(lambda: build(*arguments), names)
        if built is not None:
            _use(built)

    check()


# ---------------------------------------------------------------------------- engines
_MODEL_NAMES = (
    "policy",
    "schedule",
    "update",
    "payoffs",
    "runs",
    "seed",
    "curves",
    "information",
    "plan",
)
models_or_junk = st.one_of(st.just(None), values)


@fuzz(EXAMPLES["engines"])
@given(
    st.sampled_from(["evaluate", "simulate", "optimize"]),
    st.sampled_from([Greedy(), Memoryless(0.3), Plan("BBA"), Threshold(2), "greedy", None]),
    st.sampled_from([SMALL, Schedule.fixed(1, 1, cue_accuracy=0.7), Schedule.fixed(0, 0), "T=2"]),
    st.sampled_from([None, UpdateRule(detect=0.5, rate=0.3), UpdateRule(drift=0.2), "hard"]),
    st.sampled_from([None, Payoffs(utility="any"), Payoffs(discount=0.5), {"v_deploy": 2}]),
    st.one_of(st.sampled_from([10, 1, "clock", "memoryless", "known_phase", True]), values),
)
def test_engines_answer_or_name_a_parameter(name, policy, schedule, update, pay, extra) -> None:
    def call() -> object:
        if name == "evaluate":
            return evaluate(policy, schedule, update, pay, curves=bool(extra is True))
        if name == "simulate":
            return simulate(policy, schedule, update, pay, runs=extra, seed=0, curves=False)
        return optimize(schedule, update, pay, information=extra)

    result = _answers(call, _MODEL_NAMES)
    if result is not None and name != "optimize":
        _in_range(result)


class _Hostile(Strategy):
    """A user-written strategy whose decision table is whatever the test says."""

    def __init__(self, table: object) -> None:
        self.table = table

    def decision_table(self, schedule: Schedule) -> np.ndarray:
        return self.table  # type: ignore[return-value]

    @property
    def metadata(self) -> dict[str, bool]:
        return metadata()

    def __repr__(self) -> str:
        return "_Hostile(...)"


tables = st.one_of(
    st.lists(st.lists(st.floats(0.0, 1.0), min_size=2, max_size=2), min_size=5, max_size=5),
    st.floats(0.0, 1.0).map(lambda p: np.broadcast_to(np.array([[p, 1.0 - p]]), (5, 2))),
    values,
    st.lists(st.lists(scalars, min_size=2, max_size=2), min_size=5, max_size=5),
    st.lists(st.lists(st.floats(-1.0, 2.0), min_size=2, max_size=2), min_size=5, max_size=5),
    st.sampled_from(
        [np.full((5, 2), np.nan), np.full((5, 2), -0.5), np.full((5, 2), 1.5), np.ones((5, 3))]
    ),
)


@fuzz(EXAMPLES["tables"])
@given(tables)
def test_user_written_tables_are_checked_where_they_enter(table) -> None:
    for engine in (evaluate, lambda p, s: simulate(p, s, runs=20, seed=0, curves=False)):
        result = _answers(lambda e=engine: e(_Hostile(table), SMALL), ("decision table",))
        if result is not None:
            _in_range(result)
            good = np.asarray(table, dtype=float)
            assert np.isfinite(good).all() and (good >= 0).all() and (good <= 1).all()


# ---------------------------------------------------------------------------- sweeps, games
small_axes = st.lists(st.integers(0, 3), min_size=1, max_size=2)
working_grids = st.builds(
    lambda t, d, extra: {"train": t, "deploy": d, **extra},
    small_axes,
    small_axes,
    st.dictionaries(
        st.sampled_from(["detect", "honeypot_rate", "utility", "discount"]),
        st.sampled_from([0.5, [0.0, 1.0], "any", 0.9]),
        max_size=2,
    ),
)
grids = st.one_of(
    working_grids,
    working_grids,
    values,
    st.dictionaries(
        st.sampled_from(["train", "deploy", "detect", "utility", "honeypot_rate", "horizon", "x"]),
        st.one_of(values, st.lists(st.integers(0, 3), min_size=1, max_size=3)),
        max_size=4,
    ),
    st.builds(
        lambda t, d, extra: {"train": t, "deploy": d, **extra},
        st.lists(st.integers(0, 3), min_size=1, max_size=2),
        st.lists(st.integers(0, 3), min_size=1, max_size=2),
        st.dictionaries(st.sampled_from(["detect", "cue_accuracy", "observable"]), values),
    ),
)
SWEEP_NAMES = (
    *PARAMETER_NAMES,
    "grid",
    "strategies",
    "mode",
    "runs",
    "seed",
    "chunk_size",
    "closed_form",
    "progress",
    "executor",
    "policy",
    "plan",
    "memoryless",
    "information",
)


@fuzz(EXAMPLES["sweep"])
@given(
    grids,
    st.one_of(
        st.just(None),
        st.sampled_from(["greedy", "optimal", "optimal:memoryless", ["deceptive", "BBA"]]),
        st.sampled_from(["memoryless:0.1,", ["greedy", "greedy"], "optimal:psychic"]),
        values,
    ),
    st.sampled_from(["evaluate", "evaluate", "simulate", "optimize", "best"]),
    values,
)
def test_sweep_answers_or_names_a_parameter(grid, strategies, mode, option) -> None:
    table = _answers(
        lambda: sweep(
            grid,
            strategies,
            mode=mode,
            runs=20,
            executor="serial",
            chunk_size=option if isinstance(option, int) and option > 0 else None,
            closed_form=option if isinstance(option, bool) else True,
            progress=False,
        ),
        SWEEP_NAMES,
    )
    if isinstance(table, pd.DataFrame):
        for name in RESULT:
            if name in table:
                assert all(MEASURES[name].contains(v) for v in table[name]), name


@fuzz(EXAMPLES["games"])
@given(
    st.sampled_from(["training", "honeypot", "audit", "zero_sum", "drift"]),
    st.one_of(st.sampled_from([1, 2, 3, [0.0, 0.5, 1.0], "X", [[1, -1], [0, 2]]]), values),
    st.one_of(st.sampled_from([0.5, [1.0], "first", "spread", 10, 0.9]), values),
)
def test_games_and_drift_answer_or_name_a_parameter(which, a, b) -> None:
    calls = {
        "training": (
            lambda: training_length_game(a, oversight_cost=b).solve(),
            ("horizon", "oversight_cost", "min_deploy_share"),
        ),
        "honeypot": (
            lambda: honeypot_game(2, 3, a, detects=b).solve(),
            ("rates", "detects", "train", "deploy"),
        ),
        "audit": (
            lambda: audit_game(1, 3, a, placements=b).solve(),
            ("audits", "placements", "deploy"),
        ),
        "zero_sum": (lambda: solve_zero_sum(a), ("matrix",)),
        "drift": (
            lambda: (
                drift_trajectory(standard_world().learn("X", "Y", at=2, rate=0.1), a, b),
                crossover(standard_world(0.05), a, "Y", beta=b),
            ),
            ("goal", "steps", "first", "second", "beta", "concept"),
        ),
    }
    call, names = calls[which]
    _answers(call, names)


@fuzz(EXAMPLES["report"])
@given(values, values)
def test_report_answers_or_names_a_parameter(table, fmt) -> None:
    _answers(lambda: render(table, fmt), ("table", "format"))
    _answers(lambda: results_table(table), ("results",))


# ---------------------------------------------------------------------------- the command line
_TOKENS = [
    "",
    "-1",
    "0",
    "1",
    "3",
    "0.5",
    "nan",
    "inf",
    "-inf",
    "1e308",
    "1e-9",
    "0:3",
    "0:1e12",
    "0:nan",
    "3:0",
    "0:1:0",
    "1,,2",
    "0.1,",
    "a",
    "x.csv",
    "/",
    "-",
    "é",
    "greedy",
    "deceptive",
    "memoryless:0.1,",
    "memoryless:0.2,0.8",
    "threshold:inf",
    "BBAAA",
    "optimal:clock",
    "count",
    "any",
    "uniform:1,2",
    "pmf:0.5,0.5",
    "geometric:0",
]
_MODEL = ["--train", "2", "--deploy", "3"]
_MONITOR = ["--monitor", "beta:7.39,6.86/beta:8.91,2.82"]
_COMMANDS: dict[str, tuple[list[str], list[str]]] = {
    "evaluate": (
        [*_MODEL, "--policy", "greedy"],
        ["--policy", "--honeypot", "--cue-accuracy", "--detect", "--rate", "--format"],
    ),
    "simulate": (
        [*_MODEL, "--policy", "deceptive", "--runs", "50"],
        ["--policy", "--runs", "--seed", "--discount", "--continue-prob", "--success"],
    ),
    "optimize": (_MODEL, ["--information", "--rate", "--drift", "--boundary", "--horizon"]),
    "sweep": (
        ["--train", "0:2", "--deploy", "1,2"],
        ["--train", "--honeypot", "--policy", "--mode", "--runs", "--utility", "--output"],
    ),
    "game training-length": (
        ["--horizon", "3"],
        ["--horizon", "--oversight-cost", "--min-deploy-share", "--concept"],
    ),
    "game honeypot": (
        _MODEL,
        ["--rates", "--detects", "--detection-cost", "--oversight-cost", "--objective"],
    ),
    "game audit": ([*_MODEL, "--audits", "1"], ["--audits", "--placements", "--objective"]),
    "drift select": ([], ["--examples", "--beta", "--fidelity", "--label-noise", "--proxy"]),
    "drift crossover": ([], ["--label-noise", "--gap", "--beta", "--fidelity"]),
    "drift trajectory": (
        ["--steps", "20"],
        ["--rate", "--back-rate", "--learn-at", "--steps", "--every", "--goal", "--edge"],
    ),
    "reproduce": (["--only", "no-such-analysis"], ["--out", "--analyses"]),
    "control evaluate": (
        [*_MONITOR, "--tasks", "20", "--audits", "2", "--attack-rate", "0.05"],
        ["--tasks", "--audits", "--attack-rate", "--runs", "--protocol", "--monitor"],
    ),
}
_FLAGS = ["--unobservable", "--all-plans", "--curves", "--curve", "--observable"]


_PLAUSIBLE = ["0", "1", "2", "0.5", "0.9", "0.2,0.8", "1,2", "count", "greedy", "csv", "json"]


@st.composite
def argument_vectors(draw: st.DrawFn) -> list[str]:
    """A command with a working base, and options with plausible or hostile values."""
    command = draw(st.sampled_from(sorted(_COMMANDS)))
    base, options = _COMMANDS[command]
    argv = [*command.split(), *base]
    hostile = draw(st.booleans())
    tokens = st.one_of(st.sampled_from(_TOKENS), st.text(max_size=5))
    for option in draw(st.lists(st.sampled_from(options), max_size=3)):
        argv += [option, draw(tokens if hostile else st.sampled_from(_PLAUSIBLE))]
    if hostile:
        argv += draw(st.lists(st.sampled_from(_FLAGS), max_size=1))
    return argv


@fuzz(EXAMPLES["cli"])
@given(argument_vectors())
def test_the_command_line_answers_or_says_one_line(argv) -> None:
    import contextlib
    import io
    import tempfile

    out, err = io.StringIO(), io.StringIO()
    # options such as --output and --out take drawn values as file names: any file a
    # command writes lands in a scratch folder, never in the working tree
    with (
        tempfile.TemporaryDirectory() as scratch,
        contextlib.chdir(scratch),
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
    ):
        try:
            code = main(argv)
        except SystemExit as stop:  # argparse's own exit (e.g. a missing command)
            code = stop.code
    text = err.getvalue()
    event(f"exit code {code}")
    assert code in (0, 2), (argv, code, text)
    assert "Traceback" not in text
    if code == 2:
        assert text.startswith("deception-sim: error: ") and text.count("\n") == 1, (argv, text)


class _Nameless(Strategy):
    """A user-written strategy without a ``__repr__``: its repr holds a memory address."""

    def decision_table(self, schedule: Schedule) -> np.ndarray:
        return np.full((schedule.horizon, 2), 0.5)

    @property
    def metadata(self) -> dict[str, bool]:
        return metadata(stochastic=True)


def test_a_repr_with_a_memory_address_never_reaches_a_table() -> None:
    result = evaluate(_Nameless(), SMALL)
    with pytest.warns(UserWarning, match="no __repr__ of its own"):
        row = results_table([result]).iloc[0]
    assert row["policy"] == "_Nameless(...)" and "0x" not in row["policy"]
    with pytest.raises(ValueError, match="strategies: _Nameless has no __repr__"):
        sweep({"train": [1], "deploy": [1]}, [_Nameless()])
