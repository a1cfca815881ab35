"""Pictures for the model card: input | grayscale | each model | (ground truth), one row a photo.

    python scripts/model_grid.py [--val ../shared/data/val] [--out docs/model_grid.jpg]
    python scripts/model_grid.py --photos ../shared/oldphotos --model "today's default=runs/old/old_classification.safetensors" \
        --model regression --model classification --model gan --out docs/oldphotos_grid.jpg

Rows: skimage.data photos plus a fixed sample of validation photos when --val is given; or every
photo of --photos (whole photos, letterboxed). A model is a name or file, optionally LABEL=MODEL.
The last column is the photo as it came: for a colour photo the truth, for a scan the scan.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageDraw
from skimage import data

from colorizer_app.engine import Colorizer
from colorizer_app.imaging.io import iter_image_files, load_image
from colorizer_app.imaging.lab import lab_to_uint8
from colorizer_app.models.networks import FAMILIES

CELL = 200


def fit(rgb: np.ndarray, whole: bool = False) -> Image.Image:
    """A CELL x CELL picture: centre crop, or the whole photo letterboxed on white."""
    img = Image.fromarray(rgb).convert("RGB")
    w, h = img.size
    s = CELL / (max(w, h) if whole else min(w, h))
    size = (max(1, round(w * s)), max(1, round(h * s)))
    img = img.resize(size if whole else (max(CELL, size[0]), max(CELL, size[1])), Image.Resampling.LANCZOS)
    if whole:
        cell = Image.new("RGB", (CELL, CELL), "white")
        cell.paste(img, ((CELL - img.width) // 2, (CELL - img.height) // 2))
        return cell
    l, t = (img.width - CELL) // 2, (img.height - CELL) // 2
    return img.crop((l, t, l + CELL, t + CELL))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--val", type=Path)
    ap.add_argument("--val-rows", type=int, default=6)
    ap.add_argument("--photos", type=Path, help="a folder whose every photo is a row, shown whole")
    ap.add_argument("--out", type=Path, default=Path("docs/model_grid.jpg"))
    ap.add_argument("--model", action="append", help="[LABEL=]model name or file (repeat; default: the three shipped)")
    ap.add_argument("--seed", type=int, default=3, help="which validation photos")
    args = ap.parse_args()
    if args.photos:
        photos = [(f.stem, load_image(f).pixels) for f in iter_image_files([args.photos])]
    else:
        photos = [(n, getattr(data, n)()) for n in ("astronaut", "coffee", "chelsea", "rocket")]
    if args.val:
        files = iter_image_files([args.val])
        pick = np.random.default_rng(args.seed).choice(len(files), args.val_rows, replace=False)
        photos += [(files[i].stem, load_image(files[i]).pixels) for i in sorted(pick)]
    models = {}
    for spec in args.model or list(FAMILIES):
        label, _, name = spec.rpartition("=")
        models[label or Path(name).stem] = Colorizer(name, device="cpu")
    last = "as scanned / truth" if args.photos else "ground truth"
    cols = ["photo", "grayscale", *models, last]
    head = 28
    sheet = Image.new("RGB", (CELL * len(cols), head + CELL * len(photos)), "white")
    draw = ImageDraw.Draw(sheet)
    for j, name in enumerate(cols):
        draw.text((j * CELL + 8, 8), name, fill="black")
    for i, (stem, rgb) in enumerate(photos):
        any_c = next(iter(models.values()))
        L = any_c.lightness(rgb)
        gray = lab_to_uint8(L, torch.zeros(2, *L.shape[-2:])).numpy()
        row = [gray] + [m.colorize(rgb).rgb for m in models.values()] + [rgb]
        for j, img in enumerate([None, *row]):
            if img is None:
                draw.text((8, head + i * CELL + CELL // 2), stem, fill="black")
                continue
            sheet.paste(fit(img, whole=bool(args.photos)), (j * CELL, head + i * CELL))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(args.out, quality=88)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
