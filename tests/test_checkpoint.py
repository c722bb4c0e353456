"""Checkpoints that cannot lie: damaged chunks are found and recomputed, damaged headers
refused as damaged, one writer at a time, a killed writer's lock taken over."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path

import pandas as pd
import pytest

from deception_sim import sweep
from deception_sim.cli import main
from deception_sim.report import render
from deception_sim.sweeps.checkpoint import CheckpointWarning
from deception_sim.sweeps.checksums import digest
from deception_sim.sweeps.plan import result_kinds

ROOT = Path(__file__).resolve().parents[1]
GRID = {"train": [1, 2, 3], "deploy": [2, 3], "honeypot_rate": [0.2]}
POLICIES = ["greedy", "deceptive"]
FORMATS = ["sweep.csv", "sweep.parquet"]


def _sweep(path: Path, **options) -> pd.DataFrame:
    return sweep(GRID, POLICIES, checkpoint=path, chunk_size=2, closed_form=False, **options)


@pytest.fixture(scope="module")
def whole() -> pd.DataFrame:
    return sweep(GRID, POLICIES, closed_form=False)


def _resume(path: Path, whole: pd.DataFrame) -> list[str]:
    """Resume the sweep: it must give the whole table; returns the warnings it gave."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        table = _sweep(path)
    pd.testing.assert_frame_equal(table, whole)
    return [str(w.message) for w in caught if issubclass(w.category, CheckpointWarning)]


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.suffix in (".tmp", ".lock", ".partial"))


def test_an_edited_value_is_found_and_recomputed(tmp_path, whole) -> None:
    path = tmp_path / "sweep.csv"
    _sweep(path)
    lines = path.read_text().split("\n")
    fields = lines[3].split(",")
    fields[6] = "42.0"  # the mesa of the second row
    lines[3] = ",".join(fields)
    path.write_text("\n".join(lines))
    (message,) = _resume(path, whole)
    assert "damaged" in message and "checksum" in message
    assert _resume(path, whole) == []  # the file was repaired
    assert _leftovers(tmp_path) == []


def test_an_edited_parameter_is_found(tmp_path, whole) -> None:
    path = tmp_path / "sweep.csv"
    _sweep(path)
    text = path.read_text().split("\n")
    text[2] = "3" + text[2][1:]  # train 1 -> 3 in the first row: not the grid's value
    path.write_text("\n".join(text))
    (message,) = _resume(path, whole)
    assert "train = '3' where the grid has '1'" in message


def test_a_value_out_of_range_is_found_even_with_a_good_checksum(tmp_path, whole) -> None:
    path = tmp_path / "sweep.csv"
    _sweep(path)
    header, columns, *body = path.read_text().splitlines()
    rows = [line for line in body if not line.startswith("#")]
    frame = pd.read_csv(path, comment="#", skiprows=1, keep_default_na=False)
    frame["p_defect"] = frame["p_defect"].astype(float)
    frame.loc[0, "p_defect"] = -1.0
    rows[0] = ",".join(str(v) for v in frame.iloc[0].tolist())
    kinds = result_kinds("evaluate")
    typed = frame[["_cell", "_strategy", *kinds]].astype({"_cell": int, "_strategy": int})
    trailer = f"#chunk,{len(frame)},{digest(typed, kinds)}"
    path.write_text("\n".join([header, columns, *rows, trailer]) + "\n")
    (message,) = _resume(path, whole)
    assert "p_defect = -1.0 is outside its range" in message


@pytest.mark.parametrize("name", FORMATS)
def test_flipped_bits_never_give_a_wrong_table(tmp_path, whole, name) -> None:
    if name.endswith(".parquet"):
        pytest.importorskip("pyarrow")
    path = tmp_path / name
    _sweep(path)
    original = path.read_bytes()
    outcomes = {"recomputed": 0, "untouched values": 0, "refused": 0}
    for k in range(24):
        position = (k * 7919) % len(original)
        damaged = bytearray(original)
        damaged[position] ^= 1 << (k % 8)
        path.write_bytes(bytes(damaged))
        try:
            found = _resume(path, whole)
        except ValueError as error:  # only a refusal that says why
            text = str(error)
            assert "checkpoint" in text and ("damaged" in text or "not a sweep" in text), text
            outcomes["refused"] += 1
        else:
            outcomes["recomputed" if found else "untouched values"] += 1
        assert _leftovers(tmp_path) == []
    assert outcomes["recomputed"] + outcomes["refused"] >= 8, outcomes


def test_a_damaged_header_is_refused_as_damaged(tmp_path) -> None:
    path = tmp_path / "sweep.csv"
    _sweep(path)
    text = path.read_text()
    for damaged in (
        text.replace('"mode": "evaluate"', '"mode": "evaluatf"', 1),  # fingerprint mismatch
        text.replace('"mode": "evaluate"', '"mode": "evaluate', 1),  # not JSON
    ):
        path.write_text(damaged)
        with pytest.raises(ValueError, match="is damaged"):
            _sweep(path)
        assert path.read_text() == damaged  # refused, never overwritten
    path.write_text(text.replace('"format": 2}', '"format": 1}', 1).replace(', "format": 2', ""))
    with pytest.raises(ValueError, match="format 1"):
        _sweep(path)


def test_paths_are_checked_before_any_work_and_nothing_is_left_behind(tmp_path) -> None:
    with pytest.raises(ValueError, match="is a folder"):
        _sweep(tmp_path)
    with pytest.raises(ValueError, match="does not exist"):
        _sweep(tmp_path / "missing" / "sweep.csv")
    assert list(tmp_path.iterdir()) == []
    # A sweep that fails in its first chunk leaves no checkpoint it created, and no lock.
    path = tmp_path / "sweep.csv"
    bad = {"train": [1], "deploy": [1], "observable": [False], "cue_accuracy": [0.8]}
    with pytest.raises(ValueError, match="contradicts"):
        sweep(bad, ["greedy"], checkpoint=path)
    assert list(tmp_path.iterdir()) == []


QUICK = ["--mode", "simulate", "--runs", "5000", "--chunk-size", "1", "--workers", "1"]
GRID_OPTIONS = ["--train", "1:4", "--deploy", "2,4", "--honeypot", "0.2"]
# Each chunk of the first writer takes a while: it holds the checkpoint long enough.
SLOWLY = (
    "import sys, time\n"
    "from deception_sim.sweeps import execution\n"
    "computed = execution._run_chunk\n"
    "execution._run_chunk = lambda *a: time.sleep(1.0) or computed(*a)\n"
    "from deception_sim.cli import main\n"
    "sys.exit(main(sys.argv[1:]))\n"
)


def _command(path: Path, *extra: str, slowly: bool = False) -> list[str]:
    start = ["-c", SLOWLY] if slowly else ["-m", "deception_sim"]
    return [
        sys.executable,
        *start,
        "sweep",
        *GRID_OPTIONS,
        *QUICK,
        "--policy",
        "greedy",
        "--policy",
        "deceptive",
        "--checkpoint",
        str(path),
        "--format",
        "csv",
        *extra,
    ]


def _environment() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT)}


def _wait_for_chunks(path: Path, process: subprocess.Popen, chunks: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if path.exists() and path.read_text().count("#chunk,") >= chunks:
            return
        if process.poll() is not None:
            pytest.fail(f"the sweep ended early: {process.stderr.read() if process.stderr else ''}")
        time.sleep(0.01)
    pytest.fail("no chunk landed in time")


def test_one_writer_at_a_time_and_a_killed_writers_chunks_resume(tmp_path, capsys) -> None:
    path = tmp_path / "sweep.csv"
    first = subprocess.Popen(
        _command(path, slowly=True),
        env=_environment(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        _wait_for_chunks(path, first, 1)
        # A second writer, while the first holds the checkpoint: one line, exit 2.
        second = subprocess.run(
            _command(path), env=_environment(), capture_output=True, text=True, timeout=60
        )
        assert second.returncode == 2
        assert second.stderr.count("\n") == 1 and "in use by another sweep" in second.stderr
        first.send_signal(signal.SIGKILL)  # its lock file stays behind: stale
    finally:
        first.wait(timeout=30)
        if first.stderr is not None:
            first.stderr.close()
    assert (tmp_path / "sweep.csv.lock").exists()
    # Damage the first chunk, then resume: the stale lock is taken over, the damaged
    # chunk recomputed, and the table is the one a sweep without a checkpoint gives.
    lines = path.read_text().split("\n")
    lines[2] = lines[2].replace("Greedy()", "Greedy(!)")
    path.write_text("\n".join(lines))
    argv = _command(path, "--output", str(tmp_path / "resumed.csv"))[3:]  # in this process
    assert main(argv) == 0
    err = capsys.readouterr().err
    assert "warning: checkpoint" in err and "damaged" in err and "Traceback" not in err
    whole = sweep(
        {"train": range(1, 5), "deploy": [2, 4], "honeypot_rate": [0.2]},
        ["greedy", "deceptive"],
        mode="simulate",
        runs=5000,
        chunk_size=1,
        workers=1,
    )
    assert (tmp_path / "resumed.csv").read_text() == render(whole, "csv")
    assert _leftovers(tmp_path) == []


def test_concurrent_writers_never_kill_each_other(tmp_path) -> None:
    path = tmp_path / "sweep.parquet" if _has_pyarrow() else tmp_path / "sweep.csv"
    writers = [
        subprocess.Popen(
            _command(path),
            env=_environment(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    results = [(w.wait(timeout=120), *w.communicate()) for w in writers]
    finished = [out for code, out, _ in results if code == 0]
    assert finished, results
    for code, _, err in results:
        assert "Traceback" not in err
        assert code == 0 or (code == 2 and "in use by another sweep" in err), err
    assert all(out == finished[0] for out in finished)
    assert _leftovers(tmp_path) == []


def _has_pyarrow() -> bool:
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        return False
    return True


def test_a_header_whose_format_key_is_damaged_is_refused_as_damaged(tmp_path) -> None:
    """The arguments carry a format of their own (1): a damaged key must not fall back to it."""
    path = tmp_path / "sweep.csv"
    _sweep(path)
    text = path.read_text()
    assert text.count('"format": 2}') == 1
    path.write_text(text.replace('"format": 2}', '"formet": 2}'))
    with pytest.raises(ValueError, match="is damaged \\(its header has no format\\)"):
        _sweep(path)
