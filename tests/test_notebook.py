"""notebooks/tour.ipynb runs from top to bottom, so the tour never rots."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
from nbclient import NotebookClient

TOUR = Path(__file__).resolve().parent.parent / "notebooks" / "tour.ipynb"


def _text(cell) -> str:
    parts = []
    for output in cell.get("outputs", []):
        parts.append(output.get("text", ""))
        parts.extend(str(value) for value in output.get("data", {}).values())
    return "\n".join(parts)


def test_tour_notebook_runs_and_answers(tmp_path):
    notebook = nbformat.read(TOUR, as_version=4)
    NotebookClient(notebook, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = "\n".join(_text(cell) for cell in notebook.cells if cell.cell_type == "code")
    assert "8 digests ingested" in outputs
    assert "timeline-of-person(person)" in outputs
    assert "Fumio Kishida" in outputs and "Joe Biden" in outputs
    assert "<table" in outputs, "the pandas pivot table is shown"
    ranking = re.findall(r"^(\d\.\d\d)  (.+)$", outputs, re.MULTILINE)
    assert ranking and ranking[0][1] == "Fumio Kishida", "the centrality ranking puts Kishida first"
    assert "<iframe srcdoc=" in outputs and "vis.Network" in outputs, "the network page is inline"
