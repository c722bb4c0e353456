"""The result of exact evaluation: numbers, and per-episode curves only when asked for."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import pandas as pd

from .._display import html_table, short_repr
from ..model import Payoffs, Schedule, UpdateRule
from ..model.measures import MODEL_COLUMNS, RESULT, clip_result
from ..strategies import Strategy


@dataclass(frozen=True)
class Result:
    """Exact expected payoffs and diagnostics of one policy on one model.

    Attributes
    ----------
    mesa:
        Expected mesa utility under the *original* mesa objective (expected
        discounted value for ``utility="count"``, the discounted probability
        of at least ``needed`` successes for ``"any"``; plus ``v_detected``
        and ``v_clean`` where the payoffs set them: see
        ``docs/explanation/model.md``).
    base:
        Expected discounted number of compliant episodes (base objective).
    harm:
        Expected number of successful unoverseen defections (undiscounted).
    p_intact:
        Probability that the objective is untouched at the end of the run.
    expected_updates:
        Expected number of updates (detected overseen defections).
    p_defect:
        Probability that the agent defects at least once during the run.
    expected_first_defection:
        Expected episode (1-based) of the first defection, given that there is
        one (NaN when ``p_defect`` is 0).

    A result holds these numbers and the model; its per-episode
    :attr:`curves` are computed when ``evaluate(..., curves=True)`` is called,
    or on first access (from the model, by evaluating again), so a result is
    small at any horizon unless its curves are wanted.

    The run reaches episode ``t`` with probability ``continue_prob ** (t-1)``;
    per-episode curves are conditional on reaching the episode, totals are not.

    >>> from deception_sim import Plan, Schedule, evaluate
    >>> result = evaluate(Plan("BBAAA"), Schedule.fixed(2, 3))
    >>> result.mesa, result.base, result.p_intact
    (3.0, 2.0, 1.0)
    >>> result.curves["mesa_gain"].tolist()
    [0.0, 0.0, 1.0, 1.0, 1.0]
    >>> result
    <Result Plan('BBAAA') | T=2, D=3 | HardUpdate(): mesa=3, base=2, harm=3, p_intact=1>

    In a notebook a result shows as a table of the model and every number.
    """

    policy: Strategy
    schedule: Schedule
    update: UpdateRule
    payoffs: Payoffs
    mesa: float
    base: float
    harm: float
    p_intact: float
    expected_updates: float
    p_defect: float
    expected_first_defection: float
    computed_curves: pd.DataFrame | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Rounding may leave a total a hair outside its range (a probability of
        # 1 + 1e-16, a base of -1e-10 from a boundary distribution that sums to 1
        # within its tolerance): put it back on the bound (see measures.clip).
        values = clip_result(tuple(getattr(self, name) for name in RESULT), self.schedule.horizon)
        for name, value in zip(RESULT, values, strict=True):
            object.__setattr__(self, name, value)

    @classmethod
    def of(
        cls,
        policy: Strategy,
        schedule: Schedule,
        update: UpdateRule,
        payoffs: Payoffs,
        scalars: Iterable[float],
        curves: pd.DataFrame | None = None,
    ) -> Result:
        """The result of an engine: the model, the scalars of
        :data:`~deception_sim.model.measures.RESULT` in that order, and the curves if
        computed. The same object as the constructor makes (measures clipped to their
        ranges), made in one step (it is made on every evaluation, and a short one
        costs a few microseconds).

        >>> from deception_sim import Greedy, HardUpdate, Payoffs, Schedule
        >>> maze = Schedule.fixed(2, 3)
        >>> numbers = (1.0, 4.0, 1.0, 0.0, 1.0, 1.0, 1.0)
        >>> Result.of(Greedy(), maze, HardUpdate(), Payoffs(), numbers) == Result(
        ...     Greedy(), maze, HardUpdate(), Payoffs(), *numbers)
        True
        """
        mesa, base, harm, p_intact, expected_updates, p_defect, expected_first = clip_result(
            tuple(scalars), float(schedule.horizon)
        )
        result = object.__new__(cls)
        result.__dict__.update(
            policy=policy,
            schedule=schedule,
            update=update,
            payoffs=payoffs,
            mesa=mesa,
            base=base,
            harm=harm,
            p_intact=p_intact,
            expected_updates=expected_updates,
            p_defect=p_defect,
            expected_first_defection=expected_first,
            computed_curves=curves,
        )
        return result

    @property
    def curves(self) -> pd.DataFrame:
        """Per-episode curves, indexed by ``episode`` = 1..N.

        Columns: ``p_train`` (training episode), ``p_overseen``, ``p_live``
        (the objective still prefers to defect, before the episode),
        ``p_defect``, ``p_update``, ``p_intact`` (objective untouched after
        the episode), ``mesa_gain`` (expected mesa value, count utility,
        undiscounted), ``base_gain`` (probability of compliance), ``harm``,
        ``p_first_defection`` and ``p_reach`` (the run reaches the episode);
        with ``utility="any"`` also ``p_first_success`` (the success that
        meets the goal: the ``needed``-th).
        """
        if self.computed_curves is None:
            from .evaluation import evaluate  # the engine is above the result

            again = evaluate(self.policy, self.schedule, self.update, self.payoffs, curves=True)
            object.__setattr__(self, "computed_curves", again.computed_curves)
        assert self.computed_curves is not None
        return self.computed_curves

    def __repr__(self) -> str:
        rows = list(self.summary().items())
        return short_repr("Result", rows[:7], head=3)

    def _repr_html_(self) -> str:
        return html_table("Result (exact)", list(self.summary().items()))

    def summary(self) -> dict[str, float | str]:
        """The scalar results with the model's description, for one table row.

        >>> from deception_sim import Greedy, Schedule, evaluate
        >>> evaluate(Greedy(), Schedule.fixed(2, 3)).summary()["policy"]
        'Greedy()'
        """
        row: dict[str, float | str] = dict(
            zip(
                MODEL_COLUMNS,
                (self.policy.name, self.schedule.describe(), repr(self.update)),
                strict=True,
            )
        )
        for name in RESULT:
            row[name] = getattr(self, name)
        return row
