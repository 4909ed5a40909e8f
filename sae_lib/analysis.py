"""Looking at natural images and at what a sparse autoencoder learns from them.

Helpers for notebook 05 (and any later notebook that needs them):

* :func:`radial_power_spectrum` / :func:`spectrum_slope` -- what whitening does to the
  spectrum of a photograph (raw ~ 1/f^2, whitened flat up to the cut-off).
* :func:`tile_patches`, :func:`show_patches`, :func:`show_reconstructions` -- patches on
  one shared gray scale (unlike :func:`~sae_lib.display_network`, which stretches every
  tile to its own full contrast), beside what the network makes of them.
* :func:`train_with_objective` -- L-BFGS with the settings of :func:`sae_lib.train` on any
  objective with the signature of :func:`sae_lib.sparse_autoencoder_cost`, e.g. a buggy
  one, to see what a wrong gradient does to training.
* :func:`show_filter_gallery` -- several filter banks side by side, each with a caption.
* :func:`neighbour_correlation` -- how alike pixels a given distance apart are within
  patches (high for raw photographs, near 0 two pixels apart once whitened).
"""

from __future__ import annotations

import math

import numpy as np

from .training import train
from .visualization import axes_for_image, display_network, patch_shape_of, tile_columns

__all__ = [
    "radial_power_spectrum",
    "spectrum_slope",
    "tile_patches",
    "show_patches",
    "show_reconstructions",
    "train_with_objective",
    "show_filter_gallery",
    "neighbour_correlation",
]


# ---------------------------------------------------------------------------------------
# Spectra
# ---------------------------------------------------------------------------------------
def radial_power_spectrum(images, n_bins=40):
    """Radially averaged power spectrum of images, averaged over the images.

    Each image has its mean removed; its power spectrum is |FFT|^2 / (height * width), so
    that (Parseval) the average of the power over all frequencies equals the image's
    variance. The power is averaged over the images, then over rings of equal spatial
    frequency f = sqrt(fx^2 + fy^2) (cycles per pixel, 1/size ... 0.5) in ``n_bins``
    logarithmically spaced rings; frequencies beyond 0.5 (the corners of the spectrum,
    present only along diagonals) are left out.

    ``images``: (n_images, height, width) or one (height, width) image.
    Returns ``(f, power)``: the ring centres (geometric means of their edges) and the
    mean power in each ring, both 1-D, for rings that hold at least one frequency.
    """
    images = np.asarray(images, dtype=np.float64)
    if images.ndim == 2:
        images = images[None]
    if images.ndim != 3:
        raise ValueError(f"images must have shape (n_images, height, width), got {images.shape}.")
    _, height, width = images.shape
    if min(height, width) < 4:
        raise ValueError(f"images of {height} x {width} pixels are too small for a spectrum.")
    if isinstance(n_bins, bool) or not isinstance(n_bins, (int, np.integer)) or n_bins < 1:
        raise ValueError(f"n_bins must be a positive integer, got {n_bins!r}.")
    centred = images - images.mean(axis=(1, 2), keepdims=True)
    power = (np.abs(np.fft.fft2(centred)) ** 2).mean(axis=0) / (height * width)
    fy = np.fft.fftfreq(height)[:, None]
    fx = np.fft.fftfreq(width)[None, :]
    f = np.sqrt(fx**2 + fy**2)
    edges = np.geomspace(1.0 / max(height, width), 0.5, n_bins + 1)
    edges[-1] *= 1 + 1e-12                      # keep f = 0.5 in the last ring
    which = np.digitize(f.ravel(), edges) - 1   # ring index; -1 / n_bins: outside
    inside = (which >= 0) & (which < n_bins)
    counts = np.bincount(which[inside], minlength=n_bins)
    sums = np.bincount(which[inside], weights=power.ravel()[inside], minlength=n_bins)
    keep = counts > 0
    centres = np.sqrt(edges[:-1] * edges[1:])
    return centres[keep], sums[keep] / counts[keep]


def spectrum_slope(f, power, f_min, f_max):
    """Slope of log(power) against log(f) over f_min <= f <= f_max (least squares).

    A 1/f^2 power spectrum has slope -2; a white (flat) one has slope 0.
    """
    f = np.asarray(f, dtype=np.float64)
    power = np.asarray(power, dtype=np.float64)
    sel = (f >= f_min) & (f <= f_max) & (power > 0)
    if sel.sum() < 2:
        raise ValueError(f"fewer than two frequencies lie in [{f_min}, {f_max}]; widen the range.")
    return float(np.polyfit(np.log(f[sel]), np.log(power[sel]), 1)[0])


def neighbour_correlation(patches, distance=1, patch_shape=None):
    """Correlation between pixels ``distance`` apart in the same row or column of a patch.

    ``patches``: (pixels, m), one patch per column (as :func:`sae_lib.sample_images`
    returns them). Every pair of pixels ``distance`` apart horizontally or vertically, in
    every patch, is one sample; returns their Pearson correlation (a float in [-1, 1]).
    Photographs are smooth, so raw patches correlate strongly even a few pixels apart;
    whitening removes most of that.
    """
    patches = np.asarray(patches, dtype=np.float64)
    if patches.ndim != 2:
        raise ValueError(f"patches must have shape (pixels, m), got {patches.shape}.")
    ph, pw = patch_shape_of(patches.shape[0], patch_shape)
    d = int(distance)
    if not 1 <= d < max(ph, pw):
        raise ValueError(f"distance must be between 1 and {max(ph, pw) - 1} for "
                         f"{ph} x {pw} patches, got {distance!r}.")
    tiles = patches.T.reshape(-1, ph, pw)
    first = [tiles[:, :, :-d].ravel(), tiles[:, :-d, :].ravel()] if d < min(ph, pw) else []
    second = [tiles[:, :, d:].ravel(), tiles[:, d:, :].ravel()] if d < min(ph, pw) else []
    if d >= min(ph, pw):  # only one direction fits
        first = [tiles[:, :, :-d].ravel()] if d < pw else [tiles[:, :-d, :].ravel()]
        second = [tiles[:, :, d:].ravel()] if d < pw else [tiles[:, d:, :].ravel()]
    a, b = np.concatenate(first), np.concatenate(second)
    if a.std() == 0 or b.std() == 0:
        return 0.0
    return float(np.corrcoef(a, b)[0, 1])


# ---------------------------------------------------------------------------------------
# Patches on a shared gray scale
# ---------------------------------------------------------------------------------------
def tile_patches(patches, patch_shape=None, cols=None, border=1, fill=np.nan):
    """Tile the columns of ``patches`` (pixels, n) into one image, values unchanged.

    Unlike :func:`~sae_lib.tile_filters` no tile is rescaled, so patches stay comparable
    (a faint patch looks faint). Borders and empty cells hold ``fill`` (NaN by default,
    which :func:`show_patches` paints in the background colour).
    """
    patches = np.asarray(patches, dtype=np.float64)
    if patches.ndim == 1:
        patches = patches[:, None]
    if patches.ndim != 2 or patches.shape[1] == 0:
        raise ValueError(f"patches must have shape (pixels, n) with n >= 1, got {patches.shape}.")
    shape = patch_shape_of(patches.shape[0], patch_shape)
    return tile_columns(patches, shape, cols=cols, border=border, fill=fill)


def show_patches(patches, patch_shape=None, cols=None, ax=None, title=None, vmin=None,
                 vmax=None, figsize=None):
    """Show the columns of ``patches`` as gray tiles on one shared scale.

    ``vmin``/``vmax`` default to the smallest and largest value shown. Returns
    ``(fig, tiled)``.
    """
    import matplotlib.pyplot as plt

    tiled = tile_patches(patches, patch_shape=patch_shape, cols=cols)
    vmin = np.nanmin(tiled) if vmin is None else vmin
    vmax = np.nanmax(tiled) if vmax is None else vmax
    fig, ax = axes_for_image(tiled, ax, figsize)
    cmap = plt.get_cmap("gray").with_extremes(bad="white")
    ax.imshow(np.ma.masked_invalid(tiled), cmap=cmap, vmin=vmin, vmax=vmax,
              interpolation="nearest")
    ax.set_axis_off()
    if title:
        ax.set_title(title)
    return fig, tiled


def show_reconstructions(patches, reconstructions, n=10, patch_shape=None, figsize=None,
                         labels=("patch $x$", "reconstruction $a^{(3)}$")):
    """The first ``n`` patches (top row) above their reconstructions (bottom row).

    Both rows use the gray scale of the patches, so a reconstruction that is too faint
    or too strong shows as such. Returns the figure.
    """
    import matplotlib.pyplot as plt

    patches = np.asarray(patches, dtype=np.float64)
    reconstructions = np.asarray(reconstructions, dtype=np.float64)
    if patches.shape != reconstructions.shape:
        raise ValueError(f"patches {patches.shape} and reconstructions "
                         f"{reconstructions.shape} must have the same shape.")
    n = min(int(n), patches.shape[1])
    shown = patches[:, :n]
    vmin, vmax = float(shown.min()), float(shown.max())
    fig, axes = plt.subplots(2, 1, figsize=figsize or (1.0 * n, 2.6))
    for ax, arr, label in zip(axes, (shown, reconstructions[:, :n]), labels):
        show_patches(arr, patch_shape=patch_shape, cols=n, ax=ax, vmin=vmin, vmax=vmax)
        ax.set_axis_on()
        ax.set_xticks([])
        ax.set_yticks([])
        for spine in ax.spines.values():
            spine.set_visible(False)
        ax.set_ylabel(label, rotation=0, ha="right", va="center")
    fig.tight_layout()
    return fig


# ---------------------------------------------------------------------------------------
# Training on any objective (e.g. a buggy one)
# ---------------------------------------------------------------------------------------
def train_with_objective(objective, data, hidden_size, *, lambda_=1e-4, sparsity_param=0.01,
                         beta=3.0, max_iter=400, rng=None, theta0=None, args=()):
    """L-BFGS on ``objective`` with the settings :func:`sae_lib.train` uses.

    ``objective(theta, visible_size, hidden_size, lambda_, sparsity_param, beta, data,
    *args)`` must return ``(cost, grad)`` -- the signature of
    :func:`sae_lib.sparse_autoencoder_cost`; ``args`` passes extra arguments, such as the
    ``kind`` of :func:`sae_lib.exercises.buggy_sparse_autoencoder_cost`. With a correct
    objective this reaches what ``train`` reaches (more slowly if the objective is the
    readable one); with a wrong gradient, L-BFGS's line search fails and the run stops
    early -- the message says why. No progress bar. Returns a
    :class:`~sae_lib.TrainResult`.
    """
    if not callable(objective):
        raise ValueError("objective must be a function (theta, visible_size, hidden_size, "
                         "lambda_, sparsity_param, beta, data, ...) -> (cost, grad).")

    def with_args(theta, visible_size, hidden_size, lambda_, sparsity_param, beta, data):
        return objective(theta, visible_size, hidden_size, lambda_, sparsity_param, beta,
                         data, *args)

    return train(data, hidden_size, lambda_=lambda_, sparsity_param=sparsity_param, beta=beta,
                 max_iter=max_iter, rng=rng, theta0=theta0, progress=False,
                 objective=with_args)


# ---------------------------------------------------------------------------------------
# Filter banks
# ---------------------------------------------------------------------------------------
def show_filter_gallery(panels, cols=None, panel_size=2.6, caption_lines=3):
    """Several filter banks side by side: ``panels`` is a list of (title, A, caption).

    ``A`` is one filter per column (``result.W1.T``) and is drawn with
    :func:`~sae_lib.display_network`; ``caption`` (may be empty) is printed under it.
    Returns the figure.
    """
    import matplotlib.pyplot as plt

    panels = list(panels)
    if not panels:
        raise ValueError("panels is empty; pass a list of (title, W1.T, caption).")
    cols = len(panels) if cols is None else int(cols)
    rows = math.ceil(len(panels) / cols)
    height = panel_size + 0.18 * caption_lines + 0.4
    fig, axes = plt.subplots(rows, cols, figsize=(panel_size * cols, height * rows),
                             squeeze=False)
    for ax, (title, A, caption) in zip(axes.ravel(), panels):
        display_network(A, ax=ax, title=title)
        if caption:
            ax.text(0.5, -0.04, caption, transform=ax.transAxes, ha="center", va="top",
                    fontsize=9)
    for ax in axes.ravel()[len(panels):]:
        ax.set_axis_off()
    fig.tight_layout()
    return fig
