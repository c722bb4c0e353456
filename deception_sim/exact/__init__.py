"""Exact evaluation (SPEC 3.1): expected payoffs by a forward recursion, linear in N.

:func:`evaluate` is the entry point; :class:`Result` what it returns. Inside:
:mod:`~deception_sim.exact.forward` (the recursion over phase and objective
level), :mod:`~deception_sim.exact.scan` (its numerical kernel),
:mod:`~deception_sim.exact.batch` (many decision tables in one vectorized pass,
:func:`evaluate_tables`), :mod:`~deception_sim.exact.scalar` (one policy on a short
horizon, in Python floats),
:mod:`~deception_sim.exact.tree` (policies with memory) and the closed forms
that are fast paths for particular strategy forms.
"""

from .batch import evaluate_tables
from .evaluation import check_model, evaluate
from .forward import defect_probabilities
from .result import Result

__all__ = [
    "Result",
    "check_model",
    "defect_probabilities",
    "evaluate",
    "evaluate_tables",
]
