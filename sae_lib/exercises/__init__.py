"""Checkers for the exercises in the notebooks, one module per notebook topic.

Each ``check_*`` function runs a learner's function on cases whose answers are known and
prints what exactly is wrong (or that all is right). It returns True when every case
passes, False otherwise -- and never raises because the learner's code is wrong or not
written yet, so a notebook still runs top to bottom with an unfinished exercise.

========================  ==========  ====================================================
module                    notebook    checks
========================  ==========  ====================================================
:mod:`.feedback`          all         ``Feedback``, ``call_learner`` and the shared toolkit
:mod:`.autoencoders`      01          the forward pass (no loops), PCA reconstruction, predictions
:mod:`.kl_penalty`        02          rho_hat, KL and its derivatives, the constant unit, spread
:mod:`.delta_derivation`  03          the sparsity term, delta2; the planted bugs
:mod:`.gradient_checking` 04          numerical gradient, wrong blocks, revealing points
:mod:`.edge_filters`      05          failure diagnosis, patches from photos, orientation
:mod:`.explorer`          06          predictions about rho and beta, smallest beta
:mod:`.two_passes`        07          the first pass in chunks, memory, chunk size
:mod:`.digits`            08          vectorisation (steps at two m), rho, units per digit
:mod:`.modern_saes`       09          TopK, L0, FVU, shrinkage, latent density, refit
========================  ==========  ====================================================

``from sae_lib.exercises import check_...`` finds every checker here.
"""

from . import (autoencoders, delta_derivation, digits, edge_filters, explorer, feedback,
               gradient_checking, kl_penalty, modern_saes, two_passes)
from .autoencoders import *  # noqa: F401,F403
from .delta_derivation import *  # noqa: F401,F403
from .digits import *  # noqa: F401,F403
from .edge_filters import *  # noqa: F401,F403
from .explorer import *  # noqa: F401,F403
from .feedback import Feedback, call_learner  # noqa: F401
from .gradient_checking import *  # noqa: F401,F403
from .kl_penalty import *  # noqa: F401,F403
from .modern_saes import *  # noqa: F401,F403
from .two_passes import *  # noqa: F401,F403

__all__ = ["Feedback", "call_learner"] + [
    name
    for module in (autoencoders, kl_penalty, delta_derivation, gradient_checking, edge_filters,
                   explorer, two_passes, digits, modern_saes)
    for name in module.__all__
]
