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
  and no penalty charges the codes that do fire for their size.

* **KL with a linear decoder** (UFLDL's "Linear Decoders" page): the notes' sigmoid
  hidden units and KL penalty with x_hat = W2 a2 + b2, so that all three models
  reconstruct the same data the same way and can be compared fairly.

Conventions are those of :mod:`sae_lib.objective`: ``data`` has shape (visible_size, m),
one example per column; ``theta = concatenate([W1.ravel(), W2.ravel(), b1, b2])`` with W1
(hidden_size, visible_size), W2 (visible_size, hidden_size); cost functions return
``(cost, grad)`` with grad laid out like theta; ``lambda_`` is weight decay (weights only)
and ``beta`` weighs the sparsity penalty, as in the notes. (Papers on L1 autoencoders
usually call the L1 coefficient lambda; here beta keeps the notes' meaning.)

One module per concept, everything re-exported here:

* :mod:`.activations` -- :func:`relu`, :func:`topk`, :func:`topk_mask`;
* :mod:`.models` -- forward passes, the tied initialisation, the costs and gradients
  (:func:`l1_autoencoder_cost`, :func:`topk_autoencoder_cost`,
  :func:`kl_linear_autoencoder_cost`, :func:`auxk_cost`), with the optional pre-encoder
  bias of today's SAEs;
* :mod:`.toy_data` -- known features in superposition (:func:`make_superposition_data`);
* :mod:`.preprocessing` -- :func:`rescale_for_sigmoid`, :func:`normalize_scale` (input
  normalisation), :func:`geometric_median` (where the pre-encoder bias starts);
* :mod:`.training` -- minibatch :func:`adam`, :func:`train_l1`, :func:`train_topk` (with
  AuxK, unit-norm decoder columns, pre-encoder bias), :func:`train_kl_linear` (L-BFGS),
  :class:`VariantResult`;
* :mod:`.metrics` -- :func:`l0`, :func:`fraction_variance_unexplained`,
  :func:`firing_rates`, :func:`feature_density`, :func:`dead_units`, recovery of known
  features both ways (:func:`feature_recovery`, :func:`latent_recovery`,
  :func:`recovery`, :func:`one_to_one_matching`), the chance level
  (:func:`random_dictionary_baseline`), :func:`coefficient_shrinkage`,
  :func:`l1_optimal_code`;
* :mod:`.sweep` (not re-exported) -- the protocol of notebook 09's comparison over
  settings and seeds, and :func:`~.sweep.load_sae_sweep` for its stored result.
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
