"""Greedy against deceptive over training and deployment lengths, honeypots and cue noise.

Writes ``strategies_by_length.md`` and ``.csv``: expected apples (mesa payoff)
of ``Greedy()`` and ``Deceptive()`` under the hard update, and the deception
advantage (deceptive minus greedy), for a few (T, D), honeypot rates and cue
accuracies. Used by docs/how-to/compare-strategies.md.

Run alone: ``python -m deception_sim.analyses.strategies_by_length [OUT_DIR]``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from deception_sim import Deceptive, Greedy, HardUpdate, Payoffs, Schedule, evaluate
from deception_sim.report import write_table

TRAIN = (2, 10)
DEPLOY = (0, 1, 2, 3, 10)
SETTINGS = ((0.0, 1.0), (0.1, 1.0), (0.0, 0.9))  # (honeypot rate, cue accuracy)


def table() -> pd.DataFrame:
    """One row per (honeypot, cue, T, D): both strategies' apples and the difference."""
    rows = []
    for honeypot, cue in SETTINGS:
        for train in TRAIN:
            for deploy in DEPLOY:
                schedule = Schedule.fixed(train, deploy, honeypot_rate=honeypot, cue_accuracy=cue)
                greedy = evaluate(Greedy(), schedule, HardUpdate(), Payoffs()).mesa
                deceptive = evaluate(Deceptive(), schedule, HardUpdate(), Payoffs()).mesa
                rows.append(
                    {
                        "honeypot": honeypot,
                        "cue": cue,
                        "T": train,
                        "D": deploy,
                        "greedy": greedy,
                        "deceptive": deceptive,
                        "advantage": deceptive - greedy,
                    }
                )
    return pd.DataFrame(rows)


def main(out: Path) -> tuple[list[Path], str]:
    """Write the table to ``out``; return the files and a short summary."""
    frame = table()
    caption = (
        "Expected apples (mesa payoff) of Greedy and Deceptive and the deception advantage, "
        f"hard update, T = {', '.join(map(str, TRAIN))}, D = {', '.join(map(str, DEPLOY))}, "
        "for (honeypot rate, cue accuracy) = "
        + ", ".join(f"({h:g}, {q:g})" for h, q in SETTINGS)
        + "."
    )
    tables = write_table(frame, out / "strategies_by_length", caption=caption, digits=4)
    perfect = (frame["honeypot"] == 0) & (frame["cue"] == 1)
    wins = frame[perfect & (frame["advantage"] > 0)]
    summary = (
        f"   perfect cue, no honeypots: deception wins from D = {int(wins['D'].min())}; "
        f"largest advantage {frame['advantage'].max():g} apples"
    )
    return tables, summary


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("out")
    target.mkdir(parents=True, exist_ok=True)
    files, text = main(target)
    print(text)
