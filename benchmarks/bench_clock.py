"""The clock agent: the exact solver over beliefs, and the certified bounds, at research scale.

* no cue, imperfect detection (``detect=0.6``), a uniform boundary: the exact
  solver over beliefs at N = 100, 300, 1000; where a reference runs, its time
  against ours as a ratio: brute force over all ``2^N`` plans (each evaluated
  exactly) at N = 14, and backward induction over the tree of histories at
  N = 7; for the hard update, the probe closed form (the fast path);
* modified selves that decide (``rate=0.5``, ``v_deploy=3``), no cue;
* a noisy cue (0.8): certified bounds (their gap) at N = 100, 300.

Run ``python benchmarks/bench_clock.py`` (``--quick`` skips N = 1000). Prints
one row per problem.
"""

from __future__ import annotations

import itertools
import sys
import time

import numpy as np

from deception_sim import HardUpdate, Payoffs, Plan, Schedule, UpdateRule, evaluate
from deception_sim.report import to_markdown
from deception_sim.solvers import clock, clock_tree, optimize


def timed(function):
    start = time.perf_counter()
    out = function()
    return time.perf_counter() - start, out


def uniform(n: int, cue: float = 0.5) -> Schedule:
    """Training length uniform on 0..n; deployment episodes are honeypots with probability 0.05."""
    pmf = np.full(n + 1, 1.0 / (n + 1))
    return Schedule.random_boundary(n, pmf, cue_accuracy=cue, honeypot_rate=0.05)


def brute_force(schedule: Schedule, update: UpdateRule, pay: Payoffs) -> float:
    return max(
        evaluate(Plan("".join(p)), schedule, update, pay).mesa
        for p in itertools.product("AB", repeat=schedule.horizon)
    )


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    quick = "--quick" in argv
    detect, pay = UpdateRule(detect=0.6), Payoffs()
    rows = []

    def row(problem, n, ours, reference=None, name="", value=None, check=None):
        rows.append(
            {
                "problem": problem,
                "N": n,
                "ours (s)": ours,
                "reference": name,
                "reference (s)": reference if reference is not None else float("nan"),
                "speed-up": reference / ours if reference is not None else float("nan"),
                "value": value,
                "agrees": "" if check is None else ("yes" if check else "NO"),
            }
        )

    small = uniform(14)
    ours, solution = timed(lambda: optimize(small, detect, pay, "clock"))
    reference, best = timed(lambda: brute_force(small, detect, pay))
    row(
        "no cue, detect 0.6",
        14,
        ours,
        reference,
        "all 2^14 plans",
        solution.value,
        abs(best - solution.value) < 1e-9,
    )
    tiny = uniform(7)
    ours, solution = timed(lambda: clock.belief(tiny, detect, pay))
    reference, tree = timed(lambda: clock_tree.solve(tiny, detect, pay))
    row(
        "no cue, detect 0.6",
        7,
        ours,
        reference,
        "history tree",
        solution.value,
        abs(tree.value - solution.value) < 1e-9,
    )
    noisy = uniform(7, cue=0.8)
    ours, solution = timed(lambda: clock.belief(noisy, detect, pay))
    reference, tree = timed(lambda: clock_tree.solve(noisy, detect, pay))
    row(
        "cue 0.8, detect 0.6",
        7,
        ours,
        reference,
        "history tree",
        solution.value,
        abs(tree.value - solution.value) < 1e-9,
    )
    for n in (100, 300) if quick else (100, 300, 1000):
        ours, solution = timed(lambda n=n: optimize(uniform(n), detect, pay, "clock"))
        row("no cue, detect 0.6", n, ours, value=solution.value)
    for n in (100, 300) if quick else (100, 300, 1000):
        ours, solution = timed(lambda n=n: clock.belief(uniform(n), HardUpdate(), pay))
        reference, probe = timed(lambda n=n: optimize(uniform(n), HardUpdate(), pay, "clock"))
        row(
            "no cue, hard update",
            n,
            ours,
            reference,
            "probe closed form",
            solution.value,
            abs(probe.value - solution.value) < 1e-9,
        )
    selves, three = UpdateRule(detect=0.6, rate=0.5), Payoffs(v_deploy=3.0)
    for n in (100, 300):
        ours, solution = timed(lambda n=n: optimize(uniform(n), selves, three, "clock"))
        row("no cue, rate 0.5, v_deploy 3", n, ours, value=solution.value)
    for n in (100, 300):
        ours, solution = timed(lambda n=n: optimize(uniform(n, cue=0.8), detect, pay, "clock"))
        row(f"cue 0.8, bounds (gap {solution.gap:.1e})", n, ours, value=solution.value)
    import pandas as pd

    print(to_markdown(pd.DataFrame(rows), digits=4), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
