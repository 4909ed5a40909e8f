"""Interactive explorers built with ipywidgets, one module each, so the notebooks stay short.

* :mod:`.kl_penalty` -- notebook 02: KL(rho || rho_hat) and its slope under sliders.
* :mod:`.rho_beta`   -- notebook 06: the rho/beta explorer over a grid of trained models.

Every explorer is a function returning the widget to display (and keeping references to
its parts so tests can drive the callbacks without a browser). Figures are drawn once and
their artists updated in place on each change; sliders use ``continuous_update=False``.
"""

from .kl_penalty import (
    KL_PENALTY_YLIM,
    KL_RHO_HAT_GRID,
    KL_SLOPE_YLIM,
    KLPenaltyExplorer,
    draw_kl_penalty,
    kl_penalty_explorer,
    kl_penalty_figure,
)
from .rho_beta import (
    EXPLORER_GRID_FILE,
    ExplorerGrid,
    ExplorerModel,
    RhoBetaExplorer,
    load_explorer_grid,
    model_figures,
    plot_explorer_grid,
    rho_beta_explorer,
)

__all__ = [
    "KL_PENALTY_YLIM", "KL_RHO_HAT_GRID", "KL_SLOPE_YLIM", "KLPenaltyExplorer",
    "draw_kl_penalty", "kl_penalty_explorer", "kl_penalty_figure",
    "EXPLORER_GRID_FILE", "ExplorerGrid", "ExplorerModel", "RhoBetaExplorer",
    "load_explorer_grid", "model_figures", "plot_explorer_grid", "rho_beta_explorer",
]
