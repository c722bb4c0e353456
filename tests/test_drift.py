"""Objective formation and goal drift (deception_sim.drift): hand-checked cases and properties."""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from deception_sim import Aligned, Deceptive, Greedy, Payoffs, Schedule, UpdateRule, evaluate
from deception_sim.cli import main
from deception_sim.drift import (
    INTENDED,
    REGISTER,
    Concept,
    LearnedEdge,
    MixtureResult,
    WorldModel,
    crossover,
    crossover_table,
    drift_limit,
    drift_trajectory,
    goal_vector,
    limit_matrix,
    log_selection,
    misaligned_probability,
    mixture_evaluate,
    overtake_time,
    selection_probabilities,
    selection_regimes,
    selection_table,
    standard_world,
    transition_matrix,
)

ROOT = Path(__file__).resolve().parents[1]
LOGIT_09 = math.log(9.0)  # logit of the default fidelity 0.9


# ------------------------------------------------------------------ random worlds


@st.composite
def worlds(draw, *, symmetric: bool = False, min_rate: float = 1e-3, max_at: int = 40):
    """Random world models: 1-5 concepts, random learned edges within the rate budget."""
    k = draw(st.integers(1, 5))
    concepts = [Concept(f"c{i}", draw(st.floats(0, 60)), draw(st.floats(0, 1))) for i in range(k)]
    if k == 1:
        return WorldModel(concepts)
    pair = st.tuples(st.integers(0, k - 1), st.integers(0, k - 1)).filter(lambda p: p[0] != p[1])
    key = (lambda p: tuple(sorted(p))) if symmetric else (lambda p: p)
    pairs = draw(st.lists(pair, max_size=2 * k, unique_by=key))
    budget = 0.95 / (2 * (k - 1))  # keeps every concept's total outflow below 1
    edges = []
    for i, j in pairs:
        rate = draw(st.floats(min_rate, budget))
        at = draw(st.integers(0, max_at))
        edges.append(LearnedEdge(f"c{i}", f"c{j}", at, rate))
        if symmetric:
            edges.append(LearnedEdge(f"c{j}", f"c{i}", at, rate))
    return WorldModel(concepts, edges)


def goals(world: WorldModel):
    """Strictly positive goal weights (so every target holds some weight)."""
    k = len(world.names)
    return st.lists(st.floats(0.01, 1.0), min_size=k, max_size=k).map(np.array)


def naive_trajectory(world: WorldModel, w: np.ndarray, steps: int) -> np.ndarray:
    """The plain loop a researcher would write: one matrix product per step."""
    out = [w]
    for t in range(steps):
        w = w @ transition_matrix(world, t)
        out.append(w)
    return np.array(out)


# ------------------------------------------------------------------ model objects


def test_concepts_validate_and_name_the_parameter() -> None:
    assert Concept("pain", 5, 0.8) == Concept("pain", 5.0, 0.8)
    with pytest.raises(ValueError, match=r"complexity_bits of 'pain' must be a number in \[0"):
        Concept("pain", -1.0, 0.8)
    with pytest.raises(ValueError, match=r"complexity_bits of 'pain'.*NaN"):
        Concept("pain", float("nan"), 0.8)
    with pytest.raises(ValueError, match="complexity_bits of 'pain'"):
        Concept("pain", math.inf, 0.8)
    with pytest.raises(ValueError, match=r"agreement of 'pain' must be a number in \[0, 1\]"):
        Concept("pain", 1.0, 1.2)
    with pytest.raises(ValueError, match="agreement of 'X'"):
        Concept("X", 1.0, -0.1)
    with pytest.raises(ValueError, match="concept name must be a non-empty string"):
        Concept("", 1.0, 0.5)


def test_edges_validate() -> None:
    with pytest.raises(ValueError, match=r"rate must be a number in \(0, 1\)"):
        LearnedEdge("X", "Y", 0, 1.0)
    with pytest.raises(ValueError, match=r"rate must be a number in \(0, 1\)"):
        LearnedEdge("X", "Y", 0, 0.0)
    with pytest.raises(ValueError, match="learned_at must be an integer >= 0"):
        LearnedEdge("X", "Y", -1, 0.1)
    with pytest.raises(ValueError, match="two different concepts"):
        LearnedEdge("X", "X", 0, 0.1)


def test_bad_graphs_give_clear_errors() -> None:
    x, y = Concept("X", 20, 0.9), Concept("Y", 30, 1.0)
    with pytest.raises(ValueError, match="edge target must be one of 'X', 'Y', got 'Z'"):
        WorldModel([x, y], [LearnedEdge("X", "Z", 0, 0.1)])
    with pytest.raises(ValueError, match="edge source must be one of"):
        WorldModel([x, y], [LearnedEdge("Q", "Y", 0, 0.1)])
    with pytest.raises(ValueError, match="unique, got 'X' twice"):
        WorldModel([x, x])
    with pytest.raises(ValueError, match="given twice"):
        WorldModel([x, y], [LearnedEdge("X", "Y", 0, 0.1), LearnedEdge("X", "Y", 5, 0.2)])
    with pytest.raises(ValueError, match="total rate out of concept 'X' must be below 1"):
        WorldModel([x, y, Concept("p", 1, 0.5)]).learn("X", "Y", rate=0.6).learn("X", "p", rate=0.5)
    with pytest.raises(ValueError, match="at least one Concept"):
        WorldModel([])
    with pytest.raises(ValueError, match="Concept objects"):
        WorldModel([("X", 1, 0.5)])
    with pytest.raises(ValueError, match="back_rate must be a number"):
        WorldModel([x, y]).learn("X", "Y", back_rate=-0.1)
    graph = nx.Graph()
    graph.add_node("X", complexity_bits=20, agreement=0.9)
    graph.add_edge("X", "Z", rate=0.1)  # Z never declared: a node without attributes
    with pytest.raises(ValueError, match=r"concept 'Z' has no 'complexity_bits'.*unknown concept"):
        WorldModel.from_graph(graph)
    graph = nx.Graph()
    graph.add_node("X", complexity_bits=-3, agreement=0.9)
    with pytest.raises(ValueError, match="complexity_bits of 'X'"):
        WorldModel.from_graph(graph)
    with pytest.raises(ValueError, match="networkx graph"):
        WorldModel.from_graph({"X": 1})


def test_world_model_is_a_hashable_graph_and_round_trips_through_networkx() -> None:
    world = standard_world(0.1).learn("X", "Y", at=7, rate=0.05, back_rate=0.01)
    again = WorldModel.from_graph(world.graph)
    assert again == world and hash(again) == hash(world)
    assert {world: 1}[again] == 1
    assert world.graph.nodes["X"]["agreement"] == 0.9
    assert world.graph.edges["X", "Y"] == {"rate": 0.05, "learned_at": 7}
    assert world.learning_times == (0, 7)
    undirected = nx.Graph()
    for name in ("a", "b"):
        undirected.add_node(name, complexity_bits=1, agreement=0.5)
    undirected.add_edge("a", "b", rate=0.2, learned_at=3)
    edges = WorldModel.from_graph(undirected).edges
    assert sorted((e.source, e.target, e.learned_at, e.rate) for e in edges) == [
        ("a", "b", 3, 0.2),
        ("b", "a", 3, 0.2),
    ]
    one_way = standard_world().learn("X", "Y", rate=0.1, back_rate=0)
    assert [(e.source, e.target) for e in one_way.edges] == [("X", "Y")]


def test_standard_world_has_the_seeds_concepts() -> None:
    world = standard_world(0.05, intended_bits=12, register_bits=40, proxies=[("dna", 2, 0.6)])
    assert world.names == ("dna", INTENDED, REGISTER)
    assert world.concept("X").agreement == pytest.approx(0.95)
    assert world.concept("Y").agreement == 1.0
    assert world.concept("Y").complexity_bits == 40.0
    assert standard_world(proxies=()).names == ("X", "Y")
    with pytest.raises(ValueError, match=r"label_noise must be a number in \[0, 1\]"):
        standard_world(1.5)
    with pytest.raises(ValueError, match="concept must be one of"):
        world.concept("pain")


# ------------------------------------------------------------------------ selection


def test_selection_by_hand() -> None:
    world = standard_world(0.05)
    # n = 0: the prior 2**-bits, normalized.
    prior = np.array([2.0**-5, 2.0**-20, 2.0**-30])
    assert selection_probabilities(world, 0).to_numpy() == pytest.approx(prior / prior.sum())
    # n = 40: prior times exp(n * (a log q + (1 - a) log(1 - q))).
    ell = np.array([0.8, 0.95, 1.0]) * math.log(0.9) + np.array([0.2, 0.05, 0.0]) * math.log(0.1)
    weight = prior * np.exp(40 * ell)
    assert selection_probabilities(world, 40).to_numpy() == pytest.approx(weight / weight.sum())
    assert selection_probabilities(world, 40, beta=0).to_numpy() == pytest.approx(
        prior / prior.sum()
    )


def test_zero_noise_and_equal_complexity_tie() -> None:
    world = standard_world(0.0, intended_bits=25, register_bits=25)
    for n in (0, 10, 1e4, 1e9):
        p = selection_probabilities(world, n)
        assert p["X"] == p["Y"]
    assert crossover(world, "X", "Y") == 0.0 == crossover(world, "Y", "X")


@pytest.mark.parametrize("noise", [0.001, 0.05, 0.3])
@pytest.mark.parametrize("gap", [0.5, 10.0, 200.0])
def test_with_noise_the_register_wins_at_the_closed_form_crossover(noise, gap) -> None:
    world = standard_world(noise, intended_bits=20, register_bits=20 + gap)
    n_star = crossover(world, "X", "Y")
    assert n_star == pytest.approx(gap * math.log(2) / (noise * LOGIT_09), rel=1e-12)
    assert crossover(world, "X", "Y", method="brentq") == pytest.approx(n_star, rel=1e-9)
    around = [n_star * 0.99, n_star, n_star * 1.01]
    logp = log_selection(world.complexity_bits, world.agreement, around)
    x, y = world.index("X"), world.index("Y")
    assert logp[0, y] < logp[0, x]
    assert logp[1, y] == pytest.approx(logp[1, x], abs=1e-9 * max(1.0, abs(logp[1, x])))
    assert logp[2, y] > logp[2, x]
    assert selection_probabilities(world, max(1e6, 100 * n_star))["Y"] == pytest.approx(1.0)


def test_crossover_moves_with_noise_gap_and_temperature() -> None:
    table = crossover_table([0.01, 0.02], [10.0, 20.0], [1.0, 2.0], fidelity=0.8)
    assert list(table.columns) == ["label_noise", "complexity_gap", "beta", "fidelity", "n_star"]
    assert len(table) == 8
    expected = (
        table["complexity_gap"] * math.log(2) / (table["beta"] * table["label_noise"] * math.log(4))
    )
    assert np.allclose(table["n_star"], expected, rtol=1e-12)
    n = table.set_index(["label_noise", "complexity_gap", "beta"])["n_star"]
    assert n[0.01, 20.0, 1.0] == pytest.approx(2 * n[0.01, 10.0, 1.0])  # linear in the gap
    assert n[0.02, 10.0, 1.0] == pytest.approx(n[0.01, 10.0, 1.0] / 2)  # 1 / noise
    assert n[0.01, 10.0, 2.0] == pytest.approx(n[0.01, 10.0, 1.0] / 2)  # 1 / beta
    assert np.isinf(crossover_table([0.0], [5.0])["n_star"]).all()
    numeric = crossover_table([0.01, 0.02], [10.0, 20.0], [1.0, 2.0], fidelity=0.8, method="brentq")
    assert np.allclose(numeric["n_star"], table["n_star"], rtol=1e-9)
    with pytest.raises(ValueError, match="label_noise must be a non-empty sequence"):
        crossover_table([], [1.0])
    with pytest.raises(ValueError, match=r"complexity_gap must be a number in \[0, inf\]"):
        crossover_table([0.1], [-1.0])


def test_crossover_cases() -> None:
    world = WorldModel(
        [
            Concept("simple", 5, 0.8),
            Concept("fit", 30, 0.99),
            Concept("twin", 5, 0.8),
            Concept("cheap_fit", 1, 0.99),
            Concept("worse", 50, 0.7),
        ]
    )
    assert crossover(world, "simple", "fit") == pytest.approx(25 * math.log(2) / (0.19 * LOGIT_09))
    assert crossover(world, "fit", "simple") == math.inf  # fits worse: never from some n on
    assert crossover(world, "simple", "twin") == 0.0  # identical: tie throughout
    assert crossover(world, "simple", "cheap_fit") == 0.0  # simpler and better
    assert crossover(world, "simple", "worse") == math.inf
    with pytest.raises(ValueError, match="second must be one of"):
        crossover(world, "simple", "nothing")
    with pytest.raises(ValueError, match="method must be one of 'closed', 'brentq'"):
        crossover(world, "simple", "fit", method="newton")
    with pytest.raises(ValueError, match=r"fidelity must be a number in \(0.5, 1\)"):
        crossover(world, "simple", "fit", fidelity=1.0)
    with pytest.raises(ValueError, match=r"beta must be a number in \[0, inf\]"):
        crossover(world, "simple", "fit", beta=-1)


def test_no_underflow_at_a_billion_examples() -> None:
    world = standard_world(0.05)
    table = selection_table(world, [0, 1e3, 1e9])
    assert np.isfinite(table["log_probability"]).all()
    totals = table.groupby("examples")["probability"].sum()
    assert np.allclose(totals, 1.0)
    last = table[table["examples"] == 1e9].set_index("concept")
    assert last.loc["Y", "probability"] == 1.0
    assert last.loc["X", "log_probability"] == pytest.approx(-1e9 * 0.05 * LOGIT_09, rel=1e-6)
    with pytest.raises(ValueError, match="examples must be finite numbers >= 0"):
        selection_table(world, [-1])
    with pytest.raises(ValueError, match=r"examples must be a number in \[0, inf\]"):
        selection_probabilities(world, float("nan"))


def test_regimes_pain_then_intended_then_register() -> None:
    world = standard_world(0.05)
    regimes = selection_regimes(world)
    assert regimes["concept"].tolist() == ["pain", "X", "Y"]
    assert regimes["to_examples"].iloc[0] == pytest.approx(crossover(world, "pain", "X"))
    assert regimes["to_examples"].iloc[1] == pytest.approx(crossover(world, "X", "Y"))
    assert regimes["to_examples"].iloc[-1] == math.inf
    assert selection_regimes(standard_world(0.0))["concept"].tolist() == ["pain", "X"]


@given(world=worlds(), n=st.floats(0, 1e9), beta=st.floats(0, 10), q=st.floats(0.51, 0.999))
def test_selection_probabilities_sum_to_one(world, n, beta, q) -> None:
    p = selection_probabilities(world, n, beta=beta, fidelity=q)
    assert (p >= 0).all() and p.sum() == pytest.approx(1.0, abs=1e-12)
    assert list(p.index) == list(world.names)


@given(world=worlds(), beta=st.floats(0.01, 10), q=st.floats(0.51, 0.999), data=st.data())
def test_crossover_closed_form_matches_brentq(world, beta, q, data) -> None:
    first = data.draw(st.sampled_from(world.names))
    second = data.draw(st.sampled_from(world.names))
    if first == second:  # a concept cannot overtake itself: refused, not 0
        with pytest.raises(ValueError, match="first and second"):
            crossover(world, first, second, beta=beta, fidelity=q)
        return
    closed = crossover(world, first, second, beta=beta, fidelity=q)
    numeric = crossover(world, first, second, beta=beta, fidelity=q, method="brentq")
    assert numeric == pytest.approx(closed, rel=1e-8, abs=1e-9)
    if 0 < closed < math.inf:
        i, j = world.index(first), world.index(second)
        after = log_selection(
            world.complexity_bits, world.agreement, [closed * 1.001 + 1e-6], beta=beta, fidelity=q
        )[0]
        assert after[j] >= after[i]


@given(world=worlds(), beta=st.floats(0.01, 10))
def test_regimes_are_the_most_probable_concept(world, beta) -> None:
    regimes = selection_regimes(world, beta=beta)
    assert regimes["from_examples"].iloc[0] == 0.0
    assert (
        regimes["from_examples"].iloc[1:].to_numpy() == regimes["to_examples"].iloc[:-1].to_numpy()
    ).all()
    for row in regimes.itertuples():
        end = row.to_examples if math.isfinite(row.to_examples) else row.from_examples * 2 + 10
        middle = (row.from_examples + end) / 2
        logp = log_selection(world.complexity_bits, world.agreement, [middle], beta=beta)[0]
        assert logp[world.index(row.concept)] >= logp.max() - 1e-9 * max(1, abs(logp.max()))


# ---------------------------------------------------------------------------- drift


def test_transition_matrix_by_hand() -> None:
    world = standard_world().learn("X", "Y", at=3, rate=0.1, back_rate=0.3)
    assert np.array_equal(transition_matrix(world, 2), np.eye(3))
    assert transition_matrix(world, 3).tolist() == [
        [1.0, 0.0, 0.0],
        [0.0, 0.9, 0.1],
        [0.0, 0.3, 0.7],
    ]
    assert np.array_equal(transition_matrix(world), transition_matrix(world, 3))


def test_one_way_drift_has_a_closed_form() -> None:
    world = standard_world().learn("X", "Y", at=100, rate=0.01, back_rate=0)
    path = drift_trajectory(world, "X", 400)
    s = np.arange(401) - 100
    expected_x = np.where(s > 0, 0.99 ** np.maximum(s, 0), 1.0)
    assert np.allclose(path["X"], expected_x, rtol=0, atol=1e-13)
    assert np.allclose(path["Y"], 1 - expected_x, rtol=0, atol=1e-13)
    first = 100 + math.floor(math.log(0.5) / math.log(0.99)) + 1
    assert overtake_time(world, "X") == first == 169
    assert drift_limit(world, "X").to_dict() == pytest.approx({"pain": 0, "X": 0, "Y": 1})


def test_asymmetric_pair_by_hand() -> None:
    r, b = 0.01, 0.0025
    world = standard_world().learn("X", "Y", at=100, rate=r, back_rate=b)
    limit = drift_limit(world, "X")
    assert limit["X"] == pytest.approx(b / (r + b)) and limit["Y"] == pytest.approx(r / (r + b))
    # w_X(100 + s) = b/(r+b) + r/(r+b) (1-r-b)**s falls below 1/2 first at s = 78.
    s = math.floor(math.log((0.5 - b / (r + b)) / (r / (r + b))) / math.log(1 - r - b)) + 1
    assert overtake_time(world, "X") == 100 + s == 178
    assert overtake_time(world, "X", horizon=177) is None
    assert overtake_time(world, "X", horizon=178) == 178


def test_symmetric_pair_shares_the_goal_and_never_overtakes() -> None:
    world = standard_world().learn("X", "Y", at=100, rate=0.01)
    assert drift_limit(world, "X").to_dict() == pytest.approx({"pain": 0, "X": 0.5, "Y": 0.5})
    assert overtake_time(world, "X") is None
    path = drift_trajectory(world, "X", [0, 100, 10**6, 10**9])
    assert path.loc[10**9].to_numpy() == pytest.approx([0, 0.5, 0.5], abs=1e-12)
    # A goal that already leans to Y has overtaken at step 0.
    assert overtake_time(world, {"X": 0.4, "Y": 0.6}) == 0


def test_a_long_trajectory_is_vectorized_and_conserves_weight() -> None:
    world = (
        standard_world()
        .learn("X", "Y", at=100, rate=0.01, back_rate=0.0025)
        .learn("Y", "pain", at=400, rate=0.001)
    )
    path = drift_trajectory(world, "X", 200_000)
    assert path.shape == (200_001, 3)
    assert np.abs(path.sum(axis=1) - 1).max() < 1e-12
    assert (path.to_numpy() >= -1e-15).all()
    check = naive_trajectory(world, goal_vector(world, "X"), 600)
    assert np.allclose(path.to_numpy()[:601], check, rtol=0, atol=1e-13)


def test_drift_input_errors() -> None:
    world = standard_world().learn("X", "Y", rate=0.01)
    with pytest.raises(ValueError, match="goal must be one of 'pain', 'X', 'Y', got 'Z'"):
        drift_trajectory(world, "Z", 10)
    with pytest.raises(ValueError, match="goal concept must be one of"):
        drift_limit(world, {"Q": 1.0})
    with pytest.raises(ValueError, match="goal weight of 'X' must be a number in"):
        drift_limit(world, {"X": -1.0})
    with pytest.raises(ValueError, match="goal weights must not all be 0"):
        drift_limit(world, {"X": 0.0})
    with pytest.raises(ValueError, match="goal must have 3 weights"):
        drift_limit(world, [1.0, 0.0])
    with pytest.raises(ValueError, match="steps must be an integer >= 0"):
        drift_trajectory(world, "X", -5)
    with pytest.raises(ValueError, match="steps must be an integer >= 0"):
        drift_trajectory(world, "X", [1, 2.5])
    with pytest.raises(ValueError, match="target must be one of"):
        overtake_time(world, "X", target="Q")
    with pytest.raises(ValueError, match="source and target must differ"):
        overtake_time(world, "X", source="Y", target="Y")
    with pytest.raises(ValueError, match="horizon must be an integer >= 0"):
        overtake_time(world, "X", horizon=-1)
    with pytest.raises(ValueError, match="world must be a WorldModel"):
        drift_limit(nx.Graph(), "X")


def test_disconnected_targets_are_an_error() -> None:
    world = standard_world().learn("X", "Y", rate=0.01)
    with pytest.raises(ValueError, match=r"target 'pain' is disconnected.*'X'"):
        overtake_time(world, "X", target="pain")
    # Reachable only against the flow: still disconnected.
    one_way = standard_world().learn("Y", "X", rate=0.01, back_rate=0)
    with pytest.raises(ValueError, match="target 'Y' is disconnected"):
        overtake_time(one_way, "X")
    # Weight of its own, or a path learned later, is fine.
    assert overtake_time(one_way, {"X": 0.5, "Y": 0.5}) is None
    later = world.learn("Y", "pain", at=50, rate=0.02)
    assert overtake_time(later, "X", target="pain") is None


def test_limit_matrix_checks_its_input() -> None:
    with pytest.raises(ValueError, match="square matrix"):
        limit_matrix([[1.0, 0.0]])
    with pytest.raises(ValueError, match="stochastic matrix"):
        limit_matrix([[0.5, 0.4], [0.0, 1.0]])
    with pytest.raises(ValueError, match="positive diagonal"):
        limit_matrix([[0.0, 1.0], [1.0, 0.0]])


@given(world=worlds(max_at=30), data=st.data())
def test_trajectory_matches_the_plain_loop_and_conserves_weight(world, data) -> None:
    w = data.draw(goals(world))
    path = drift_trajectory(world, w, 80)
    loop = naive_trajectory(world, w, 80)
    assert np.allclose(path.to_numpy(), loop, rtol=0, atol=1e-12)
    assert np.allclose(path.sum(axis=1), w.sum(), rtol=1e-13, atol=0)
    assert (path.to_numpy() >= -1e-15).all()
    sparse = drift_trajectory(world, w, [80, 3, 41, 3])
    assert list(sparse.index) == [3, 41, 80]
    assert np.allclose(sparse.to_numpy(), loop[[3, 41, 80]], rtol=0, atol=1e-12)


@given(world=worlds(), data=st.data())
def test_weight_never_crosses_components_without_a_learned_edge(world, data) -> None:
    w = data.draw(goals(world))
    graph = nx.Graph()
    graph.add_nodes_from(world.names)
    graph.add_edges_from((e.source, e.target) for e in world.edges)
    path = drift_trajectory(world, w, [0, 5, 37, 500, 10**6])
    limit = drift_limit(world, w)
    for component in nx.connected_components(graph):
        members = sorted(component)
        totals = path[members].sum(axis=1).to_numpy()
        assert np.allclose(totals, totals[0], rtol=1e-12, atol=1e-14)
        assert limit[members].sum() == pytest.approx(totals[0], rel=1e-9)
        if len(members) == 1:
            assert np.allclose(path[members[0]], w[world.index(members[0])], rtol=1e-14)


@given(world=worlds(symmetric=True), data=st.data())
def test_symmetric_limit_is_the_component_average(world, data) -> None:
    w = data.draw(goals(world))
    limit = drift_limit(world, w)
    graph = nx.Graph()
    graph.add_nodes_from(world.names)
    graph.add_edges_from((e.source, e.target) for e in world.edges)
    for component in nx.connected_components(graph):
        members = sorted(component)
        average = sum(w[world.index(m)] for m in members) / len(members)
        assert np.allclose(limit[members], average, rtol=1e-9)
    # numpy: the left eigenvectors of P for eigenvalue 1 of each component are uniform.
    p = transition_matrix(world)
    for component in nx.connected_components(graph):
        idx = [world.index(m) for m in sorted(component)]
        values, vectors = np.linalg.eig(p[np.ix_(idx, idx)].T)
        top = vectors[:, np.argmin(np.abs(values - 1))].real
        assert np.allclose(top / top.sum(), 1 / len(idx))


@given(world=worlds(min_rate=0.02), data=st.data())
def test_limit_is_the_stationary_distribution_of_the_learned_chain(world, data) -> None:
    w = data.draw(goals(world))
    p = transition_matrix(world)
    limit = limit_matrix(p)
    assert np.allclose(limit @ p, limit, atol=1e-12)  # stationary
    assert np.allclose(limit.sum(axis=1), 1.0)
    assert np.allclose(limit, np.linalg.matrix_power(p, 1 << 16), atol=1e-8)
    # Each closed class (networkx) carries its own stationary distribution (numpy).
    for members in nx.attracting_components(world.graph):
        idx = sorted(world.index(m) for m in members)
        values, vectors = np.linalg.eig(p[np.ix_(idx, idx)].T)
        top = vectors[:, np.argmin(np.abs(values - 1))].real
        assert np.allclose(limit[idx[0], idx], top / top.sum(), atol=1e-9)
    path = drift_trajectory(world, w, [10**7])
    assert np.allclose(path.to_numpy()[0], drift_limit(world, w).to_numpy(), atol=1e-9)


@given(world=worlds(max_at=20), data=st.data())
def test_overtake_time_matches_a_plain_scan(world, data) -> None:
    if len(world.names) < 2:
        return
    w = data.draw(goals(world))
    source, target = data.draw(
        st.lists(st.sampled_from(world.names), min_size=2, max_size=2, unique=True)
    )
    tol, horizon = 1e-9, 300
    lead = naive_trajectory(world, w, horizon) @ (
        np.eye(len(w))[world.index(target)] - np.eye(len(w))[world.index(source)]
    )
    ahead = np.flatnonzero(lead > tol)
    expected = int(ahead[0]) if ahead.size else None
    found = overtake_time(world, w, source=source, target=target, horizon=horizon, tol=tol)
    if found != expected:  # only a rounding-level near tie may differ
        step = min(s for s in (found, expected) if s is not None)
        assert abs(lead[step] - tol) < 1e-12
    unlimited = overtake_time(world, w, source=source, target=target, tol=tol)
    if expected is not None and found == expected:
        assert unlimited == expected
    if unlimited is None:
        assert drift_limit(world, w)[target] - drift_limit(world, w)[source] <= tol + 1e-9


# ---------------------------------------------------------------- link to the games


def test_misaligned_probability() -> None:
    world = standard_world(0.05)
    p = selection_probabilities(world, 60)
    assert misaligned_probability(p) == pytest.approx(1 - p["X"])
    assert misaligned_probability({"X": 3.0, "Y": 1.0}) == 0.25
    assert misaligned_probability({"X": 1.0, "Y": 1.0, "Z": 2.0}, aligned=["X", "Z"]) == 0.25
    drifted = world.learn("X", "Y", at=100, rate=0.01, back_rate=0.0025)
    assert misaligned_probability(drift_limit(drifted, "X")) == pytest.approx(0.8)
    row = drift_trajectory(drifted, "X", [150]).iloc[0]
    assert misaligned_probability(row) == pytest.approx(1 - row["X"])
    with pytest.raises(ValueError, match="aligned must name concepts"):
        misaligned_probability({"X": 1.0}, aligned="Q")
    with pytest.raises(ValueError, match="goal must be a Series or mapping"):
        misaligned_probability([0.5, 0.5])


@pytest.mark.parametrize("p", [0.0, 0.3, 1.0])
def test_mixture_evaluate_averages_the_two_types(p) -> None:
    schedule = Schedule.fixed(train=3, deploy=4, honeypot_rate=0.2)
    update, payoffs = UpdateRule(detect=0.7), Payoffs(v_deploy=2.0)
    mix = mixture_evaluate(p, Deceptive(), schedule, update, payoffs)
    assert isinstance(mix, MixtureResult)
    bad = evaluate(Deceptive(), schedule, update, payoffs)
    good = evaluate(Aligned(), schedule, update, payoffs)
    for name in ("mesa", "base", "harm", "p_defect"):
        expected = p * getattr(bad, name) + (1 - p) * getattr(good, name)
        assert getattr(mix, name) == pytest.approx(expected)
    assert mix.summary()["p_misaligned"] == p and mix.summary()["policy"] == "Deceptive()"
    with pytest.raises(ValueError, match=r"p_misaligned must be a number in \[0, 1\]"):
        mixture_evaluate(1.5, Greedy(), schedule)


def test_from_selection_through_drift_to_the_game() -> None:
    world = standard_world(0.05)
    selected = selection_probabilities(world, 40)  # X leads after 40 examples
    drifted = drift_limit(world.learn("X", "Y", rate=0.01, back_rate=0.0025), selected)
    p = misaligned_probability(drifted)
    assert misaligned_probability(selected) < p
    mix = mixture_evaluate(p, Deceptive(), Schedule.fixed(2, 3))
    assert mix.mesa == pytest.approx(3 * p) and mix.harm == pytest.approx(3 * p)


# ---------------------------------------------------------------------- command line


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_cli_select(capsys) -> None:
    code, out, err = run(
        capsys,
        "drift",
        "select",
        "--label-noise",
        "0.05",
        "--examples",
        "10",
        "--examples",
        "1000",
        "--format",
        "json",
    )
    assert code == 0 and err == ""
    rows = json.loads(out)
    assert [(r["examples"], r["concept"]) for r in rows][:3] == [
        (10, "pain"),
        (10, "X"),
        (10, "Y"),
    ]
    last = {r["concept"]: r for r in rows if r["examples"] == 1000}
    assert last["Y"]["probability"] == 1.0
    assert last["Y"]["n_star_vs_X"] == pytest.approx(10 * math.log(2) / (0.05 * LOGIT_09))
    assert last["X"]["n_star_vs_X"] is None
    code, out, _ = run(capsys, "drift", "select", "--proxy", "dna:2:0.5", "--examples", "0")
    assert code == 0 and "| dna " in out and "pain" not in out


def test_cli_crossover(capsys) -> None:
    code, out, _ = run(
        capsys,
        "drift",
        "crossover",
        "--label-noise",
        "0.05",
        "--gap",
        "10",
        "--gap",
        "20",
        "--format",
        "csv",
    )
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "label_noise,complexity_gap,beta,fidelity,n_star"
    assert lines[1].startswith("0.05,10,1,0.9,63.09297")
    code, out, _ = run(capsys, "drift", "crossover")
    assert code == 0 and len(out.splitlines()) == 2 + 20


def test_cli_trajectory(capsys) -> None:
    code, out, err = run(
        capsys,
        "drift",
        "trajectory",
        "--rate",
        "0.01",
        "--back-rate",
        "0.0025",
        "--learn-at",
        "100",
        "--steps",
        "1000",
        "--format",
        "json",
    )
    assert code == 0 and err == ""
    rows = {r["concept"]: r for r in json.loads(out)}
    assert rows["Y"]["overtakes_X_at"] == 178 and rows["X"]["overtakes_X_at"] == "-"
    assert rows["pain"]["overtakes_X_at"] == "unreachable"
    assert rows["Y"]["limit"] == pytest.approx(0.8) and rows["X"]["initial"] == 1.0
    code, out, _ = run(capsys, "drift", "trajectory", "--rate", "0.01", "--learn-at", "100")
    assert code == 0 and "| Y       |" in out and "never" in out
    code, out, _ = run(
        capsys,
        "drift",
        "trajectory",
        "--steps",
        "300",
        "--curve",
        "--every",
        "100",
        "--learn-at",
        "100",
        "--edge",
        "Y:pain:200:0.05",
        "--goal",
        "X=3",
        "--goal",
        "Y=1",
        "--format",
        "csv",
    )
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "step,pain,X,Y,misaligned" and lines[1] == "0,0,3,1,0.25"
    assert [line.split(",")[0] for line in lines[1:]] == ["0", "100", "200", "300"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["drift", "select", "--label-noise", "1.5"], "label_noise must be a number in [0, 1]"),
        (["drift", "select", "--proxy", "pain:-1:0.8"], "complexity_bits of 'pain'"),
        (["drift", "select", "--proxy", "pain:5"], "--proxy must have 3 fields"),
        (["drift", "select", "--proxy", "pain:five:0.8"], "'five' is not a number"),
        (["drift", "select", "--fidelity", "0.3"], "fidelity must be a number in (0.5, 1)"),
        (["drift", "crossover", "--gap", "-1"], "complexity_gap must be a number"),
        (["drift", "trajectory", "--goal", "Z"], "goal concept must be one of"),
        (["drift", "trajectory", "--rate", "1.5"], "rate must be a number in (0, 1)"),
        (["drift", "trajectory", "--edge", "X:Q:0:0.1"], "edge target must be one of"),
        (["drift", "trajectory", "--rate", "0.6", "--edge", "X:pain:0:0.5"], "below 1"),
        (["drift", "trajectory", "--steps", "-3"], "steps must be an integer >= 0"),
        (["drift"], "required"),
    ],
)
def test_cli_errors_are_one_line_with_exit_code_2(capsys, argv, message) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert err.startswith("deception-sim: error: ") and err.count("\n") == 1
    assert message in err


# ------------------------------------------------------------------------- analysis


def test_the_analysis_is_byte_for_byte_reproducible(tmp_path) -> None:
    from deception_sim.analyses import goal_drift as module

    digests = []
    for name in ("first", "second"):
        out = tmp_path / name
        out.mkdir()
        written, summary = module.main(out)
        assert [p.name for p in written] == [
            "goal_drift.md",
            "goal_drift.csv",
            "goal_drift.tex",
            "goal_drift_data.csv",
            "goal_drift_trajectories.png",
            "goal_drift_trajectories.pdf",
        ]
        digests.append([hashlib.sha256(p.read_bytes()).hexdigest() for p in written])
    assert digests[0] == digests[1]
    assert "Y overtakes X at step 178" in summary
    table = pd.read_csv(tmp_path / "first" / "goal_drift_data.csv")
    row = table[(table.label_noise == 0.05) & (table.complexity_gap == 10) & (table.beta == 1)]
    assert row["n_star"].iloc[0] == pytest.approx(10 * math.log(2) / (0.05 * LOGIT_09))
    markdown = (tmp_path / "first" / "goal_drift.md").read_text()
    assert "| label noise e | gap 1 bit | gap 10 bits |" in markdown
