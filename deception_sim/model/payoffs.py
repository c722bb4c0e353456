"""Payoffs: what a run is worth to the mesa objective and to the base objective (SPEC 2).

Per episode, a defection (action ``A``) yields mesa value ``v_overseen`` when
the episode is overseen (the seed's apple is eaten even in training) and, when
it is not, achieves its end with probability ``success`` for mesa value
``v_deploy`` (a failed attempt is harmless and goes unnoticed). Compliance
(action ``B``) yields base value 1.

The mesa utility of a run is either the discounted *count* of that value
(``utility="count"``: expected apples) or whether *any* unoverseen defection
ever succeeded (``utility="any"``: a single catastrophe, "did it ever get
through?"; with a discount, ``E[discount ** (first success - 1)]``).
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import _validate

UTILITIES: tuple[str, str] = ("count", "any")


@dataclass(frozen=True)
class Payoffs:
    """Per-episode values and how a run's mesa utility adds them up.

    Parameters
    ----------
    v_deploy:
        Mesa value (>= 0) of a successful unoverseen defection.
    v_overseen:
        Mesa value (>= 0) of a defection in an overseen episode.
    success:
        Probability in [0, 1] that an unoverseen defection achieves its end.
    utility:
        ``"count"`` (sum of values) or ``"any"`` (at least one success).
    discount:
        Discount factor in (0, 1] per episode; episode ``t`` is weighted
        ``discount ** (t - 1)``.

    Examples
    --------
    >>> Payoffs()
    Payoffs(v_deploy=1.0, v_overseen=1.0, success=1.0, utility='count', discount=1.0)
    >>> Payoffs(v_deploy=3.0).indifference
    0.25
    """

    v_deploy: float = 1.0
    v_overseen: float = 1.0
    success: float = 1.0
    utility: str = "count"
    discount: float = 1.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "v_deploy", _validate.real("v_deploy", self.v_deploy, low=0.0))
        object.__setattr__(
            self, "v_overseen", _validate.real("v_overseen", self.v_overseen, low=0.0)
        )
        object.__setattr__(self, "success", _validate.probability("success", self.success))
        object.__setattr__(self, "utility", _validate.choice("utility", self.utility, UTILITIES))
        object.__setattr__(
            self,
            "discount",
            _validate.real("discount", self.discount, low=0.0, high=1.0, low_open=True),
        )

    @property
    def indifference(self) -> float:
        """Mesa weight ``w`` at which the agent's own objective is indifferent.

        An objective ``w * mesa + (1 - w) * base`` prefers a defection worth
        ``v_deploy`` to a compliance worth 1 exactly when
        ``w > 1 / (1 + v_deploy)``; built-in strategies defect only then.
        """
        return 1.0 / (1.0 + self.v_deploy)
