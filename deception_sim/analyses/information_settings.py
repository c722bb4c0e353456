"""What the agent knows changes what it can get: the three information settings.

For a few (T, D), the training length is uniform on T-1..T+1 (a hidden
boundary in a horizon of T + D). ``known_phase`` sees the phase; ``clock``
sees no cue but knows the episode index and remembers whether it survived a
defection; ``memoryless`` sees no cue and nothing else. Writes
``information_settings.md`` and ``.csv``: the optimal policy of each setting,
its value (expected apples, hard update) and, for comparison, Greedy and the
cue-following Deceptive agent.

Run alone: ``python -m deception_sim.analyses.information_settings [OUT_DIR]``.
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from deception_sim import Deceptive, Greedy, HardUpdate, Payoffs, Schedule, evaluate
from deception_sim.report import write_table
from deception_sim.solvers import optimize

PAIRS = ((2, 3), (3, 3), (5, 5), (2, 10))


def hidden(train: int, deploy: int) -> Schedule:
    """Training length uniform on train-1..train+1, in a horizon of train + deploy."""
    horizon = train + deploy
    pmf = np.zeros(horizon + 1)
    pmf[train - 1 : train + 2] = 1.0 / 3.0
    return Schedule.random_boundary(horizon, pmf, observable=False)


def table() -> pd.DataFrame:
    rows = []
    for train, deploy in PAIRS:
        blind = hidden(train, deploy)
        seen = dataclasses.replace(blind, cue_accuracy=1.0)
        for information, schedule in (
            ("known_phase", seen),
            ("clock", blind),
            ("memoryless", blind),
        ):
            solution = optimize(schedule, HardUpdate(), Payoffs(), information)
            memoryless = solution.policy.as_memoryless()
            if memoryless is not None:
                rule = f"defect w.p. {memoryless.probabilities[0]:.4f}"
            elif information == "known_phase":
                deploy_row = solution.policy.decision_table(schedule)[0, :, 1]
                rule = (
                    "comply in training, defect when deployed"
                    if deploy_row.all()
                    else (solution.policy.rule())
                )
            else:
                rule = solution.policy.rule()
            rows.append(
                {
                    "T": train,
                    "D": deploy,
                    "information": information,
                    "optimal policy": rule,
                    "value": solution.value,
                    "greedy": evaluate(Greedy(), schedule).mesa,
                    "deceptive": evaluate(Deceptive(), schedule).mesa,
                }
            )
    return pd.DataFrame(rows)


def main(out: Path) -> tuple[list[Path], str]:
    """Write the table to ``out``; return the files and a short summary."""
    frame = table()
    pairs = ", ".join(f"({t}, {d})" for t, d in PAIRS)
    caption = (
        "The optimal policy's value in each information setting (known phase, clock, "
        f"memoryless), hard update, for (T, D) = {pairs}."
    )
    tables = write_table(frame, out / "information_settings", caption=caption, digits=4)
    first = frame[(frame["T"] == PAIRS[0][0]) & (frame["D"] == PAIRS[0][1])]
    values = ", ".join(f"{r.information} {r.value:.4g}" for r in first.itertuples())
    return tables, f"   T={PAIRS[0][0]}, D={PAIRS[0][1]}, hidden boundary: {values}"


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("out")
    target.mkdir(parents=True, exist_ok=True)
    files, text = main(target)
    print(text)
