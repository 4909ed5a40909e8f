"""Feature cards: one row of pictures per hidden unit, for readers with or without a kernel.

A card shows, for unit j: its encoder filter (row j of W1: what it looks for), its
decoder column (column j of W2: what it writes back), the k inputs that activate it
most, the histogram of its activations over the data with rho_hat_j marked, and -- for
patches cut from photographs, given their positions -- where those patches sit in their
photographs. :func:`feature_cards` draws several cards into one static figure; the
browser (:mod:`sae_lib.features.browser`) draws one card once and updates it in place.
"""

from __future__ import annotations

import numbers
import textwrap

import numpy as np

from ..visualization import grid_shape, tile_columns
from .summary import UnitSummaries, _check_data, _check_model, summarize_units

__all__ = ["feature_cards", "pick_units"]

_PANEL = 1.15        # inches: side of a square panel
_GAP = 0.32          # inches between panels
_TITLE = 0.34        # inches above the panels for the card's title
_LABEL = 0.2         # inches above each panel for its own title
_BELOW = 0.36        # inches below the panels (tick labels)
_CONTEXT = 4         # the context panel shows a window this many patch sides across
_MONTAGE_MAX_IMAGES = 30
_LINE_STEP = 2.3     # vertical distance of the top inputs drawn as lines (each within +-1)


def _fmt(x):
    return f"{x:.3g}"


def _own_scale(x):
    """x divided by its largest absolute value (a zero vector stays 0)."""
    top = float(np.max(np.abs(x)))
    return x / top if top > 0 else x


def _percent(share):
    """A share as a percentage to 3 significant digits, never rounded to 0% or 100%
    unless it is exactly that (1 example in 3000 is 0.0333%, and 2999 are 99.97%)."""
    if share <= 0 or share >= 1:
        return f"{100 * share:.0f}%"
    text = f"{100 * share:.3g}"
    digits = 3
    while text in ("100", "0") or float(text) in (0.0, 100.0):
        digits += 1
        text = f"{100 * share:.{digits}g}"
    return text + "%"


def _density_text(card):
    if card.density is None:
        return None
    d = card.density
    return _percent(d) if d >= 1e-3 or d == 0 else f"{d:.2e}"


def card_title(summary, card):
    """The one-line title of a unit's card: index, rho_hat, peak, density, flags."""
    parts = [f"unit {card.unit}", f"ρ̂ = {_fmt(card.rho_hat)}", f"peak {_fmt(card.peak)}"]
    density = _density_text(card)
    if density is not None:
        parts.append(f"density {density}")
    short = "orientation sel." if summary.orientation is not None else "lifetime sparseness"
    parts.append(f"{short} {card.selectivity:.2f}" if np.isfinite(card.selectivity)
                 else f"{short} undefined")
    if card.dead:
        parts.append("DEAD")
    if card.dense:
        parts.append("DENSE")
    return "   ·   ".join(parts)


def _montage_grid(n):
    """(rows, cols) for n thumbnails: about twice as wide as high (10 -> 2 x 5)."""
    rows = max(1, int(round(np.sqrt(n / 2.0))))
    return rows, int(np.ceil(n / rows))


class _Montage:
    """The photographs, shrunk and tiled into one picture, and where a patch lands on it."""

    def __init__(self, images, patch_size, height_px=150):
        images = np.asarray(images, dtype=np.float64)
        if images.ndim == 2:
            images = images[None]
        if images.ndim != 3:
            raise ValueError(f"images must have shape (n_images, height, width), got "
                             f"{images.shape}.")
        n, H, W = images.shape
        shown = min(n, _MONTAGE_MAX_IMAGES)
        rows, cols = _montage_grid(shown)
        self.step = step = max(1, int(np.ceil(rows * H / height_px)))
        # block means, not every step-th pixel (which would alias fine texture into noise)
        h, w = H // step, W // step
        small = images[:shown, : h * step, : w * step].reshape(shown, h, step, w, step)
        small = small.mean(axis=(2, 4))
        lo, hi = np.percentile(small, [1, 99])
        scaled = np.clip((small - lo) / (hi - lo if hi > lo else 1.0), 0, 1)
        self.tile_h, self.tile_w = small.shape[1:]
        self.cols = cols
        self.picture = tile_columns(scaled.reshape(shown, -1).T, (self.tile_h, self.tile_w),
                                    cols=cols, border=1, fill=1.0)
        self.shown = shown
        self.patch_size = patch_size

    def centres(self, positions):
        """(x, y) on the montage of the centres of patches at ``positions`` (n, 3)."""
        positions = np.asarray(positions)
        keep = positions[:, 0] < self.shown
        k, r, c = positions[keep].T
        row, col = np.divmod(k, self.cols)
        half = self.patch_size / 2
        x = 1 + col * (self.tile_w + 1) + (c + half) / self.step - 0.5
        y = 1 + row * (self.tile_h + 1) + (r + half) / self.step - 0.5
        return x, y


def _context_window(images, position, patch_size):
    """The neighbourhood of a patch, _CONTEXT patch sides across, the patch centred."""
    k, r, c = (int(v) for v in position)
    side = _CONTEXT * patch_size
    top = r - (side - patch_size) // 2
    left = c - (side - patch_size) // 2
    out = np.full((side, side), np.nan)
    img = images[k]
    r0, r1 = max(top, 0), min(top + side, img.shape[0])
    c0, c1 = max(left, 0), min(left + side, img.shape[1])
    out[r0 - top : r1 - top, c0 - left : c1 - left] = img[r0:r1, c0:c1]
    return out


class Card:
    """One unit's card drawn into a region of a matplotlib figure; :meth:`show` changes unit.

    Every panel is created once; :meth:`show` only changes data of existing artists
    (``set_data``, ``set_text``, limits of the histogram's x axis), so a figure of one
    card can be re-rendered by blitting (see ``browser``). ``animated`` lists the
    artists that change from unit to unit. ``tile_values=False`` leaves the activations
    off the top inputs (the browser lists them in its readout; every text drawn costs
    time on each change); labels, when given, are always shown.
    """

    def __init__(self, fig, bottom, summary, data, *, positions=None, images=None,
                 labels=None, left=0.0, value_range=None, tile_values=True):
        from matplotlib.lines import Line2D
        from matplotlib.patches import Rectangle

        self.fig = fig
        self.summary = s = summary
        self.data = data
        self.labels = labels
        self.tile_text = tile_values or labels is not None
        self.positions = positions
        self.images = None if images is None else np.asarray(images, dtype=np.float64)
        self.is_image = s.patch_shape is not None
        layout = card_layout(s, positions is not None and images is not None,
                             images=self.images)
        self.layout = layout
        W, H = fig.get_size_inches()

        def axes(name):
            x, y, w, h = layout["panels"][name]
            ax = fig.add_axes(((left + x) / W, (bottom + y) / H, w / W, h / H))
            ax.tick_params(labelsize=6.5, length=2, pad=1.5)
            return ax

        card0 = s.unit(0)
        self.title = fig.text((left + 0.12) / W, (bottom + layout["height"] - 0.08) / H, "",
                              fontsize=9.5, fontweight="bold", va="top", ha="left")
        self.animated = [self.title]
        v_lo, v_hi = value_range if value_range is not None else (
            float(np.min(data)), float(np.max(data)))
        self.value_range = (v_lo, v_hi)

        # --- encoder and decoder ------------------------------------------------------
        self.enc_ax, self.dec_ax = axes("encoder"), axes("decoder")
        self.enc_title = self.enc_ax.set_title("", fontsize=7.5, pad=2)
        self.dec_title = self.dec_ax.set_title("", fontsize=7.5, pad=2)
        if self.is_image:
            ph, pw = s.patch_shape
            self.enc_art = self.enc_ax.imshow(np.zeros((ph, pw)), cmap="gray", vmin=-1, vmax=1,
                                              interpolation="nearest")
            self.dec_art = self.dec_ax.imshow(np.zeros((ph, pw)), cmap="gray", vmin=-1, vmax=1,
                                              interpolation="nearest")
            for ax in (self.enc_ax, self.dec_ax):
                ax.set_xticks([])
                ax.set_yticks([])
        else:
            x = np.arange(s.visible_size)
            self.enc_art = self.enc_ax.bar(x, np.zeros_like(x, dtype=float), width=0.85,
                                           color="C0")
            self.dec_art = self.dec_ax.bar(x, np.zeros_like(x, dtype=float), width=0.85,
                                           color="C1")
            for ax in (self.enc_ax, self.dec_ax):
                ax.set_ylim(-1.08, 1.08)
                ax.set_xlim(-0.6, s.visible_size - 0.4)
                ax.axhline(0, color="0.5", lw=0.5)
                ax.set_yticks([-1, 0, 1])
                ax.set_xlabel("input dimension", fontsize=6.5, labelpad=1)
        if self.is_image:     # the titles of image filters never change: drawn once
            self.enc_title.set_text("encoder: row of $W^{(1)}$")
            self.dec_title.set_text("decoder: column of $W^{(2)}$")
            self.animated += [self.enc_art, self.dec_art]
        else:
            self.animated += [self.enc_title, self.dec_title]
            self.animated += list(self.enc_art) + list(self.dec_art)

        # --- top-activating inputs ----------------------------------------------------
        k = s.k
        self.top_ax = axes("top")
        self.top_title = self.top_ax.set_title("", fontsize=7.5, pad=2)
        self.animated.append(self.top_title)
        self.top_texts = []
        if self.is_image:
            ph, pw = s.patch_shape
            cols = grid_shape(k)[1]
            self.top_cols = cols
            tiled = tile_columns(np.zeros((ph * pw, k)), (ph, pw), border=1, fill=np.nan)
            self.top_art = self.top_ax.imshow(tiled, cmap="gray", vmin=v_lo, vmax=v_hi,
                                              interpolation="nearest")
            self.top_ax.set_xticks([])
            self.top_ax.set_yticks([])
            self.top_ax.set_facecolor("#3b6ea5")
            for i in range(k):
                r, c = divmod(i, cols)
                t = self.top_ax.text(1 + c * (pw + 1) - 0.4, 1 + r * (ph + 1) + ph - 0.45, "",
                                     fontsize=5.2, color="#ffd23f", va="bottom", ha="left")
                self.top_texts.append(t)
            self.animated.append(self.top_art)
        else:
            x = np.arange(s.visible_size)
            self.top_art = []
            for i in range(k):
                self.top_ax.axhline(-i * _LINE_STEP, color="0.85", lw=0.5)
                line, = self.top_ax.plot(x, np.full(s.visible_size, -i * _LINE_STEP), lw=0.9,
                                         color=f"C{i % 10}", marker=".", ms=2)
                self.top_art.append(line)
                t = self.top_ax.text(s.visible_size - 0.3, -i * _LINE_STEP, "", fontsize=5.2,
                                     ha="left", va="center", color="0.25", clip_on=False)
                self.top_texts.append(t)
            self.top_ax.set_ylim(-(k - 1) * _LINE_STEP - 1.15, 1.15)
            self.top_ax.set_xlim(-0.5, s.visible_size - 0.5)
            self.top_ax.set_yticks([])
            self.top_ax.set_xlabel("input dimension", fontsize=6.5, labelpad=1)
            self.animated += self.top_art
        if not self.tile_text:
            for t in self.top_texts:
                t.remove()
            self.top_texts = []
        self.animated += self.top_texts

        # --- histogram of activations -------------------------------------------------
        ax = self.hist_ax = axes("histogram")
        counts0 = np.where(card0.hist_counts > 0, card0.hist_counts, 0.5)
        self.hist_art = ax.stairs(counts0, card0.hist_edges, baseline=0.5, fill=True,
                                  color="C0", alpha=0.85)
        self.rho_line = ax.axvline(card0.rho_hat, color="C3", lw=1.4)
        ax.set_yscale("log")
        ax.set_ylim(0.5, 2.0 * s.m)
        ax.set_ylabel("examples", fontsize=6.5, labelpad=1)
        ax.set_xlabel("activation $a_j$", fontsize=6.5, labelpad=1)
        # one x range for every unit (0 to the largest peak): histograms compare across
        # units, and the axis is drawn once
        ax.set_xlim(0.0, float(np.max(s.peak)) if np.max(s.peak) > 0 else 1.0)
        self.hist_title = ax.set_title(
            "its nonzero activations, ρ̂ in red" if s.true_zero else
            "its activations, ρ̂ in red", fontsize=7.5, pad=2)
        self.hist_note = ax.text(0.98, 0.95, "", transform=ax.transAxes, fontsize=6.3,
                                 ha="right", va="top", color="0.2",
                                 bbox=dict(boxstyle="round,pad=0.2", fc="white", ec="none",
                                           alpha=0.8))
        self.animated += [self.hist_art, self.rho_line, self.hist_note]

        # --- where in the photographs -------------------------------------------------
        self.montage = None
        if "montage" in layout["panels"]:
            ph, pw = s.patch_shape
            self.montage = _Montage(self.images, ph, height_px=layout["montage_px"])
            ax = self.montage_ax = axes("montage")
            ax.imshow(self.montage.picture, cmap="gray", vmin=0, vmax=1,
                      interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
            ax.set_title(f"where the top {k} patches sit (yellow: the best)", fontsize=7.5,
                         pad=2)
            self.where_art = Line2D([], [], ls="none", marker="s", ms=5.5, mfc="none",
                                    mec="#ff3b30", mew=1.1)
            self.best_art = Line2D([], [], ls="none", marker="s", ms=7.5, mfc="none",
                                   mec="#ffd23f", mew=1.6)
            ax.add_line(self.where_art)
            ax.add_line(self.best_art)
            ax.set_xlim(-0.5, self.montage.picture.shape[1] - 0.5)
            ax.set_ylim(self.montage.picture.shape[0] - 0.5, -0.5)
            self.animated += [self.where_art, self.best_art]

            ax = self.context_ax = axes("context")
            side = _CONTEXT * ph
            lo, hi = np.percentile(self.images[: min(len(self.images), 5)], [1, 99])
            self.context_art = ax.imshow(np.zeros((side, side)), cmap="gray", vmin=lo,
                                         vmax=hi, interpolation="nearest")
            ax.set_facecolor("#3b6ea5")
            off = (side - ph) // 2
            ax.add_patch(Rectangle((off - 0.5, off - 0.5), ph, ph, fill=False, ec="#ffd23f",
                                   lw=1.4))
            ax.set_xticks([])
            ax.set_yticks([])
            self.context_title = ax.set_title("", fontsize=7.5, pad=2)
            self.animated += [self.context_art, self.context_title]
        self.unit = None

    # -------------------------------------------------------------------------------
    def show(self, j):
        """Put unit j into every panel (artists updated in place)."""
        s = self.summary
        card = s.unit(j)
        self.unit = card.unit
        self.card = card
        self.title.set_text(card_title(s, card))
        enc_scale = float(np.max(np.abs(card.encoder - card.encoder.mean()))) or 1.0
        dec_scale = float(np.max(np.abs(card.decoder - card.decoder.mean()))) or 1.0
        if self.is_image:
            ph, pw = s.patch_shape
            self.enc_art.set_data((card.encoder - card.encoder.mean()).reshape(ph, pw)
                                  / enc_scale)
            self.dec_art.set_data((card.decoder - card.decoder.mean()).reshape(ph, pw)
                                  / dec_scale)
        else:
            enc_scale = float(np.max(np.abs(card.encoder))) or 1.0
            dec_scale = float(np.max(np.abs(card.decoder))) or 1.0
            for bar, v in zip(self.enc_art, card.encoder / enc_scale):
                bar.set_height(v)
            for bar, v in zip(self.dec_art, card.decoder / dec_scale):
                bar.set_height(v)
            self.enc_title.set_text(f"encoder $W^{{(1)}}$ row (÷{enc_scale:.2g})")
            self.dec_title.set_text(f"decoder $W^{{(2)}}$ col. (÷{dec_scale:.2g})")

        # top inputs
        inputs = self.data[:, card.top_indices].astype(np.float64)
        # true-zero units: an example with a_j = 0 did not fire the unit -- it is only a
        # tie at 0, so its picture is left blank rather than shown as a favourite
        fires = card.top_values > 0 if s.true_zero else np.ones(s.k, dtype=bool)
        n_fire = int(fires.sum())
        inputs[:, ~fires] = np.nan
        if self.is_image:
            ph, pw = s.patch_shape
            self.top_art.set_data(tile_columns(inputs, (ph, pw), cols=self.top_cols,
                                               border=1, fill=np.nan))
        else:
            for i, line in enumerate(self.top_art):
                line.set_ydata(_own_scale(inputs[:, i]) - i * _LINE_STEP)
        # each input's activation, or its label when labels are given (a tile is too
        # small for both; the browser's readout lists the activations)
        for i, t in enumerate(self.top_texts):
            value = (str(self.labels[card.top_indices[i]]) if self.labels is not None
                     else f"{card.top_values[i]:.2g}")
            t.set_text(value if fires[i] else "")
        what = "" if self.is_image else ", each ÷ its max |x|"
        label = ("label" if self.labels is not None else
                 "activation" if self.tile_text else "best first")
        if n_fire == 0:
            self.top_title.set_text("no input fires it: nothing to show")
        elif n_fire < s.k:
            self.top_title.set_text(f"only {n_fire} input{'s' if n_fire > 1 else ''} "
                                    f"fire{'' if n_fire > 1 else 's'} it ({label})")
        else:
            self.top_title.set_text(f"top {s.k} inputs ({label}{what})")

        # histogram
        counts = np.where(card.hist_counts > 0, card.hist_counts, 0.5)
        self.hist_art.set_data(counts, card.hist_edges, baseline=0.5)
        self.rho_line.set_xdata([card.rho_hat, card.rho_hat])
        if s.true_zero:
            share = card.zeros / s.m
            self.hist_note.set_text(f"ρ̂ = {_fmt(card.rho_hat)}\n"
                                    f"exactly 0 on {_percent(share)}\n(not drawn)")
        else:
            below = float(card.hist_counts[0]) / s.m
            self.hist_note.set_text(f"ρ̂ = {_fmt(card.rho_hat)}\n"
                                    f"{_percent(below)} in the first bar")

        # where in the photographs
        if self.montage is not None:
            pos = self.positions[card.top_indices[fires]]
            x, y = self.montage.centres(pos)
            self.where_art.set_data(x, y)
            self.best_art.set_data(x[:1], y[:1])
            side = _CONTEXT * s.patch_shape[0]
            if n_fire:
                self.context_art.set_data(_context_window(self.images, pos[0],
                                                          s.patch_shape[0]))
                self.context_title.set_text(f"best, in photo {int(pos[0, 0])}")
            else:
                self.context_art.set_data(np.full((side, side), np.nan))
                self.context_title.set_text("no patch fires it")
        return card


def card_layout(summary, with_photos, images=None):
    """Panel rectangles (inches, relative to the card's lower left) and the card's size."""
    image = summary.patch_shape is not None
    side = _PANEL
    wide = 1.9 if not image else side
    panels = {}
    x = 0.45 if not image else 0.15
    y = _BELOW
    for name, w in (("encoder", wide), ("decoder", wide)):
        panels[name] = (x, y, w, side)
        x += w + _GAP + (0.25 if not image else 0)
    top_w = wide if not image else side
    panels["top"] = (x, y, top_w, side)
    x += top_w + _GAP + 0.3
    panels["histogram"] = (x, y, 2.0, side)
    x += 2.0 + _GAP - 0.05
    montage_px = 150
    if with_photos:
        panels["context"] = (x, y, side, side)
        x += side + _GAP - 0.1
        n, H, W = np.asarray(images).shape if np.ndim(images) == 3 else (1,) + np.shape(images)
        rows, cols = _montage_grid(min(n, _MONTAGE_MAX_IMAGES))
        aspect = (cols * W) / (rows * H)
        mw = side * aspect
        panels["montage"] = (x, y, mw, side)
        x += mw
    return {"panels": panels, "width": x + 0.15, "height": y + side + _LABEL + _TITLE,
            "montage_px": montage_px}


def pick_units(summary, n_units=6):
    """The units worth looking at: the (n_units + 1) // 2 most selective, then the
    n_units // 2 least selective (by :attr:`UnitSummaries.selectivity`), most selective
    first. Dead units are left out (a unit that never fires has no selectivity to speak
    of; look at one by passing its index). Returns ``(units, caption)``."""
    if isinstance(n_units, bool) or not isinstance(n_units, numbers.Integral) or n_units < 1:
        raise ValueError(f"n_units must be a positive integer, got {n_units!r}.")
    order = [int(j) for j in summary.order("selectivity") if not summary.dead[j]]
    h = summary.hidden_size
    dead = h - len(order)
    left_out = f"; {dead} dead unit{'s' if dead != 1 else ''} left out" if dead else ""
    if not order:
        return [], f"all {h} units are dead"
    if n_units >= len(order):
        return order, (f"all {len(order)} live units of {h}, most selective first (by "
                       f"{summary.selectivity_name}){left_out}")
    most = (n_units + 1) // 2
    least = n_units - most
    units = order[:most] + (order[len(order) - least:] if least else [])
    caption = (f"the {most} most and the {least} least selective of {h} units "
               f"(by {summary.selectivity_name}), most selective first{left_out}")
    return units, caption


def _check_positions(positions, images, m, summary):
    if (positions is None) != (images is None):
        raise ValueError("pass both positions and images (from sample_images(..., "
                         "return_positions=True) and the images it sampled), or neither.")
    if positions is None:
        return None, None
    if summary.patch_shape is None:
        raise ValueError("positions and images only make sense for image patches; this "
                         "model's inputs are not square patches (pass patch_shape).")
    positions = np.asarray(positions)
    images = np.asarray(images, dtype=np.float64)
    if images.ndim == 2:
        images = images[None]
    if positions.shape != (m, 3) or not np.issubdtype(positions.dtype, np.integer):
        raise ValueError(f"positions must be an int array (m, 3) = ({m}, 3) of (image, top "
                         f"row, left column), one per column of data, as "
                         f"sample_images(..., return_positions=True) returns; got shape "
                         f"{positions.shape}, dtype {positions.dtype}.")
    ph, pw = summary.patch_shape
    if images.ndim != 3 or (positions.min(axis=0) < 0).any() or \
            positions[:, 0].max() >= len(images) or \
            positions[:, 1].max() + ph > images.shape[1] or \
            positions[:, 2].max() + pw > images.shape[2]:
        raise ValueError("positions point outside images; pass the images the patches were "
                         "sampled from (the same array given to sample_images).")
    return positions, images


def _check_labels(labels, m):
    if labels is None:
        return None
    labels = np.asarray(labels)
    if labels.shape != (m,):
        raise ValueError(f"labels must have one entry per example (m = {m},), got shape "
                         f"{labels.shape}.")
    return labels


def feature_cards(model, data, units=None, *, k=9, patch_shape=None, positions=None,
                  images=None, n_units=6, labels=None, summary=None):
    """A static figure of feature cards, one row per unit: a matplotlib Figure.

    Each card shows unit j's encoder filter (row j of W1), its decoder column (column j
    of W2), the ``k`` inputs that activate it most (as image patches when visible_size is
    a square number or ``patch_shape`` is given, else as line plots of the input
    vectors), and the histogram of its activations over ``data`` (log count) with its
    mean rho_hat_j marked. Its title gives the unit's index, rho_hat, peak, density
    (units with a true zero only) and selectivity. With ``positions`` (from
    ``sample_images(..., return_positions=True)``) and the ``images`` the patches came
    from, it also shows the best patch in its surroundings and where all k sit in the
    photographs. ``labels`` (m,) are printed beside each top input (e.g. the digit).

    ``units``: the unit indices to show, in order; None picks the ``n_units`` worth
    looking at -- the most and the least selective (the figure's heading says so).
    ``summary``: a :class:`UnitSummaries` of this model on this data, to reuse.
    """
    from ._figure import ReprFigure as Figure

    W1, _ = _check_model(model)
    data = _check_data(data, W1.shape[1])
    if summary is None:
        summary = summarize_units(model, data, k=k, patch_shape=patch_shape)
    elif not isinstance(summary, UnitSummaries) or summary.m != data.shape[1]:
        raise ValueError("summary must be the UnitSummaries of this model on this data.")
    positions, images = _check_positions(positions, images, data.shape[1], summary)
    labels = _check_labels(labels, data.shape[1])
    if units is None:
        units, caption = pick_units(summary, n_units)
        if not units:
            raise ValueError(f"every one of the {summary.hidden_size} units is dead (never "
                             "fires on these data); pass units=[...] to see their cards.")
    else:
        units = [summary._unit_index(j) for j in np.atleast_1d(units).tolist()]
        if not units:
            raise ValueError("units is empty; pass unit indices, or None to pick some.")
        caption = f"units {', '.join(str(j) for j in units)}"
    layout = card_layout(summary, positions is not None, images=images)
    width = layout["width"]
    kind = "ReLU/TopK units (exact zeros)" if summary.true_zero else "sigmoid units"
    lines = textwrap.wrap(f"Feature cards: {caption}; {kind}, m = {summary.m} examples",
                          width=int(width * 13))
    head = 0.15 + 0.19 * len(lines)
    height = layout["height"] * len(units) + head
    fig = Figure(figsize=(width, height), dpi=100)
    value_range = (float(np.min(data)), float(np.max(data)))
    cards = []
    for i, j in enumerate(units):
        bottom = height - head - (i + 1) * layout["height"]
        card = Card(fig, bottom, summary, data, positions=positions, images=images,
                    labels=labels, value_range=value_range)
        card.show(j)
        cards.append(card)
    fig.heading = fig.text(0.12 / width, 1 - 0.08 / height, "\n".join(lines), fontsize=9.5,
                           va="top", ha="left", linespacing=1.3)
    fig.cards = cards
    fig.units = list(units)
    fig.summary = summary
    return fig
