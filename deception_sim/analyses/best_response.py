"""How much oversight deters deception: value curves and the agent's best response.

Two sweeps of the hard update with a perfect cue, discount 0.95 per episode
(an impatient agent), comparing ``Greedy()``, ``Deceptive()`` and the optimal
(known-phase) policy:

* **value curves** (``value_curves.png`` and ``.pdf``): expected apples
  against the training length T (0..100) for D = 50 deployment episodes and
  no honeypots. Greed gets one apple now; deception gets
  ``0.95**T (1 - 0.95**50) / 0.05`` later, which falls below one apple from
  T = 57 on: from there the optimal agent is greedy;
* **best response** (``best_response.png`` and ``.pdf``): the overseer sets
  the honeypot rate h (0..0.6) for T = D = 20, and the agent best-responds
  among the three. Top: each policy's value and their upper envelope;
  bottom: the harm (expected successful unoverseen defections) the overseer
  suffers at the agent's best response. Past h* ~ 0.33 deception no longer
  pays, the agent defects at once in training, and the harm drops to 0.

Also writes ``best_response.md`` and ``.csv``: the best response and the harm
for each honeypot rate. Run alone: ``python -m deception_sim.analyses.best_response [OUT_DIR]``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

from deception_sim import Deceptive, Greedy
from deception_sim.report import (
    best_response_curves,
    best_responses,
    save_figure,
    value_curves,
    write_table,
)
from deception_sim.sweeps.running import sweep

DISCOUNT = 0.95
STRATEGIES = (Greedy(), Deceptive(), "optimal")
HONEYPOTS = tuple(np.round(np.arange(0.0, 0.6001, 0.02), 2).tolist())


def curves() -> pd.DataFrame:
    """Apples against the training length T, for D = 50 and no honeypots."""
    grid = {"train": range(0, 101), "deploy": 50, "discount": DISCOUNT}
    return sweep(grid, STRATEGIES, progress=False)


def responses() -> pd.DataFrame:
    """Every policy's payoffs against the honeypot rate, for T = D = 20."""
    grid = {"honeypot_rate": HONEYPOTS, "train": 20, "deploy": 20, "discount": DISCOUNT}
    return sweep(grid, STRATEGIES, progress=False)


def main(out: Path) -> tuple[list[Path], str]:
    """Write the figures and the table to ``out``; return the files and a short summary."""
    by_length = curves()
    figure = value_curves(
        by_length,
        "train",
        title=f"Apples against training length (D = 50, discount {DISCOUNT})",
    )
    written = save_figure(figure, out / "value_curves.png", out / "value_curves.pdf")

    by_rate = responses()
    figure = best_response_curves(
        by_rate,
        "honeypot_rate",
        outcome="harm",
        title=f"Best response to honeypots (T = D = 20, discount {DISCOUNT})",
    )
    written += save_figure(figure, out / "best_response.png", out / "best_response.pdf")

    best = best_responses(by_rate, "honeypot_rate")
    table = best[["honeypot_rate", "policy", "mesa", "harm"]]
    caption = (
        f"The agent's best response to the honeypot rate h and the harm at it: T = D = 20, "
        f"hard update, perfect cue, discount {DISCOUNT}, among Greedy, Deceptive and the "
        "optimal (known-phase) policy."
    )
    tables = write_table(table, out / "best_response", caption=caption, digits=4)
    deterred = best.loc[best["policy"] == "Greedy()", "honeypot_rate"].min()
    wide = by_length.pivot(index="train", columns="policy", values="mesa")
    greedy_wins = wide.index[wide["Deceptive()"] < wide["Greedy()"]].min()
    summary = (
        f"   D = 50, discount {DISCOUNT}: deception beats greed up to T = {greedy_wins - 1}; "
        f"T = D = 20: honeypots at rate {deterred:g} or more make greed the best response "
        "(harm 0)"
    )
    return [*written, *tables], summary


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("out")
    target.mkdir(parents=True, exist_ok=True)
    files, text = main(target)
    print(text)
