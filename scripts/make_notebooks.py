"""Write each notebook template `notebooks/<name>.ipynb` from its source `notebooks/<name>.py`.

The `.py` files, in jupytext's percent format, are the notebooks' single source: edit one (in an
editor, or in JupyterLab, which opens it as a notebook), then run `make notebooks`. The `.ipynb`
files are derived and committed, because Papermill runs them; tests/test_notebook.py fails
while one differs from its source or carries outputs. A notebook is rewritten only where its
content differs (JupyterLab saves a paired `.ipynb` after its source, outputs and all, so
timestamps cannot tell).

A derived notebook has no outputs and no execution counts; each cell's id is the ``id="..."``
of its cell header, kept in the cell's metadata too (so that jupytext sees a paired notebook
that matches its source), because the published pages carry the cell ids and must come out
the same from every build; its notebook metadata is :data:`METADATA`, whatever kernel the
source's header names.

    python scripts/make_notebooks.py                    # every notebooks/*.py
    python scripts/make_notebooks.py notebooks/area_evaluation.py
"""

from __future__ import annotations

import copy
import sys
from pathlib import Path

import jupytext
import nbformat

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"

#: The metadata of every notebook template: the kernel Papermill starts, and the pairing.
METADATA = {
    "jupytext": {"formats": "ipynb,py:percent"},
    "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
    "language_info": {"name": "python"},
}


def derive(source: Path) -> nbformat.NotebookNode:
    """The notebook template written from `source`: no outputs, fixed ids, :data:`METADATA`."""
    notebook = jupytext.read(source, fmt="py:percent")
    ids = [cell.metadata.get("id") for cell in notebook.cells]
    missing = [str(number) for number, cell_id in enumerate(ids, start=1) if not cell_id]
    repeated = sorted({cell_id for cell_id in ids if cell_id and ids.count(cell_id) > 1})
    if missing or repeated:
        raise SystemExit(f"{source}: " + "; ".join(
            ([f"cell {', '.join(missing)} has no id in its header"] if missing else [])
            + [f"id {cell_id!r} is given to {ids.count(cell_id)} cells" for cell_id in repeated])
            + '; give every cell its own, e.g. `# %% id="summary"` (the documents carry the cell ids)')
    for cell in notebook.cells:
        cell.id = cell.metadata["id"]
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    notebook.metadata = copy.deepcopy(METADATA)
    try:
        nbformat.validate(notebook)
    except nbformat.ValidationError as error:  # e.g. an id with characters nbformat refuses
        raise SystemExit(f"{source}: {error.message}") from error
    return notebook


def main(sources: list[str]) -> None:
    """Write the notebook of each of `sources` (every ``notebooks/*.py`` if none) whose content differs."""
    for source in [Path(s) for s in sources] or sorted(NOTEBOOKS.glob("*.py")):
        target = source.with_suffix(".ipynb")
        text = nbformat.writes(derive(source)) + "\n"  # as nbformat.write ends the file
        if target.is_file() and target.read_text(encoding="utf-8") == text:
            print(f"{target.name} is up to date")
            continue
        target.write_text(text, encoding="utf-8")
        print(f"{target.name} written from {source.name}")


if __name__ == "__main__":
    main(sys.argv[1:])
