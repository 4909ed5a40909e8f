"""Beyond KL: sparse autoencoders with an L1 penalty and with TopK codes, and how to compare them.

The sparse autoencoder of the CS294A notes (:mod:`sae_lib.objective`) makes sigmoid units
sparse *on average*: the KL penalty pulls each unit's mean activation rho_hat_j towards a
small rho, but no activation is ever exactly 0. The sparse autoencoders used today to
read features out of neural networks make each *code* sparse instead, with exact zeros:

* **L1** (a ReLU autoencoder with an L1 penalty on the codes, as in Anthropic's
  "Towards Monosemanticity", 2023)::

      z2 = W1 x + b1,   a2 = max(0, z2),   x_hat = W2 a2 + b2          (linear decoder)
      J_L1 = (1/m) sum_i 1/2 ||x_hat_i - x_i||^2
             + lambda_/2 (||W1||^2 + ||W2||^2)
             + beta (1/m) sum_i sum_j a2_ji ||W2[:, j]||

  The penalty weighs each code by the length of its decoder column. Without that
  weight the network could halve every code and double every decoder column: the same
  reconstruction at half the penalty, repeated until the codes are tiny and meaningless.
  With it, J_L1 does not change under that rescaling (the penalty measures how much of
  each decoder direction is *put back*, not how the product is split).

* **TopK** (k-sparse; Makhzani & Frey 2013, Gao et al. 2024)::

      z2 = W1 x + b1,   a2 = max(0, TopK(z2)),   x_hat = W2 a2 + b2
      J_TopK = (1/m) sum_i 1/2 ||x_hat_i - x_i||^2 + lambda_/2 (||W1||^2 + ||W2||^2)

  where TopK keeps, in every column (every example), the k largest pre-activations and
  sets the others to 0. Sparsity is a hard constraint: at most k units fire per example,
  and no penalty shrinks the codes that do fire.

Conventions are those of :mod:`sae_lib.objective`: ``data`` has shape (visible_size, m),
one example per column; ``theta = concatenate([W1.ravel(), W2.ravel(), b1, b2])`` with W1
(hidden_size, visible_size), W2 (visible_size, hidden_size); cost functions return
``(cost, grad)`` with grad laid out like theta; ``lambda_`` is weight decay (weights only)
and ``beta`` weighs the sparsity penalty, as in the notes. (Papers on L1 autoencoders
usually call the L1 coefficient lambda; here beta keeps the notes' meaning.)

The module also holds a toy dataset of known sparse features in superposition
(:func:`make_superposition_data`), training by Adam (:func:`train_l1`, :func:`train_topk`)
and the metrics used to compare sparse autoencoders: :func:`l0`,
:func:`fraction_variance_unexplained`, :func:`firing_rates`, :func:`feature_density`,
:func:`dead_units`, :func:`feature_recovery`, :func:`coefficient_shrinkage`.
"""


from . import activations, metrics, models, preprocessing, sweep, toy_data, training  # noqa: F401
from .activations import *  # noqa: F401,F403
from .metrics import *  # noqa: F401,F403
from .models import *  # noqa: F401,F403
from .preprocessing import *  # noqa: F401,F403
from .toy_data import *  # noqa: F401,F403
from .training import *  # noqa: F401,F403

__all__ = [name for module in (activations, models, toy_data, preprocessing, training, metrics)
           for name in module.__all__]
