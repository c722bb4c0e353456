"""Optional dependencies: a missing one names the extra that installs it.

>>> require("math", "figures").__name__
'math'
>>> require("no_such_module", "figures", what="drawing")
Traceback (most recent call last):
...
ModuleNotFoundError: drawing needs no_such_module: pip install 'deception_sim[figures]'
"""

from __future__ import annotations

import importlib
from types import ModuleType

EXTRAS: dict[str, str] = {
    "figures": "matplotlib: figures (deception_sim.report's figure functions, --figure, reproduce)",
    "dask": "dask.distributed: sweeps on a Dask cluster (sweep(..., executor=client))",
    "sweep": "pyarrow and tqdm: Parquet checkpoints and progress bars for sweeps",
    "testing": "hypothesis: deception_sim.testing, to state claims as property tests",
    "docs": "mkdocs, mkdocs-material, mkdocstrings: build the documentation site",
    "test": "everything the test suite and CI need (includes all of the above)",
}
"""The package's extras (``pip install 'deception_sim[NAME]'``) and what each is for."""


def require(module: str, extra: str, *, what: str | None = None) -> ModuleType:
    """Import ``module``, or fail with a message that names the extra to install."""
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as error:
        top = module.partition(".")[0]
        if error.name is not None and error.name != top and not error.name.startswith(top + "."):
            raise  # the module is there, but something it imports is broken
        raise ModuleNotFoundError(
            f"{what or module} needs {top}: pip install 'deception_sim[{extra}]'", name=top
        ) from None
