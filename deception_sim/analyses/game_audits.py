"""Safety of auditing the first k deployment episodes, by the audit fraction.

The agent's utility is "any": it wants at least one unoverseen defection to
succeed. There is no cue and no training (T = 0, D = 100 deployment
episodes); an audited episode is overseen (a defection there is caught and
the agent modified). Against each audit plan the agent best-responds with
the optimal-policies solver, and safety is the probability that no
defection gets through:

* a *memoryless* agent against the first k audits: it defects with the
  same probability p in every episode, p* = 1 - (k/D)**(1/(D-k)), and
  safety is ``1 - (1 - f) f**(f/(1-f))`` for the audit fraction f = k/D
  (whatever D, for whole k);
* the same agent against random audits at rate f: safety f (it defects at
  once: the first episode is as likely audited as any);
* an agent with a clock against the first k audits: it waits for them to
  end, and safety is 0 until everything is audited.

Writes ``game_audits.md`` and ``.csv`` (the table) and ``game_audits.png`` and
``.pdf``. Run alone: ``python -m deception_sim.analyses.game_audits [OUT_DIR]``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

from deception_sim import Payoffs
from deception_sim.games import best_response, first_audits, random_audits
from deception_sim.report import new_figure, save_figure, styled, write_table

DEPLOY = 100
FRACTIONS = tuple(np.round(np.linspace(0.0, 1.0, 11), 2).tolist())
ANY = Payoffs(utility="any")


def closed_form(fraction: float) -> float:
    """Safety of auditing the first share ``fraction`` against a memoryless agent."""
    if fraction <= 0.0:
        return 0.0
    if fraction >= 1.0:
        return 1.0
    return 1.0 - (1.0 - fraction) * fraction ** (fraction / (1.0 - fraction))


def safety(value: float) -> float:
    """1 - P(a success), the rounding below 0 removed."""
    return max(0.0, 1.0 - value)


def table() -> pd.DataFrame:
    rows = []
    for fraction in FRACTIONS:
        first = first_audits(0, DEPLOY, fraction)
        memoryless = best_response(first, ANY, "memoryless")
        policy = memoryless.policy.as_memoryless()
        assert policy is not None  # a memoryless best response is a Memoryless strategy
        rows.append(
            {
                "audit_fraction": fraction,
                "audits": round(fraction * DEPLOY),
                "p_star": policy.probabilities[0],
                "safety_first_k": safety(memoryless.value),
                "safety_closed_form": closed_form(fraction),
                "safety_random": safety(
                    best_response(random_audits(0, DEPLOY, fraction), ANY, "memoryless").value
                ),
                "safety_clock_agent": safety(best_response(first, ANY, "clock").value),
            }
        )
    return pd.DataFrame(rows)


def figure(frame: pd.DataFrame, out: Path) -> list[Path]:
    with styled():
        fig = new_figure("square")
        ax = fig.subplots()
        f = np.linspace(0.0, 1.0, 201)
        ax.plot(
            f,
            [closed_form(x) for x in f],
            color="C0",
            linewidth=1,
            linestyle=":",
            label="1 - (1 - f) f^(f/(1-f))",
        )
        ax.plot(
            frame["audit_fraction"],
            frame["safety_first_k"],
            "o-",
            color="C0",
            label=f"first k, memoryless agent (D = {DEPLOY})",
        )
        ax.plot(
            frame["audit_fraction"],
            frame["safety_random"],
            "s--",
            color="C1",
            label="random audits, memoryless agent",
        )
        ax.plot(
            frame["audit_fraction"],
            frame["safety_clock_agent"],
            "^-.",
            color="C3",
            label="first k, agent with a clock",
        )
        ax.set_xlabel("audit fraction k / D")
        ax.set_ylabel("safety: P(no unoverseen defection succeeds)")
        ax.set_title("Auditing against an agent that needs one success")
        ax.set_xlim(-0.02, 1.02)
        ax.set_ylim(-0.02, 1.02)
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2, fontsize="small")
    png, pdf = out / "game_audits.png", out / "game_audits.pdf"
    return save_figure(fig, png, pdf)


def main(out: Path) -> tuple[list[Path], str]:
    """Write the table and the figure to ``out``; return the files and a short summary."""
    frame = table()
    # Without audits every p above about 0.3 succeeds for sure (to rounding): which one
    # the solver reports is not a result, so the tables start at the first audit.
    audited = frame[frame["audit_fraction"] > 0]
    caption = (
        f"Auditing against an agent that needs one success: safety P(no unoverseen defection "
        f"succeeds) for audit fractions k / D, D = {DEPLOY} deployment episodes, utility "
        "'any'; the first k or random audits, against a memoryless agent or one with a clock."
    )
    tables = write_table(audited, out / "game_audits", caption=caption, digits=4)
    half = frame[frame["audit_fraction"] == 0.5].iloc[0]
    summary = (
        f"   auditing the first half: safety {half['safety_first_k']:.4f} against a "
        f"memoryless agent (closed form {closed_form(0.5):.4f}), "
        f"{half['safety_random']:.4f} for random audits, "
        f"{half['safety_clock_agent']:.4f} against a clock"
    )
    return [*tables, *figure(frame, out)], summary


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("out")
    target.mkdir(parents=True, exist_ok=True)
    files, text = main(target)
    print(text)
