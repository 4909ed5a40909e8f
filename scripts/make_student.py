"""Write the student edition of the notebooks: solutions removed, outputs cleared.

    make student                                          # -> student/
    .venv/bin/python scripts/make_student.py              # the same
    .venv/bin/python scripts/make_student.py --out DIR    # somewhere else

Every ``notebooks/NN_*.ipynb`` is copied under the same name with

* every cell tagged ``solution`` removed (the revealable solutions and their notes),
* every output and execution count cleared,
* the stored widget state (``metadata.widgets``) and the per-cell execution timings
  removed.

Everything else -- exercise stubs (tagged ``exercise``), checker cells, text and code --
is kept in order, so the student edition still runs top to bottom: each checker prints
"✗ ... not implemented yet" until the learner fills in the stub.

``student/`` sits at the repository root beside ``notebooks/``, so relative links such
as ``../images/network_diagram.png`` and links between notebooks resolve exactly as they
do from ``notebooks/``; the notebooks import ``sae_lib``, which ``make`` installs. Git
ignores ``student/``.
"""

from __future__ import annotations

import argparse
import copy
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
DEFAULT_OUT = ROOT / "student"
PATTERN = "[0-9][0-9]_*.ipynb"
SOLUTION_TAG = "solution"


def is_solution(cell) -> bool:
    """True for a cell tagged ``solution``."""
    return SOLUTION_TAG in cell.get("metadata", {}).get("tags", [])


def strip_notebook(nb):
    """Return the student edition of notebook ``nb`` (a new object; ``nb`` is unchanged)."""
    nb = copy.deepcopy(nb)
    nb.cells = [cell for cell in nb.cells if not is_solution(cell)]
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        cell.metadata.pop("execution", None)         # nbclient's timing record
        cell.metadata.pop("collapsed", None)
        cell.metadata.pop("scrolled", None)
    nb.metadata.pop("widgets", None)
    return nb


def make_student(out_dir=DEFAULT_OUT, notebooks_dir=NOTEBOOKS):
    """Write the student edition of every ``NN_*.ipynb`` in ``notebooks_dir`` to ``out_dir``.

    Earlier student copies of notebooks that no longer exist are removed; other files in
    ``out_dir`` are left alone. Returns the list of paths written.
    """
    out_dir, notebooks_dir = Path(out_dir), Path(notebooks_dir)
    sources = sorted(notebooks_dir.glob(PATTERN))
    out_dir.mkdir(parents=True, exist_ok=True)
    names = {p.name for p in sources}
    for stale in out_dir.glob(PATTERN):
        if stale.name not in names:
            stale.unlink()
    written = []
    for src in sources:
        nb = strip_notebook(nbformat.read(src, as_version=4))
        dest = out_dir / src.name
        nbformat.write(nb, dest)
        written.append(dest)
    return written


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help="output folder (default: student/ at the repository root)")
    args = parser.parse_args(argv)
    written = make_student(args.out)
    for path in written:
        print(f"wrote {path}")
    print(f"{len(written)} notebook(s) without solutions in {args.out}")
    return written


if __name__ == "__main__":
    main(sys.argv[1:])
