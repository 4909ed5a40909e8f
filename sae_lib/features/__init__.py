"""Look inside a trained autoencoder, one unit at a time.

UFLDL stops at a grid of filters. Today's sparse-autoencoder work reads a model one
feature at a time: for each latent, which inputs make it fire, how often, how strongly,
and what it writes back (Anthropic's feature browser, OpenAI's sae-viewer), and judges
training by the firing-density histogram of all latents. This package does that for
every model of the series -- the sigmoid/KL autoencoders of notebooks 05 and 08
(:class:`sae_lib.training.TrainResult`) and the L1/TopK autoencoders of notebook 09
(:class:`sae_lib.variants.VariantResult`) -- through their common ``hidden_activations``.

* :mod:`.summary` -- :func:`top_activating`, :func:`summarize_units` (a
  :class:`UnitSummaries`: rho_hat, peak, density, dead/dense, histograms, selectivity);
* :mod:`.cards` -- :func:`feature_cards`, a static figure of one card per unit;
* :mod:`.browser` -- :func:`feature_browser`, the same card for any unit in a widget;
* :mod:`.health` -- :func:`training_health`, firing-density histograms, dead and dense
  counts and L0 for several models side by side.
"""

from .browser import FeatureBrowser, feature_browser
from .cards import feature_cards, pick_units
from .health import health_stats, training_health
from .summary import (
    DENSE_ABOVE,
    ORDERS,
    SIGMOID_DENSE_ABOVE,
    UnitCard,
    UnitSummaries,
    has_true_zero,
    lifetime_sparseness,
    orientation_selectivity,
    summarize_units,
    top_activating,
)

__all__ = ["top_activating", "summarize_units", "UnitSummaries", "UnitCard", "feature_cards",
           "pick_units", "feature_browser", "FeatureBrowser", "training_health", "health_stats",
           "orientation_selectivity", "lifetime_sparseness", "has_true_zero", "ORDERS",
           "DENSE_ABOVE", "SIGMOID_DENSE_ABOVE"]
