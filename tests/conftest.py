"""Test configuration: deterministic hypothesis profiles.

``HYPOTHESIS_PROFILE=ci`` (what ``make test`` sets) derandomizes hypothesis
and drops the deadline, so CI is deterministic and never fails on a slow
machine; ``dev`` is the default for local exploration with fresh examples.
"""

import os

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
