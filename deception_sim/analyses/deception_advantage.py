"""The deception advantage over training x deployment length: a heatmap and a table.

The deception advantage is what the optimal (known-phase) agent expects
beyond the greedy one, in apples (mesa payoff), under the hard update with a
perfect cue and no honeypots, for every training length T and deployment
length D in 0..1000 (step 5), swept with ``deception_sim.sweeps.running`` (closed
forms, one array computation). Two panels:

* a patient agent (no discount): the advantage is ``D - 1`` apples whenever
  ``T >= 1`` and ``D >= 1``: the deceptive agent gets all ``D`` deployment
  apples, the greedy one the single training apple;
* discount 0.99 per episode: complying through training is worth
  ``0.99**T (1 - 0.99**D) / 0.01``; once that falls below the one apple a
  defection gets now, the optimal agent is greedy and the advantage is 0.
  The dashed line is that boundary, ``T* = log((1 - 0.99**D) / 0.01) / -log 0.99``;
  the colour scale of this panel is a square root, so that small advantages show.

Writes ``deception_advantage.png`` and ``.pdf`` (the figure),
``deception_advantage.md`` (the advantage at a few (T, D), both discounts)
and ``deception_advantage.csv`` (the same cells, tidy, with both payoffs).
Used by docs/how-to/sweeps.md. Run alone:
``python -m deception_sim.analyses.deception_advantage [OUT_DIR]``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

from deception_sim import Greedy
from deception_sim.report import (
    advantage_heatmap,
    deception_advantage,
    new_figure,
    save_figure,
    styled,
    to_csv,
    to_markdown,
    write_table,
)
from deception_sim.sweeps.running import sweep

LENGTHS = range(0, 1001, 5)
DISCOUNTS = (1.0, 0.99)
TABLE_TRAIN = (0, 1, 10, 100, 1000)
TABLE_DEPLOY = (0, 1, 2, 10, 100, 1000)
STRATEGIES = (Greedy(), "optimal")


def grid_table(train, deploy) -> pd.DataFrame:
    """Greedy and optimal payoffs for every (discount, T, D)."""
    return sweep(
        {"discount": DISCOUNTS, "train": train, "deploy": deploy}, STRATEGIES, progress=False
    )


def small_table(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The advantage pivoted (rows: discount, T; columns: D), and the same cells tidy."""
    wide = frame.pivot_table(
        index=["discount", "train", "deploy"], columns="policy", values="mesa", sort=False
    ).reset_index()
    wide.columns.name = None
    tidy = wide.rename(columns={"Greedy()": "greedy", "Optimal(known_phase)": "optimal"})
    tidy["advantage"] = tidy["optimal"] - tidy["greedy"]
    pivot = tidy.pivot(index=["discount", "train"], columns="deploy", values="advantage")
    pivot = pivot.sort_index(ascending=[False, True])
    pivot.columns = [f"D={d}" for d in pivot.columns]
    pivot = pivot.reset_index().rename(columns={"train": "T"})
    return pivot, tidy


def boundary(discount: float, deploy: np.ndarray) -> np.ndarray:
    """Training length beyond which deception no longer pays (optimal = greedy)."""
    worth = (1.0 - discount**deploy) / (1.0 - discount)
    with np.errstate(divide="ignore"):
        return np.log(worth) / -np.log(discount)


def figure(frame: pd.DataFrame, paths: tuple[Path, Path]) -> list[Path]:
    """The two-panel heatmap."""
    from matplotlib.colors import PowerNorm

    with styled():
        fig = new_figure((10.5, 4.3))
        axes = fig.subplots(1, 2)
        titles = {1.0: "no discount", 0.99: "discount 0.99 per episode"}
        for ax, discount in zip(axes, DISCOUNTS, strict=True):
            panel = frame[frame["discount"] == discount].drop(columns="discount")
            # A square-root colour scale where the advantage fades, so that small values show.
            norm = None if discount == 1.0 else PowerNorm(0.5)
            title = f"Deception advantage, {titles[discount]}"
            advantage_heatmap(panel, ax=ax, title=title, norm=norm)
            if discount < 1.0:
                deploy = np.arange(1, 1001, dtype=float)
                edge = boundary(discount, deploy)
                ax.plot(deploy, edge, color="white", linestyle="--", linewidth=1.2)
                ax.annotate(
                    "optimal = greedy above this line",
                    xy=(600, float(boundary(discount, np.array([600.0]))[0])),
                    xytext=(330, 800),
                    color="white",
                    fontsize=8.5,
                    arrowprops={"arrowstyle": "->", "color": "white", "linewidth": 0.8},
                )
                ax.set_ylim(-2.5, 1002.5)
    return save_figure(fig, *paths)


def main(out: Path) -> tuple[list[Path], str]:
    """Write the figure and the tables to ``out``; return the files and a short summary."""
    frame = grid_table(LENGTHS, LENGTHS)
    png, pdf = out / "deception_advantage.png", out / "deception_advantage.pdf"
    figure(frame, (png, pdf))
    pivot, tidy = small_table(grid_table(TABLE_TRAIN, TABLE_DEPLOY))
    caption = (
        "The deception advantage: expected apples of the optimal (known-phase) agent minus the "
        "greedy one's, hard update, perfect cue, no honeypots, discount "
        f"{' and '.join(f'{d:g}' for d in DISCOUNTS)}, for T = "
        f"{', '.join(map(str, TABLE_TRAIN))} (rows) and D = {', '.join(map(str, TABLE_DEPLOY))}."
    )
    tables = write_table(pivot, out / "deception_advantage", caption=caption, digits=4)
    data = out / "deception_advantage_data.csv"
    data.write_text(to_csv(tidy))
    patient = deception_advantage(frame[frame["discount"] == 1.0].drop(columns="discount"))
    cells = len(frame) // len(STRATEGIES)
    summary = (
        f"   {cells:,} (discount, T, D) cells: no discount, the advantage is D - 1 for T >= 1 "
        f"(max {patient.to_numpy().max():g} apples); discount 0.99: deception stops paying "
        f"beyond T = {boundary(0.99, np.array([1000.0]))[0]:.0f} training episodes\n"
        + to_markdown(pivot, digits=4)
    )
    return [png, pdf, *tables, data], summary


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("out")
    target.mkdir(parents=True, exist_ok=True)
    files, text = main(target)
    print(text)
