"""Data: whitening, the shipped photographs, patches, normalisation, and every loader on
files the tests write."""

import gzip

import numpy as np
import pytest

from sae_lib.data import (
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


# ---------------------------------------------------------------------------------------
# Whitening and the shipped photographs
# ---------------------------------------------------------------------------------------
def radial_power(img):
    power = np.abs(np.fft.fft2(img - img.mean())) ** 2
    fy = np.fft.fftfreq(img.shape[0])[:, None]
    fx = np.fft.fftfreq(img.shape[1])[None, :]
    f = np.sqrt(fx**2 + fy**2)
    low = power[(f > 0.02) & (f < 0.05)].mean()
    mid = power[(f > 0.15) & (f < 0.25)].mean()
    return low, mid


def test_shipped_photographs_are_real_and_whitened():
    raw = load_natural_images(whiten=False)
    white = load_natural_images()
    assert raw.shape == white.shape == (10, 300, 300)
    assert len(natural_image_names()) == 10 and "camera" in natural_image_names()
    assert raw.min() >= 0 and raw.max() <= 255 and raw.std() > 20
    # O&F variance equalisation: mean per-image variance is 0.1
    assert white.var(axis=(1, 2)).mean() == pytest.approx(0.1, rel=1e-12)
    # raw photographs have a steep ~1/f^2 power spectrum; whitening flattens it
    for k in range(10):
        low_r, mid_r = radial_power(raw[k])
        low_w, mid_w = radial_power(white[k])
        assert low_r / mid_r > 5                    # 8 (grass) to 170 (astronaut)
        assert low_w / mid_w < low_r / mid_r / 10   # whitening flattens it ~25x
    # a copy each call: callers may modify it
    white[0, 0, 0] = 1e9
    assert load_natural_images()[0, 0, 0] != 1e9


def test_whiten_images_filter_and_shapes():
    rng = np.random.default_rng(0)
    img = rng.normal(size=(32, 48))
    white = whiten_images(img)
    assert white.shape == (32, 48)
    assert white.var() == pytest.approx(0.1)
    assert abs(white.mean()) < 1e-12  # the ramp removes the DC component
    # the filter f * exp(-(f/f0)^4) applied to white noise: compare spectra
    fy = np.fft.fftfreq(32)[:, None]
    fx = np.fft.fftfreq(48)[None, :]
    f = np.sqrt(fx**2 + fy**2)
    filt = f * np.exp(-((f / 0.4) ** 4))
    ratio = np.abs(np.fft.fft2(white)) / np.maximum(np.abs(np.fft.fft2(img)), 1e-12)
    nz = filt > 1e-3
    assert np.allclose(ratio[nz] / filt[nz], (ratio[nz] / filt[nz]).mean(), rtol=1e-8)
    stack = whiten_images(np.stack([img, 2 * img]))
    assert stack.shape == (2, 32, 48)


def test_whiten_images_errors():
    with pytest.raises(ValueError, match=r"\(n_images, height, width\)"):
        whiten_images(np.ones((2, 2, 2, 2)))
    with pytest.raises(ValueError, match="NaN"):
        whiten_images(np.full((4, 4), np.nan))
    with pytest.raises(ValueError, match="constant"):
        whiten_images(np.ones((8, 8)))


# ---------------------------------------------------------------------------------------
# Patches
# ---------------------------------------------------------------------------------------
def coded_images(n=3, h=20, w=30):
    """images[k, r, c] = 1e6 k + 1e3 r + c: every pixel tells where it came from."""
    k, r, c = np.meshgrid(np.arange(n), np.arange(h), np.arange(w), indexing="ij")
    return 1e6 * k + 1e3 * r + c


def test_sample_images_takes_real_patches_at_random_places():
    images = coded_images()
    patches = sample_images(images, patch_size=5, num_patches=400, rng=0, normalize=False)
    assert patches.shape == (25, 400)
    corners = set()
    for i in range(400):
        p = patches[:, i].reshape(5, 5)  # row-major pixel order
        k, r, c = int(p[0, 0] // 1e6), int(p[0, 0] % 1e6 // 1e3), int(p[0, 0] % 1e3)
        assert np.array_equal(p, images[k, r:r + 5, c:c + 5])
        corners.add((k, r, c))
    assert len(corners) > 300  # random: ~341 distinct of 1248 corners expected
    assert {k for k, _, _ in corners} == {0, 1, 2}        # every image used
    assert max(r for _, r, _ in corners) == 15            # last valid row corner reached
    assert max(c for _, _, c in corners) == 25            # rows and columns independent


def test_sample_images_is_seeded_and_normalised_by_default():
    images = load_natural_images()
    a = sample_images(images, num_patches=500, rng=3)
    b = sample_images(images, num_patches=500, rng=3)
    assert np.array_equal(a, b)
    assert a.shape == (64, 500)
    assert a.min() >= 0.1 - 1e-12 and a.max() <= 0.9 + 1e-12
    raw = sample_images(images, num_patches=500, rng=3, normalize=False)
    assert np.allclose(normalize_data(raw), a)


def test_sample_images_positions_reproduce_each_patch_and_change_nothing():
    images = coded_images()
    plain = sample_images(images, patch_size=5, num_patches=300, rng=7, normalize=False)
    patches, positions = sample_images(images, patch_size=5, num_patches=300, rng=7,
                                       normalize=False, return_positions=True)
    assert np.array_equal(patches, plain)           # no extra random draws
    assert positions.shape == (300, 3) and np.issubdtype(positions.dtype, np.integer)
    for i, (k, r, c) in enumerate(positions):
        assert np.array_equal(patches[:, i].reshape(5, 5), images[k, r:r + 5, c:c + 5])
    # normalised patches: the same draws, normalised as the default call
    natural = load_natural_images()
    a = sample_images(natural, num_patches=500, rng=3)
    b, pos = sample_images(natural, num_patches=500, rng=3, return_positions=True)
    assert np.array_equal(a, b)
    raw = np.stack([natural[k, r:r + 8, c:c + 8].ravel() for k, r, c in pos], axis=1)
    assert np.array_equal(normalize_data(raw), b)
    assert pos[:, 0].max() < len(natural) and pos[:, 1:].max() <= 300 - 8


@pytest.mark.parametrize("kwargs,match", [
    (dict(patch_size=0), "patch_size must be a positive integer"),
    (dict(patch_size=40), "larger than the images"),
    (dict(num_patches=0), "num_patches must be a positive integer"),
    (dict(num_patches=2.5), "num_patches must be a positive integer"),
])
def test_sample_images_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        sample_images(np.zeros((2, 30, 30)), **kwargs)


def test_normalize_data_is_ufldls_recipe():
    rng = np.random.default_rng(0)
    patches = rng.standard_t(3, size=(16, 300)) * 5 + rng.normal(size=300) * 10
    out = normalize_data(patches)
    # the same three steps written out independently
    x = patches - patches.mean(axis=0, keepdims=True)
    s = 3 * np.std(x.ravel(), ddof=1)
    expected = (np.minimum(np.maximum(x, -s), s) / s + 1) * 0.4 + 0.1
    assert np.allclose(out, expected, rtol=0, atol=1e-15)
    assert out.min() == pytest.approx(0.1) and out.max() == pytest.approx(0.9)  # heavy tails clipped
    # each patch's mean is removed before scaling: adding a constant to a patch changes nothing
    shifted = patches.copy()
    shifted[:, 7] += 1000
    assert np.allclose(normalize_data(shifted), out)
    # the N-1 denominator, not N
    tiny = np.array([[0.0, 0.0], [2.0, -2.0]])  # columns have mean 1, -1
    centred = tiny - tiny.mean(axis=0)
    assert np.allclose(normalize_data(tiny),
                       (centred / (3 * np.std(centred, ddof=1)) + 1) * 0.4 + 0.1)
    assert np.array_equal(normalize_data(np.ones((4, 3))), np.full((4, 3), 0.5))
    with pytest.raises(ValueError, match=r"\(pixels, m\)"):
        normalize_data(np.ones(5))


# ---------------------------------------------------------------------------------------
# A learner's own images
# ---------------------------------------------------------------------------------------
def test_load_images_from_picture_files_and_folders(tmp_path):
    from PIL import Image

    rng = np.random.default_rng(0)
    rgb = rng.integers(0, 256, size=(40, 50, 3), dtype=np.uint8)
    Image.fromarray(rgb).save(tmp_path / "a.png")
    gray = rng.integers(0, 256, size=(44, 46), dtype=np.uint8)
    Image.fromarray(gray).save(tmp_path / "b.png")
    (tmp_path / "notes.txt").write_text("not an image")

    one = load_images(tmp_path / "a.png")
    assert one.shape == (1, 40, 50)
    assert np.allclose(one[0], rgb @ np.array([0.2125, 0.7154, 0.0721]))
    both = load_images(tmp_path)
    assert both.shape == (2, 40, 46)  # centre-cropped to the smallest height and width
    assert np.allclose(both[0], one[0, :, 2:48])
    assert np.allclose(both[1], gray[2:42, :])


def test_load_images_from_numpy_files(tmp_path):
    stack = np.random.default_rng(1).normal(size=(3, 8, 9))
    np.save(tmp_path / "s.npy", stack)
    np.save(tmp_path / "one.npy", stack[0])
    np.savez(tmp_path / "named.npz", images=stack, other=np.ones(2))
    np.savez(tmp_path / "single.npz", stack)
    np.savez(tmp_path / "ambiguous.npz", a=stack, b=stack)
    assert np.array_equal(load_images(tmp_path / "s.npy"), stack)
    assert load_images(tmp_path / "one.npy").shape == (1, 8, 9)
    assert np.array_equal(load_images(tmp_path / "named.npz"), stack)
    assert np.array_equal(load_images(tmp_path / "single.npz"), stack)
    with pytest.raises(ValueError, match="name the image stack 'images'"):
        load_images(tmp_path / "ambiguous.npz")
    np.save(tmp_path / "bad.npy", np.ones(5))
    with pytest.raises(ValueError, match=r"expected numbers of shape \(height, width\)"):
        load_images(tmp_path / "bad.npy")


def test_load_images_reads_ufldl_images_mat(tmp_path):
    from scipy.io import savemat

    images = np.random.default_rng(2).normal(size=(16, 12, 3))  # UFLDL layout (h, w, n)
    savemat(tmp_path / "IMAGES.mat", {"IMAGES": images})
    out = load_images(tmp_path / "IMAGES.mat")
    assert out.shape == (3, 16, 12)
    assert np.array_equal(out[1], images[:, :, 1])
    savemat(tmp_path / "raw.mat", {"IMAGES_RAW": images})
    assert load_images(tmp_path / "raw.mat").shape == (3, 16, 12)
    savemat(tmp_path / "other.mat", {"X": images})
    with pytest.raises(ValueError, match=r"has variables \['X'\] but no IMAGES"):
        load_images(tmp_path / "other.mat")


def test_load_images_errors(tmp_path):
    with pytest.raises(ValueError, match="no file or folder"):
        load_images(tmp_path / "missing.png")
    with pytest.raises(ValueError, match="holds no image files"):
        load_images(tmp_path)
    (tmp_path / "x.csv").write_text("1,2")
    with pytest.raises(ValueError, match="cannot read"):
        load_images(tmp_path / "x.csv")
    (tmp_path / "broken.png").write_bytes(b"not a png")
    with pytest.raises(ValueError, match="cannot read .* as an image"):
        load_images(tmp_path / "broken.png")


# ---------------------------------------------------------------------------------------
# Digits and MNIST
# ---------------------------------------------------------------------------------------
def test_load_digits():
    data, labels = load_digits()
    assert data.shape == (64, 1797) and labels.shape == (1797,)
    assert data.min() == 0 and data.max() == 1
    assert set(labels.tolist()) == set(range(10))
    # the first UCI digit is a 0: its centre column is dark, its sides bright
    zero = data[:, 0].reshape(8, 8)
    assert labels[0] == 0 and zero[3:5, 3:5].mean() < zero[3:5, [1, 2, 5, 6]].mean()


def write_idx(path, array):
    array = np.asarray(array, dtype=np.uint8)
    header = (0x0800 + array.ndim).to_bytes(4, "big")
    header += b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "wb") as f:
        f.write(header + array.tobytes())


@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_load_mnist_images_and_labels(tmp_path, suffix):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(5, 28, 28), dtype=np.uint8)
    labels = np.array([3, 1, 4, 1, 5], dtype=np.uint8)
    write_idx(tmp_path / f"train-images-idx3-ubyte{suffix}", images)
    write_idx(tmp_path / f"train-labels-idx1-ubyte{suffix}", labels)
    X = load_mnist(tmp_path / f"train-images-idx3-ubyte{suffix}")
    assert X.shape == (784, 5)
    assert np.allclose(X[:, 2], images[2].ravel() / 255.0)  # one image per column, row-major
    assert np.array_equal(load_mnist_labels(tmp_path / f"train-labels-idx1-ubyte{suffix}"), labels)
    assert np.array_equal(load_mnist(tmp_path), X)          # a folder works too
    assert np.array_equal(load_mnist_labels(tmp_path), labels)


def test_load_mnist_errors(tmp_path):
    write_idx(tmp_path / "labels", np.arange(4))
    with pytest.raises(ValueError, match="is a labels file .*Use load_mnist_labels"):
        load_mnist(tmp_path / "labels")
    write_idx(tmp_path / "images", np.zeros((2, 3, 3)))
    with pytest.raises(ValueError, match="is an images file .*Use load_mnist for images"):
        load_mnist_labels(tmp_path / "images")
    content = (tmp_path / "images").read_bytes()
    (tmp_path / "truncated").write_bytes(content[:-3])
    with pytest.raises(ValueError, match="truncated or corrupt"):
        load_mnist(tmp_path / "truncated")
    (tmp_path / "junk").write_bytes(b"\x00\x00\x99\x03" + bytes(20))
    with pytest.raises(ValueError, match="not MNIST's"):
        load_mnist(tmp_path / "junk")
    with pytest.raises(ValueError, match="no file at"):
        load_mnist(tmp_path / "missing")
    (tmp_path / "empty_dir").mkdir()
    with pytest.raises(ValueError, match="has no train-images-idx3-ubyte"):
        load_mnist(tmp_path / "empty_dir")
    (tmp_path / "bad.gz").write_bytes(b"\x1f\x8b" + b"garbage")
    with pytest.raises(ValueError, match="not a readable gzip file"):
        load_mnist(tmp_path / "bad.gz")
