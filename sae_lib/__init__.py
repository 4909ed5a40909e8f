"""sae_lib -- the helper library behind the 'Sparse Autoencoders, hands-on' notebooks.

A module (or a small package) per concept, named after the UFLDL / CS294A material:

* :mod:`sae_lib.objective`      -- cost, gradient, parameter packing (``sparse_autoencoder_cost``)
* :mod:`sae_lib.gradient_check` -- numerical gradients and how to read a difference
* :mod:`sae_lib.data`           -- natural images, patches (and where they came from), digits
* :mod:`sae_lib.training`       -- L-BFGS and gradient descent, saving models
* :mod:`sae_lib.map_reduce`     -- the two passes as a map and a reduce on Dask (optional extra)
* :mod:`sae_lib.visualization`  -- ``display_network``, ``show_source``, the one tiling routine
* :mod:`sae_lib.analysis`       -- spectra, orientations, patch pictures, filter galleries
* :mod:`sae_lib.features`       -- feature cards, the feature browser, training health
* :mod:`sae_lib.widgets`        -- the interactive explorers: ``kl_penalty`` (02), the rho/beta
  explorer (06: ``explorer_grid``, ``explorer_training``, ``rho_beta``)
* :mod:`sae_lib.exercises`      -- the checkers, one module per notebook topic, sharing the
  toolkit in ``exercises.feedback``
* :mod:`sae_lib.variants`       -- L1, TopK and linear-decoder KL autoencoders, toy data with
  known features, SAE metrics (notebook 09)
"""

from .data import (
    load_digits,
    load_images,
    load_mnist,
    load_mnist_labels,
    load_natural_images,
    natural_image_names,
    normalize_data,
    sample_images,
    whiten_images,
)
from .gradient_check import (
    BUG_ABOVE,
    RIGHT_BELOW,
    check_numerical_gradient,
    compute_numerical_gradient,
    format_difference,
    judge_difference,
    relative_difference,
    simple_quadratic_function,
)
from .objective import (
    cost_and_grad,
    forward,
    initialize_parameters,
    kl_divergence,
    kl_divergence_prime,
    pack_parameters,
    sigmoid,
    sigmoid_prime,
    sparse_autoencoder_cost,
    sparsity_delta,
    unpack_parameters,
)
from .training import TrainResult, gradient_descent, load_model, save_model, train
from .visualization import display_network, show_source, tile_filters

__version__ = "0.1.0"
