"""Objective formation and goal drift in a world-model graph (SPEC 3.6).

Elsewhere in the package the mesa objective is given. This module models
*which* objective training produces, and how it can move after training,
following the second seed (a discussion of reward tampering and goal drift).

**The world model** is a graph of concepts (:class:`WorldModel`, immutable
and hashable; :attr:`WorldModel.graph` gives it as a
:class:`networkx.DiGraph`). Each :class:`Concept` has a description length
``complexity_bits`` and an ``agreement``: the fraction of training examples
on which pursuing the concept gives the label the training signal rewards.
:func:`standard_world` builds the seed's concepts: the intended objective
``X`` ("accurate answers"; agreement ``1 - e`` under label noise ``e``), the
label register ``Y`` ("the bits in the memory location that holds the
label"; agreement 1, because it *is* the signal, but more complex), and
cheap proxies such as ``pain`` that agree often but not always.

**Objective selection** (a stylised inductive bias, *not* a model of SGD):
after ``n`` examples, training picks concept ``c`` with probability

    P(c | n)  ∝  2 ** -complexity_bits[c]  *  exp(beta * n * ell[c]),
    ell[c] = a[c] * log(q) + (1 - a[c]) * log(1 - q),

a simplicity prior times a tempered likelihood. ``ell`` is the expected
log-likelihood per example of a label channel that agrees with the concept's
answer with probability ``q`` (``fidelity``, in (1/2, 1)); ``beta >= 0`` is the
inverse temperature. Only ``beta * logit(q)``, the price in nats of one
disagreement, matters for the probabilities. A better-fitting but more
complex concept ``j`` overtakes a simpler ``i`` at

    n* = (bits[j] - bits[i]) * ln 2 / (beta * (a[j] - a[i]) * logit(q)),

(:func:`crossover`; also found numerically with :func:`scipy.optimize.brentq`).
With label noise ``e > 0`` the register beats the intended concept from
``n* = gap * ln 2 / (beta * e * logit(q))`` on.

**Goal drift** in deployment, with no supervisory signal: the goal flag is a
weight vector over concepts. When the world model learns that two concepts
co-occur it adds a :class:`LearnedEdge`, from a given step on; each step, a
fraction ``rate`` of the weight on the edge's source moves to its target.
``world.learn("X", "Y", at=100, rate=0.01)`` adds both directions (a
symmetric equivalence); ``back_rate=0`` makes it one-way. A step is
``w <- w @ P`` with ``P = I - diag(R 1) + R`` (``R[i, j]`` the rate from
``i`` to ``j``): a stochastic matrix, since every concept's total outgoing
rate must be below 1 (some weight always stays, so the chain is aperiodic
and the limit exists). Weight is conserved and never crosses between
components that no learned edge joins. Symmetric rates give the Laplacian
flow ``w <- w - w @ (rate * L)`` and the limit spreads each component's
weight evenly over it; in general the limit is the stationary distribution
of the chain's closed classes, weighted by the probability of reaching
each (:func:`limit_matrix`).

**Link to the games**: :func:`misaligned_probability` reads the weight off
the intended concept, and :func:`mixture_evaluate` evaluates a population
that is aligned with probability ``1 - p`` and follows a given policy with
probability ``p``.

>>> world = standard_world(label_noise=0.05)
>>> round(crossover(world, "X", "Y"), 2)
63.09
>>> drifted = world.learn("X", "Y", at=100, rate=0.01, back_rate=0.0025)
>>> overtake_time(drifted, "X")
178
"""

from __future__ import annotations

import itertools
import math
import numbers
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import networkx as nx
import numpy as np
import pandas as pd
from scipy import optimize, special

from .. import _validate
from ..exact import Result, evaluate
from ..model.payoffs import Payoffs
from ..model.schedule import Schedule
from ..model.update import UpdateRule
from ..strategies import Aligned, Strategy

INTENDED = "X"
"""Name of the intended objective in :func:`standard_world` ("accurate answers")."""
REGISTER = "Y"
"""Name of the label register in :func:`standard_world` (the bits that hold the label)."""

_LN2 = math.log(2.0)
_METHODS: tuple[str, ...] = ("closed", "brentq")
# Largest stack of matrix powers kept in memory (entries), and its length cap.
_STACK_ENTRIES = 1 << 21
_STACK_CAP = 4096
# Below this distance (L1, relative to the total) to its limit, weights have
# converged to rounding.
_CONVERGED = 1e-13


# --------------------------------------------------------------------------- model


@dataclass(frozen=True)
class Concept:
    """A concept in the world model: a candidate mesa objective.

    Parameters
    ----------
    name:
        Non-empty name, unique in its world model.
    complexity_bits:
        Description length in bits (finite, >= 0); the simplicity prior
        weighs the concept ``2 ** -complexity_bits``.
    agreement:
        Probability in [0, 1] that pursuing the concept yields the label the
        training signal rewards, per training example.
    description:
        Free text for tables and plots.

    >>> Concept("pain", 5, 0.8)
    Concept(name='pain', complexity_bits=5.0, agreement=0.8, description='')
    """

    name: str
    complexity_bits: float
    agreement: float
    description: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise ValueError(f"concept name must be a non-empty string, got {self.name!r}")
        bits = _validate.real(f"complexity_bits of {self.name!r}", self.complexity_bits, low=0.0)
        agreement = _validate.probability(f"agreement of {self.name!r}", self.agreement)
        if not isinstance(self.description, str):
            raise ValueError(f"description of {self.name!r} must be a string")
        object.__setattr__(self, "complexity_bits", bits)
        object.__setattr__(self, "agreement", agreement)


@dataclass(frozen=True)
class LearnedEdge:
    """A directed flow of goal weight, learned at step ``learned_at``.

    From the step that starts at ``learned_at`` on, a fraction ``rate`` (in
    (0, 1)) of the weight on ``source`` moves to ``target`` every step. A
    learned equivalence ("X and Y always agree") is usually a pair of edges;
    :meth:`WorldModel.learn` adds both.

    >>> LearnedEdge("X", "Y", learned_at=100, rate=0.01)
    LearnedEdge(source='X', target='Y', learned_at=100, rate=0.01)
    """

    source: str
    target: str
    learned_at: int = 0
    rate: float = 0.01

    def __post_init__(self) -> None:
        for role in ("source", "target"):
            value = getattr(self, role)
            if not isinstance(value, str) or not value:
                raise ValueError(f"edge {role} must be a concept name, got {value!r}")
        if self.source == self.target:
            raise ValueError(f"an edge must join two different concepts, got {self.source!r} twice")
        object.__setattr__(self, "learned_at", _validate.integer("learned_at", self.learned_at))
        rate = _validate.real("rate", self.rate, low=0.0, high=1.0, low_open=True, high_open=True)
        object.__setattr__(self, "rate", rate)


@dataclass(frozen=True)
class WorldModel:
    """Concepts and the edges learned between them: an immutable, hashable graph.

    Parameters
    ----------
    concepts:
        The :class:`Concept` nodes (at least one; names unique).
    edges:
        :class:`LearnedEdge` flows between them. Each ordered pair appears at
        most once, and every concept's total outgoing rate (over all edges,
        whenever learned) must be below 1 so that each step is a stochastic
        matrix that keeps some weight in place.

    :attr:`graph` gives the same world as a :class:`networkx.DiGraph`, and
    :meth:`from_graph` builds one from a networkx graph.

    >>> world = WorldModel([Concept("X", 20, 0.95), Concept("Y", 30, 1.0)])
    >>> world = world.learn("X", "Y", at=10, rate=0.05)
    >>> world.names, [(e.source, e.target, e.learned_at) for e in world.edges]
    (('X', 'Y'), [('X', 'Y', 10), ('Y', 'X', 10)])
    >>> sorted(world.graph.edges(data="rate"))
    [('X', 'Y', 0.05), ('Y', 'X', 0.05)]
    """

    concepts: tuple[Concept, ...]
    edges: tuple[LearnedEdge, ...] = ()
    _index: dict[str, int] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        concepts = _as_tuple("concepts", self.concepts)
        edges = _as_tuple("edges", self.edges)
        if not concepts:
            raise ValueError("concepts must contain at least one Concept, got none")
        index: dict[str, int] = {}
        for concept in concepts:
            if not isinstance(concept, Concept):
                raise ValueError(f"concepts must be Concept objects, got {concept!r}")
            if concept.name in index:
                raise ValueError(f"concept names must be unique, got {concept.name!r} twice")
            index[concept.name] = len(index)
        names = tuple(index)
        seen: set[tuple[str, str]] = set()
        outflow = dict.fromkeys(names, 0.0)
        for edge in edges:
            if not isinstance(edge, LearnedEdge):
                raise ValueError(f"edges must be LearnedEdge objects, got {edge!r}")
            _validate.choice("edge source", edge.source, names)
            _validate.choice("edge target", edge.target, names)
            if (edge.source, edge.target) in seen:
                raise ValueError(f"edge {edge.source!r} -> {edge.target!r} is given twice")
            seen.add((edge.source, edge.target))
            outflow[edge.source] += edge.rate
        for name, total in outflow.items():
            if total >= 1.0:
                raise ValueError(
                    f"total rate out of concept {name!r} must be below 1 (each step must keep "
                    f"some weight in place), got {total:g}"
                )
        object.__setattr__(self, "concepts", concepts)
        object.__setattr__(self, "edges", edges)
        object.__setattr__(self, "_index", index)

    @property
    def names(self) -> tuple[str, ...]:
        """The concept names, in order (the order of every vector over concepts)."""
        return tuple(self._index)

    def index(self, name: str, role: str = "concept") -> int:
        """Position of concept ``name``; a ``ValueError`` naming ``role`` if unknown."""
        return self._index[_validate.choice(role, name, self.names)]

    def concept(self, name: str) -> Concept:
        """The :class:`Concept` called ``name``."""
        return self.concepts[self.index(name)]

    @property
    def complexity_bits(self) -> np.ndarray:
        """Complexities in bits, one per concept."""
        return np.array([c.complexity_bits for c in self.concepts])

    @property
    def agreement(self) -> np.ndarray:
        """Agreement rates with the training signal, one per concept."""
        return np.array([c.agreement for c in self.concepts])

    @property
    def learning_times(self) -> tuple[int, ...]:
        """Steps at which the set of learned edges changes (always including 0)."""
        return tuple(sorted({0} | {e.learned_at for e in self.edges}))

    def learn(
        self,
        first: str,
        second: str,
        *,
        at: int = 0,
        rate: float = 0.01,
        back_rate: float | None = None,
    ) -> WorldModel:
        """A copy that learns, at step ``at``, that ``first`` and ``second`` co-occur.

        Weight flows ``first -> second`` at ``rate`` and back at ``back_rate``
        (default: ``rate``, a symmetric equivalence; ``0``: one way only).
        """
        back = rate if back_rate is None else _validate.real("back_rate", back_rate, low=0.0)
        new = [LearnedEdge(first, second, at, rate)]
        if back > 0:
            new.append(LearnedEdge(second, first, at, back))
        return WorldModel(self.concepts, self.edges + tuple(new))

    @property
    def graph(self) -> nx.DiGraph:
        """A fresh :class:`networkx.DiGraph`: concepts with their attributes, learned edges.

        Nodes carry ``complexity_bits``, ``agreement`` and ``description``;
        edges carry ``rate`` and ``learned_at``.
        """
        graph = nx.DiGraph()
        for c in self.concepts:
            graph.add_node(
                c.name,
                complexity_bits=c.complexity_bits,
                agreement=c.agreement,
                description=c.description,
            )
        for e in self.edges:
            graph.add_edge(e.source, e.target, rate=e.rate, learned_at=e.learned_at)
        return graph

    @classmethod
    def from_graph(cls, graph: nx.Graph) -> WorldModel:
        """A world model from a networkx graph with the attributes of :attr:`graph`.

        Every node needs ``complexity_bits`` and ``agreement`` (``description``
        is optional); every edge needs ``rate`` (``learned_at`` defaults to 0).
        An undirected :class:`networkx.Graph` edge flows both ways at its rate.

        >>> import networkx as nx
        >>> g = nx.Graph()
        >>> g.add_node("X", complexity_bits=20, agreement=0.9)
        >>> g.add_node("Y", complexity_bits=30, agreement=1.0)
        >>> g.add_edge("X", "Y", rate=0.1)
        >>> len(WorldModel.from_graph(g).edges)
        2
        """
        if not isinstance(graph, nx.Graph):
            raise ValueError(f"graph must be a networkx graph, got {type(graph).__name__}")
        concepts = []
        for name, data in graph.nodes(data=True):
            for key in ("complexity_bits", "agreement"):
                if key not in data:
                    raise ValueError(
                        f"concept {name!r} has no {key!r} attribute (is it an unknown concept "
                        "name, created by an edge?)"
                    )
            bits, agreement = data["complexity_bits"], data["agreement"]
            concepts.append(Concept(name, bits, agreement, data.get("description", "")))
        pairs = list(graph.edges(data=True))
        if not graph.is_directed():
            pairs += [(v, u, data) for u, v, data in pairs]
        edges = []
        for u, v, data in pairs:
            if "rate" not in data:
                raise ValueError(f"edge {u!r} -> {v!r} has no 'rate' attribute")
            edges.append(LearnedEdge(u, v, data.get("learned_at", 0), data["rate"]))
        return cls(tuple(concepts), tuple(edges))


def _as_tuple(name: str, values: object) -> tuple:
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        raise ValueError(f"{name} must be a sequence, got {values!r}")
    return tuple(values)


def standard_world(
    label_noise: float = 0.0,
    *,
    intended_bits: float = 20.0,
    register_bits: float = 30.0,
    proxies: Sequence[Concept | tuple[str, float, float]] | None = None,
) -> WorldModel:
    """The seed's concepts: intended ``X``, label register ``Y`` and cheap proxies.

    ``X`` ("accurate answers") agrees with the signal at ``1 - label_noise``;
    ``Y`` (the memory location that holds the label) agrees always, because
    it is the signal, but needs ``register_bits`` to specify. ``proxies``
    (default: ``pain``, 5 bits, agreement 0.8) are :class:`Concept` objects or
    ``(name, bits, agreement)`` tuples. No edges are learned yet.

    >>> standard_world(0.05).names
    ('pain', 'X', 'Y')
    >>> standard_world(0.05).concept("X").agreement
    0.95
    """
    noise = _validate.probability("label_noise", label_noise)
    if proxies is None:
        proxies = (Concept("pain", 5.0, 0.8, "a cheap proxy: agrees often but not always"),)
    extra = [p if isinstance(p, Concept) else Concept(*p) for p in _as_tuple("proxies", proxies)]
    return WorldModel(
        (
            *extra,
            Concept(INTENDED, intended_bits, 1.0 - noise, "accurate answers to our questions"),
            Concept(REGISTER, register_bits, 1.0, "the bits in the memory location of the label"),
        )
    )


# ----------------------------------------------------------------------- selection


def log_likelihood_per_example(agreement: object, fidelity: float = 0.9) -> np.ndarray:
    """Expected log-likelihood of one label, ``a log q + (1 - a) log(1 - q)``.

    >>> log_likelihood_per_example([1.0, 0.5], fidelity=0.9).round(4).tolist()
    [-0.1054, -1.204]
    """
    q = _fidelity(fidelity)
    a = np.asarray(_validate.probability_array("agreement", np.atleast_1d(agreement)))
    return a * math.log(q) + (1.0 - a) * math.log1p(-q)


def log_selection(
    complexity_bits: object,
    agreement: object,
    examples: object,
    *,
    beta: float = 1.0,
    fidelity: float = 0.9,
) -> np.ndarray:
    """Natural-log selection probabilities, shape ``(len(examples), concepts)``.

    The array core of :func:`selection_probabilities`: computed in log space
    with :func:`scipy.special.logsumexp`, so nothing underflows at ``n = 1e9``.

    >>> np.exp(log_selection([0, 1], [0.5, 0.5], [0, 1e9])).round(4).tolist()
    [[0.6667, 0.3333], [0.6667, 0.3333]]
    """
    bits = np.asarray(complexity_bits, dtype=float)
    if bits.ndim != 1 or np.isnan(bits).any() or (bits < 0).any() or np.isinf(bits).any():
        raise ValueError(f"complexity_bits must be finite numbers >= 0, got {complexity_bits!r}")
    a = _validate.probability_array("agreement", np.atleast_1d(agreement))
    if a.shape != bits.shape:
        raise ValueError("complexity_bits and agreement must have the same length")
    price = _validate.real("beta", beta, low=0.0) * _logit(_fidelity(fidelity))
    n = _examples(examples)
    # n * ell[c] = n * ell_max - n * (a_max - a[c]) * logit(q): the first term is
    # common to all concepts and cancels, and what is left stays small for the
    # concepts that matter, so rounding does not grow with n.
    log_weight = -_LN2 * bits[None, :] - price * n[:, None] * (a.max() - a)[None, :]
    return log_weight - special.logsumexp(log_weight, axis=1, keepdims=True)


def selection_probabilities(
    world: WorldModel, examples: float, *, beta: float = 1.0, fidelity: float = 0.9
) -> pd.Series:
    """``P(concept | n examples)`` as a Series indexed by concept name (sums to 1).

    >>> world = standard_world(label_noise=0.05)
    >>> selection_probabilities(world, 0).round(4).to_dict()
    {'pain': 1.0, 'X': 0.0, 'Y': 0.0}
    >>> selection_probabilities(world, 1000).round(4).to_dict()
    {'pain': 0.0, 'X': 0.0, 'Y': 1.0}
    """
    _check_world(world)
    n = _validate.real("examples", examples, low=0.0)
    logp = log_selection(world.complexity_bits, world.agreement, [n], beta=beta, fidelity=fidelity)
    index = pd.Index(world.names, name="concept")
    return pd.Series(np.exp(logp[0]), index=index, name="probability")


def selection_table(
    world: WorldModel, examples: object, *, beta: float = 1.0, fidelity: float = 0.9
) -> pd.DataFrame:
    """Tidy selection probabilities: one row per (examples, concept).

    Columns ``examples``, ``concept``, ``complexity_bits``, ``agreement``,
    ``log_probability`` (natural log) and ``probability``.

    >>> t = selection_table(standard_world(0.05), [0, 60, 100])
    >>> t[t.examples == 100][["concept", "probability"]].round(3)
      concept  probability
    6    pain        0.000
    7       X        0.017
    8       Y        0.983
    """
    _check_world(world)
    n = _examples(examples)
    logp = log_selection(world.complexity_bits, world.agreement, n, beta=beta, fidelity=fidelity)
    k = len(world.names)
    return pd.DataFrame(
        {
            "examples": np.repeat(n, k),
            "concept": np.tile(np.array(world.names, dtype=object), n.size),
            "complexity_bits": np.tile(world.complexity_bits, n.size),
            "agreement": np.tile(world.agreement, n.size),
            "log_probability": logp.ravel(),
            "probability": np.exp(logp).ravel(),
        }
    )


def crossover(
    world: WorldModel,
    first: str,
    second: str,
    *,
    beta: float = 1.0,
    fidelity: float = 0.9,
    method: str = "closed",
) -> float:
    """Examples ``n*`` from which ``second`` is at least as probable as ``first``.

    The log-ratio ``log P(second | n) - log P(first | n)`` is linear in ``n``:
    ``-(k2 - k1) ln 2 + n * beta * (a2 - a1) * logit(q)``. When ``second``
    fits better (``a2 > a1``) it overtakes at its root,
    ``n* = (k2 - k1) ln 2 / (beta (a2 - a1) logit(q))`` (0 if ``second`` is
    not more complex); when it fits no better it never does (``inf``), unless
    it fits equally and is no more complex (0: a tie or better throughout).
    ``method="brentq"`` finds the root of the log-ratio of the computed
    selection probabilities (of the two concepts alone: the others cancel)
    numerically instead of by the formula.

    >>> world = standard_world(label_noise=0.05)
    >>> round(crossover(world, "X", "Y"), 4), round(crossover(world, "X", "Y", method="brentq"), 4)
    (63.093, 63.093)
    >>> crossover(standard_world(label_noise=0.0), "X", "Y")
    inf
    """
    _check_world(world)
    i, j = world.index(first, "first"), world.index(second, "second")
    method = _validate.choice("method", method, _METHODS)
    b = _validate.real("beta", beta, low=0.0)
    price = b * _logit(_fidelity(fidelity))  # nats per disagreement
    bits, agreement = world.complexity_bits, world.agreement
    gap = bits[j] - bits[i]
    slope = price * (agreement[j] - agreement[i])
    if slope <= 0:
        return 0.0 if slope == 0 and gap <= 0 else math.inf
    if gap <= 0:
        return 0.0
    closed = float(gap * _LN2 / slope)
    if method == "closed" or not math.isfinite(closed):
        return closed

    # The other concepts cancel from the ratio; leaving them out keeps the two
    # log-probabilities near 0 where they would otherwise be far below the leader's.
    pair = [i, j]

    def log_ratio(n: float) -> float:
        logp = log_selection(bits[pair], agreement[pair], [n], beta=beta, fidelity=fidelity)[0]
        return float(logp[1] - logp[0])

    high = 1.0
    while log_ratio(high) < 0:
        high *= 2.0
    return float(optimize.brentq(log_ratio, 0.0, high, xtol=1e-300, rtol=1e-14, maxiter=500))


def crossover_table(
    label_noise: Sequence[float] = (0.001, 0.01, 0.05, 0.1, 0.2),
    complexity_gap: Sequence[float] = (1.0, 10.0, 100.0, 1000.0),
    beta: Sequence[float] = (1.0,),
    *,
    fidelity: float = 0.9,
    method: str = "closed",
) -> pd.DataFrame:
    """``n*`` at which the label register ``Y`` overtakes the intended ``X``, over a grid.

    One row per (label noise, complexity gap ``bits(Y) - bits(X)``, beta),
    columns ``label_noise``, ``complexity_gap``, ``beta``, ``fidelity`` and
    ``n_star``. ``n*`` grows linearly in the gap and falls as ``1 / e`` and
    ``1 / beta``.

    >>> crossover_table([0.05, 0.1], [10.0])[["label_noise", "n_star"]].round(2)
       label_noise  n_star
    0         0.05   63.09
    1         0.10   31.55
    """
    noises = _grid("label_noise", label_noise, low=0.0, high=1.0)
    gaps = _grid("complexity_gap", complexity_gap, low=0.0)
    betas = _grid("beta", beta, low=0.0)
    rows = []
    for e in noises:
        for gap in gaps:
            world = WorldModel((Concept(INTENDED, 0.0, 1.0 - e), Concept(REGISTER, gap, 1.0)))
            for b in betas:
                n_star = crossover(
                    world, INTENDED, REGISTER, beta=b, fidelity=fidelity, method=method
                )
                rows.append(
                    {
                        "label_noise": e,
                        "complexity_gap": gap,
                        "beta": b,
                        "fidelity": float(fidelity),
                        "n_star": n_star,
                    }
                )
    return pd.DataFrame(rows)


def selection_regimes(
    world: WorldModel, *, beta: float = 1.0, fidelity: float = 0.9
) -> pd.DataFrame:
    """Which concept is the most probable as data grows: the regimes over ``n``.

    Each log-weight is a line in ``n``; this is their upper envelope. Columns
    ``concept``, ``from_examples``, ``to_examples`` (``inf`` for the last).
    Exact ties keep the concept listed first.

    >>> selection_regimes(standard_world(0.05)).round(2)
      concept  from_examples  to_examples
    0    pain           0.00        31.55
    1       X          31.55        63.09
    2       Y          63.09          inf
    """
    _check_world(world)
    b = _validate.real("beta", beta, low=0.0)
    intercept = -_LN2 * world.complexity_bits
    slope = b * log_likelihood_per_example(world.agreement, fidelity)
    order = np.lexsort((np.arange(intercept.size), -slope, -intercept))
    leader, start = int(order[0]), 0.0
    rows = []
    while True:
        steeper = np.flatnonzero(slope > slope[leader])
        if steeper.size == 0:
            rows.append((world.names[leader], start, math.inf))
            break
        at = (intercept[leader] - intercept[steeper]) / (slope[steeper] - slope[leader])
        at = np.maximum(at, start)
        first = at.min()
        tied = steeper[at == first]
        nxt = int(tied[np.argmax(slope[tied])])
        rows.append((world.names[leader], start, float(first)))
        leader, start = nxt, float(first)
    return pd.DataFrame(rows, columns=["concept", "from_examples", "to_examples"])


def _fidelity(value: float) -> float:
    return _validate.real("fidelity", value, low=0.5, high=1.0, low_open=True, high_open=True)


def _logit(q: float) -> float:
    return math.log(q) - math.log1p(-q)


def _examples(examples: object) -> np.ndarray:
    n = np.atleast_1d(np.asarray(examples, dtype=float))
    if n.ndim != 1 or n.size == 0:
        raise ValueError(f"examples must be one number or a non-empty sequence, got {examples!r}")
    if np.isnan(n).any() or np.isinf(n).any() or (n < 0).any():
        raise ValueError(f"examples must be finite numbers >= 0, got {examples!r}")
    return n


def _grid(name: str, values: object, **bounds: float) -> list[float]:
    items = [values] if isinstance(values, numbers.Real) else _as_tuple(name, values)
    if not items:
        raise ValueError(f"{name} must be a non-empty sequence of numbers, got {values!r}")
    return [_validate.real(name, v, **bounds) for v in items]


def _check_world(world: object) -> None:
    if not isinstance(world, WorldModel):
        raise ValueError(f"world must be a WorldModel, got {type(world).__name__}")


# --------------------------------------------------------------------------- drift


def transition_matrix(world: WorldModel, step: int | None = None) -> np.ndarray:
    """The stochastic matrix ``P`` of the step from ``step`` to ``step + 1``.

    Uses the edges learned by then (``learned_at <= step``; all of them when
    ``step`` is None). Row convention: ``w(t + 1) = w(t) @ P``;
    ``P[i, j]`` is the fraction of concept ``i``'s weight that moves to ``j``.

    >>> world = standard_world().learn("X", "Y", at=5, rate=0.1)
    >>> transition_matrix(world, step=4).tolist() == np.eye(3).tolist()
    True
    >>> transition_matrix(world)[1:, 1:].tolist()
    [[0.9, 0.1], [0.1, 0.9]]
    """
    _check_world(world)
    limit = None if step is None else _validate.integer("step", step)
    k = len(world.names)
    rates = np.zeros((k, k))
    for e in world.edges:
        if limit is None or e.learned_at <= limit:
            rates[world.index(e.source), world.index(e.target)] += e.rate
    return np.eye(k) - np.diag(rates.sum(axis=1)) + rates


def limit_matrix(transition: object) -> np.ndarray:
    """``lim P**t`` for a stochastic matrix with a positive diagonal (a lazy chain).

    Row ``i`` is where weight that starts on concept ``i`` ends up: the
    stationary distribution of each closed class (found with
    :func:`networkx.attracting_components`), weighted by the probability
    of being absorbed into it. For symmetric rates every connected component
    is closed and its stationary distribution is uniform.

    >>> limit_matrix([[0.9, 0.1, 0.0], [0.1, 0.9, 0.0], [0.0, 0.0, 1.0]]).round(12).tolist()
    [[0.5, 0.5, 0.0], [0.5, 0.5, 0.0], [0.0, 0.0, 1.0]]
    """
    p = np.asarray(transition, dtype=float)
    if p.ndim != 2 or p.shape[0] != p.shape[1] or p.shape[0] == 0:
        raise ValueError(f"transition must be a square matrix, got shape {p.shape}")
    if not np.isfinite(p).all() or (p < 0).any() or not np.allclose(p.sum(axis=1), 1.0):
        raise ValueError("transition must be a stochastic matrix (rows of probabilities)")
    if (np.diag(p) <= 0).any():
        raise ValueError("transition must keep some weight in place (positive diagonal)")
    k = p.shape[0]
    graph = nx.DiGraph()
    graph.add_nodes_from(range(k))
    graph.add_edges_from((int(i), int(j)) for i, j in zip(*np.nonzero(p), strict=True) if i != j)
    classes = [sorted(c) for c in nx.attracting_components(graph)]
    transient = sorted(set(range(k)).difference(*classes))
    result = np.zeros((k, k))
    for members in classes:
        block = p[np.ix_(members, members)]
        system = (block - np.eye(len(members))).T
        system[-1] = 1.0
        rhs = np.zeros(len(members))
        rhs[-1] = 1.0
        stationary = np.linalg.solve(system, rhs)
        reach = np.zeros(k)
        reach[members] = 1.0
        if transient:
            inner = np.eye(len(transient)) - p[np.ix_(transient, transient)]
            reach[transient] = np.linalg.solve(inner, p[np.ix_(transient, members)].sum(axis=1))
        result[:, members] += np.outer(reach, stationary)
    return result


def goal_vector(world: WorldModel, goal: object) -> np.ndarray:
    """The goal flag as a weight array over ``world.names``.

    ``goal`` is a concept name (all weight on it), a mapping or
    :class:`pandas.Series` from names to weights (others 0), or one weight
    per concept. Weights are finite, >= 0 and not all 0; they are not
    normalized (drift conserves their total).

    >>> goal_vector(standard_world(), {"X": 0.75, "Y": 0.25}).tolist()
    [0.0, 0.75, 0.25]
    """
    _check_world(world)
    names = world.names
    if isinstance(goal, str):
        vector = np.zeros(len(names))
        vector[world.index(goal, "goal")] = 1.0
        return vector
    if isinstance(goal, (Mapping, pd.Series)):
        vector = np.zeros(len(names))
        for name, weight in goal.items():
            vector[world.index(name, "goal concept")] = _validate.real(
                f"goal weight of {name!r}", weight, low=0.0
            )
    else:
        try:
            vector = np.array(goal, dtype=float)
        except (TypeError, ValueError):
            raise ValueError(
                f"goal must be a concept name, a mapping or weights, got {goal!r}"
            ) from None
        if vector.shape != (len(names),):
            raise ValueError(f"goal must have {len(names)} weights, one per concept, got {goal!r}")
        if not np.isfinite(vector).all() or (vector < 0).any():
            raise ValueError(f"goal weights must be finite numbers >= 0, got {goal!r}")
    if vector.sum() <= 0:
        raise ValueError("goal weights must not all be 0")
    return vector


def drift_trajectory(world: WorldModel, goal: object, steps: int | Sequence[int]) -> pd.DataFrame:
    """The goal weights at the given steps: a DataFrame indexed by ``step``, a column per concept.

    ``steps`` is a number ``S`` (every step ``0..S``) or a sequence of steps.
    Between learning times the edge set is fixed, so each segment is
    computed with blocks of matrix powers, not a loop over steps.

    >>> world = standard_world().learn("X", "Y", at=100, rate=0.01)
    >>> drift_trajectory(world, "X", [0, 100, 200, 10_000]).round(4).reset_index()
        step  pain       X       Y
    0      0   0.0  1.0000  0.0000
    1    100   0.0  1.0000  0.0000
    2    200   0.0  0.5663  0.4337
    3  10000   0.0  0.5000  0.5000
    """
    w = goal_vector(world, goal)
    if isinstance(steps, numbers.Real) and not isinstance(steps, bool):
        wanted = np.arange(_validate.integer("steps", steps) + 1)
    else:
        items = _as_tuple("steps", steps)
        if not items:
            raise ValueError("steps must be a number or a non-empty sequence of steps")
        wanted = np.unique([_validate.integer("steps", s) for s in items])
    out = np.empty((wanted.size, w.size))
    segments = _segments(world)
    for position, (start, p) in enumerate(segments):
        end = segments[position + 1][0] if position + 1 < len(segments) else None
        inside = (wanted >= start) if end is None else (wanted >= start) & (wanted < end)
        if inside.any():
            out[inside] = _apply_powers(w, p, wanted[inside] - start)
        if end is None or end > wanted[-1]:
            break
        w = w @ _matrix_power(p, end - start)
    return pd.DataFrame(
        out, index=pd.Index(wanted, name="step"), columns=pd.Index(world.names, name=None)
    )


def drift_limit(world: WorldModel, goal: object) -> pd.Series:
    """Where the goal weights settle once every edge has been learned.

    The weights at the last learning time, times :func:`limit_matrix` of
    the final chain. With symmetric rates each connected component's weight
    spreads evenly over it.

    >>> world = standard_world().learn("X", "Y", at=100, rate=0.01, back_rate=0.0025)
    >>> drift_limit(world, "X").round(6).to_dict()
    {'pain': 0.0, 'X': 0.2, 'Y': 0.8}
    """
    w = goal_vector(world, goal)
    segments = _segments(world)
    for (start, p), (end, _) in itertools.pairwise(segments):
        w = w @ _matrix_power(p, end - start)
    limit = w @ limit_matrix(segments[-1][1])
    return pd.Series(limit, index=pd.Index(world.names, name="concept"), name="weight")


def overtake_time(
    world: WorldModel,
    goal: object,
    *,
    source: str = INTENDED,
    target: str = REGISTER,
    horizon: int | None = None,
    tol: float = 1e-12,
) -> int | None:
    """First step at which the weight on ``target`` exceeds that on ``source``.

    "Exceeds" means by more than ``tol`` (so rounding cannot fake a
    crossing). Returns ``None`` if it never happens (or not by ``horizon``).
    Exact: every step is checked until the sign is certain, because the L1
    distance of the weights to their limit never grows, so once
    ``d_limit + distance <= tol`` (``d`` the target's lead) no later step can
    cross. The cost grows with the time until that is certain (roughly the
    last learning time plus ``1 / rate`` times a log factor).

    A target that can never receive weight (no learned path to it from a
    concept with weight, and none of its own) is an error: the question is
    then a mistake in the graph.

    >>> world = standard_world().learn("X", "Y", at=100, rate=0.01, back_rate=0.0)
    >>> overtake_time(world, "X")  # (1 - 0.01) ** 69 < 1/2
    169
    >>> overtake_time(standard_world().learn("X", "Y", rate=0.01), "X") is None
    True
    """
    w = goal_vector(world, goal)
    i, j = world.index(source, "source"), world.index(target, "target")
    if i == j:
        raise ValueError(f"source and target must differ, got {source!r} twice")
    stop_at = None if horizon is None else _validate.integer("horizon", horizon)
    tolerance = _validate.real("tol", tol, low=0.0)
    if w[j] == 0:
        graph = world.graph
        holders = [world.names[h] for h in np.flatnonzero(w)]
        reached = set(holders).union(*(nx.descendants(graph, h) for h in holders))
        if target not in reached:
            raise ValueError(
                f"target {target!r} is disconnected: no learned edge leads to it from a "
                f"concept with goal weight ({', '.join(map(repr, holders))}), so it can never "
                "hold any weight"
            )
    delta = np.zeros(w.size)
    delta[j], delta[i] = 1.0, -1.0
    if w @ delta > tolerance:
        return 0
    segments = _segments(world)
    for position, (start, p) in enumerate(segments):
        end = segments[position + 1][0] if position + 1 < len(segments) else None
        if stop_at is not None:
            if start >= stop_at:
                return None
            end = stop_at if end is None else min(end, stop_at)
        found, w = _scan(w, p, start, end, delta, tolerance)
        if found is not None:
            return found
        if w is None:
            return None
    return None


def _segments(world: WorldModel) -> list[tuple[int, np.ndarray]]:
    """``(start step, transition matrix)`` for each stretch with a fixed edge set."""
    return [(t, transition_matrix(world, t)) for t in world.learning_times]


def _block_length(k: int, needed: int) -> int:
    return max(1, min(_STACK_CAP, _STACK_ENTRIES // (k * k), needed))


def _stochastic(matrix: np.ndarray) -> np.ndarray:
    """Rescale rows to sum to 1: a row sum off by one ulp would grow like ``t`` in ``P**t``."""
    return matrix / matrix.sum(axis=-1, keepdims=True)


def _matrix_power(p: np.ndarray, n: int) -> np.ndarray:
    """``P**n`` by squaring, each product kept stochastic (total weight is conserved)."""
    result, square = np.eye(p.shape[0]), p
    while n:
        if n & 1:
            result = _stochastic(result @ square)
        n >>= 1
        if n:
            square = _stochastic(square @ square)
    return result


def _power_stack(p: np.ndarray, length: int) -> np.ndarray:
    """``P**0 .. P**(length - 1)``, shape ``(length, k, k)``.

    Filled by doubling (``P**(i + h) = P**i @ P**h``), so each power is a
    product of about ``log2(length)`` factors: rounding does not pile up.
    """
    stack = np.empty((length, *p.shape))
    stack[0] = np.eye(p.shape[0])
    filled, power = 1, p  # power == P**filled
    while filled < length:
        take = min(filled, length - filled)
        stack[filled : filled + take] = _stochastic(stack[:take] @ power)
        filled += take
        power = _stochastic(power @ power)
    return stack


def _apply_powers(w: np.ndarray, p: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """``w @ P**o`` for each sorted offset ``o``: rows of a ``(len(offsets), k)`` array.

    ``o = m * B + r``: a stack of the first ``B`` powers is applied to
    ``w @ (P**B)**m``, so a dense run of offsets costs about ``sqrt`` of its
    length in Python-level steps, and a sparse one a matrix power per offset.
    """
    k = w.size
    top = int(offsets[-1])
    block = _block_length(k, max(1, math.isqrt(top + 1)))
    stack = _power_stack(p, block)
    flat = stack.transpose(1, 0, 2).reshape(k, block * k)
    jump = _stochastic(stack[-1] @ p)
    high, low = np.divmod(offsets, block)
    out = np.empty((offsets.size, k))
    groups, firsts = np.unique(high, return_index=True)
    for m, first, last in zip(groups, firsts, [*firsts[1:], offsets.size], strict=True):
        v = w @ _matrix_power(jump, int(m))
        if (last - first) * 8 >= block:
            out[first:last] = (v @ flat).reshape(block, k)[low[first:last]]
        else:
            out[first:last] = v @ stack[low[first:last]]
    return out


def _scan(
    w: np.ndarray, p: np.ndarray, start: int, end: int | None, delta: np.ndarray, tol: float
) -> tuple[int | None, np.ndarray | None]:
    """First step in ``(start, end]`` with ``w(t) @ delta > tol``, else ``(None, w(end))``.

    ``end=None`` scans an open-ended last segment; ``(None, None)`` means never.
    """
    limit = w @ limit_matrix(p)
    d_limit = float(limit @ delta)
    converged = _CONVERGED * float(w.sum())
    span = None if end is None else end - start
    block = _block_length(w.size, _STACK_CAP if span is None else span)
    stack = _power_stack(p, block + 1)[1:]  # P**1 .. P**block
    leads = stack @ delta  # row b: P**(b + 1) @ delta
    t, v, previous = start, w, math.inf
    while span is None or t < end:
        distance = float(np.abs(v - limit).sum())
        # The L1 distance to the limit never grows: past this point no step can
        # cross (or the weights sit at their limit up to rounding).
        settled = distance <= converged or (distance >= previous and distance <= 1e3 * converged)
        if d_limit + distance <= tol or settled:
            if end is None:
                return None, None
            return None, w @ _matrix_power(p, end - start)
        n = block if end is None else min(block, end - t)
        ahead = np.flatnonzero(leads[:n] @ v > tol)
        if ahead.size:
            return t + 1 + int(ahead[0]), None
        t += n
        v, previous = w @ _matrix_power(p, t - start), distance
    return None, v


# ---------------------------------------------------------------- link to the games


def misaligned_probability(goal: object, aligned: str | Iterable[str] = INTENDED) -> float:
    """Share of the goal weight that is *not* on the aligned concept(s).

    ``goal`` is a Series or mapping from concept names to weights (the
    output of :func:`selection_probabilities`, or a row of
    :func:`drift_trajectory`, or :func:`drift_limit`). Read as a
    population, it is the probability that a deployed agent is misaligned.

    >>> world = standard_world(0.05)
    >>> round(misaligned_probability(selection_probabilities(world, 60)), 4)
    0.4159
    """
    if isinstance(goal, pd.Series):
        items = list(goal.items())
    elif isinstance(goal, Mapping):
        items = list(goal.items())
    else:
        raise ValueError(f"goal must be a Series or mapping of weights, got {goal!r}")
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
