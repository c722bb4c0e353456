"""Monte Carlo throughput: ``simulate`` against the pure-Python loop a researcher would write.

Run as ``python benchmarks/bench_simulate.py`` (``--quick`` for a fast smoke
run). For each model it measures agent-episodes per second (runs times the
horizon, divided by the wall time) of :func:`deception_sim.montecarlo.engine.simulate`
and of :func:`loop_simulate`, a plain nested loop over runs and episodes with
``random.Random``, run on fewer runs, and prints the ratio. The loop doubles as
a sanity check: its estimate of each scalar should be within a few standard
errors of ours (the ``z`` column, the largest over the scalars). No assertion
is made on time.
"""

from __future__ import annotations

import argparse
import functools
import math
import random
import time
from collections.abc import Callable

import numpy as np
import pandas as pd

from deception_sim import (
    Deceptive,
    Greedy,
    Memoryless,
    Payoffs,
    Schedule,
    Strategy,
    UpdateRule,
)
from deception_sim.montecarlo import SCALARS, SimulationResult, simulate
from deception_sim.report import to_markdown


def loop_simulate(
    policy: Strategy,
    schedule: Schedule,
    update: UpdateRule,
    payoffs: Payoffs,
    runs: int,
    seed: int,
) -> dict[str, tuple[float, float]]:
    """The model of ``docs/explanation/model.md``, one run and one episode at a time.

    Returns ``{scalar: (estimate, standard error)}`` with the names of
    :data:`deception_sim.montecarlo.engine.SCALARS`.

    >>> out = loop_simulate(Deceptive(), Schedule.fixed(2, 3), UpdateRule(), Payoffs(), 10, 0)
    >>> out["mesa"]
    (3.0, 0.0)
    """
    rnd = random.Random(seed)
    n = schedule.horizon
    table = np.asarray(policy.decision_table(schedule)).tolist()
    boundaries = list(range(n + 1))
    pmf = schedule.train_pmf.tolist()
    honeypot = schedule.honeypots().tolist()
    q, c = schedule.cue_accuracy, schedule.continue_prob
    detect, rate, drift = update.detect, update.rate, update.drift
    v_overseen, v_deploy, success = payoffs.v_overseen, payoffs.v_deploy, payoffs.success
    count_utility = payoffs.utility == "count"
    discount = payoffs.discount
    threshold = payoffs.indifference + 1e-12
    sums = dict.fromkeys(SCALARS, 0.0)
    squares = dict.fromkeys(SCALARS, 0.0)
    defected_runs = 0
    for _ in range(runs):
        boundary = rnd.choices(boundaries, weights=pmf)[0]
        k = m = 0
        mesa = base = 0.0
        harm = first = 0
        for t in range(1, n + 1):
            if t > 1 and rnd.random() >= c:
                break
            train = t <= boundary
            overseen = train or rnd.random() < honeypot[t - 1]
            phase = 0 if train else 1
            cue = phase if q == 1.0 or rnd.random() < q else 1 - phase
            weight = (1.0 - rate) ** k * (1.0 - drift) ** m
            live = (k == 0 and m == 0) or weight > threshold
            g = discount ** (t - 1)
            if live and rnd.random() < table[t - 1][cue]:
                if first == 0:
                    first = t
                if overseen:
                    if count_utility:
                        mesa += g * v_overseen
                    if rnd.random() < detect:
                        k += 1
                elif rnd.random() < success:
                    harm += 1
                    if count_utility:
                        mesa += g * v_deploy
                    elif harm == 1:
                        mesa += g
            else:
                base += g
                if overseen and drift > 0:
                    m += 1
        values = {
            "mesa": mesa,
            "base": base,
            "harm": harm,
            "p_intact": float(k == 0 and m == 0),
            "expected_updates": k,
            "p_defect": float(first > 0),
        }
        if first:
            values["expected_first_defection"] = first
            defected_runs += 1
        for name, value in values.items():
            sums[name] += value
            squares[name] += value * value
    out = {}
    for name in SCALARS:
        count = defected_runs if name == "expected_first_defection" else runs
        if count == 0:
            out[name] = (math.nan, math.nan)
            continue
        mean = sums[name] / count
        variance = max(squares[name] - count * mean * mean, 0.0) / max(count - 1, 1)
        out[name] = (mean, math.sqrt(variance / count))
    return out


def _timed(function: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    value = function()
    return time.perf_counter() - start, value


def _largest_z(ours: SimulationResult, loop: dict[str, tuple[float, float]], runs: int) -> float:
    """The largest ``|ours - loop| / se`` over the scalars.

    Both estimate the mean of the same per-run quantity, so its spread is
    taken from the larger sample (ours): ``se = sd * sqrt(1 / n_ours + 1 /
    n_loop)``. An event too rare for the loop's runs then does not count as
    a discrepancy merely because the loop never saw it.
    """
    largest = 0.0
    for name in SCALARS:
        a, se_a = getattr(ours, name), getattr(ours, f"{name}_se")
        b = loop[name][0]
        if math.isnan(a) or math.isnan(b) or math.isnan(se_a):
            continue
        share = ours.p_defect if name == "expected_first_defection" else 1.0
        n_ours, n_loop = share * ours.runs, share * runs
        spread = se_a * math.sqrt(n_ours) * math.sqrt(1 / n_ours + 1 / n_loop)
        z = 0.0 if a == b else (abs(a - b) / spread if spread > 0 else math.inf)
        largest = max(largest, z)
    return largest


CASES = [
    (
        "seed: fixed(2, 3), Deceptive",
        Deceptive(),
        Schedule.fixed(train=2, deploy=3),
        UpdateRule(),
        Payoffs(),
    ),
    (
        "random boundary N=20, honeypot 0.1, cue 0.9, Memoryless(0.1/0.9)",
        Memoryless({"train": 0.1, "deploy": 0.9}),
        Schedule.random_boundary(
            horizon=20, train_length=np.full(21, 1 / 21), honeypot_rate=0.1, cue_accuracy=0.9
        ),
        UpdateRule(),
        Payoffs(),
    ),
    (
        "fixed(10, 10), detect 0.8 rate 0.5, v_deploy 3, Greedy",
        Greedy(),
        Schedule.fixed(train=10, deploy=10),
        UpdateRule(detect=0.8, rate=0.5),
        Payoffs(v_deploy=3.0),
    ),
]


def main(argv: list[str] | None = None) -> None:
    """Time both implementations on each case and print a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2_000_000, help="runs for simulate")
    parser.add_argument("--loop-runs", type=int, default=20_000, help="runs for the loop")
    parser.add_argument("--repeat", type=int, default=3, help="best of this many timings")
    parser.add_argument("--quick", action="store_true", help="small runs, one timing")
    args = parser.parse_args(argv)
    if args.quick:
        args.runs, args.loop_runs, args.repeat = 100_000, 2_000, 1
    rows = []
    for label, policy, schedule, update, payoffs in CASES:
        model = (policy, schedule, update, payoffs)
        best_ours = best_loop = math.inf
        ours = loop = None
        for attempt in range(args.repeat):
            ours_call = functools.partial(simulate, *model, runs=args.runs, seed=attempt)
            loop_call = functools.partial(loop_simulate, *model, args.loop_runs, attempt)
            elapsed, ours = _timed(ours_call)
            best_ours = min(best_ours, elapsed)
            elapsed, loop = _timed(loop_call)
            best_loop = min(best_loop, elapsed)
        ours_rate = args.runs * schedule.horizon / best_ours
        loop_rate = args.loop_runs * schedule.horizon / best_loop
        rows.append(
            {
                "model": label,
                "simulate per s": ours_rate,
                "loop per s": loop_rate,
                "ours/loop": ours_rate / loop_rate,
                "max z": _largest_z(ours, loop, args.loop_runs),
                "mesa (simulate)": ours.mesa,
                "mesa (loop)": loop["mesa"][0],
            }
        )
    print(to_markdown(pd.DataFrame(rows), digits=3), end="")
    print(
        f"\nAgent-episodes: runs x horizon, over the best of {args.repeat} wall-clock times; "
        f"simulate on {args.runs:,} runs, the loop on {args.loop_runs:,}.\n"
        "max z: the largest |simulate - loop| / (standard error of the difference) over the "
        "scalars; below ~3 they agree."
    )


if __name__ == "__main__":
    main()
