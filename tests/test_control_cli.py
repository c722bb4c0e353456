"""``deception-sim control``: each action, scores from files, and one-line errors (exit 2)."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from deception_sim.cli import main

BETA = ["--monitor", "beta:7.39,6.86/beta:8.91,2.82"]


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_worst_case_table(capsys) -> None:
    code, out, _ = run(
        capsys,
        "control",
        "worst-case",
        *BETA,
        "--tasks",
        "100",
        "--audits",
        "2",
        "--audit-fpr",
        "0.02",
        "--defer-fpr",
        "0.1",
        "--format",
        "csv",
    )
    assert code == 0
    table = pd.read_csv(io.StringIO(out))
    assert table["attacker"].tolist() == ["memoryless", "clock"]
    assert table["safety"].round(4).tolist() == [0.6426, 0.3313]
    assert table["policy"].tolist()[1] == "attack from task 88"
    assert "method" not in table


def test_evaluate_with_monte_carlo(capsys) -> None:
    code, out, _ = run(
        capsys,
        "control",
        "evaluate",
        "--protocol",
        "upfront",
        "--tasks",
        "500",
        "--audits",
        "10",
        "--success",
        "0.53",
        "--attack-rate",
        "0.01",
        "--runs",
        "4000",
        "--format",
        "csv",
    )
    assert code == 0
    row = pd.read_csv(io.StringIO(out)).iloc[0]
    assert abs(row["mc_safety"] - row["safety"]) < 5 * row["mc_safety_se"]


def test_scores_from_a_file(tmp_path, capsys) -> None:
    scores = tmp_path / "run.csv"
    scores.write_text("honest,attacks\n" + "\n".join(f"{i % 10},{5 + i % 7}" for i in range(50)))
    code, out, _ = run(
        capsys,
        "control",
        "worst-case",
        "--scores",
        str(scores),
        "--safe-column",
        "honest",
        "--attack-column",
        "attacks",
        "--tasks",
        "50",
        "--audits",
        "1",
        "--attacker",
        "clock",
        "--show-method",
        "--format",
        "csv",
    )
    assert code == 0
    table = pd.read_csv(io.StringIO(out))
    assert table["method"].str.contains("suffix theorem").all()
    code, out, _ = run(
        capsys,
        "control",
        "roc",
        "--scores",
        str(scores),
        "--safe-column",
        "honest",
        "--attack-column",
        "attacks",
        "--fprs",
        "0.1",
        "--format",
        "csv",
    )
    assert out.splitlines()[1].startswith("0.1,")


def test_frontier(capsys) -> None:
    code, out, _ = run(
        capsys,
        "control",
        "frontier",
        *BETA,
        "--tasks",
        "50",
        "--audits",
        "1",
        "--defer-fprs",
        "0,0.2",
        "--format",
        "csv",
    )
    assert code == 0
    table = pd.read_csv(io.StringIO(out))
    assert table["defer_fpr"].tolist() == [0.0, 0.2] and table["efficient"].all()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["worst-case", "--tasks", "10", "--audits", "1"], "needs --monitor or --scores"),
        (
            ["worst-case", *BETA, "--scores", "x.csv", "--tasks", "10", "--audits", "1"],
            "exactly one of",
        ),
        (["worst-case", "--monitor", "beta:1,2", "--tasks", "10", "--audits", "1"], "SAFE/ATTACK"),
        (
            ["worst-case", "--monitor", "nope:1/beta:1,2", "--tasks", "10", "--audits", "1"],
            "not a continuous",
        ),
        (
            ["worst-case", "--monitor", "beta:-1,2/beta:1,2", "--tasks", "10", "--audits", "1"],
            "safe: beta",
        ),
        (["worst-case", *BETA, "--tasks", "0", "--audits", "1"], "tasks"),
        (["worst-case", *BETA, "--tasks", "10", "--audits", "-1"], "audits"),
        (["worst-case", *BETA, "--tasks", "10", "--audits", "1", "--audit-fpr", "2"], "audit_fpr"),
        (["worst-case", "--protocol", "random", "--tasks", "10", "--audits", "1"], "--rate"),
        (["worst-case", "--scores", "missing.csv", "--tasks", "10", "--audits", "1"], "path"),
        (["evaluate", *BETA, "--tasks", "10", "--audits", "1", "--attack-rate", "-1"], "attack"),
        (
            ["frontier", *BETA, "--tasks", "10", "--audits", "1", "--defer-fprs", "a"],
            "--defer-fprs",
        ),
        (["worst-case", *BETA, "--tasks", "10"], "--audits"),
        (["bogus"], "invalid choice"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(capsys, argv, message) -> None:
    code, out, err = run(capsys, "control", *argv)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and message in err


def test_a_file_without_the_columns(tmp_path, capsys) -> None:
    scores = tmp_path / "run.csv"
    scores.write_text("a,b\n1,2\n")
    code, _, err = run(capsys, "control", "roc", "--scores", str(scores))
    assert code == 2 and "safe_column" in err and len(err.strip().splitlines()) == 1
