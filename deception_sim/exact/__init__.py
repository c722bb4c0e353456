"""Exact evaluation (SPEC 3.1): expected payoffs by a forward recursion, linear in N."""

from .forward import Result, defect_probabilities, evaluate

__all__ = ["Result", "defect_probabilities", "evaluate"]
