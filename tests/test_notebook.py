"""The example notebook runs, and shows results as tables and figures as pictures."""

from __future__ import annotations

from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

NOTEBOOK = Path(__file__).resolve().parents[1] / "docs" / "notebooks" / "example.ipynb"


def test_the_example_notebook_runs_and_displays(tmp_path) -> None:
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(
        notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": tmp_path}}
    )
    client.execute()
    outputs = [cell.get("outputs", []) for cell in notebook.cells if cell.cell_type == "code"]
    assert not [o for cell in outputs for o in cell if o.output_type == "error"]
    results = [o for cell in outputs for o in cell if o.output_type == "execute_result"]
    html = [o["data"]["text/html"] for o in results if "text/html" in o["data"]]
    # Result, SimulationResult, Solution, Game, GameSolution and the sweep's DataFrame.
    assert len(html) >= 6
    assert any("<caption>Result (exact)</caption>" in text for text in html)
    assert any("mesa</th><td" in text and "± " in text for text in html)
    assert any("<caption>Solution</caption>" in text for text in html)
    assert any("<caption>GameSolution</caption>" in text for text in html)
    pictures = [o for o in results if "image/png" in o["data"]]
    assert len(pictures) == 2  # both figures, without %matplotlib inline
    progress = [
        o
        for cell in outputs
        for o in cell
        if o.output_type == "stream" and o.get("name") == "stderr" and "sweep" in o["text"]
    ]
    widgets = [o for o in results if "application/vnd.jupyter.widget-view+json" in o["data"]]
    assert progress or widgets  # a progress bar: a widget, or text without ipywidgets
