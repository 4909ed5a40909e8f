"""training_health (sae_lib.features.health) on tiny trained KL, L1 and TopK models."""

import numpy as np
import pytest
from matplotlib.figure import Figure

from sae_lib.features.health import health_stats, training_health
from sae_lib.variants import dead_units, feature_density, l0


def test_health_panels_for_kl_l1_and_topk(kl_model, patches, l1_model, topk_model, toy):
    fig = training_health({"KL": (kl_model, patches[0][:, :1000]),
                           "L1": l1_model, "TopK": topk_model}, toy.data)
    assert isinstance(fig, Figure) and len(fig.axes) == 3
    for name, model in (("L1", l1_model), ("TopK", topk_model)):
        codes = model.hidden_activations(toy.data)
        st = fig.stats[name]
        assert st["true_zero"]
        assert st["n_dead"] == dead_units(codes)
        assert st["l0"] == pytest.approx(l0(codes))
        with np.errstate(divide="ignore"):
            np.testing.assert_allclose(np.log10(st["statistic"]), feature_density(codes))
        assert st["n_dense"] == int(np.sum(np.mean(codes > 0, axis=1) > 0.1))
    assert fig.stats["TopK"]["l0"] <= 3 + 1e-12
    kl = fig.stats["KL"]
    assert not kl["true_zero"] and kl["l0"] == 16
    text = " ".join(t.get_text() for ax in fig.axes for t in ax.texts)
    assert "never exactly 0" in text and "dead (never fire)" in text
    # the "never fire" bar holds the dead latents
    for ax, name in zip(fig.axes[1:], ("L1", "TopK")):
        assert ax.never_bar[0].get_height() == fig.stats[name]["n_dead"]
    assert not hasattr(fig.axes[0], "never_bar")         # sigmoid: no such bar


def test_health_stats_of_a_sigmoid_model(kl_model, patches):
    st = health_stats(kl_model, patches[0])
    rho_hat = kl_model.hidden_activations(patches[0]).mean(axis=1)
    np.testing.assert_allclose(st["statistic"], rho_hat)
    assert st["n_dead"] == int(np.sum(rho_hat < 1 / patches[0].shape[1]))


@pytest.mark.parametrize("models,match", [({}, "non-empty dict"), ([1], "non-empty dict"),
                                          ({"a": (1, 2, 3)}, "model or a \\(model, data\\)")])
def test_health_errors(models, match):
    with pytest.raises(ValueError, match=match):
        training_health(models, np.zeros((4, 4)))


def test_health_needs_data(l1_model):
    with pytest.raises(ValueError, match="has no data"):
        training_health({"L1": l1_model})
