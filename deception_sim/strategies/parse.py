"""Reading a strategy from text: the short forms of the command line and typed-back reprs."""

from __future__ import annotations

import ast
import math
import re

from .._validate import shown
from .base import Strategy
from .builtin import BUILT_IN, Aligned, Bayesian, Deceptive, Greedy, Memoryless, Plan, Threshold


def parse_strategy(text: str) -> Strategy:
    """Read a strategy from the short form the command line uses.

    ``greedy``, ``aligned``, ``deceptive``, a plan such as ``BBAAA`` or
    ``B,B,A,A,A``, ``threshold:K``, ``memoryless:P`` or
    ``memoryless:P_TRAIN,P_DEPLOY``, ``bayesian`` or ``bayesian:THRESHOLD``; a
    Python expression such as ``Plan('BBA', fill='A')`` is accepted too.

    >>> parse_strategy("memoryless:0.1,0.9")
    Memoryless({'train': 0.1, 'deploy': 0.9})
    >>> parse_strategy("BBAAA")
    Plan('BBAAA')
    """
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"policy must be a strategy name or a plan, got {shown(text)}")
    spec = text.strip()
    name, _, argument = spec.partition(":")
    key = name.strip().lower()
    simple = {"greedy": Greedy, "aligned": Aligned, "deceptive": Deceptive}
    if key in simple and not argument:
        return simple[key]()
    if key == "threshold":
        return Threshold(int(_number("threshold", argument, integer=True)))
    if key == "memoryless":
        parts = argument.split(",")
        if not all(part.strip() for part in parts):
            raise ValueError(
                f"memoryless needs one or two probabilities separated by a comma, got {argument!r}"
            )
        if len(parts) == 1:
            return Memoryless(_number("memoryless", parts[0]))
        if len(parts) == 2:
            on_train, on_deploy = (_number("memoryless", part) for part in parts)
            return Memoryless({"train": on_train, "deploy": on_deploy})
        raise ValueError(f"memoryless needs one or two probabilities, got {argument!r}")
    if key == "bayesian":
        return Bayesian(_number("bayesian", argument)) if argument else Bayesian()
    if "(" in spec:
        return _from_repr(spec)
    if re.fullmatch(r"[ABab,;\s]*", spec):
        return Plan(spec)
    raise ValueError(
        f"policy must be greedy, aligned, deceptive, threshold:K, memoryless:P, "
        f"bayesian[:THRESHOLD] or a plan of A and B, got {text!r}"
    )


def _number(name: str, text: str, *, integer: bool = False) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{name} needs a number after ':', got {text!r}") from None
    if integer:
        if not math.isfinite(value) or not value.is_integer():
            raise ValueError(f"{name} needs a whole number after ':', got {text!r}")
        return int(value)
    return value


def _from_repr(spec: str) -> Strategy:
    # Only a call of a built-in strategy with literal arguments: never arbitrary code.
    namespace = {cls.__name__: cls for cls in BUILT_IN}
    try:
        node = ast.parse(spec, mode="eval").body
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
            raise ValueError("not a call")
        cls = namespace[node.func.id]
        args = [ast.literal_eval(arg) for arg in node.args]
        kwargs = {kw.arg: ast.literal_eval(kw.value) for kw in node.keywords if kw.arg}
    except (SyntaxError, ValueError, KeyError, TypeError):
        raise ValueError(f"policy {spec!r} is not a strategy expression") from None
    try:
        return cls(*args, **kwargs)
    except TypeError as error:
        raise ValueError(f"policy {spec!r}: {error}") from None
