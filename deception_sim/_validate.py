"""Input checks shared by the model objects.

Every check raises :class:`ValueError` whose message names the parameter, the
allowed range and the value it got, so that a notebook user (and the command
line, which prints the message as its one line of error) knows what to fix.
"""

from __future__ import annotations

import math
import numbers

import numpy as np


def shown(value: object, width: int = 80) -> str:
    """``repr(value)`` on one line, cut to ``width`` characters: for messages.

    >>> shown([0.1] * 40)[-10:]
    ' 0.1, 0...'
    """
    text = " ".join(repr(value).split())
    return text if len(text) <= width else text[: width - 3] + "..."


def integer(name: str, value: object, *, minimum: int = 0) -> int:
    """Return ``value`` as an ``int`` >= ``minimum``; reject bools, NaN and fractions."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be an integer >= {minimum}, got {shown(value)}")
    if isinstance(value, numbers.Integral):
        result = int(value)
    else:
        as_float = float(value)
        if not math.isfinite(as_float) or not as_float.is_integer():
            raise ValueError(f"{name} must be an integer >= {minimum}, got {shown(value)}")
        result = int(as_float)
    if result < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {shown(value)}")
    return result


def real(
    name: str,
    value: object,
    *,
    low: float = -math.inf,
    high: float = math.inf,
    low_open: bool = False,
    high_open: bool = False,
) -> float:
    """Return ``value`` as a finite ``float`` in the given interval."""
    interval = f"{'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a number in {interval}, got {shown(value)}")
    try:
        result = float(value)
    except OverflowError:  # an integer beyond the floats
        raise ValueError(f"{name} must be a number in {interval}, got {shown(value)}") from None
    if math.isnan(result):
        raise ValueError(f"{name} must be a number in {interval}, got NaN")
    too_low = result <= low if low_open else result < low
    too_high = result >= high if high_open else result > high
    if too_low or too_high or not math.isfinite(result):
        raise ValueError(f"{name} must be a number in {interval}, got {shown(value)}")
    return result


def probability(name: str, value: object) -> float:
    """Return ``value`` as a probability in [0, 1]."""
    return real(name, value, low=0.0, high=1.0)


def probability_array(name: str, values: object, *, length: int | None = None) -> np.ndarray:
    """Return a read-only float64 array of probabilities in [0, 1]."""
    try:
        array = np.array(values, dtype=float)
    except (TypeError, ValueError, OverflowError):
        raise ValueError(f"{name} must be probabilities in [0, 1], got {shown(values)}") from None
    if array.ndim != 1:
        raise ValueError(f"{name} must be a one-dimensional sequence, got shape {array.shape}")
    if length is not None and array.shape[0] != length:
        raise ValueError(f"{name} must have {length} entries, got {array.shape[0]}")
    if np.isnan(array).any():
        raise ValueError(f"{name} must be probabilities in [0, 1], got NaN")
    if (array < 0).any() or (array > 1).any():
        bad = float(array[(array < 0) | (array > 1)][0])
        raise ValueError(f"{name} must be probabilities in [0, 1], got {bad!r}")
    array.setflags(write=False)
    return array


def choice(name: str, value: object, allowed: tuple[str, ...]) -> str:
    """Return ``value`` if it is one of ``allowed``."""
    if not isinstance(value, str) or value not in allowed:
        options = ", ".join(repr(a) for a in allowed)
        raise ValueError(f"{name} must be one of {options}, got {shown(value)}")
    assert isinstance(value, str)
    return value


def sequence(name: str, values: object) -> list:
    """``values`` as a list: anything iterable but text (a 0-d array is one value, not a list).

    >>> sequence("rates", (0.1, 0.2)), sequence("rates", np.arange(2)).__len__()
    ([0.1, 0.2], 2)
    >>> sequence("rates", 0.5)
    Traceback (most recent call last):
    ...
    ValueError: rates must be a sequence of values, got 0.5
    """
    if isinstance(values, (str, bytes)) or getattr(values, "ndim", 1) == 0:
        raise ValueError(f"{name} must be a sequence of values, got {shown(values)}")
    try:
        return list(values)  # type: ignore[call-overload]
    except TypeError:
        raise ValueError(f"{name} must be a sequence of values, got {shown(values)}") from None


class ReadOnlyArrays:
    """Mixin for frozen objects whose arrays are read-only: pickle gives fresh, writable
    arrays (the object's own: nothing else holds them), made read-only again here.

    >>> import pickle
    >>> from deception_sim import UpdateRule, objective_levels
    >>> levels = pickle.loads(pickle.dumps(objective_levels(UpdateRule(rate=0.5), 0.2)))
    >>> levels.weight.flags.writeable
    False
    """

    __slots__ = ()

    def __setstate__(self, state: dict[str, object]) -> None:
        for name, value in state.items():
            if isinstance(value, np.ndarray):
                value.setflags(write=False)
            object.__setattr__(self, name, value)
