"""The trusted monitor: suspicion scores of honest and attack outputs, and its ROC curve.

A :class:`Monitor` holds two score distributions, ``safe`` (honest outputs)
and ``attack`` (attacks). Each is a frozen continuous ``scipy.stats``
distribution or an array of observed scores (its empirical distribution).
The protocols read a monitor only through flag rates at a false-positive
rate ``fpr``:

* the threshold is the honest quantile ``t(fpr) = inf{t : P(safe > t) <= fpr}``
  (``safe.isf(fpr)`` for a continuous distribution);
* an output is flagged when its score is above ``t``, and, when its score
  equals ``t`` (a tie, possible only with observed scores), with probability
  ``tie(fpr) = (fpr - P(safe > t)) / P(safe = t)``, so that honest outputs are
  flagged at exactly ``fpr``: randomized tie-breaking, as for ROC curves;
* ``fpr = 0`` flags nothing and ``fpr = 1`` flags everything (conventions: a
  protocol with ``defer_fpr = 0`` never defers).

``tpr(fpr)`` is then ``P(attack > t) + tie(fpr) * P(attack = t)``. Because
one uniform number per output decides every tie, the flagged sets are
nested: the set at a smaller fpr lies inside the set at a larger one.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from .. import _validate

SNAP = 1e-9
"""An fpr within this (relative) of a multiple of ``1/n`` (n observed honest scores) is
taken as that multiple, so that ``0.29`` with 100 scores flags exactly 29 of them."""


def _is_continuous(value: object) -> bool:
    return isinstance(value, stats.distributions.rv_frozen) and isinstance(
        value.dist, stats.rv_continuous
    )


def _scores(name: str, value: object) -> np.ndarray:
    """A sorted, read-only, non-empty float array of finite scores, or ValueError."""
    if isinstance(value, stats.distributions.rv_frozen):
        raise ValueError(
            f"{name} must be a frozen continuous scipy.stats distribution or an array of "
            f"scores; a discrete distribution is not supported (pass observed scores)"
        )
    try:
        array = np.array(value, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(
            f"{name} must be a frozen continuous scipy.stats distribution or an array of "
            f"numbers, got {type(value).__name__}"
        ) from None
    if array.ndim != 1:
        raise ValueError(
            f"{name} must be a one-dimensional array of scores, got shape {array.shape}"
        )
    if array.size == 0:
        raise ValueError(f"{name} must contain at least one score, got none")
    if np.isnan(array).any():
        raise ValueError(f"{name} must not contain NaN ({int(np.isnan(array).sum())} found)")
    if not np.isfinite(array).all():
        raise ValueError(f"{name} must contain only finite scores (no infinity)")
    array = np.sort(array, kind="stable")
    array.setflags(write=False)
    return array


def _key(value: Any) -> tuple:
    if isinstance(value, np.ndarray):
        return ("scores", hashlib.sha256(value.tobytes()).hexdigest())
    kwds = tuple(sorted((k, float(v)) for k, v in value.kwds.items()))
    return ("scipy", value.dist.name, tuple(float(a) for a in value.args), kwds)


def _describe(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return f"<{value.size} scores>"
    arguments = [f"{a:g}" for a in value.args]
    arguments += [f"{k}={v:g}" for k, v in sorted(value.kwds.items())]
    return f"{value.dist.name}({', '.join(arguments)})"


def _thresholds(safe: Any, fpr: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(threshold, tie, honest rate)`` for each fpr in (0, 1) (the caller handles 0 and 1)."""
    if isinstance(safe, np.ndarray):
        n = safe.size
        k = fpr * n
        nearest = np.round(k)
        k = np.where(np.abs(k - nearest) <= SNAP * np.maximum(1.0, k), nearest, k)
        m = np.minimum(np.floor(k).astype(np.int64), n - 1)
        threshold = safe[n - 1 - m]  # the (m + 1)-th largest score
        above = n - np.searchsorted(safe, threshold, side="right")
        equal = np.searchsorted(safe, threshold, side="right") - np.searchsorted(
            safe, threshold, side="left"
        )
        tie = np.clip((k - above) / equal, 0.0, 1.0)
        return threshold.astype(float), tie, k / n
    return np.asarray(safe.isf(fpr), dtype=np.float64), np.zeros_like(fpr), fpr


def _flag_rate(scores: Any, threshold: np.ndarray, tie: np.ndarray) -> np.ndarray:
    """``P(score > threshold) + tie * P(score = threshold)``."""
    if isinstance(scores, np.ndarray):
        n = scores.size
        right = np.searchsorted(scores, threshold, side="right")
        left = np.searchsorted(scores, threshold, side="left")
        return ((n - right) + tie * (right - left)) / n
    # 1 - cdf is as accurate as sf where sf >= 1/2, and often much faster (scipy's beta).
    below = np.asarray(scores.cdf(threshold), dtype=np.float64)
    rate = 1.0 - below
    tail = below > 0.5
    if tail.any():
        rate[tail] = scores.sf(threshold[tail])
    return rate


@dataclass(frozen=True, eq=False)
class Monitor(_validate.ReadOnlyArrays):
    """A trusted monitor: the score distributions of honest (``safe``) and attack outputs.

    Parameters
    ----------
    safe, attack:
        Each a frozen continuous ``scipy.stats`` distribution (for example
        ``scipy.stats.beta(7.39, 6.86)``) or a sequence of observed scores
        (its empirical distribution; stored sorted and read-only). Higher
        scores mean more suspicious.

    The monitor's content for the protocols is its ROC curve, :meth:`tpr`.
    Monitors are immutable, hashable and compare by value.

    >>> from scipy import stats
    >>> mon = Monitor(safe=stats.beta(7.39, 6.86), attack=stats.beta(8.91, 2.82))
    >>> round(float(mon.tpr(0.02)), 4)
    0.5071
    >>> mon
    Monitor(safe=beta(7.39, 6.86), attack=beta(8.91, 2.82))
    """

    safe: Any
    attack: Any

    def __post_init__(self) -> None:
        for name in ("safe", "attack"):
            value = getattr(self, name)
            if not _is_continuous(value):
                object.__setattr__(self, name, _scores(name, value))
            elif np.isnan(np.asarray(value.support(), dtype=float)).any():
                raise ValueError(f"{name}: {_describe(value)} has invalid parameters")

    # ------------------------------------------------------------------ constructors
    @classmethod
    def from_scores(cls, safe_scores: object, attack_scores: object) -> Monitor:
        """A monitor from observed scores: its ROC curve is the empirical one.

        >>> mon = Monitor.from_scores([0.1, 0.2, 0.3, 0.4], [0.3, 0.5])
        >>> mon.tpr([0.25, 0.5]).tolist()  # flag the top honest score; the top two
        [0.5, 1.0]
        """
        return cls(
            safe=_scores("safe_scores", safe_scores), attack=_scores("attack_scores", attack_scores)
        )

    @classmethod
    def from_file(
        cls, path: str | Path, *, safe_column: str = "safe", attack_column: str = "attack"
    ) -> Monitor:
        """A monitor from a CSV or Parquet file with one column of scores per kind.

        The columns may have different lengths: empty cells (CSV) and nulls
        (Parquet) are skipped; a ``NaN`` score, a non-number or a missing
        column is a ``ValueError``. ``.parquet`` and ``.pq`` files are read as
        Parquet (needs ``pyarrow``), anything else as CSV.
        """
        path = Path(path)
        if not path.is_file():
            raise ValueError(f"path: no such file {str(path)!r}")
        if path.suffix.lower() in (".parquet", ".pq"):
            try:
                frame = pd.read_parquet(path)
            except ImportError:
                raise ValueError(
                    "path: reading Parquet needs pyarrow (pip install pyarrow)"
                ) from None
            columns = {str(name): frame[name].dropna() for name in frame.columns}
        else:
            frame = pd.read_csv(path, dtype=str, keep_default_na=False)
            columns = {
                str(name): frame[name][frame[name].str.strip() != ""] for name in frame.columns
            }
        scores = []
        for option, column in (("safe_column", safe_column), ("attack_column", attack_column)):
            if column not in columns:
                raise ValueError(
                    f"{option}: the file {path.name!r} has no column {column!r} "
                    f"(it has {', '.join(repr(str(c)) for c in columns) or 'none'})"
                )
            try:
                values = columns[column].astype(float).to_numpy()
            except ValueError:
                raise ValueError(
                    f"{option}: column {column!r} of {path.name!r} must hold numbers"
                ) from None
            scores.append(_scores(f"{option} {column!r}", values))
        return cls(safe=scores[0], attack=scores[1])

    # ------------------------------------------------------------------ the ROC curve
    def threshold(self, fpr: object) -> tuple[np.ndarray, np.ndarray]:
        """``(threshold, tie)`` at each false-positive rate (see the module docs).

        ``fpr = 0`` gives ``(inf, 0)`` (nothing flagged), ``fpr = 1`` gives
        ``(-inf, 1)`` (everything flagged).

        >>> t, tie = Monitor.from_scores([1, 2, 2, 3], [3]).threshold([0.25, 0.5])
        >>> t.tolist(), tie.tolist()
        ([2.0, 2.0], [0.0, 0.5])
        """
        x = _fprs(fpr)
        threshold, tie = np.full(x.shape, np.inf), np.zeros(x.shape)
        inside = (x > 0) & (x < 1)
        threshold[x >= 1], tie[x >= 1] = -np.inf, 1.0
        if inside.any():
            threshold[inside], tie[inside], _ = _thresholds(self.safe, x[inside])
        return threshold, tie

    def flag_rates(self, fpr: object) -> tuple[np.ndarray, np.ndarray]:
        """``(honest rate, attack rate)``: P(flagged) for each kind of output at each fpr.

        The honest rate is ``fpr`` itself (for observed scores, an fpr within
        ``SNAP`` of a multiple of ``1/n`` is that multiple).

        >>> honest, attack = Monitor.from_scores([1, 2, 3], [2.5, 4]).flag_rates([0.0, 0.5])
        >>> honest.tolist(), attack.tolist()
        ([0.0, 0.5], [0.0, 1.0])
        """
        x = _fprs(fpr)
        honest, attack = np.zeros(x.shape), np.zeros(x.shape)
        honest[x >= 1], attack[x >= 1] = 1.0, 1.0
        inside = (x > 0) & (x < 1)
        if inside.any():
            threshold, tie, rate = _thresholds(self.safe, x[inside])
            honest[inside] = rate
            attack[inside] = _flag_rate(self.attack, threshold, tie)
        return honest, attack

    def tpr(self, fpr: object) -> np.ndarray:
        """The ROC curve: P(an attack is flagged) at each false-positive rate.

        >>> Monitor.from_scores([0, 1], [1, 2]).tpr([0.0, 0.25, 0.5, 1.0]).tolist()
        [0.0, 0.75, 1.0, 1.0]
        """
        return self.flag_rates(fpr)[1]

    def roc(self, fprs: object = None) -> pd.DataFrame:
        """The ROC curve as a table: ``fpr``, ``tpr``, ``threshold``, ``tie``.

        The default grid is 0, 20 log-spaced points from 1e-4 to 0.1, then
        0.2, ..., 1.

        >>> Monitor.from_scores([0, 1], [1, 2]).roc([0.5]).to_dict("records")
        [{'fpr': 0.5, 'tpr': 1.0, 'threshold': 0.0, 'tie': 0.0}]
        """
        if fprs is None:
            fprs = np.concatenate([[0.0], np.logspace(-4, -1, 20), np.linspace(0.2, 1, 9)])
        x = _fprs(fprs).ravel()
        honest, attack = self.flag_rates(x)
        threshold, tie = self.threshold(x)
        return pd.DataFrame({"fpr": honest, "tpr": attack, "threshold": threshold, "tie": tie})

    @property
    def empirical(self) -> bool:
        """Whether either side is observed scores (an empirical distribution)."""
        return isinstance(self.safe, np.ndarray) or isinstance(self.attack, np.ndarray)

    def sample(
        self, kind: str, size: int | tuple[int, ...], rng: np.random.Generator
    ) -> np.ndarray:
        """Scores of ``kind`` (``"safe"`` or ``"attack"``) drawn with ``rng``."""
        side = {"safe": self.safe, "attack": self.attack}.get(kind)
        if side is None:
            raise ValueError(f"kind must be 'safe' or 'attack', got {kind!r}")
        if isinstance(side, np.ndarray):
            return side[rng.integers(0, side.size, size)]
        return np.asarray(side.rvs(size=size, random_state=rng), dtype=np.float64)

    # ------------------------------------------------------------------ identity
    def _key(self) -> tuple:
        return (_key(self.safe), _key(self.attack))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Monitor):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return f"Monitor(safe={_describe(self.safe)}, attack={_describe(self.attack)})"


def _fprs(fpr: object) -> np.ndarray:
    """False-positive rates as a float array in [0, 1], or ValueError naming ``fpr``."""
    try:
        x = np.array(fpr, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"fpr must be numbers in [0, 1], got {fpr!r}") from None
    if np.isnan(x).any():
        raise ValueError("fpr must be numbers in [0, 1], got NaN")
    if (x < 0).any() or (x > 1).any():
        bad = x[(x < 0) | (x > 1)].ravel()[0]
        raise ValueError(f"fpr must be numbers in [0, 1], got {float(bad)!r}")
    return x


def no_information(scores: object = None) -> Monitor:
    """A monitor that carries no information: honest and attack scores alike.

    With no argument both are ``scipy.stats.uniform()``; every ROC point is
    on the diagonal.

    >>> no_information().tpr([0.0, 0.3, 1.0]).round(12).tolist()
    [0.0, 0.3, 1.0]
    """
    if scores is None:
        return Monitor(safe=stats.uniform(), attack=stats.uniform())
    return Monitor.from_scores(scores, scores)
