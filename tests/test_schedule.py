"""Schedule: constructors, per-episode arrays, identity, and bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from scipy import stats

from deception_sim import Schedule
from deception_sim.testing import schedules


def test_fixed_schedule_arrays() -> None:
    s = Schedule.fixed(train=2, deploy=3)
    assert s.horizon == 5
    assert s.train_pmf.tolist() == [0, 0, 1, 0, 0, 0]
    assert s.survival().tolist() == [1, 1, 0, 0, 0, 0]
    assert s.p_train().tolist() == [1, 1, 0, 0, 0]
    assert s.honeypots().tolist() == [0] * 5
    assert s.reach().tolist() == [1] * 5
    assert s.fixed_train == 2
    assert s.support() == (2, 2)


def test_random_boundary_from_probabilities_and_scipy() -> None:
    by_hand = Schedule.random_boundary(4, [0.0, 0.25, 0.25, 0.5, 0.0])
    assert by_hand.survival().tolist() == [1.0, 0.75, 0.5, 0.0, 0.0]  # P(T > t)
    assert by_hand.fixed_train is None
    uniform = Schedule.random_boundary(4, stats.randint(1, 3))
    assert uniform.train_pmf.tolist() == [0.0, 0.5, 0.5, 0.0, 0.0]
    # Mass beyond the horizon goes to T = N: the run ends before deployment.
    geometric = Schedule.random_boundary(3, stats.geom(0.5, loc=-1))
    assert geometric.train_pmf.tolist() == pytest.approx([0.5, 0.25, 0.125, 0.125])


def test_tiny_tail_probabilities_keep_their_digits() -> None:
    pmf = np.zeros(11)
    pmf[0] = 1 - 1e-15
    pmf[10] = 1e-15
    s = Schedule.random_boundary(10, pmf)
    assert s.survival()[5] == pytest.approx(1e-15, rel=1e-12)


def test_unknown_horizon_truncates_where_the_tail_is_negligible() -> None:
    s = Schedule.unknown_horizon(train=3, continue_prob=0.9)
    tail = 0.9**s.horizon / (1 - 0.9)
    assert tail <= 1e-12 < 0.9 ** (s.horizon - 1) / (1 - 0.9)
    assert s.fixed_train == 3
    assert s.reach()[:3].tolist() == pytest.approx([1.0, 0.9, 0.81])
    assert Schedule.unknown_horizon(train=3, continue_prob=0.9, horizon=10).horizon == 10


def test_cues_and_observability() -> None:
    assert Schedule.fixed(1, 1, observable=False).cue_accuracy == 0.5
    assert Schedule.fixed(1, 1, observable=True).cue_accuracy == 1.0
    assert Schedule.fixed(1, 1, cue_accuracy=0.7).cue_matrix().sum(axis=1).tolist() == [1, 1]


def test_per_episode_honeypots() -> None:
    s = Schedule.fixed(1, 2, honeypot_rate=[0.0, 0.5, 0.25])
    assert s.honeypots().tolist() == [0.0, 0.5, 0.25]


@pytest.mark.parametrize(
    "schedule",
    [
        Schedule.fixed(2, 3),
        Schedule.fixed(2, 3, honeypot_rate=0.1, cue_accuracy=0.8, continue_prob=0.9),
        Schedule.fixed(1, 1, honeypot_rate=[0.0, 0.5]),
        Schedule.random_boundary(3, [0.25, 0.25, 0.25, 0.25]),
    ],
    ids=repr,
)
def test_repr_round_trips_and_identity(schedule: Schedule) -> None:
    again = eval(repr(schedule), {"Schedule": Schedule})
    assert again == schedule
    assert hash(again) == hash(schedule)
    assert len({schedule, again}) == 1


def test_different_schedules_differ() -> None:
    assert Schedule.fixed(2, 3) != Schedule.fixed(3, 2)
    assert Schedule.fixed(2, 3) != Schedule.fixed(2, 3, honeypot_rate=0.1)
    assert Schedule.fixed(2, 3).describe() == "T=2, D=3"


@pytest.mark.parametrize(
    ("build", "parameter"),
    [
        (lambda: Schedule.fixed(-1, 3), "train"),
        (lambda: Schedule.fixed(2, -3), "deploy"),
        (lambda: Schedule.fixed(2.5, 3), "train"),
        (lambda: Schedule.fixed(True, 3), "train"),
        (lambda: Schedule.fixed(2, 3, honeypot_rate=1.5), "honeypot_rate"),
        (lambda: Schedule.fixed(2, 3, honeypot_rate=-0.1), "honeypot_rate"),
        (lambda: Schedule.fixed(2, 3, honeypot_rate=math.nan), "honeypot_rate"),
        (lambda: Schedule.fixed(2, 3, honeypot_rate=[0.1] * 4), "honeypot_rate"),
        (lambda: Schedule.fixed(2, 3, honeypot_rate=[0.1, 2, 0, 0, 0]), "honeypot_rate"),
        (lambda: Schedule.fixed(2, 3, cue_accuracy=0.4), "cue_accuracy"),
        (lambda: Schedule.fixed(2, 3, cue_accuracy=1.01), "cue_accuracy"),
        (lambda: Schedule.fixed(2, 3, cue_accuracy=math.nan), "cue_accuracy"),
        (lambda: Schedule.fixed(2, 3, continue_prob=0.0), "continue_prob"),
        (lambda: Schedule.fixed(2, 3, continue_prob=1.5), "continue_prob"),
        (lambda: Schedule.fixed(2, 3, cue_accuracy=0.8, observable=False), "observable"),
        (lambda: Schedule.fixed(2, 3, observable="yes"), "observable"),
        (lambda: Schedule.random_boundary(2, [0.5, 0.5]), "train_pmf"),
        (lambda: Schedule.random_boundary(2, [0.5, 0.6, 0.0]), "train_pmf"),
        (lambda: Schedule.random_boundary(2, [0.5, math.nan, 0.5]), "train_pmf"),
        (lambda: Schedule.random_boundary(2, [-0.5, 1.5, 0.0]), "train_pmf"),
        (lambda: Schedule.random_boundary(2, [[0.5], [0.5]]), "train_pmf"),
        (lambda: Schedule.random_boundary(2, "abc"), "train_pmf"),
        (lambda: Schedule.random_boundary(-1, [1.0]), "horizon"),
        (lambda: Schedule.random_boundary(3, stats.randint(-1, 2)), "train_length"),
        (lambda: Schedule.unknown_horizon(2, continue_prob=1.0), "continue_prob"),
        (lambda: Schedule.unknown_horizon(2, continue_prob=0.5, horizon=1), "horizon"),
        (lambda: Schedule.unknown_horizon(2, continue_prob=0.5, tail=0.0), "tail"),
    ],
)
def test_bad_input_names_the_parameter(build, parameter: str) -> None:
    with pytest.raises(ValueError, match=parameter):
        build()


def test_arrays_are_read_only() -> None:
    s = Schedule.fixed(2, 3)
    with pytest.raises(ValueError):
        s.train_pmf[0] = 1.0
    with pytest.raises(ValueError):
        s.survival()[0] = 0.0
    with pytest.raises(ValueError):
        s.hazard()[0] = 0.0


@settings(max_examples=100)
@given(schedules(max_horizon=30))
def test_the_hazard_moves_the_phase_as_the_boundary_says(schedule: Schedule) -> None:
    """Training through t + 1 = training through t, and not ending with episode t + 1."""
    hazard, survival = schedule.hazard(), schedule.survival()
    assert hazard.shape == (schedule.horizon,)
    assert np.all((hazard >= 0.0) & (hazard <= 1.0))
    np.testing.assert_allclose(survival[1:], survival[:-1] * (1.0 - hazard), atol=1e-12)
    np.testing.assert_allclose(survival[:-1] * hazard, schedule.train_pmf[1:], atol=1e-12)
    assert np.all(hazard[survival[:-1] == 0.0] == 0.0)
