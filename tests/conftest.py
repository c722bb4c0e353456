"""Test configuration: deterministic hypothesis profiles.

``HYPOTHESIS_PROFILE=ci`` (what ``make test`` sets) derandomizes hypothesis
and drops the deadline, so CI is deterministic and never fails on a slow
machine; ``dev`` is the default for local exploration with fresh examples.
"""

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    derandomize=True,
    deadline=None,
    max_examples=60,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", deadline=None, max_examples=60)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


@pytest.fixture(scope="session")
def reproduced(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every analysis run once (``deception-sim reproduce --quiet``), shared by the tests."""
    from deception_sim.cli import main

    out = tmp_path_factory.mktemp("reproduced")
    assert main(["reproduce", "--quiet", "--out", str(out)]) == 0
    return out
