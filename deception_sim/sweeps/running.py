"""Parameter sweeps (SPEC 3.7): a grid of model parameters in, one tidy DataFrame out.

:func:`sweep` evaluates (exactly or by Monte Carlo) or optimizes every
strategy at every point of a grid of model parameters and returns one row per
(parameter point, strategy), with the parameters as columns. Parameters are
named as in the model objects:

=====================  =====================================================
schedule               ``train``, ``deploy`` (:meth:`Schedule.fixed`), or
                       ``horizon`` and ``train_length``
                       (:meth:`Schedule.random_boundary`); ``honeypot_rate``,
                       ``cue_accuracy``, ``observable``, ``continue_prob``
update rule            ``detect``, ``rate``, ``drift``
payoffs                ``v_deploy``, ``v_overseen``, ``success``, ``utility``,
                       ``discount``
whole model objects    ``schedule``, ``update``, ``payoffs`` (instead of
                       their fields)
=====================  =====================================================

How the work is done:

* **Closed forms.** Under the hard update with a perfect cue and a fixed
  boundary (the seed's model, honeypots, discounting and an unknown horizon
  included), the payoffs of ``Greedy``, ``Deceptive``, ``Aligned`` and the
  optimal policy are closed-form expressions; they are computed for all such
  cells of a chunk at once, as numpy arrays (see :func:`seed_model_payoffs`).
  Any other cell, or a cell whose optimal choice is too close to call in
  floating point, is solved by :func:`~deception_sim.exact` and
  :func:`~deception_sim.solvers` as usual.
* **Chunks and executors.** The grid's cells are numbered in grid order and
  cut into chunks of consecutive cells; chunks run serially, in a process
  pool, or on any executor with ``submit`` (a ``concurrent.futures``
  executor, or a Dask ``distributed.Client``).
* **Checkpoints.** With ``checkpoint=PATH`` every finished chunk is appended
  to a file (Parquet, or CSV) with the fingerprint of the sweep's arguments;
  a rerun skips the cells it finds there (see :mod:`deception_sim.sweeps.checkpoint`).
"""

from __future__ import annotations

import concurrent.futures as cf
import itertools
import math
import os
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .. import _validate
from ..exact import evaluate
from ..model.payoffs import Payoffs
from ..model.schedule import Schedule
from ..model.update import UpdateRule
from ..montecarlo import SCALARS, simulate
from ..solvers import INFORMATION, Optimal, optimize
from ..strategies import Aligned, Deceptive, Greedy, Strategy, parse_strategy
from .checkpoint import KEYS, Checkpoint

__all__ = ["MODES", "PARAMETERS", "seed_model_payoffs", "sweep"]

SCHEDULE_PARAMETERS: tuple[str, ...] = (
    "train",
    "deploy",
    "horizon",
    "train_length",
    "honeypot_rate",
    "cue_accuracy",
    "observable",
    "continue_prob",
)
UPDATE_PARAMETERS: tuple[str, ...] = ("detect", "rate", "drift")
PAYOFF_PARAMETERS: tuple[str, ...] = ("v_deploy", "v_overseen", "success", "utility", "discount")
OBJECT_PARAMETERS: tuple[str, ...] = ("schedule", "update", "payoffs")
PARAMETERS: tuple[str, ...] = (
    SCHEDULE_PARAMETERS + UPDATE_PARAMETERS + PAYOFF_PARAMETERS + OBJECT_PARAMETERS
)
"""Every name a sweep grid may use."""

MODES: tuple[str, ...] = ("evaluate", "simulate", "optimize")
"""``evaluate``: exact payoffs; ``simulate``: Monte Carlo; ``optimize``: the solver's answer."""

EXACT_COLUMNS: tuple[str, ...] = SCALARS
OPTIMIZE_COLUMNS: tuple[str, ...] = ("value", "base", "rule", "method")

SERIAL_BELOW = {"evaluate": 256, "simulate": 16, "optimize": 32}
"""Sweeps with fewer (cell, strategy) pairs to solve than this run in the calling process."""

FAST_CHUNK = 1 << 16
"""Cells per chunk when every cell has a closed form."""

MAX_SLOW_CHUNK = 64
"""Most cells per chunk otherwise (a kill loses at most the chunks in flight)."""

SAMPLE_CELLS = 4096
"""Cells looked at to decide whether a sweep is all closed forms."""

# How the live agent behaves in a seed-model cell (see seed_model_payoffs).
TRAIN_DEFECT, DEPLOY_DEFECT, NEVER = 0, 1, 2

_TIE = 1e-14  # below this relative gap a tie is certain, and the solver complies
_CLEAR = 1e-9  # above it the solver's choice is certain; in between, ask the solver


# ---------------------------------------------------------------------------- grid
@dataclass(frozen=True)
class _Grid:
    """The axes of a sweep; cell ``i`` is the ``i``-th point of their product."""

    names: tuple[str, ...]
    values: tuple[tuple[Any, ...], ...]

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(len(v) for v in self.values)

    @property
    def size(self) -> int:
        return math.prod(self.shape)

    def indices(self, cells: np.ndarray) -> tuple[np.ndarray, ...]:
        return np.unravel_index(cells, self.shape)

    def params(self, cell: int) -> dict[str, Any]:
        where = np.unravel_index(cell, self.shape)
        return {
            name: values[int(i)]
            for name, values, i in zip(self.names, self.values, where, strict=True)
        }

    def columns(self, cells: np.ndarray, repeat: int = 1) -> dict[str, object]:
        """The parameter columns of the given cells, each cell's entry ``repeat`` times."""
        where = self.indices(cells)
        return {
            name: _labels(values).take(np.repeat(index, repeat) if repeat > 1 else index)
            for name, values, index in zip(self.names, self.values, where, strict=True)
        }

    def canonical(self) -> list:
        return [[name, [_canonical(v) for v in values]] for name, values in
                zip(self.names, self.values, strict=True)]


def _labels(values: tuple[Any, ...]) -> pd.api.extensions.ExtensionArray | np.ndarray:
    """An axis's values as a column: numbers and strings as they are, objects as text."""
    shown = [v if isinstance(v, (bool, int, float, str)) or v is None else _label(v)
             for v in values]
    if all(isinstance(v, str) for v in shown):
        return pd.array(shown, dtype="str")
    if all(isinstance(v, bool) for v in shown):
        return np.array(shown, dtype=bool)
    if all(isinstance(v, int) and not isinstance(v, bool) for v in shown):
        return np.array(shown, dtype=np.int64)
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in shown):
        return np.array(shown, dtype=float)
    return np.array(shown, dtype=object)


def _label(value: object) -> str:
    if hasattr(value, "dist") and hasattr(value, "args"):  # a frozen scipy.stats distribution
        arguments = [repr(a) for a in value.args]
        arguments += [f"{k}={v!r}" for k, v in sorted(value.kwds.items())]
        return f"{value.dist.name}({', '.join(arguments)})"
    return repr(value)


def _canonical(value: object) -> str:
    if value is None or isinstance(value, (bool, int, float, str)):
        return f"{type(value).__name__}:{value!r}"
    return f"{type(value).__name__}:{_label(value)}"


def _axis(name: str, given: object) -> tuple[Any, ...]:
    if isinstance(given, (str, bytes, Mapping)) or not isinstance(given, Iterable):
        given = [given]
    elif isinstance(given, np.ndarray) and given.ndim == 0:
        given = [given.item()]
    values = tuple(_check_value(name, v) for v in given)
    if not values:
        raise ValueError(f"grid axis {name!r} is empty; give it at least one value")
    return values


def _check_value(name: str, value: object) -> object:
    """One grid value, validated (the model's own message names the parameter)."""
    if isinstance(value, np.generic):
        value = value.item()
    if name in ("train", "deploy", "horizon"):
        return _validate.integer(name, value)
    if name == "honeypot_rate":
        if isinstance(value, (list, tuple, np.ndarray)):
            return tuple(_validate.probability_array(name, value).tolist())
        return _validate.probability(name, value)
    if name == "train_length":
        if hasattr(value, "pmf") and hasattr(value, "cdf"):
            return value
        if isinstance(value, (list, tuple, np.ndarray)):
            return tuple(_validate.probability_array(name, value).tolist())
        raise ValueError(
            f"train_length must be a scipy.stats discrete distribution or probabilities over "
            f"0..horizon (to sweep one list of probabilities, wrap it in a list), got {value!r}"
        )
    if name == "cue_accuracy":
        return _validate.real(name, value, low=0.5, high=1.0)
    if name == "observable":
        if value is not None and not isinstance(value, bool):
            raise ValueError(f"observable must be True, False or None, got {value!r}")
        return value
    if name == "continue_prob":
        return _validate.real(name, value, low=0.0, high=1.0, low_open=True)
    if name in UPDATE_PARAMETERS:
        return getattr(UpdateRule(**{name: value}), name)
    if name in PAYOFF_PARAMETERS:
        return getattr(Payoffs(**{name: value}), name)
    expected = {"schedule": Schedule, "update": UpdateRule, "payoffs": Payoffs}[name]
    if not isinstance(value, expected):
        raise ValueError(f"{name} values must be {expected.__name__} objects, got {value!r}")
    return value


def _grid(grid: object) -> _Grid:
    if not isinstance(grid, Mapping) or not grid:
        raise ValueError(
            "grid must be a non-empty mapping of parameter names to values, e.g. "
            "{'train': range(0, 11), 'deploy': range(0, 11)}"
        )
    names = tuple(grid)
    unknown = [name for name in names if name not in PARAMETERS]
    if unknown:
        raise ValueError(
            f"unknown grid parameter {unknown[0]!r}; the parameters are {', '.join(PARAMETERS)}"
        )
    given = set(names)
    for whole, fields in (
        ("schedule", SCHEDULE_PARAMETERS),
        ("update", UPDATE_PARAMETERS),
        ("payoffs", PAYOFF_PARAMETERS),
    ):
        clash = sorted(given & set(fields))
        if whole in given and clash:
            raise ValueError(f"grid gives both {whole!r} and its field {clash[0]!r}; give one")
    if "schedule" not in given:
        fixed, random = given & {"train", "deploy"}, given & {"horizon", "train_length"}
        if fixed and random:
            raise ValueError(
                "grid mixes a fixed boundary (train, deploy) with a random one "
                "(horizon, train_length); give one"
            )
        if random and random != {"horizon", "train_length"}:
            raise ValueError("a random boundary needs both 'horizon' and 'train_length'")
        if not random and fixed != {"train", "deploy"}:
            raise ValueError(
                "grid needs a schedule: 'train' and 'deploy', or 'horizon' and 'train_length', "
                "or 'schedule'"
            )
    return _Grid(names, tuple(_axis(name, grid[name]) for name in names))


def _model(params: Mapping[str, Any]) -> tuple[Schedule, UpdateRule, Payoffs]:
    """The model objects of one cell."""
    schedule = params.get("schedule")
    if schedule is None:
        common = {
            name: np.array(params[name]) if isinstance(params[name], tuple) else params[name]
            for name in ("honeypot_rate", "cue_accuracy", "observable", "continue_prob")
            if name in params
        }
        if "train_length" in params:
            length = params["train_length"]
            length = np.array(length) if isinstance(length, tuple) else length
            schedule = Schedule.random_boundary(params["horizon"], length, **common)
        else:
            schedule = Schedule.fixed(params["train"], params["deploy"], **common)
    update = params.get("update") or UpdateRule(
        **{name: params[name] for name in UPDATE_PARAMETERS if name in params}
    )
    payoffs = params.get("payoffs") or Payoffs(
        **{name: params[name] for name in PAYOFF_PARAMETERS if name in params}
    )
    return schedule, update, payoffs


# ---------------------------------------------------------------------------- strategies
@dataclass(frozen=True)
class _Solve:
    """The optimal policy of each cell, in one information setting."""

    information: str

    @property
    def name(self) -> str:
        return f"Optimal({self.information})"

    def __repr__(self) -> str:
        return f"optimal:{self.information}"


def _strategy(entry: object) -> Strategy | _Solve:
    if isinstance(entry, Optimal):
        raise ValueError(
            "strategies: an Optimal strategy is solved for one model; pass 'optimal' "
            "(or 'optimal:clock', 'optimal:memoryless') to solve every cell"
        )
    if isinstance(entry, Strategy):
        return entry
    if isinstance(entry, str):
        key, _, information = entry.strip().partition(":")
        if key.strip().lower() == "optimal":
            information = information.strip() or "known_phase"
            return _Solve(_validate.choice("information", information, INFORMATION))
        return parse_strategy(entry)
    raise ValueError(
        f"strategies must be Strategy objects or strings such as 'greedy' or 'optimal', "
        f"got {entry!r}"
    )


def _strategies(given: object, mode: str) -> tuple[Strategy | _Solve, ...]:
    if given is None:
        given = ["optimal"] if mode == "optimize" else [Greedy(), Deceptive()]
    if isinstance(given, (str, Strategy)) or not isinstance(given, Iterable):
        given = [given]
    out = tuple(_strategy(entry) for entry in given)
    if not out:
        raise ValueError("strategies is empty; give at least one strategy")
    names = [s.name for s in out]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ValueError(f"strategies lists {twice[0]} twice")
    if mode == "optimize" and not all(isinstance(s, _Solve) for s in out):
        raise ValueError(
            "strategies: mode='optimize' reports the solver's answer, so every strategy must "
            "be 'optimal' or 'optimal:SETTING'; use mode='evaluate' to compare others"
        )
    return out


# ---------------------------------------------------------------------------- one chunk
@dataclass(frozen=True)
class _Plan:
    """Everything a worker needs to compute a chunk (small, picklable)."""

    grid: _Grid
    strategies: tuple[Strategy | _Solve, ...]
    mode: str
    runs: int
    seed: int
    closed_form: bool

    def kinds(self) -> dict[str, str]:
        if self.mode == "evaluate":
            return dict.fromkeys(EXACT_COLUMNS, "float")
        if self.mode == "simulate":
            kinds = dict.fromkeys(SCALARS, "float")
            kinds.update(dict.fromkeys((f"{s}_se" for s in SCALARS), "float"))
            kinds["runs"] = "int"
            return kinds
        return dict(zip(OPTIMIZE_COLUMNS, ("float", "float", "str", "str"), strict=True))


def _run_chunk(plan: _Plan, start: int, stop: int) -> dict[str, np.ndarray]:
    """The rows of cells ``start..stop-1``: keys and result columns, cell-major."""
    return _compute(plan, np.arange(start, stop, dtype=np.int64))


def _compute(plan: _Plan, cells: np.ndarray) -> dict[str, np.ndarray]:
    n, count = cells.shape[0], len(plan.strategies)
    out: dict[str, np.ndarray] = {}
    for name, kind in plan.kinds().items():
        if kind == "float":
            out[name] = np.full((n, count), np.nan)
        elif kind == "int":
            out[name] = np.zeros((n, count), dtype=np.int64)
        else:
            out[name] = np.full((n, count), "", dtype=object)
    done = np.zeros((n, count), dtype=bool)
    if plan.closed_form and plan.mode == "evaluate":
        _closed_forms(plan, cells, out, done)
    models: dict[int, tuple[Schedule, UpdateRule, Payoffs]] = {}
    for i, j in zip(*np.nonzero(~done), strict=True):
        if i not in models:
            models[i] = _model(plan.grid.params(int(cells[i])))
        row = _solve_one(plan, int(cells[i]), int(j), *models[i])
        for name, value in row.items():
            out[name][i, j] = value
    rows = {
        "_cell": np.repeat(cells, count),
        "_strategy": np.tile(np.arange(count, dtype=np.int64), n),
    }
    rows.update({name: values.reshape(-1) for name, values in out.items()})
    return rows


def _solve_one(
    plan: _Plan, cell: int, j: int, schedule: Schedule, update: UpdateRule, payoffs: Payoffs
) -> dict[str, object]:
    strategy = plan.strategies[j]
    if plan.mode == "optimize":
        solution = optimize(schedule, update, payoffs, strategy.information)
        return {
            "value": solution.value,
            "base": solution.base,
            "rule": solution.policy.rule(),
            "method": solution.method,
        }
    policy = strategy
    if isinstance(strategy, _Solve):
        policy = optimize(schedule, update, payoffs, strategy.information).policy
    if plan.mode == "evaluate":
        result = evaluate(policy, schedule, update, payoffs)
        return {name: getattr(result, name) for name in EXACT_COLUMNS}
    # One stream per (cell, strategy): the same numbers however the grid is chunked.
    stream = np.random.SeedSequence(plan.seed, spawn_key=(cell, j))
    estimate = simulate(
        policy, schedule, update, payoffs, runs=plan.runs, seed=np.random.default_rng(stream),
        curves=False,
    )
    row = estimate.summary()
    return {name: row[name] for name in plan.kinds()}


# ---------------------------------------------------------------------------- closed forms
def _geometric(one_minus_x, n):
    """``sum(x**j for j < n)`` for ``x = 1 - one_minus_x``, accurate near ``x = 1``."""
    n = np.asarray(n, dtype=float)
    if np.ndim(one_minus_x) == 0 and one_minus_x == 0:
        return n
    with np.errstate(divide="ignore", invalid="ignore"):
        safe = np.where(one_minus_x > 0, one_minus_x, 1.0)
        power = np.where(n > 0, n * np.log1p(-safe), 0.0)
        return np.where(one_minus_x > 0, -np.expm1(power) / safe, n)


def _power(log_base, n):
    """``base ** n`` from ``log(base)``; 1 for ``n = 0`` even when the base is 0."""
    n = np.asarray(n, dtype=float)
    if np.ndim(log_base) == 0 and log_base == 0:
        return np.ones_like(n)
    with np.errstate(invalid="ignore"):
        return np.where(n > 0, np.exp(n * log_base), 1.0)


def _one_minus_power(log_base, n):
    """``1 - base ** n``, accurate when it is small."""
    n = np.asarray(n, dtype=float)
    if np.ndim(log_base) == 0 and log_base == 0:
        return np.zeros_like(n)
    with np.errstate(invalid="ignore"):
        return np.where(n > 0, -np.expm1(n * log_base), 0.0)


@dataclass(frozen=True)
class _Rates:
    """Per-episode factors of a seed-model cell (numbers, or arrays over cells)."""

    rho: object  # weight of the next episode's payoffs: discount * continue_prob
    rho_gap: object  # 1 - rho, computed without cancellation
    log_rho: object
    log_c: object  # log continue_prob: reaching the next episode

    @classmethod
    def of(cls, discount, continue_prob) -> _Rates:
        gamma, c = discount, continue_prob
        return cls(
            rho=gamma * c,
            rho_gap=(1.0 - gamma) + gamma * (1.0 - c),
            log_rho=np.log(gamma) + np.log(c),
            log_c=np.log(c),
        )


def _train_defect(at, train, deploy, h, c, rates, v_deploy, v_overseen, success):
    del h, v_deploy, success  # nothing is at stake in deployment: the agent is replaced
    weights = _geometric(rates.rho_gap, train + deploy)
    rho_at, reach_at = _power(rates.log_rho, at - 1), _power(rates.log_c, at - 1)
    return {
        "mesa": v_overseen * rho_at,
        "base": weights - rho_at,
        "harm": 0.0,
        "p_intact": _one_minus_power(rates.log_c, at - 1),
        "expected_updates": reach_at,
        "p_defect": reach_at,
        "expected_first_defection": at,
    }


def _deploy_defect(at, train, deploy, h, c, rates, v_deploy, v_overseen, success):
    del at
    weights = _geometric(rates.rho_gap, train + deploy)
    rho_t, reach_t = _power(rates.log_rho, train), _power(rates.log_c, train)
    kept = 1.0 - h
    by_weight = _geometric(rates.rho_gap + rates.rho * h, deploy)
    by_reach = _geometric((1.0 - c) + c * h, deploy)
    with np.errstate(divide="ignore"):
        survive = _power(np.log1p(-np.minimum(h, 1.0)), deploy)
    last = _power(rates.log_c, train + deploy - 1)
    intact = _one_minus_power(rates.log_c, train) + last * survive
    if not (np.ndim(c) == 0 and c == 1.0):  # the run may end during deployment, intact
        by_reach_short = _geometric((1.0 - c) + c * h, np.maximum(deploy - 1, 0))
        intact = intact + (1.0 - c) * reach_t * kept * by_reach_short
    return {
        "mesa": rho_t * (h * v_overseen + kept * success * v_deploy) * by_weight,
        "base": weights - rho_t * by_weight,
        "harm": success * kept * reach_t * by_reach,
        "p_intact": np.clip(intact, 0.0, 1.0),
        "expected_updates": h * reach_t * by_reach,
        "p_defect": np.minimum(reach_t, 1.0),
        "expected_first_defection": train + 1.0,
    }


def seed_model_payoffs(
    kind: np.ndarray,
    at: np.ndarray,
    train: np.ndarray,
    deploy: np.ndarray,
    honeypot_rate: np.ndarray | float = 0.0,
    continue_prob: np.ndarray | float = 1.0,
    discount: np.ndarray | float = 1.0,
    v_deploy: np.ndarray | float = 1.0,
    v_overseen: np.ndarray | float = 1.0,
    success: np.ndarray | float = 1.0,
) -> dict[str, np.ndarray]:
    """Exact results of the seed model's policies, as array expressions over many cells.

    The model: ``train`` overseen episodes then ``deploy`` deployment
    episodes (each a honeypot with probability ``h = honeypot_rate``), the
    hard update, a perfect cue, count utility; payoffs of episode ``t`` are
    weighted ``rho**(t-1)`` with ``rho = discount * continue_prob``. Under the
    hard update complying in training changes nothing, so every policy the
    sweep needs behaves in one of three ways (``kind``):

    ``TRAIN_DEFECT`` (0)
        comply until training episode ``at`` (1-based), defect there and be
        replaced: mesa ``v_overseen * rho**(at-1)``;
    ``DEPLOY_DEFECT`` (1)
        comply through training, then defect in every deployment episode
        while intact: with ``x = rho (1 - h)`` and ``g = h v_overseen +
        (1 - h) success v_deploy``, mesa ``rho**T g (1 - x**D) / (1 - x)``;
    ``NEVER`` (2)
        comply for ever: base ``(1 - rho**N) / (1 - rho)``.

    Every argument is a number or an array over the cells (``at`` matters
    for ``TRAIN_DEFECT`` only). Returns the scalars of
    :class:`~deception_sim.Result` (``mesa``, ``base``, ``harm``,
    ``p_intact``, ``expected_updates``, ``p_defect``,
    ``expected_first_defection``) as arrays over the cells, equal to
    :func:`~deception_sim.exact` to rounding (``tests/test_sweep.py``).

    >>> out = seed_model_payoffs(np.array([0, 1, 2]), np.array([1, 3, 3]),
    ...                          np.array([2, 2, 2]), np.array([3, 3, 3]))
    >>> out["mesa"].tolist(), out["base"].tolist()
    ([1.0, 3.0, 0.0], [4.0, 2.0, 5.0])
    """
    given = {
        "at": at,
        "train": train,
        "deploy": deploy,
        "h": honeypot_rate,
        "c": continue_prob,
        "gamma": discount,
        "v_deploy": v_deploy,
        "v_overseen": v_overseen,
        "success": success,
    }
    given = {name: np.asarray(value, dtype=float) for name, value in given.items()}
    kind = np.asarray(kind)
    shape = np.broadcast_shapes(kind.shape, *(v.shape for v in given.values()))
    kind = np.broadcast_to(kind, shape)
    rates = _Rates.of(given["gamma"], given["c"])
    horizon = np.broadcast_to(given["train"] + given["deploy"], shape)
    out = {name: np.zeros(shape) for name in EXACT_COLUMNS}
    out["base"][...] = _geometric(rates.rho_gap, horizon)  # NEVER: comply throughout
    out["p_intact"][...] = 1.0
    out["expected_first_defection"][...] = np.nan
    for code, formulas in ((TRAIN_DEFECT, _train_defect), (DEPLOY_DEFECT, _deploy_defect)):
        chosen = kind == code
        if not chosen.any():
            continue

        def pick(value, chosen=chosen):
            return value if np.ndim(value) == 0 else np.broadcast_to(value, shape)[chosen]

        part = {name: pick(value) for name, value in given.items() if name != "gamma"}
        part["rates"] = _Rates.of(pick(given["gamma"]), part["c"])
        for name, values in formulas(**part).items():
            out[name][chosen] = values
    return {name: values + 0.0 for name, values in out.items()}  # no -0.0


def _seed_fields(name: str, value: object) -> dict[str, float] | None:
    """The seed model's numbers one grid value sets (``None``: it leaves the seed model)."""
    if name in ("train", "deploy", "continue_prob") or name in (
        "v_deploy", "v_overseen", "success", "discount"
    ):
        return {name: float(value)}
    if name == "honeypot_rate":
        return None if isinstance(value, tuple) else {name: float(value)}
    if name == "cue_accuracy":
        return {} if value == 1.0 else None
    if name == "observable":
        return {} if value in (None, True) else None
    if name == "detect" or name == "rate":
        return {} if value == 1.0 else None
    if name == "drift":
        return {} if value == 0.0 else None
    if name == "utility":
        return {} if value == "count" else None
    if name == "update":
        return {} if value.is_hard else None
    if name == "payoffs":
        if value.utility != "count":
            return None
        return {field: float(getattr(value, field))
                for field in ("v_deploy", "v_overseen", "success", "discount")}
    if name == "schedule":
        train = value.fixed_train
        if train is None or isinstance(value.honeypot_rate, np.ndarray):
            return None
        if value.cue_accuracy != 1.0:
            return None
        return {
            "train": float(train),
            "deploy": float(value.horizon - train),
            "honeypot_rate": float(value.honeypot_rate),
            "continue_prob": float(value.continue_prob),
        }
    return None  # horizon, train_length: a random boundary


_SEED_DEFAULTS = {
    "honeypot_rate": 0.0,
    "continue_prob": 1.0,
    "discount": 1.0,
    "v_deploy": 1.0,
    "v_overseen": 1.0,
    "success": 1.0,
}


def _seed_arrays(grid: _Grid, cells: np.ndarray) -> dict[str, np.ndarray] | None:
    """Per-cell numbers of the seed model, and ``ok``: the cell is a seed-model cell."""
    where = grid.indices(cells)
    ok = np.ones(cells.shape[0], dtype=bool)
    arrays: dict[str, np.ndarray] = {}
    for name, values, index in zip(grid.names, grid.values, where, strict=True):
        fields = [_seed_fields(name, value) for value in values]
        good = np.array([f is not None for f in fields])
        ok &= good[index]
        for field in sorted({key for f in fields if f for key in f}):
            table = np.array([f.get(field, np.nan) if f else np.nan for f in fields])
            constant = field not in ("train", "deploy") and (table == table[0]).all()
            # A number where the grid does not vary it keeps the closed forms cheap.
            arrays[field] = float(table[0]) if constant else table[index]
    if "train" not in arrays or not ok.any():
        return None
    for field, default in _SEED_DEFAULTS.items():
        arrays.setdefault(field, default)
    arrays["ok"] = ok
    return arrays


def _pattern(strategy: object, a: dict[str, np.ndarray]):
    """``(kind, at, valid)`` of a strategy on seed-model cells, or ``None`` (no closed form)."""
    train, deploy = a["train"], a["deploy"]
    everywhere = np.ones(train.shape, dtype=bool)
    if type(strategy) is Greedy:
        kind = np.where(train >= 1, TRAIN_DEFECT, np.where(deploy >= 1, DEPLOY_DEFECT, NEVER))
        return kind, np.ones_like(train), everywhere
    if type(strategy) is Deceptive:
        return np.where(deploy >= 1, DEPLOY_DEFECT, NEVER), np.ones_like(train), everywhere
    if type(strategy) is Aligned:
        return np.full(train.shape, NEVER), np.ones_like(train), everywhere
    if isinstance(strategy, _Solve) and strategy.information in ("known_phase", "clock"):
        return _optimal_pattern(a)
    return None


def _optimal_pattern(a: dict[str, np.ndarray]):
    """What the known-phase solver does in a seed-model cell without honeypots.

    Backward induction, by hand: in deployment (no honeypots) each defection
    gains ``g = success * v_deploy`` and costs nothing, so the agent defects
    throughout, worth ``W = g (1 - rho**D) / (1 - rho)``. In training a
    defection is worth ``v_overseen`` and ends the game; complying to the end
    of training is worth ``rho**T W``. The solver complies on ties, so: if
    ``v_overseen > rho**T W`` it defects (in episode 1 when ``rho < 1``; when
    ``rho = 1`` every earlier episode is a tie, so in the last training
    episode); otherwise it is the deceptive agent. Cells where a choice is
    within ``_CLEAR`` (relative) of a tie but not surely one are left to the
    solver (``valid`` is False), as are cells with honeypots.
    """
    train, deploy, rho_gap = a["train"], a["deploy"], (1.0 - a["discount"]) + a["discount"] * (
        1.0 - a["continue_prob"]
    )
    log_rho = np.log(a["discount"]) + np.log(a["continue_prob"])
    gain = a["success"] * a["v_deploy"]
    deployed = gain * _geometric(rho_gap, deploy)
    comply = _power(log_rho, train) * deployed
    v = a["v_overseen"]
    gap = v - comply
    scale = np.maximum(1.0, np.maximum(np.abs(v), np.abs(comply)))
    tie = np.abs(gap) <= _TIE * scale
    defect = (train >= 1) & (gap > _CLEAR * scale)
    settled = tie | defect | (gap < -_CLEAR * scale) | (train == 0)
    # Deployment defections must clearly beat complying, and in training with rho < 1
    # defecting now must clearly beat defecting later.
    settled &= (deploy == 0) | (gain > _CLEAR * np.maximum(1.0, deployed))
    later = (rho_gap == 0) | (v * rho_gap > _CLEAR * np.maximum(1.0, v))
    settled &= ~defect | later
    settled &= a["honeypot_rate"] == 0.0
    kind = np.where(defect, TRAIN_DEFECT, np.where(deploy >= 1, DEPLOY_DEFECT, NEVER))
    at = np.where(rho_gap == 0, train, 1.0)
    return kind, at, settled


def _closed_forms(
    plan: _Plan, cells: np.ndarray, out: dict[str, np.ndarray], done: np.ndarray
) -> None:
    arrays = _seed_arrays(plan.grid, cells)
    if arrays is None:
        return
    rows = np.flatnonzero(arrays.pop("ok"))
    model = {name: _pick(values, rows) for name, values in arrays.items()}
    for j, strategy in enumerate(plan.strategies):
        pattern = _pattern(strategy, model)
        if pattern is None:
            continue
        kind, at, valid = pattern
        if not valid.any():
            continue
        chosen = {name: _pick(values, valid) for name, values in model.items()}
        results = seed_model_payoffs(kind[valid], at[valid], **chosen)
        target = rows[valid]
        for name, values in results.items():
            out[name][target, j] = values
        done[target, j] = True


def _pick(values, which):
    """The chosen cells of an array over cells (a number stays a number)."""
    return values if np.ndim(values) == 0 else values[which]


def _all_closed_form(plan: _Plan) -> bool:
    """Whether every cell and strategy is (most likely) a closed form: a cheap sweep."""
    if not plan.closed_form or plan.mode != "evaluate":
        return False
    for name, values in zip(plan.grid.names, plan.grid.values, strict=True):
        if any(_seed_fields(name, value) is None for value in values):
            return False
    closed = (Greedy, Deceptive, Aligned)
    if not all(
        type(s) in closed or (isinstance(s, _Solve) and s.information != "memoryless")
        for s in plan.strategies
    ):
        return False
    if not any(isinstance(s, _Solve) for s in plan.strategies):
        return True
    # The optimal policy has a closed form only where its choices are clear (no
    # honeypots, no near-ties): look at an even sample of the grid.
    size = plan.grid.size
    sample = np.unique(np.linspace(0, size - 1, min(size, SAMPLE_CELLS)).astype(np.int64))
    arrays = _seed_arrays(plan.grid, sample)
    if arrays is None or not arrays.pop("ok").all():
        return False
    return bool(np.all(_optimal_pattern(arrays)[2]))


# ---------------------------------------------------------------------------- executors
def _executor(executor: object, workers: int | None, cheap: bool, pairs: int, mode: str):
    """``(executor or None for serial, parallelism, shut it down afterwards?)``."""
    if workers is not None:
        workers = _validate.integer("workers", workers, minimum=1)
    if executor is None:
        if cheap or workers == 1 or (workers is None and pairs < SERIAL_BELOW[mode]):
            return None, 1, False
        executor = "processes"
    if executor == "serial":
        return None, 1, False
    if executor == "processes":
        count = workers or os.cpu_count() or 1
        if count == 1:
            return None, 1, False
        return cf.ProcessPoolExecutor(max_workers=count), count, True
    if type(executor).__module__.split(".")[0] == "distributed" and hasattr(
        executor, "get_executor"
    ):  # a dask.distributed Client: its concurrent.futures face
        threads = sum(executor.nthreads().values()) or 1
        return executor.get_executor(), workers or threads, False
    if callable(getattr(executor, "submit", None)):
        count = workers or getattr(executor, "_max_workers", None) or os.cpu_count() or 1
        return executor, count, False
    raise ValueError(
        "executor must be None, 'serial', 'processes', a concurrent.futures.Executor or a "
        f"dask.distributed Client, got {executor!r}"
    )


def _progress(show: bool | None, total: int, initial: int, chunks: int):
    if show is None:
        show = chunks > 1 and sys.stderr is not None and sys.stderr.isatty()
    if not show:
        return None
    try:
        from tqdm import tqdm
    except ImportError:
        raise ValueError("progress=True needs tqdm (pip install tqdm)") from None
    return tqdm(total=total, initial=initial, unit="cell", desc="sweep", file=sys.stderr)


def _ranges(todo: np.ndarray, size: int) -> list[tuple[int, int]]:
    """Consecutive runs of the unfinished cells, cut into chunks of at most ``size``."""
    if todo.size == 0:
        return []
    breaks = np.flatnonzero(np.diff(todo) != 1) + 1
    out = []
    for run in np.split(todo, breaks):
        first, last = int(run[0]), int(run[-1]) + 1
        out.extend((s, min(s + size, last)) for s in range(first, last, size))
    return out


# ---------------------------------------------------------------------------- sweep
def sweep(
    grid: Mapping[str, object],
    strategies: Sequence[Strategy | str] | Strategy | str | None = None,
    *,
    mode: str = "evaluate",
    runs: int = 10_000,
    seed: int = 0,
    executor: object = None,
    workers: int | None = None,
    chunk_size: int | None = None,
    checkpoint: str | os.PathLike | None = None,
    progress: bool | None = None,
    closed_form: bool = True,
) -> pd.DataFrame:
    """Evaluate, simulate or optimize strategies over a grid of model parameters.

    Parameters
    ----------
    grid:
        Parameter name -> values (a list, ``range``, array, or one value). The
        names are those of the model objects (see the module documentation);
        the grid is their product, in the order given, the first name varying
        slowest. Parameters not in the grid take the model's defaults.
    strategies:
        Strategy objects, or strings: the command line's short forms
        (``"greedy"``, ``"BBAAA"``, ``"memoryless:0.1,0.9"``, ...) and
        ``"optimal"`` / ``"optimal:clock"`` / ``"optimal:memoryless"``: the
        optimal policy of each cell in that information setting. Default:
        ``Greedy()`` and ``Deceptive()`` (``"optimal"`` for ``mode="optimize"``).
    mode:
        ``"evaluate"`` (exact, :func:`~deception_sim.exact`), ``"simulate"``
        (Monte Carlo with ``runs`` runs per cell and strategy, seeded from
        ``seed``, the cell and the strategy, so chunking does not change the
        numbers) or ``"optimize"`` (the solver's value, base payoff, rule and
        method; strategies must be optimal ones).
    executor:
        ``None`` (serial for small or closed-form sweeps, else a process pool),
        ``"serial"``, ``"processes"``, any object with ``submit`` (e.g. a
        ``concurrent.futures`` executor) or a Dask ``distributed.Client``.
    workers:
        Processes for the pool (default: the CPU count); 1 means serial.
    chunk_size:
        Cells per chunk (default: 65536 for closed-form sweeps, else at most 64).
    checkpoint:
        A file to append each finished chunk to (``*.csv``, or Parquet with
        ``pyarrow``); a rerun with the same arguments skips the finished cells,
        and a file written for other arguments is refused.
    progress:
        A tqdm progress bar on standard error: ``None`` shows it when standard
        error is a terminal and there is more than one chunk.
    closed_form:
        Use the seed model's closed forms where they apply (``False``: solve
        every cell, for checking them).

    Returns
    -------
    pandas.DataFrame
        One row per (cell, strategy), in grid order and then strategy order:
        the parameters, ``policy`` (the strategy's name), and the results
        (``mesa``, ``base``, ``harm``, ``p_intact``, ``expected_updates``,
        ``p_defect``, ``expected_first_defection``; with ``_se`` errors and
        ``runs`` for ``"simulate"``; ``value``, ``base``, ``rule``, ``method``
        for ``"optimize"``).

    Examples
    --------
    >>> from deception_sim import Deceptive, Greedy
    >>> table = sweep({"train": [2], "deploy": [0, 1, 3]}, [Greedy(), Deceptive()])
    >>> table[["deploy", "policy", "mesa"]]
       deploy       policy  mesa
    0       0     Greedy()   1.0
    1       0  Deceptive()   0.0
    2       1     Greedy()   1.0
    3       1  Deceptive()   1.0
    4       3     Greedy()   1.0
    5       3  Deceptive()   3.0
    """
    mode = _validate.choice("mode", mode, MODES)
    plan = _Plan(
        grid=_grid(grid),
        strategies=_strategies(strategies, mode),
        mode=mode,
        runs=_validate.integer("runs", runs, minimum=1),
        seed=_validate.integer("seed", seed),
        closed_form=bool(closed_form),
    )
    size = plan.grid.size
    cheap = _all_closed_form(plan)
    if chunk_size is None:
        chunk_size = FAST_CHUNK if cheap else max(1, min(MAX_SLOW_CHUNK, -(-size // 16)))
    chunk_size = _validate.integer("chunk_size", chunk_size, minimum=1)

    store = None
    finished = None
    if checkpoint is not None:
        store = Checkpoint(
            checkpoint,
            _arguments(plan),
            [*plan.grid.names, *KEYS, "policy", *plan.kinds()],
            plan.kinds(),
            len(plan.strategies),
        )
        finished = store.load()
    done_cells = (
        np.unique(finished["_cell"].to_numpy()) if finished is not None else np.zeros(0, int)
    )
    done_cells = done_cells[done_cells < size]
    todo = np.setdiff1d(np.arange(size, dtype=np.int64), done_cells, assume_unique=True)
    ranges = _ranges(todo, chunk_size)
    pairs = int(todo.size) * len(plan.strategies)
    pool, parallel, own = _executor(executor, workers, cheap, pairs, mode)
    bar = _progress(progress, size, size - int(todo.size), len(ranges))
    parts: list[dict[str, np.ndarray]] = []

    def finish(result: dict[str, np.ndarray]) -> None:
        if store is not None:
            store.append(_frame(plan, result))
        parts.append(result)
        if bar is not None:
            bar.update(len(result["_cell"]) // len(plan.strategies))

    try:
        _execute(plan, ranges, pool, max(2, 2 * parallel), finish)
    finally:
        if bar is not None:
            bar.close()
        if own:
            pool.shutdown(wait=True, cancel_futures=True)
    if finished is not None and len(finished):
        parts.insert(0, {name: finished[name].to_numpy() for name in finished.columns})
    return _assemble(plan, parts)


def _execute(plan: _Plan, ranges, pool, in_flight: int, finish) -> None:
    if pool is None:
        for start, stop in ranges:
            finish(_run_chunk(plan, start, stop))
        return
    waiting = iter(ranges)
    pending: dict[cf.Future, tuple[int, int]] = {}

    def submit(span: tuple[int, int]) -> None:
        pending[pool.submit(_run_chunk, plan, *span)] = span

    try:
        for span in itertools.islice(waiting, in_flight):
            submit(span)
        while pending:
            ready, _ = cf.wait(list(pending), return_when=cf.FIRST_COMPLETED)
            for future in sorted(ready, key=lambda f: pending[f]):
                pending.pop(future)
                finish(future.result())
                span = next(waiting, None)
                if span is not None:
                    submit(span)
    finally:
        for future in pending:
            future.cancel()


def _arguments(plan: _Plan) -> dict[str, object]:
    """What determines a sweep's rows: the checkpoint's fingerprint is a hash of it."""
    arguments: dict[str, object] = {
        "format": 1,
        "grid": plan.grid.canonical(),
        "strategies": [repr(s) for s in plan.strategies],
        "mode": plan.mode,
    }
    if plan.mode == "simulate":
        arguments["runs"] = plan.runs
        arguments["seed"] = plan.seed
    return arguments


def _frame(plan: _Plan, result: dict[str, np.ndarray]) -> pd.DataFrame:
    """Rows with their parameters, for the checkpoint."""
    cells, count = result["_cell"], len(plan.strategies)
    strategy = result["_strategy"]
    # Rows come cell by cell with every strategy in order (chunks, and sorted checkpoints).
    by_cell = (
        cells.size % count == 0
        and np.array_equal(strategy, np.tile(np.arange(count), cells.size // count))
        and np.array_equal(cells, np.repeat(cells[::count], count))
    )
    if by_cell:
        columns: dict[str, object] = plan.grid.columns(cells[::count], repeat=count)
    else:
        columns = plan.grid.columns(cells)
    columns.update({name: result[name] for name in KEYS})
    names = pd.array([s.name for s in plan.strategies], dtype="str")
    columns["policy"] = names.take(strategy)
    columns.update({name: result[name] for name in plan.kinds()})
    return pd.DataFrame(columns, copy=False)


def _assemble(plan: _Plan, parts: list[dict[str, np.ndarray]]) -> pd.DataFrame:
    kinds = plan.kinds()
    if parts:
        merged = {name: np.concatenate([p[name] for p in parts]) for name in (*KEYS, *kinds)}
    else:
        merged = {name: np.zeros(0, dtype=np.int64) for name in (*KEYS, *kinds)}
    cell, strategy = merged["_cell"], merged["_strategy"]
    if cell.size > 1:
        ordered = (np.diff(cell) > 0) | ((np.diff(cell) == 0) & (np.diff(strategy) > 0))
        if not ordered.all():
            order = np.lexsort((strategy, cell))
            merged = {name: values[order] for name, values in merged.items()}
    table = _frame(plan, merged)
    table = table.drop(columns=list(KEYS))
    for name, kind in kinds.items():
        if kind == "str":
            table[name] = pd.array(merged[name].astype(str), dtype="str")
    return table
