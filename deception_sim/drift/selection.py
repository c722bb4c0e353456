"""Objective selection: which concept training picks as data grows.

A stylised inductive bias, *not* a model of SGD: after ``n`` examples,
training picks concept ``c`` with a simplicity prior times a tempered
likelihood (see :mod:`deception_sim.drift`), computed in log space
(:func:`log_selection`). :func:`selection_probabilities` and
:func:`selection_table` tabulate it, :func:`crossover` and
:func:`crossover_table` give the number of examples from which a
better-fitting but more complex concept overtakes a simpler one, and
:func:`selection_regimes` the most probable concept over ``n``.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import optimize, special

from .. import _validate
from .world import INTENDED, REGISTER, Concept, WorldModel, _as_tuple, _check_world

_LN2 = math.log(2.0)
_METHODS: tuple[str, ...] = ("closed", "brentq")


def log_likelihood_per_example(agreement: ArrayLike, fidelity: float = 0.9) -> np.ndarray:
    """Expected log-likelihood of one label, ``a log q + (1 - a) log(1 - q)``.

    >>> log_likelihood_per_example([1.0, 0.5], fidelity=0.9).round(4).tolist()
    [-0.1054, -1.204]
    """
    q = _fidelity(fidelity)
    a = np.asarray(_validate.probability_array("agreement", np.atleast_1d(agreement)))
    return a * math.log(q) + (1.0 - a) * math.log1p(-q)


def log_selection(
    complexity_bits: ArrayLike,
    agreement: ArrayLike,
    examples: ArrayLike,
    *,
    beta: float = 1.0,
    fidelity: float = 0.9,
) -> np.ndarray:
    """Natural-log selection probabilities, shape ``(len(examples), concepts)``.

    The array core of :func:`selection_probabilities`: computed in log space
    with :func:`scipy.special.logsumexp`, so nothing underflows at ``n = 1e9``.

    >>> np.exp(log_selection([0, 1], [0.5, 0.5], [0, 1e9])).round(4).tolist()
    [[0.6667, 0.3333], [0.6667, 0.3333]]
    """
    bits = np.asarray(complexity_bits, dtype=float)
    if bits.ndim != 1 or np.isnan(bits).any() or (bits < 0).any() or np.isinf(bits).any():
        raise ValueError(f"complexity_bits must be finite numbers >= 0, got {complexity_bits!r}")
    a = _validate.probability_array("agreement", np.atleast_1d(agreement))
    if a.shape != bits.shape:
        raise ValueError("complexity_bits and agreement must have the same length")
    price = _validate.real("beta", beta, low=0.0) * _logit(_fidelity(fidelity))
    n = _examples(examples)
    # n * ell[c] = n * ell_max - n * (a_max - a[c]) * logit(q): the first term is
    # common to all concepts and cancels, and what is left stays small for the
    # concepts that matter, so rounding does not grow with n.
    log_weight = -_LN2 * bits[None, :] - price * n[:, None] * (a.max() - a)[None, :]
    return log_weight - special.logsumexp(log_weight, axis=1, keepdims=True)


def selection_probabilities(
    world: WorldModel, examples: float, *, beta: float = 1.0, fidelity: float = 0.9
) -> pd.Series:
    """``P(concept | n examples)`` as a Series indexed by concept name (sums to 1).

    >>> from deception_sim.drift import standard_world
    >>> world = standard_world(label_noise=0.05)
    >>> selection_probabilities(world, 0).round(4).to_dict()
    {'pain': 1.0, 'X': 0.0, 'Y': 0.0}
    >>> selection_probabilities(world, 1000).round(4).to_dict()
    {'pain': 0.0, 'X': 0.0, 'Y': 1.0}
    """
    _check_world(world)
    n = _validate.real("examples", examples, low=0.0)
    logp = log_selection(world.complexity_bits, world.agreement, [n], beta=beta, fidelity=fidelity)
    index = pd.Index(world.names, name="concept")
    return pd.Series(np.exp(logp[0]), index=index, name="probability")


def selection_table(
    world: WorldModel, examples: ArrayLike, *, beta: float = 1.0, fidelity: float = 0.9
) -> pd.DataFrame:
    """Tidy selection probabilities: one row per (examples, concept).

    Columns ``examples``, ``concept``, ``complexity_bits``, ``agreement``,
    ``log_probability`` (natural log) and ``probability``.

    >>> from deception_sim.drift import standard_world
    >>> t = selection_table(standard_world(0.05), [0, 60, 100])
    >>> t[t.examples == 100][["concept", "probability"]].round(3)
      concept  probability
    6    pain        0.000
    7       X        0.017
    8       Y        0.983
    """
    _check_world(world)
    n = _examples(examples)
    logp = log_selection(world.complexity_bits, world.agreement, n, beta=beta, fidelity=fidelity)
    k = len(world.names)
    return pd.DataFrame(
        {
            "examples": np.repeat(n, k),
            "concept": np.tile(np.array(world.names, dtype=object), n.size),
            "complexity_bits": np.tile(world.complexity_bits, n.size),
            "agreement": np.tile(world.agreement, n.size),
            "log_probability": logp.ravel(),
            "probability": np.exp(logp).ravel(),
        }
    )


def crossover(
    world: WorldModel,
    first: str,
    second: str,
    *,
    beta: float = 1.0,
    fidelity: float = 0.9,
    method: str = "closed",
) -> float:
    """Examples ``n*`` from which ``second`` is at least as probable as ``first``.

    The log-ratio ``log P(second | n) - log P(first | n)`` is linear in ``n``:
    ``-(k2 - k1) ln 2 + n * beta * (a2 - a1) * logit(q)``. When ``second``
    fits better (``a2 > a1``) it overtakes at its root,
    ``n* = (k2 - k1) ln 2 / (beta (a2 - a1) logit(q))`` (0 if ``second`` is
    not more complex); when it fits no better it never does (``inf``), unless
    it fits equally and is no more complex (0: a tie or better throughout).
    ``method="brentq"`` finds the root of the log-ratio of the computed
    selection probabilities (of the two concepts alone: the others cancel)
    numerically instead of by the formula.

    >>> from deception_sim.drift import standard_world
    >>> world = standard_world(label_noise=0.05)
    >>> round(crossover(world, "X", "Y"), 4), round(crossover(world, "X", "Y", method="brentq"), 4)
    (63.093, 63.093)
    >>> crossover(standard_world(label_noise=0.0), "X", "Y")
    inf
    """
    _check_world(world)
    i, j = world.index(first, "first"), world.index(second, "second")
    if i == j:
        raise ValueError(f"first and second must be two different concepts, got {first!r} twice")
    method = _validate.choice("method", method, _METHODS)
    b = _validate.real("beta", beta, low=0.0)
    price = b * _logit(_fidelity(fidelity))  # nats per disagreement
    bits, agreement = world.complexity_bits, world.agreement
    gap = bits[j] - bits[i]
    slope = price * (agreement[j] - agreement[i])
    if slope <= 0:
        return 0.0 if slope == 0 and gap <= 0 else math.inf
    if gap <= 0:
        return 0.0
    closed = float(gap * _LN2 / slope)
    if method == "closed" or not math.isfinite(closed):
        return closed

    # The other concepts cancel from the ratio; leaving them out keeps the two
    # log-probabilities near 0 where they would otherwise be far below the leader's.
    pair = [i, j]

    def log_ratio(n: float) -> float:
        logp = log_selection(bits[pair], agreement[pair], [n], beta=beta, fidelity=fidelity)[0]
        return float(logp[1] - logp[0])

    high = 1.0
    while log_ratio(high) < 0:
        high *= 2.0
    return float(optimize.brentq(log_ratio, 0.0, high, xtol=1e-300, rtol=1e-14, maxiter=500))


def crossover_table(
    label_noise: Sequence[float] = (0.001, 0.01, 0.05, 0.1, 0.2),
    complexity_gap: Sequence[float] = (1.0, 10.0, 100.0, 1000.0),
    beta: Sequence[float] = (1.0,),
    *,
    fidelity: float = 0.9,
    method: str = "closed",
) -> pd.DataFrame:
    """``n*`` at which the label register ``Y`` overtakes the intended ``X``, over a grid.

    One row per (label noise, complexity gap ``bits(Y) - bits(X)``, beta),
    columns ``label_noise``, ``complexity_gap``, ``beta``, ``fidelity`` and
    ``n_star``. ``n*`` grows linearly in the gap and falls as ``1 / e`` and
    ``1 / beta``.

    >>> crossover_table([0.05, 0.1], [10.0])[["label_noise", "n_star"]].round(2)
       label_noise  n_star
    0         0.05   63.09
    1         0.10   31.55
    """
    noises = _grid("label_noise", label_noise, low=0.0, high=1.0)
    gaps = _grid("complexity_gap", complexity_gap, low=0.0)
    betas = _grid("beta", beta, low=0.0)
    rows = []
    for e in noises:
        for gap in gaps:
            world = WorldModel((Concept(INTENDED, 0.0, 1.0 - e), Concept(REGISTER, gap, 1.0)))
            for b in betas:
                n_star = crossover(
                    world, INTENDED, REGISTER, beta=b, fidelity=fidelity, method=method
                )
                rows.append(
                    {
                        "label_noise": e,
                        "complexity_gap": gap,
                        "beta": b,
                        "fidelity": float(fidelity),
                        "n_star": n_star,
                    }
                )
    return pd.DataFrame(rows)


def selection_regimes(
    world: WorldModel, *, beta: float = 1.0, fidelity: float = 0.9
) -> pd.DataFrame:
    """Which concept is the most probable as data grows: the regimes over ``n``.

    Each log-weight is a line in ``n``; this is their upper envelope. Columns
    ``concept``, ``from_examples``, ``to_examples`` (``inf`` for the last).
    Exact ties keep the concept listed first.

    >>> from deception_sim.drift import standard_world
    >>> selection_regimes(standard_world(0.05)).round(2)
      concept  from_examples  to_examples
    0    pain           0.00        31.55
    1       X          31.55        63.09
    2       Y          63.09          inf
    """
    _check_world(world)
    b = _validate.real("beta", beta, low=0.0)
    intercept = -_LN2 * world.complexity_bits
    slope = b * log_likelihood_per_example(world.agreement, fidelity)
    order = np.lexsort((np.arange(intercept.size), -slope, -intercept))
    leader, start = int(order[0]), 0.0
    rows = []
    while True:
        steeper = np.flatnonzero(slope > slope[leader])
        if steeper.size == 0:
            rows.append((world.names[leader], start, math.inf))
            break
        at = (intercept[leader] - intercept[steeper]) / (slope[steeper] - slope[leader])
        at = np.maximum(at, start)
        first = at.min()
        tied = steeper[at == first]
        nxt = int(tied[np.argmax(slope[tied])])
        rows.append((world.names[leader], start, float(first)))
        leader, start = nxt, float(first)
    return pd.DataFrame(rows, columns=["concept", "from_examples", "to_examples"])


def _fidelity(value: float) -> float:
    return _validate.real("fidelity", value, low=0.5, high=1.0, low_open=True, high_open=True)


def _logit(q: float) -> float:
    return math.log(q) - math.log1p(-q)


def _examples(examples: ArrayLike) -> np.ndarray:
    n = np.atleast_1d(np.asarray(examples, dtype=float))
    if n.ndim != 1 or n.size == 0:
        raise ValueError(f"examples must be one number or a non-empty sequence, got {examples!r}")
    if np.isnan(n).any() or np.isinf(n).any() or (n < 0).any():
        raise ValueError(f"examples must be finite numbers >= 0, got {examples!r}")
    return n


def _grid(
    name: str, values: object, *, low: float = -math.inf, high: float = math.inf
) -> list[float]:
    items = [values] if isinstance(values, numbers.Real) else _as_tuple(name, values)
    if not items:
        raise ValueError(f"{name} must be a non-empty sequence of numbers, got {values!r}")
    return [_validate.real(name, v, low=low, high=high) for v in items]
