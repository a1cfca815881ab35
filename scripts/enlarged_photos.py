"""A copy of a photo folder enlarged to a larger short side, for `colorizer-cli eval`.

    python scripts/enlarged_photos.py ../shared/data/val OUT_DIR [--size 256] [--every N]

The pool's photos are 144 px; the app shows a user's photo to the network at 256 px (its
working size), where the same kind of scene is 1.8x larger in pixels. Scoring the val photos
enlarged (Lanczos, the truth enlarged alike) measures how a model copes with that change of
scale, on photos it did not train on; `--every 3` keeps every third photo (a stratified third).
Then:

    colorizer-cli eval --model regression --data OUT_DIR
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from PIL import Image

from colorizer_app.imaging.io import ImageError, iter_image_files, load_image, save_image


def rgb_at_short_side(path: Path, size: int) -> np.ndarray:
    """The photo decoded as eval decodes it (upright, alpha on white, 8-bit), RGB, short side `size` (Lanczos)."""
    im = Image.fromarray(load_image(path).pixels).convert("RGB")
    scale = size / min(im.size)
    return np.asarray(im.resize((round(im.width * scale), round(im.height * scale)), Image.LANCZOS))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--size", type=int, default=256, help="short side of the copies, in pixels")
    ap.add_argument("--every", type=int, default=1, help="keep every Nth photo (sorted by path)")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    files = sorted(iter_image_files([args.folder]))[::args.every]
    written = 0
    for f in files:
        name = "_".join(f.relative_to(args.folder).with_suffix(".png").parts)
        try:  # written atomically, never over an input
            save_image(rgb_at_short_side(f, args.size), args.out / name, protected=[f])
        except ImageError as e:
            print(f"skipped: {e}")
            continue
        written += 1
    print(f"wrote {written} photos to {args.out} (short side {args.size} px)")


if __name__ == "__main__":
    main()
