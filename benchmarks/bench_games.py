"""Games: ours against nashpy and against building the matrix cell by cell.

The game is the model's training-length game
(:func:`deception_sim.games.training_length_game`): the overseer picks the
training length T in 0..N with a hidden boundary and pays 0.5 apple per
training episode, the agent picks when to start defecting; zero-sum in
apples. N = 1000 gives a 1001 x 1001 matrix.

* building the matrix: ours (closed forms vectorized over defection starts)
  against one exact ``evaluate`` per cell, the loop a researcher would write
  (timed on 2000 cells and scaled to the whole matrix);
* the zero-sum solve: ours (one HiGHS linear program, the column strategy
  from its dual) against nashpy's ``linear_program`` (two programs) on the
  1001 x 1001 game and a 201 x 201 one, and against nashpy's
  ``support_enumeration`` on the 6 x 6 and 8 x 8 games it can handle
  (smaller ones of this model are degenerate: it finds no equilibrium).

Run ``python benchmarks/bench_games.py`` (needs the ``bench`` extra for
nashpy); ``--quick``: a 401 x 401 game and no 8 x 8 support enumeration.
Prints one row per comparison with the ratio theirs / ours and the
largest difference between the two answers.
"""

from __future__ import annotations

import sys
import time
import warnings

import numpy as np
import pandas as pd

from deception_sim import Payoffs
from deception_sim.games import outcome, solve_zero_sum, training_length_game
from deception_sim.report import to_markdown

COST = 0.5
SAMPLE = 2000


def timed(function):
    start = time.perf_counter()
    value = function()
    return time.perf_counter() - start, value


def cell_by_cell(game, rows: np.ndarray, columns: np.ndarray) -> np.ndarray:
    """The overseer's payoff of the given cells, one exact evaluation each."""
    out = np.empty(rows.size)
    for i, (row, col) in enumerate(zip(rows, columns, strict=True)):
        oversight = game.overseer[row]
        mesa = outcome(game.agent[col], oversight, Payoffs())["mesa"]
        out[i] = -mesa - game.overseer_payoffs.cost(oversight)
    return out


def main(argv: list[str] | None = None) -> int:
    import nashpy

    argv = sys.argv[1:] if argv is None else argv
    quick = "--quick" in argv
    rows = []
    n = 400 if quick else 1000
    game = training_length_game(n, oversight_cost=COST)
    ours, matrix = timed(lambda: game.overseer_matrix.to_numpy())
    rng = np.random.default_rng(0)
    picked_rows = rng.integers(0, n + 1, SAMPLE)
    picked_cols = rng.integers(0, n + 1, SAMPLE)
    loop, sample = timed(lambda: cell_by_cell(game, picked_rows, picked_cols))
    scaled = loop * matrix.size / SAMPLE
    rows.append(
        {
            "problem": f"build the {n + 1} x {n + 1} matrix",
            "against": f"evaluate per cell ({SAMPLE} cells, scaled)",
            "ours (s)": ours,
            "theirs (s)": scaled,
            "theirs / ours": scaled / ours,
            "value difference": float(np.abs(sample - matrix[picked_rows, picked_cols]).max()),
        }
    )

    for size in (n, 200):
        a = (
            matrix
            if size == n
            else training_length_game(size, oversight_cost=COST).overseer_matrix.to_numpy()
        )
        ours, solution = timed(lambda a=a: solve_zero_sum(a))
        theirs, (x, y) = timed(lambda a=a: nashpy.Game(a).linear_program())
        rows.append(
            {
                "problem": f"zero-sum solve, {size + 1} x {size + 1}",
                "against": "nashpy linear_program",
                "ours (s)": ours,
                "theirs (s)": theirs,
                "theirs / ours": theirs / ours,
                "value difference": abs(float(x @ a @ y) - solution.value),
            }
        )

    for size in (5,) if quick else (5, 7):
        a = training_length_game(size, oversight_cost=COST).overseer_matrix.to_numpy()
        ours, solution = timed(lambda a=a: solve_zero_sum(a))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # degenerate-game warnings
            theirs, equilibria = timed(lambda a=a: list(nashpy.Game(a).support_enumeration()))
        difference = max(abs(float(x @ a @ y) - solution.value) for x, y in equilibria)
        rows.append(
            {
                "problem": f"zero-sum solve, {size + 1} x {size + 1}",
                "against": "nashpy support_enumeration",
                "ours (s)": ours,
                "theirs (s)": theirs,
                "theirs / ours": theirs / ours,
                "value difference": difference,
            }
        )
    print(to_markdown(pd.DataFrame(rows), digits=3))
    return 0


if __name__ == "__main__":
    sys.exit(main())
