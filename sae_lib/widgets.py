"""Interactive explorers built with ipywidgets, so the notebooks stay short.

Every explorer is a function returning the widget to display (and keeping references to
its parts so tests can drive the callbacks without a browser). Figures are drawn once and
their artists updated in place on each change; sliders use ``continuous_update=False``.
"""

from __future__ import annotations

# === 02: the KL penalty curve ===========================================================
# === end 02 =============================================================================

# === 06: the rho / beta explorer ========================================================
# === end 06 =============================================================================
