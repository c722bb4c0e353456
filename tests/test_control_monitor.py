"""Monitors: the ROC curve and thresholds (exact, with ties), file loading, bad input.

* hand-checked empirical ROC points with ties, the randomized tie-breaking
  giving the honest flag rate exactly;
* continuous monitors against scipy directly;
* the flagged sets, drawn from real scores and tie-breaking numbers, are
  nested and have the flag rates the monitor reports (seeded sampling);
* CSV and Parquet files with unequal columns; missing columns, NaN and empty
  scores are ValueErrors naming the parameter.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from deception_sim.control import Monitor, no_information

BETA_SAFE, BETA_ATTACK = stats.beta(7.39, 6.86), stats.beta(8.91, 2.82)


def test_empirical_roc_by_hand() -> None:
    # Honest scores 1, 2, 2, 3: flagging at fpr 0.25 takes the 3 only; at 0.5 the 3 and
    # half of the tied 2s; at 0.75 everything above 1.
    mon = Monitor.from_scores([1, 2, 2, 3], [2, 3, 4, 0])
    threshold, tie = mon.threshold([0.25, 0.5, 0.75, 1.0, 0.0])
    assert threshold.tolist() == [2.0, 2.0, 1.0, -np.inf, np.inf]
    assert tie.tolist() == [0.0, 0.5, 0.0, 1.0, 0.0]
    honest, attack = mon.flag_rates([0.25, 0.5, 0.75, 1.0, 0.0])
    assert honest.tolist() == [0.25, 0.5, 0.75, 1.0, 0.0]
    # attacks above 2: 3 and 4 (0.5); plus half of the attack at 2 (0.125); above 1: 0.75.
    assert attack.tolist() == [0.5, 0.625, 0.75, 1.0, 0.0]
    # between ROC vertices the curve is linear in the fpr
    assert mon.tpr(0.375) == pytest.approx((0.5 + 0.625) / 2, abs=1e-15)


def test_an_fpr_on_a_multiple_of_one_over_n_is_snapped() -> None:
    # 0.29 * 100 = 28.999999999999996: still exactly the top 29 scores.
    mon = Monitor.from_scores(np.arange(100.0), [70.5])
    assert mon.threshold(0.29)[0].tolist() == 70.0 and mon.threshold(0.29)[1] == 0.0
    assert mon.tpr(0.29) == 1.0 and mon.tpr(0.28) == 0.0


def test_continuous_roc_is_scipy() -> None:
    mon = Monitor(safe=BETA_SAFE, attack=BETA_ATTACK)
    x = np.array([1e-9, 1e-4, 0.02, 0.1, 0.5, 0.9])
    expected = BETA_ATTACK.sf(BETA_SAFE.isf(x))
    assert np.allclose(mon.tpr(x), expected, rtol=1e-13, atol=1e-15)
    assert mon.tpr([0.0, 1.0]).tolist() == [0.0, 1.0]
    assert no_information().tpr(0.37) == pytest.approx(0.37, abs=1e-15)
    assert mon.flag_rates(0.02)[0] == 0.02


@given(
    st.lists(st.integers(0, 4), min_size=1, max_size=12),
    st.lists(st.integers(-1, 5), min_size=1, max_size=12),
    st.lists(st.floats(0, 1), min_size=2, max_size=6),
)
def test_empirical_rates_are_exact_and_monotone(safe, attack, fprs) -> None:
    mon = Monitor.from_scores(safe, attack)
    x = np.sort(np.array(fprs))
    honest, rate = mon.flag_rates(x)
    n = len(safe)
    snapped = np.where(
        np.abs(x * n - np.round(x * n)) <= 1e-9 * np.maximum(1, x * n), np.round(x * n) / n, x
    )
    assert np.allclose(honest, snapped, atol=1e-15)
    assert (np.diff(rate) >= -1e-15).all() and (rate >= 0).all() and (rate <= 1).all()
    # Direct definition: flag score > t, and score == t with probability tie.
    threshold, tie = mon.threshold(x)
    a = np.array(attack, dtype=float)
    direct = [
        ((a > t).sum() + g * (a == t).sum()) / a.size for t, g in zip(threshold, tie, strict=True)
    ]
    inside = (x > 0) & (x < 1)
    assert np.allclose(rate[inside], np.array(direct)[inside], atol=1e-15)


@pytest.mark.parametrize("empirical", [True, False])
def test_sampled_flags_are_nested_and_have_the_reported_rates(empirical) -> None:
    rng = np.random.default_rng(7)
    if empirical:
        mon = Monitor.from_scores(rng.integers(0, 6, 40), rng.integers(2, 9, 30))
    else:
        mon = Monitor(safe=BETA_SAFE, attack=BETA_ATTACK)
    runs = 200_000
    levels = [0.02, 0.1, 0.3]
    for kind, column in (("safe", 0), ("attack", 1)):
        scores = mon.sample(kind, runs, rng)
        u = rng.random(runs)  # one tie-breaking number per output, shared by all regions
        flagged = []
        for fpr in levels:
            t, g = mon.threshold(fpr)
            flagged.append((scores > t) | ((scores == t) & (u < g)))
            p = mon.flag_rates(fpr)[column]
            se = np.sqrt(p * (1 - p) / runs) + 1e-12
            assert abs(flagged[-1].mean() - p) < 5 * se
        for inner, outer in itertools.pairwise(flagged):
            assert not (inner & ~outer).any()


def test_from_file_csv_and_parquet(tmp_path) -> None:
    csv = tmp_path / "scores.csv"
    csv.write_text("safe,attack,other\n0.1,0.9,x\n0.2,,y\n0.3,0.7,z\n")
    mon = Monitor.from_file(csv)
    assert mon == Monitor.from_scores([0.1, 0.2, 0.3], [0.7, 0.9])
    renamed = tmp_path / "renamed.csv"
    renamed.write_text("h,a\n1,2\n3,4\n")
    assert Monitor.from_file(renamed, safe_column="h", attack_column="a").tpr(0.5) == 1.0
    parquet = tmp_path / "scores.parquet"
    pd.DataFrame({"safe": [0.1, 0.2, 0.3], "attack": [0.9, None, 0.7]}).to_parquet(parquet)
    assert Monitor.from_file(parquet) == mon


def test_identity() -> None:
    a = Monitor(safe=BETA_SAFE, attack=BETA_ATTACK)
    b = Monitor(safe=stats.beta(7.39, 6.86), attack=stats.beta(8.91, 2.82))
    assert a == b and hash(a) == hash(b) and len({a, b}) == 1
    scores = Monitor.from_scores([3, 1, 2], [5])
    assert scores == Monitor.from_scores([1, 2, 3], [5]) != a
    assert not scores.safe.flags.writeable
    assert repr(scores) == "Monitor(safe=<3 scores>, attack=<1 scores>)"


@pytest.mark.parametrize(
    ("make", "name"),
    [
        (lambda: Monitor.from_scores([], [1]), "safe_scores"),
        (lambda: Monitor.from_scores([1], [np.nan]), "attack_scores"),
        (lambda: Monitor.from_scores([1, np.inf], [1]), "safe_scores"),
        (lambda: Monitor(safe=stats.poisson(3), attack=[1]), "safe"),
        (lambda: Monitor(safe=[[1, 2]], attack=[1]), "safe"),
        (lambda: Monitor(safe="abc", attack=[1]), "safe"),
        (lambda: Monitor.from_scores([1], [2]).tpr(1.5), "fpr"),
        (lambda: Monitor.from_scores([1], [2]).tpr(np.nan), "fpr"),
        (
            lambda: Monitor.from_scores([1], [2]).sample("honest", 3, np.random.default_rng()),
            "kind",
        ),
    ],
)
def test_bad_input_names_the_parameter(make, name) -> None:
    with pytest.raises(ValueError, match=name):
        make()


def test_bad_files_name_the_parameter(tmp_path) -> None:
    csv = tmp_path / "scores.csv"
    csv.write_text("honest,attack\n0.1,0.9\n")
    with pytest.raises(ValueError, match=r"safe_column.*'safe'.*'honest', 'attack'"):
        Monitor.from_file(csv)
    csv.write_text("safe,attack\n0.1,nan\n")
    with pytest.raises(ValueError, match=r"attack_column.*NaN"):
        Monitor.from_file(csv)
    csv.write_text("safe,attack\n0.1,high\n")
    with pytest.raises(ValueError, match=r"attack_column.*numbers"):
        Monitor.from_file(csv)
    csv.write_text("safe,attack\n,0.5\n")
    with pytest.raises(ValueError, match=r"safe_column.*at least one"):
        Monitor.from_file(csv)
    with pytest.raises(ValueError, match="path"):
        Monitor.from_file(tmp_path / "missing.csv")


def test_mixed_monitors() -> None:
    # Continuous honest scores with observed attacks, and the other way round.
    uniform = stats.uniform()
    mixed = Monitor(safe=uniform, attack=[0.1, 0.5, 0.95, 0.99])
    assert mixed.tpr([0.02, 0.5]).tolist() == [0.25, 0.5]
    other = Monitor(safe=[0.0, 0.5, 1.0, 1.5], attack=uniform)
    assert other.tpr([0.25, 0.5]).tolist() == pytest.approx([0.0, 0.5], abs=1e-15)
