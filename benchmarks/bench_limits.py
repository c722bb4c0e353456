"""The resource limits' memory estimates against the measured peak resident memory.

For three sizes of each request (exact evaluation, Monte Carlo, the
known-phase solver, a sweep's table, a drift trajectory), a fresh process
runs the request and reports its peak resident set size (``VmHWM``)
above what importing the package took; the table puts it next to the
estimate of :mod:`deception_sim.model.limits`, which is meant to be above
the measured peak and within a factor of about two of it (exact evaluation's
per-level term is set for the worst case, every state of every level stored,
so models whose levels are mostly empty come out further above).

Run ``python benchmarks/bench_limits.py``; ``--quick`` for the smallest sizes only.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd

from deception_sim.model import limits
from deception_sim.report import to_markdown

ROOT = Path(__file__).resolve().parents[1]

CHILD = """
import json, resource, sys
kind, size = sys.argv[1], int(sys.argv[2])

def peak():
    # The process's own high-water mark (VmHWM, in KiB). ru_maxrss would do on a fresh
    # process, but Linux carries it over from a large parent across fork and exec.
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

from deception_sim import (Memoryless, Payoffs, Schedule, UpdateRule, drift_trajectory,
                           evaluate, optimize, simulate, standard_world, sweep)
schedule = None
if kind in ("evaluate", "simulate"):
    schedule = Schedule.fixed(size // 2, size - size // 2, honeypot_rate=0.1, cue_accuracy=0.9)
elif kind == "optimize":
    schedule = Schedule.fixed(size // 2, size - size // 2, honeypot_rate=0.01)
before = peak()
if kind == "evaluate":
    evaluate(Memoryless({"train": 0.1, "deploy": 0.9}), schedule, UpdateRule(detect=0.5, rate=0.3),
             Payoffs(utility="any"))
elif kind == "optimize":
    optimize(schedule, UpdateRule(detect=0.5, rate=0.5), Payoffs(v_deploy=10.0))
elif kind == "simulate":
    simulate(Memoryless(0.3), schedule, runs=1000, seed=0, curves=False)
elif kind == "sweep":
    side = int(size ** 0.5)
    sweep({"train": range(side), "deploy": range(size // side)}, ["greedy", "deceptive", "optimal"])
elif kind == "trajectory":
    drift_trajectory(standard_world().learn("X", "Y", at=10, rate=0.01), "X", size)
after = peak()
print(json.dumps({"peak": (after - before) * 1024}))
"""

SIZES = {
    "evaluate": (10**5, 10**6, 10**7),
    "simulate": (10**4, 10**5, 10**6),
    "optimize": (10**4, 10**5, 10**6),
    "sweep": (10**4, 10**5, 10**6),
    "trajectory": (10**5, 10**6, 10**7),
}


def estimate(kind: str, size: int) -> float:
    from deception_sim import Payoffs, UpdateRule, objective_levels

    if kind == "evaluate":
        levels = len(objective_levels(UpdateRule(detect=0.5, rate=0.3), Payoffs().indifference))
        return limits.schedule_bytes(size) + limits.evaluation_bytes(size, levels)
    if kind == "simulate":
        return limits.schedule_bytes(size) + limits.simulation_bytes(size, 1000, 2**15)
    if kind == "optimize":
        indifference = Payoffs(v_deploy=10.0).indifference
        levels = len(objective_levels(UpdateRule(detect=0.5, rate=0.5), indifference))
        return limits.schedule_bytes(size) + limits.solver_bytes(size, levels)
    if kind == "sweep":
        side = int(size**0.5)
        return limits.sweep_bytes(side * (size // side) * 3, 2 + 3 + 7)
    return limits.trajectory_bytes(size + 1, 3)


def measure(kind: str, size: int) -> float:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, kind, str(size)],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )
    return float(json.loads(done.stdout)["peak"])


def main(argv: list[str] | None = None) -> pd.DataFrame:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="the smallest size of each")
    args = parser.parse_args(argv)
    rows = []
    for kind, sizes in SIZES.items():
        for size in sizes[:1] if args.quick else sizes:
            peak, guess = measure(kind, size), estimate(kind, size)
            rows.append(
                {
                    "request": kind,
                    "size": size,
                    "estimate": limits.format_bytes(guess),
                    "measured peak": limits.format_bytes(peak),
                    "estimate / peak": round(guess / peak, 2) if peak else float("nan"),
                }
            )
    table = pd.DataFrame(rows)
    print(to_markdown(table), end="")
    return table


if __name__ == "__main__":
    main()
