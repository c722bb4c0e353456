"""``evaluate``'s *scalar path*: one policy on a short horizon, in Python floats.

For horizons up to :data:`SCALAR_HORIZON`, the forward recursion's fixed cost
(a few hundred numpy calls) would dominate; :func:`scalar_totals` runs the same
recursion as the loop over episodes of :mod:`deception_sim.exact.loop` on the
model :func:`~deception_sim.exact.batch.model_of` prepares. A policy whose
declared form (:meth:`~deception_sim.strategies.Strategy.form`) is
:class:`~deception_sim.strategies.Stationary` or
:class:`~deception_sim.strategies.Actions` needs no table at all.

It agrees with :mod:`deception_sim.exact.forward` to rounding; the tests check
it over random models (``tests/test_batch.py``).
"""

from __future__ import annotations

import math

import numpy as np

from ..model import Payoffs, Schedule, UpdateRule
from ..strategies import Actions, Stationary, Strategy, checked_table
from .batch import _kind_rates, _lists, _mix, _plain_rates, model_of
from .loop import Model, Seq, Sums, one_level, run_loop
from .totals import Totals, clean_value

SCALAR_HORIZON = 512
"""Longest horizon that ``evaluate`` runs on the scalar path (Python floats), with one
live level and one success to wait for (the hard update's case)."""

SCALAR_WORK = 256
"""With more states than one (live levels times counts of successes to track), the scalar
path is taken while states times episodes is at most this."""


def usable_form(policy: Strategy, horizon: int) -> Stationary | Actions | None:
    """The policy's declared form if the scalar path can read the choices from it (a
    :class:`~deception_sim.strategies.Stationary` of probabilities, or
    :class:`~deception_sim.strategies.Actions` that cover ``horizon`` episodes), else
    ``None`` (its table is read and checked instead).

    >>> from deception_sim import Deceptive, Plan
    >>> usable_form(Deceptive(), 5), usable_form(Plan("BBA"), 2)
    (Stationary(on_train_cue=0.0, on_deploy_cue=1.0), None)
    """
    form = policy.form()
    if isinstance(form, Stationary):
        if 0.0 <= form.on_train_cue <= 1.0 and 0.0 <= form.on_deploy_cue <= 1.0:
            return form
    elif isinstance(form, Actions) and len(form.defect) <= horizon:
        return form
    return None


# ------------------------------------------------------------------------ one policy, floats
def _mix_numbers(on_train: float, on_deploy: float, p_train_cue: float) -> float:
    """:func:`_mix` of a choice that is the same in every episode."""
    if p_train_cue == 1.0 or on_train == on_deploy:
        return float(on_train)
    if p_train_cue == 0.0:
        return float(on_deploy)
    return p_train_cue * on_train + (1.0 - p_train_cue) * on_deploy


def _clip(x: float) -> float:
    return x if x > 0.0 else 0.0


def scalar_totals(
    policy: Strategy, schedule: Schedule, update: UpdateRule, payoffs: Payoffs
) -> Totals | None:
    """The totals of one policy without memory by the loop in Python floats (``evaluate``'s
    scalar path), or ``None`` if the model is not for it (a long horizon, many states).

    A policy whose :func:`usable_form` gives the choices (on a schedule
    without kinds) needs no table; any other is read by
    :func:`~deception_sim.strategies.checked_table`.

    >>> from deception_sim import HardUpdate, Payoffs, Plan, Schedule
    >>> maze = Schedule.fixed(2, 3)
    >>> scalar_totals(Plan("BBAAA"), maze, HardUpdate(), Payoffs())[:2]
    (3.0, 2.0)
    >>> scalar_totals(Plan("BBAAA"), Schedule.fixed(2, 10**4), HardUpdate(), Payoffs()) is None
    True
    """
    n = schedule.horizon
    if n > SCALAR_HORIZON:
        return None
    model = model_of(schedule, update, payoffs)
    states = model.states
    if states > 1 and states * n > SCALAR_WORK:
        return None
    size = model.size
    if schedule.kinds is not None:
        table = checked_table(policy, schedule, size)
        train, deploy = _kind_rates(table, schedule, update, payoffs, size, _lists)
        return finish(run_loop(train, deploy, model, _clip), model)
    q = schedule.cue_accuracy
    form = usable_form(policy, n)
    if isinstance(form, Actions):  # a certain choice per episode, whatever the cue
        column = form.column(n)
        a_train, a_deploy = [column], [column]
    elif form is not None:  # the same choice in every episode: one number per phase
        on_train, on_deploy = float(form.on_train_cue), float(form.on_deploy_cue)
        if q == 1.0 or on_train == on_deploy:  # as _mix_numbers, inline (the common case)
            a_train, a_deploy = [[on_train] * n], [[on_deploy if q == 1.0 else on_train] * n]
        else:
            a_train = [[_mix_numbers(on_train, on_deploy, q)] * n]
            a_deploy = [[_mix_numbers(on_train, on_deploy, 1.0 - q)] * n]
    else:
        table = checked_table(policy, schedule, size)
        if table.ndim == 2 and table.strides[1] == 0:  # one column: the cue is not read
            column = table[:, 0].tolist()
            cues = [(column, column)]
        elif table.ndim == 2:
            cues = [(table[:, 0].tolist(), table[:, 1].tolist())]
        else:
            cues = [(level[:, 0].tolist(), level[:, 1].tolist()) for level in table]
        train_window, deploy_window = slice(0, model.last), slice(model.first, n)
        a_train = [_mix(on_train, on_deploy, q, train_window) for on_train, on_deploy in cues]
        a_deploy = [
            _mix(on_train, on_deploy, 1.0 - q, deploy_window) for on_train, on_deploy in cues
        ]
    if states == 1:
        return finish(one_level(a_train[0], a_deploy[0], model, _clip), model)
    by_level: list[list[Seq]] = [list(a * size if len(a) == 1 else a) for a in (a_train, a_deploy)]
    train = _plain_rates(by_level[0], model.train, n)
    deploy = _plain_rates(by_level[1], model.deploy, n)
    return finish(run_loop(train, deploy, model, _clip), model)


def finish(sums: Sums, model: Model) -> Totals:
    """The totals of one policy from its sums (floats)."""
    payoffs = model.payoffs
    mesa = sums.mesa
    if payoffs.utility == "any" and payoffs.v_detected != 0.0:
        mesa = mesa + sums.open  # the open values are v_detected's already
    if payoffs.v_clean != 0.0:
        curve = np.array(sums.first_curve, dtype=float)
        mesa = mesa + clean_value(curve, model.schedule, payoffs)
    p_defect = sums.first
    intact = sums.intact if model.schedule.horizon else 1.0
    return Totals(
        mesa + 0.0,  # no -0.0
        sums.weight - sums.defects,
        sums.harm,
        1.0 if intact > 1.0 else (intact if intact > 0.0 else 0.0),
        sums.updates,
        p_defect if p_defect < 1.0 else 1.0,
        sums.timed / p_defect if p_defect > 0 else math.nan,
    )
