"""Optimal policies: ours against the straightforward implementation and quantecon.

* known phase, N = 10^3 and 10^6: our backward induction (one exact sweep
  over the states, vectorized over windows of episodes) against the plain
  Python-loop DP and against quantecon's ``backward_induction`` on the same
  problem in DiscreteDP form (states: training, deployed, modified; a
  geometric boundary and a constant honeypot rate keep it time-homogeneous,
  which DiscreteDP needs), with the peak memory of ours per episode;
* clock (no cue), N = 10^5: our optimal stopping over the probe time against
  a Python loop over every probe time;
* memoryless on the docs' examples: the solver (its dense bracket evaluated
  in one vectorized pass, short horizons on the scalar path) against the
  same solver evaluating one candidate at a time on the forward recursion
  (how it ran before);
* memoryless, N = 10^5: our bracket + bounded refinement against a brute-force
  grid of 10^4 probabilities (the grid is timed on 200 points and scaled).

Run ``python benchmarks/bench_optimize.py`` (needs the ``bench`` extra for
quantecon). Prints one row per problem with the ratio.
"""

from __future__ import annotations

import sys
import time
import tracemalloc
import warnings

import numpy as np
import pandas as pd
from scipy import stats

from deception_sim import HardUpdate, Memoryless, Payoffs, Schedule, evaluate, optimize
from deception_sim.exact import scalar
from deception_sim.report import to_markdown
from deception_sim.solvers import memoryless

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


def known_phase_rows() -> list[dict]:
    rows = []
    for n in (10**3, 10**6):
        geometric = stats.geom(P_BOUNDARY, loc=-1)
        schedule = Schedule.random_boundary(n, geometric, honeypot_rate=HONEYPOT)
        pay = Payoffs(discount=DISCOUNT)
        repeat = 3 if n > 10**4 else 20
        ours = min(timed(lambda: optimize(schedule, HardUpdate(), pay))[0] for _ in range(repeat))  # noqa: B023
        tracemalloc.start()
        solution = optimize(schedule, HardUpdate(), pay)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        loop, loop_value = min(
            timed(lambda: known_phase_loop(n, P_BOUNDARY, HONEYPOT, DISCOUNT))  # noqa: B023
            for _ in range(repeat)  # best of several, as for ours
        )
        qe, qe_value = timed(lambda: known_phase_quantecon(n, P_BOUNDARY, HONEYPOT, DISCOUNT))  # noqa: B023
        for name, seconds, value in (
            ("Python loop", loop, loop_value),
            ("quantecon", qe, qe_value),
        ):
            rows.append(
                {
                    "problem": f"known phase, N = {n:.0e}",
                    "against": name,
                    "ours (s)": ours,
                    "theirs (s)": seconds,
                    "theirs / ours": seconds / ours,
                    "value difference": abs(value - solution.value),
                    "ours: peak bytes / episode": peak / n,
                }
            )
    return rows


def _docs_memoryless():
    def hidden(train: int, deploy: int) -> Schedule:
        pmf = np.zeros(train + deploy + 1)
        pmf[train - 1 : train + 2] = 1.0 / 3.0
        return Schedule.random_boundary(train + deploy, pmf, observable=False)

    driver = Schedule.fixed(1, 1, observable=False)
    yield "driver, v_clean", driver, Payoffs(v_deploy=4, v_overseen=0, v_clean=1)
    turn = Payoffs(utility="any", v_detected=-0.5, v_clean=0.25)
    yield "treacherous turn (3, 2)", Schedule.fixed(3, 2, observable=False), turn
    for train, deploy in ((2, 3), (5, 5), (2, 10)):
        yield f"information table ({train}, {deploy})", hidden(train, deploy), Payoffs()
    cue = Schedule.fixed(2, 3, cue_accuracy=0.8, honeypot_rate=0.2)
    yield "cue 0.8, honeypots 0.2 (tests)", cue, Payoffs(success=0.8)


def memoryless_rows() -> list[dict]:
    rows = []
    for name, schedule, pay in _docs_memoryless():
        ours = min(
            timed(lambda: optimize(schedule, HardUpdate(), pay, "memoryless"))[0]  # noqa: B023
            for _ in range(5)
        )
        value = optimize(schedule, HardUpdate(), pay, "memoryless").value
        saved = (scalar.SCALAR_HORIZON, memoryless._evaluate_all)
        scalar.SCALAR_HORIZON = -1  # the forward recursion for every evaluation
        memoryless._evaluate_all = lambda *args: 0  # no batch: one candidate at a time
        try:
            before, solution = min(
                (
                    timed(lambda: optimize(schedule, HardUpdate(), pay, "memoryless"))  # noqa: B023
                    for _ in range(3)
                ),
                key=lambda pair: pair[0],
            )
        finally:
            scalar.SCALAR_HORIZON, memoryless._evaluate_all = saved
        rows.append(
            {
                "problem": f"memoryless: {name}",
                "against": "one at a time, forward recursion",
                "ours (s)": ours,
                "theirs (s)": before,
                "theirs / ours": before / ours,
                "value difference": abs(solution.value - value),
            }
        )
    return rows


def main() -> int:
    rows = known_phase_rows() + memoryless_rows()
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
