"""A matplotlib Figure that shows itself in a notebook without pyplot."""

from __future__ import annotations

import io

from matplotlib.figure import Figure


class ReprFigure(Figure):
    """A plain ``matplotlib.figure.Figure`` that a notebook displays as PNG.

    The figures of :mod:`sae_lib.features` are made without pyplot (so they are not
    shown twice, and not kept open by pyplot). IPython shows a Figure as a picture only
    once pyplot has set up its inline backend; :meth:`_repr_png_` makes the picture
    appear in any case. Where the inline backend is active, its own formatter (which it
    registers for every Figure) is used instead, so nothing is shown twice.
    """

    def _repr_png_(self):
        buf = io.BytesIO()
        self.savefig(buf, format="png")
        return buf.getvalue()
