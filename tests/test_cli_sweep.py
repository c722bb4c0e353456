"""``deception-sim sweep`` and the workflow around it: grids, files, Dask, one-line errors."""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest

from deception_sim.cli import main
from deception_sim.cli import sweep as sweep_command
from deception_sim.cli.common import _sweep_values
from deception_sim.sweeps.running import sweep


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_sweep_prints_the_table_of_the_api(capsys) -> None:
    code, out, err = run(
        capsys,
        "sweep",
        "--train",
        "0:2",
        "--deploy",
        "1,3",
        "--honeypot",
        "0,0.1",
        "--format",
        "csv",
    )
    assert code == 0 and err == ""
    expected = sweep(
        {"train": [0, 1, 2], "deploy": [1, 3], "honeypot_rate": [0.0, 0.1]},
        ["greedy", "deceptive", "optimal"],
    )
    table = pd.read_csv(io.StringIO(out))
    assert list(table.columns) == list(expected.columns)
    assert table["policy"].tolist() == expected["policy"].tolist()
    assert table["mesa"].tolist() == pytest.approx(expected["mesa"].tolist())


def test_sweep_modes_and_formats(capsys) -> None:
    code, out, _ = run(
        capsys, "sweep", "--train", "2", "--deploy", "3", "--mode", "optimize", "--format", "json"
    )
    assert code == 0
    assert [(r["policy"], r["value"], r["rule"]) for r in json.loads(out)] == [
        ("Optimal(known_phase)", 3.0, "BBAAA")
    ]
    code, out, _ = run(
        capsys,
        "sweep",
        "--train",
        "2",
        "--deploy",
        "3",
        "--mode",
        "simulate",
        "--runs",
        "100",
        "--policy",
        "greedy",
        "--format",
        "json",
        "--workers",
        "1",
    )
    row = json.loads(out)[0]
    assert code == 0 and row["runs"] == 100 and row["mesa"] == 1.0
    code, out, _ = run(
        capsys, "sweep", "--train", "2", "--deploy", "3", "--policy", "greedy", "--format", "latex"
    )
    assert code == 0 and out.startswith("\\begin{tabular}{rrlrrrrrrr}\n\\toprule\n")


def test_latex_for_the_other_commands(capsys) -> None:
    code, out, _ = run(
        capsys,
        "evaluate",
        "--train",
        "2",
        "--deploy",
        "3",
        "--policy",
        "BBAAA",
        "--format",
        "latex",
    )
    assert code == 0
    assert out.splitlines()[4].startswith("Plan('BBAAA') & T=2, D=3 & HardUpdate() &    3 &")


def test_sweep_files_figure_and_checkpoint(tmp_path, capsys) -> None:
    figure, table, checkpoint = tmp_path / "a.png", tmp_path / "a.md", tmp_path / "a.csv"
    argv = [
        "sweep",
        "--train",
        "0:4",
        "--deploy",
        "0:4",
        "--figure",
        str(figure),
        "--output",
        str(table),
        "--checkpoint",
        str(checkpoint),
        "--discount",
        "0.9",
    ]
    code, out, err = run(capsys, *argv)
    assert code == 0 and out == ""
    assert f"wrote {figure}" in err and f"wrote {table}" in err
    assert figure.read_bytes()[:4] == b"\x89PNG"
    assert table.read_text().startswith("| train | deploy | discount | policy")
    assert len(pd.read_csv(checkpoint, comment="#")) == 25 * 3
    code, _, err = run(capsys, *argv)  # resumes from the finished checkpoint
    assert code == 0
    code, _, err = run(capsys, *argv[:-2])  # another discount: refused
    assert code == 2 and "checkpoint" in err and len(err.splitlines()) == 1


def test_sweep_on_a_dask_scheduler(capsys) -> None:
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        processes=False, n_workers=1, threads_per_worker=1, dashboard_address=":0"
    ) as cluster:
        code, out, _ = run(
            capsys,
            "sweep",
            "--train",
            "1:2",
            "--deploy",
            "2",
            "--honeypot",
            "0.1",
            "--scheduler",
            cluster.scheduler_address,
            "--format",
            "csv",
        )
    assert code == 0
    local = run(
        capsys, "sweep", "--train", "1:2", "--deploy", "2", "--honeypot", "0.1", "--format", "csv"
    )[1]
    assert out == local


@pytest.mark.parametrize(
    ("text", "kind", "values"),
    [
        ("5", "int", [5]),
        ("0:3", "int", [0, 1, 2, 3]),
        ("0:10:5", "int", [0, 5, 10]),
        ("0,1,2,5", "int", [0, 1, 2, 5]),
        ("0:0.3:0.1", "float", [0.0, 0.1, 0.2, 0.3]),
        ("0.5,1", "float", [0.5, 1.0]),
        ("count,any", "str", ["count", "any"]),
    ],
)
def test_grid_values(text: str, kind: str, values: list) -> None:
    # Ranges are sequences computed on demand (sized before any value exists).
    assert list(_sweep_values("--x", text, kind)) == values


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["sweep", "--train", "0:3"], "--deploy"),
        (["sweep", "--train", "0:3", "--deploy", "x"], "--deploy"),
        (["sweep", "--train", "3:0", "--deploy", "1"], "STOP"),
        (["sweep", "--train", "0:3:1:2", "--deploy", "1"], "--train"),
        (["sweep", "--train", "-1", "--deploy", "1"], "train"),
        (["sweep", "--train", "1", "--deploy", "1", "--honeypot", "2"], "honeypot_rate"),
        (["sweep", "--train", "1", "--deploy", "1", "--policy", "BBXAA"], "plan"),
        (["sweep", "--train", "1", "--deploy", "1", "--policy", "optimal:psychic"], "information"),
        (
            ["sweep", "--train", "1", "--deploy", "1", "--mode", "optimize", "--policy", "greedy"],
            "optimize",
        ),
        (["sweep", "--train", "1", "--deploy", "1", "--workers", "0"], "workers"),
        (["sweep", "--train", "1", "--deploy", "1", "--utility", "most"], "utility"),
        (
            [
                "sweep",
                "--train",
                "0:2",
                "--deploy",
                "1",
                "--honeypot",
                "0,0.1",
                "--figure",
                "x.png",
            ],
            "honeypot_rate",
        ),
        (["sweep", "--train", "0:2", "--deploy", "1", "--figure", "x.gif"], "--figure"),
        (
            ["sweep", "--train", "1", "--deploy", "1", "--scheduler", "tcp://127.0.0.1:1"],
            "scheduler",
        ),
        (["sweep", "--train", "1", "--deploy", "1", "--format", "html"], "format"),
    ],
)
def test_bad_input_is_one_line_and_exit_code_2(capsys, monkeypatch, argv, needle: str) -> None:
    if "--scheduler" in argv:
        pytest.importorskip("distributed")
        monkeypatch.setattr(sweep_command, "SCHEDULER_TIMEOUT", 0.5)
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert out == ""
    assert len(err.splitlines()) == 1, err
    assert err.startswith("deception-sim: error:") and needle in err
