"""Execute notebooks top to bottom in a fresh kernel and save them with those outputs.

    .venv/bin/python scripts/run_notebooks.py                      # every notebook
    .venv/bin/python scripts/run_notebooks.py notebooks/02_*.ipynb # some of them

Each notebook runs in its own new kernel with notebooks/ as working directory -- exactly
how nbval runs it in `make test` -- so the stored outputs are what a learner's first run
shows and what the test suite compares against. Prints the seconds each one took.
Widget state is stored complete (nbclient's store_widget_state), never partially. BLAS runs
with 2 threads, as in `make test`, so that the stored numbers reproduce there.
"""

import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
# The same BLAS thread count as `make test` (see the Makefile): kernels inherit it.
for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = "2"


def run(path: Path, timeout: int = 600) -> float:
    nb = nbformat.read(path, as_version=4)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)",
                                 "language": "python"}
    start = time.perf_counter()
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}},
                            store_widget_state=True)
    client.execute()
    seconds = time.perf_counter() - start
    nbformat.write(nb, path)
    return seconds


def main(argv):
    paths = [Path(p) for p in argv] or sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    total = 0.0
    for p in paths:
        s = run(p.resolve())
        total += s
        print(f"{s:6.1f} s  {p.name}", flush=True)
    print(f"{total:6.1f} s  total")


if __name__ == "__main__":
    main(sys.argv[1:])
