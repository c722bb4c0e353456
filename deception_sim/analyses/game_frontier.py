"""The safety-cost frontier: the overseer's best audits against a best-responding agent.

D = 10 deployment episodes, no training and no cue; the agent is memoryless
and its utility is "any" (one success is enough). The overseer audits
either the first fraction f of deployment or each episode at random with
probability f, and pays a price c per audited episode: its payoff is
``safety - c * (expected audits)``. For each f the agent best-responds (the
optimal-policies solver); for each price the overseer's best f comes from a
grid and bounded Brent refinement (:func:`deception_sim.games.safety_frontier`).

Random audits give safety f exactly (linear: the overseer audits everything
or nothing); auditing the first k is concave in k, so every price has its
own best k, until audits are so cheap (c D below about 1/e) that it audits
everything. Writes ``game_frontier.md`` and ``.csv`` (the frontier) and
``game_frontier.png`` and ``.pdf``. Run alone:
``python -m deception_sim.analyses.game_frontier [OUT_DIR]``.
"""

from __future__ import annotations

import sys
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd

from deception_sim import Payoffs
from deception_sim.games import design_curve, first_audits, random_audits, safety_frontier
from deception_sim.report import new_figure, save_figure, styled, write_table

DEPLOY = 10
PRICES = (0.02, 0.05, 0.1, 0.3)
ANY = Payoffs(utility="any")
GRID = np.linspace(0.0, 1.0, DEPLOY + 1)  # every whole number of audits


def designs() -> dict[str, partial]:
    return {
        "first k": partial(first_audits, 0, DEPLOY),
        "random": partial(random_audits, 0, DEPLOY),
    }


def table() -> pd.DataFrame:
    frontier = safety_frontier(designs()["first k"], PRICES, payoffs=ANY, grid=GRID.size)
    frontier.insert(1, "design", "first k")
    frontier = frontier.rename(
        columns={"parameter": "audit_fraction", "overseen": "expected_audits"}
    )
    frontier["p_star"] = [
        float(text.removeprefix("Memoryless(").removesuffix(")"))
        for text in frontier.pop("agent_rule")
    ]
    return frontier


def figure(frontier: pd.DataFrame, out: Path) -> list[Path]:
    with styled():
        fig = new_figure("square")
        ax = fig.subplots()
        first = design_curve(designs()["first k"], GRID, payoffs=ANY)
        random = design_curve(designs()["random"], GRID[:: DEPLOY // 2], payoffs=ANY)
        ax.plot(
            first["overseen"],
            first["safety"],
            "o-",
            color="C0",
            label="audit the first k (agent's best response)",
        )
        ax.plot(
            random["overseen"],
            random["safety"],
            "s--",
            color="C1",
            label="audit at random (agent's best response)",
        )
        for row in frontier.itertuples(index=False):
            cost, safety, price = row[3], row[4], row[0]
            # The overseer's iso-payoff line through its choice: slope = the price.
            xs = np.array([max(0.0, cost - 1.5), min(DEPLOY, cost + 1.5)])
            ax.plot(xs, safety + price * (xs - cost), color="0.5", linewidth=0.8)
            ax.plot([cost], [safety], "*", color="C3", markersize=11, zorder=3)
            right = cost > 0.8 * DEPLOY
            ax.annotate(
                f"c = {price:g}",
                (cost, safety),
                textcoords="offset points",
                xytext=(-10, 5) if right else (8, -14),
                ha="right" if right else "left",
                fontsize="small",
                bbox={"fc": "white", "ec": "none", "alpha": 0.85},
            )
        ax.plot(
            [],
            [],
            "*",
            color="C3",
            markersize=11,
            label="overseer's best choice at price c (grey: slope c)",
        )
        ax.set_xlabel(f"expected audited episodes (of D = {DEPLOY})")
        ax.set_ylabel("safety: P(no unoverseen defection succeeds)")
        ax.set_title("Safety against oversight cost, memoryless agent")
        ax.set_xlim(-0.3, DEPLOY + 0.3)
        ax.set_ylim(-0.02, 1.12)
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.15), ncol=1, fontsize="small")
    png, pdf = out / "game_frontier.png", out / "game_frontier.pdf"
    return save_figure(fig, png, pdf)


def main(out: Path) -> tuple[list[Path], str]:
    """Write the table and the figure to ``out``; return the files and a short summary."""
    frame = table()
    caption = (
        f"The overseer's best audit fraction and the safety it buys at each price per "
        f"audited episode ({', '.join(f'{c:g}' for c in PRICES)}), D = {DEPLOY} deployment "
        "episodes, memoryless agent best-responding, utility 'any'."
    )
    tables = write_table(frame, out / "game_frontier", caption=caption, digits=4)
    summary = "   " + ", ".join(
        f"c={row.price:g}: audit {row[2]:.2g}, safety {row.safety:.3f}"
        for row in frame.itertuples(index=False)
    )
    return [*tables, *figure(frame, out)], summary


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("out")
    target.mkdir(parents=True, exist_ok=True)
    files, text = main(target)
    print(text)
