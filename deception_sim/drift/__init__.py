"""Objective formation and goal drift in a world-model graph (SPEC 3.6).

Elsewhere in the package the mesa objective is given. This package models
*which* objective training produces, and how it can move after training,
following the second seed (a discussion of reward tampering and goal drift).

**The world model** (:mod:`.world`) is a graph of concepts
(:class:`WorldModel`, immutable and hashable; :attr:`WorldModel.graph`
gives it as a :class:`networkx.DiGraph`). Each :class:`Concept` has a description length
``complexity_bits`` and an ``agreement``: the fraction of training examples
on which pursuing the concept gives the label the training signal rewards.
:func:`standard_world` builds the seed's concepts: the intended objective
``X`` ("accurate answers"; agreement ``1 - e`` under label noise ``e``), the
label register ``Y`` ("the bits in the memory location that holds the
label"; agreement 1, because it *is* the signal, but more complex), and
cheap proxies such as ``pain`` that agree often but not always.

**Objective selection** (:mod:`.selection`; a stylised inductive bias, *not*
a model of SGD): after ``n`` examples, training picks concept ``c`` with
probability

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

**Goal drift** (:mod:`.dynamics`) in deployment, with no supervisory
signal: the goal flag is a weight vector over concepts. When the world
model learns that two concepts co-occur it adds a :class:`LearnedEdge`,
from a given step on; each step, a fraction ``rate`` of the weight on the
edge's source moves to its target.
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

**Link to the games** (:mod:`.mixture`): :func:`misaligned_probability`
reads the weight off the intended concept, and :func:`mixture_evaluate`
evaluates a population that is aligned with probability ``1 - p`` and
follows a given policy with probability ``p``.

>>> world = standard_world(label_noise=0.05)
>>> round(crossover(world, "X", "Y"), 2)
63.09
>>> drifted = world.learn("X", "Y", at=100, rate=0.01, back_rate=0.0025)
>>> overtake_time(drifted, "X")
178
"""

from __future__ import annotations

from .dynamics import (
    drift_limit,
    drift_trajectory,
    goal_vector,
    limit_matrix,
    overtake_time,
    transition_matrix,
)
from .mixture import MixtureResult, misaligned_probability, mixture_evaluate
from .selection import (
    crossover,
    crossover_table,
    log_likelihood_per_example,
    log_selection,
    selection_probabilities,
    selection_regimes,
    selection_table,
)
from .world import INTENDED, REGISTER, Concept, LearnedEdge, WorldModel, standard_world

__all__ = [
    "INTENDED",
    "REGISTER",
    "Concept",
    "LearnedEdge",
    "MixtureResult",
    "WorldModel",
    "crossover",
    "crossover_table",
    "drift_limit",
    "drift_trajectory",
    "goal_vector",
    "limit_matrix",
    "log_likelihood_per_example",
    "log_selection",
    "misaligned_probability",
    "mixture_evaluate",
    "overtake_time",
    "selection_probabilities",
    "selection_regimes",
    "selection_table",
    "standard_world",
    "transition_matrix",
]
