"""Tables as Markdown, CSV, JSON and LaTeX, and figures that are the same bytes every time."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pytest

from deception_sim import Deceptive, Greedy
from deception_sim.report import (
    FORMATS,
    advantage_heatmap,
    best_response_curves,
    best_responses,
    deception_advantage,
    render,
    save_figure,
    to_csv,
    to_latex,
    to_markdown,
    value_curves,
)
from deception_sim.sweeps.running import sweep

TABLE = pd.DataFrame(
    {
        "policy": ["Greedy()", "Plan('B_A')"],
        "T": [2, 10],
        "mesa": [1.0, -0.25],
        "p_intact": [np.nan, 1 / 3],
    }
)


def test_markdown() -> None:
    assert to_markdown(TABLE) == (
        "| policy      |   T |  mesa | p_intact |\n"
        "|:------------|----:|------:|---------:|\n"
        "| Greedy()    |   2 |     1 |      nan |\n"
        "| Plan('B_A') |  10 | -0.25 | 0.333333 |\n"
    )


def test_csv() -> None:
    assert to_csv(TABLE) == (
        "policy,T,mesa,p_intact\n"
        "Greedy(),2,1,\n"
        "Plan('B_A'),10,-0.25,0.333333333333\n"
    )


def test_latex_is_booktabs_with_escaped_text() -> None:
    assert to_latex(TABLE, digits=3) == (
        "\\begin{tabular}{lrrr}\n"
        "\\toprule\n"
        "policy       &  T &  mesa & p\\_intact \\\\\n"
        "\\midrule\n"
        "Greedy()     &  2 &     1 &       nan \\\\\n"
        "Plan('B\\_A') & 10 & -0.25 &     0.333 \\\\\n"
        "\\bottomrule\n"
        "\\end{tabular}\n"
    )


def test_latex_float_with_caption_and_special_characters() -> None:
    frame = pd.DataFrame({"a&b": ["50% of $x_1$ #{~^\\}"]})
    assert to_latex(frame, caption="Apples & exits", label="tab:seed") == (
        "\\begin{table}\n"
        "  \\centering\n"
        "  \\begin{tabular}{l}\n"
        "  \\toprule\n"
        "  a\\&b \\\\\n"
        "  \\midrule\n"
        "  50\\% of \\$x\\_1\\$ \\#\\{\\textasciitilde{}\\textasciicircum{}\\textbackslash{}\\}"
        " \\\\\n"
        "  \\bottomrule\n"
        "  \\end{tabular}\n"
        "  \\caption{Apples \\& exits}\n"
        "  \\label{tab:seed}\n"
        "\\end{table}\n"
    )


def test_render_knows_every_format() -> None:
    assert "latex" in FORMATS
    assert render(TABLE, "latex") == to_latex(TABLE)
    assert render(TABLE, "markdown") == to_markdown(TABLE)
    with pytest.raises(ValueError, match="format"):
        render(TABLE, "html")


# ---------------------------------------------------------------------------- figures
@pytest.fixture(scope="module")
def lengths() -> pd.DataFrame:
    return sweep({"train": range(0, 8), "deploy": range(0, 6)}, [Greedy(), Deceptive(), "optimal"])


def test_deception_advantage_is_optimal_minus_greedy(lengths) -> None:
    advantage = deception_advantage(lengths)
    assert advantage.shape == (8, 6)
    assert advantage.loc[3, 5] == 4.0 and advantage.loc[0, 5] == 0.0
    against_deceptive = deception_advantage(lengths, best="Deceptive()")
    assert against_deceptive.loc[3, 0] == -1.0
    with pytest.raises(ValueError, match="Aligned"):
        deception_advantage(lengths, best="Aligned()")
    mixed = sweep({"train": [1], "deploy": [1, 2], "honeypot_rate": [0, 0.1]}, ["greedy"])
    with pytest.raises(ValueError, match="honeypot_rate"):
        deception_advantage(mixed, best="Greedy()")


def test_best_responses_break_ties_by_order(lengths) -> None:
    chosen = best_responses(lengths[lengths["train"] == 3], "deploy")
    assert chosen["policy"].tolist() == [
        "Greedy()", "Greedy()", "Deceptive()", "Deceptive()", "Deceptive()", "Deceptive()"
    ]


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_figures_are_written_and_the_same_bytes_each_time(tmp_path, lengths) -> None:
    by_rate = sweep({"honeypot_rate": [0, 0.2, 0.4], "train": 3, "deploy": 4}, ["greedy",
                                                                                "deceptive"])
    figures = {
        "heatmap": lambda: advantage_heatmap(lengths),
        "curves": lambda: value_curves(lengths[lengths["train"] == 2], "deploy"),
        "response": lambda: best_response_curves(by_rate, "honeypot_rate", outcome="harm"),
        "choice": lambda: best_response_curves(by_rate, "honeypot_rate"),
    }
    for name, draw in figures.items():
        first = save_figure(draw(), tmp_path / f"{name}.png", tmp_path / f"{name}.pdf", dpi=50)
        digests = [_digest(path) for path in first]
        again = save_figure(
            draw(), tmp_path / f"{name}-2.png", tmp_path / f"{name}-2.pdf", dpi=50
        )
        assert [_digest(path) for path in again] == digests, name
        png, pdf = first
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 2000
        assert pdf.read_bytes()[:5] == b"%PDF-" and pdf.stat().st_size > 2000


def test_figure_checks(tmp_path, lengths) -> None:
    with pytest.raises(ValueError, match="train"):
        value_curves(lengths, "deploy")  # several training lengths in one curve
    with pytest.raises(ValueError, match=r"\.png"):
        save_figure(advantage_heatmap(lengths), tmp_path / "figure.gif")
