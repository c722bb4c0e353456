"""Sweeps: the plain loop they replace, the closed forms, executors, checkpoints."""

from __future__ import annotations

import itertools
import os
import pickle
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deception_sim import (
    Aligned,
    Deceptive,
    Greedy,
    HardUpdate,
    Memoryless,
    Payoffs,
    Plan,
    Schedule,
    Threshold,
    UpdateRule,
    evaluate,
    optimize,
)
from deception_sim.montecarlo import SCALARS, simulate
from deception_sim.sweeps import checkpoint as checkpoint_module
from deception_sim.sweeps import execution as execution_module
from deception_sim.sweeps import grid as grid_module
from deception_sim.sweeps import plan as plan_module
from deception_sim.sweeps import seed_model_payoffs, sweep

ROOT = Path(__file__).resolve().parents[1]
RESULTS = list(SCALARS)


def loop(grid: dict, strategies: list, mode: str = "evaluate") -> pd.DataFrame:
    """What a researcher would write: one evaluate/optimize call per cell and strategy."""
    names = list(grid)
    rows = []
    for values in itertools.product(*(grid[n] for n in names)):
        params = dict(zip(names, values, strict=True))
        schedule = Schedule.fixed(
            params["train"],
            params["deploy"],
            **{k: params[k] for k in ("honeypot_rate", "cue_accuracy") if k in params},
        )
        update = UpdateRule(**{k: params[k] for k in ("detect", "rate", "drift") if k in params})
        payoffs = Payoffs(**{k: params[k] for k in ("v_deploy", "discount") if k in params})
        for strategy in strategies:
            row = dict(params)
            if mode == "optimize":
                solution = optimize(schedule, update, payoffs)
                row.update(
                    policy=solution.policy.name,
                    value=solution.value,
                    base=solution.base,
                    rule=solution.policy.rule(),
                    method=solution.method,
                )
            else:
                policy = strategy
                if strategy == "optimal":
                    policy = optimize(schedule, update, payoffs).policy
                result = evaluate(policy, schedule, update, payoffs)
                row["policy"] = policy.name
                row.update({name: getattr(result, name) for name in RESULTS})
            rows.append(row)
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------- the loop
def test_sweep_equals_the_plain_loop_of_evaluate_and_optimize() -> None:
    grid = {
        "train": [0, 1, 3],
        "deploy": [0, 2, 4],
        "honeypot_rate": [0.0, 0.2],
        "detect": [1.0, 0.5],
        "v_deploy": [1.0, 3.0],
    }
    strategies = [Greedy(), Deceptive(), Threshold(2), Memoryless(0.3), "optimal"]
    table = sweep(grid, strategies)
    expected = loop(grid, strategies)
    pd.testing.assert_frame_equal(table, expected, rtol=1e-12, atol=1e-12)
    assert list(table.columns) == [*grid, "policy", *RESULTS]


def test_optimize_mode_equals_the_loop_of_optimize() -> None:
    grid = {"train": [1, 2], "deploy": [0, 3], "discount": [1.0, 0.9]}
    table = sweep(grid, mode="optimize")
    expected = loop(grid, ["optimal"], mode="optimize")
    pd.testing.assert_frame_equal(table, expected)
    assert table.loc[(table["train"] == 2) & (table["deploy"] == 3), "rule"].iloc[0] == "BBAAA"


def test_simulate_mode_equals_the_loop_with_the_documented_seeds() -> None:
    grid = {"train": [1, 2], "deploy": [2, 3], "honeypot_rate": [0.3]}
    table = sweep(grid, ["greedy", "deceptive"], mode="simulate", runs=500, seed=7)
    rows = []
    for cell, (train, deploy) in enumerate(itertools.product([1, 2], [2, 3])):
        schedule = Schedule.fixed(train, deploy, honeypot_rate=0.3)
        for j, policy in enumerate((Greedy(), Deceptive())):
            stream = np.random.SeedSequence(7, spawn_key=(cell, j))
            estimate = simulate(
                policy, schedule, runs=500, seed=np.random.default_rng(stream), curves=False
            )
            rows.append(estimate.summary())
    expected = pd.DataFrame(rows)
    for name in (*SCALARS, "mesa_se", "runs"):
        assert table[name].tolist() == pytest.approx(expected[name].tolist(), nan_ok=True)
    # The same numbers however the grid is cut into chunks.
    again = sweep(grid, ["greedy", "deceptive"], mode="simulate", runs=500, seed=7, chunk_size=1)
    pd.testing.assert_frame_equal(table, again)


def test_rows_are_in_grid_order_with_typed_parameter_columns() -> None:
    table = sweep(
        {"deploy": [3, 1], "train": 2, "utility": ["count", "any"], "observable": [True]},
        ["deceptive", "greedy"],
    )
    assert table[["deploy", "utility", "policy"]].values.tolist()[:4] == [
        [3, "count", "Deceptive()"],
        [3, "count", "Greedy()"],
        [3, "any", "Deceptive()"],
        [3, "any", "Greedy()"],
    ]
    assert table["train"].dtype == np.int64 and table["deploy"].tolist()[4] == 1
    assert table["observable"].dtype == bool
    assert table.index.equals(pd.RangeIndex(8))


def test_model_objects_as_grid_values() -> None:
    schedules = [Schedule.fixed(2, 3), Schedule.random_boundary(4, [0, 0.5, 0.5, 0, 0])]
    table = sweep(
        {"schedule": schedules, "update": [HardUpdate(), UpdateRule(rate=0.5)]}, [Greedy()]
    )
    assert table["schedule"].tolist()[0] == "Schedule.fixed(train=2, deploy=3)"
    assert table["update"].tolist()[:2] == [
        "HardUpdate()",
        "UpdateRule(detect=1.0, rate=0.5, drift=0.0)",
    ]
    assert table["mesa"].tolist()[0] == 1.0


def test_a_random_boundary_by_its_parameters() -> None:
    from scipy import stats

    table = sweep({"horizon": [5], "train_length": [stats.randint(1, 4)]}, ["BBAAA"])
    assert table["train_length"].tolist() == ["randint(1, 4)"]
    assert table["mesa"].iloc[0] == pytest.approx(7 / 3)


# ---------------------------------------------------------------------------- closed forms
def test_closed_forms_equal_the_solvers_on_the_seed_grid() -> None:
    grid = {"train": range(0, 13), "deploy": range(0, 13)}
    strategies = [Greedy(), Deceptive(), Aligned(), "optimal", "optimal:clock"]
    fast = sweep(grid, strategies)
    slow = sweep(grid, strategies, closed_form=False)
    pd.testing.assert_frame_equal(fast, slow, rtol=1e-12, atol=1e-12)
    # The lead's claim: deception is optimal once D >= 1, greed's value is optimal at D = 0.
    wide = fast.pivot_table(index=["train", "deploy"], columns="policy", values="mesa")
    with_deploy = wide.index.get_level_values("deploy") >= 1
    assert (wide["Optimal(known_phase)"][with_deploy] == wide["Deceptive()"][with_deploy]).all()
    assert (wide["Optimal(known_phase)"][~with_deploy] == wide["Greedy()"][~with_deploy]).all()


@settings(max_examples=40)
@given(
    st.lists(st.integers(0, 9), min_size=1, max_size=3, unique=True),
    st.lists(st.integers(0, 9), min_size=1, max_size=3, unique=True),
    st.sampled_from([0.0, 0.1, 0.5, 1.0]),
    st.sampled_from([1.0, 0.9, 0.5]),
    st.sampled_from([1.0, 0.97, 0.5]),
    st.sampled_from([0.0, 0.5, 1.0, 3.0]),
    st.sampled_from([0.0, 1.0, 2.0]),
    st.sampled_from([0.0, 0.5, 1.0]),
)
def test_closed_forms_equal_the_solvers(
    train, deploy, honeypot, continue_prob, discount, v_deploy, v_overseen, success
) -> None:
    grid = {
        "train": train,
        "deploy": deploy,
        "honeypot_rate": honeypot,
        "continue_prob": continue_prob,
        "discount": discount,
        "v_deploy": v_deploy,
        "v_overseen": v_overseen,
        "success": success,
    }
    strategies = [Greedy(), Deceptive(), Aligned(), "optimal"]
    fast = sweep(grid, strategies)
    slow = sweep(grid, strategies, closed_form=False)
    pd.testing.assert_frame_equal(fast, slow, rtol=1e-9, atol=1e-12)


def test_closed_forms_are_used_for_the_seed_model(monkeypatch) -> None:
    calls = []
    monkeypatch.setattr(execution_module, "_solve_one", lambda *a: calls.append(a))
    table = sweep({"train": range(0, 50), "deploy": range(0, 50)}, [Greedy(), "optimal"])
    assert calls == [] and len(table) == 5000


class _NeverGreedy(Greedy):
    """A subclass that changes its table: it must not keep Greedy's closed form."""

    def decision_table(self, schedule):
        return np.zeros((schedule.horizon, 2))

    def __repr__(self) -> str:
        return "_NeverGreedy()"


def test_closed_forms_follow_the_declared_form_not_the_class(monkeypatch) -> None:
    grid = {"train": [0, 1, 2], "deploy": [0, 3], "honeypot_rate": [0.0, 0.4]}
    trainer = Memoryless({"train": 1.0, "deploy": 0.0})  # a form with a closed form, too
    table = sweep(grid, [_NeverGreedy(), trainer, Greedy()])
    for _, row in table.iterrows():
        schedule = Schedule.fixed(
            int(row["train"]), int(row["deploy"]), honeypot_rate=row["honeypot_rate"]
        )
        policy = {p.name: p for p in (_NeverGreedy(), trainer, Greedy())}[row["policy"]]
        assert row["mesa"] == pytest.approx(evaluate(policy, schedule).mesa, abs=1e-12)
        assert row["base"] == pytest.approx(evaluate(policy, schedule).base, abs=1e-12)
    calls = []
    original = execution_module._solve_one

    def counted(*arguments):
        calls.append(arguments)
        return original(*arguments)

    monkeypatch.setattr(execution_module, "_solve_one", counted)
    sweep(grid, [trainer, Greedy()])
    assert calls == []  # both closed forms
    sweep(grid, [_NeverGreedy()], workers=1)
    assert len(calls) == 12  # the subclass goes the general way, cell by cell


def test_seed_model_payoffs_broadcasts_numbers_and_arrays() -> None:
    out = seed_model_payoffs(1, 1, np.array([2.0, 3.0]), 3, honeypot_rate=0.5)
    assert out["mesa"].tolist() == [1.75, 1.75]
    assert out["p_intact"].tolist() == pytest.approx([0.125, 0.125], rel=1e-12)


# ---------------------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    ("grid", "strategies", "options", "needle"),
    [
        ({}, None, {}, "grid"),
        ([("train", 1)], None, {}, "grid"),
        ({"train": [1], "deploy": [1], "trian": [2]}, None, {}, "trian"),
        ({"train": [], "deploy": [1]}, None, {}, "train"),
        ({"train": [-1], "deploy": [1]}, None, {}, "train"),
        ({"train": [1], "deploy": [1.5]}, None, {}, "deploy"),
        ({"train": [1], "deploy": [1], "honeypot_rate": [1.5]}, None, {}, "honeypot_rate"),
        ({"train": [1], "deploy": [1], "discount": [float("nan")]}, None, {}, "discount"),
        ({"train": [1], "deploy": [1], "cue_accuracy": [0.2]}, None, {}, "cue_accuracy"),
        ({"train": [1], "deploy": [1], "utility": ["most"]}, None, {}, "utility"),
        ({"train": [1], "deploy": [1], "observable": ["yes"]}, None, {}, "observable"),
        ({"train": [1]}, None, {}, "deploy"),
        ({"train": [1], "deploy": [1], "horizon": [2]}, None, {}, "random"),
        ({"schedule": [Schedule.fixed(1, 1)], "train": [1]}, None, {}, "schedule"),
        ({"schedule": ["T=1"]}, None, {}, "schedule"),
        ({"horizon": [2], "train_length": [0.5]}, None, {}, "train_length"),
        ({"train": [1], "deploy": [1]}, [], {}, "strategies"),
        ({"train": [1], "deploy": [1]}, ["greedy", Greedy()], {}, "twice"),
        ({"train": [1], "deploy": [1]}, ["optimal:psychic"], {}, "information"),
        ({"train": [1], "deploy": [1]}, ["BBX"], {}, "policy"),
        ({"train": [1], "deploy": [1]}, [3], {}, "strategies"),
        ({"train": [1], "deploy": [1]}, [Greedy()], {"mode": "optimize"}, "optimize"),
        ({"train": [1], "deploy": [1]}, None, {"mode": "guess"}, "mode"),
        ({"train": [1], "deploy": [1]}, None, {"chunk_size": 0}, "chunk_size"),
        ({"train": [1], "deploy": [1]}, None, {"workers": 0}, "workers"),
        ({"train": [1], "deploy": [1]}, None, {"executor": "gpu"}, "executor"),
        ({"train": [1], "deploy": [1]}, None, {"runs": 0, "mode": "simulate"}, "runs"),
    ],
)
def test_bad_input_names_the_parameter(grid, strategies, options, needle) -> None:
    with pytest.raises(ValueError, match=needle):
        sweep(grid, strategies, **options)


def test_an_optimal_strategy_for_one_model_is_refused() -> None:
    with pytest.raises(ValueError, match="'optimal'"):
        sweep({"train": [2], "deploy": [3]}, [optimize(Schedule.fixed(2, 3)).policy])


def test_a_bad_cell_is_reported() -> None:
    with pytest.raises(ValueError, match="observable"):
        sweep({"train": [1], "deploy": [1], "observable": [False], "cue_accuracy": [0.9]})


# ---------------------------------------------------------------------------- executors
def test_model_objects_and_sweep_plans_are_picklable() -> None:
    objects = [
        Schedule.fixed(2, 3, honeypot_rate=[0.1, 0.2, 0.3, 0.4, 0.5]),
        UpdateRule(detect=0.5, rate=0.3, drift=0.1),
        Payoffs(utility="any"),
        Memoryless({"train": 0.1, "deploy": 0.9}),
        Plan("BBA", fill="A"),
        optimize(Schedule.fixed(2, 3)).policy,
    ]
    for obj in objects:
        assert pickle.loads(pickle.dumps(obj)) == obj
    plan = plan_module._Plan(
        grid_module._grid({"train": [1], "deploy": [2]}),
        plan_module._strategies(["greedy", "optimal"], "evaluate"),
        "evaluate",
        10,
        0,
        True,
    )
    assert pickle.loads(pickle.dumps(plan)) == plan


SLOW_GRID = {"train": [0, 1, 2, 3], "deploy": [0, 2, 3], "honeypot_rate": [0.0, 0.25]}
SLOW_STRATEGIES = [Greedy(), Deceptive(), "optimal"]


@pytest.fixture(scope="module")
def serial() -> pd.DataFrame:
    return sweep(SLOW_GRID, SLOW_STRATEGIES, executor="serial", closed_form=False)


def test_process_pool_equals_serial(serial) -> None:
    table = sweep(
        SLOW_GRID, SLOW_STRATEGIES, executor="processes", workers=2, chunk_size=5, closed_form=False
    )
    pd.testing.assert_frame_equal(table, serial)


def test_the_process_pool_runs_one_blas_thread_per_worker() -> None:
    """k processes on k cores use k threads: each worker's BLAS is capped at one."""
    threadpoolctl = pytest.importorskip("threadpoolctl")
    before = os.environ.get("OPENBLAS_NUM_THREADS")
    pool, count, owned = execution_module._executor(None, 2, False, 10**6, "optimize")
    assert owned and count == 2 and pool is not None
    with pool:
        libraries = pool.submit(threadpoolctl.threadpool_info).result()
        variable = pool.submit(os.getenv, "OPENBLAS_NUM_THREADS").result()
    blas = [lib for lib in libraries if lib["user_api"] == "blas"]
    assert blas, "numpy's BLAS is loaded in a worker"
    assert {lib["num_threads"] for lib in blas} == {1}
    assert variable == "1"  # and a BLAS loaded later (scipy's) starts with one thread
    assert os.environ.get("OPENBLAS_NUM_THREADS") == before  # the caller's process untouched


def test_any_executor_with_submit(serial) -> None:
    with ThreadPoolExecutor(max_workers=2) as pool:
        table = sweep(SLOW_GRID, SLOW_STRATEGIES, executor=pool, chunk_size=3, closed_form=False)
    pd.testing.assert_frame_equal(table, serial)


def test_dask_local_cluster_equals_the_local_run(serial) -> None:
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(
            processes=False, n_workers=1, threads_per_worker=2, dashboard_address=":0"
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        table = sweep(SLOW_GRID, SLOW_STRATEGIES, executor=client, chunk_size=4, closed_form=False)
    pd.testing.assert_frame_equal(table, serial)


def test_progress_bar_only_when_asked_or_on_a_terminal(capsys) -> None:
    pytest.importorskip("tqdm")
    sweep(SLOW_GRID, [Greedy()], chunk_size=4, progress=True)
    assert "24/24" in capsys.readouterr().err
    sweep(SLOW_GRID, [Greedy()], chunk_size=4)
    assert capsys.readouterr().err == ""


# ---------------------------------------------------------------------------- checkpoints
def _rows(path: Path) -> pd.DataFrame:
    if path.suffix == ".csv":
        return pd.read_csv(path, comment="#")
    return pd.read_parquet(path)


@pytest.mark.parametrize("name", ["sweep.csv", "sweep.parquet"])
def test_a_checkpointed_sweep_resumes_where_it_stopped(tmp_path, monkeypatch, serial, name):
    if name.endswith(".parquet"):
        pytest.importorskip("pyarrow")
    path = tmp_path / name
    original = execution_module._run_chunk
    finished = []

    def interrupted(plan, start, stop):
        if len(finished) == 3:
            raise KeyboardInterrupt
        finished.append((start, stop))
        return original(plan, start, stop)

    monkeypatch.setattr(execution_module, "_run_chunk", interrupted)
    with pytest.raises(KeyboardInterrupt):
        sweep(SLOW_GRID, SLOW_STRATEGIES, checkpoint=path, chunk_size=2, closed_form=False)
    assert len(_rows(path)) == 3 * 2 * len(SLOW_STRATEGIES)
    monkeypatch.setattr(execution_module, "_run_chunk", original)
    computed = []
    monkeypatch.setattr(
        execution_module, "_run_chunk", lambda *a: computed.append(a[1:]) or original(*a)
    )
    table = sweep(SLOW_GRID, SLOW_STRATEGIES, checkpoint=path, chunk_size=5, closed_form=False)
    pd.testing.assert_frame_equal(table, serial)
    assert all(start >= 6 for start, _ in computed)  # the six finished cells were skipped
    rows = _rows(path)
    assert len(rows) == len(serial)
    assert not rows.duplicated(["_cell", "_strategy"]).any()
    # A finished checkpoint gives the table without computing anything.
    computed.clear()
    again = sweep(SLOW_GRID, SLOW_STRATEGIES, checkpoint=path, closed_form=False)
    pd.testing.assert_frame_equal(again, serial)
    assert computed == []


def test_parquet_checkpoint_with_a_column_that_starts_empty(tmp_path) -> None:
    pytest.importorskip("pyarrow")
    grid = {"observable": [None, True], "train": [1], "deploy": [1, 2]}
    path = tmp_path / "sweep.parquet"
    table = sweep(grid, ["deceptive"], checkpoint=path, chunk_size=1)
    pd.testing.assert_frame_equal(sweep(grid, ["deceptive"], checkpoint=path), table)
    assert _rows(path)["observable"].tolist() == [None, None, True, True]


def test_a_checkpoint_for_other_arguments_is_refused(tmp_path) -> None:
    path = tmp_path / "sweep.csv"
    sweep({"train": [1, 2], "deploy": [3]}, ["greedy"], checkpoint=path)
    before = path.read_bytes()
    for grid, strategies, options in [
        ({"train": [1, 2], "deploy": [4]}, ["greedy"], {}),
        ({"train": [1, 2], "deploy": [3]}, ["deceptive"], {}),
        ({"train": [1, 2], "deploy": [3]}, ["greedy"], {"mode": "simulate"}),
        ({"deploy": [3], "train": [1, 2]}, ["greedy"], {}),
    ]:
        with pytest.raises(ValueError, match="checkpoint") as error:
            sweep(grid, strategies, checkpoint=path, **options)
        assert "other arguments" in str(error.value)
    assert path.read_bytes() == before
    simulated = tmp_path / "simulated.csv"
    sweep({"train": [1], "deploy": [3]}, ["greedy"], mode="simulate", runs=10, checkpoint=simulated)
    with pytest.raises(ValueError, match="seed"):
        sweep(
            {"train": [1], "deploy": [3]},
            ["greedy"],
            mode="simulate",
            runs=10,
            seed=1,
            checkpoint=simulated,
        )


def test_a_file_that_is_not_a_checkpoint_is_refused(tmp_path) -> None:
    path = tmp_path / "notes.csv"
    path.write_text("train,deploy\n1,2\n")
    with pytest.raises(ValueError, match="not a sweep checkpoint"):
        sweep({"train": [1], "deploy": [1]}, checkpoint=path)
    assert path.read_text() == "train,deploy\n1,2\n"


def test_a_row_cut_short_and_an_unfinished_cell_are_redone(tmp_path, serial) -> None:
    path = tmp_path / "sweep.csv"
    sweep(SLOW_GRID, SLOW_STRATEGIES, checkpoint=path, closed_form=False)
    lines = path.read_text().splitlines(keepends=True)
    # Keep the header and 4 cells, half of the fifth cell's rows, and half a line.
    kept = lines[: 2 + 4 * 3] + lines[2 + 4 * 3 : 2 + 4 * 3 + 2] + [lines[-1][:7]]
    path.write_text("".join(kept))
    table = sweep(SLOW_GRID, SLOW_STRATEGIES, checkpoint=path, closed_form=False)
    pd.testing.assert_frame_equal(table, serial)
    rows = _rows(path)
    assert len(rows) == len(serial) and not rows.duplicated(["_cell", "_strategy"]).any()


def test_csv_when_pyarrow_is_absent(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(checkpoint_module, "has_pyarrow", lambda: False)
    path = tmp_path / "sweep.ckpt"
    table = sweep({"train": [1], "deploy": [1, 2]}, checkpoint=path)
    assert path.read_text().startswith(checkpoint_module.MAGIC)
    pd.testing.assert_frame_equal(sweep({"train": [1], "deploy": [1, 2]}, checkpoint=path), table)
    with pytest.raises(ValueError, match="pyarrow"):
        sweep({"train": [1], "deploy": [1]}, checkpoint=tmp_path / "sweep.parquet")


KILL_GRID = {"train": list(range(1, 7)), "deploy": [2, 4, 8], "honeypot_rate": [0.2]}
KILL_ARGUMENTS = {"mode": "simulate", "runs": 300_000, "seed": 3, "chunk_size": 1}


def test_resume_after_the_process_is_killed(tmp_path) -> None:
    path = tmp_path / "killed.csv"
    code = (
        "from deception_sim.sweeps.running import sweep\n"
        f"sweep({KILL_GRID!r}, ['greedy', 'deceptive'], checkpoint={str(path)!r}, "
        f"executor='serial', progress=False, **{KILL_ARGUMENTS!r})\n"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", code],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:  # until the first chunk lands
            if path.exists() and path.read_text().count("\n") >= 2 + 2:
                break
            if process.poll() is not None:
                pytest.fail(f"the sweep ended before it was killed: {process.stderr.read()}")
            time.sleep(0.005)
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait(timeout=30)
        process.stderr.close()
    landed = _rows(path)
    total = 6 * 3 * 2
    assert 2 <= len(landed) < total, "the kill came too late to test resuming"
    resumed = sweep(KILL_GRID, ["greedy", "deceptive"], checkpoint=path, **KILL_ARGUMENTS)
    whole = sweep(KILL_GRID, ["greedy", "deceptive"], **KILL_ARGUMENTS)
    pd.testing.assert_frame_equal(resumed, whole)
    rows = _rows(path)
    assert len(rows) == total and not rows.duplicated(["_cell", "_strategy"]).any()
