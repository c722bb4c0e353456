"""Where to audit when episodes differ: two kinds, one audit budget, a best-responding agent.

Deployment only (T = 0, D = 10 episodes), half of them of each kind:

* ``subtle``: easy to exploit, hard to audit (an attack that is not stopped
  succeeds with probability 0.9; an audit detects it with probability 0.3);
* ``obvious``: the reverse (0.3 and 0.9).

Audits can miss, and a missed attack goes through (``missed="through"``); a
detected attack modifies the agent (the hard update); a failed attack is
harmless and unnoticed. The agent wants one success (``utility="any"``) and
sees each episode's kind before it chooses: against every audit plan it
best-responds exactly (the known-phase solver, which here knows the phase and
sees the kind). The overseer audits a share ``budget`` of the deployment
episodes on average: ``h_subtle / 2 + h_obvious / 2 = budget``. Safety is the
probability that no attack succeeds.

The table compares auditing both kinds at the rate ``budget`` with the best
split (a grid over ``h_subtle``, then bounded Brent refinement), and with
putting the whole budget on the subtle kind. The best split gives most of the
budget to the kind where escape is easiest, but never all of it: an
unaudited kind is a free retry for a patient agent.

Writes ``audit_kinds.md`` and ``.csv``. Run alone:
``python analyses/audit_kinds.py [OUT_DIR]``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import optimize as sciopt

from deception_sim import EpisodeKinds, HardUpdate, Kind, Payoffs, Schedule
from deception_sim.report import write_table
from deception_sim.solvers import optimize

DEPLOY = 10
BUDGETS = (0.1, 0.2, 0.3, 0.4, 0.5)
SUBTLE = {"success": 0.9, "detect": 0.3}
OBVIOUS = {"success": 0.3, "detect": 0.9}
SHARE = 0.5  # of the episodes that are subtle (the rest are obvious)
PAYOFFS = Payoffs(utility="any", missed="through")
GRID = 41


def schedule(subtle: float, obvious: float) -> Schedule:
    """Deployment with the two kinds audited at these rates."""
    kinds = EpisodeKinds(
        (
            Kind("subtle", honeypot_rate=subtle, **SUBTLE),
            Kind("obvious", honeypot_rate=obvious, **OBVIOUS),
        ),
        train=(SHARE, 1.0 - SHARE),
    )
    return Schedule.fixed(0, DEPLOY, kinds=kinds)


def safety(subtle: float, obvious: float) -> float:
    """P(no success) against the agent's best response (1 - its "any" utility)."""
    value = optimize(schedule(subtle, obvious), HardUpdate(), PAYOFFS, "known_phase").value
    return max(0.0, 1.0 - value)


def split(budget: float, subtle: float) -> tuple[float, float]:
    """The audit rates when the subtle kind gets ``subtle`` and the budget is spent."""
    obvious = (budget - SHARE * subtle) / (1.0 - SHARE)
    return float(subtle), float(min(1.0, max(0.0, obvious)))


def best_split(budget: float) -> tuple[float, float, float]:
    """The overseer's best ``(h_subtle, h_obvious, safety)`` for a budget."""
    low = max(0.0, (budget - (1.0 - SHARE)) / SHARE)
    high = min(1.0, budget / SHARE)
    grid = np.linspace(low, high, GRID)
    values = [safety(*split(budget, h)) for h in grid]
    i = int(np.argmax(values))
    candidates = [(values[i], float(grid[i]))]
    left, right = grid[max(i - 1, 0)], grid[min(i + 1, GRID - 1)]
    if right > left:
        found = sciopt.minimize_scalar(
            lambda h: -safety(*split(budget, h)),
            bounds=(left, right),
            method="bounded",
            options={"xatol": 1e-9},
        )
        candidates.append((-float(found.fun), float(found.x)))
    value, subtle = max(candidates)
    return (*split(budget, subtle), value)


def table() -> pd.DataFrame:
    rows = []
    for budget in BUDGETS:
        uniform = safety(budget, budget)
        subtle, obvious, best = best_split(budget)
        rows.append(
            {
                "budget": budget,
                "safety_uniform": uniform,
                "h_subtle": subtle,
                "h_obvious": obvious,
                "share_to_subtle": SHARE * subtle / budget,
                "safety_best": best,
                "gain": best / uniform,
                "safety_all_subtle": safety(*split(budget, min(1.0, budget / SHARE))),
            }
        )
    return pd.DataFrame(rows)


def main(out: Path) -> tuple[list[Path], str]:
    """Write the table to ``out``; return the files and a short summary."""
    frame = table()
    caption = (
        f"Auditing by kind of episode: {DEPLOY} deployment episodes, half of them subtle "
        f"(success {SUBTLE['success']:g}, detection {SUBTLE['detect']:g}) and half obvious "
        f"(success {OBVIOUS['success']:g}, detection {OBVIOUS['detect']:g}), missed attacks go "
        "through, one success is enough (utility 'any'); the agent sees the kind and "
        "best-responds (known phase). Safety at each audit budget: uniform, the best split, "
        "and all audits on the subtle kind."
    )
    files = write_table(frame, out / "audit_kinds", caption=caption, digits=4)
    row = frame[frame["budget"] == 0.2].iloc[0]
    summary = (
        f"   auditing 20% of deployment: safety {row['safety_uniform']:.4f} uniformly, "
        f"{row['safety_best']:.4f} with {row['share_to_subtle']:.0%} of the audits on the "
        f"subtle kind ({row['gain']:.2f} times), {row['safety_all_subtle']:.4f} with all of them"
    )
    return files, summary


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("out")
    target.mkdir(parents=True, exist_ok=True)
    files, text = main(target)
    print(text)
