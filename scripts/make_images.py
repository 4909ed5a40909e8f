"""Regenerate every generated figure in images/ (the pictures notebooks show from files).

    .venv/bin/python scripts/make_images.py          # all figures
    .venv/bin/python scripts/make_images.py NAME...  # some of them, e.g. network_diagram.png

Each figure is a function registered with @figure("file name"); tests/test_images.py
checks that every PNG in images/ is registered here and that each function runs.
"""

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

IMAGES = Path(__file__).resolve().parents[1] / "images"
FIGURES = {}


def figure(name):
    def register(fn):
        FIGURES[name] = fn
        return fn
    return register


def save(fig, name, out_dir=IMAGES):
    out_dir.mkdir(parents=True, exist_ok=True)
    fig.savefig(out_dir / name, dpi=100, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)


# === 01 =================================================================================
# === end 01 =============================================================================


def main(names, out_dir=IMAGES):
    for name in names or sorted(FIGURES):
        if name not in FIGURES:
            raise SystemExit(f"unknown figure {name!r}; known: {', '.join(sorted(FIGURES))}")
        save(FIGURES[name](), name, out_dir)
        print(f"wrote {out_dir / name}")


if __name__ == "__main__":
    main(sys.argv[1:])
