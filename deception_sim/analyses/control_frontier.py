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
from deception_sim.report import save_figure, to_csv, to_markdown

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
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6.4, 4.2))
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
    fig.tight_layout()
    return save_figure(fig, out / "control_frontier.png", out / "control_frontier.pdf", dpi=120)


def main(out: Path) -> tuple[list[Path], str]:
    """Write the table and the figure to ``out``; return the files and a short summary."""
    frame = table()
    markdown, csv = out / "control_frontier.md", out / "control_frontier.csv"
    markdown.write_text(to_markdown(frame, digits=4))
    csv.write_text(to_csv(frame))
    summary = "   " + "; ".join(
        f"{attacker}: safety {group['safety'].min():.3f} to {group['safety'].max():.3f}"
        for attacker, group in frame.groupby("attacker", sort=False)
    )
    return [markdown, csv, *figure(frame, out)], summary


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("out")
    target.mkdir(parents=True, exist_ok=True)
    files, text = main(target)
    print(text)
