"""The lecture's maze: every pure plan for two training and three deployment episodes.

Writes ``seed_plans.md`` and ``seed_plans.csv``: the 32 plans with their
expected apples (mesa payoff) and exits (base payoff) under the hard update,
best first. The deceptive plan ``BBAAA`` is the unique optimum with 3 apples;
the greedy ``AAAAA`` gets 1.

Run alone: ``python -m deception_sim.analyses.seed_plans [OUT_DIR]``.
"""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

import pandas as pd

from deception_sim import HardUpdate, Payoffs, Plan, Schedule, evaluate
from deception_sim.report import to_markdown, write_table

TRAIN, DEPLOY = 2, 3


def table() -> pd.DataFrame:
    """Mesa and base payoffs of every pure plan on the seed's schedule, best first."""
    schedule = Schedule.fixed(train=TRAIN, deploy=DEPLOY)
    rows = []
    for letters in itertools.product("AB", repeat=TRAIN + DEPLOY):
        plan = "".join(letters)
        result = evaluate(Plan(plan), schedule, HardUpdate(), Payoffs())
        rows.append({"plan": plan, "mesa": result.mesa, "base": result.base})
    frame = pd.DataFrame(rows).sort_values(["mesa", "plan"], ascending=[False, True], kind="stable")
    frame.insert(0, "rank", range(1, len(frame) + 1))
    return frame.reset_index(drop=True)


def main(out: Path) -> tuple[list[Path], str]:
    """Write the table to ``out``; return the files and a short summary."""
    frame = table()
    caption = (
        f"Every pure plan of the lecture's maze: expected apples (mesa payoff) and exits "
        f"(base payoff), T = {TRAIN} training and D = {DEPLOY} deployment episodes, "
        "hard update, perfect cue, no honeypots, best first."
    )
    tables = write_table(frame, out / "seed_plans", caption=caption)
    best = frame.iloc[0]
    greedy = frame.loc[frame["plan"] == "A" * (TRAIN + DEPLOY)].iloc[0]
    summary = (
        f"   T={TRAIN}, D={DEPLOY}, hard update: best plan {best['plan']} gets "
        f"{best['mesa']:g} apples; greedy {greedy['plan']} gets "
        f"{greedy['mesa']:g}\n" + to_markdown(frame.head(8))
    )
    return tables, summary


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("out")
    target.mkdir(parents=True, exist_ok=True)
    files, text = main(target)
    print(text)
