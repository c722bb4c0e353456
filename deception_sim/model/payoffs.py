"""Payoffs: what a run is worth to the mesa objective and to the base objective (SPEC 2).

Per episode, a defection (action ``A``) yields mesa value ``v_overseen`` when
the episode is overseen (the seed's apple is eaten even in training), plus
``v_detected`` if it is detected (an update); when it is not overseen it
achieves its end with probability ``success`` for mesa value ``v_deploy`` (a
failed attempt is harmless and goes unnoticed). With ``missed="through"`` an
overseen defection that escapes detection is treated as an unoverseen one.
Compliance (action ``B``) yields base value 1, and a run in which the agent
never defects ends with mesa value ``v_clean``.

The mesa utility of a run is either the discounted *count* of that value
(``utility="count"``: expected apples) or whether at least ``needed``
defections succeeded (``utility="any"``: a catastrophe, "did it get
through?"; with a discount, ``E[discount ** (tau - 1)]`` for the episode
``tau`` of the ``needed``-th success), plus ``v_detected`` per detection
before that and ``v_clean`` for a clean run. ``docs/explanation/model.md``
states it exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import _validate

UTILITIES: tuple[str, str] = ("count", "any")

MISSED: tuple[str, str] = ("harmless", "through")
"""What an overseen defection that escapes detection does (see :class:`Payoffs`)."""


@dataclass(frozen=True, repr=False)
class Payoffs:
    """Per-episode values and how a run's mesa utility adds them up.

    Parameters
    ----------
    v_deploy:
        Mesa value (>= 0) of a successful unoverseen defection.
    v_overseen:
        Mesa value (any real number; negative: a cost) of a defection in an
        overseen episode (with ``missed="through"``, of one that is detected).
    success:
        Probability in [0, 1] that an unoverseen defection achieves its end.
    utility:
        ``"count"`` (sum of values) or ``"any"`` (at least ``needed`` successes).
    discount:
        Discount factor in (0, 1] per episode; episode ``t`` is weighted
        ``discount ** (t - 1)``.
    v_detected:
        Mesa value (any real number; negative: the cost of being caught)
        added when an overseen defection is detected (an update happens).
    v_clean:
        Mesa value (any real number) at the end of a run in which the agent
        never defected, weighted like the run's last episode.
    missed:
        ``"harmless"`` (an overseen defection that escapes detection earns
        ``v_overseen`` and does no harm) or ``"through"`` (it goes through:
        treated as an unoverseen defection, it succeeds with ``success``).
    needed:
        With ``utility="any"``: the number (>= 1) of successes the goal
        needs; the utility is the discounted value at the ``needed``-th.
        Must be 1 with ``"count"``.

    Examples
    --------
    >>> Payoffs()
    Payoffs(v_deploy=1.0, v_overseen=1.0, success=1.0, utility='count', discount=1.0)
    >>> Payoffs(v_deploy=3.0).indifference
    0.25
    >>> Payoffs(utility="any", needed=2, v_detected=-1.0).extended
    ('v_detected', 'needed')
    """

    v_deploy: float = 1.0
    v_overseen: float = 1.0
    success: float = 1.0
    utility: str = "count"
    discount: float = 1.0
    v_detected: float = 0.0
    v_clean: float = 0.0
    missed: str = "harmless"
    needed: int = 1

    def __post_init__(self) -> None:
        object.__setattr__(self, "v_deploy", _validate.real("v_deploy", self.v_deploy, low=0.0))
        for name in ("v_overseen", "v_detected", "v_clean"):
            object.__setattr__(self, name, _validate.real(name, getattr(self, name)))
        object.__setattr__(self, "success", _validate.probability("success", self.success))
        object.__setattr__(self, "utility", _validate.choice("utility", self.utility, UTILITIES))
        object.__setattr__(
            self,
            "discount",
            _validate.real("discount", self.discount, low=0.0, high=1.0, low_open=True),
        )
        object.__setattr__(self, "missed", _validate.choice("missed", self.missed, MISSED))
        needed = _validate.integer("needed", self.needed, minimum=1)
        if needed != 1 and self.utility == "count":
            raise ValueError(
                f"needed must be 1 with utility='count' (it is the goal of utility='any'), "
                f"got {self.needed!r}"
            )
        object.__setattr__(self, "needed", needed)

    @property
    def extended(self) -> tuple[str, ...]:
        """The fields beyond the seed's model that this table uses (not at their defaults).

        ``v_overseen < 0`` is not listed: it is a value like any other.

        >>> Payoffs(v_clean=1.0, missed="through").extended
        ('v_clean', 'missed')
        """
        used = []
        for name, default in _EXTENSIONS:
            if getattr(self, name) != default:
                used.append(name)
        return tuple(used)

    def __repr__(self) -> str:
        # The seed's fields always; the newer ones only when they are not at their
        # defaults, so reprs (and the tables that print them) of older models stay as they were.
        text = (
            f"Payoffs(v_deploy={self.v_deploy!r}, v_overseen={self.v_overseen!r}, "
            f"success={self.success!r}, utility={self.utility!r}, discount={self.discount!r}"
        )
        extra = "".join(f", {name}={getattr(self, name)!r}" for name in self.extended)
        return text + extra + ")"

    @property
    def indifference(self) -> float:
        """Mesa weight ``w`` at which the agent's own objective is indifferent.

        An objective ``w * mesa + (1 - w) * base`` prefers a defection worth
        ``v_deploy`` to a compliance worth 1 exactly when
        ``w > 1 / (1 + v_deploy)``; built-in strategies defect only then.
        """
        return 1.0 / (1.0 + self.v_deploy)


_EXTENSIONS: tuple[tuple[str, object], ...] = (
    ("v_detected", 0.0),
    ("v_clean", 0.0),
    ("missed", "harmless"),
    ("needed", 1),
)
