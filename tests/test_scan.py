"""The linear-recurrence kernel against the sequential loop, at the edges of floating point."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from deception_sim.exact.scan import affine_scan


def loop(alpha, beta, x0: float) -> np.ndarray:
    x = [x0]
    for t in range(len(alpha)):
        x.append(alpha[t] * x[-1] + (0.0 if beta is None else beta[t]))
    return np.array(x)


KINDS = ("uniform", "near one", "zeros", "tiny", "mixed", "sparse zeros")


def factors(kind: str, n: int, rng: np.random.Generator) -> np.ndarray:
    if kind == "uniform":
        return rng.random(n)
    if kind == "near one":
        return 1.0 - rng.random(n) * 1e-3
    if kind == "zeros":
        return np.zeros(n)
    if kind == "tiny":
        return 10.0 ** (-rng.random(n) * 20)
    if kind == "mixed":
        return np.where(rng.random(n) < 0.5, 0.0, 1.0 - 1e-3 * rng.random(n))
    alpha = rng.random(n) ** 0.01
    alpha[rng.random(n) < 0.01] = 0.0
    return alpha


@given(
    st.sampled_from(KINDS),
    st.integers(1, 5000),
    st.booleans(),
    st.floats(0.0, 1.0),
    st.integers(0, 2**32 - 1),
)
def test_matches_the_sequential_loop(kind, n, with_inflow, x0, seed) -> None:
    rng = np.random.default_rng(seed)
    alpha = factors(kind, n, rng)
    beta = rng.random(n) * (rng.random(n) < 0.5) / n if with_inflow else None
    expected = loop(alpha, beta, x0)
    got = affine_scan(alpha, beta, x0)
    assert got.shape == (n + 1,)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("ratio", [0.0, 1e-20, 0.3, 0.999, 1.0])
def test_constant_factor(ratio: float) -> None:
    got = affine_scan(ratio, None, 0.5, n=2000)
    # Factors below NEGLIGIBLE and products below SAFE are zero: absolute error < 1e-17.
    np.testing.assert_allclose(got, loop(np.full(2000, ratio), None, 0.5), rtol=1e-12, atol=1e-17)
    beta = np.linspace(0, 1e-3, 2000)
    np.testing.assert_allclose(
        affine_scan(ratio, beta, 0.5), loop(np.full(2000, ratio), beta, 0.5), rtol=1e-12, atol=1e-15
    )


def test_products_far_below_the_smallest_double() -> None:
    # 0.5 ** 200_000 is 1e-60206: far below any double, yet x must stay exact.
    n = 200_000
    alpha = np.full(n, 0.5)
    beta = np.zeros(n)
    beta[-1] = 1.0
    beta[n // 2] = 0.25
    x = affine_scan(alpha, beta, 1.0)
    assert x[-1] == 1.0
    assert x[n // 2 + 1] == 0.25
    assert x[n // 2 + 3] == pytest.approx(0.25 / 4, rel=1e-15)


def test_needs_a_length_for_a_constant_without_inflow() -> None:
    with pytest.raises(ValueError, match="n"):
        affine_scan(0.5, None, 1.0)
