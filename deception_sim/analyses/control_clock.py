"""What an attacker who knows the task index gains, and what the designer recovers.

Games for AI Control's setting (Griffin et al. 2024): 100 tasks, 2 audits,
the Beta monitor of ``control_protocols``, every used attack succeeds. For
each defer rate (0 and 10%), five designs, each evaluated exactly against a
memoryless attacker, a clock attacker (knows the task index) and an
informed one (also knows the audits left: an upper bound on the clock
attacker):

* fixed thresholds tuned against the memoryless attacker (the usual
  analysis), then met by a clock attacker: the safety lost;
* fixed thresholds tuned against the clock attacker;
* paced thresholds (audit false-positive rate ``pace * audits left / tasks
  left``, so by task and audits left) with the pace tuned against the
  informed attacker: exact at any scale, and a guarantee against the clock
  attacker; their exact clock worst case comes from the suffix theorem
  (without deferral every attack ends the deployment) or the exact search;
* the designer's optimal random choice among 12 fixed audit rates (a
  zero-sum game, exact against the clock attacker by the suffix theorem).

Writes ``control_clock.md`` and ``.csv``, and ``control_clock.png`` and
``.pdf`` (worst-case safety of fixed thresholds against each attacker, no
deferral, with the paced design's). Run alone:
``python -m deception_sim.analyses.control_clock [OUT_DIR]``.
"""

from __future__ import annotations

import sys
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from deception_sim.control import (
    Monitor,
    TrustedMonitoring,
    best_design,
    best_thresholds,
    mix_protocols,
    paced_thresholds,
    worst_case,
)
from deception_sim.report import new_figure, save_figure, styled, to_markdown, write_table

TASKS, AUDITS = 100, 2
MONITOR = Monitor(safe=stats.beta(7.39, 6.86), attack=stats.beta(8.91, 2.82))
DEFERS = (0.0, 0.1)
MIXED_RATES = tuple(np.geomspace(0.002, 0.2, 12).round(6).tolist())
ATTACKERS = ("memoryless", "clock", "informed")


def fixed(audit_fpr: float, defer_fpr: float) -> TrustedMonitoring:
    return TrustedMonitoring(
        monitor=MONITOR, tasks=TASKS, audits=AUDITS, audit_fpr=audit_fpr, defer_fpr=defer_fpr
    )


def paced(pace: float, defer_fpr: float) -> TrustedMonitoring:
    return TrustedMonitoring(
        monitor=MONITOR,
        tasks=TASKS,
        audits=AUDITS,
        audit_fpr=paced_thresholds(TASKS, AUDITS, pace),
        defer_fpr=defer_fpr,
    )


def _row(defer: float, design: str, thresholds: str, protocol: object) -> dict[str, object]:
    results = {attacker: worst_case(protocol, attacker) for attacker in ATTACKERS}
    return {
        "defer_fpr": defer,
        "design": design,
        "thresholds": thresholds,
        **{attacker: results[attacker].safety for attacker in ATTACKERS},
        "usefulness": results["clock"].usefulness,
    }


def table() -> pd.DataFrame:
    rows = []
    for defer in DEFERS:
        for attacker in ("memoryless", "clock"):
            best = best_thresholds(
                MONITOR, tasks=TASKS, audits=AUDITS, attacker=attacker, defer_fpr=defer, grid=17
            )
            rows.append(
                _row(
                    defer,
                    f"fixed, tuned for {attacker}",
                    f"audit fpr {best.parameter:.4g}",
                    best.protocol,
                )
            )
        pace = best_design(
            partial(paced, defer_fpr=defer), "informed", bounds=(0.0, 10.0), low=0.01, grid=13
        )
        rows.append(
            _row(defer, "paced, tuned for informed", f"pace {pace.parameter:.4g}", pace.protocol)
        )
        mix = mix_protocols([fixed(x, defer) for x in MIXED_RATES], "clock")
        support = [f"{x:g}" for x, w in zip(MIXED_RATES, mix.weights, strict=True) if w > 0]
        rows.append(
            {
                "defer_fpr": defer,
                "design": "random fixed thresholds vs clock",
                "thresholds": "mix of audit fprs " + ", ".join(support),
                "memoryless": np.nan,
                "clock": mix.safety,
                "informed": np.nan,
                "usefulness": mix.usefulness,
            }
        )
    return pd.DataFrame(rows)


def figure(frame: pd.DataFrame, out: Path) -> list[Path]:
    with styled():
        rates = np.geomspace(1e-3, 0.5, 25)
        fig = new_figure("single")
        ax = fig.subplots()
        styles = {"memoryless": ("C0", "-"), "clock": ("C3", "--"), "informed": ("C2", ":")}
        for attacker, (color, dash) in styles.items():
            safety = [worst_case(fixed(x, 0.0), attacker).safety for x in rates]
            ax.plot(
                rates, safety, color=color, linestyle=dash, label=f"fixed threshold, {attacker}"
            )
        chosen = frame[
            (frame["defer_fpr"] == 0.0) & (frame["design"] == "paced, tuned for informed")
        ]
        ax.axhline(
            float(chosen["clock"].iloc[0]),
            color="0.4",
            linewidth=0.9,
            label="paced thresholds (by task and audits left), clock",
        )
        ax.set_xscale("log")
        ax.set_xlabel("audit false-positive rate (fixed over the deployment)")
        ax.set_ylabel("worst-case safety")
        ax.set_title(f"{TASKS} tasks, {AUDITS} audits, Beta monitor, no deferral")
        ax.set_ylim(0, 1)
        ax.legend(loc="upper left", fontsize="small")
    return save_figure(fig, out / "control_clock.png", out / "control_clock.pdf")


def main(out: Path) -> tuple[list[Path], str]:
    """Write the table and the figure to ``out``; return the files and a short summary."""
    frame = table()
    caption = (
        f"Worst-case safety against memoryless, clock and informed attackers: {TASKS} tasks, "
        f"{AUDITS} audits, monitor scores Beta(7.39, 6.86) on safe and Beta(8.91, 2.82) on "
        f"attacked outputs, deferral rates {', '.join(f'{d:g}' for d in DEFERS)}."
    )
    tables = write_table(frame, out / "control_clock", caption=caption, digits=4)
    first = frame.iloc[0]
    summary = (
        f"   fixed thresholds tuned for a memoryless attacker: safety {first['memoryless']:.3f}, "
        f"against a clock attacker {first['clock']:.3f}\n" + to_markdown(frame, digits=4)
    )
    return [*tables, *figure(frame, out)], summary


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("out")
    target.mkdir(parents=True, exist_ok=True)
    files, text = main(target)
    print(text)
