"""The package as a user installs it: a wheel (built from the sdist) outside the repository.

``python -m build`` builds the sdist from the work tree and the wheel from
the sdist, so the wheel proves the sdist is complete too. The wheel is
installed into a temporary target (its dependencies come from this
environment) and ``deception-sim reproduce`` runs from a folder outside the
repository, where no ``analyses/`` folder can help it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

import deception_sim

ROOT = Path(__file__).resolve().parents[1]

pytest.importorskip("build")


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not (ROOT / "pyproject.toml").exists():  # pragma: no cover - an installed copy
        pytest.skip("needs the source tree")
    out = tmp_path_factory.mktemp("dist")
    result = subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(ROOT)],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    # The SPDX licence needs no deprecated classifier or table (setuptools warns of those).
    assert "License classifiers are deprecated" not in result.stdout + result.stderr
    assert "`project.license` as a TOML table is deprecated" not in result.stdout + result.stderr
    return out


def test_the_sdist_carries_the_tests_and_docs(dist: Path) -> None:
    (sdist,) = dist.glob("*.tar.gz")
    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    for needed in (
        "LICENSE",
        "CHANGELOG.md",
        "CITATION.cff",
        "Makefile",
        "mkdocs.yml",
        "tests/conftest.py",
        "tests/oracle.py",
        "tests/test_docs.py",
        "docs/index.md",
        "docs/hooks.py",
        "docs/notebooks/example.ipynb",
        "deception_sim/analyses/seed_plans.py",
        "deception_sim/py.typed",
    ):
        assert needed in names, needed


def test_the_wheel_has_the_analyses_licence_and_metadata(dist: Path) -> None:
    (wheel,) = dist.glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        (metadata,) = [n for n in names if n.endswith(".dist-info/METADATA")]
        text = archive.read(metadata).decode()
    assert "deception_sim/analyses/deception_advantage.py" in names
    assert "deception_sim/py.typed" in names
    assert any(n.endswith("licenses/LICENSE") for n in names)
    assert f"Version: {deception_sim.__version__}" in text
    assert "License-Expression: MIT" in text
    assert "Provides-Extra: figures" in text and "Provides-Extra: testing" in text
    assert "Author: The deception_sim maintainers" in text


def test_reproduce_runs_from_the_installed_wheel_outside_the_repository(
    dist: Path, tmp_path: Path
) -> None:
    (wheel,) = dist.glob("*.whl")
    target = tmp_path / "site-packages"
    install = subprocess.run(
        [
            *(sys.executable, "-m", "pip", "install", "--no-deps", "--quiet"),
            *("--target", str(target), "--disable-pip-version-check", str(wheel)),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert install.returncode == 0, install.stderr[-3000:]
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    environment = {**os.environ, "PYTHONPATH": str(target)}
    run = subprocess.run(
        [
            *(sys.executable, "-m", "deception_sim", "reproduce", "--out", "out"),
            *("--only", "seed_plans", "--only", "best_response"),
        ],
        cwd=elsewhere,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr
    assert "best plan BBAAA gets 3 apples" in run.stdout
    manifest = json.loads((elsewhere / "out" / "manifest.json").read_text())
    assert "value_curves.pdf" in manifest["files"]
    where = subprocess.run(
        [sys.executable, "-c", "import deception_sim; print(deception_sim.__file__)"],
        cwd=elsewhere,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    assert where.stdout.startswith(str(target))  # the wheel's copy ran, not the work tree's


def test_the_version_is_written_once() -> None:
    # pyproject.toml holds it; the package reads it from its metadata; the citation repeats it.
    citation = (ROOT / "CITATION.cff").read_text()
    assert f'version: "{deception_sim.__version__}"' in citation
    init = (ROOT / "deception_sim" / "__init__.py").read_text()
    assert deception_sim.__version__ not in init
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")
