"""Exact evaluation: ours against the plain Python loop and one numpy.cumprod, in one run.

The plain loop is what a researcher would write: one pass over the episodes
carrying the probability of each (phase, objective level). ``numpy.cumprod``
over N floats is our stand-in for one pass over memory. Four tables, each
timed best of several runs in this process:

* long horizons, N = 10^6, fixed schedules and random boundaries (one live
  level under the hard update, four under a partial update);
* small models (the seed, T = 2 and D = 3, and a few horizons up to the
  crossover with the forward recursion): ``evaluate`` against the loop;
* every plan of ``--all-plans`` (2^16 for T = D = 8) in one vectorized pass
  against evaluating the plans one at a time (scalar path) and on the
  forward recursion (the general path, one at a time: what ``--all-plans``
  did before);
* drift with about 1,450 live levels at N = 10^5: time, peak memory
  (``tracemalloc``), and the states the recursion stored.

Run ``python benchmarks/bench_evaluate.py`` (``--quick``: fewer repeats).
Targets (issue "speed where users feel it"): the seed at least as fast as
the loop; all plans at least 100x one at a time on the general path; four
live levels at least 20x the loop.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
import timeit
import tracemalloc

import numpy as np
import pandas as pd
from scipy import stats

from deception_sim import (
    Bayesian,
    Deceptive,
    Greedy,
    HardUpdate,
    Memoryless,
    Payoffs,
    Plan,
    Schedule,
    UpdateRule,
    evaluate,
    objective_levels,
)
from deception_sim.exact import batch, forward, scalar
from deception_sim.report import to_markdown
from deception_sim.strategies import checked_table

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


def plain_loop_levels(
    table: np.ndarray, schedule: Schedule, update: UpdateRule, payoffs: Payoffs
) -> float:
    """Expected mesa (count utility) with partial updates and no drift, by a loop over the
    episodes carrying each (phase, live level): a detected defection moves one level on."""
    size = len(objective_levels(update, payoffs.indifference))
    q = schedule.cue_accuracy
    h = schedule.honeypots().tolist()
    pmf = schedule.train_pmf.tolist()
    on_train = table[:, 0].tolist()
    on_deploy = table[:, 1].tolist()
    d, s = update.detect, payoffs.success
    v_o, v_d = payoffs.v_overseen, payoffs.v_deploy
    survival = 1.0
    train = [1.0] + [0.0] * (size - 1)
    deploy = [pmf[0]] + [0.0] * (size - 1)
    mesa = 0.0
    for t in range(schedule.horizon):
        survival -= pmf[t]
        a_train = q * on_train[t] + (1 - q) * on_deploy[t]
        a_deploy = (1 - q) * on_train[t] + q * on_deploy[t]
        caught_train, caught_deploy = a_train * d, h[t] * a_deploy * d
        moved_train = moved_deploy = 0.0
        for j in range(size):
            y, z = train[j], deploy[j]
            mesa += a_train * survival * y * v_o
            mesa += a_deploy * z * (h[t] * v_o + (1 - h[t]) * s * v_d)
            train[j] = y * (1 - caught_train) + moved_train
            deploy[j] = z * (1 - caught_deploy) + moved_deploy
            moved_train, moved_deploy = y * caught_train, z * caught_deploy
        for j in range(size):
            deploy[j] += pmf[t + 1] * train[j]
    return mesa


def best_of(function, repeat: int = 5, number: int = 1) -> float:
    return min(timeit.repeat(function, number=number, repeat=repeat)) / number


def long_scenarios():
    half = N // 2
    uniform = stats.randint(0, N + 1)
    partial, ten = UpdateRule(detect=0.5, rate=0.5), Payoffs(v_deploy=10.0)
    hard, default = HardUpdate(), Payoffs()
    yield "fixed T=D, Deceptive", Deceptive(), Schedule.fixed(half, half), hard, default
    yield "fixed T=D, Greedy", Greedy(), Schedule.fixed(half, half), hard, default
    yield (
        "fixed, honeypots 1e-3, cue 0.9, Memoryless",
        Memoryless({"train": 0.001, "deploy": 0.5}),
        Schedule.fixed(half, half, honeypot_rate=1e-3, cue_accuracy=0.9),
        hard,
        default,
    )
    yield (
        "uniform boundary, no cue, Bayesian",
        Bayesian(0.5),
        Schedule.random_boundary(N, uniform, observable=False),
        hard,
        default,
    )
    yield (
        "uniform boundary, honeypots 0.01, cue 0.8, Memoryless",
        Memoryless({"train": 0.01, "deploy": 0.9}),
        Schedule.random_boundary(N, uniform, honeypot_rate=0.01, cue_accuracy=0.8),
        hard,
        default,
    )
    several = Schedule.random_boundary(N, uniform, honeypot_rate=0.01, observable=False)
    for policy in (Bayesian(0.5), Deceptive()):
        yield f"uniform boundary, 4 live levels, {policy!r}", policy, several, partial, ten


def long_horizons(repeat: int) -> tuple[str, pd.DataFrame]:
    floats = np.full(N, 1.0 - 1e-9)
    cumprod = best_of(lambda: np.cumprod(floats), repeat=20)
    rows = []
    for name, policy, schedule, update, payoffs in long_scenarios():
        ours = best_of(lambda: evaluate(policy, schedule, update, payoffs), repeat)  # noqa: B023
        exact = evaluate(policy, schedule, update, payoffs).mesa
        table = np.asarray(policy.decision_table(schedule))
        if update.is_hard:
            loop_value, loop = plain_loop(table, schedule), None
            loop = best_of(lambda: plain_loop(table, schedule), 1)  # noqa: B023
        else:
            loop_value = plain_loop_levels(table, schedule, update, payoffs)
            loop = best_of(lambda: plain_loop_levels(table, schedule, update, payoffs), 1)  # noqa: B023
        assert abs(loop_value - exact) <= 1e-9 * max(1.0, abs(exact)), (name, loop_value, exact)
        rows.append(
            {
                "scenario": name,
                "levels": len(objective_levels(update, payoffs.indifference)),
                "ours (ms)": 1e3 * ours,
                "loop (ms)": 1e3 * loop,
                "loop / ours": loop / ours,
                "ours / cumprod": ours / cumprod,
            }
        )
    title = f"Long horizons, N = {N:,} (numpy.cumprod of {N:,} floats: {1e3 * cumprod:.2f} ms)"
    return title, pd.DataFrame(rows)


def small_models(repeat: int) -> tuple[str, pd.DataFrame]:
    rows = []
    hard, default = HardUpdate(), Payoffs()
    cases = [(p, Schedule.fixed(2, 3)) for p in (Deceptive(), Greedy(), Plan("BBAAA"))]
    cases += [(Memoryless(0.3), Schedule.fixed(2, 3, observable=False))]
    cases += [(Deceptive(), Schedule.fixed(n // 2, n - n // 2)) for n in (50, 300, 2000)]
    for policy, schedule in cases:
        table = np.asarray(policy.decision_table(schedule))
        number = max(1, 2000 // max(1, schedule.horizon))
        ours = best_of(lambda: evaluate(policy, schedule, hard, default), 5 * repeat, number)  # noqa: B023
        loop = best_of(lambda: plain_loop(table, schedule), 5 * repeat, number)  # noqa: B023
        from_policy = best_of(
            lambda: plain_loop(np.asarray(policy.decision_table(schedule)), schedule),  # noqa: B023
            5 * repeat,
            number,
        )
        assert abs(plain_loop(table, schedule) - evaluate(policy, schedule).mesa) < 1e-9
        rows.append(
            {
                "policy": repr(policy),
                "schedule": schedule.describe(),
                "ours (us)": 1e6 * ours,
                "loop, table given (us)": 1e6 * loop,
                "loop / ours": loop / ours,
                "loop from the policy / ours": from_policy / ours,
            }
        )
    return "Small models: evaluate against the plain loop (one call each)", pd.DataFrame(rows)


def all_plans(repeat: int) -> tuple[str, pd.DataFrame]:
    schedule = Schedule.fixed(8, 8)
    n = schedule.horizon
    names = ["".join(p) for p in itertools.product("AB", repeat=n)]
    index = np.arange(2**n)[:, None]
    tables = np.broadcast_to(
        (((index >> np.arange(n - 1, -1, -1)) & 1) == 0).astype(float)[:, :, None], (2**n, n, 2)
    )
    hard, default = HardUpdate(), Payoffs()
    ours = best_of(lambda: batch.evaluate_tables(tables, schedule, hard, default), repeat)
    found = batch.evaluate_tables(tables, schedule, hard, default)
    sample = names[:: len(names) // 512]
    start = time.perf_counter()
    for plan in sample:
        evaluate(Plan(plan), schedule, hard, default)
    one_by_one = (time.perf_counter() - start) / len(sample) * len(names)
    saved = scalar.SCALAR_HORIZON
    scalar.SCALAR_HORIZON = -1  # the general path, as every evaluation took before
    try:
        start = time.perf_counter()
        for plan in sample[:128]:
            evaluate(Plan(plan), schedule, hard, default)
        general = (time.perf_counter() - start) / 128 * len(names)
    finally:
        scalar.SCALAR_HORIZON = saved
    best = names[int(found["mesa"].argmax())]
    assert best == "BBBBBBBBAAAAAAAA" and evaluate(Plan(best), schedule).mesa == found["mesa"].max()
    return "All 2^16 plans of T = D = 8 (deception-sim evaluate --all-plans)", pd.DataFrame(
        [
            {
                "ours, one pass (ms)": 1e3 * ours,
                "one at a time, scalar path (ms)": 1e3 * one_by_one,
                "one at a time, general path (ms)": 1e3 * general,
                "scalar / ours": one_by_one / ours,
                "general / ours": general / ours,
            }
        ]
    )


def drift() -> tuple[str, pd.DataFrame]:
    update, payoffs = UpdateRule(detect=0.5, rate=0.3, drift=0.01), Payoffs(v_deploy=20.0)
    levels = len(objective_levels(update, payoffs.indifference))
    n = 10**5
    rows = []
    for name, schedule in (
        ("fixed T=200, honeypots 0.01", Schedule.fixed(200, n - 200, honeypot_rate=0.01)),
        (
            "uniform boundary on 100..300, honeypots 0.01",
            Schedule.random_boundary(n, stats.randint(100, 301), honeypot_rate=0.01),
        ),
    ):
        table = checked_table(Deceptive(), schedule, levels)
        tracemalloc.start()
        start = time.perf_counter()
        recursion = forward.run(table, schedule, update, payoffs)
        elapsed = time.perf_counter() - start
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        stored = sum(
            len(states.index)
            for states in (
                recursion.kept_train,
                recursion.kept_deploy,
                recursion.clean_train,
                recursion.clean_deploy,
            )
        )
        evaluate(Deceptive(), schedule, update, payoffs)
        rows.append(
            {
                "schedule (Deceptive, N = 1e5)": name,
                "live levels": levels,
                "states stored (4 chains)": stored,
                "states in 4 chains": 4 * levels,
                "time (s)": elapsed,
                "peak memory (MB)": peak / 1e6,
                "stored x N floats (MB)": stored * n * 8 / 1e6,
            }
        )
    return f"Drift: {levels} live objective levels, N = {n:,}", pd.DataFrame(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    args = parser.parse_args(argv)
    repeat = 2 if args.quick else 5
    for part in (long_horizons, small_models, all_plans, drift):
        title, table = part(repeat) if part is not drift else part()
        print(f"\n### {title}\n")
        print(to_markdown(table, digits=3), end="", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
