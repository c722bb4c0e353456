"""Exact evaluation at N = 10^6: against the plain Python loop and one numpy.cumprod.

The plain loop is what a researcher would write for the hard update: one pass
over the episodes carrying the probability of being intact in training and in
deployment. ``numpy.cumprod`` over 10^6 floats is our stand-in for one pass over
memory. Prints one row per scenario; run ``python benchmarks/bench_evaluate.py``.
Targets (issue 2): at least 10x the loop, within 5x of the cumprod.
"""

from __future__ import annotations

import sys
import timeit

import numpy as np
from scipy import stats

from deception_sim import (
    Bayesian,
    Deceptive,
    Greedy,
    HardUpdate,
    Memoryless,
    Payoffs,
    Schedule,
    UpdateRule,
    evaluate,
)
from deception_sim.report import to_markdown

N = 10**6


def plain_loop(table: np.ndarray, schedule: Schedule, detect: float = 1.0) -> float:
    """Expected apples under the hard update (count utility, default values), by a loop."""
    q = schedule.cue_accuracy
    h = schedule.honeypots().tolist()
    pmf = schedule.train_pmf.tolist()
    on_train = table[:, 0].tolist()
    on_deploy = table[:, 1].tolist()
    survival = 1.0
    train, deploy, apples = 1.0, pmf[0], 0.0
    for t in range(schedule.horizon):
        survival -= pmf[t]
        a_train = q * on_train[t] + (1 - q) * on_deploy[t]
        a_deploy = (1 - q) * on_train[t] + q * on_deploy[t]
        apples += a_train * survival * train + a_deploy * deploy
        train *= 1 - a_train * detect
        deploy = deploy * (1 - h[t] * a_deploy * detect) + pmf[t + 1] * train
    return apples


def best_of(function, repeat: int = 5) -> float:
    return min(timeit.repeat(function, number=1, repeat=repeat))


def scenarios():
    half = N // 2
    uniform = stats.randint(0, N + 1)
    yield "fixed T=D, Deceptive", Deceptive(), Schedule.fixed(half, half), HardUpdate()
    yield "fixed T=D, Greedy", Greedy(), Schedule.fixed(half, half), HardUpdate()
    yield (
        "fixed, honeypots 1e-3, cue 0.9, Memoryless",
        Memoryless({"train": 0.001, "deploy": 0.5}),
        Schedule.fixed(half, half, honeypot_rate=1e-3, cue_accuracy=0.9),
        HardUpdate(),
    )
    yield (
        "uniform boundary, no cue, Bayesian",
        Bayesian(0.5),
        Schedule.random_boundary(N, uniform, observable=False),
        HardUpdate(),
    )
    yield (
        "uniform boundary, honeypots 0.01, cue 0.8, Memoryless",
        Memoryless({"train": 0.01, "deploy": 0.9}),
        Schedule.random_boundary(N, uniform, honeypot_rate=0.01, cue_accuracy=0.8),
        HardUpdate(),
    )
    yield (
        "fixed, partial update (detect .8, rate .5), Deceptive",
        Deceptive(),
        Schedule.fixed(half, half, honeypot_rate=1e-3),
        UpdateRule(detect=0.8, rate=0.5),
    )


def main() -> int:
    floats = np.full(N, 1.0 - 1e-9)
    cumprod = best_of(lambda: np.cumprod(floats), repeat=20)
    rows = []
    for name, policy, schedule, update in scenarios():
        ours = best_of(lambda: evaluate(policy, schedule, update, Payoffs()))  # noqa: B023
        row = {"scenario": name, "ours (ms)": 1e3 * ours, "x cumprod": ours / cumprod}
        if update.is_hard:
            table = np.asarray(policy.decision_table(schedule))
            loop = best_of(lambda: plain_loop(table, schedule), repeat=1)  # noqa: B023
            exact = evaluate(policy, schedule, update, Payoffs()).mesa
            assert abs(plain_loop(table, schedule) - exact) <= 1e-6 * max(1.0, exact)
            row.update({"loop (ms)": 1e3 * loop, "loop / ours": loop / ours})
        rows.append(row)
    import pandas as pd

    print(f"exact evaluation, N = {N:,}; numpy.cumprod over {N:,} floats: {1e3 * cumprod:.2f} ms")
    print(to_markdown(pd.DataFrame(rows), digits=3))
    return 0


if __name__ == "__main__":
    sys.exit(main())
