"""Closed forms of the seed model: exact results of many cells at once, as numpy arrays.

A fast path of exact evaluation. Under the hard update, with a perfect cue,
count utility and a fixed boundary (honeypots, discounting and an unknown
horizon included), every policy a sweep asks for most often (``Greedy``,
``Deceptive``, ``Aligned`` and the known-phase optimum) behaves in one of
three ways, each with closed-form payoffs (:func:`seed_model_payoffs`).
This module says which parameter values keep a cell inside that model
(:func:`_seed_fields`, :func:`_seed_arrays`) and what the known-phase solver
does there (:func:`_optimal_pattern`); which strategy behaves how is for the
caller to say (``deception_sim.sweeps.fast``). ``tests/test_sweep.py`` checks
every formula against :func:`~deception_sim.exact` and the solvers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TypeAlias

import numpy as np

from ..model import Payoffs, Schedule, UpdateRule
from ..model.measures import RESULT

Real: TypeAlias = float | np.ndarray
"""A number, or an array over cells."""

RESULTS: tuple[str, ...] = RESULT
"""What :func:`seed_model_payoffs` computes: the scalars of an exact ``Result``."""

# How the live agent behaves in a seed-model cell (see seed_model_payoffs).
TRAIN_DEFECT, DEPLOY_DEFECT, NEVER = 0, 1, 2

_TIE = 1e-14  # below this relative gap a tie is certain, and the solver complies
_CLEAR = 1e-9  # above it the solver's choice is certain; in between, ask the solver


def _geometric(one_minus_x: Real, n: Real) -> np.ndarray:
    """``sum(x**j for j < n)`` for ``x = 1 - one_minus_x``, accurate near ``x = 1``."""
    n = np.asarray(n, dtype=float)
    if np.ndim(one_minus_x) == 0 and one_minus_x == 0:
        return n
    with np.errstate(divide="ignore", invalid="ignore"):
        safe = np.where(one_minus_x > 0, one_minus_x, 1.0)
        power = np.where(n > 0, n * np.log1p(-safe), 0.0)
        return np.where(one_minus_x > 0, -np.expm1(power) / safe, n)


def _power(log_base: Real, n: Real) -> np.ndarray:
    """``base ** n`` from ``log(base)``; 1 for ``n = 0`` even when the base is 0."""
    n = np.asarray(n, dtype=float)
    if np.ndim(log_base) == 0 and log_base == 0:
        return np.ones_like(n)
    with np.errstate(invalid="ignore"):
        return np.where(n > 0, np.exp(n * log_base), 1.0)


def _one_minus_power(log_base: Real, n: Real) -> np.ndarray:
    """``1 - base ** n``, accurate when it is small."""
    n = np.asarray(n, dtype=float)
    if np.ndim(log_base) == 0 and log_base == 0:
        return np.zeros_like(n)
    with np.errstate(invalid="ignore"):
        return np.where(n > 0, -np.expm1(n * log_base), 0.0)


@dataclass(frozen=True)
class _Rates:
    """Per-episode factors of a seed-model cell (numbers, or arrays over cells)."""

    rho: Real  # weight of the next episode's payoffs: discount * continue_prob
    rho_gap: Real  # 1 - rho, computed without cancellation
    log_rho: Real
    log_c: Real  # log continue_prob: reaching the next episode

    @classmethod
    def of(cls, discount: Real, continue_prob: Real) -> _Rates:
        gamma, c = discount, continue_prob
        return cls(
            rho=gamma * c,
            rho_gap=(1.0 - gamma) + gamma * (1.0 - c),
            log_rho=np.log(gamma) + np.log(c),
            log_c=np.log(c),
        )


def _train_defect(
    at: Real,
    train: Real,
    deploy: Real,
    h: Real,
    c: Real,
    rates: _Rates,
    v_deploy: Real,
    v_overseen: Real,
    success: Real,
) -> dict[str, Real]:
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


def _deploy_defect(
    at: Real,
    train: Real,
    deploy: Real,
    h: Real,
    c: Real,
    rates: _Rates,
    v_deploy: Real,
    v_overseen: Real,
    success: Real,
) -> dict[str, Real]:
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
    named = {
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
    given = {name: np.asarray(value, dtype=float) for name, value in named.items()}
    shape = np.broadcast_shapes(np.shape(kind), *(v.shape for v in given.values()))
    kind = np.broadcast_to(np.asarray(kind), shape)
    rates = _Rates.of(given["gamma"], given["c"])
    horizon = np.broadcast_to(given["train"] + given["deploy"], shape)
    out = {name: np.zeros(shape) for name in RESULTS}
    out["base"][...] = _geometric(rates.rho_gap, horizon)  # NEVER: comply throughout
    out["p_intact"][...] = 1.0
    out["expected_first_defection"][...] = np.nan
    for code, formulas in ((TRAIN_DEFECT, _train_defect), (DEPLOY_DEFECT, _deploy_defect)):
        chosen = kind == code
        if not chosen.any():
            continue

        def pick(value: np.ndarray, chosen: np.ndarray = chosen) -> np.ndarray:
            return value if np.ndim(value) == 0 else np.broadcast_to(value, shape)[chosen]

        part = {name: pick(value) for name, value in given.items() if name != "gamma"}
        rates_part = _Rates.of(pick(given["gamma"]), part["c"])
        for name, values in formulas(rates=rates_part, **part).items():
            out[name][chosen] = values
    return {name: values + 0.0 for name, values in out.items()}  # no -0.0


_NUMBERS = (
    "train",
    "deploy",
    "honeypot_rate",
    "continue_prob",
    "v_deploy",
    "v_overseen",
    "success",
    "discount",
)


_EXTENSIONS = {"v_detected": 0.0, "v_clean": 0.0, "missed": "harmless", "needed": 1, "kinds": None}


def _seed_fields(name: str, value: object) -> dict[str, float] | None:
    """The seed model's numbers one grid value sets (``None``: it leaves the seed model)."""
    if name in _NUMBERS:  # per-episode honeypot rates (a tuple) leave it
        return {name: float(value)} if isinstance(value, (int, float)) else None
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
    if name in _EXTENSIONS:  # the richer payoffs leave the seed model unless at their defaults
        return {} if value == _EXTENSIONS[name] else None
    if name == "update":
        return {} if isinstance(value, UpdateRule) and value.is_hard else None
    if name == "payoffs":
        if not isinstance(value, Payoffs) or value.utility != "count" or value.extended:
            return None
        return {
            field: float(getattr(value, field))
            for field in ("v_deploy", "v_overseen", "success", "discount")
        }
    if name == "schedule" and isinstance(value, Schedule):
        train = value.fixed_train
        if train is None or isinstance(value.honeypot_rate, np.ndarray):
            return None
        if value.cue_accuracy != 1.0 or value.kinds is not None:
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


def _seed_arrays(
    names: Sequence[str], values: Sequence[Sequence[object]], where: Sequence[np.ndarray]
) -> tuple[dict[str, np.ndarray], np.ndarray] | None:
    """Per-cell numbers of the seed model, and which cells are seed-model cells.

    ``names`` and ``values`` are the axes of a grid, ``where`` the index of
    each cell on each axis; ``None`` when no cell is a seed-model cell. A
    number the grid does not vary is a 0-d array.

    >>> fields, ok = _seed_arrays(["train", "drift"], [[2, 3], [0.0, 0.5]],
    ...                           [np.array([0, 1]), np.array([0, 1])])
    >>> fields["train"].tolist(), fields["discount"].tolist(), ok.tolist()
    ([2.0, 3.0], 1.0, [True, False])
    """
    ok = np.ones(where[0].shape[0], dtype=bool)
    arrays: dict[str, np.ndarray] = {}
    for name, axis, index in zip(names, values, where, strict=True):
        fields = [_seed_fields(name, value) for value in axis]
        good = np.array([f is not None for f in fields])
        ok &= good[index]
        for field in sorted({key for f in fields if f for key in f}):
            table = np.array([f.get(field, np.nan) if f else np.nan for f in fields])
            constant = field not in ("train", "deploy") and (table == table[0]).all()
            # A number where the grid does not vary it keeps the closed forms cheap.
            arrays[field] = np.asarray(table[0]) if constant else table[index]
    if "train" not in arrays or not ok.any():
        return None
    for field, default in _SEED_DEFAULTS.items():
        arrays.setdefault(field, np.asarray(default))
    return arrays, ok


def _optimal_pattern(a: Mapping[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
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
    train, deploy, rho_gap = (
        a["train"],
        a["deploy"],
        (1.0 - a["discount"]) + a["discount"] * (1.0 - a["continue_prob"]),
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
