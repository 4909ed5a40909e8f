"""sae_lib.analysis: spectra, patch pictures, training on any objective, filter galleries."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from sae_lib import (cost_and_grad, initialize_parameters, load_natural_images,  # noqa: E402
                     sample_images, sparse_autoencoder_cost, train, whiten_images)
from sae_lib.analysis import (ORIENTATION_SECTORS, neighbour_correlation,  # noqa: E402
                              orientation_power, radial_power_spectrum, show_filter_gallery,
                              show_patches, show_reconstructions, spectrum_slope,
                              tile_patches, train_with_objective)
from sae_lib.exercises import buggy_sparse_autoencoder_cost  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def power_law_images(exponent, n=4, size=128, seed=0):
    """Random-phase images whose power spectrum is exactly |f|^exponent (f != 0)."""
    rng = np.random.default_rng(seed)
    f = np.sqrt(np.fft.fftfreq(size)[:, None] ** 2 + np.fft.fftfreq(size)[None, :] ** 2)
    amplitude = np.zeros_like(f)
    amplitude[f > 0] = f[f > 0] ** (exponent / 2)
    noise = np.fft.fft2(rng.normal(size=(n, size, size)))
    phase = noise / np.abs(noise)
    return np.real(np.fft.ifft2(amplitude * phase))


# --- radial_power_spectrum / spectrum_slope ----------------------------------------------------
def test_white_noise_has_a_flat_spectrum_at_its_variance():
    images = np.random.default_rng(1).normal(0.0, 2.0, size=(6, 96, 96))
    f, power = radial_power_spectrum(images, n_bins=20)
    assert f.min() > 0 and f.max() <= 0.5 and np.all(np.diff(f) > 0)
    # Parseval: |FFT|^2 / N averages to the variance (4) at every frequency of white noise
    high = f > 0.1   # rings holding hundreds of frequencies: little sampling noise
    assert np.allclose(power[high], 4.0, rtol=0.1)
    assert np.mean(power[high]) == pytest.approx(4.0, rel=0.03)
    assert abs(spectrum_slope(f, power, 0.05, 0.5)) < 0.15


@pytest.mark.parametrize("exponent", [-2.0, -1.0, 0.0])
def test_power_law_images_give_their_slope(exponent):
    f, power = radial_power_spectrum(power_law_images(exponent), n_bins=25)
    assert spectrum_slope(f, power, 0.02, 0.4) == pytest.approx(exponent, abs=0.1)


def test_a_grating_puts_its_power_in_its_ring():
    size = 64
    cols = np.arange(size)[None, :]
    image = np.cos(2 * np.pi * 8 / size * cols) * np.ones((size, 1))   # f = 0.125
    f, power = radial_power_spectrum(image, n_bins=30)
    peak = f[np.argmax(power)]
    assert peak == pytest.approx(0.125, rel=0.15)
    assert power.max() > 100 * np.median(power + 1e-30)


def test_whitening_flattens_the_shipped_photographs():
    raw = load_natural_images(whiten=False)
    f_raw, p_raw = radial_power_spectrum(raw, n_bins=30)
    f_white, p_white = radial_power_spectrum(whiten_images(raw), n_bins=30)
    s_raw = spectrum_slope(f_raw, p_raw, 0.01, 0.2)
    s_white = spectrum_slope(f_white, p_white, 0.01, 0.2)
    assert -2.6 < s_raw < -1.8
    assert s_white - s_raw == pytest.approx(2.0, abs=0.1)   # the filter's f multiplies power by f^2


def test_spectrum_input_validation():
    with pytest.raises(ValueError, match="n_images, height, width"):
        radial_power_spectrum(np.zeros((2, 3, 4, 5)))
    with pytest.raises(ValueError, match="too small"):
        radial_power_spectrum(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="n_bins"):
        radial_power_spectrum(np.zeros((8, 8)), n_bins=0)
    with pytest.raises(ValueError, match="fewer than two"):
        spectrum_slope([0.1, 0.2, 0.3], [1, 2, 3], 0.25, 0.5)


def test_spectrum_slope_of_an_exact_power_law():
    f = np.geomspace(0.01, 0.5, 12)
    assert spectrum_slope(f, 3.0 * f ** -2.0, 0.01, 0.5) == pytest.approx(-2.0)


# --- neighbour_correlation -----------------------------------------------------------------------
def test_neighbour_correlation_of_noise_ramps_and_alternation():
    rng = np.random.default_rng(3)
    noise = rng.normal(size=(64, 4000))
    assert abs(neighbour_correlation(noise, 1)) < 0.03
    # every patch a plane a*x + b*y with random slopes: neighbours almost equal -> near 1
    y, x = np.mgrid[0:8, 0:8]
    slopes = rng.normal(size=(2, 500))
    ramps = (x.ravel()[:, None] * slopes[0] + y.ravel()[:, None] * slopes[1])
    assert neighbour_correlation(ramps, 1) > 0.5
    checker = ((x + y) % 2 * 2 - 1).ravel()[:, None] * rng.normal(size=(1, 300))
    assert neighbour_correlation(checker, 1) == pytest.approx(-1.0)
    assert neighbour_correlation(checker, 2) == pytest.approx(1.0)


def test_whitening_decorrelates_pixels_two_apart():
    raw = load_natural_images(whiten=False)
    raw_patches = sample_images(raw, num_patches=3000, rng=0)
    white_patches = sample_images(whiten_images(raw), num_patches=3000, rng=0)
    assert neighbour_correlation(raw_patches, 2) > 0.25
    assert abs(neighbour_correlation(white_patches, 2)) < 0.1


def test_neighbour_correlation_validation_and_flat_patches():
    assert neighbour_correlation(np.ones((64, 10)), 1) == 0.0
    with pytest.raises(ValueError, match="distance"):
        neighbour_correlation(np.zeros((64, 3)), 8)
    with pytest.raises(ValueError, match="not a square"):
        neighbour_correlation(np.zeros((10, 3)), 1)
    r = neighbour_correlation(np.random.default_rng(0).normal(size=(6, 50)), 2, patch_shape=(2, 3))
    assert -1 <= r <= 1


# --- orientation_power ---------------------------------------------------------------------------
def stripes(orientation, size=32, period=4.0):
    """A grating whose stripes run at ``orientation`` degrees (0 horizontal, y axis up)."""
    theta = np.radians(orientation)
    rows, cols = np.mgrid[0:size, 0:size].astype(float)
    x, y = cols, -rows                                  # the picture's y axis points up
    across = -np.sin(theta) * x + np.cos(theta) * y     # distance across the stripes
    return np.cos(2 * np.pi * across / period)


@pytest.mark.parametrize("orientation,sector", [(0, 0), (45, 1), (90, 2), (135, 3),
                                                (10, 0), (170, 0), (60, 1), (100, 2)])
def test_gratings_put_their_power_in_their_sector(orientation, sector):
    shares = orientation_power(stripes(orientation))
    assert shares.shape == (4,) and shares.sum() == pytest.approx(1.0)
    assert shares[sector] > 0.9, (ORIENTATION_SECTORS[sector], shares)


def test_row_direction_is_the_pictures_y_axis():
    rows, cols = np.mgrid[0:32, 0:32]
    rising = np.cos(2 * np.pi * (rows + cols) / 4)       # constant where row + col is: /
    assert ORIENTATION_SECTORS[int(np.argmax(orientation_power(rising)))] == "rising diagonal"
    assert ORIENTATION_SECTORS[int(np.argmax(orientation_power(rising[::-1])))] == \
        "falling diagonal"


def test_transpose_swaps_horizontal_and_vertical():
    images = power_law_images(-2.0, n=3, size=64) + 0.3 * stripes(90, size=64)
    shares = orientation_power(images)
    swapped = orientation_power(np.transpose(images, (0, 2, 1)))
    assert shares.shape == (3, 4)
    assert np.allclose(swapped[:, [2, 1, 0, 3]], shares, atol=1e-12)   # diagonals keep
    assert np.all(shares[:, 2] > shares[:, 0])                         # the added stripes


def test_pooled_weights_images_by_their_power():
    horizontal, vertical = stripes(0), 3 * stripes(90)                  # 9 times the power
    pooled = orientation_power(np.stack([horizontal, vertical]), pooled=True)
    assert pooled == pytest.approx([0.1, 0.0, 0.9, 0.0], abs=1e-9)
    per_image = orientation_power(np.stack([horizontal, vertical]))
    assert per_image[:, 0] == pytest.approx([1.0, 0.0], abs=1e-9)


def test_zero_padding_keeps_a_small_filters_orientation():
    w = stripes(45, size=8, period=3.0) * np.exp(-((np.arange(8) - 3.5) ** 2 / 8))[:, None]
    assert orientation_power(w, size=32)[1] > 0.5
    assert orientation_power(w, size=32).sum() == pytest.approx(1.0)


def test_white_noise_is_roughly_isotropic():
    shares = orientation_power(np.random.default_rng(0).normal(size=(5, 64, 64)), pooled=True)
    assert np.allclose(shares, 0.25, atol=0.03)


def test_orientation_power_validation():
    with pytest.raises(ValueError, match="n_images, height, width"):
        orientation_power(np.zeros(5))
    with pytest.raises(ValueError, match="constant"):
        orientation_power(np.ones((8, 8)))
    with pytest.raises(ValueError, match="at least 8"):
        orientation_power(np.zeros((8, 8)), size=4)
    with pytest.raises(ValueError, match="NaN"):
        orientation_power(np.full((8, 8), np.nan))


# --- tile_patches / show_patches / show_reconstructions -----------------------------------------
def test_tile_patches_keeps_values_and_layout():
    patches = np.arange(4 * 5, dtype=float).reshape(4, 5)      # five 2x2 patches
    tiled = tile_patches(patches, cols=3)
    assert tiled.shape == (1 + 2 * 3, 1 + 3 * 3)
    for k in range(5):
        r, c = divmod(k, 3)
        tile = tiled[1 + 3 * r: 3 + 3 * r, 1 + 3 * c: 3 + 3 * c]
        assert np.array_equal(tile, patches[:, k].reshape(2, 2))   # unscaled, row-major
    assert np.isnan(tiled[0]).all() and np.isnan(tiled[4:6, 7:9]).all()   # border, empty cell


def test_tile_patches_validation():
    with pytest.raises(ValueError, match="not a square"):
        tile_patches(np.zeros((10, 2)))
    with pytest.raises(ValueError, match="holds 6 pixels"):
        tile_patches(np.zeros((8, 2)), patch_shape=(2, 3))
    with pytest.raises(ValueError, match="pixels, n"):
        tile_patches(np.zeros((4, 0)))


def test_show_patches_uses_one_shared_scale():
    patches = np.random.default_rng(0).uniform(0.1, 0.9, size=(64, 6))
    fig, tiled = show_patches(patches, vmin=0.1, vmax=0.9, title="p")
    image = fig.axes[0].images[0]
    assert image.get_clim() == (0.1, 0.9)
    assert fig.axes[0].get_title() == "p"
    assert np.array_equal(np.ma.filled(image.get_array(), np.nan)[~np.isnan(tiled)],
                          tiled[~np.isnan(tiled)])


def test_show_reconstructions_two_rows_same_scale():
    rng = np.random.default_rng(0)
    x = rng.uniform(0.1, 0.9, size=(64, 20))
    fig = show_reconstructions(x, 0.5 + 0.1 * (x - 0.5), n=7)
    top, bottom = fig.axes
    assert top.images[0].get_clim() == bottom.images[0].get_clim() == (x[:, :7].min(), x[:, :7].max())
    assert top.images[0].get_array().shape == (1 + 8 + 1, 1 + 7 * 9)   # 7 tiles and borders
    shown = np.ma.filled(bottom.images[0].get_array(), np.nan)
    assert np.allclose(shown[1:9, 1:9], (0.5 + 0.1 * (x[:, 0] - 0.5)).reshape(8, 8))
    with pytest.raises(ValueError, match="same shape"):
        show_reconstructions(x, x[:, :3])


# --- train_with_objective -------------------------------------------------------------------------
@pytest.fixture(scope="module")
def small_patches():
    return sample_images(load_natural_images(), num_patches=300, rng=0)


def test_train_with_the_correct_objective_matches_train(small_patches):
    ours = train_with_objective(sparse_autoencoder_cost, small_patches, 6, max_iter=30, rng=4)
    ref = train(small_patches, 6, max_iter=30, rng=4, progress=False)
    assert ours.n_iter == ref.n_iter == 30
    assert ours.cost == pytest.approx(ref.cost, rel=1e-6)
    assert np.allclose(ours.cost_history, ref.cost_history, rtol=1e-6)
    assert ours.cost_history[0] == pytest.approx(
        cost_and_grad(initialize_parameters(6, 64, 4), 64, 6, 1e-4, 0.01, 3.0, small_patches)[0])
    assert (ours.visible_size, ours.hidden_size, ours.beta) == (64, 6, 3.0)
    assert ours.n_evaluations >= ours.n_iter


def test_a_wrong_gradient_stops_lbfgs_early(small_patches):
    bad = train_with_objective(buggy_sparse_autoencoder_cost, small_patches, 6, max_iter=100,
                               rng=4, args=("wrong_sign",))
    good = train_with_objective(sparse_autoencoder_cost, small_patches, 6, max_iter=100, rng=4)
    assert bad.n_iter < 10 and good.n_iter == 100
    assert bad.cost > 10 * good.cost


def test_train_with_objective_passes_settings_and_theta0(small_patches):
    seen = {}

    def objective(theta, v, h, lambda_, rho, beta, data, tag):
        seen.update(v=v, h=h, lambda_=lambda_, rho=rho, beta=beta, tag=tag, m=data.shape[1])
        return sparse_autoencoder_cost(theta, v, h, lambda_, rho, beta, data)

    theta0 = initialize_parameters(3, 64, 9)
    r = train_with_objective(objective, small_patches, 3, lambda_=1e-3, sparsity_param=0.05,
                             beta=2.0, max_iter=3, theta0=theta0, args=("x",))
    assert seen == dict(v=64, h=3, lambda_=1e-3, rho=0.05, beta=2.0, tag="x", m=300)
    assert r.cost_history[0] == pytest.approx(
        sparse_autoencoder_cost(theta0, 64, 3, 1e-3, 0.05, 2.0, small_patches)[0])


def test_train_with_objective_validation(small_patches):
    with pytest.raises(ValueError, match="objective must be a function"):
        train_with_objective("cost", small_patches, 3)
    with pytest.raises(ValueError, match="max_iter"):
        train_with_objective(sparse_autoencoder_cost, small_patches, 3, max_iter=0)
    with pytest.raises(ValueError, match="sparsity_param"):
        train_with_objective(sparse_autoencoder_cost, small_patches, 3, sparsity_param=1.5)
    with pytest.raises(ValueError, match="2-D"):
        train_with_objective(sparse_autoencoder_cost, small_patches[:, 0], 3)


# --- show_filter_gallery ------------------------------------------------------------------------------
def test_filter_gallery_panels_titles_and_captions():
    rng = np.random.default_rng(0)
    panels = [(f"run {k}", rng.normal(size=(64, 4)), f"cause {k}" if k else "") for k in range(3)]
    fig = show_filter_gallery(panels, cols=2)
    titles = [ax.get_title() for ax in fig.axes]
    assert titles[:3] == ["run 0", "run 1", "run 2"]
    assert [len(ax.images) for ax in fig.axes] == [1, 1, 1, 0]   # 2 x 2 grid, last one empty
    texts = [t.get_text() for ax in fig.axes for t in ax.texts]
    assert texts == ["cause 1", "cause 2"]
    with pytest.raises(ValueError, match="empty"):
        show_filter_gallery([])
