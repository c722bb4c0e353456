"""How close the clock agent's certified bounds are: the gap table of information.md.

Training lasts between N/4 and 3N/4 episodes of N (uniformly), deployment
episodes are honeypots with probability 0.05, a defection is detected with
probability 0.6 (and then replaces the objective), one apple per defection.
For each horizon and cue accuracy, ``optimize(..., information="clock")``
gives the value of its policy (exact: a lower bound on the optimum) and an
upper bound on the optimum; they are equal where the solver is exact.
Writes ``clock_bounds.md`` and ``.csv``.

Run alone: ``python analyses/clock_bounds.py [OUT_DIR]``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

from deception_sim import Payoffs, Schedule, UpdateRule
from deception_sim.report import write_table
from deception_sim.solvers import optimize

HORIZONS = (7, 20, 50, 100)
ACCURACIES = (0.6, 0.8, 0.95)
UPDATE = UpdateRule(detect=0.6)


def schedule(horizon: int, accuracy: float) -> Schedule:
    """Training length uniform on horizon // 4 .. 3 * horizon // 4; honeypots 5%."""
    pmf = np.zeros(horizon + 1)
    pmf[horizon // 4 : 3 * horizon // 4 + 1] = 1.0
    return Schedule.random_boundary(
        horizon, pmf / pmf.sum(), cue_accuracy=accuracy, honeypot_rate=0.05
    )


def table() -> pd.DataFrame:
    rows = []
    for horizon in HORIZONS:
        for accuracy in ACCURACIES:
            solution = optimize(schedule(horizon, accuracy), UPDATE, Payoffs(), "clock")
            rows.append(
                {
                    "N": horizon,
                    "cue_accuracy": accuracy,
                    "solver": "exact" if solution.exact else "bounds",
                    "lower": solution.value,
                    "upper": solution.upper,
                    "gap": solution.gap,
                    "relative_gap": solution.gap / solution.value,
                }
            )
    return pd.DataFrame(rows)


def main(out: Path) -> tuple[list[Path], str]:
    """Write the table to ``out``; return the files and a short summary."""
    frame = table()
    caption = (
        "The clock agent's optimum with a noisy cue: a lower bound (the exact value of the "
        "policy found) and an upper bound, by horizon N and cue accuracy; training length "
        "uniform on N//4..3N//4, honeypots 5%, detection 0.6 (rate 1), default payoffs."
    )
    files = write_table(frame, out / "clock_bounds", caption=caption, digits=6)
    worst = frame["relative_gap"].max()
    return files, f"   clock agent: largest relative gap {worst:.2g}"


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("out")
    target.mkdir(parents=True, exist_ok=True)
    files, text = main(target)
    print(text)
