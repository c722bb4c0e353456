"""The clock agent's problem as an extensive-form game, solved by Gambit (an independent oracle).

Written from docs/explanation/model.md only, for models where only the
original agent decides (``rate = 1``, ``drift = 0``): chance draws the
boundary, then in every episode whether a deployment episode is overseen
and the cue; the agent chooses ``A`` or ``B`` at an *information set* made
of what it has seen (its cues and its own choices; while it decides, it has
never been updated, since an update leaves a self that complies for ever);
chance then draws detection (overseen defection) or success (unoverseen
defection). The agent never sees a success, so the branches after it share
the agent's information sets. Continuation is folded into the discount
(the run reaches episode ``t`` with probability ``c ** (t - 1)``,
independently of everything else, so each episode's value is weighted by
``(discount * c) ** (t - 1)``).

A second player with no moves takes the negative payoff, so the game is
two-player zero-sum and :func:`pygambit.nash.lp_solve` (the sequence-form
linear program, on the extensive form) returns the agent's optimal value.
"""

from __future__ import annotations

from fractions import Fraction


def gambit_value(schedule, update, payoffs) -> float:
    """The agent's optimal expected mesa utility, by Gambit's sequence-form LP."""
    import pygambit as gbt  # the test extra; imported here so that collection never needs it

    if update.rate != 1.0 or update.drift != 0.0:
        raise ValueError("the Gambit oracle is for a single deciding self (rate=1, drift=0)")
    n = schedule.horizon
    q = schedule.cue_accuracy
    h = [float(x) for x in schedule.honeypots()]
    rho = payoffs.discount * schedule.continue_prob
    d, s = update.detect, payoffs.success
    count = payoffs.utility == "count"
    game = gbt.Game.new_tree(players=["agent", "nature's opponent"], title="clock agent")
    agent = game.players["agent"]
    infosets: dict[tuple, object] = {}

    def chance(node, probabilities: list[float]) -> None:
        game.append_move(node, game.players.chance, [str(i) for i in range(len(probabilities))])
        # Exact rationals that sum to one (the last takes the float rounding).
        exact = [Fraction(p) for p in probabilities[:-1]]
        game.set_chance_probs(node.infoset, [*exact, 1 - sum(exact)])

    outcomes: dict[float, object] = {}

    def leaf(node, mesa: float) -> None:
        if mesa not in outcomes:
            outcomes[mesa] = game.add_outcome(f"mesa {len(outcomes)}", [mesa, -mesa])
        game.set_outcome(node, outcomes[mesa])

    def episode(node, t: int, train: int, seen: tuple, mesa: float, met: bool) -> None:
        """Build episode ``t`` (0-based) below ``node``: boundary ``train``, history ``seen``."""
        if t == n:
            leaf(node, mesa)
            return
        phase = 0 if t < train else 1
        overseen = [(1.0, True)] if phase == 0 else [(1 - h[t], False), (h[t], True)]
        overseen = [(p, o) for p, o in overseen if p > 0]
        if len(overseen) > 1:
            chance(node, [p for p, _ in overseen])
            below = list(node.children)
        else:
            below = [node]
        for child, (_, watched) in zip(below, overseen, strict=True):
            cue(child, t, train, phase, watched, seen, mesa, met)

    def cue(node, t, train, phase, watched, seen, mesa, met) -> None:
        right = [q, 1 - q] if phase == 0 else [1 - q, q]  # P(cue 0), P(cue 1)
        cues = [(p, c) for c, p in enumerate(right) if p > 0]
        if len(cues) > 1:
            chance(node, [p for p, _ in cues])
            below = list(node.children)
        else:
            below = [node]
        for child, (_, c) in zip(below, cues, strict=True):
            key = (t, (*seen, c))
            if key in infosets:
                game.append_infoset(child, infosets[key])
            else:
                game.append_move(child, agent, ["B", "A"])
                infosets[key] = child.infoset
            comply, defect = child.children
            weight = rho**t
            episode(comply, t + 1, train, (*seen, c, 0), mesa, met)
            outcome(defect, t, train, watched, (*seen, c, 1), mesa, met, weight)

    def outcome(node, t, train, watched, seen, mesa, met, weight) -> None:
        if watched:
            gain = weight * payoffs.v_overseen if count else 0.0
            branches = [(d, "updated"), (1 - d, "missed")]
        else:
            branches = [(s, "succeeded"), (1 - s, "failed")]
            gain = 0.0
        branches = [(p, name) for p, name in branches if p > 0]
        if len(branches) > 1:
            chance(node, [p for p, _ in branches])
            below = list(node.children)
        else:
            below = [node]
        for child, (_, name) in zip(below, branches, strict=True):
            value, goal = mesa + gain, met
            if name == "succeeded":
                if count:
                    value += weight * payoffs.v_deploy
                elif not met:
                    value, goal = value + weight, True
            if name == "updated":
                leaf(child, value)  # the self that is left complies for ever
            else:
                episode(child, t + 1, train, seen, value, goal)

    pmf = [float(p) for p in schedule.train_pmf]
    boundaries = [(p, k) for k, p in enumerate(pmf) if p > 0]
    root = game.root
    if len(boundaries) > 1:
        chance(root, [p for p, _ in boundaries])
        tops = list(root.children)
    else:
        tops = [root]
    for top, (_, train) in zip(tops, boundaries, strict=True):
        episode(top, 0, train, (), 0.0, False)
    if not infosets:
        return 0.0
    result = gbt.nash.lp_solve(game, rational=False)
    return float(result.equilibria[0].payoff(agent))
