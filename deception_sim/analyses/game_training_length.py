"""The value of randomizing the training length, as the horizon grows.

The overseer picks the training length T in 0..N (a hidden boundary: the
agent sees no cue) and pays ``cost`` apples per training episode; the agent,
with a clock, picks when to start defecting (hard update: once a defection
goes unpunished it knows it is deployed). Zero-sum in the agent's apples
(:func:`deception_sim.games.training_length_game`). The best fixed T loses
about ``cost * N``; randomizing T loses about ``cost * N * (1 - exp(-1/cost))``
(``cost <= 1``), so the share saved tends to ``exp(-1/cost)``. With an
observable boundary randomizing saves nothing.

Writes ``game_training_length.md`` and ``.csv`` (the table) and
``game_training_length.png`` and ``.pdf`` (the share saved against N, and the
equilibrium distribution of T for N = 100). Run alone:
``python -m deception_sim.analyses.game_training_length [OUT_DIR]``.
"""

from __future__ import annotations

import functools
import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from deception_sim.games import GameSolution, training_length_game
from deception_sim.report import new_figure, save_figure, styled, write_table

HORIZONS = (3, 5, 10, 20, 50, 100, 200)
COSTS = (0.5, 1.0)
FIGURE_COSTS = (0.25, 0.5, 1.0)
FIGURE_HORIZONS = (3, 5, 10, 20, 50, 100, 200)
DISTRIBUTION_HORIZON = 100


@functools.cache
def solve(n: int, cost: float, observable: bool = False) -> GameSolution:
    return training_length_game(n, oversight_cost=cost, observable=observable).solve()


def limit_share(cost: float) -> float:
    """Share of the fixed-T loss that randomizing saves, as N grows (cost <= 1)."""
    return math.exp(-1.0 / cost)


def table() -> pd.DataFrame:
    rows = []
    for cost in COSTS:
        for n in HORIZONS:
            hidden, seen = solve(n, cost), solve(n, cost, observable=True)
            rows.append(
                {
                    "cost": cost,
                    "horizon": n,
                    "best_fixed_train": int(hidden.pure_option.removeprefix("T=")),
                    "loss_fixed_train": -hidden.pure_value,
                    "loss_random_train": -hidden.value,
                    "saved": hidden.value_of_randomizing,
                    "share_saved": hidden.value_of_randomizing / -hidden.pure_value,
                    "limit_share": limit_share(cost),
                    "saved_observable": seen.value_of_randomizing,
                }
            )
    return pd.DataFrame(rows)


def figure(out: Path) -> list[Path]:
    with styled():
        fig = new_figure("wide")
        share, distribution = fig.subplots(1, 2)
        for i, cost in enumerate(FIGURE_COSTS):
            shares = []
            for n in FIGURE_HORIZONS:
                solution = solve(n, cost)
                shares.append(solution.value_of_randomizing / -solution.pure_value)
            colour = f"C{i}"
            share.plot(FIGURE_HORIZONS, shares, "o-", color=colour, label=f"cost {cost:g}")
            share.axhline(limit_share(cost), color=colour, linestyle="--", linewidth=1)
        share.set_xscale("log")
        share.set_xlabel("horizon N (episodes)")
        share.set_ylabel("share of the fixed-T loss saved")
        share.set_title("Randomizing T: saving (dashed: exp(-1/cost))")
        share.legend(loc="center right", fontsize="small")
        share.set_ylim(bottom=0)

        n = DISTRIBUTION_HORIZON
        for i, cost in enumerate((0.5, 1.0)):
            solution = solve(n, cost)
            cdf = np.cumsum(solution.overseer_strategy.to_numpy())
            lengths = np.arange(n + 1)
            distribution.step(
                lengths / n,
                cdf,
                where="post",
                color=f"C{i + 1}",
                linewidth=2,
                label=f"cost {cost:g}: equilibrium",
            )
            # Continuum: P(T < t N) = exp(-1/cost) / (1 - t) up to t = 1 - exp(-1/cost).
            t = np.linspace(0.0, 1.0 - limit_share(cost), 200)
            distribution.plot(
                t,
                limit_share(cost) / (1.0 - t),
                color="black",
                linestyle=":",
                linewidth=1.2,
                label="continuum limit" if i == 0 else None,
            )
        distribution.set_xlabel("training length T / N")
        distribution.set_ylabel("P(training length <= T)")
        distribution.set_title(f"The overseer's mixed strategy (N = {n})")
        distribution.legend(loc="upper left", fontsize="small")
        distribution.set_xlim(0, 1)
        distribution.set_ylim(0, 1.02)
    png, pdf = out / "game_training_length.png", out / "game_training_length.pdf"
    return save_figure(fig, png, pdf)


def main(out: Path) -> tuple[list[Path], str]:
    """Write the table and the figure to ``out``; return the files and a short summary."""
    frame = table()
    caption = (
        f"The training-length game: the overseer's loss with a fixed and a randomized "
        f"training length T, horizons N = {', '.join(map(str, HORIZONS))}, oversight costs "
        f"{', '.join(map(str, COSTS))} per overseen episode."
    )
    tables = write_table(frame, out / "game_training_length", caption=caption, digits=4)
    written = [*tables, *figure(out)]
    last = frame[frame["cost"] == COSTS[0]].iloc[-1]
    summary = (
        f"   N={int(last['horizon'])}, cost {COSTS[0]}: randomizing T saves "
        f"{last['share_saved']:.1%} of the loss (limit {limit_share(COSTS[0]):.1%})"
    )
    return written, summary


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("out")
    target.mkdir(parents=True, exist_ok=True)
    files, text = main(target)
    print(text)
