"""Exact safety and usefulness: recursions over (tasks left, audits left), over numpy arrays.

Conditional on the deployment going on, the only state a protocol carries is
the number of audits left ``c``; it changes only on honest tasks (an audited
attack stops the deployment; a deferred or failed attack leaves ``c`` as it
was). So for an attacker whose attack probability depends on the task index
only (memoryless: one number; clock: one per task), safety obeys the
backward recursion, with ``V[M, c] = 1`` and task ``t``'s rules
(:class:`~deception_sim.control.rules.Transitions`)::

    honest(c) = ha[c] V[t+1, c-1] + (1 - ha[c]) V[t+1, c]
    attack(c) = aa[c] + (1 - aa[c] - win[c]) V[t+1, c]      win = success * P(used)
    V[t, c]   = (1 - q[t]) honest(c) + q[t] attack(c)

and safety is ``V[0, C]``. Each step is a few numpy operations on an array of
shape ``(R, C + 1)``: vectorized across audits left and across ``R`` attack
policies at once (the candidates of a search). Usefulness needs only honest
runs: a forward pass of the distribution of audits left.

For time-invariant protocols whose rules distinguish only "audits left" from
"none" (``Transitions.shape == (1, K)``, ``K <= 2``: fixed thresholds, random
auditing) :func:`memoryless_win` has a closed form in incomplete beta
functions, ``O(R (M + C))``; it is tested against the recursion.
"""

from __future__ import annotations

import numpy as np
from scipy import special, stats

from .results import ControlResult
from .rules import Transitions, transitions_of


def attack_array(tr: Transitions, attack: object) -> np.ndarray:
    """Attack probabilities as an ``(R, Mq, Kq)`` array (``Mq`` in ``{1, M}``, ``Kq`` in
    ``{1, C + 1}``), validated.

    ``attack`` is one policy: one probability (memoryless), ``M`` probabilities
    (one per task: a clock policy) or an ``M x (C + 1)`` table (one per task and
    audits left: an attacker who sees the budget); or ``R`` policies as a
    three-dimensional ``(R, Mq, Kq)`` array.
    """
    try:
        array = np.array(attack, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(
            "attack must be a probability, per-task probabilities or a (tasks, audits + 1) table"
        ) from None
    tasks, levels = tr.tasks, tr.audits + 1
    if array.ndim == 0:
        array = array.reshape(1, 1, 1)
    elif array.ndim == 1 and array.shape[0] == tasks:
        array = array.reshape(1, tasks, 1)
    elif array.ndim == 2 and array.shape == (tasks, levels):
        array = array[None, :, :]
    elif array.ndim == 3 and array.shape[1] in (1, tasks) and array.shape[2] in (1, levels):
        pass
    else:
        raise ValueError(
            f"attack must be a probability, {tasks} per-task probabilities or a "
            f"({tasks}, {levels}) table, got shape {array.shape}"
        )
    if np.isnan(array).any() or (array < 0).any() or (array > 1).any():
        raise ValueError("attack must hold probabilities in [0, 1]")
    return array


def attacker_win(tr: Transitions, attack: object) -> np.ndarray:
    """P(the attacker wins) for each attack policy in ``attack`` (see :func:`attack_array`).

    Returns one number per policy (``R``). Exact: the backward recursion of
    the module documentation, one step per task over an ``(R, C + 1)`` array.

    >>> from deception_sim.control import UpfrontAuditing
    >>> tr = UpfrontAuditing(tasks=3, audits=1).transitions()
    >>> attacker_win(tr, [0, 1, 1]).tolist()  # wait out the audit
    [1.0]
    >>> attacker_win(tr, [[[0.0]], [[0.5]], [[1.0]]]).tolist()  # three memoryless rates
    [0.0, 0.375, 0.0]
    """
    q = attack_array(tr, attack)
    rows, audits = q.shape[0], tr.audits
    honest_audit = tr.full("honest_audit")
    caught = tr.full("attack_audit")
    going_on = 1.0 - caught - _full(tr, tr.attack_win())
    value = np.ones((rows, audits + 1))
    per_task = q.shape[1] > 1
    last = tr.shape[0] - 1
    # The step is affine: V(c) <- stay(c) V(c) + down(c) V(c - 1) + caught-and-attacked(c).
    # Its coefficients change only when the task's rules or the attack probabilities do.
    key = None
    for t in range(tr.tasks - 1, -1, -1):
        row = min(t, last)
        if key != (row, t if per_task else 0):
            key = (row, t if per_task else 0)
            p = q[:, t] if per_task else q[:, 0]
            h = honest_audit[row]
            stay = (1.0 - p) * (1.0 - h) + p * going_on[row]
            down = ((1.0 - p) * h)[..., 1:]
            gain = p * caught[row]
        after = value
        value = stay * after
        value[:, 1:] += down * after[:, :-1]
        value += gain
    return 1.0 - value[:, audits]


def evaluate_protocol(protocol: object, attack: object = 0.0) -> ControlResult:
    """Exact safety and usefulness of ``protocol`` against one given attack policy.

    ``attack``: an attack rate for every task, a plan (one probability per
    task), or a table of probabilities by task and audits left (shape
    ``(tasks, audits + 1)``).

    >>> from deception_sim.control import UpfrontAuditing
    >>> r = evaluate_protocol(UpfrontAuditing(tasks=5000, audits=100, success=0.53), 0.0013)
    >>> round(r.safety, 6), r.usefulness, r.attacker
    (0.151955, 1.0, 'given')
    """
    tr = transitions_of(protocol)
    policy = attack_array(tr, attack)
    if policy.shape[0] != 1:
        raise ValueError("attack must be one policy")
    win = float(attacker_win(tr, policy)[0])
    shown = np.array(attack, dtype=float) if np.ndim(attack) else float(attack)  # type: ignore[arg-type]
    return ControlResult(
        safety=1.0 - win,
        usefulness=usefulness(tr),
        policy=shown,
        attacker="given",
        method="exact recursion over (tasks left, audits left)",
        protocol=protocol,
    )


def _full(tr: Transitions, table: np.ndarray) -> np.ndarray:
    return table[:, np.minimum(np.arange(tr.audits + 1), tr.shape[1] - 1)]


def honest_levels(tr: Transitions) -> np.ndarray:
    """``P(c audits left at the start of task t)`` on an honest run: shape ``(M + 1, C + 1)``.

    Row ``t`` is the distribution before task ``t`` (row ``M``: at the end).

    >>> from deception_sim.control import RandomAuditing
    >>> honest_levels(RandomAuditing(tasks=2, audits=1, rate=0.5).transitions()).tolist()
    [[0.0, 1.0], [0.5, 0.5], [0.75, 0.25]]
    """
    audit = tr.full("honest_audit")
    levels = np.zeros((tr.tasks + 1, tr.audits + 1))
    levels[0, tr.audits] = 1.0
    last = tr.shape[0] - 1
    for t in range(tr.tasks):
        moved = levels[t] * audit[min(t, last)]
        levels[t + 1] = levels[t] - moved
        levels[t + 1, :-1] += moved[1:]
    return levels


def usefulness(tr: Transitions) -> float:
    """Expected fraction of tasks whose output is the untrusted model's, on honest runs.

    A deferred task counts ``trusted_usefulness``; an audited honest output
    is used (it counts 1).

    >>> from deception_sim.control import Monitor, TrustedMonitoring
    >>> mon = Monitor.from_scores([1, 2, 3, 4], [4])
    >>> usefulness(TrustedMonitoring(monitor=mon, tasks=4, audits=0, audit_fpr=0,
    ...                              defer_fpr=0.25).transitions())
    0.75
    """
    active = honest_active(tr)
    if active is not None:  # two-level, time-invariant: deferral with and without audits
        defer = tr.honest_defer[0]
        per_task = active[:-1] * defer[-1] + (1.0 - active[:-1]) * defer[0]
        deferred = float(per_task.sum())
    else:
        levels = honest_levels(tr)[:-1]
        rows = np.minimum(np.arange(tr.tasks), tr.shape[0] - 1)
        deferred = float(np.einsum("tc,tc->", levels, tr.full("honest_defer")[rows]))
    return 1.0 - (1.0 - tr.trusted_usefulness) * deferred / tr.tasks


def honest_active(tr: Transitions) -> np.ndarray | None:
    """``P(audits remain at the start of task t)`` on honest runs, ``t = 0..M``, in closed form
    for time-invariant two-level protocols (``None`` otherwise).

    Each honest task uses an audit with the same probability ``h`` while any
    remain, so audits remain before task ``t`` when fewer than ``C`` of ``t``
    Bernoulli(``h``) trials succeeded: a binomial distribution function.

    >>> from deception_sim.control import RandomAuditing
    >>> honest_active(RandomAuditing(tasks=2, audits=1, rate=0.5).transitions()).tolist()
    [1.0, 0.5, 0.25]
    """
    if not (tr.time_invariant and tr.shape[1] <= 2):
        return None
    t = np.arange(tr.tasks + 1)
    if tr.audits == 0:
        return np.zeros(t.size)
    return np.asarray(
        stats.binom.cdf(tr.audits - 1, t, float(tr.honest_audit[0, -1])), dtype=np.float64
    )


def memoryless_win(tr: Transitions, rates: object) -> np.ndarray:
    """P(the attacker wins) against a memoryless attacker, for each attack rate.

    Uses a closed form when the protocol's rules depend only on whether audits
    remain and, after a prefix of tasks that are audited whatever their
    scores (upfront auditing), do not change over time (:func:`closed_form`);
    the recursion otherwise.

    >>> from deception_sim.control import RandomAuditing
    >>> tr = RandomAuditing(tasks=4, audits=4, rate=0.5).transitions()
    >>> memoryless_win(tr, [0.0, 1.0]).tolist()  # attack every task: caught half the time
    [0.0, 0.5]
    """
    p = np.atleast_1d(np.asarray(rates, dtype=float))
    if closed_form(tr):
        return _closed_form(tr, p)
    return attacker_win(tr, p[:, None, None])


def closed_form(tr: Transitions) -> bool:
    """Whether :func:`memoryless_win` has a closed form for ``tr``.

    True when the tables have at most two columns (audits left or not) and
    every row but the last audits every output (``honest_audit = attack_audit
    = 1`` with audits left) and there are at least as many audits as such rows.
    """
    rows, columns = tr.shape
    if columns > 2 or (rows > 1 and rows - 1 > tr.audits):
        return False
    prefix = slice(0, rows - 1)
    return bool(
        (tr.honest_audit[prefix, -1] == 1).all() and (tr.attack_audit[prefix, -1] == 1).all()
    )


def _closed_form(tr: Transitions, p: np.ndarray) -> np.ndarray:
    """The memoryless attacker's win probability when :func:`closed_form` holds.

    The first ``n = T - 1`` tasks are audited whatever happens: the attacker
    goes unnoticed through them with probability ``(1 - p)^n``, and each uses
    an audit. After them the rules are the last row's, with ``c = C - n``
    audits and ``m = M - n`` tasks left. There, with audits left, a task uses
    an audit w.p. ``e = (1 - p) h``, stops the deployment safely w.p.
    ``k = p a``, gives the attacker a win w.p. ``o = p w1`` and otherwise
    stays (``d = 1 - e - k - o``); with none, the attacker wins w.p.
    ``o0 = p w0`` and otherwise stays. Then::

        P(win) = o * sum_{j<c} e^j / (1-d)^(j+1) * I_{1-d}(j+1, m-j)
               + sum_{i=c}^{m-1} C(i-1, c-1) e^c d^(i-c) * (1 - (1-o0)^(m-i))

    The first sum is the expected number of tasks met with audits left (``I``
    the regularized incomplete beta function: a truncated negative binomial
    series); the second is the chance of using the last audit on task ``i``
    and then winning in the remaining ``m - i``.
    """
    prefix = tr.shape[0] - 1
    tasks, audits = tr.tasks - prefix, tr.audits - prefix
    if tasks <= 0:
        return np.zeros_like(p)
    through = np.exp(special.xlogy(prefix, 1.0 - p)) if prefix else np.ones_like(p)
    win = tr.attack_win()[-1]
    o0 = p * float(win[0])
    with np.errstate(divide="ignore"):
        stay0 = np.log1p(-np.minimum(o0, 1.0))
    if audits == 0:
        return np.clip(through * -np.expm1(tasks * stay0), 0.0, 1.0)
    h = float(tr.honest_audit[-1, -1])
    a = float(tr.attack_audit[-1, -1])
    e = (1.0 - p) * h
    o = p * float(win[-1])
    leave = e + p * a + o  # 1 - d, without cancellation
    d = 1.0 - leave
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        j = np.arange(audits)[None, :]
        log_terms = (
            special.xlogy(j, e[:, None])
            - (j + 1) * np.log(leave[:, None])
            + np.log(
                special.betainc(
                    j + 1, np.maximum(tasks - j, 1e-300), np.minimum(leave[:, None], 1.0)
                )
            )
        )
        active = np.where(j < tasks, np.exp(log_terms), 0.0).sum(axis=1)
    active = np.where(leave > 0, active, float(tasks))
    total = o * active
    if tasks > audits:
        i = np.arange(audits, tasks)[None, :]
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            log_reach = (
                special.gammaln(i)
                - special.gammaln(audits)
                - special.gammaln(i - audits + 1)
                + special.xlogy(audits, e[:, None])
                + special.xlogy(i - audits, d[:, None])
            )
            after = -np.expm1((tasks - i) * stay0[:, None])
            total = total + np.nan_to_num(np.exp(log_reach) * after).sum(axis=1)
    return np.clip(through * total, 0.0, 1.0)
