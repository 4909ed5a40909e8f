"""feature_cards (sae_lib.features.cards): one card per unit, holding that unit's pictures."""

import numpy as np
import pytest
from matplotlib.figure import Figure

from sae_lib.features import summarize_units
from sae_lib.features.cards import feature_cards, pick_units
from sae_lib.visualization import tile_columns


def test_one_card_per_requested_unit_with_its_own_pictures(kl_model, patches):
    X = patches[0]
    fig = feature_cards(kl_model, X, units=[5, 0, 11])
    assert isinstance(fig, Figure)
    assert fig.units == [5, 0, 11] and [c.unit for c in fig.cards] == [5, 0, 11]
    s = fig.summary
    for card in fig.cards:
        j = card.unit
        title = card.title.get_text()
        assert f"unit {j} " in title and f"ρ̂ = {s.rho_hat[j]:.3g}" in title
        assert "density" not in title                  # sigmoid: no density
        enc = kl_model.W1[j] - kl_model.W1[j].mean()
        np.testing.assert_allclose(card.enc_art.get_array(),
                                   (enc / np.abs(enc).max()).reshape(8, 8))
        top = tile_columns(X[:, s.top_indices[j]], (8, 8), cols=3, border=1, fill=np.nan)
        np.testing.assert_array_equal(card.top_art.get_array().filled(np.nan), top)
        assert card.rho_line.get_xdata()[0] == pytest.approx(s.rho_hat[j])
        np.testing.assert_array_equal(card.hist_art.get_data().values,
                                      np.where(s.hist_counts[j] > 0, s.hist_counts[j], 0.5))
    fig.savefig(__import__("io").BytesIO(), format="png")      # it renders


def test_default_units_are_the_most_and_least_selective(kl_model, patches):
    fig = feature_cards(kl_model, patches[0], n_units=5)
    order = list(fig.summary.order("selectivity"))
    assert fig.units == order[:3] + order[-2:]
    assert "most and the 2 least selective" in fig.heading.get_text().replace("\n", " ")
    units, caption = pick_units(fig.summary, 100)
    assert units == order and "all 16 live units" in caption


def test_dead_units_are_not_picked_by_default(table_model):
    A = np.zeros((5, 40))
    A[1, 3] = 1.0                        # fires once: the most selective
    A[2] = np.linspace(0.1, 1, 40)
    A[3, ::2] = 0.5
    model = table_model(A, visible_size=3, kind="topk")   # units 0 and 4 dead
    fig = feature_cards(model, model.data(), n_units=2, k=2)
    assert fig.units == [1, 2]
    assert "2 dead units left out" in fig.heading.get_text().replace("\n", " ")
    title = feature_cards(model, model.data(), units=[4], k=2).cards[0].title.get_text()
    assert "DEAD" in title and "lifetime sparseness undefined" in title
    with pytest.raises(ValueError, match="every one of the 2 units is dead"):
        m2 = table_model(np.zeros((2, 10)), visible_size=3, kind="l1")
        feature_cards(m2, m2.data(), k=2)


def test_photographs_show_where_the_top_patches_sit(kl_model, patches):
    X, positions, images = patches
    fig = feature_cards(kl_model, X, units=[3], positions=positions, images=images)
    card = fig.cards[0]
    top = fig.summary.top_indices[3]
    x, y = card.where_art.get_data()
    expected = card.montage.centres(positions[top])
    np.testing.assert_allclose(x, expected[0])
    np.testing.assert_allclose(y, expected[1])
    # the context window is centred on the best patch, which is the patch itself
    k, r, c = positions[top[0]]
    window = card.context_art.get_array()
    np.testing.assert_array_equal(window[12:20, 12:20], images[k, r:r + 8, c:c + 8])


def test_vectors_that_are_not_images_are_drawn_as_lines(l1_model, toy):
    fig = feature_cards(l1_model, toy.data, units=[0, 1], k=4)
    card = fig.cards[1]
    s = fig.summary
    assert s.patch_shape is None and len(card.top_art) == 4
    for i, line in enumerate(card.top_art):
        x = toy.data[:, s.top_indices[1, i]]
        np.testing.assert_allclose(line.get_ydata(), x / np.abs(x).max() - i * 2.3)
    heights = [b.get_height() for b in card.enc_art]
    np.testing.assert_allclose(heights, l1_model.W1[1] / np.abs(l1_model.W1[1]).max())
    assert "density" in card.title.get_text()


def test_labels_are_printed_beside_the_top_inputs(kl_model, patches):
    X = patches[0]
    labels = np.arange(X.shape[1]) % 10
    fig = feature_cards(kl_model, X, units=[2], k=4, labels=labels)
    top = fig.summary.top_indices[2]
    texts = [t.get_text() for t in fig.cards[0].top_texts]
    assert texts == [str(labels[i]) for i in top]
    assert fig.cards[0].top_title.get_text() == "top 4 inputs (label)"


@pytest.mark.parametrize("kwargs,match", [
    (dict(positions=np.zeros((2000, 3), int)), "pass both positions and images"),
    (dict(positions=np.zeros((5, 3), int), images=np.zeros((1, 20, 20))), r"\(2000, 3\)"),
    (dict(positions=np.full((2000, 3), 15), images=np.zeros((1, 20, 20))), "point outside"),
    (dict(units=[99]), "numbered 0 to 15"),
    (dict(units=[]), "units is empty"),
    (dict(n_units=0), "n_units must be a positive integer"),
    (dict(labels=np.zeros(3)), "one entry per example"),
])
def test_card_errors(kl_model, patches, kwargs, match):
    with pytest.raises(ValueError, match=match):
        feature_cards(kl_model, patches[0], **kwargs)


def test_a_summary_can_be_reused(kl_model, patches):
    X = patches[0]
    s = summarize_units(kl_model, X, k=4)
    fig = feature_cards(kl_model, X, units=[1], summary=s)
    assert fig.summary is s
    with pytest.raises(ValueError, match="UnitSummaries of this model on this data"):
        feature_cards(kl_model, X[:, :100], summary=s)


def test_examples_that_do_not_fire_a_relu_unit_are_left_blank(table_model):
    A = np.zeros((3, 30))
    A[0, [5, 20]] = [0.4, 0.9]           # fires twice
    A[1] = np.linspace(0.1, 1.0, 30)     # fires on all
    model = table_model(A, visible_size=4, kind="l1")       # 2 x 2 "patches"
    X = model.data()
    fig = feature_cards(model, X, units=[0, 1, 2], k=4)
    rare, busy, dead = fig.cards
    tiles = rare.top_art.get_array().filled(np.nan)
    assert np.isfinite(tiles[1:3, 1:3]).all() and np.isfinite(tiles[1:3, 4:6]).all()
    assert np.isnan(tiles[4:6, 1:3]).all() and np.isnan(tiles[4:6, 4:6]).all()
    assert rare.top_title.get_text().startswith("only 2 inputs fire it")
    assert [t.get_text() for t in rare.top_texts] == ["0.9", "0.4", "", ""]
    assert busy.top_title.get_text().startswith("top 4 inputs")
    assert dead.top_title.get_text() == "no input fires it: nothing to show"
    assert np.isnan(dead.top_art.get_array().filled(np.nan)).all()
    assert "exactly 0 on 93.3%" in rare.hist_note.get_text()


def test_the_figure_shows_itself_in_a_notebook_without_pyplot(kl_model, patches):
    fig = feature_cards(kl_model, patches[0][:, :300], units=[0], k=4)
    png = fig._repr_png_()
    assert png[:4] == b"\x89PNG" and len(png) > 10_000
