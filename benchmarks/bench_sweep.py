"""Sweeps against the loop of single calls a researcher would write.

1. The seed model's grid: training and deployment lengths T, D in 0..1000
   (1,002,001 cells), hard update, perfect cue, greedy and optimal payoffs.
   ``sweep`` computes it with closed forms as one array computation; the loop
   calls ``evaluate(Greedy(), ...)`` and ``optimize(...)`` once per cell. The
   loop is timed on a random sample of cells (seeded) and scaled to the grid;
   the sample's values are checked against the sweep's rows.
2. A grid with no closed form (honeypots, so the optimal policy is solved per
   cell): ``sweep`` with 1 process, 2 processes and one per core against the
   loop that computes the same table (``evaluate`` of greedy, ``optimize``
   then ``evaluate`` of the optimal policy), whole. Worker processes run one
   BLAS thread each, so the ratio of 1 to 2 processes shows the scaling.

Target (issue 7): the full grid of 1 in under 2 seconds on 2 cores.
Run ``python benchmarks/bench_sweep.py``; ``--quick`` for a smaller sample.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np
import pandas as pd

from deception_sim import Greedy, Schedule, evaluate, optimize, sweep
from deception_sim.report import to_markdown

TARGET_SECONDS = 2.0


def best_of(function, repeat: int) -> tuple[float, object]:
    best, value = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        value = function()
        best = min(best, time.perf_counter() - started)
    return best, value


def loop_cell(train: int, deploy: int, honeypot: float = 0.0) -> tuple[float, float]:
    """The plain loop's body: greedy's and the optimal policy's mesa payoff of one cell."""
    schedule = Schedule.fixed(train, deploy, honeypot_rate=honeypot)
    return evaluate(Greedy(), schedule).mesa, optimize(schedule).value


def loop_row(train: int, deploy: int, honeypot: float) -> tuple[float, float]:
    """The loop that gives the sweep's whole table: every result of both policies."""
    schedule = Schedule.fixed(train, deploy, honeypot_rate=honeypot)
    greedy = evaluate(Greedy(), schedule)
    optimal = evaluate(optimize(schedule).policy, schedule)
    return greedy.mesa, optimal.mesa


def seed_grid(sample: int, repeat: int) -> dict[str, object]:
    lengths = range(0, 1001)
    grid = {"train": lengths, "deploy": lengths}
    sweep(grid, [Greedy(), "optimal"])  # warm up imports and caches
    ours, table = best_of(lambda: sweep(grid, [Greedy(), "optimal"]), repeat)
    cells = len(table) // 2
    rng = np.random.default_rng(2024)
    chosen = rng.integers(0, 1001, size=(sample, 2))
    started = time.perf_counter()
    values = [loop_cell(int(t), int(d)) for t, d in chosen]
    per_cell = (time.perf_counter() - started) / sample
    index = (chosen[:, 0] * 1001 + chosen[:, 1]) * 2
    ours_greedy = table["mesa"].to_numpy()[index]
    ours_optimal = table["mesa"].to_numpy()[index + 1]
    loop_greedy, loop_optimal = (np.array(v) for v in zip(*values, strict=True))
    error = max(np.abs(ours_greedy - loop_greedy).max(), np.abs(ours_optimal - loop_optimal).max())
    loop = per_cell * cells
    return {
        "grid": "T, D in 0..1000, hard update, perfect cue",
        "cells": cells,
        "sweep (s)": ours,
        "loop (s)": loop,
        "loop / sweep": loop / ours,
        "loop timed on": f"{sample} cells, scaled",
        "max abs difference": error,
    }


def solved_grid(size: int, worker_counts: list[int]) -> list[dict[str, object]]:
    """The grid without closed forms, swept with each worker count, and the loop once."""
    lengths = range(0, size + 1)
    grid = {"train": lengths, "deploy": lengths, "honeypot_rate": 0.1}
    started = time.perf_counter()
    values = [loop_row(t, d, 0.1) for t in lengths for d in lengths]
    loop = time.perf_counter() - started
    loop_optimal = np.array([v[1] for v in values])
    rows = []
    for workers in worker_counts:
        ours, table = best_of(
            lambda w=workers: sweep(grid, [Greedy(), "optimal"], mode="evaluate", workers=w), 1
        )
        error = np.abs(table["mesa"].to_numpy()[1::2] - loop_optimal).max()
        unit = "process" if workers == 1 else "processes"
        rows.append(
            {
                "grid": f"T, D in 0..{size}, honeypots 0.1 ({workers} {unit})",
                "cells": len(table) // 2,
                "sweep (s)": ours,
                "loop (s)": loop,
                "loop / sweep": loop / ours,
                "loop timed on": "every cell",
                "max abs difference": error,
            }
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=int, default=400, help="cells the loop is timed on")
    parser.add_argument("--repeat", type=int, default=3, help="best of this many sweeps")
    parser.add_argument("--solved", type=int, default=40, help="largest T, D of grid 2")
    parser.add_argument("--quick", action="store_true", help="small sample, one timing")
    args = parser.parse_args(argv)
    if args.quick:
        args.sample, args.repeat, args.solved = 100, 1, 20
    cores = os.cpu_count() or 1
    solved = solved_grid(args.solved, sorted({1, min(2, cores), cores}))
    rows = [seed_grid(args.sample, args.repeat), *solved]
    print(to_markdown(pd.DataFrame(rows), digits=3), end="")
    if len(solved) > 1:
        # Worker processes run one BLAS thread each (threadpoolctl), so more processes
        # on more cores is faster, never oversubscribed.
        speedup = float(solved[0]["sweep (s)"]) / float(solved[1]["sweep (s)"])
        print(f"\nGrid without closed forms: 2 processes {speedup:.2f}x 1 process.")
    full = rows[0]["sweep (s)"]
    verdict = "under" if full < TARGET_SECONDS else "OVER"
    print(
        f"\nFull T x D grid (greedy and optimal): {full:.2f} s, {verdict} the "
        f"{TARGET_SECONDS:g} s target, on {os.cpu_count()} cores; the loop would take "
        f"{rows[0]['loop (s)'] / 3600:.1f} h."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
