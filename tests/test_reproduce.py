"""``deception-sim reproduce`` regenerates every table and figure, the same bytes every time."""

from __future__ import annotations

import hashlib
import json
import pkgutil
from pathlib import Path

import pytest

import deception_sim.analyses
from deception_sim.cli import main

SCRIPTS = sorted(
    info.name
    for info in pkgutil.iter_modules(deception_sim.analyses.__path__)
    if not info.name.startswith("_")
)


def digests(folder: Path) -> dict[str, str]:
    return {
        path.name: hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.iterdir())
    }


@pytest.fixture(scope="module")
def twice(reproduced: Path, tmp_path_factory) -> tuple[Path, Path, str]:
    """The package's analyses run twice into two folders, and what the second run printed."""
    import contextlib
    import io

    first, second = reproduced, tmp_path_factory.mktemp("second")
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        assert main(["reproduce", "--out", str(second)]) == 0
    return first, second, printed.getvalue()


def test_reproduce_twice_gives_identical_files(twice) -> None:
    first, second, printed = twice
    assert all(f"== {stem} (" in printed for stem in SCRIPTS)
    files = len(digests(first)) - 1  # the manifest is not counted
    assert f"analyses wrote {files} files to {second.resolve()} (and manifest.json)" in printed
    assert "| analysis" in printed  # the closing summary table
    assert digests(first) == digests(second)
    kinds = {name.rsplit(".", 1)[1] for name in digests(first)}
    assert {"md", "csv", "tex", "png", "pdf", "json"} <= kinds


def test_every_table_comes_in_three_formats_with_a_caption(twice) -> None:
    first, _, _ = twice
    for markdown in first.glob("*.md"):
        assert (first / f"{markdown.stem}.csv").exists(), markdown.name
        latex = (first / f"{markdown.stem}.tex").read_text()
        caption = markdown.read_text().splitlines()[0]
        assert caption.startswith("Table: ") and len(caption) > 40, markdown.name
        assert r"\caption{" in latex and r"\label{tab:" in latex, markdown.name
        assert r"\begin{tabular}" in latex and r"\bottomrule" in latex


def test_the_manifest_hashes_every_output(twice) -> None:
    first, _, _ = twice
    manifest = json.loads((first / "manifest.json").read_text())
    on_disk = {name: d for name, d in digests(first).items() if name != "manifest.json"}
    assert {name: entry["sha256"] for name, entry in manifest["files"].items()} == on_disk
    assert sorted(manifest["analyses"]) == SCRIPTS
    versions = manifest["versions"]
    assert versions["deception_sim"] == deception_sim.__version__
    assert {"python", "numpy", "scipy", "pandas", "networkx", "matplotlib"} <= set(versions)
    # Each analysis lists its parameters (its UPPER_CASE constants) and its files.
    seed = manifest["analyses"]["seed_plans"]
    assert seed["parameters"] == {"DEPLOY": 3, "TRAIN": 2}
    assert "seed_plans.md" in seed["files"]


def test_pdf_figures_embed_truetype_fonts_not_type_3(twice) -> None:
    first, _, _ = twice
    pdfs = sorted(first.glob("*.pdf"))
    assert pdfs
    for pdf in pdfs:
        data = pdf.read_bytes()
        assert b"/Subtype /Type3" not in data, pdf.name
        assert b"/Subtype /TrueType" in data or b"/Subtype /Type0" in data, pdf.name
        assert b"/FontFile2" in data, pdf.name  # the TrueType program is embedded


def test_a_folder_of_ones_own_analyses_runs(tmp_path, capsys) -> None:
    scripts = tmp_path / "mine"
    scripts.mkdir()
    (scripts / "hello.py").write_text(
        "def main(out):\n"
        "    path = out / 'hello.txt'\n"
        "    path.write_text('hello')\n"
        "    return [path], 'said hello'\n"
    )
    (scripts / "_helper.py").write_text("raise RuntimeError('not an analysis')\n")
    out = tmp_path / "out"
    assert main(["reproduce", "--out", str(out), "--analyses", str(scripts)]) == 0
    assert "said hello" in capsys.readouterr().out
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["files"]["hello.txt"]["sha256"] == hashlib.sha256(b"hello").hexdigest()


def test_an_analysis_without_main_or_a_missing_name_is_a_usage_error(tmp_path, capsys) -> None:
    scripts = tmp_path / "mine"
    scripts.mkdir()
    (scripts / "broken.py").write_text("x = 1\n")
    assert main(["reproduce", "--out", str(tmp_path), "--analyses", str(scripts)]) == 2
    assert "has no main(out)" in capsys.readouterr().err
    assert main(["reproduce", "--out", str(tmp_path), "--only", "nonesuch"]) == 2
    assert "no analysis named ['nonesuch']" in capsys.readouterr().err
