"""Data for the series: natural images, patches, digits -- all offline.

* :func:`load_natural_images` -- ten real photographs shipped in ``sae_lib/data``,
  whitened as Olshausen & Field did for the images in UFLDL's ``IMAGES.mat``.
* :func:`load_images` -- a learner's own data: image files, ``.npy``/``.npz``, or
  UFLDL's original ``IMAGES.mat``.
* :func:`sample_images` and :func:`normalize_data` -- UFLDL's ``sampleIMAGES.m``.
* :func:`load_digits` -- the UCI 8x8 handwritten digits shipped in ``sae_lib/data``;
  :func:`load_mnist` / :func:`load_mnist_labels` read the MNIST IDX files if you have them.

Images are arrays of shape (n_images, height, width). Patches and digits come out as
(pixels, m): one example per column, as the objective expects.
"""

from __future__ import annotations

import gzip
from functools import lru_cache
from pathlib import Path

import numpy as np

__all__ = [
    "DATA_DIR",
    "whiten_images",
    "load_natural_images",
    "load_images",
    "sample_images",
    "normalize_data",
    "load_digits",
    "load_mnist",
    "load_mnist_labels",
]

DATA_DIR = Path(__file__).resolve().parent / "data"
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp"}


# ---------------------------------------------------------------------------------------
# Natural images
# ---------------------------------------------------------------------------------------
def whiten_images(images, f0=0.4):
    """Whiten images as Olshausen & Field (1997) did for UFLDL's ``IMAGES.mat``.

    Each image's spectrum is multiplied by the filter f * exp(-(f / f0)^4): the ramp f
    flattens the 1/f amplitude spectrum of natural images (whitening) and the exponential
    cuts the highest frequencies, where noise and aliasing live. f is measured in cycles
    per pixel, so ``f0=0.4`` is O&F's f0 = 0.4 N cycles per picture for an N x N image.
    Finally the variance is equalised: all images are scaled together so that their mean
    per-image variance is 0.1, as in O&F's ``make-your-own-images`` code.

    ``images``: (n_images, height, width) or one (height, width) image. Returns float64
    of the same shape.
    """
    images = np.asarray(images, dtype=np.float64)
    single = images.ndim == 2
    if single:
        images = images[None]
    if images.ndim != 3:
        raise ValueError(f"images must have shape (n_images, height, width), got {images.shape}.")
    if not np.isfinite(images).all():
        raise ValueError("images contain NaN or infinite values; clean them before whitening.")
    if not f0 > 0:
        raise ValueError(f"f0 must be a positive frequency in cycles per pixel, got {f0!r}.")
    _, height, width = images.shape
    fy = np.fft.fftfreq(height)[:, None]
    fx = np.fft.fftfreq(width)[None, :]
    f = np.sqrt(fx**2 + fy**2)
    filt = f * np.exp(-((f / f0) ** 4))
    white = np.real(np.fft.ifft2(np.fft.fft2(images) * filt))
    scale = np.sqrt(np.mean(white.var(axis=(1, 2))))
    if scale == 0:
        raise ValueError("images are constant; whitening needs some contrast.")
    white *= np.sqrt(0.1) / scale
    return white[0] if single else white


@lru_cache(maxsize=2)
def _natural_images(whiten):
    with np.load(DATA_DIR / "natural_images.npz", allow_pickle=False) as f:
        raw = f["images"].astype(np.float64)
    return whiten_images(raw) if whiten else raw


def load_natural_images(whiten=True):
    """The ten shipped photographs, shape (10, 300, 300), float64.

    ``whiten=True`` (default) returns them whitened with :func:`whiten_images` -- the
    stand-in for UFLDL's ``IMAGES.mat``; ``whiten=False`` gives the raw gray values 0..255.
    Provenance and licences: ``sae_lib/data/README.md``. A fresh copy is returned each call.
    """
    return _natural_images(bool(whiten)).copy()


def natural_image_names():
    """Names of the shipped photographs, in the order :func:`load_natural_images` uses."""
    with np.load(DATA_DIR / "natural_images.npz", allow_pickle=False) as f:
        return [str(n) for n in f["names"]]


# ---------------------------------------------------------------------------------------
# A learner's own images
# ---------------------------------------------------------------------------------------
def load_images(path):
    """Read images from ``path`` and return them as float64 (n_images, height, width).

    Accepts
      * one image file (PNG, JPEG, ...) or a folder of them -- colour is converted to
        gray; images of different sizes are centre-cropped to the smallest height and
        width among them;
      * ``.npy`` holding (height, width) or (n_images, height, width);
      * ``.npz`` holding one array, or an ``images`` / ``IMAGES`` entry;
      * UFLDL's ``IMAGES.mat`` (or ``IMAGES_RAW``), whose layout (512, 512, 10) is
        transposed to (10, 512, 512).

    Values are returned as stored (no rescaling); whiten photographs with
    :func:`whiten_images` before sampling patches from them.
    """
    path = Path(path)
    if not path.exists():
        raise ValueError(f"no file or folder at {str(path)!r}; check the path.")
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        if not files:
            raise ValueError(
                f"folder {str(path)!r} holds no image files (looked for "
                f"{', '.join(sorted(IMAGE_SUFFIXES))})."
            )
        return _crop_and_stack([_read_picture(p) for p in files])
    suffix = path.suffix.lower()
    if suffix == ".npy":
        return _as_image_stack(np.load(path, allow_pickle=False), path)
    if suffix == ".npz":
        with np.load(path, allow_pickle=False) as f:
            keys = list(f.keys())
            for key in ("images", "IMAGES"):
                if key in keys:
                    return _as_image_stack(f[key], path)
            if len(keys) == 1:
                return _as_image_stack(f[keys[0]], path)
        raise ValueError(
            f"{str(path)!r} holds arrays {keys}; save a single array, or name the image "
            "stack 'images'."
        )
    if suffix == ".mat":
        return _read_mat(path)
    if suffix in IMAGE_SUFFIXES:
        return _read_picture(path)[None]
    raise ValueError(
        f"cannot read {str(path)!r}: use an image file ({', '.join(sorted(IMAGE_SUFFIXES))}), "
        "a folder of them, .npy, .npz or UFLDL's IMAGES.mat."
    )


def _read_picture(path):
    from PIL import Image

    try:
        with Image.open(path) as im:
            img = np.asarray(im.convert("RGB"), dtype=np.float64)
    except Exception as exc:  # PIL raises several types for unreadable files
        raise ValueError(f"cannot read {str(path)!r} as an image: {exc}") from exc
    return img @ np.array([0.2125, 0.7154, 0.0721])  # ITU-R 601 luma, as skimage


def _crop_and_stack(images):
    height = min(im.shape[0] for im in images)
    width = min(im.shape[1] for im in images)
    out = np.empty((len(images), height, width))
    for k, im in enumerate(images):
        top = (im.shape[0] - height) // 2
        left = (im.shape[1] - width) // 2
        out[k] = im[top : top + height, left : left + width]
    return out


def _as_image_stack(arr, path):
    arr = np.asarray(arr)
    if arr.ndim == 2:
        arr = arr[None]
    if arr.ndim != 3 or not np.issubdtype(arr.dtype, np.number):
        raise ValueError(
            f"{str(path)!r} holds an array of shape {arr.shape} and dtype {arr.dtype}; "
            "expected numbers of shape (height, width) or (n_images, height, width)."
        )
    return arr.astype(np.float64)


def _read_mat(path):
    from scipy.io import loadmat

    try:
        contents = loadmat(path)
    except Exception as exc:
        raise ValueError(f"cannot read {str(path)!r} as a MATLAB file: {exc}") from exc
    for key in ("IMAGES", "IMAGES_RAW"):
        if key in contents:
            arr = np.asarray(contents[key], dtype=np.float64)
            if arr.ndim == 2:
                arr = arr[:, :, None]
            if arr.ndim != 3:
                raise ValueError(f"{key} in {str(path)!r} has shape {arr.shape}; expected "
                                 "(height, width, n_images) as in UFLDL's IMAGES.mat.")
            return np.ascontiguousarray(np.moveaxis(arr, 2, 0))
    names = [k for k in contents if not k.startswith("__")]
    raise ValueError(f"{str(path)!r} has variables {names} but no IMAGES or IMAGES_RAW.")


# ---------------------------------------------------------------------------------------
# Patches
# ---------------------------------------------------------------------------------------
def sample_images(images, patch_size=8, num_patches=10000, rng=None, normalize=True,
                  return_positions=False):
    """Random square patches from images, as UFLDL's ``sampleIMAGES.m``.

    Each patch comes from a randomly chosen image at an independently drawn random
    top-left corner (row and column). The patches are gathered with one fancy-indexing
    operation -- no patch loop, and no copy of a whole image per patch.

    Returns (patch_size**2, num_patches): one patch per column, its pixels in row-major
    (C) order, so ``patches[:, i].reshape(patch_size, patch_size)`` is patch i. With
    ``normalize=True`` the result goes through :func:`normalize_data` (values in
    [0.1, 0.9], ready for sigmoid outputs).

    ``return_positions=True`` returns ``(patches, positions)``: ``positions`` is an int
    array (num_patches, 3) of (image index, top row, left column), so patch i is
    ``images[k, r:r + patch_size, c:c + patch_size]`` for ``k, r, c = positions[i]``
    (before normalisation). The patches are the same as without it for the same ``rng``
    -- asking for the positions draws no extra random numbers. :mod:`sae_lib.features`
    uses them to show where a unit's favourite patches sit in their photographs.
    """
    images = np.asarray(images)
    if images.ndim == 2:
        images = images[None]
    if images.ndim != 3:
        raise ValueError(f"images must have shape (n_images, height, width), got {images.shape}.")
    n, height, width = images.shape
    if isinstance(patch_size, bool) or not isinstance(patch_size, (int, np.integer)) or patch_size < 1:
        raise ValueError(f"patch_size must be a positive integer, got {patch_size!r}.")
    if isinstance(num_patches, bool) or not isinstance(num_patches, (int, np.integer)) or num_patches < 1:
        raise ValueError(f"num_patches must be a positive integer, got {num_patches!r}.")
    if patch_size > min(height, width):
        raise ValueError(f"patch_size {patch_size} is larger than the images ({height} x {width}).")
    rng = np.random.default_rng(rng)
    which = rng.integers(n, size=num_patches)
    rows = rng.integers(height - patch_size + 1, size=num_patches)
    cols = rng.integers(width - patch_size + 1, size=num_patches)
    offsets = np.arange(patch_size)
    patches = images[
        which[:, None, None],
        rows[:, None, None] + offsets[None, :, None],
        cols[:, None, None] + offsets[None, None, :],
    ]  # (num_patches, patch_size, patch_size)
    patches = np.ascontiguousarray(patches.reshape(num_patches, -1).T, dtype=np.float64)
    if normalize:
        patches = normalize_data(patches)
    if return_positions:
        return patches, np.stack([which, rows, cols], axis=1).astype(np.int64)
    return patches


def normalize_data(patches):
    """UFLDL's ``normalizeData``: squash patches into [0.1, 0.9] for sigmoid outputs.

    1. remove each patch's own mean (the mean of each column);
    2. truncate to +/- 3 standard deviations of all values (``std`` with N - 1);
    3. map [-1, 1] linearly onto [0.1, 0.9].

    ``patches``: (pixels, m). Returns a new float64 array of the same shape.
    """
    patches = np.asarray(patches, dtype=np.float64)
    if patches.ndim != 2:
        raise ValueError(f"patches must have shape (pixels, m), got {patches.shape}.")
    if patches.size < 2:
        raise ValueError("normalize_data needs at least two values to estimate a standard deviation.")
    patches = patches - patches.mean(axis=0)
    pstd = 3 * patches.std(ddof=1)
    if pstd == 0:
        return np.full_like(patches, 0.5)  # every patch flat: the midpoint of [0.1, 0.9]
    patches = np.clip(patches, -pstd, pstd) / pstd
    return (patches + 1) * 0.4 + 0.1


# ---------------------------------------------------------------------------------------
# Digits
# ---------------------------------------------------------------------------------------
def load_digits():
    """The UCI 8x8 handwritten digits shipped with the library.

    Returns ``(data, labels)``: data (64, 1797) float64 in [0, 1] (gray values 0..16
    divided by 16, one digit per column, pixels in row-major order) and labels (1797,)
    int. Provenance and licence: ``sae_lib/data/README.md``.
    """
    with np.load(DATA_DIR / "digits.npz", allow_pickle=False) as f:
        images = f["images"].astype(np.float64)
        labels = f["labels"].astype(np.int64)
    return images.reshape(len(images), -1).T / 16.0, labels


def _open_idx(path):
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"no file at {str(path)!r}; pass the path of an MNIST IDX file such "
                         "as train-images-idx3-ubyte or train-images-idx3-ubyte.gz.")
    with open(path, "rb") as raw:
        gz = raw.read(2) == b"\x1f\x8b"
    opener = gzip.open if gz else open
    with opener(path, "rb") as f:
        try:
            content = f.read()
        except (OSError, EOFError) as exc:
            raise ValueError(f"{str(path)!r} is not a readable gzip file: {exc}") from exc
    return content


def _parse_idx(content, path, expected_magic):
    if len(content) < 8:
        raise ValueError(f"{str(path)!r} is too short to be an MNIST IDX file.")
    magic = int.from_bytes(content[:4], "big")
    if magic != expected_magic:
        kinds = {2051: "an images file (magic 2051)", 2049: "a labels file (magic 2049)"}
        found = kinds.get(magic, f"magic number {magic}, which is not MNIST's")
        want = kinds[expected_magic]
        hint = " Use load_mnist_labels for labels." if magic == 2049 else (
            " Use load_mnist for images." if magic == 2051 else "")
        raise ValueError(f"{str(path)!r} is {found}; expected {want}.{hint}")
    ndim = content[3]
    dims = [int.from_bytes(content[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim)]
    offset = 4 + 4 * ndim
    expected = int(np.prod(dims))
    if len(content) - offset != expected:
        raise ValueError(
            f"{str(path)!r} declares shape {tuple(dims)} ({expected} bytes of data) but holds "
            f"{len(content) - offset}; the file is truncated or corrupt."
        )
    return np.frombuffer(content, dtype=np.uint8, offset=offset).reshape(dims)


def _resolve_mnist(path, stem):
    path = Path(path)
    if path.is_dir():
        for name in (f"train-{stem}", f"train-{stem}.gz", f"t10k-{stem}", f"t10k-{stem}.gz"):
            if (path / name).is_file():
                return path / name
        raise ValueError(f"folder {str(path)!r} has no train-{stem}[.gz] or t10k-{stem}[.gz].")
    return path


def load_mnist(path):
    """MNIST images from an IDX file (gzipped or not), as UFLDL's ``loadMNISTImages.m``.

    ``path``: an images file such as ``train-images-idx3-ubyte(.gz)``, or a folder holding
    one (training set preferred). Returns (rows * cols, n_images) float64 in [0, 1]: one
    image per column, pixels in row-major order.
    """
    path = _resolve_mnist(path, "images-idx3-ubyte")
    arr = _parse_idx(_open_idx(path), path, 2051)
    if arr.ndim != 3:
        raise ValueError(f"{str(path)!r} holds a {arr.ndim}-D array; MNIST images are 3-D.")
    return arr.reshape(arr.shape[0], -1).T.astype(np.float64) / 255.0


def load_mnist_labels(path):
    """MNIST labels (n_images,) int from an IDX labels file or a folder holding one."""
    path = _resolve_mnist(path, "labels-idx1-ubyte")
    return _parse_idx(_open_idx(path), path, 2049).astype(np.int64)
