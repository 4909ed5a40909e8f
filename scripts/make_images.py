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
@figure("autoencoder_network.png")
def autoencoder_network():
    """The 3-layer autoencoder of the CS294A notes: 6 inputs, 3 hidden units, 6 outputs.

    Drawn like the notes' figure: layer L1 (input x and a bias unit +1), layer L2 (hidden
    units a^(2) and a bias unit), layer L3 (output h_{W,b}(x), the reconstruction x-hat).
    Every unit of a layer connects to every unit of the next (weights W^(l)); the bias units
    connect through b^(l).
    """
    from matplotlib.patches import Circle

    n_in, n_hid = 6, 3
    fig, ax = plt.subplots(figsize=(8.6, 6.4))
    ax.set_xlim(-1.35, 11.3)
    ax.set_ylim(-1.9, 7.9)
    ax.set_aspect("equal")
    ax.set_axis_off()
    r = 0.36
    xs = {1: 0.8, 2: 5.0, 3: 9.2}
    colours = {1: "#dbe9f6", 2: "#fde7c8", 3: "#dff2dc", "bias": "#eeeeee"}
    edges = {1: "#2b6cb0", 2: "#c05621", 3: "#2f855a", "bias": "#555555"}

    def column(n, top=6.5, bottom=1.5):
        return [top - k * (top - bottom) / (n - 1) for k in range(n)] if n > 1 else [4.0]

    y_in = column(n_in)
    y_hid = column(n_hid, top=5.5, bottom=2.5)
    y_out = y_in
    bias1 = (xs[1], 0.25)
    bias2 = (xs[2], 0.85)

    def connect(p, q, colour, lw=1.0, alpha=0.6):
        ax.plot([p[0], q[0]], [p[1], q[1]], color=colour, lw=lw, alpha=alpha, zorder=1)

    # connections first, so the units sit on top of them
    for yi in y_in:
        for yh in y_hid:
            connect((xs[1], yi), (xs[2], yh), edges[1])
    for yh in y_hid:
        connect(bias1, (xs[2], yh), edges["bias"], lw=0.8, alpha=0.45)
        for yo in y_out:
            connect((xs[2], yh), (xs[3], yo), edges[2])
    for yo in y_out:
        connect(bias2, (xs[3], yo), edges["bias"], lw=0.8, alpha=0.45)

    def unit(x, y, kind, label, fontsize=13):
        ax.add_patch(Circle((x, y), r, facecolor=colours[kind], edgecolor=edges[kind], lw=1.8,
                            zorder=3))
        ax.text(x, y, label, ha="center", va="center", fontsize=fontsize, zorder=4)

    for k, y in enumerate(y_in, 1):
        unit(xs[1], y, 1, f"$x_{k}$")
    unit(*bias1, "bias", "$+1$", fontsize=11)
    for k, y in enumerate(y_hid, 1):
        unit(xs[2], y, 2, f"$a^{{(2)}}_{k}$", fontsize=11)
    unit(*bias2, "bias", "$+1$", fontsize=11)
    for k, y in enumerate(y_out, 1):
        unit(xs[3], y, 3, f"$\\hat{{x}}_{k}$")

    # layer captions
    captions = {1: "Layer $L_1$\ninput $x$", 2: "Layer $L_2$\nhidden $a^{(2)}$",
                3: "Layer $L_3$\noutput $\\hat{x} = h_{W,b}(x)$"}
    for layer, text in captions.items():
        ax.text(xs[layer], 7.35, text, ha="center", va="center", fontsize=12,
                color=edges[layer], fontweight="bold", linespacing=1.4)

    # parameter labels on the connections they weight
    box = dict(boxstyle="round,pad=0.2", facecolor="white", edgecolor="none", alpha=0.95)
    ax.text((xs[1] + xs[2]) / 2, 4.6, "$W^{(1)}$", ha="center", va="center", fontsize=15,
            color=edges[1], bbox=box, zorder=5)
    ax.text(xs[1] + 1.7, 1.05, "$b^{(1)}$", ha="center", va="center", fontsize=14,
            color=edges["bias"], bbox=box, zorder=5)
    ax.text((xs[2] + xs[3]) / 2, 4.6, "$W^{(2)}$", ha="center", va="center", fontsize=15,
            color=edges[2], bbox=box, zorder=5)
    ax.text(xs[2] + 1.7, 1.2, "$b^{(2)}$", ha="center", va="center", fontsize=14,
            color=edges["bias"], bbox=box, zorder=5)

    # what the network computes
    ax.text(5.0, -1.05,
            "$z^{(2)} = W^{(1)}x + b^{(1)},\\quad a^{(2)} = f(z^{(2)}),\\quad "
            "z^{(3)} = W^{(2)}a^{(2)} + b^{(2)},\\quad \\hat{x} = f(z^{(3)})$",
            ha="center", va="center", fontsize=12.5)
    ax.text(5.0, -1.7, "trained so that the output reproduces the input: "
            "$h_{W,b}(x) \\approx x$", ha="center", va="center", fontsize=12)
    return fig


# === end 01 =============================================================================


# === 03 =================================================================================
@figure("rho_hat_dependency.png")
def rho_hat_dependency():
    """Why the sparsity term couples the examples: every a_j(x^(i)) feeds rho_hat_j."""
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

    fig, ax = plt.subplots(figsize=(9.2, 4.6))
    ax.set_xlim(0, 10.4)
    ax.set_ylim(-0.7, 5.1)
    ax.set_axis_off()
    ys = [4.5, 3.45, 2.4, 0.6]
    labels = ["1", "2", "3", "m"]

    def box(x, y, w, h, text, fc, fontsize=12):
        ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h,
                                    boxstyle="round,pad=0.05,rounding_size=0.15",
                                    fc=fc, ec="0.25", lw=1.2))
        ax.text(x, y, text, ha="center", va="center", fontsize=fontsize)

    def arrow(p, q, color="0.2", style="-|>", ls="-", rad=0.0, lw=1.3):
        ax.add_patch(FancyArrowPatch(p, q, arrowstyle=style, mutation_scale=13, color=color,
                                     lw=lw, ls=ls, connectionstyle=f"arc3,rad={rad}",
                                     shrinkA=2, shrinkB=2))

    for y, k in zip(ys, labels):
        box(0.75, y, 1.1, 0.62, f"$x^{{({k})}}$", "#e8eef7")
        box(2.95, y, 1.9, 0.62, f"$a_j^{{(2)}}(x^{{({k})}})$", "#fdf0d5")
        arrow((1.33, y), (1.98, y))
    ax.text(2.95, 1.55, "$\\vdots$", ha="center", va="center", fontsize=16)
    ax.text(0.75, 1.55, "$\\vdots$", ha="center", va="center", fontsize=16)

    box(6.0, 2.55, 2.3, 0.95, "$\\hat\\rho_j = \\frac{1}{m}\\sum_{i=1}^{m} a_j^{(2)}(x^{(i)})$",
        "#e3f1e3", fontsize=12)
    box(9.05, 2.55, 2.3, 0.95, "$\\beta\\,\\mathrm{KL}(\\rho\\,\\|\\,\\hat\\rho_j)$",
        "#f6e1e1", fontsize=13)
    arrow((7.2, 2.55), (7.85, 2.55))
    for y in ys:
        arrow((3.92, y), (4.82, 2.55 + (y - 2.55) * 0.25), rad=0.0)
        # the way back: each example receives (1/m) times the same derivative
        arrow((4.82, 2.55 + (y - 2.55) * 0.25 - 0.13), (3.92, y - 0.16), color="#c0392b",
              ls="--", rad=-0.12, lw=1.1)
    ax.text(4.42, 4.35, "$\\times\\,\\frac{1}{m}$", color="#c0392b", fontsize=13,
            ha="center")
    ax.text(8.45, 1.55, "$\\frac{\\partial}{\\partial\\hat\\rho_j} = "
            "\\beta\\left(-\\frac{\\rho}{\\hat\\rho_j}+\\frac{1-\\rho}{1-\\hat\\rho_j}\\right)$",
            color="#c0392b", fontsize=11.5, ha="center", va="center")
    arrow((8.2, 2.0), (7.25, 2.25), color="#c0392b", ls="--", rad=0.0, lw=1.1)
    ax.text(0.2, -0.05, "black: the forward pass -- $\\hat\\rho_j$ is known only after all m "
            "examples went through it", ha="left", fontsize=9.5, color="0.2")
    ax.text(0.2, -0.45, "red: the backward pass -- every example receives the same "
            "derivative, times 1/m", ha="left", fontsize=9.5, color="#c0392b")
    return fig
# === end 03 =============================================================================


def main(names, out_dir=IMAGES):
    for name in names or sorted(FIGURES):
        if name not in FIGURES:
            raise SystemExit(f"unknown figure {name!r}; known: {', '.join(sorted(FIGURES))}")
        save(FIGURES[name](), name, out_dir)
        print(f"wrote {out_dir / name}")


if __name__ == "__main__":
    main(sys.argv[1:])
