"""The documentation site builds with ``mkdocs build --strict``, and its generated parts are whole.

Strict mode fails on a broken link, a missing reference or a docstring that
cannot be rendered. The gallery uses the analyses' output of this test run
(the ``reproduced`` fixture), so the site shows exactly what the code makes.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytest.importorskip("mkdocs")
pytest.importorskip("mkdocstrings")


def _hooks():
    spec = importlib.util.spec_from_file_location("docs_hooks", ROOT / "docs" / "hooks.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_site_builds_strictly_with_every_page(reproduced: Path, tmp_path) -> None:
    site = tmp_path / "site"
    environment = {**os.environ, "DECEPTION_SIM_GALLERY": str(reproduced)}
    environment["NO_MKDOCS_2_WARNING"] = "1"
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    pages = sorted(site.rglob("index.html"))
    sources = [p for p in (ROOT / "docs").rglob("*.md")]
    assert len(pages) >= len(sources)  # every page (and the home page)
    api = (site / "reference" / "exact" / "index.html").read_text()
    assert 'id="deception_sim.exact.evaluate"' in api  # generated from the docstrings
    cli = (site / "reference" / "cli" / "index.html").read_text()
    assert "usage: deception-sim sweep" in cli and "--chunk-size" in cli
    gallery = (site / "gallery" / "index.html").read_text()
    figures = sorted(p.name for p in reproduced.glob("*.png"))
    assert figures and all(f'src="{name}"' in gallery for name in figures)
    assert (site / "gallery" / "manifest.json").exists()
    assert (site / "notebooks" / "example.ipynb").exists()


def _options(parser: argparse.ArgumentParser):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                yield from _options(sub)
        else:
            yield from action.option_strings


def test_the_cli_reference_has_every_option_of_the_parser() -> None:
    from deception_sim.cli import COMMANDS, build_parser

    hooks = _hooks()
    generated = hooks.cli_help("") + "".join(hooks.cli_help(command) for command in COMMANDS)
    missing = sorted(set(_options(build_parser())) - set(generated.split()) - {"-h"})
    missing = [o for o in missing if f"{o} " not in generated and f"{o}," not in generated]
    assert not missing
    page = (ROOT / "docs" / "reference" / "cli.md").read_text()
    assert all(f"<!-- cli-help: {command} -->" in page for command in COMMANDS)


def test_docstrings_render_as_markdown() -> None:
    spec = importlib.util.spec_from_file_location(
        "griffe_docstrings", ROOT / "docs" / "griffe_docstrings.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    text = "See :class:`~deception_sim.Result`.\n\nExamples\n--------\n>>> 1 + 1\n2\n\nThen::"
    assert module.markdown(text) == (
        "See `deception_sim.Result`.\n\n**Examples**\n\n```pycon\n>>> 1 + 1\n2\n```\n\nThen:"
    )
