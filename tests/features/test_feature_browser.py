"""The feature browser (sae_lib.features.browser), driven from Python as the front end does."""

import numpy as np
import pytest

from sae_lib.features import summarize_units
from sae_lib.features.browser import FeatureBrowser, feature_browser


@pytest.fixture
def browser(kl_model, patches):
    X, positions, images = patches
    return feature_browser(kl_model, X, positions=positions, images=images)


def numbers_of(browser, j):
    s = browser.summary
    return f"<b>unit {j}</b>", f"{s.rho_hat[j]:.4g}", f"{s.peak[j]:.4g}"


def test_changing_the_unit_changes_picture_and_numbers_to_that_unit(browser):
    s = browser.summary
    assert isinstance(browser, FeatureBrowser)
    first = int(s.order("rho_hat")[0])
    assert browser.current_unit == first == browser.unit_control.value
    seen = {browser.image.value}
    for j in [u for u in range(s.hidden_size) if u != first][:6]:
        before_png, before_html = browser.image.value, browser.readout.value
        browser.unit_control.value = j
        assert browser.current_unit == j
        assert browser.image.value != before_png and browser.image.value[:4] == b"\x89PNG"
        assert browser.readout.value != before_html
        for text in numbers_of(browser, j):
            assert text in browser.readout.value
        assert browser.card.title.get_text().startswith(f"unit {j} ")
        top = s.top_indices[j]
        assert ", ".join(f"{i} ({v:.3g})" for i, v in zip(top, s.top_values[j])) \
            in browser.readout.value
        assert browser.card.rho_line.get_xdata()[0] == pytest.approx(s.rho_hat[j])
        enc = s.encoder[j] - s.encoder[j].mean()
        np.testing.assert_allclose(browser.card.enc_art.get_array(),
                                   (enc / np.abs(enc).max()).reshape(8, 8))
        x, _ = browser.card.where_art.get_data()
        assert len(x) == s.k                    # sigmoid: all k top patches marked
        seen.add(browser.image.value)
        assert browser.last_update_seconds is not None
    assert len(seen) == 7                      # every unit its own picture


def test_the_same_unit_gives_the_same_picture(browser):
    browser.unit_control.value = 4
    png = browser.image.value
    browser.unit_control.value = 7
    browser.unit_control.value = 4
    assert browser.image.value == png


def test_changing_the_order_reorders_the_units_and_keeps_the_unit(browser):
    s = browser.summary
    browser.show(6)
    for by in ("peak", "selectivity", "rho_hat"):
        browser.order_control.value = by
        assert [v for _, v in browser.unit_control.options] == list(s.order(by))
        assert browser.unit_control.value == 6 == browser.current_unit
        rank = int(np.flatnonzero(s.order(by) == 6)[0]) + 1
        assert f"number {rank} of {s.hidden_size}" in browser.readout.value
    assert [v for _, v in browser.order_control.options] == ["rho_hat", "peak", "selectivity"]


def test_show_and_the_buttons_take_the_same_path(browser):
    s = browser.summary
    browser.show(9)
    assert browser.unit_control.value == 9 and browser.current_unit == 9
    order = list(s.order("rho_hat"))
    browser.next_button.click()
    assert browser.current_unit == order[(order.index(9) + 1) % len(order)]
    browser.previous_button.click()
    browser.previous_button.click()
    assert browser.current_unit == order[order.index(9) - 1]
    with pytest.raises(ValueError, match="numbered 0 to 15"):
        browser.show(16)


def test_conventions_for_the_real_browser(browser):
    assert "sae-feature-browser" in browser._dom_classes
    assert "sae-unit-control" in browser.unit_control._dom_classes
    assert "sae-feature-image" in browser.image._dom_classes
    import ipywidgets

    # a Dropdown sends one change per pick: no stream of changes while dragging
    assert isinstance(browser.unit_control, ipywidgets.Dropdown)
    assert isinstance(browser.order_control, ipywidgets.Dropdown)
    assert browser.image.format == "png"


def test_relu_models_order_by_density(l1_model, toy):
    b = feature_browser(l1_model, toy.data, order="density", k=4)
    s = b.summary
    assert b.current_unit == int(s.order("density")[0])
    assert "firing density" in b.readout.value and "%" in b.readout.value
    assert "density" in [v for _, v in b.order_control.options]


@pytest.mark.parametrize("order,match", [("density", "sigmoid units are never exactly 0"),
                                         ("size", "unknown order")])
def test_order_errors(kl_model, patches, order, match):
    with pytest.raises(ValueError, match=match):
        feature_browser(kl_model, patches[0][:, :50], order=order)


def test_a_summary_is_reused(kl_model, patches):
    s = summarize_units(kl_model, patches[0], k=4)
    assert feature_browser(kl_model, patches[0], summary=s).summary is s


def test_activations_go_in_the_readout_and_labels_on_the_tiles(kl_model, patches):
    X = patches[0]
    plain = feature_browser(kl_model, X, k=4)
    assert plain.card.top_texts == []                 # not drawn on each change
    assert plain.card.top_title.get_text() == "top 4 inputs (best first)"
    labels = np.arange(X.shape[1]) % 7
    labelled = feature_browser(kl_model, X, k=4, labels=labels)
    labelled.show(3)
    top = labelled.summary.top_indices[3]
    assert [t.get_text() for t in labelled.card.top_texts] == [str(labels[i]) for i in top]
