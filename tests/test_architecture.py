"""The layout: no module hidden by a function, imports in one direction, results that stay small.

These are the structural promises of ``docs/explanation/architecture.md``.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import pickle
import re
from pathlib import Path

import numpy as np
import pytest

import deception_sim
from deception_sim import (
    Bayesian,
    Deceptive,
    Greedy,
    Payoffs,
    Schedule,
    UpdateRule,
    evaluate,
    objective_levels,
)

PACKAGE = Path(deception_sim.__file__).resolve().parent
MODULES = sorted(
    ".".join(("deception_sim", *path.relative_to(PACKAGE).with_suffix("").parts)).removesuffix(
        ".__init__"
    )
    for path in PACKAGE.rglob("*.py")
    if path.name != "__main__.py"
)

# The layers, lowest first: a module may import only from its own layer or a lower one.
LAYERS = (
    ("_validate", "_files", "_optional", "_display", "model"),
    ("strategies",),
    ("exact",),
    ("montecarlo",),
    ("solvers",),
    ("games", "drift", "sweeps", "control", "testing"),
    ("report",),
    ("analyses",),
    ("cli",),
)
LAYER = {name: rank for rank, names in enumerate(LAYERS) for name in names}


@pytest.mark.parametrize("name", MODULES)
def test_every_module_is_reachable_by_import_and_by_attribute(name: str) -> None:
    module = importlib.import_module(name)
    assert module.__name__ == name
    parent, _, child = name.rpartition(".")
    if parent:
        # Attribute access must give the module, not a function of the same name.
        assert getattr(importlib.import_module(parent), child) is module


def _top(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _imports(path: Path, name: str) -> set[str]:
    """Package-level targets (``deception_sim.X``) imported by a module, including lazy ones."""
    tree = ast.parse(path.read_text())
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                target = ".".join([*base, *([node.module] if node.module else [])])
                targets = (
                    [target] if node.module else [f"{target}.{alias.name}" for alias in node.names]
                )
            else:
                targets = [node.module or ""]
            found.update(t for t in targets if t.startswith("deception_sim."))
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("deception_sim."))
    return found


@pytest.mark.parametrize("name", [m for m in MODULES if m != "deception_sim"])
def test_imports_point_down_the_layers(name: str) -> None:
    path = PACKAGE.joinpath(*name.split(".")[1:])
    path = path / "__init__.py" if path.is_dir() else path.with_suffix(".py")
    here = LAYER[_top(name)]
    for target in _imports(path, name):
        there = LAYER[_top(target)]
        assert there <= here, f"{name} (layer {here}) imports {target} (layer {there})"


def test_no_module_is_much_over_500_lines() -> None:
    sizes = {p: len(p.read_text().splitlines()) for p in PACKAGE.rglob("*.py")}
    too_long = {str(p.relative_to(PACKAGE)): n for p, n in sizes.items() if n > 550}
    assert not too_long


def test_the_package_exports_only_public_names() -> None:
    for name in deception_sim.__all__:
        assert not name.startswith("_") and hasattr(deception_sim, name)
    for name in ("evaluate", "simulate", "optimize", "sweep"):
        assert callable(getattr(deception_sim, name))


def _size(obj: object) -> int:
    return len(pickle.dumps(obj))


def test_a_result_holds_numbers_not_the_recursion() -> None:
    # The case: about 46 MB per result when results kept the recursion's arrays.
    model = (
        Deceptive(),
        Schedule.fixed(1000, 1000, honeypot_rate=0.1),
        UpdateRule(rate=0.3, drift=0.01),
        Payoffs(v_deploy=20),
    )
    assert _size(evaluate(*model)) < 10_000
    # N = 10**6 with 4 live levels.
    update, payoffs = UpdateRule(detect=0.5, rate=0.5), Payoffs(v_deploy=10)
    assert len(objective_levels(update, payoffs.indifference)) == 4
    schedule = Schedule.fixed(500_000, 500_000, honeypot_rate=0.1)
    result = evaluate(Bayesian(), schedule, update, payoffs)
    assert _size(result) < 1_000_000
    # Curves are there when asked for, and then they are the result's to keep.
    assert result.curves.shape == (10**6, 11)
    assert _size(result) > 10**7
    again = pickle.loads(pickle.dumps(evaluate(Bayesian(), schedule, update, payoffs)))
    assert again == result and again.mesa == result.mesa


def test_curves_are_the_same_whether_asked_for_or_computed_later() -> None:
    schedule = Schedule.random_boundary(6, [0.1, 0.2, 0.3, 0.2, 0.1, 0.1, 0.0])
    eager = evaluate(Greedy(), schedule, UpdateRule(rate=0.5), Payoffs(v_deploy=3), curves=True)
    lazy = evaluate(Greedy(), schedule, UpdateRule(rate=0.5), Payoffs(v_deploy=3))
    assert lazy.computed_curves is None
    assert eager.curves.equals(lazy.curves)


def test_a_schedule_pickles_to_the_support_of_its_boundary() -> None:
    schedule = Schedule.fixed(10**6, 10**6, honeypot_rate=0.2, cue_accuracy=0.9)
    schedule.survival()  # a cached array that must not be pickled
    assert _size(schedule) < 2_000
    again = pickle.loads(pickle.dumps(schedule))
    assert again == schedule and hash(again) == hash(schedule)
    assert np.array_equal(again.survival(), schedule.survival())


def test_measures_have_one_name_each() -> None:
    from deception_sim.model.measures import MEASURES, RESULT

    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", name) for name in MEASURES)
    from deception_sim import SimulationResult
    from deception_sim.exact import Result

    for cls in (Result, SimulationResult):
        assert set(RESULT) <= set(cls.__dataclass_fields__)


BENCHMARKS = sorted((PACKAGE.parent / "benchmarks").glob("*.py"))


@pytest.mark.parametrize("path", BENCHMARKS, ids=lambda p: p.stem)
def test_every_benchmark_script_imports(path: Path) -> None:
    """Benchmarks are not run by the suite (they are timed in ``make bench``), but they
    must not rot: each imports, so every name it takes from the package exists."""
    spec = importlib.util.spec_from_file_location(f"_bench_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert callable(module.main)


def _read_only_objects() -> list[object]:
    from scipy import stats

    from deception_sim import optimize
    from deception_sim.control import Monitor, TrustedMonitoring, worst_case

    monitor = Monitor.from_scores(np.array([0.1, 0.2, 0.3]), np.array([0.5, 0.9]))
    beta = Monitor(safe=stats.beta(7.39, 6.86), attack=stats.beta(8.91, 2.82))
    protocol = TrustedMonitoring(monitor=beta, tasks=4, audits=2, audit_fpr=[0.1, 0.2, 0.3, 0.4])
    paced = TrustedMonitoring(monitor=beta, tasks=20, audits=1, audit_fpr=0.05)
    clock = worst_case(paced, attacker="clock")
    return [
        objective_levels(UpdateRule(rate=0.5), 0.2),
        optimize(Schedule.fixed(2, 3)).policy,
        monitor,
        protocol,
        protocol.transitions(),
        clock,
    ]


def test_frozen_objects_stay_read_only_through_pickle() -> None:
    """Pickle (what a process pool sends) gives fresh, writable arrays; every frozen
    object that holds read-only arrays makes them read-only again."""
    for thing in _read_only_objects():
        copy = pickle.loads(pickle.dumps(thing))
        arrays = {k: v for k, v in vars(copy).items() if isinstance(v, np.ndarray)}
        assert arrays, f"{type(thing).__name__} holds no array here: a test that cannot fail"
        for name, array in arrays.items():
            assert not array.flags.writeable, f"{type(thing).__name__}.{name} is writable"
