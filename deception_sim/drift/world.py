"""The world model: concepts, the edges learned between them, and the seed's world.

A :class:`WorldModel` is an immutable, hashable graph of :class:`Concept`
nodes (candidate mesa objectives, each with a description length and an
agreement rate with the training signal) and :class:`LearnedEdge` flows of
goal weight between them; :attr:`WorldModel.graph` gives it as a
:class:`networkx.DiGraph`. :func:`standard_world` builds the seed's
concepts: the intended objective ``X``, the label register ``Y`` and cheap
proxies.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import networkx as nx
import numpy as np

from .. import _validate

INTENDED = "X"
"""Name of the intended objective in :func:`standard_world` ("accurate answers")."""
REGISTER = "Y"
"""Name of the label register in :func:`standard_world` (the bits that hold the label)."""


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
            raise ValueError(
                f"concept name must be a non-empty string, got {_validate.shown(self.name)}"
            )
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
                raise ValueError(
                    f"edge {role} must be a concept name, got {_validate.shown(value)}"
                )
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
                raise ValueError(
                    f"concepts must be Concept objects, got {_validate.shown(concept)}"
                )
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


def _check_world(world: object) -> None:
    if not isinstance(world, WorldModel):
        raise ValueError(f"world must be a WorldModel, got {type(world).__name__}")
