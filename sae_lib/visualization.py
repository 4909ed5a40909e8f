"""Pictures of what a network learned: UFLDL's ``display_network`` and friends."""

from __future__ import annotations

import math

import numpy as np

__all__ = ["tile_filters", "display_network", "grid_shape", "show_source", "patch_shape_of",
           "tile_columns", "axes_for_image"]


def grid_shape(n_filters, cols=None):
    """(rows, cols) of a near-square grid holding ``n_filters`` tiles.

    As ``display_network.m``: a perfect square stays square; otherwise the number of
    columns starts at ceil(sqrt(n)) and grows (up to 1.2 sqrt(n)) while it does not
    divide n, so that e.g. 24 filters tile 4 x 6 rather than 5 x 5 with a hole.
    """
    if n_filters < 1:
        raise ValueError("need at least one filter to display.")
    if cols is None:
        root = math.isqrt(n_filters)
        if root * root == n_filters:
            cols = root
        else:
            cols = math.ceil(math.sqrt(n_filters))
            while n_filters % cols and cols < 1.2 * math.sqrt(n_filters):
                cols += 1
    elif isinstance(cols, bool) or not isinstance(cols, (int, np.integer)) or cols < 1:
        raise ValueError(f"cols must be a positive integer, got {cols!r}.")
    rows = math.ceil(n_filters / cols)
    return rows, int(cols)


def patch_shape_of(pixels, patch_shape=None, what="patch (column)"):
    """(height, width) of a tile of ``pixels`` values: square unless ``patch_shape`` says."""
    if patch_shape is None:
        side = math.isqrt(pixels)
        if side * side != pixels:
            raise ValueError(
                f"each {what} has {pixels} pixels, which is not a square number; pass "
                "patch_shape=(height, width). If the array has one tile per row, pass its .T.")
        return side, side
    ph, pw = (int(x) for x in patch_shape)
    if ph * pw != pixels:
        raise ValueError(f"patch_shape {patch_shape} holds {ph * pw} pixels but each {what} "
                         f"has {pixels}.")
    return ph, pw


def tile_columns(columns, patch_shape, cols=None, border=1, fill=np.nan):
    """Lay the columns of ``columns`` (pixels, n) out as (height, width) tiles in a
    near-square grid (see :func:`grid_shape`), values unchanged; borders and empty cells
    hold ``fill``. The one tiling routine behind every picture of patches and filters."""
    ph, pw = patch_shape
    n = columns.shape[1]
    rows, cols = grid_shape(n, cols)
    b = int(border)
    out = np.full((b + rows * (ph + b), b + cols * (pw + b)), fill, dtype=np.float64)
    for k in range(n):
        r, c = divmod(k, cols)
        top, left = b + r * (ph + b), b + c * (pw + b)
        out[top : top + ph, left : left + pw] = columns[:, k].reshape(ph, pw)
    return out


def axes_for_image(tiled, ax=None, figsize=None):
    """``(fig, ax)`` to draw ``tiled`` in: ``ax``'s own figure, or a new one about 4 inches
    on its longer side (at least 2 on each)."""
    import matplotlib.pyplot as plt

    if ax is not None:
        return ax.figure, ax
    if figsize is None:
        h, w = tiled.shape
        scale = 4.0 / max(h, w)
        figsize = (max(2.0, w * scale), max(2.0, h * scale))
    return plt.subplots(figsize=figsize)


def tile_filters(A, patch_shape=None, cols=None, border=1):
    """Tile the columns of A into one image: each filter centred and scaled on its own.

    ``A``: (pixels, n_filters) -- one filter per column, e.g. ``W1.T`` (pixels in
    row-major order, as ``sample_images`` makes them). Each filter has its mean removed
    and is divided by its own largest absolute value, so every tile uses the full range
    [-1, 1] (a flat filter stays 0). Tiles sit in a near-square grid separated by
    ``border`` pixels of -1 (black). Returns the tiled float array.
    """
    A = np.asarray(A, dtype=np.float64)
    if A.ndim != 2:
        raise ValueError(f"A must be 2-D (pixels, n_filters) with one filter per column, "
                         f"got shape {A.shape}. For W1 of shape (hidden, visible) pass W1.T.")
    if not np.isfinite(A).all():
        raise ValueError("A contains NaN or infinite values; was training diverging?")
    ph, pw = patch_shape_of(A.shape[0], patch_shape, what="filter (column of A)")
    centred = A - A.mean(axis=0)
    scale = np.abs(centred).max(axis=0)
    scale[scale == 0] = 1.0
    centred /= scale
    return tile_columns(centred, (ph, pw), cols=cols, border=border, fill=-1.0)


def display_network(A, patch_shape=None, cols=None, border=1, ax=None, title=None,
                    figsize=None):
    """Show the columns of A as a grid of gray images, as UFLDL's ``display_network(W1')``.

    ``A``: (pixels, n_filters), one filter per column -- for a trained autoencoder pass
    ``W1.T``. See :func:`tile_filters` for the tiling; the gray colormap maps -1 to black
    and +1 to white. Draws into ``ax`` if given, else a new figure.

    Returns ``(fig, tiled)``: the matplotlib figure and the tiled array it shows.
    """
    tiled = tile_filters(A, patch_shape=patch_shape, cols=cols, border=border)
    fig, ax = axes_for_image(tiled, ax, figsize)
    ax.imshow(tiled, cmap="gray", vmin=-1, vmax=1, interpolation="nearest")
    ax.set_axis_off()
    if title:
        ax.set_title(title)
    return fig, tiled


def show_source(obj):
    """Display the source code of a library function or class in a notebook.

    The notebooks show the code they teach this way, rather than keeping a second copy
    that could drift from the library. Returns an ``IPython.display.Code`` object.
    """
    import inspect

    from IPython.display import Code

    return Code(inspect.getsource(obj), language="python")
