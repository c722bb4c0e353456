"""Policies (SPEC 3.4): how an agent chooses ``A`` (defect) or ``B`` (comply).

:mod:`~deception_sim.strategies.base` says what every policy is (and its
closed forms), :mod:`~deception_sim.strategies.builtin` holds the library of
strategies, :mod:`~deception_sim.strategies.parse` reads them from text,
:mod:`~deception_sim.strategies.controller` represents policies with memory
and :mod:`~deception_sim.strategies.optimal` holds a solved policy.
"""

from .base import (
    METADATA_KEYS,
    Actions,
    Form,
    Stationary,
    Strategy,
    Switch,
    checked_table,
    constant_table,
    has_address,
    metadata,
)
from .builtin import BUILT_IN, Aligned, Bayesian, Deceptive, Greedy, Memoryless, Plan, Threshold
from .controller import Controller, table_controller
from .parse import parse_strategy

__all__ = [
    "BUILT_IN",
    "METADATA_KEYS",
    "Actions",
    "Aligned",
    "Bayesian",
    "Controller",
    "Deceptive",
    "Form",
    "Greedy",
    "Memoryless",
    "Plan",
    "Stationary",
    "Strategy",
    "Switch",
    "Threshold",
    "checked_table",
    "constant_table",
    "has_address",
    "metadata",
    "parse_strategy",
    "table_controller",
]
