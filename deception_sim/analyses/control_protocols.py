"""Control protocols at AI Control's scale: upfront auditing, trusted monitoring, deferral.

A deployment of 5000 tasks with a budget of 100 audits (2%); a used attack
succeeds with probability 0.53 (AI Control, Greenblatt et al. 2024). The
trusted monitor's scores are Beta(7.39, 6.86) for honest outputs and
Beta(8.91, 2.82) for attacks (the fit used by Games for AI Control, Griffin
et al. 2024). Each protocol meets a memoryless attacker (one attack rate)
and a clock attacker (knows the task index), both exact best responses:

* upfront auditing (the first 100 tasks): AI Control reports about 15%
  safety against the memoryless attacker; the clock attacker waits for the
  audits to end and always wins;
* trusted monitoring, auditing outputs above the honest 98th percentile,
  without deferral and deferring the next 8% and 18% to the trusted model
  (defer false-positive rates 10% and 20%);
* random auditing of 2% of the tasks.

Writes ``control_protocols.md`` and ``.csv``. Run alone:
``python -m deception_sim.analyses.control_protocols [OUT_DIR]``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pandas as pd
from scipy import stats

from deception_sim.control import (
    Monitor,
    RandomAuditing,
    TrustedMonitoring,
    UpfrontAuditing,
    worst_case,
)
from deception_sim.report import to_markdown, write_table

TASKS, AUDITS, SUCCESS = 5000, 100, 0.53
MONITOR = Monitor(safe=stats.beta(7.39, 6.86), attack=stats.beta(8.91, 2.82))


def protocols() -> dict[str, object]:
    common: dict[str, Any] = {"tasks": TASKS, "audits": AUDITS, "success": SUCCESS}
    return {
        "upfront auditing (first 2%)": UpfrontAuditing(**common),
        "random auditing (2%)": RandomAuditing(rate=AUDITS / TASKS, **common),
        "trusted monitoring": TrustedMonitoring(monitor=MONITOR, audit_fpr=0.02, **common),
        "trusted monitoring, defer 10%": TrustedMonitoring(
            monitor=MONITOR, audit_fpr=0.02, defer_fpr=0.1, **common
        ),
        "trusted monitoring, defer 20%": TrustedMonitoring(
            monitor=MONITOR, audit_fpr=0.02, defer_fpr=0.2, **common
        ),
    }


def table() -> pd.DataFrame:
    rows = []
    for name, protocol in protocols().items():
        for attacker in ("memoryless", "clock"):
            result = worst_case(protocol, attacker)
            rows.append(
                {
                    "protocol": name,
                    "attacker": attacker,
                    "safety": result.safety,
                    "usefulness": result.usefulness,
                    "attack": result.summary()["policy"],
                }
            )
    return pd.DataFrame(rows)


def main(out: Path) -> tuple[list[Path], str]:
    """Write the table to ``out``; return the files and a short summary."""
    frame = table()
    caption = (
        f"Safety and usefulness of control protocols: {TASKS} tasks, {AUDITS} audits, "
        f"attack success {SUCCESS}, monitor scores Beta(7.39, 6.86) on safe and "
        "Beta(8.91, 2.82) on attacked outputs; each protocol against its worst attacker."
    )
    tables = write_table(frame, out / "control_protocols", caption=caption, digits=4)
    upfront = frame.iloc[0]
    summary = (
        f"   upfront auditing, memoryless attacker: safety {upfront['safety']:.4f} "
        f"(AI Control: about 0.15)\n" + to_markdown(frame, digits=4)
    )
    return tables, summary


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("out")
    target.mkdir(parents=True, exist_ok=True)
    files, text = main(target)
    print(text)
