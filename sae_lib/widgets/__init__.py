"""Interactive explorers built with ipywidgets, so the notebooks stay short.

* :mod:`.kl_penalty`        -- notebook 02: KL(rho || rho_hat) and its slope under sliders.
* notebook 06's rho/beta explorer, in three parts that can be used and tested alone:

  - :mod:`.explorer_grid`     -- the state: the precomputed grid of trained models
    (read-only) and the figures of a model;
  - :mod:`.explorer_training` -- training between grid points: one model at a time in a
    background thread, cancellable, results carried back to the kernel's thread;
  - :mod:`.rho_beta`          -- the drawing and the widget (and the static grid picture).

Every explorer is a function returning the widget to display (and keeping references to
its parts so tests can drive the callbacks without a browser). Figures are drawn once and
their artists updated in place on each change; sliders use ``continuous_update=False``.
"""

from .explorer_grid import (
    EXPLORER_GRID_FILE,
    ExplorerGrid,
    ExplorerModel,
    load_explorer_grid,
    model_figures,
)
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
    ExplorerPanels,
    RhoBetaExplorer,
    plot_explorer_grid,
    rho_beta_explorer,
)

__all__ = [
    "EXPLORER_GRID_FILE",
    "KL_PENALTY_YLIM",
    "KL_RHO_HAT_GRID",
    "KL_SLOPE_YLIM",
    "ExplorerGrid",
    "ExplorerModel",
    "ExplorerPanels",
    "KLPenaltyExplorer",
    "RhoBetaExplorer",
    "draw_kl_penalty",
    "kl_penalty_explorer",
    "kl_penalty_figure",
    "load_explorer_grid",
    "model_figures",
    "plot_explorer_grid",
    "rho_beta_explorer",
]
