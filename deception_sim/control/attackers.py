"""The attacker's best responses: memoryless, clock (knows the task index), informed.

* **memoryless**: one attack probability ``p`` for every task. P(win) is a
  polynomial in ``p`` whose maximum is typically near ``1/M``: a dense
  bracket (log-spaced down to ``1e-3/M``, plus a linear grid), all rates in
  one vectorized evaluation, then bounded Brent refinement (in ``log p``)
  around the best local maxima of the bracket. The value returned is exact
  for the rate returned; that the rate is the global maximizer rests on the
  bracket (tested against much finer grids), not on a certificate.
* **clock**: a per-task plan. Safety is multilinear in the per-task attack
  probabilities, so a deterministic plan is a best response. When the
  protocol is *level-monotone* and *weakening* (every fixed-threshold protocol
  and upfront auditing is), or when every attack ends the deployment
  (:func:`suffix_conditions`), some plan "attack every task from ``tau`` on"
  is optimal (the proof is in
  ``docs/explanation/control.md``): the exact best response is the best of
  ``M + 1`` such plans, ``O(M C)`` in all. Otherwise an exact search over the
  attacker's reachable beliefs (P(alive, audits left)), pruned with exact
  bounds, within ``max_states``; beyond it a ``ValueError``.
* **informed**: knows the task index and the audits left: backward induction
  over (task, audits left). An upper bound on what any clock attacker gets.
"""

from __future__ import annotations

import numpy as np
from scipy import optimize as sciopt
from scipy import special

from .. import _validate
from .recursion import attacker_win, honest_active, honest_levels, memoryless_win, usefulness
from .results import ATTACKERS, ControlResult
from .rules import Transitions, transitions_of

LOG_GRID = 64
LINEAR_GRID = 21
STARTS = 3
LOG_XTOL = 1e-10
MONOTONE_TOLERANCE = 1e-13
DOMINANCE_TOLERANCE = 1e-15
"""Slack of the search's dominance test (near-identical beliefs from different plans)."""
MAX_STATES = 2_000_000
"""Default budget of the exact clock search (beliefs kept, summed over tasks)."""


# ---------------------------------------------------------------------------- memoryless


def rate_grid(tasks: int) -> np.ndarray:
    """The memoryless bracket: 0, log-spaced rates from ``1e-3 / tasks`` to 1, a linear grid.

    >>> grid = rate_grid(100)
    >>> float(grid[0]), round(float(grid[1]), 12), float(grid[-1]), grid.size
    (0.0, 1e-05, 1.0, 84)
    """
    low = np.log10(1e-3 / tasks)
    grid = np.concatenate(
        [[0.0], np.logspace(low, 0.0, LOG_GRID), np.linspace(0.0, 1.0, LINEAR_GRID)]
    )
    return np.unique(grid)


def _local_maxima(values: np.ndarray, count: int) -> list[int]:
    """Indices of the best ``count`` local maxima of a sequence (best first)."""
    padded = np.concatenate([[-np.inf], values, [-np.inf]])
    peaks = np.flatnonzero((values >= padded[:-2]) & (values >= padded[2:]))
    order = peaks[np.argsort(-values[peaks], kind="stable")]
    return [int(i) for i in order[:count]]


def memoryless_response(tr: Transitions, win=None) -> tuple[float, float, str]:
    """``(rate, P(win), method)``: the memoryless attacker's best rate against ``tr``.

    ``win(rates) -> P(win)`` may be given (a mixture of protocols); by default
    :func:`~deception_sim.control.recursion.memoryless_win` of ``tr``.
    """
    if win is None:

        def win(rates: np.ndarray) -> np.ndarray:
            return memoryless_win(tr, rates)

    grid = rate_grid(tr.tasks)
    values = win(grid)
    candidates = [(float(values[i]), float(grid[i])) for i in range(grid.size)]
    for i in _local_maxima(values, STARTS):
        low, high = grid[max(i - 1, 0)], grid[min(i + 1, grid.size - 1)]
        if low > 0:
            found = sciopt.minimize_scalar(
                lambda x: -float(win(np.array([np.exp(x)]))[0]),
                bounds=(np.log(low), np.log(high)),
                method="bounded",
                options={"xatol": LOG_XTOL},
            )
            rate = float(np.exp(found.x))
        else:
            found = sciopt.minimize_scalar(
                lambda x: -float(win(np.array([x]))[0]),
                bounds=(low, high),
                method="bounded",
                options={"xatol": LOG_XTOL * high},
            )
            rate = float(found.x)
        candidates.append((-float(found.fun), min(max(rate, 0.0), 1.0)))
    value, rate = max(candidates, key=lambda c: (c[0], -c[1]))
    path = "closed form" if tr.time_invariant and tr.shape[1] <= 2 else "recursion"
    method = (
        f"dense bracket ({grid.size} rates, log-spaced from 1e-3/M) + bounded Brent "
        f"refinement of the best {STARTS} ({path}); global by the bracket, not certified"
    )
    return rate, value, method


# ---------------------------------------------------------------------------- clock


def _tables(tr: Transitions) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Expanded ``(T, C + 1)`` tables: honest audit, attack caught, attack wins, goes on."""
    columns = np.minimum(np.arange(tr.audits + 1), tr.shape[1] - 1)
    honest = tr.honest_audit[:, columns]
    caught = tr.attack_audit[:, columns]
    win = tr.attack_win()[:, columns]
    return honest, caught, win, 1.0 - caught - win


def level_monotone(protocol: object) -> bool:
    """Whether an attack is never better for the protocol with fewer audits left.

    For every task: P(caught) nondecreasing and P(attack succeeds)
    nonincreasing in the audits left (to ``1e-13``). Then the attacker's win
    probability under any fixed plan is nonincreasing in the audits left.
    """
    _, caught, win, _ = _tables(transitions_of(protocol))
    return bool(
        (np.diff(caught, axis=1) >= -MONOTONE_TOLERANCE).all()
        and (np.diff(win, axis=1) <= MONOTONE_TOLERANCE).all()
    )


def suffix_conditions(protocol: object) -> frozenset[str]:
    """Which sufficient conditions of the suffix theorem ``protocol`` meets.

    ``"weakening"``: the protocol is :func:`level_monotone` and, from each
    task to the next, at every number of audits left, P(an honest output is
    audited) and P(an attack is caught) do not grow and P(an attack succeeds)
    does not fall (time-invariant protocols are weakening). ``"ends"``: every
    attack ends the deployment (caught or successful: no deferral and
    ``success = 1``), so a plan is worth what its first attack is worth.
    """
    tr = transitions_of(protocol)
    honest, caught, win, going_on = _tables(tr)
    met = set()
    if (going_on <= MONOTONE_TOLERANCE).all():
        met.add("ends")
    if (
        level_monotone(tr)
        and (np.diff(honest, axis=0) <= MONOTONE_TOLERANCE).all()
        and (np.diff(caught, axis=0) <= MONOTONE_TOLERANCE).all()
        and (np.diff(win, axis=0) >= -MONOTONE_TOLERANCE).all()
    ):
        met.add("weakening")
    return frozenset(met)


def suffix_optimal(protocol: object) -> bool:
    """Whether the suffix theorem applies: some "attack from task k on" plan is optimal.

    True when the protocol meets one of the sufficient conditions of
    :func:`suffix_conditions` (proved in ``docs/explanation/control.md``).

    >>> from deception_sim.control import Monitor, TrustedMonitoring, UpfrontAuditing
    >>> suffix_optimal(UpfrontAuditing(tasks=100, audits=10))
    True
    >>> mon = Monitor.from_scores([1, 2, 3, 4], [3, 4])
    >>> suffix_optimal(TrustedMonitoring(monitor=mon, tasks=3, audits=1, success=0.5,
    ...                                  audit_fpr=[0.0, 0.25, 0.5]))  # strengthening
    False
    """
    return bool(suffix_conditions(protocol))


def suffix_safety(protocol: object) -> np.ndarray:
    """Safety of every plan "attack each task from task k on", k = 1..M, and never (k = M+1).

    One forward pass (the audits left on honest tasks) and one backward pass
    (always attacking): ``O(M C)``; ``O(M)`` closed forms (binomial and
    geometric) for time-invariant two-level protocols. Entry ``k - 1`` is the plan that attacks
    tasks ``k..M``.

    >>> from deception_sim.control import UpfrontAuditing
    >>> suffix_safety(UpfrontAuditing(tasks=3, audits=1)).tolist()
    [1.0, 0.0, 0.0, 1.0]
    """
    tr = transitions_of(protocol)
    _, caught, _, going_on = _tables(tr)
    active = honest_active(tr)
    if active is not None:  # two levels, one row: closed forms, O(M)
        left = tr.tasks - np.arange(tr.tasks + 1)[:, None]
        # P(safe) in n attacks: caught (1 - g^n) / (1 - g) + g^n, g = P(going on).
        hit = tr.attack_audit[0]  # by "no audits left", "audits left"
        stop = hit + tr.attack_win()[0]
        g = np.clip(1.0 - stop, 0.0, 1.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            power = np.exp(special.xlogy(left, g))
            always = np.where(stop > 0, hit * -np.expm1(special.xlogy(left, g)) / stop, 0.0)
        always = always + power
        return active * always[:, -1] + (1.0 - active) * always[:, 0]
    last = tr.shape[0] - 1
    # P(safe) attacking every task from t: computed as safety, not 1 - P(win), so that
    # tiny safeties keep their digits.
    always = np.ones((tr.tasks + 1, tr.audits + 1))
    for t in range(tr.tasks - 1, -1, -1):
        row = min(t, last)
        always[t] = caught[row] + going_on[row] * always[t + 1]
    return np.einsum("tc,tc->t", honest_levels(tr), always)


def best_start(safeties: np.ndarray) -> int:
    """The 0-based index of the best attack-from-k plan in ``suffix_safety``'s output.

    Ties go to the earliest start; "never" when no plan can lower safety below 1.
    """
    start = int(np.argmin(safeties))
    return safeties.size - 1 if safeties[start] >= 1.0 else start


def plan_from(tasks: int, start: int) -> np.ndarray:
    """The plan attacking tasks ``start..tasks`` (1-based; ``start = tasks + 1``: never)."""
    plan = np.zeros(tasks)
    plan[start - 1 :] = 1.0
    return plan


def informed_response(tr: Transitions) -> tuple[np.ndarray, np.ndarray]:
    """``(values, policy)``: the informed attacker's P(win) from each (task, audits left),
    shape ``(M + 1, C + 1)``, and its policy (attack or not), shape ``(M, C + 1)``.

    Ties go to not attacking.
    """
    honest, _, win, going_on = _tables(tr)
    values = np.zeros((tr.tasks + 1, tr.audits + 1))
    policy = np.zeros((tr.tasks, tr.audits + 1))
    last = tr.shape[0] - 1
    for t in range(tr.tasks - 1, -1, -1):
        row = min(t, last)
        after = values[t + 1]
        wait = after.copy()
        wait[1:] += honest[row, 1:] * (after[:-1] - after[1:])
        attack = win[row] + going_on[row] * after
        policy[t] = attack > wait
        values[t] = np.maximum(wait, attack)
    return values, policy


def clock_search(tr: Transitions, max_states: int = MAX_STATES) -> tuple[float, np.ndarray]:
    """``(P(win), plan)``: the exact clock best response for any protocol, by search.

    Breadth-first over tasks, each partial plan is a state: the vector
    ``b[c] = P(going on with c audits left)`` and the attacker's win
    probability so far. A state is dropped when an exact upper bound on
    anything it can reach (its wins plus ``b`` times the informed attacker's
    values) is below the best plan known (the best suffix plan, then the best
    state), or when another state dominates it for every possible
    continuation (for a level-monotone protocol, whose continuation values
    are nonincreasing in ``c``: by the partial sums of ``b`` from ``c = 0``;
    otherwise entry by entry). Raises ``ValueError`` naming ``max_states``
    when more states than that are kept in total.
    """
    max_states = _validate.integer("max_states", max_states, minimum=1)
    honest, _, win, going_on = _tables(tr)
    bound, _ = informed_response(tr)
    suffix = suffix_safety(tr)
    start = best_start(suffix)
    incumbent = 1.0 - float(suffix[start])
    best = incumbent
    monotone = level_monotone(tr)
    belief = np.zeros((1, tr.audits + 1))
    belief[0, tr.audits] = 1.0
    won = np.zeros(1)
    parents: list[tuple[np.ndarray, np.ndarray]] = []
    kept = 0
    last = tr.shape[0] - 1
    for t in range(tr.tasks):
        row = min(t, last)
        wait = belief * (1.0 - honest[row])
        wait[:, :-1] += belief[:, 1:] * honest[row, 1:]
        count = won.size
        won = np.concatenate([won, won + belief @ win[row]])
        belief = np.vstack([wait, belief * going_on[row]])
        parent = np.tile(np.arange(count), 2)
        action = np.repeat([False, True], count)
        best = max(best, float(won.max()))
        upper = won + belief @ bound[t + 1]
        candidates = np.flatnonzero(upper >= best - 1e-12)
        order = candidates[np.argsort(-upper[candidates], kind="stable")]
        order = order[_undominated(belief[order], won[order], monotone)]
        belief, won = belief[order], won[order]
        parents.append((parent[order], action[order]))
        kept += order.size
        if kept > max_states:
            raise ValueError(
                f"max_states: the exact clock search kept more than {max_states} beliefs "
                f"(at task {t + 1} of {tr.tasks}); raise max_states, or bound the worst case: "
                f"the informed attacker gives safety >= {1.0 - bound[0, tr.audits]:.6g}, the "
                f"best plan found so far safety {1.0 - best:.6g}"
            )
    index = int(np.argmax(won))
    plan = np.zeros(tr.tasks)
    for t in range(tr.tasks - 1, -1, -1):
        parent, action = parents[t]
        plan[t] = float(action[index])
        index = int(parent[index])
    value = float(attacker_win(tr, plan)[0])
    if incumbent > value:  # the suffix plan was pruned as a tie, or rounding
        return incumbent, plan_from(tr.tasks, start + 1)
    return value, plan


def _undominated(belief: np.ndarray, won: np.ndarray, monotone: bool) -> np.ndarray:
    """Indices of states that no earlier kept state dominates (states come best bound first).

    State ``j`` dominates ``i`` when it is at least as good for every
    continuation value vector ``W`` with entries in [0, 1] that may occur:
    ``won_j + b_j . W >= won_i + b_i . W``. When ``monotone`` every ``W`` is
    nonincreasing in ``c``, so it suffices to check the extreme points
    ``1{c <= k}``, ``k = -1..C``: the partial sums of ``b`` from ``c = 0``.
    Otherwise the check is the sufficient ``won_j >= won_i`` and ``b_j >= b_i``
    entry by entry. Comparisons allow ``DOMINANCE_TOLERANCE``: the plan found
    is then optimal to within ``M (C + 2) DOMINANCE_TOLERANCE``.
    """
    if won.size <= 1:
        return np.arange(won.size)
    if monotone:  # extreme points 1{c <= k}, k = -1..C: partial sums from c = 0
        profile = won[:, None] + np.concatenate(
            [np.zeros((won.size, 1)), np.cumsum(belief, axis=1)], axis=1
        )
    else:
        profile = np.concatenate([won[:, None], belief], axis=1)
    window = min(won.size, 256)
    leaders = profile[:window]
    keep = np.ones(won.size, dtype=bool)
    chunk = max(1, 2_000_000 // (window * profile.shape[1]))
    for first in range(0, won.size, chunk):
        block = profile[first : first + chunk]
        dominates = (leaders[None, :, :] >= block[:, None, :] - DOMINANCE_TOLERANCE).all(axis=2)
        for offset in range(block.shape[0]):
            i = first + offset
            earlier = dominates[offset, : min(i, window)]
            if earlier.any() and keep[: min(i, window)][earlier].any():
                keep[i] = False
    return np.flatnonzero(keep)


# ---------------------------------------------------------------------------- the front door


def worst_case(
    protocol: object, attacker: str = "memoryless", *, max_states: int = MAX_STATES
) -> ControlResult:
    """The attacker's best response to ``protocol``, and the protocol's safety against it.

    ``attacker`` is ``"memoryless"`` (one attack rate), ``"clock"`` (one
    decision per task: exact) or ``"informed"`` (by task and audits left:
    exact; an upper bound on any clock attacker). ``max_states`` bounds the
    exact clock search for protocols outside the suffix theorem.

    >>> from scipy import stats
    >>> from deception_sim.control import Monitor, TrustedMonitoring
    >>> mon = Monitor(safe=stats.beta(7.39, 6.86), attack=stats.beta(8.91, 2.82))
    >>> proto = TrustedMonitoring(monitor=mon, tasks=100, audits=2, audit_fpr=0.02,
    ...                           defer_fpr=0.10)
    >>> r = worst_case(proto, attacker="clock")
    >>> round(r.safety, 4), round(r.usefulness, 4), r.attack_from
    (0.3313, 0.9146, 88)
    """
    attacker = _validate.choice("attacker", attacker, ATTACKERS)
    tr = transitions_of(protocol)
    useful = usefulness(tr)
    policy: float | np.ndarray
    if attacker == "memoryless":
        policy, win, method = memoryless_response(tr)
    elif attacker == "informed":
        values, policy = informed_response(tr)
        win = float(values[0, tr.audits])
        method = "backward induction over (task, audits left): exact"
    elif suffix_optimal(tr):
        safeties = suffix_safety(tr)
        start = best_start(safeties)
        policy = plan_from(tr.tasks, start + 1)
        win = 1.0 - float(safeties[start])
        method = f"suffix theorem: best of {tr.tasks + 1} attack-from-k plans, O(M C): exact"
    else:
        win, policy = clock_search(tr, max_states)
        method = "search over reachable beliefs with exact bounds and dominance: exact"
    return ControlResult(
        safety=1.0 - float(win),
        usefulness=useful,
        policy=policy,
        attacker=attacker,
        method=method,
        protocol=protocol,
    )
