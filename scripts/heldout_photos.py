"""A folder of colour photos from outside the training pool, for `colorizer-cli eval`.

    python scripts/heldout_photos.py OUT_DIR [--oldphotos ../shared/oldphotos]

Writes scikit-image's natural colour photos (astronaut, coffee, chelsea, rocket: other sources,
larger than the pool's 144 px) and, when the old-photo folder is there, its early colour
photographs (old_a .. old_h: autochromes and faded prints, scored against their own colours; the
toned black-and-white scans have no colour truth and are left out). Then:

    colorizer-cli eval --model regression --model classification --model gan --data OUT_DIR
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

from PIL import Image
from skimage import data

SKIMAGE_PHOTOS = ("astronaut", "coffee", "chelsea", "rocket")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--oldphotos", type=Path, default=Path("../shared/oldphotos"))
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for name in SKIMAGE_PHOTOS:
        Image.fromarray(getattr(data, name)()[..., :3]).save(args.out / f"{name}.png")
    old = sorted(args.oldphotos.glob("old_[a-h].png")) if args.oldphotos.is_dir() else []
    for f in old:
        shutil.copyfile(f, args.out / f.name)
    print(f"wrote {len(SKIMAGE_PHOTOS) + len(old)} photos to {args.out}")


if __name__ == "__main__":
    main()
