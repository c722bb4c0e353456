"""Optimal policies: ours against the straightforward implementation and quantecon.

* known phase, N = 10^6: our backward induction (policy iteration over
  vectorized evaluations) against the plain Python-loop DP and against
  quantecon's ``backward_induction`` on the same problem in DiscreteDP form
  (states: training, deployed, modified; a geometric boundary and a constant
  honeypot rate keep it time-homogeneous, which DiscreteDP needs);
* clock (no cue), N = 10^5: our optimal stopping over the probe time against
  a Python loop over every probe time;
* memoryless, N = 10^5: our bracket + bounded refinement against a brute-force
  grid of 10^4 probabilities (the grid is timed on 200 points and scaled).

Run ``python benchmarks/bench_optimize.py`` (needs the ``bench`` extra for
quantecon). Prints one row per problem with the ratio.
"""

from __future__ import annotations

import sys
import time
import warnings

import numpy as np
import pandas as pd
from scipy import stats

from deception_sim import HardUpdate, Memoryless, Payoffs, Schedule, evaluate, optimize
from deception_sim.report import to_markdown

P_BOUNDARY, HONEYPOT, DISCOUNT = 2e-6, 1e-4, 0.999999


def timed(function):
    start = time.perf_counter()
    value = function()
    return time.perf_counter() - start, value


def known_phase_loop(n: int, p: float, h: float, rho: float) -> float:
    """Plain backward induction in Python floats: states training / deployed (intact)."""
    train = deploy = 0.0  # values before the next episode
    for _ in range(n):
        deploy_defect = h * 1.0 + (1 - h) * 1.0 + rho * (1 - h) * deploy
        train_defect = 1.0  # caught for sure: the apple, then nothing more
        train_comply = rho * ((1 - p) * train + p * deploy)
        deploy = max(deploy_defect, rho * deploy)
        train = max(train_defect, train_comply)
    return (1 - p) * train + p * deploy  # the run starts deployed when T = 0


def known_phase_quantecon(n: int, p: float, h: float, rho: float) -> float:
    from quantecon.markov import DiscreteDP, backward_induction

    # States: 0 training, 1 deployed, 2 modified. Actions: 0 comply, 1 defect.
    reward = np.array([[0.0, 1.0], [0.0, 1.0], [0.0, 0.0]])
    moves = np.zeros((3, 2, 3))
    moves[0, 0] = [1 - p, p, 0.0]
    moves[0, 1] = [0.0, 0.0, 1.0]
    moves[1, 0] = [0.0, 1.0, 0.0]
    moves[1, 1] = [0.0, 1 - h, h]
    moves[2, :, 2] = 1.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ddp = DiscreteDP(reward, moves, rho)
    values, _ = backward_induction(ddp, n)
    return float((1 - p) * values[0, 0] + p * values[0, 1])


def clock_loop(schedule: Schedule, rho: float) -> float:
    """For every probe time, its value by a Python loop (no cue, hard update, no honeypots)."""
    n = schedule.horizon
    survival = schedule.p_train().tolist()
    best = 0.0
    # Deployed-for-sure value from k + 1 on (always defect): sum of rho^j, by a backward loop.
    after = [0.0] * (n + 1)
    for t in reversed(range(n)):
        after[t] = 1.0 + rho * after[t + 1]
    for k in range(n):
        value = rho**k * (survival[k] * 1.0 + (1 - survival[k]) * (1.0 + rho * after[k + 1]))
        best = max(best, value)
    return best


def main() -> int:
    rows = []
    n = 10**6
    geometric = stats.geom(P_BOUNDARY, loc=-1)
    schedule = Schedule.random_boundary(n, geometric, honeypot_rate=HONEYPOT)
    pay = Payoffs(discount=DISCOUNT)
    ours, solution = timed(lambda: optimize(schedule, HardUpdate(), pay))
    loop, loop_value = timed(lambda: known_phase_loop(n, P_BOUNDARY, HONEYPOT, DISCOUNT))
    qe, qe_value = timed(lambda: known_phase_quantecon(n, P_BOUNDARY, HONEYPOT, DISCOUNT))
    for name, seconds, value in (("Python loop", loop, loop_value), ("quantecon", qe, qe_value)):
        rows.append(
            {
                "problem": "known phase, N = 1e6",
                "against": name,
                "ours (s)": ours,
                "theirs (s)": seconds,
                "theirs / ours": seconds / ours,
                "value difference": abs(value - solution.value),
            }
        )

    n = 10**5
    hidden = Schedule.random_boundary(n, stats.randint(n // 4, 3 * n // 4), observable=False)
    pay = Payoffs(discount=0.99999)
    ours, solution = timed(lambda: optimize(hidden, HardUpdate(), pay, "clock"))
    loop, loop_value = timed(lambda: clock_loop(hidden, 0.99999))
    rows.append(
        {
            "problem": "clock (no cue), N = 1e5",
            "against": "Python loop over probe times",
            "ours (s)": ours,
            "theirs (s)": loop,
            "theirs / ours": loop / ours,
            "value difference": abs(loop_value - solution.value),
        }
    )

    ours, solution = timed(lambda: optimize(hidden, HardUpdate(), Payoffs(), "memoryless"))
    sample = np.linspace(0, 1, 200)
    grid_time, grid_values = timed(lambda: [evaluate(Memoryless(p), hidden).mesa for p in sample])
    rows.append(
        {
            "problem": "memoryless (no cue), N = 1e5",
            "against": "grid of 1e4 probabilities",
            "ours (s)": ours,
            "theirs (s)": grid_time * 10_000 / 200,
            "theirs / ours": grid_time * 10_000 / 200 / ours,
            "value difference": max(0.0, max(grid_values) - solution.value),
        }
    )
    print(to_markdown(pd.DataFrame(rows), digits=3))
    return 0


if __name__ == "__main__":
    sys.exit(main())
