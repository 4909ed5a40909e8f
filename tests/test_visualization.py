"""display_network and its tiling."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from sae_lib.visualization import display_network, grid_shape, show_source, tile_filters  # noqa: E402


@pytest.mark.parametrize("n,expected", [(25, (5, 5)), (24, (4, 6)), (100, (10, 10)),
                                        (1, (1, 1)), (7, (2, 4)), (5, (2, 3)), (196, (14, 14))])
def test_grid_shape_near_square(n, expected):
    assert grid_shape(n) == expected


def test_tiles_are_centred_scaled_and_bordered():
    rng = np.random.default_rng(0)
    A = rng.normal(3.0, 2.0, size=(64, 25))  # one 8x8 filter per column, offset mean
    A[:, 4] = 7.0                            # a flat filter
    tiled = tile_filters(A)
    assert tiled.shape == (1 + 5 * 9, 1 + 5 * 9)
    # borders are black (-1)
    assert np.all(tiled[0, :] == -1) and np.all(tiled[:, 0] == -1) and np.all(tiled[9, :] == -1)
    for k in range(25):
        r, c = divmod(k, 5)
        tile = tiled[1 + 9 * r: 9 + 9 * r, 1 + 9 * c: 9 + 9 * c]
        if k == 4:
            assert np.all(tile == 0)
            continue
        assert np.abs(tile.mean()) < 1e-12           # centred on its own mean
        assert np.abs(tile).max() == pytest.approx(1)  # scaled by its own max |value|
        expected = (A[:, k] - A[:, k].mean()) / np.abs(A[:, k] - A[:, k].mean()).max()
        assert np.allclose(tile, expected.reshape(8, 8))  # row-major pixels


def test_unfilled_grid_cells_stay_black_and_non_square_patches():
    A = np.random.default_rng(1).normal(size=(6, 5))
    tiled = tile_filters(A, patch_shape=(2, 3))
    rows, cols = grid_shape(5)
    assert tiled.shape == (1 + rows * 3, 1 + cols * 4)
    r, c = divmod(5, cols)  # first empty cell
    assert np.all(tiled[1 + 3 * r: 3 + 3 * r, 1 + 4 * c: 4 + 4 * c] == -1)


def test_display_network_returns_figure_and_array_and_works_on_numpy2():
    W1 = np.random.default_rng(2).normal(size=(25, 64)).astype(np.float32)
    fig, tiled = display_network(W1.T, title="filters")
    ax = fig.axes[0]
    shown = ax.images[0].get_array()
    assert np.array_equal(np.asarray(shown), tiled)
    assert ax.images[0].get_cmap().name == "gray"
    assert ax.images[0].get_clim() == (-1, 1)
    assert ax.get_title() == "filters"
    matplotlib.pyplot.close(fig)


def test_display_network_into_existing_axes():
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2)
    out_fig, _ = display_network(np.eye(4), ax=axes[1])
    assert out_fig is fig and len(axes[1].images) == 1 and len(axes[0].images) == 0
    plt.close(fig)


def test_errors_teach():
    with pytest.raises(ValueError, match="not a square number; pass patch_shape"):
        tile_filters(np.ones((10, 3)))
    with pytest.raises(ValueError, match="one filter per column"):
        tile_filters(np.ones(64))
    with pytest.raises(ValueError, match="patch_shape"):
        tile_filters(np.ones((64, 2)), patch_shape=(4, 4))
    with pytest.raises(ValueError, match="NaN"):
        tile_filters(np.full((4, 2), np.nan))


def test_show_source_shows_the_library_code():
    from sae_lib.objective import sparse_autoencoder_cost

    code = show_source(sparse_autoencoder_cost)
    assert "def sparse_autoencoder_cost(" in code.data
    assert "delta2 = (W2.T @ delta3 + sparsity_delta(rho, rho_hat, beta)" in code.data
