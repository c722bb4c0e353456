"""Link to the games: the selected or drifted objective as a prior over agent types.

:func:`misaligned_probability` reads the weight off the intended concept,
and :func:`mixture_evaluate` evaluates a population that is aligned with
probability ``1 - p`` and follows a given policy with probability ``p``
(:class:`MixtureResult`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import pandas as pd

from .. import _validate
from ..exact import Result, evaluate
from ..model import Payoffs, Schedule, UpdateRule
from ..strategies import Aligned, Strategy
from .world import INTENDED, _as_tuple


def misaligned_probability(goal: object, aligned: str | Iterable[str] = INTENDED) -> float:
    """Share of the goal weight that is *not* on the aligned concept(s).

    ``goal`` is a Series or mapping from concept names to weights (the
    output of :func:`selection_probabilities`, or a row of
    :func:`drift_trajectory`, or :func:`drift_limit`). Read as a
    population, it is the probability that a deployed agent is misaligned.

    >>> from deception_sim.drift import selection_probabilities, standard_world
    >>> world = standard_world(0.05)
    >>> round(misaligned_probability(selection_probabilities(world, 60)), 4)
    0.4159
    """
    if isinstance(goal, pd.Series):
        items = list(goal.items())
    elif isinstance(goal, Mapping):
        items = list(goal.items())
    else:
        raise ValueError(
            f"goal must be a Series or mapping of weights, got {_validate.shown(goal)}"
        )
    wanted = {aligned} if isinstance(aligned, str) else set(_as_tuple("aligned", aligned))
    weights = {str(k): _validate.real(f"goal weight of {k!r}", v, low=0.0) for k, v in items}
    unknown = sorted(wanted - set(weights))
    if unknown:
        raise ValueError(f"aligned must name concepts of the goal {sorted(weights)}, got {unknown}")
    total = sum(weights.values())
    if total <= 0:
        raise ValueError("goal weights must not all be 0")
    on_aligned = sum(weights[name] for name in wanted)
    return float(min(1.0, max(0.0, 1.0 - on_aligned / total)))


@dataclass(frozen=True)
class MixtureResult:
    """Expected payoffs of a population: aligned with ``1 - p``, ``policy`` with ``p``.

    ``aligned`` and ``misaligned`` are the two types' exact :class:`Result`;
    the properties are population averages (``mesa`` is the misaligned
    type's mesa value times ``p``: an aligned agent never defects).
    """

    p_misaligned: float
    aligned: Result
    misaligned: Result

    def _mix(self, name: str) -> float:
        p = self.p_misaligned
        return p * getattr(self.misaligned, name) + (1.0 - p) * getattr(self.aligned, name)

    @property
    def mesa(self) -> float:
        """Expected mesa utility (original mesa objective) per deployed agent."""
        return self._mix("mesa")

    @property
    def base(self) -> float:
        """Expected base payoff (compliant episodes) per deployed agent."""
        return self._mix("base")

    @property
    def harm(self) -> float:
        """Expected successful unoverseen defections per deployed agent."""
        return self._mix("harm")

    @property
    def p_defect(self) -> float:
        """Probability that a deployed agent defects at least once."""
        return self._mix("p_defect")

    def summary(self) -> dict[str, float | str]:
        """One table row: the policy, the model and the population averages."""
        return {
            "policy": self.misaligned.policy.name,
            "schedule": self.misaligned.schedule.describe(),
            "update": repr(self.misaligned.update),
            "p_misaligned": self.p_misaligned,
            "mesa": self.mesa,
            "base": self.base,
            "harm": self.harm,
            "p_defect": self.p_defect,
        }


def mixture_evaluate(
    p_misaligned: float,
    policy: Strategy,
    schedule: Schedule,
    update: UpdateRule | None = None,
    payoffs: Payoffs | None = None,
) -> MixtureResult:
    """Evaluate a deployed population: ``Aligned()`` with ``1 - p``, ``policy`` with ``p``.

    ``p_misaligned`` is the prior over agent types, e.g. from
    :func:`misaligned_probability` of the selected or drifted objective.

    >>> from deception_sim import Deceptive, Schedule
    >>> mix = mixture_evaluate(0.25, Deceptive(), Schedule.fixed(train=2, deploy=3))
    >>> mix.mesa, mix.base, mix.harm
    (0.75, 4.25, 0.75)
    """
    p = _validate.probability("p_misaligned", p_misaligned)
    return MixtureResult(
        p_misaligned=p,
        aligned=evaluate(Aligned(), schedule, update, payoffs),
        misaligned=evaluate(policy, schedule, update, payoffs),
    )
