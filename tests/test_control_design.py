"""The designer's problems: best thresholds, the frontier, mixing over protocols, tables.

* the best audit rate beats every rate of a fine grid (to the refinement's
  tolerance), for both attackers;
* frontier rows: more deferral buys safety with usefulness; the efficient flags;
* mixing against a clock attacker equals brute force over all plans against
  the mixture (the suffix theorem holds for mixtures), and never guarantees
  less than the best single protocol; against a memoryless attacker the
  double oracle's guarantee matches its game value;
* bad input.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from control_oracle import BETA

from deception_sim.control import (
    RandomAuditing,
    TrustedMonitoring,
    UpfrontAuditing,
    best_design,
    best_thresholds,
    control_table,
    mix_protocols,
    paced_thresholds,
    pareto_frontier,
    suffix_safety,
    worst_case,
)
from deception_sim.control.recursion import attacker_win


@pytest.mark.parametrize("attacker", ["memoryless", "clock"])
def test_best_thresholds_beat_a_fine_grid(attacker) -> None:
    design = best_thresholds(BETA, tasks=60, audits=2, attacker=attacker, defer_fpr=0.05)
    grid = np.geomspace(1e-4, 1, 200)
    safeties = [
        worst_case(
            TrustedMonitoring(monitor=BETA, tasks=60, audits=2, audit_fpr=x, defer_fpr=0.05),
            attacker,
        ).safety
        for x in grid
    ]
    assert design.safety >= max(safeties) - 1e-6
    assert design.result.protocol.audit_fpr == design.parameter
    assert list(design.curve.columns) == ["parameter", "safety", "usefulness"]
    assert design.curve["safety"].max() == design.safety


def test_frontier_trades_usefulness_for_safety() -> None:
    frontier = pareto_frontier(
        BETA, tasks=50, audits=1, attacker="clock", defer_fprs=[0.0, 0.05, 0.2, 0.5], grid=9
    )
    assert list(frontier.columns) == [
        "defer_fpr",
        "audit_fpr",
        "attacker",
        "safety",
        "usefulness",
        "efficient",
    ]
    assert (np.diff(frontier["safety"]) > 0).all()
    assert (np.diff(frontier["usefulness"]) < 0).all()
    assert frontier["efficient"].all()


def _plans(tasks: int) -> np.ndarray:
    return np.array(list(itertools.product([0.0, 1.0], repeat=tasks)))[:, :, None]


def test_mixing_against_a_clock_attacker_is_exact() -> None:
    tasks = 9
    options = [
        UpfrontAuditing(tasks=tasks, audits=2, success=0.6),
        TrustedMonitoring(
            monitor=BETA, tasks=tasks, audits=2, audit_fpr=0.1, defer_fpr=0.1, success=0.6
        ),
        RandomAuditing(tasks=tasks, audits=2, rate=0.3, success=0.6),
        TrustedMonitoring(monitor=BETA, tasks=tasks, audits=2, audit_fpr=0.4, success=0.6),
    ]
    mix = mix_protocols(options, "clock")
    assert mix.weights.sum() == pytest.approx(1.0) and not mix.weights.flags.writeable
    # brute force: the attacker's best plan of all 2**M against the mixture
    table = np.array([1 - attacker_win(p.transitions(), _plans(tasks)) for p in options])
    assert mix.safety == pytest.approx((mix.weights @ table).min(), abs=1e-12)
    assert mix.safety == pytest.approx(mix.value, abs=1e-9)
    pure = max(worst_case(p, "clock").safety for p in options)
    assert mix.safety >= pure - 1e-12
    assert mix.attacks["probability"].sum() == pytest.approx(1.0)
    assert list(mix.table().columns)[-1] == "weight"


def test_mixing_against_a_memoryless_attacker() -> None:
    options = [
        TrustedMonitoring(monitor=BETA, tasks=40, audits=1, audit_fpr=x, success=0.8)
        for x in (0.005, 0.02, 0.1, 0.4)
    ]
    mix = mix_protocols(options, "memoryless")
    pure = max(worst_case(p, "memoryless").safety for p in options)
    assert mix.safety >= pure - 1e-9
    assert mix.safety == pytest.approx(mix.value, abs=1e-9)


def test_control_table() -> None:
    table = control_table(
        [
            UpfrontAuditing(tasks=20, audits=2),
            TrustedMonitoring(monitor=BETA, tasks=20, audits=2, audit_fpr=0.05),
        ],
        attackers=["memoryless", "clock", "informed"],
    )
    assert len(table) == 6
    assert {
        "protocol",
        "tasks",
        "audits",
        "attacker",
        "safety",
        "usefulness",
        "policy",
        "method",
    } <= set(table.columns)
    assert table["protocol"].tolist()[::3] == ["UpfrontAuditing", "TrustedMonitoring"]


def test_paced_designs_are_solved_exactly() -> None:
    def paced(pace: float) -> TrustedMonitoring:
        return TrustedMonitoring(
            monitor=BETA, tasks=30, audits=2, success=0.6, audit_fpr=paced_thresholds(30, 2, pace)
        )

    design = best_design(paced, "clock", bounds=(0.0, 10.0), low=0.01, grid=9)
    assert design.safety == max(design.curve["safety"])
    searched = worst_case(paced(1.0), "clock")
    assert "search over reachable beliefs" in searched.method
    assert worst_case(paced(1.0), "informed").safety <= searched.safety
    assert searched.safety <= suffix_safety(paced(1.0)).min()


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: mix_protocols([], "clock"), "protocols"),
        (
            lambda: mix_protocols(
                [UpfrontAuditing(tasks=3, audits=1), UpfrontAuditing(tasks=4, audits=1)]
            ),
            "protocols",
        ),
        (
            lambda: mix_protocols(
                [
                    TrustedMonitoring(
                        monitor=BETA, tasks=3, audits=1, success=0.5, audit_fpr=[0, 0.5, 1]
                    )
                ]
            ),
            "protocols",
        ),
        (lambda: mix_protocols([UpfrontAuditing(tasks=3, audits=1)], "informed"), "attacker"),
        (
            lambda: best_design(lambda x: UpfrontAuditing(tasks=3, audits=1), bounds=(1, 0)),
            "bounds",
        ),
        (lambda: best_thresholds(BETA, tasks=0, audits=1), "tasks"),
        (lambda: pareto_frontier(BETA, tasks=5, audits=1, defer_fprs=[]), "defer_fprs"),
    ],
)
def test_bad_input_names_the_parameter(call, name) -> None:
    with pytest.raises(ValueError, match=name):
        call()
