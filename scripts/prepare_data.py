"""Prepare the offline data files that ship in sae_lib/data/ (run once, by a maintainer).

    pip install scikit-image scikit-learn      # only needed to run this script
    python scripts/prepare_data.py

Writes
  sae_lib/data/natural_images.npz  ten public-domain / CC0 photographs bundled with
                                   scikit-image, gray, centre square crop, downsampled
                                   (never upsampled) to 300 x 300, uint8
  sae_lib/data/digits.npz          the UCI 8x8 handwritten digits as scikit-learn ships
                                   them: 1797 images, values 0..16, with labels
The notebooks and tests never run this script: they read the files it wrote.
"""

from pathlib import Path

import numpy as np
from PIL import Image

OUT = Path(__file__).resolve().parents[1] / "sae_lib" / "data"
SIZE = 300
# (scikit-image name, licence as stated in scikit-image's documentation)
PHOTOS = [
    ("astronaut", "public domain (NASA)"),
    ("brick", "CC0 (CC0Textures)"),
    ("camera", "CC0 (Lav Varshney)"),
    ("chelsea", "CC0 (Stefan van der Walt)"),
    ("coffee", "CC0 (Rachel Michetti)"),
    ("coins", "no known copyright restrictions (Brooklyn Museum)"),
    ("grass", "CC0 (DeviantArt user linolafett)"),
    ("gravel", "CC0 (CC0Textures)"),
    ("rocket", "public domain (SpaceX)"),
    ("retina", "CC0 (Mikael Haggstrom, Wikimedia Commons)"),
]


def to_gray_square(img, size=SIZE):
    img = np.asarray(img)
    if img.ndim == 3:  # ITU-R 601 luma, as skimage.color.rgb2gray
        img = img[..., :3] @ np.array([0.2125, 0.7154, 0.0721])
    h, w = img.shape
    s = min(h, w)
    top, left = (h - s) // 2, (w - s) // 2
    img = img[top : top + s, left : left + s]
    if s < size:
        raise ValueError(f"image of side {s} is smaller than {size}; refusing to upsample")
    pil = Image.fromarray(np.clip(img, 0, 255).astype(np.uint8))
    if s != size:
        pil = pil.resize((size, size), Image.Resampling.LANCZOS)
    return np.asarray(pil, dtype=np.uint8)


def main():
    import skimage.data
    from sklearn.datasets import load_digits

    OUT.mkdir(parents=True, exist_ok=True)
    images = np.stack([to_gray_square(getattr(skimage.data, name)()) for name, _ in PHOTOS])
    np.savez_compressed(
        OUT / "natural_images.npz",
        images=images,
        names=np.array([n for n, _ in PHOTOS]),
        licences=np.array([lic for _, lic in PHOTOS]),
    )
    digits = load_digits()
    np.savez_compressed(
        OUT / "digits.npz",
        images=digits.images.astype(np.uint8),
        labels=digits.target.astype(np.uint8),
    )
    print(f"wrote {images.shape} photographs and {digits.images.shape} digits to {OUT}")


if __name__ == "__main__":
    main()
