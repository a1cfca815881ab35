"""A picture for the model card: grayscale input | each shipped model | ground truth, one row a photo.

    python scripts/model_grid.py [--val ../shared/data/val] [--out docs/model_grid.jpg]

Rows: skimage.data photos (always), plus a fixed sample of validation photos when --val is given.
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


def fit(rgb: np.ndarray) -> Image.Image:
    img = Image.fromarray(rgb)
    w, h = img.size
    s = CELL / min(w, h)
    img = img.resize((max(CELL, round(w * s)), max(CELL, round(h * s))), Image.Resampling.LANCZOS)
    l, t = (img.width - CELL) // 2, (img.height - CELL) // 2
    return img.crop((l, t, l + CELL, t + CELL))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--val", type=Path)
    ap.add_argument("--val-rows", type=int, default=6)
    ap.add_argument("--out", type=Path, default=Path("docs/model_grid.jpg"))
    ap.add_argument("--model", action="append", help="a model name or file (repeat; default: the three shipped)")
    ap.add_argument("--seed", type=int, default=3, help="which validation photos")
    args = ap.parse_args()
    photos = [(n, getattr(data, n)()) for n in ("astronaut", "coffee", "chelsea", "rocket")]
    if args.val:
        files = iter_image_files([args.val])
        pick = np.random.default_rng(args.seed).choice(len(files), args.val_rows, replace=False)
        photos += [(files[i].stem, load_image(files[i]).pixels) for i in sorted(pick)]
    names = args.model or list(FAMILIES)
    models = {Path(n).stem: Colorizer(n, device="cpu") for n in names}
    cols = ["grayscale", *models, "ground truth"]
    head = 28
    sheet = Image.new("RGB", (CELL * len(cols), head + CELL * len(photos)), "white")
    draw = ImageDraw.Draw(sheet)
    for j, name in enumerate(cols):
        draw.text((j * CELL + 8, 8), name, fill="black")
    for i, (_, rgb) in enumerate(photos):
        any_c = next(iter(models.values()))
        L = any_c.lightness(rgb)
        gray = lab_to_uint8(L, torch.zeros(2, *L.shape[-2:])).numpy()
        row = [gray] + [m.colorize(rgb).rgb for m in models.values()] + [rgb]
        for j, img in enumerate(row):
            sheet.paste(fit(img), (j * CELL, head + i * CELL))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(args.out, quality=88)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
