"""sae_lib -- the helper library behind the 'Sparse Autoencoders, hands-on' notebooks.

A module per concept, named after the UFLDL / CS294A material:

* :mod:`sae_lib.objective`      -- cost, gradient, parameter packing (``sparse_autoencoder_cost``)
* :mod:`sae_lib.gradient_check` -- numerical gradients (``compute_numerical_gradient``)
* :mod:`sae_lib.data`           -- natural images, patches, digits, MNIST files
* :mod:`sae_lib.training`       -- L-BFGS and gradient descent, saving models
* :mod:`sae_lib.visualization`  -- ``display_network``, ``show_source``
* :mod:`sae_lib.analysis`       -- spectra, patch pictures, filter galleries (notebook 05)
* :mod:`sae_lib.widgets`        -- the interactive explorers (KL curve, rho/beta explorer)
* :mod:`sae_lib.exercises`      -- the checkers behind the notebooks' exercises
* :mod:`sae_lib.variants`       -- L1 and TopK autoencoders, superposition toy data, SAE metrics
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
    check_numerical_gradient,
    compute_numerical_gradient,
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
