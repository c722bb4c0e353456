"""Policies (SPEC 3.4): how an agent chooses ``A`` (defect) or ``B`` (comply)."""

from .builtin import (
    BUILT_IN,
    Aligned,
    Bayesian,
    Deceptive,
    Greedy,
    Memoryless,
    Plan,
    Strategy,
    Threshold,
    parse_strategy,
)
from .controller import Controller, table_controller

__all__ = [
    "BUILT_IN",
    "Aligned",
    "Bayesian",
    "Controller",
    "Deceptive",
    "Greedy",
    "Memoryless",
    "Plan",
    "Strategy",
    "Threshold",
    "parse_strategy",
    "table_controller",
]
