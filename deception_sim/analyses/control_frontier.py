"""The safety-usefulness frontier of trusted monitoring with deferral, by attacker.

100 tasks, 2 audits, the Beta monitor of ``control_protocols``, every used
attack succeeds, a deferred task is worth nothing (usefulness counts the
untrusted model's outputs). For each defer false-positive rate the audit
rate is the designer's best against the attacker (memoryless, or clock:
knows the task index), found by a dense bracket and bounded refinement;
safety is that attacker's exact best response
(:func:`deception_sim.control.pareto_frontier`).

Writes ``control_frontier.md`` and ``.csv`` and ``control_frontier.png`` and
``.pdf``. Run alone: ``python -m deception_sim.analyses.control_frontier [OUT_DIR]``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
from scipy import stats

from deception_sim.control import Monitor, pareto_frontier
from deception_sim.report import new_figure, save_figure, styled, write_table

TASKS, AUDITS = 100, 2
MONITOR = Monitor(safe=stats.beta(7.39, 6.86), attack=stats.beta(8.91, 2.82))
DEFERS = (0.0, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5)


def table() -> pd.DataFrame:
    frames = [
        pareto_frontier(
            MONITOR, tasks=TASKS, audits=AUDITS, attacker=attacker, defer_fprs=DEFERS, grid=13
        )
        for attacker in ("memoryless", "clock")
    ]
    return pd.concat(frames, ignore_index=True)


def figure(frame: pd.DataFrame, out: Path) -> list[Path]:
    with styled():
        fig = new_figure("single")
        ax = fig.subplots()
        for (attacker, group), (color, marker) in zip(
            frame.groupby("attacker", sort=False), (("C0", "o"), ("C3", "s")), strict=True
        ):
            ax.plot(
                group["usefulness"],
                group["safety"],
                marker=marker,
                color=color,
                label=f"{attacker} attacker",
            )
            for row in group.itertuples(index=False):
                ax.annotate(
                    f"{row.defer_fpr:g}",
                    (row.usefulness, row.safety),
                    textcoords="offset points",
                    xytext=(4, 4),
                    fontsize="x-small",
                    color=color,
                )
        ax.set_xlabel("usefulness (fraction of tasks done by the untrusted model)")
        ax.set_ylabel("worst-case safety (best audit rate)")
        ax.set_title(
            f"Trusted monitoring with deferral: {TASKS} tasks, {AUDITS} audits (labels: defer fpr)"
        )
        ax.set_ylim(0, 1)
        ax.legend(loc="lower left", fontsize="small")
    return save_figure(fig, out / "control_frontier.png", out / "control_frontier.pdf")


def main(out: Path) -> tuple[list[Path], str]:
    """Write the table and the figure to ``out``; return the files and a short summary."""
    frame = table()
    caption = (
        f"Trusted monitoring with deferral, safety against usefulness: {TASKS} tasks, "
        f"{AUDITS} audits, monitor scores Beta(7.39, 6.86) on safe and Beta(8.91, 2.82) on "
        f"attacked outputs, deferral false-positive rates {', '.join(f'{d:g}' for d in DEFERS)}."
    )
    tables = write_table(frame, out / "control_frontier", caption=caption, digits=4)
    summary = "   " + "; ".join(
        f"{attacker}: safety {group['safety'].min():.3f} to {group['safety'].max():.3f}"
        for attacker, group in frame.groupby("attacker", sort=False)
    )
    return [*tables, *figure(frame, out)], summary


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("out")
    target.mkdir(parents=True, exist_ok=True)
    files, text = main(target)
    print(text)
