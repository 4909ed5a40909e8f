"""Shared models for the tests of sae_lib.features: hand-made ones whose activations are
known exactly, and tiny trained ones (seeded, a few seconds)."""

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest


class TableModel:
    """A model whose activations are a given table: example i has data[0, i] = i.

    ``hidden_activations(data)`` returns ``A[:, data[0]]``, so any chunk of columns gets
    exactly its own activations. ``visible_size`` rows (row 0 the index, the rest zeros);
    ``kind`` "l1" gives ReLU semantics (true zeros), None sigmoid semantics.
    """

    def __init__(self, A, visible_size=4, kind=None, rng=0):
        self.A = np.asarray(A, dtype=float)
        h = self.A.shape[0]
        self.kind = kind
        g = np.random.default_rng(rng)
        self.W1 = g.standard_normal((h, visible_size))
        self.W2 = g.standard_normal((visible_size, h))
        self.calls = []

    def data(self):
        m = self.A.shape[1]
        X = np.zeros((self.W1.shape[1], m))
        X[0] = np.arange(m)
        return X

    def hidden_activations(self, data):
        self.calls.append(data.shape[1])
        return self.A[:, data[0].astype(int)]


@pytest.fixture
def table_model():
    return TableModel


@pytest.fixture(scope="session")
def patches():
    from sae_lib import load_natural_images, sample_images

    images = load_natural_images()
    X, positions = sample_images(images, 8, 2000, rng=0, return_positions=True)
    return X, positions, images


@pytest.fixture(scope="session")
def kl_model(patches):
    from sae_lib import train

    return train(patches[0], 16, max_iter=40, rng=0, progress=False)


@pytest.fixture(scope="session")
def toy():
    from sae_lib.variants import make_superposition_data

    return make_superposition_data(24, 10, 1500, rng=0)


@pytest.fixture(scope="session")
def l1_model(toy):
    from sae_lib.variants import train_l1

    return train_l1(toy.data, 30, beta=0.05, n_steps=150, rng=0)


@pytest.fixture(scope="session")
def topk_model(toy):
    from sae_lib.variants import train_topk

    return train_topk(toy.data, 30, k=3, n_steps=150, rng=0)
