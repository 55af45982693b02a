import pathlib
import shutil

import nbformat
from nbclient import NotebookClient

REPO = pathlib.Path(__file__).resolve().parents[3]
NOTEBOOK = REPO / "notebooks" / "analysis.ipynb"


def _outputs_text(notebook: nbformat.NotebookNode) -> str:
    texts = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            texts.append(output.get("text", ""))
            texts.extend(str(v) for k, v in output.get("data", {}).items() if k.startswith("text/"))
    return "\n".join(texts)


def _run_notebook(run_dir: pathlib.Path, monkeypatch) -> nbformat.NotebookNode:
    """The analysis notebook executed on `run_dir`."""
    monkeypatch.setenv("CHEF_RUN_DIR", str(run_dir))
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(
        notebook, kernel_name="python3", timeout=120, resources={"metadata": {"path": str(NOTEBOOK.parent)}}
    ).execute()
    return notebook


def test_notebook_matches_its_builder():
    from notebooks.build_analysis import build

    stored = nbformat.read(NOTEBOOK, as_version=4)
    assert [(c.cell_type, c.source) for c in stored.cells] == [(c.cell_type, c.source) for c in build().cells]


def test_notebook_runs_on_a_tiny_run(tiny_run, monkeypatch):
    notebook = _run_notebook(tiny_run, monkeypatch)
    text = _outputs_text(notebook)
    assert "| HYPERPARAM | 90% [60-98] | 70% [40-89] | 80% [58-92] |" in text  # Table I
    assert "| mpo_large | 1 |" in text  # EXECUTE ranking
    images = [o for c in notebook.cells for o in c.get("outputs", []) if "image/png" in o.get("data", {})]
    assert len(images) >= 6


def test_notebook_derives_table_one_from_execute_without_a_pipeline_stage(tiny_run, tmp_path, monkeypatch):
    """Stages run one by one (no pipeline stage): HYPERPARAM is EXECUTE's first-ranked candidate."""
    run = tmp_path / tiny_run.name
    shutil.copytree(tiny_run, run)
    shutil.rmtree(run / "pipeline")
    text = _outputs_text(_run_notebook(run, monkeypatch))
    assert "| HYPERPARAM | 90% [60-98] | 70% [40-89] | 80% [58-92] |" in text
    assert "FINE-TUNE |" not in text  # Only the rows EXECUTE gives.
