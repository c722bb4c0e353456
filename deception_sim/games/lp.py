"""Solution concepts for two-player games in normal form, over plain numpy arrays.

The row player is the overseer, the column player the agent; each function
takes the payoff matrices and returns a frozen solution object. No model
objects here: :mod:`deception_sim.games.game` builds the matrices.

* :func:`solve_zero_sum`: the value and both optimal mixed strategies of a
  zero-sum game (the row player maximizes, as in nashpy), by one linear
  program (``scipy.optimize.linprog``, HiGHS); the column player's strategy is
  the program's dual solution, so there is no second program.
* :func:`solve_stackelberg`: the row player commits to a mixed strategy and
  the column player best-responds, in a general-sum game; the multiple-LPs
  method (one program per column-player response).
* :func:`zero_sum_form`: whether a general-sum game is *strategically*
  zero-sum (the two payoffs add up to something that splits into a term per
  row and a term per column), and the zero-sum matrix with the same
  equilibria if it is.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy import optimize as sciopt

TOLERANCE = 1e-9
"""Relative tolerance (times ``max(1, largest |payoff|)``) for best responses and ties."""

_HIGHS = {
    "primal_feasibility_tolerance": 1e-10,
    "dual_feasibility_tolerance": 1e-10,
}


def _matrix(name: str, values: object) -> np.ndarray:
    """A non-empty two-dimensional array of finite floats, or ValueError naming ``name``."""
    try:
        matrix = np.array(values, dtype=float)
    except (TypeError, ValueError, OverflowError):
        raise ValueError(f"{name} must be a two-dimensional array of numbers") from None
    if matrix.ndim != 2:
        raise ValueError(f"{name} must be two-dimensional, got shape {matrix.shape}")
    if matrix.size == 0:
        raise ValueError(f"{name} must have at least one row and one column, got {matrix.shape}")
    if not np.isfinite(matrix).all():
        raise ValueError(f"{name} must contain only finite numbers (no NaN or infinity)")
    return matrix


def _scale(*matrices: np.ndarray) -> float:
    return max(1.0, *(float(np.abs(m).max()) for m in matrices))


def _normalized(matrix: np.ndarray) -> np.ndarray:
    """``matrix`` mapped affinely onto [-1, 1]: the same optimal strategies, and the
    solver's absolute tolerances become relative ones.

    Halves are taken before differences, so payoffs near the largest float
    (``[[1e308, -1e308]]``) do not overflow to infinity.

    >>> _normalized(np.array([[1e308, -1e308]])).tolist()
    [[1.0, -1.0]]
    """
    low, high = float(matrix.min()), float(matrix.max())
    spread = high / 2.0 - low / 2.0
    centre = low / 2.0 + high / 2.0
    return (matrix - centre) / (spread if spread > 0 else 1.0)


def _power_of_two(*matrices: np.ndarray) -> float:
    """A power of two that brings every entry into (-2, 2) (dividing by it is exact)."""
    largest = max(float(np.abs(m).max()) for m in matrices)
    return 1.0 if largest <= 1.0 else math.ldexp(1.0, math.frexp(largest)[1] - 1)


def _clean(weights: np.ndarray) -> np.ndarray:
    """A probability vector from a solver's output: rounding below zero removed, sum 1."""
    weights = np.clip(np.asarray(weights, dtype=float), 0.0, None)
    weights[weights < 1e-14] = 0.0
    return weights / weights.sum()


# ---------------------------------------------------------------------------- zero-sum


@dataclass(frozen=True)
class ZeroSumSolution:
    """The solution of a zero-sum game (the row player maximizes).

    Attributes
    ----------
    value:
        ``row_strategy @ matrix @ column_strategy``: what the row player gets.
    row_strategy, column_strategy:
        Optimal mixed strategies (maximin for the rows, minimax for the columns).
    gap:
        ``max(matrix @ column_strategy) - min(row_strategy @ matrix)`` (>= 0, up
        to rounding): how far the pair is from an exact saddle point. Each
        strategy is a best response to the other within ``gap``.
    method:
        How it was solved.
    """

    value: float
    row_strategy: np.ndarray = field(repr=False)
    column_strategy: np.ndarray = field(repr=False)
    gap: float
    method: str = field(repr=False)

    @property
    def lower(self) -> float:
        """What the row strategy guarantees: its worst column."""
        return self.value - self.gap if self.gap > 0 else self.value


def solve_zero_sum(matrix: object) -> ZeroSumSolution:
    """Value and optimal mixed strategies of the zero-sum game ``matrix`` (rows maximize).

    One linear program (HiGHS): maximize ``v`` subject to ``x @ matrix >= v`` for
    every column, ``x`` a probability vector. The column player's minimax
    strategy is the program's dual solution (the multipliers of the column
    constraints), so both strategies come from one solve.

    Matching pennies has value 0 and both players mix half and half:

    >>> solution = solve_zero_sum([[1, -1], [-1, 1]])
    >>> solution.value, solution.row_strategy.tolist(), solution.column_strategy.tolist()
    (0.0, [0.5, 0.5], [0.5, 0.5])
    >>> solve_zero_sum([[3, 1], [0, 2]]).value  # a 2 x 2 game with no saddle point
    1.5
    """
    a = _matrix("matrix", matrix)
    rows, columns = a.shape
    # Variables (x_1..x_rows, v): minimize -v; for each column j: v - x @ a[:, j] <= 0.
    cost = np.zeros(rows + 1)
    cost[-1] = -1.0
    upper = np.hstack([-_normalized(a).T, np.ones((columns, 1))])
    simplex = np.ones((1, rows + 1))
    simplex[0, -1] = 0.0
    bounds = [(0.0, None)] * rows + [(None, None)]
    result = sciopt.linprog(
        cost,
        A_ub=upper,
        b_ub=np.zeros(columns),
        A_eq=simplex,
        b_eq=[1.0],
        bounds=bounds,
        method="highs",
        options=_HIGHS,
    )
    if result.status != 0:  # a bounded, feasible program: only a numerical failure lands here
        raise ArithmeticError(f"the zero-sum linear program failed: {result.message}")
    x = _clean(result.x[:rows])
    y = _clean(-result.ineqlin.marginals)
    # In units of a power of two that keeps every sum finite, then scaled back.
    unit = _power_of_two(a)
    scaled = a / unit
    guaranteed = float((x @ scaled).min())
    conceded = float((scaled @ y).max())
    return ZeroSumSolution(
        value=float(x @ scaled @ y) * unit,
        row_strategy=x,
        column_strategy=y,
        gap=max(0.0, conceded - guaranteed) * unit,
        method="one linear program (scipy.optimize.linprog, HiGHS); columns from its dual",
    )


# ---------------------------------------------------------------------------- Stackelberg


@dataclass(frozen=True)
class StackelbergSolution:
    """A strong Stackelberg equilibrium: the row player (leader) commits first.

    Attributes
    ----------
    leader_value, follower_value:
        Expected payoffs when the leader plays ``leader_strategy`` and the
        follower plays ``follower_response``.
    leader_strategy:
        The leader's optimal commitment (a mixed strategy over rows).
    follower_response:
        The follower's best response (a column index); among the columns that
        are best responses, one the leader likes best (ties broken in the
        leader's favour).
    follower_strategy:
        The same response as a probability vector (one-hot).
    induced:
        For each column ``j``, the best the leader can get by a commitment to
        which ``j`` is a best response: ``-inf`` when no commitment makes it
        one, NaN when it was not solved for (it could not beat the best).
    """

    leader_value: float
    follower_value: float
    leader_strategy: np.ndarray = field(repr=False)
    follower_response: int
    induced: np.ndarray = field(repr=False)
    method: str = field(repr=False)

    @property
    def follower_strategy(self) -> np.ndarray:
        """The follower's pure response as a probability vector."""
        out = np.zeros(self.induced.shape[0])
        out[self.follower_response] = 1.0
        return out


def solve_stackelberg(leader_payoffs: object, follower_payoffs: object) -> StackelbergSolution:
    """The leader's (row player's) optimal mixed commitment and the follower's response.

    The multiple-LPs method (Conitzer and Sandholm, 2006): for each follower
    action ``j``, a linear program finds the commitment ``x`` that maximizes the
    leader's payoff ``x @ leader[:, j]`` subject to ``j`` being a best response
    (``x @ follower[:, j] >= x @ follower[:, k]`` for every ``k``); the best of
    these is the equilibrium. Because a tied follower counts as playing ``j``,
    ties are broken in the leader's favour: the *strong* Stackelberg
    equilibrium. Columns are tried in decreasing order of their best leader
    payoff and the search stops when no remaining column can do better; among
    equally good columns the first wins.

    In a game where committing helps (the leader's Nash payoff is 2, its
    commitment to mixing half and half earns 2.5):

    >>> leader = [[2, 4], [1, 3]]
    >>> follower = [[1, 0], [0, 1]]
    >>> s = solve_stackelberg(leader, follower)
    >>> round(s.leader_value, 12), s.leader_strategy.round(12).tolist(), s.follower_response
    (3.5, [0.5, 0.5], 1)
    """
    lead = _matrix("leader_payoffs", leader_payoffs)
    follow = _matrix("follower_payoffs", follower_payoffs)
    if lead.shape != follow.shape:
        raise ValueError(
            f"leader_payoffs and follower_payoffs must have the same shape, got "
            f"{lead.shape} and {follow.shape}"
        )
    rows, columns = lead.shape
    tol = TOLERANCE * _scale(lead, follow)
    # Programs on [-1, 1]-scaled payoffs (the same solutions), values from the originals.
    lead_lp, follow_lp = _normalized(lead), _normalized(follow)
    induced = np.full(columns, np.nan)
    best_value, best_column, best_x = -np.inf, -1, None
    order = np.argsort(-lead.max(axis=0), kind="stable")
    bounds = [(0.0, None)] * rows
    for j in order:
        if lead[:, j].max() < best_value - tol:
            break  # no commitment can make column j as good as what we have
        others = np.delete(np.arange(columns), j)
        # x @ (follow[:, k] - follow[:, j]) <= 0 for every other column k.
        upper = (follow_lp[:, others] - follow_lp[:, [j]]).T if others.size else None
        result = sciopt.linprog(
            -lead_lp[:, j],
            A_ub=upper,
            b_ub=np.zeros(others.size) if others.size else None,
            A_eq=np.ones((1, rows)),
            b_eq=[1.0],
            bounds=bounds,
            method="highs",
            options=_HIGHS,
        )
        if result.status == 2:  # infeasible: no commitment makes j a best response
            induced[j] = -np.inf
            continue
        if result.status != 0:
            raise ArithmeticError(f"a Stackelberg linear program failed: {result.message}")
        x = _clean(result.x)
        value = float(x @ lead[:, j])
        induced[j] = value
        if value > best_value + tol or (abs(value - best_value) <= tol and j < best_column):
            best_value, best_column, best_x = value, int(j), x
    if best_x is None:  # unreachable: every commitment has a best response
        raise ArithmeticError("no Stackelberg linear program was feasible")
    return StackelbergSolution(
        leader_value=float(best_x @ lead[:, best_column]),
        follower_value=float(best_x @ follow[:, best_column]),
        leader_strategy=best_x,
        follower_response=best_column,
        induced=induced,
        method="multiple LPs (one per follower response, scipy.optimize.linprog, HiGHS); "
        "ties broken in the leader's favour (strong Stackelberg)",
    )


def pure_commitment(leader_payoffs: object, follower_payoffs: object) -> tuple[float, int, int]:
    """The leader's best *pure* commitment: ``(value, row, column)``.

    For each row the follower best-responds (ties broken in the leader's
    favour); the leader takes the best row. This is what the leader gets
    without randomizing.

    >>> pure_commitment([[2, 4], [1, 3]], [[1, 0], [0, 1]])
    (3.0, 1, 1)
    """
    lead = _matrix("leader_payoffs", leader_payoffs)
    follow = _matrix("follower_payoffs", follower_payoffs)
    if lead.shape != follow.shape:
        raise ValueError(
            f"leader_payoffs and follower_payoffs must have the same shape, got "
            f"{lead.shape} and {follow.shape}"
        )
    tol = TOLERANCE * _scale(lead, follow)
    best = follow >= follow.max(axis=1, keepdims=True) - tol
    values = np.where(best, lead, -np.inf)
    columns = values.argmax(axis=1)
    row_values = values[np.arange(lead.shape[0]), columns]
    row = int(np.argmax(row_values))
    return float(row_values[row]), row, int(columns[row])


def zero_sum_form(row_payoffs: object, column_payoffs: object) -> np.ndarray | None:
    """The zero-sum matrix strategically equivalent to a bimatrix game, or ``None``.

    If ``row + column = f(row) + g(column)`` (within the tolerance), adding a
    term that depends only on the *other* player's action changes no one's
    best responses, so ``(row - g, column - f)`` is zero-sum with the same
    equilibria: the function returns ``row - g``, for :func:`solve_zero_sum`.
    An overseer who pays for its own oversight on top of the agent's loss is
    such a game.

    >>> zero_sum_form([[-1, -2], [-3, -1]], [[1, 2], [1, -1]]).tolist()
    [[-1.0, -2.0], [-3.0, -1.0]]
    >>> zero_sum_form([[1, 0], [0, 1]], [[1, 0], [0, 1]]) is None
    True
    """
    a = _matrix("row_payoffs", row_payoffs)
    b = _matrix("column_payoffs", column_payoffs)
    if a.shape != b.shape:
        raise ValueError(
            f"row_payoffs and column_payoffs must have the same shape, got {a.shape} and {b.shape}"
        )
    unit = _power_of_two(a, b)  # sums of payoffs near the largest float stay finite
    total = a / unit + b / unit
    g = total[0, :] - total[0, 0]
    f = total[:, 0]
    residual = np.abs(total - f[:, None] - g[None, :]).max()
    if residual > TOLERANCE * _scale(a, b) / unit:
        return None
    with np.errstate(over="ignore"):
        form = (a / unit - g[None, :]) * unit
    if not np.isfinite(form).all():
        raise ValueError(
            "row_payoffs and column_payoffs: the zero-sum form of this game overflows "
            "(payoffs too close to the largest float); rescale the payoffs"
        )
    return form
