"""Writes notebooks/analysis.ipynb (outputs cleared) from the cells below.

The notebook is generated so that its code stays reviewable as plain python;
edit the cells here and run `python notebooks/build_analysis.py`.
"""

import pathlib

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

NOTEBOOK = pathlib.Path(__file__).with_name("analysis.ipynb")

CELLS = [
    new_markdown_cell(
        "# CHEF run analysis\n\n"
        "Tables and learning curves of one run directory `runs/<run_name>/` "
        "(layout: `docs/results_format.md`). Set `RUN_DIR` below, or the environment "
        "variable `CHEF_RUN_DIR` before starting Jupyter."
    ),
    new_code_cell(
        "import os\nimport pathlib\n\nRUN_DIR = pathlib.Path(os.environ.get('CHEF_RUN_DIR', '../runs/demo'))"
    ),
    new_code_cell(
        "import tempfile\n"
        "\n"
        "import pandas as pd\n"
        "from IPython.display import Image, Markdown, display\n"
        "\n"
        "from chef.results import plots, run_reader, tables\n"
        "\n"
        "run = run_reader.load_run(RUN_DIR)\n"
        "pd.DataFrame(\n"
        "    [{'stage': s.name, 'done': s.done, 'metrics': ', '.join(sorted(s.metrics)),\n"
        "      'results.json': s.results is not None, 'candidates': len(s.candidates)}\n"
        "     for s in run.stages.values()]).set_index('stage')"
    ),
    new_markdown_cell(
        "## Table I: stack-leave success per stage\n\n"
        "From the pipeline stage's `results.json`; without it, the HYPERPARAM (best candidate) "
        "and EXECUTE (all candidates) rows are derived from the EXECUTE stage."
    ),
    new_code_cell(
        "if 'pipeline' in run.stages and run.stages['pipeline'].results:\n"
        "    stage_counts = tables.parse_count_table(run.stages['pipeline'].results['stages'])\n"
        "elif 'execute' in run.stages and run.stages['execute'].results:\n"
        "    execute_results = run.stages['execute'].results\n"
        "    stage_counts = tables.stage_counts_from_execute(\n"
        "        tables.parse_count_table(execute_results['table']), execute_results['ranking'][0])\n"
        "else:\n"
        "    stage_counts = None\n"
        "    print('no pipeline or execute results yet')\n"
        "if stage_counts:\n"
        "    display(Markdown(tables.table_one_markdown(stage_counts)))"
    ),
    new_markdown_cell("## EXECUTE: candidates x triplets"),
    new_code_cell(
        "PLOT_DIR = pathlib.Path(tempfile.mkdtemp(prefix='chef_analysis_'))\n"
        "if 'execute' in run.stages and run.stages['execute'].results:\n"
        "    execute_results = run.stages['execute'].results\n"
        "    execute_table = tables.parse_count_table(execute_results['table'])\n"
        "    returns = execute_results.get('main_task_return')\n"
        "    display(Markdown(tables.execute_markdown(execute_table, returns=returns)))\n"
        "    rates = tables.rate_frame(execute_table, execute_results['ranking'])\n"
        "    display(Image(plots.plot_success_bars(rates.drop(columns=tables.AVERAGE),\n"
        "                                          PLOT_DIR / 'execute_bars.png',\n"
        "                                          title='EXECUTE: stack-leave success')))"
    ),
    new_markdown_cell("## HYPERPARAMETER EXPLORATION: candidates"),
    new_code_cell(
        "if 'sweep' in run.stages and run.stages['sweep'].results:\n"
        "    candidates = run.stages['sweep'].results['candidates']\n"
        "    display(pd.DataFrame(\n"
        "        {name: {**{f'override {k}': str(v) for k, v in c['overrides'].items()},\n"
        "                **c['final_metrics']} for name, c in candidates.items()}).T)"
    ),
    new_markdown_cell("## Learning curves"),
    new_code_cell(
        "for stage in run.stages.values():\n"
        "    for path in plots.plot_stage(stage, PLOT_DIR):\n"
        "        display(Markdown(f'**{path.stem}**'), Image(path))"
    ),
]


def build() -> nbformat.NotebookNode:
    notebook = new_notebook(cells=CELLS)
    for index, cell in enumerate(notebook.cells):
        cell.id = f"cell-{index}"  # stable ids: rebuilding gives the same file
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    notebook.metadata["language_info"] = {"name": "python"}
    return notebook


if __name__ == "__main__":
    nbformat.write(build(), NOTEBOOK)
    print(f"wrote {NOTEBOOK}")
