"""The honeypot rate that makes deception unprofitable against Greedy, by T and D.

The agent sees the phase (a honeypot looks like deployment), the update is
the hard one, and the overseer sets the honeypot rate h. Greedy eats one
apple in the first training episode and is modified; the treacherous turn
waits T episodes and then defects until a honeypot catches it. With the
seed's payoffs an apple is eaten even when the agent is caught, so only
h = 1 deters it; an *impatient* agent (discount g = 0.9 per episode) gets
``g**T * (1 - (g (1 - h))**D) / (1 - g (1 - h))`` from deception, and the
table gives the smallest h at which that is at most Greedy's one apple
(:func:`deception_sim.games.deterrence_rate`; 0: deception never paid).

Writes ``game_honeypots.md`` and ``.csv``. Run alone:
``python -m deception_sim.analyses.game_honeypots [OUT_DIR]``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from deception_sim import Payoffs, Schedule
from deception_sim.games import deterrence_rate
from deception_sim.report import to_csv, write_table

DISCOUNT = 0.9
TRAIN = (1, 2, 5, 10, 20)
DEPLOY = (1, 2, 5, 10, 20, 100)


def long_table() -> pd.DataFrame:
    rows = []
    payoffs = Payoffs(discount=DISCOUNT)
    for train in TRAIN:
        for deploy in DEPLOY:
            rate = deterrence_rate(Schedule.fixed(train, deploy), payoffs=payoffs, grid=17)
            rows.append({"train": train, "deploy": deploy, "deterrence_rate": rate})
    return pd.DataFrame(rows)


def table() -> pd.DataFrame:
    """T down the side, D across (``deploy_D``): the smallest deterring honeypot rate."""
    wide = long_table().pivot(index="train", columns="deploy", values="deterrence_rate")
    wide.columns = [f"deploy_{d}" for d in wide.columns]
    return wide.reset_index()


def main(out: Path) -> tuple[list[Path], str]:
    """Write the table to ``out``; return the files and a short summary."""
    frame = table()
    caption = (
        f"Deterrence honeypot rate h*: the smallest honeypot rate at which deception stops "
        f"paying, hard update, discount {DISCOUNT}, training lengths T = "
        f"{', '.join(map(str, TRAIN))} (rows) and deployment lengths D = "
        f"{', '.join(map(str, DEPLOY))} (columns)."
    )
    tables = write_table(frame, out / "game_honeypots", caption=caption, digits=3)
    data = out / "game_honeypots_data.csv"
    data.write_text(to_csv(long_table()))
    seed = deterrence_rate(Schedule.fixed(2, 3))
    return [*tables, data], (
        f"   discount {DISCOUNT}: T=2, D=100 needs h >= {frame['deploy_100'].iloc[1]:.3g}; "
        f"the seed's payoffs (no discount) need h = {seed:g}"
    )


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("out")
    target.mkdir(parents=True, exist_ok=True)
    files, text = main(target)
    print(text)
