"""The known-phase solver's backward induction: one sweep over the states, and the plain loop.

:func:`sweep` is what :func:`deception_sim.solvers.known_phase.induction`
runs; :func:`backward_loop` is the same backward induction one episode at
a time, the tests' reference. Both take the solver's model of the problem
(``known_phase._Model``: per state and kind of episode, what each action
does) and return the policy and the values of every state.

The phase and the level only move forward, so with the states ordered by
level (later first) and phase (deployment first), every move of a state
goes to itself or to a state already solved: one sweep over the states is
exact. Within a state the values obey one backward recurrence with a
choice per episode: the sweep guesses that the choice made at a window's
end holds over the whole window, solves the window in a few vectorized
passes (:func:`deception_sim.exact.scan.affine_scan`), checks every
episode's choice against the values after it, and keeps everything from
the window's end back to the latest wrong guess (which is exact); windows
grow while the choice holds, and where it switches often the sweep steps
one episode at a time.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from typing import Any

import numpy as np

from ..exact.scan import affine_scan, compact

TRAIN, DEPLOY = 0, 1
TIE = 1e-12
"""Relative margin by which defecting must beat complying to be chosen."""


class _Values:
    """Mesa and base values ``V[t]`` (t = 0..N) of every state under a policy."""

    def __init__(self, model: Any) -> None:
        self.model = model
        levels = len(model.levels)
        self.mesa = np.zeros((2, levels, model.n + 1))
        self.base = np.zeros((2, levels, model.n + 1))

    def of(self, target: tuple[int, int]) -> tuple[np.ndarray | float, np.ndarray]:
        """Values at t = 1..N (i.e. next episode) of a move's target."""
        model = self.model
        phase, level = target
        if level < 0:
            return 0.0, model.comply_value[1:]
        return self.mesa[phase, level, 1:], self.base[phase, level, 1:]


def _prefers_defect(weight: float, defect, comply) -> np.ndarray:
    """Where a self of mesa weight ``weight`` strictly prefers the defection's values."""
    if weight == 1.0:  # the original agent: the mesa objective alone
        utility_defect, utility_comply = defect[0], comply[0]
    else:
        utility_defect = weight * defect[0] + (1.0 - weight) * defect[1]
        utility_comply = weight * comply[0] + (1.0 - weight) * comply[1]
    if isinstance(utility_comply, np.ndarray):  # the same, in place (a window of episodes)
        margin = np.abs(utility_comply)
        np.maximum(margin, 1.0, out=margin)
        margin *= TIE
        margin += utility_comply
        return utility_defect > margin
    scale = np.maximum(1.0, np.abs(utility_comply))
    return utility_defect > utility_comply + TIE * scale


def _mixed(weights: tuple[float, ...], items: list) -> np.ndarray | float:
    """``sum_j weights[j] * items[j]`` over the kinds (the item itself for one kind)."""
    total = None
    for weight, item in zip(weights, items, strict=True):
        if weight == 0.0:
            continue
        term = item if weight == 1.0 else weight * item
        total = term if total is None else total + term
    return 0.0 if total is None else total


START_WIDTH = 1024
"""Episodes in the first window of a state's backward sweep (it doubles while the choice
holds)."""

SHORT_RUN = 8
"""After :data:`SHORT_RUNS` windows in a row whose choice held for fewer episodes than
this, the next :data:`STEPS` episodes are stepped one at a time (a policy that switches
often costs what the plain loop costs)."""

SHORT_RUNS = 3

STEPS = 64

MAX_WIDTH = 1 << 15
"""Most episodes in one window: a window's arrays stay in the processor's cache."""


def _window(x, lo: int, hi: int):
    return x[lo:hi] if isinstance(x, np.ndarray) else x


def _plus(total, term):
    """``total + term`` for numbers or arrays (a number 0 adds nothing)."""
    if not isinstance(term, np.ndarray) and term == 0.0:
        return total
    if not isinstance(total, np.ndarray) and total == 0.0:
        return term
    return total + term


def _coefficients(model: Any, values: _Values, state: tuple[int, int], pairs, lo: int, hi: int):
    """For episodes ``lo..hi-1`` of ``state``, per kind and action ``(comply, defect)``:
    ``(mesa_in, mesa_stay, base_in, base_stay)`` (numbers or arrays over the window) such
    that the action's values are ``mesa_in + mesa_stay * M[t + 1]`` (and the same for
    base), with ``M`` the state's own values and everything else (the states it moves to,
    already solved) in ``*_in``."""
    rho = model.rho
    out = []
    # rho times a move's probability over the window: one number where it is constant there
    # (most are; the product with the next values is then one pass), made once per array.
    scaled: dict[int, tuple[Any, Any]] = {}

    def times_rho(p: Any) -> Any:
        if not isinstance(p, np.ndarray):
            return rho * p
        if id(p) not in scaled:
            scaled[id(p)] = (p, rho * compact(p[lo:hi]))
        return scaled[id(p)][1]

    for comply, defect in pairs:
        per_action = []
        for action in (comply, defect):
            mesa_in = _window(action.mesa, lo, hi)
            base_in = _window(action.base, lo, hi)
            mesa_stay = base_stay = 0.0
            for target, (p_all, p_on) in action.moves.items():
                all_moved, on_moved = times_rho(p_all), times_rho(p_on)
                if target == state:
                    mesa_stay, base_stay = on_moved, all_moved
                    continue
                next_mesa, next_base = values.of(target)
                if isinstance(next_mesa, np.ndarray):
                    mesa_in = _plus(mesa_in, on_moved * next_mesa[lo:hi])
                base_in = _plus(base_in, all_moved * next_base[lo:hi])
            per_action.append((mesa_in, mesa_stay, base_in, base_stay))
        out.append(per_action)
    return out


def _backward(stay, inflow, end: float, length: int, out: np.ndarray) -> None:
    """``x[t] = stay[t] * x[t + 1] + inflow[t]`` over a window, from ``x`` after it, into
    ``out`` (the window)."""
    # A factor that is constant over the window (most are) is one number: a faster scan.
    alpha = compact(stay) if isinstance(stay, np.ndarray) else stay
    if isinstance(alpha, np.ndarray):
        alpha = alpha[::-1]
    elif not isinstance(inflow, np.ndarray) and 0.0 <= alpha <= 1.0:
        # Both constant: x[k] = a**(k+1) * end + b * (1 + a + ... + a**k), in closed form
        # (no scan at all; the sums come from expm1, so no digits are lost near a = 1).
        powers, sums = _geometric(float(alpha), length)
        back = out[::-1]
        np.multiply(sums, float(inflow), out=back)
        if end != 0.0:
            back += end * powers
        return
    elif 0.0 < alpha < 1.0 and isinstance(inflow, np.ndarray):
        block = _block(float(alpha))
        if block >= min(length, MIN_BLOCK):
            # x[k] = a**(k+1) * (end + sum_{i <= k} b[i] / a**(i+1)), k counted back from
            # the window's end: a cumulative sum, in place, in blocks over which the powers
            # stay above 1/2 (so nothing is magnified), each from the last one's end.
            back, beta_back = out[::-1], inflow[::-1]
            start, x = 0, float(end)
            while start < length:
                stop = min(start + block, length)
                powers, inverse = _powers(float(alpha), stop - start)
                part = back[start:stop]
                np.multiply(beta_back[start:stop], inverse, out=part)
                part[0] += x  # the value carried in, summed with the rest
                np.cumsum(part, out=part)
                part *= powers
                x, start = float(part[-1]), stop
            return
    beta = inflow[::-1] if isinstance(inflow, np.ndarray) else np.full(length, float(inflow))
    if np.ndim(alpha) == 0 and alpha != 1.0 and length and beta[-1] != 0.0:
        # Inflow to the window's start: one linear filter, no decaying tail to cut short
        # (which is what affine_scan adds).
        from scipy.signal import lfilter

        filtered, _ = lfilter([1.0], [1.0, -float(alpha)], beta, zi=[alpha * end])
        out[:] = filtered[::-1]
    else:
        out[:] = affine_scan(alpha, beta, end)[:0:-1]


_POWERS: dict[float, tuple[np.ndarray, np.ndarray]] = {}

MIN_BLOCK = 512
"""Fewest episodes per block of the cumulative-sum scan (a factor that halves the values
faster than this goes to a linear filter)."""


def _block(alpha: float) -> int:
    """Most episodes over which ``alpha ** k`` stays at or above 1/2 (``0 < alpha < 1``).

    >>> _block(0.5), _block(0.9999)
    (1, 6931)
    """
    return max(1, int(math.log(0.5) / math.log(alpha)))


def _powers(alpha: float, length: int) -> tuple[np.ndarray, np.ndarray]:
    """``alpha ** (1..length)`` and their inverses (a product is cheaper than a
    quotient), made once per factor, for lengths within one block (the powers stay
    at or above 1/2, so the inverses stay at or below 2)."""
    made = _POWERS.get(alpha)
    if made is None or made[0].shape[0] < length:
        size = max(length, min(MAX_WIDTH, _block(alpha)))
        powers = np.power(alpha, np.arange(1.0, size + 1.0))
        made = (powers, 1.0 / powers)
        if len(_POWERS) >= 8:
            _POWERS.clear()
        _POWERS[alpha] = made
    return made[0][:length], made[1][:length]


def geometric_sums(alpha: float, counts: np.ndarray) -> np.ndarray:
    """``1 + alpha + ... + alpha ** (m - 1)`` for each ``m`` in ``counts`` (a float array,
    overwritten), ``0 < alpha <= 1``. In closed form, ``expm1`` keeping the digits of
    ``1 - alpha ** m`` when it is small (``alpha`` near 1).

    >>> geometric_sums(0.5, np.array([0.0, 1.0, 3.0])).tolist()
    [0.0, 1.0, 1.75]
    """
    if alpha == 1.0:
        return counts
    log_alpha = math.log(alpha)
    counts *= log_alpha
    np.expm1(counts, out=counts)
    counts *= 1.0 / math.expm1(log_alpha)
    return counts


_GEOMETRIC: dict[float, tuple[np.ndarray, np.ndarray]] = {}


def _geometric(alpha: float, length: int) -> tuple[np.ndarray, np.ndarray]:
    """``alpha ** (k + 1)`` and ``1 + alpha + ... + alpha ** k`` for ``k < length``
    (``0 <= alpha <= 1``), made once per factor.

    >>> [a.tolist() for a in _geometric(0.5, 3)]
    [[0.5, 0.25, 0.125], [1.0, 1.5, 1.75]]
    """
    made = _GEOMETRIC.get(alpha)
    if made is None or made[0].shape[0] < length:
        steps = np.arange(1.0, max(length, MAX_WIDTH) + 1.0)
        if alpha == 1.0:
            made = (np.ones_like(steps), steps)
        elif alpha == 0.0:
            made = (np.zeros_like(steps), np.ones_like(steps))
        else:
            made = (np.power(alpha, steps), geometric_sums(alpha, steps))
        if len(_GEOMETRIC) >= 8:
            _GEOMETRIC.clear()
        _GEOMETRIC[alpha] = made
    return made[0][:length], made[1][:length]


def _solve_state(
    model: Any, values: _Values, policy: np.ndarray, actions, phase: int, level: int
) -> Generator[int, int, int]:
    """Solve one state's values and choices, backward from the horizon, a window at a time.

    Where the states it moves to have been solved, the state is one backward
    recurrence in its own values with a choice per episode (and kind). The
    sweep guesses that the choice made at the window's end holds over the
    whole window, solves the window in a few vectorized passes
    (:func:`~deception_sim.exact.scan.affine_scan`), and checks every
    episode's choice against the values after it: from the end back to the
    latest episode where the guess was wrong, the values and choices are
    exact, and the sweep goes on from there.

    A generator: it yields the first episode solved so far, and is sent the
    first episode it may go down to (where the states it moves to are solved
    from the next on); it returns the windows solved.
    """
    n = model.n
    weight = float(model.levels.weight[level])
    weights = model.kind_weights[phase]
    pairs = actions[phase, level]
    mesa, base = values.mesa[phase, level], values.base[phase, level]
    chosen = policy[phase, level]
    deciding = [w > 0.0 for w in weights]  # the kinds whose choice moves the values
    pos, width, windows, stepping, short = n, START_WIDTH, 0, 0, 0
    limit = yield pos
    while pos > 0:
        if pos <= limit:  # the states it moves to are not solved that far yet
            limit = yield pos
            continue
        if stepping:
            lo = max(limit, pos - stepping)
            coefficients = _coefficients(model, values, (phase, level), pairs, lo, pos)
            for t in range(pos - 1, lo - 1, -1):
                _step(coefficients, t - lo, t, weight, weights, mesa, base, chosen)
            pos, stepping = lo, 0
            limit = yield pos
            continue
        lo = max(limit, pos - width)
        windows += 1
        coefficients = _coefficients(model, values, (phase, level), pairs, lo, pos)
        guess = _choices(coefficients, -1, weight, mesa[pos], base[pos])
        # The guessed actions' coefficients, mixed over the kinds; the window's values
        # are written in place (those before the latest wrong guess are solved again).
        picked = [d if act else c for (c, d), act in zip(coefficients, guess, strict=True)]
        for part, values_of_part in ((0, mesa), (2, base)):
            _backward(
                _mixed(weights, [p[part + 1] for p in picked]),
                _mixed(weights, [p[part] for p in picked]),
                float(values_of_part[pos]),
                pos - lo,
                values_of_part[lo:pos],
            )
        after = (mesa[lo + 1 : pos + 1], base[lo + 1 : pos + 1])
        if len(coefficients) == 1:
            # One kind: the guessed action's values are the window's own; only the other
            # action's are computed.
            actual = [
                _against(coefficients[0], guess[0], weight, after, (mesa[lo:pos], base[lo:pos]))
            ]
        else:
            actual = _choices(coefficients, slice(None), weight, *after)
        wrong = None
        for act, decides, assumed in zip(actual, deciding, guess, strict=True):
            # (The usual case, a guess that held throughout, is told in one pass.)
            if decides and not (act.all() if assumed else not act.any()):
                miss = act if not assumed else ~act
                wrong = miss if wrong is None else wrong | miss
        bad = np.flatnonzero(wrong) if wrong is not None else np.zeros(0, dtype=np.int64)
        start = int(bad[-1]) + 1 if bad.size else 0  # exact from here to the window's end
        for j, act in enumerate(actual):
            chosen[lo + start : pos, j] = act[start:]
        run = pos - lo - start
        pos = lo + start
        short = short + 1 if bad.size and run < SHORT_RUN else 0
        if short >= SHORT_RUNS:
            stepping, short = STEPS, 0
        if bad.size:
            width = max(START_WIDTH, run)
        else:
            width = min(2 * width, MAX_WIDTH)
        limit = yield pos
    return windows


def _choices(coefficients, at, weight: float, next_mesa, next_base) -> list:
    """Per kind, whether the self defects at ``at`` (an index or a slice of the window),
    given the state's values after each episode there."""
    out = []
    for comply, defect in coefficients:
        q = []
        for mesa_in, mesa_stay, base_in, base_stay in (comply, defect):
            mesa = _plus(_at(mesa_in, at), _at(mesa_stay, at) * next_mesa)
            base = 0.0 if weight == 1.0 else _plus(_at(base_in, at), _at(base_stay, at) * next_base)
            q.append((mesa, base))
        out.append(_prefers_defect(weight, q[1], q[0]))
    return out


def _against(pair, guessed: bool, weight: float, after, now) -> np.ndarray:
    """Where the self defects, given the guessed action's values ``now`` (the state's
    values under the guess) and the values ``after`` each episode of the window."""
    mesa_in, mesa_stay, base_in, base_stay = pair[0 if guessed else 1]
    other_mesa = _plus(mesa_in, _times(mesa_stay, after[0]))
    other_base = 0.0 if weight == 1.0 else _plus(base_in, _times(base_stay, after[1]))
    other = (other_mesa, other_base)
    return _prefers_defect(weight, now, other) if guessed else _prefers_defect(weight, other, now)


def _times(factor: Any, values: np.ndarray) -> Any:
    """``factor * values`` (nothing for the number 0)."""
    if not isinstance(factor, np.ndarray) and factor == 0.0:
        return 0.0
    return factor * values


def _at(x, at):
    return x[at] if isinstance(x, np.ndarray) else x


def _step(coefficients, i: int, t: int, weight: float, weights, mesa, base, chosen) -> None:
    """One episode ``t`` (index ``i`` in the window) of the plain backward induction."""
    after_mesa, after_base = float(mesa[t + 1]), float(base[t + 1])
    chosen_mesa, chosen_base = [], []
    for j, (comply, defect) in enumerate(coefficients):
        q = []
        for mesa_in, mesa_stay, base_in, base_stay in (comply, defect):
            q.append(
                (
                    float(_at(mesa_in, i)) + float(_at(mesa_stay, i)) * after_mesa,
                    float(_at(base_in, i)) + float(_at(base_stay, i)) * after_base,
                )
            )
        act = bool(_prefers_defect(weight, q[1], q[0]))
        chosen[t, j] = act
        chosen_mesa.append(q[act][0])
        chosen_base.append(q[act][1])
    mesa[t] = _mixed(weights, chosen_mesa)
    base[t] = _mixed(weights, chosen_base)


def sweep(model: Any) -> tuple[np.ndarray, _Values, int]:
    """The backward-induction policy and values of every state, one state at a time.

    States in the order where every move goes to a state already solved:
    later levels first, and at each level deployment before training (the
    phase and the level only move forward). Returns the policy
    ``[phase, level, t, kind]``, the values and the windows solved.
    """
    values = _Values(model)
    # Laid out as the decision table [level, t, cue = phase seen, kind]; the policy is a view.
    table = np.zeros((len(model.levels), model.n, 2, len(model.kinds)))
    policy = np.moveaxis(table, 2, 0)
    actions = model.actions()
    order = [(phase, level) for level in reversed(range(len(model.levels))) for phase in (1, 0)]
    # Every state goes one window at a time, as far as the states it moves to allow, in
    # the order above: a window of a state reads the windows just solved of the states it
    # moves to (while they are in the processor's cache), and none waits for another.
    targets = {
        state: {
            target
            for pair in actions[state]
            for action in pair
            for target in action.moves
            if target != state and target[1] >= 0
        }
        for state in order
    }
    sweeps = {state: _solve_state(model, values, policy, actions, *state) for state in order}
    solved = {state: next(sweeps[state]) for state in order}  # from this episode on
    windows = 0
    while any(solved.values()):
        for state in order:
            if solved[state]:
                limit = max([solved[target] - 1 for target in targets[state]] + [0])
                solved[state] = sweeps[state].send(limit)
    for state in order:  # each returns the windows it solved
        try:
            sweeps[state].send(0)
        except StopIteration as done:
            windows += done.value
    return policy, values, windows


def backward_loop(model: Any) -> tuple[np.ndarray, _Values]:
    """Plain backward induction, one episode at a time (exact; the reference).

    The policy has a kind axis (of length 1 without kinds).
    """
    values = _Values(model)
    policy = np.zeros((2, len(model.levels), model.n, len(model.kinds)), dtype=bool)
    actions = model.actions()

    def at(x, t: int) -> float:
        return float(x[t]) if np.ndim(x) else float(x)

    for t in reversed(range(model.n)):
        for level in reversed(range(len(model.levels))):
            weight = float(model.levels.weight[level])
            for phase in (DEPLOY, TRAIN):
                chosen_mesa, chosen_base = [], []
                for j, pair in enumerate(actions[phase, level]):
                    q = []
                    for action in pair:
                        mesa, base = at(action.mesa, t), at(action.base, t)
                        for target, (p_all, p_on) in action.moves.items():
                            next_mesa, next_base = values.of(target)
                            mesa += model.rho * at(p_on, t) * at(next_mesa, t)
                            base += model.rho * at(p_all, t) * at(next_base, t)
                        q.append((np.array([mesa]), np.array([base])))
                    act = bool(_prefers_defect(weight, q[1], q[0])[0])
                    policy[phase, level, t, j] = act
                    chosen_mesa.append(q[act][0][0])
                    chosen_base.append(q[act][1][0])
                values.mesa[phase, level, t] = _mixed(model.kind_weights[phase], chosen_mesa)
                values.base[phase, level, t] = _mixed(model.kind_weights[phase], chosen_base)
    return policy, values
