"""The deception-sim command: tables, files, and one-line errors with exit code 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from deception_sim.cli import main

ROOT = Path(__file__).resolve().parents[1]


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_evaluate_prints_a_markdown_table(capsys) -> None:
    code, out, err = run(capsys, "evaluate", "--train", "2", "--deploy", "3", "--policy", "BBAAA")
    assert code == 0 and err == ""
    header, _, row = out.splitlines()
    assert header.startswith("| policy") and "mesa" in header
    assert row.startswith("| Plan('BBAAA') | T=2, D=3 |")
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[3:5] == ["3", "2"]  # mesa, base


def test_evaluate_json_and_csv(capsys) -> None:
    code, out, _ = run(
        capsys,
        "evaluate",
        "--train",
        "2",
        "--deploy",
        "3",
        "--policy",
        "greedy",
        "--policy",
        "deceptive",
        "--format",
        "json",
    )
    assert code == 0
    rows = json.loads(out)
    assert [(r["policy"], r["mesa"]) for r in rows] == [("Greedy()", 1.0), ("Deceptive()", 3.0)]
    code, out, _ = run(
        capsys,
        "evaluate",
        "--train",
        "2",
        "--deploy",
        "3",
        "--policy",
        "greedy",
        "--format",
        "csv",
    )
    assert code == 0
    assert out.splitlines()[1].startswith('Greedy(),"T=2, D=3",HardUpdate(),1,4,')


def test_all_plans_sorted_best_first(capsys) -> None:
    code, out, _ = run(
        capsys, "evaluate", "--train", "2", "--deploy", "3", "--all-plans", "--format", "json"
    )
    rows = json.loads(out)
    assert code == 0 and len(rows) == 32
    assert rows[0]["policy"] == "Plan('BBAAA')" and rows[0]["mesa"] == 3.0
    assert rows[1]["mesa"] == 2.0


def test_model_options_reach_the_model(capsys) -> None:
    code, out, _ = run(
        capsys,
        "evaluate",
        "--train",
        "2",
        "--deploy",
        "3",
        "--honeypot",
        "0.5",
        "--policy",
        "deceptive",
        "--format",
        "json",
    )
    assert code == 0 and json.loads(out)[0]["mesa"] == 1.75
    code, out, _ = run(
        capsys,
        "evaluate",
        "--horizon",
        "5",
        "--boundary",
        "uniform:1,3",
        "--policy",
        "BBAAA",
        "--format",
        "json",
    )
    assert code == 0 and json.loads(out)[0]["mesa"] == pytest.approx(7 / 3)
    code, out, _ = run(
        capsys,
        "evaluate",
        "--train",
        "2",
        "--deploy",
        "3",
        "--detect",
        "0.5",
        "--policy",
        "greedy",
        "--format",
        "json",
    )
    assert code == 0 and json.loads(out)[0]["mesa"] == 2.25


def test_curves(capsys) -> None:
    code, out, _ = run(
        capsys,
        "evaluate",
        "--train",
        "2",
        "--deploy",
        "1",
        "--policy",
        "greedy",
        "--curves",
        "--format",
        "csv",
    )
    lines = out.splitlines()
    assert code == 0
    assert lines[0].startswith("episode,p_train,")
    assert len(lines) == 4


def test_simulate(capsys) -> None:
    code, out, _ = run(
        capsys,
        "simulate",
        "--train",
        "2",
        "--deploy",
        "3",
        "--policy",
        "memoryless:0.5",
        "--runs",
        "2000",
        "--seed",
        "3",
        "--format",
        "json",
    )
    assert code == 0
    row = json.loads(out)[0]
    assert row["runs"] == 2000 and row["mesa_se"] > 0


def test_output_file(tmp_path, capsys) -> None:
    target = tmp_path / "table.md"
    code, out, err = run(
        capsys,
        "evaluate",
        "--train",
        "2",
        "--deploy",
        "3",
        "--policy",
        "greedy",
        "--output",
        str(target),
    )
    assert code == 0 and out == "" and "wrote" in err
    assert target.read_text().startswith("| policy")
    assert not list(tmp_path.glob("*.partial"))


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["evaluate", "--train", "-2", "--deploy", "3", "--policy", "greedy"], "train"),
        (["evaluate", "--train", "2", "--deploy", "3", "--policy", "BBXAA"], "plan"),
        (["evaluate", "--train", "2", "--deploy", "3", "--policy", "BBAAAA"], "plan"),
        (
            [
                "evaluate",
                "--train",
                "2",
                "--deploy",
                "3",
                "--honeypot",
                "nan",
                "--policy",
                "greedy",
            ],
            "honeypot_rate",
        ),
        (
            [
                "evaluate",
                "--train",
                "2",
                "--deploy",
                "3",
                "--cue-accuracy",
                "0.2",
                "--policy",
                "greedy",
            ],
            "cue_accuracy",
        ),
        (
            ["evaluate", "--train", "2", "--deploy", "3", "--detect", "2", "--policy", "greedy"],
            "detect",
        ),
        (["evaluate", "--train", "2", "--deploy", "3"], "policy"),
        (["evaluate", "--train", "2", "--policy", "greedy"], "deploy"),
        (
            ["evaluate", "--horizon", "4", "--boundary", "poisson:2", "--policy", "greedy"],
            "boundary",
        ),
        (
            ["evaluate", "--horizon", "4", "--boundary", "pmf:0.5,0.5", "--policy", "greedy"],
            "boundary",
        ),
        (["evaluate", "--train", "2", "--deploy", "3", "--trian", "2"], "unrecognized"),
        (["evaluate", "--train", "two", "--deploy", "3", "--policy", "greedy"], "train"),
        (["evaluate", "--train", "10", "--deploy", "10", "--all-plans"], "horizon"),
        (
            ["simulate", "--train", "2", "--deploy", "3", "--policy", "greedy", "--runs", "0"],
            "runs",
        ),
        (["reproduce", "--analyses", "/nonexistent"], "analyses"),
        ([], "command"),
    ],
)
def test_bad_input_is_one_line_and_exit_code_2(capsys, argv, needle: str) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert out == ""
    assert len(err.splitlines()) == 1, err
    assert err.startswith("deception-sim: error:") and needle in err


def test_console_script_has_no_traceback_on_bad_input() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "deception_sim",
            "evaluate",
            "--train",
            "-1",
            "--deploy",
            "1",
            "--policy",
            "greedy",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1


def test_reproduce_writes_the_seed_table(tmp_path, capsys) -> None:
    code, out, _ = run(
        capsys,
        "reproduce",
        "--out",
        str(tmp_path),
        "--only",
        "seed_plans",
    )
    assert code == 0
    assert "best plan BBAAA gets 3 apples; greedy AAAAA gets 1" in out
    table = (tmp_path / "seed_plans.csv").read_text().splitlines()
    assert table[0] == "rank,plan,mesa,base"
    assert table[1] == "1,BBAAA,3,2"
    assert len(table) == 33
