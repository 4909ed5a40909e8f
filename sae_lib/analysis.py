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
* :func:`orientation_power` -- how an image's (or a filter's) power divides among
  horizontal, diagonal and vertical stripes: photographs are not isotropic, and the
  filters learned from them inherit the tilt.
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
    "ORIENTATION_SECTORS",
    "orientation_power",
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


#: The four sectors of :func:`orientation_power`, named by the direction the stripes run;
#: 45-degree wide sectors centred on 0, 45, 90 and 135 degrees (counter-clockwise from
#: the horizontal, the picture's y axis pointing up).
ORIENTATION_SECTORS = ("horizontal", "rising diagonal", "vertical", "falling diagonal")


def orientation_power(images, size=None, pooled=False):
    """Share of the power of each image that lies in stripes of each orientation.

    A spatial frequency (fx, fy) is a grating whose stripes run perpendicular to the
    vector (fx, fy). Its orientation -- the direction the stripes run, in degrees in
    [0, 180), counter-clockwise from the horizontal with the picture's y axis pointing up
    (row indices grow downward) -- falls into one of four 45-degree sectors,
    :data:`ORIENTATION_SECTORS`: horizontal (0), rising diagonal (45), vertical (90),
    falling diagonal (135); boundaries at 22.5, 67.5, 112.5 and 157.5 degrees. Each
    image's mean is removed first (the zero frequency has no orientation). Only
    frequencies up to 0.5 cycles per pixel count: the corners of the square grid of
    frequencies beyond it lie along the diagonals only, and would give white noise more
    diagonal than horizontal or vertical power. So white noise gives about 0.25 in
    every sector.

    ``images``: (n_images, height, width), or one (height, width) image. ``size`` zero-pads
    every image to (size, size) first -- for small filters such as 8 x 8 rows of W1, a
    finer grid of frequencies (e.g. ``size=32``); by default the image's own grid.
    Returns the shares, (n_images, 4) (one (4,) row for one image), each row summing to 1;
    with ``pooled=True`` the shares of the images' summed power, shape (4,), so that an
    image with more variance counts for more.
    """
    images = np.asarray(images, dtype=np.float64)
    single = images.ndim == 2
    if single:
        images = images[None]
    if images.ndim != 3 or images.shape[0] == 0:
        raise ValueError(f"images must have shape (n_images, height, width), got {images.shape}.")
    if not np.isfinite(images).all():
        raise ValueError("images contain NaN or infinite values; clean them first.")
    _, height, width = images.shape
    if size is None:
        shape = (height, width)
    else:
        if isinstance(size, bool) or not isinstance(size, (int, np.integer)) \
                or size < max(height, width):
            raise ValueError(f"size must be an integer of at least {max(height, width)} (the "
                             f"image's larger side), got {size!r}.")
        shape = (int(size), int(size))
    centred = images - images.mean(axis=(1, 2), keepdims=True)
    power = np.abs(np.fft.fft2(centred, s=shape)) ** 2             # (n, rows, cols)
    fy = -np.fft.fftfreq(shape[0])[:, None]   # rows grow downward; the picture's y points up
    fx = np.fft.fftfreq(shape[1])[None, :]
    stripes = (np.degrees(np.arctan2(fy, fx)) + 90.0) % 180.0
    sector = np.digitize(stripes, [22.5, 67.5, 112.5, 157.5]) % 4
    sector = np.where(fx**2 + fy**2 <= 0.25, sector, -1)          # the disc f <= 0.5
    per_sector = np.stack([power[:, sector == s].sum(axis=1) for s in range(4)], axis=1)
    if pooled:
        per_sector = per_sector.sum(axis=0, keepdims=True)
    totals = per_sector.sum(axis=1, keepdims=True)
    if np.any(totals == 0):
        raise ValueError("an image is constant (or only varies at frequencies above 0.5 "
                         "cycles per pixel): it has no power in any orientation.")
    shares = per_sector / totals
    return shares[0] if (single or pooled) else shares


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
