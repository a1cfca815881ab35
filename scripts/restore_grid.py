"""Damaged scans as they are, with what restoration finds marked in red, and restored: one row a
photo, for judging the detector and the fill by eye on real damage (which has no ground truth).

    python scripts/restore_grid.py ../shared/oldphotos/old_w_scratch_*.png --out runs/restore_grid.jpg \
        [--detector FILE] [--height 360]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from colorizer_app.imaging.io import load_image
from colorizer_app.imaging.lab import gray_uint8
from colorizer_app.models.pipeline import lightness
from colorizer_app.restore.detector import bundled_detector, load_detector
from colorizer_app.restore.options import Restore
from colorizer_app.restore.restore import restore_lightness


def row(path: Path, detector, height: int) -> Image.Image:
    L = lightness(load_image(path).pixels)
    r = restore_lightness(L, Restore(), detector=detector)
    gray = gray_uint8(L)
    marked = np.repeat(gray[..., None], 3, axis=2)
    marked[r.mask] = (marked[r.mask] * 0.3 + np.array([255, 0, 0]) * 0.7).astype(np.uint8)
    restored = np.repeat(gray_uint8(r.L)[..., None], 3, axis=2)
    strip = np.hstack([np.repeat(gray[..., None], 3, axis=2), marked, restored])
    img = Image.fromarray(strip)
    return img.resize((round(img.width * height / img.height), height), Image.Resampling.LANCZOS)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("photos", nargs="+", type=Path)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--detector", type=Path, help="a detector file (default: the bundled one)")
    ap.add_argument("--height", type=int, default=360)
    args = ap.parse_args()
    torch.set_num_threads(1)
    det = load_detector(args.detector) if args.detector else bundled_detector()
    rows = [row(p, det, args.height) for p in args.photos]
    grid = Image.new("RGB", (max(r.width for r in rows), sum(r.height for r in rows)), (32, 33, 36))
    y = 0
    for r in rows:
        grid.paste(r, (0, y))
        y += r.height
    grid.save(args.out, quality=90)
    print(f"{args.out}: {len(rows)} photos, detector {det.path} (threshold {det.threshold})")


if __name__ == "__main__":
    main()
