"""The feature browser: any unit's card, one at a time, in a widget.

Conventions of the rho/beta explorer (:mod:`sae_lib.widgets.rho_beta`): the card's
figure is drawn once; picking a unit changes the data of its artists in place and
re-renders only those (blitting) into the PNG of an ``ipywidgets.Image``; controls use
``continuous_update=False``.
"""

from __future__ import annotations

import time as _time

import ipywidgets as _ipw
import numpy as _np

from .cards import Card, _check_labels, _check_positions, _density_text, card_layout
from .summary import UnitSummaries, _check_data, _check_model, summarize_units

__all__ = ["FeatureBrowser", "feature_browser"]

_ORDER_LABELS = {
    "rho_hat": "mean activation ρ̂ (largest first)",
    "peak": "peak activation (largest first)",
    "selectivity": "selectivity (most selective first)",
    "density": "firing density (densest first)",
}


class FeatureBrowser(_ipw.VBox):
    """Browse the feature cards of a model's hidden units (an ipywidgets VBox).

    ``unit_control`` (a Dropdown whose value is the unit index; its options are listed
    in the order chosen with ``order_control``; a Dropdown sends one change per pick,
    so there is no ``continuous_update`` to switch off), ``previous_button`` / ``next_button``
    step through that order, ``image`` holds the card as PNG, ``readout`` (HTML) the
    unit's numbers, ``summary`` the :class:`~sae_lib.features.UnitSummaries`,
    ``current_unit`` the unit shown, ``card`` its :class:`~sae_lib.features.cards.Card`
    (the figure's artists), ``last_update_seconds`` how long the last change took.
    :meth:`show` picks a unit from code, by the same path as the control.
    """

    def __init__(self, model, data, *, k=9, patch_shape=None, positions=None, images=None,
                 order="rho_hat", labels=None, summary=None):
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        from ..widgets.rho_beta import _BlitPanel

        W1, _ = _check_model(model)
        data = _check_data(data, W1.shape[1])
        if summary is None:
            summary = summarize_units(model, data, k=k, patch_shape=patch_shape)
        elif not isinstance(summary, UnitSummaries) or summary.m != data.shape[1]:
            raise ValueError("summary must be the UnitSummaries of this model on this data.")
        self.summary = summary
        if order not in summary.available_orders():
            summary.order(order)        # raises the teaching ValueError
        positions, images = _check_positions(positions, images, data.shape[1], summary)
        labels = _check_labels(labels, data.shape[1])
        self.last_update_seconds = None
        self.current_unit = None
        self._updating = False

        # --- the card, drawn once ---------------------------------------------------
        layout = card_layout(summary, positions is not None, images=images)
        self.figure = Figure(figsize=(layout["width"], layout["height"]), dpi=80)
        FigureCanvasAgg(self.figure)
        self.card = Card(self.figure, 0.0, summary, data, positions=positions, images=images,
                         labels=labels, tile_values=False)   # activations: in the readout
        first = int(summary.order(order)[0])
        self.card.show(first)
        self._panel = _BlitPanel(self.figure, self.card.animated)

        # --- controls -------------------------------------------------------------------
        style = {"description_width": "initial"}
        self.order_control = _ipw.Dropdown(
            options=[(_ORDER_LABELS[o], o) for o in summary.available_orders()], value=order,
            description="order units by", style=style, layout=_ipw.Layout(width="340px"))
        self.unit_control = _ipw.Dropdown(options=self._unit_options(order), value=first,
                                          description="unit", style=style,
                                          layout=_ipw.Layout(width="300px"))
        self.unit_control.add_class("sae-unit-control")
        self.previous_button = _ipw.Button(description="◀ previous",
                                           layout=_ipw.Layout(width="100px"))
        self.next_button = _ipw.Button(description="next ▶", layout=_ipw.Layout(width="100px"))
        self.previous_button.on_click(lambda _: self.step(-1))
        self.next_button.on_click(lambda _: self.step(+1))
        w, h = (int(round(x)) for x in self.figure.get_size_inches() * self.figure.dpi)
        self.image = _ipw.Image(format="png", layout=_ipw.Layout(
            width=f"{w}px", height=f"{h}px", flex="0 0 auto", object_fit="contain"))
        self.image.add_class("sae-feature-image")
        self.readout = _ipw.HTML(layout=_ipw.Layout(width=f"{min(w, 900)}px"))
        self.readout.add_class("sae-feature-readout")

        self.unit_control.observe(self._on_unit, names="value")
        self.order_control.observe(self._on_order, names="value")
        super().__init__([
            _ipw.HBox([self.order_control, self.unit_control, self.previous_button,
                       self.next_button]),
            self.image,
            self.readout,
        ])
        self.add_class("sae-feature-browser")
        self._render(first)

    # -- controls ------------------------------------------------------------------------
    def _unit_options(self, order):
        s = self.summary
        values = {"rho_hat": s.rho_hat, "peak": s.peak, "selectivity": s.selectivity,
                  "density": s.density}[order]
        symbol = {"rho_hat": "ρ̂", "peak": "peak", "selectivity": "sel.",
                  "density": "density"}[order]
        return [(f"{j}  ({symbol} {values[j]:.3g})", int(j)) for j in s.order(order)]

    def _on_unit(self, change):
        if not self._updating and change["new"] is not None:
            self._render(int(change["new"]))

    def _on_order(self, change):
        unit = self.current_unit
        self._updating = True
        try:
            self.unit_control.options = self._unit_options(change["new"])
            self.unit_control.value = unit
        finally:
            self._updating = False
        self._render(unit)      # the rank in the readout changed

    def show(self, unit):
        """Show ``unit`` (an index): sets ``unit_control.value``, as a person picking it."""
        unit = self.summary._unit_index(unit)
        if self.unit_control.value == unit:
            self._render(unit)
        else:
            self.unit_control.value = unit

    def step(self, by):
        """Move ``by`` places through the current order (wraps around)."""
        order = list(self.summary.order(self.order_control.value))
        at = order.index(self.current_unit)
        self.show(int(order[(at + by) % len(order)]))

    # -- drawing -------------------------------------------------------------------------
    def _render(self, unit):
        start = _time.perf_counter()
        card = self.card.show(unit)
        self.current_unit = card.unit
        self.image.value = self._panel.png()
        self.readout.value = readout_html(self.summary, card, self.order_control.value)
        self.last_update_seconds = _time.perf_counter() - start

    def __repr__(self):
        return (f"FeatureBrowser(unit={self.current_unit}, order={self.order_control.value!r},"
                f" {self.summary!r})")


def readout_html(summary, card, order):
    """The numbers of one unit as an HTML table (the browser's ``readout``)."""
    s = summary
    rank = int(_np.flatnonzero(s.order(order) == card.unit)[0]) + 1
    rows = [("mean activation ρ̂<sub>j</sub>", f"{card.rho_hat:.4g}"),
            ("peak activation", f"{card.peak:.4g}")]
    if card.density is not None:
        rows.append(("firing density (a<sub>j</sub> &gt; 0)",
                     f"{_density_text(card)} of {s.m} examples"))
    else:
        rows.append(("firing density", "undefined: sigmoid units are never exactly 0"))
    rows.append((s.selectivity_name, f"{card.selectivity:.3f}" if _np.isfinite(card.selectivity)
                 else "undefined (it responds to no example)"))
    if card.orientation is not None:
        rows.append(("preferred orientation (frequency vector)",
                     f"{_np.degrees(card.orientation):.0f}°"))
    stat = "density" if s.true_zero else "ρ̂"
    flags = []
    if card.dead:
        flags.append(f"<b>dead</b> ({stat} &lt; {s.dead_below:.3g})")
    if card.dense:
        flags.append(f"<b>dense</b> ({stat} &gt; {s.dense_above:.3g})")
    rows.append(("dead / dense", ", ".join(flags) if flags else "neither"))
    top = ", ".join(f"{i} ({v:.3g})" for i, v in zip(card.top_indices, card.top_values))
    rows.append((f"top {s.k} examples (activation)", top))
    body = "".join(f"<tr><td style='padding-right:12px'>{a}</td><td>{b}</td></tr>"
                   for a, b in rows)
    return (f"<div style='font-size:13px;line-height:1.45'>"
            f"<b>unit {card.unit}</b> — number {rank} of {s.hidden_size} by "
            f"{_ORDER_LABELS[order]}<table>{body}</table></div>")


def feature_browser(model, data, *, k=9, patch_shape=None, positions=None, images=None,
                    order="rho_hat", labels=None, summary=None):
    """An interactive browser of the feature cards of every hidden unit (a :class:`FeatureBrowser`).

    The card is the one :func:`~sae_lib.features.feature_cards` draws: encoder filter,
    decoder column, the ``k`` top-activating inputs, the activation histogram with
    rho_hat marked and, for natural-image patches with ``positions`` and ``images``, where
    the top patches sit in their photographs. Pick the unit with ``unit_control`` (or the
    previous/next buttons), ordered by ``order`` ("rho_hat", "peak", "selectivity", or
    "density" for ReLU/TopK models); the numbers appear below the card. ``labels`` (m,)
    are printed beside each top input. Display the returned widget in a notebook.
    """
    return FeatureBrowser(model, data, k=k, patch_shape=patch_shape, positions=positions,
                          images=images, order=order, labels=labels, summary=summary)
