"""How much fine detail the training crops carry, against photos as the app shows them to a network.

    python scripts/crop_sharpness.py --pool ../shared/data/val --photos runs/heldout ../shared/oldphotos

Prints the median over crops of the mean squared Laplacian of L (scikit-image's Lab) on 128 px
crops: for each folder of `--photos`, the centre crop of every photo brought to a 256 px short
side (the app's working size); for the pool, plain crops and crops enlarged by `train --zoom`
with several `--zoom-detail` values. An enlarged crop that is much softer than a user's photo
teaches the network something about softness that does not hold for the user's photo.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from PIL import Image
from skimage.color import rgb2lab

from colorizer_app.imaging.io import ImageError, iter_image_files, load_image
from colorizer_app.training.data import CropSampler, PhotoSet
from enlarged_photos import rgb_at_short_side  # a sibling script: python puts scripts/ on the path

CROP = 128


def detail_energy(rgb: np.ndarray) -> float:
    """Median over a (N, H, W, 3) uint8 stack of the mean squared 4-neighbour Laplacian of L."""
    L = rgb2lab(rgb)[..., 0]
    lap = 4 * L[:, 1:-1, 1:-1] - L[:, :-2, 1:-1] - L[:, 2:, 1:-1] - L[:, 1:-1, :-2] - L[:, 1:-1, 2:]
    return float(np.median((lap ** 2).mean(axis=(1, 2))))


def centre_crop_at(path: Path, short: int = 256) -> np.ndarray:
    a = rgb_at_short_side(path, short)
    y, x = a.shape[0] // 2 - CROP // 2, a.shape[1] // 2 - CROP // 2
    return a[y:y + CROP, x:x + CROP]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pool", type=Path, required=True, help="a folder of the pool's 144 px photos")
    ap.add_argument("--photos", type=Path, nargs="*", default=[], help="folders of photos of other origins")
    ap.add_argument("--every", type=int, default=4, help="use every Nth pool photo (sorted by path)")
    args = ap.parse_args()
    for folder in args.photos:
        crops = []
        for f in iter_image_files([folder]):
            try:
                crops.append(centre_crop_at(f))
            except ImageError as e:
                print(f"skipped {e}")
        print(f"{folder} at 256 px, centre crops ({len(crops)}): {detail_energy(np.stack(crops)):.0f}")
    files = sorted(iter_image_files([args.pool], recursive=True))[::args.every]
    photos = np.stack([np.asarray(Image.fromarray(load_image(f).pixels).convert("RGB").resize((144, 144)))
                       for f in files])
    pool = PhotoSet(photos, [str(f) for f in files])
    n = len(files)
    print(f"{args.pool} at 144 px, plain crops ({n}): {detail_energy(CropSampler(pool, CROP, n, seed=1).next_with_labels()[0].numpy()):.0f}")
    for zoom in (1.8, 2.5):
        for d in (0.0, 1.5, 3.0, 5.0):
            b = CropSampler(pool, CROP, n, seed=1, zoom=zoom, detail=d).next_with_labels()[0].numpy()
            print(f"  enlarged up to {zoom}x, --zoom-detail {d}: {detail_energy(b):.0f}")


if __name__ == "__main__":
    main()
