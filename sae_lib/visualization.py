"""Pictures of what a network learned: UFLDL's ``display_network`` and friends."""

from __future__ import annotations

import math

import numpy as np

__all__ = ["tile_filters", "display_network", "grid_shape", "show_source"]


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
    pixels, n = A.shape
    if patch_shape is None:
        side = math.isqrt(pixels)
        if side * side != pixels:
            raise ValueError(
                f"each filter has {pixels} pixels, which is not a square number; pass "
                "patch_shape=(height, width). If A has one filter per row, pass A.T.")
        patch_shape = (side, side)
    ph, pw = (int(x) for x in patch_shape)
    if ph * pw != pixels:
        raise ValueError(f"patch_shape {patch_shape} holds {ph * pw} pixels but each filter "
                         f"(column of A) has {pixels}.")
    rows, cols = grid_shape(n, cols)
    centred = A - A.mean(axis=0)
    scale = np.abs(centred).max(axis=0)
    scale[scale == 0] = 1.0
    centred /= scale
    b = int(border)
    out = -np.ones((b + rows * (ph + b), b + cols * (pw + b)))
    for k in range(n):
        r, c = divmod(k, cols)
        top, left = b + r * (ph + b), b + c * (pw + b)
        out[top : top + ph, left : left + pw] = centred[:, k].reshape(ph, pw)
    return out


def display_network(A, patch_shape=None, cols=None, border=1, ax=None, title=None,
                    figsize=None):
    """Show the columns of A as a grid of gray images, as UFLDL's ``display_network(W1')``.

    ``A``: (pixels, n_filters), one filter per column -- for a trained autoencoder pass
    ``W1.T``. See :func:`tile_filters` for the tiling; the gray colormap maps -1 to black
    and +1 to white. Draws into ``ax`` if given, else a new figure.

    Returns ``(fig, tiled)``: the matplotlib figure and the tiled array it shows.
    """
    import matplotlib.pyplot as plt

    tiled = tile_filters(A, patch_shape=patch_shape, cols=cols, border=border)
    if ax is None:
        if figsize is None:
            h, w = tiled.shape
            scale = 4.0 / max(h, w)
            figsize = (max(2.0, w * scale), max(2.0, h * scale))
        fig, ax = plt.subplots(figsize=figsize)
    else:
        fig = ax.figure
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
