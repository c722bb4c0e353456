"""Monitored deployments: exact evaluation against a plain loop and against Monte Carlo.

The protocol is trusted monitoring with the Beta monitor of Games for AI
Control (audit fpr 2%, defer fpr 10%, a used attack succeeds with
probability 0.53), M = 10 000 tasks and C = 200 audits; the attacker is
memoryless at the rate that is its best response. Rows:

* exact safety by the vectorized recursion (``attacker_win``, one numpy step
  per task over the audits left) and by the closed form
  (``memoryless_win``), against the plain Python loop over tasks and audits
  a researcher would write (the same recursion, one number at a time);
* the same safety to a standard error of 0.001 by Monte Carlo: a
  straightforward simulation (one run at a time, one task at a time, timed
  on a sample of runs and scaled) and ours (``simulate_protocol``, all runs
  side by side, one numpy step per task), against exact evaluation;
* the clock attacker's exact best response (the suffix theorem, ``O(M C)``)
  against brute force over all ``2**M`` plans on M = 16 tasks.

Run ``python benchmarks/bench_control.py`` (``--quick``: M = 2000, C = 40).
Prints one row per comparison with the ratio theirs / ours and the largest
difference between the two answers.
"""

from __future__ import annotations

import itertools
import sys
import time

import numpy as np
import pandas as pd
from scipy import stats

from deception_sim.control import Monitor, TrustedMonitoring, simulate_protocol, worst_case
from deception_sim.control.recursion import attacker_win, memoryless_win
from deception_sim.report import to_markdown

MONITOR = Monitor(safe=stats.beta(7.39, 6.86), attack=stats.beta(8.91, 2.82))
TARGET_SE = 1e-3
SAMPLE_RUNS = 300


def timed(function):
    start = time.perf_counter()
    value = function()
    return time.perf_counter() - start, value


def plain_loop(tr, rate: float) -> float:
    """Safety by the recursion in plain Python: a loop over tasks, a loop over audits left."""
    ha = tr.full("honest_audit")[0].tolist()
    aa = tr.full("attack_audit")[0].tolist()
    ad = tr.full("attack_defer")[0].tolist()
    value = [1.0] * (tr.audits + 1)
    for _ in range(tr.tasks):
        after = value
        value = []
        for c in range(tr.audits + 1):
            honest = ha[c] * after[c - 1] + (1 - ha[c]) * after[c] if c else after[c]
            going_on = 1 - aa[c] - tr.success * (1 - aa[c] - ad[c])
            value.append((1 - rate) * honest + rate * (aa[c] + going_on * after[c]))
    return value[tr.audits]


def plain_monte_carlo(tr, rate: float, runs: int, rng: np.random.Generator) -> float:
    """The straightforward simulation: one run at a time, one task at a time."""
    ha = tr.full("honest_audit")[0].tolist()
    hd = tr.full("honest_defer")[0].tolist()
    aa = tr.full("attack_audit")[0].tolist()
    ad = tr.full("attack_defer")[0].tolist()
    safe = 0
    for _ in range(runs):
        audits, won = tr.audits, False
        for _ in range(tr.tasks):
            u = rng.random()
            if rng.random() < rate:
                if u < aa[audits]:
                    break  # caught
                if u >= aa[audits] + ad[audits] and rng.random() < tr.success:
                    won = True
                    break
            elif u < ha[audits]:
                audits -= 1
            elif u < ha[audits] + hd[audits]:
                pass  # deferred: the usefulness tally a real loop keeps
        safe += not won
    return safe / runs


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    quick = "--quick" in argv
    tasks, audits = (2000, 40) if quick else (10_000, 200)
    proto = TrustedMonitoring(
        monitor=MONITOR, tasks=tasks, audits=audits, audit_fpr=0.02, defer_fpr=0.1, success=0.53
    )
    tr = proto.transitions()
    rate = float(worst_case(proto, "memoryless").policy)
    rows = []
    loop, looped = timed(lambda: plain_loop(tr, rate))
    for name, run in (
        ("recursion (attacker_win)", lambda: 1 - attacker_win(tr, rate)[0]),
        ("closed form (memoryless_win)", lambda: 1 - memoryless_win(tr, [rate])[0]),
    ):
        ours, value = timed(run)
        rows.append(
            {
                "problem": f"exact safety, M={tasks}, C={audits}",
                "ours": name,
                "against": "plain Python loop over tasks and audits",
                "ours (s)": ours,
                "theirs (s)": loop,
                "theirs / ours": loop / ours,
                "difference": abs(float(value) - looped),
            }
        )
    exact_time, exact = timed(lambda: 1 - attacker_win(tr, rate)[0])
    runs = int(np.ceil(exact * (1 - exact) / TARGET_SE**2))
    rng = np.random.default_rng(0)
    sample, estimate = timed(lambda: plain_monte_carlo(tr, rate, SAMPLE_RUNS, rng))
    scaled = sample * runs / SAMPLE_RUNS
    rows.append(
        {
            "problem": f"safety to s.e. {TARGET_SE:g} ({runs} runs)",
            "ours": "exact recursion",
            "against": f"straightforward Monte Carlo ({SAMPLE_RUNS} runs timed, scaled)",
            "ours (s)": exact_time,
            "theirs (s)": scaled,
            "theirs / ours": scaled / exact_time,
            "difference": abs(estimate - exact),
        }
    )
    vectorized, simulated = timed(
        lambda: simulate_protocol(proto, rate, runs=runs, honest_runs=0, seed=0)
    )
    rows.append(
        {
            "problem": f"safety to s.e. {TARGET_SE:g} ({runs} runs)",
            "ours": "exact recursion",
            "against": "simulate_protocol (vectorized Monte Carlo)",
            "ours (s)": exact_time,
            "theirs (s)": vectorized,
            "theirs / ours": vectorized / exact_time,
            "difference": abs(simulated.safety - exact),
        }
    )
    small = TrustedMonitoring(
        monitor=MONITOR, tasks=16, audits=2, audit_fpr=0.05, defer_fpr=0.1, success=0.53
    )
    ours, best = timed(lambda: worst_case(small, "clock").safety)
    plans = np.array(list(itertools.product([0.0, 1.0], repeat=16)))[:, :, None]
    theirs, brute = timed(lambda: 1 - attacker_win(small.transitions(), plans).max())
    rows.append(
        {
            "problem": "clock best response, M=16, C=2",
            "ours": "suffix theorem",
            "against": "brute force over 2^16 plans (vectorized recursion)",
            "ours (s)": ours,
            "theirs (s)": theirs,
            "theirs / ours": theirs / ours,
            "difference": abs(best - brute),
        }
    )
    print(to_markdown(pd.DataFrame(rows), digits=3))
    return 0


if __name__ == "__main__":
    sys.exit(main())
