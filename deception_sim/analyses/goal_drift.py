"""Objective formation and goal drift: the crossover table and the drift figure.

Writes

* ``goal_drift.md``: ``n*``, the number of training examples from
  which the label register ``Y`` is at least as likely as the intended ``X``
  to be selected, against label noise ``e`` (rows) and the complexity gap
  ``bits(Y) - bits(X)`` (columns), at inverse temperature 1 and fidelity 0.9;
* ``goal_drift.csv``: the same for inverse temperatures 0.1, 1 and
  10, tidy, with the closed form and the root found by ``brentq`` side by side;
* ``goal_drift_trajectories.png`` and ``.pdf``: the goal weight on ``X``,
  ``Y`` and ``pain`` over deployment steps, starting all on ``X``, in three
  worlds: a symmetric ``X ~ Y`` equivalence learned at step 100; the same
  with more flow towards the register (``X -> Y`` at 0.01, back at 0.0025);
  and the symmetric one plus ``Y ~ pain`` learned at step 400. Vertical
  lines mark the learning times, a dot the step at which ``Y`` overtakes ``X``.

Used by docs/explanation/goal-drift.md. Run alone:
``python -m deception_sim.analyses.goal_drift [OUT_DIR]``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

from deception_sim.drift import (
    WorldModel,
    crossover_table,
    drift_limit,
    drift_trajectory,
    overtake_time,
    standard_world,
)
from deception_sim.report import PALETTE, new_figure, save_figure, styled, to_csv, write_table

LABEL_NOISE = (0.0, 0.001, 0.01, 0.05, 0.1, 0.2)
GAPS = (1.0, 10.0, 100.0, 1000.0)
BETAS = (0.1, 1.0, 10.0)
FIDELITY = 0.9
STEPS = 1000
LEARN_AT = 100


def crossover_frame() -> pd.DataFrame:
    """Tidy ``n*`` over label noise x gap x beta, closed form and numerical root."""
    closed = crossover_table(LABEL_NOISE, GAPS, BETAS, fidelity=FIDELITY)
    numeric = crossover_table(LABEL_NOISE, GAPS, BETAS, fidelity=FIDELITY, method="brentq")
    frame = closed.assign(n_star_brentq=numeric["n_star"])
    finite = np.isfinite(frame["n_star"])
    gap = (frame["n_star_brentq"] - frame["n_star"]).abs() / frame["n_star"].where(finite)
    if not (gap[finite] < 1e-9).all() or not np.isinf(frame.loc[~finite, "n_star_brentq"]).all():
        raise AssertionError("closed form and brentq disagree on n*")
    return frame


def crossover_pivot(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows: label noise; columns: complexity gap; cells: ``n*`` at beta = 1."""
    chosen = frame[frame["beta"] == 1.0]
    pivot = chosen.pivot(index="label_noise", columns="complexity_gap", values="n_star")
    pivot.columns = [f"gap {g:g} bit{'s' if g != 1 else ''}" for g in pivot.columns]
    pivot.index.name = "label noise e"
    return pivot.reset_index()


def scenarios() -> dict[str, WorldModel]:
    """The three worlds of the figure, all starting with the goal flag on ``X``."""
    world = standard_world(label_noise=0.05)
    symmetric = world.learn("X", "Y", at=LEARN_AT, rate=0.01)
    return {
        f"X ~ Y learned at step {LEARN_AT}, rate 0.01 both ways": symmetric,
        f"X ~ Y learned at step {LEARN_AT}, X -> Y 0.01, Y -> X 0.0025": world.learn(
            "X", "Y", at=LEARN_AT, rate=0.01, back_rate=0.0025
        ),
        f"X ~ Y at step {LEARN_AT}, Y ~ pain at step {4 * LEARN_AT}, 0.01 both ways": (
            symmetric.learn("Y", "pain", at=4 * LEARN_AT, rate=0.01)
        ),
    }


def figure(paths: tuple[Path, Path]) -> list[str]:
    """Draw the trajectories into ``paths`` (PNG, PDF); return one line per scenario."""
    styles = {"X": (PALETTE[0], "-"), "Y": (PALETTE[1], "--"), "pain": ("0.45", ":")}
    lines = []
    with styled():
        fig = new_figure("wide")
        axes = fig.subplots(1, 3, sharey=True)
        for ax, (title, world) in zip(axes, scenarios().items(), strict=True):
            path = drift_trajectory(world, "X", STEPS)
            limit = drift_limit(world, "X")
            for name, (color, dash) in styles.items():
                label = f"{name} (limit {limit[name]:.3g})"
                ax.plot(path.index, path[name], color=color, linestyle=dash, label=label)
            for at in sorted({e.learned_at for e in world.edges}):
                ax.axvline(at, color="black", linewidth=0.6, alpha=0.4)
            when = overtake_time(world, "X")
            if when is not None and when <= STEPS:
                ax.plot([when], [path.loc[when, "Y"]], "o", color=PALETTE[1], markersize=5)
                ax.annotate(
                    f"Y > X at step {when}",
                    (when, path.loc[when, "Y"]),
                    xytext=(8, 12),
                    textcoords="offset points",
                    color=PALETTE[1],
                )
            ax.set_title(title, fontsize=8.5)
            ax.set_xlabel("deployment step")
            ax.set_ylim(-0.02, 1.02)
            ax.legend(loc="best", fontsize=8, frameon=False)
            lines.append(
                f"   {title}: limit X={limit['X']:.3g}, Y={limit['Y']:.3g}; "
                + ("Y never overtakes X" if when is None else f"Y overtakes X at step {when}")
            )
        axes[0].set_ylabel("goal weight")
        fig.suptitle(
            "Goal drift along learned edges (goal flag starts on X; vertical lines: edges learned)",
            fontsize=10,
        )
    save_figure(fig, *paths)
    return lines


def main(out: Path) -> tuple[list[Path], str]:
    """Write the tables and the figure to ``out``; return the files and a short summary."""
    frame = crossover_frame()
    caption = (
        f"n*, the number of training examples from which the label register Y is at least as "
        f"likely as the intended X to be selected: inverse temperature 1, fidelity {FIDELITY}, "
        f"label noise e = {', '.join(f'{e:g}' for e in LABEL_NOISE)} (rows), complexity gap "
        f"bits(Y) - bits(X) = {', '.join(f'{g:g}' for g in GAPS)} (columns)."
    )
    tables = write_table(crossover_pivot(frame), out / "goal_drift", caption=caption, digits=6)
    data = out / "goal_drift_data.csv"
    data.write_text(to_csv(frame))
    png, pdf = out / "goal_drift_trajectories.png", out / "goal_drift_trajectories.pdf"
    lines = figure((png, pdf))
    example = frame[
        (frame["label_noise"] == 0.05) & (frame["complexity_gap"] == 10) & (frame["beta"] == 1)
    ].iloc[0]
    summary = "\n".join(
        [
            f"   n* (Y overtakes X), beta=1, q={FIDELITY}: e=0.05, gap 10 bits -> "
            f"{example['n_star']:.4g} examples; e=0 -> never",
            *lines,
        ]
    )
    return [*tables, data, png, pdf], summary


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("out")
    target.mkdir(parents=True, exist_ok=True)
    files, text = main(target)
    print(text)
