"""The picture for the README's reference-palette section: one old photo coloured without a
reference and with two reference photos, each reference shown with its palette's swatches.

    python scripts/reference_figure.py [--photo ../shared/oldphotos/old_w_scratch_c.png]
        [--reference PHOTO] [--reference PHOTO] [--strength 0.7] [--out docs/reference_palette.jpg]

Without --reference, skimage's coffee and its astronaut are the references.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw
from skimage import data

from colorizer_app.engine import Colorizer
from colorizer_app.imaging.io import load_image
from colorizer_app.models.pipeline import Settings
from colorizer_app.models.reference import Reference, palette_from_pixels

CELL = 220
SWATCH = 26


def fit(rgb: np.ndarray, height: int = CELL) -> Image.Image:
    img = Image.fromarray(rgb).convert("RGB")
    s = height / img.height
    return img.resize((max(1, round(img.width * s)), height), Image.Resampling.LANCZOS)


def swatches(palette, width: int) -> Image.Image:
    strip = Image.new("RGB", (width, SWATCH), "white")
    draw = ImageDraw.Draw(strip)
    x = 0.0
    rgb = palette.rgb()
    for i in palette.display_order():
        (r, g, b), w = rgb[i], palette.weights[i]
        draw.rectangle([round(x), 0, round(x + w * width), SWATCH], fill=(int(r), int(g), int(b)))
        x += w * width
    return strip


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--photo", type=Path, default=Path("../shared/oldphotos/old_w_scratch_c.png"))
    ap.add_argument("--reference", type=Path, action="append")
    ap.add_argument("--strength", type=float, default=0.7)
    ap.add_argument("--model", action="append")
    ap.add_argument("--out", type=Path, default=Path("docs/reference_palette.jpg"))
    args = ap.parse_args()
    photo = load_image(args.photo).pixels
    if args.reference:
        refs = [(p.stem, load_image(p).pixels) for p in args.reference]
    else:
        refs = [("skimage coffee", data.coffee()), ("skimage astronaut", data.astronaut())]
    palettes = [palette_from_pixels([px], 16, name) for name, px in refs]
    models = args.model or ["classification", "regression"]
    rows = []
    for m in models:
        c = Colorizer(m, device="cpu")
        cells = [("input", fit(photo if photo.ndim == 3 else np.stack([photo] * 3, -1))),
                 (f"{m}: no reference", fit(c.colorize(photo).rgb))]
        for (name, _), pal in zip(refs, palettes):
            s = Settings(size=c.settings.size, reference=Reference(pal, args.strength))
            cells.append((f"{m}: {name}, s={args.strength:g}", fit(c.colorize(photo, s).rgb)))
        rows.append(cells)
    ref_cells = [("", None), ("", None)]
    for (name, px), pal in zip(refs, palettes):
        thumb = fit(px, CELL - SWATCH - 4)
        ref_cells.append((f"reference: {name}", (thumb, pal)))
    w = max(img.width for cells in rows for _, img in cells) + 8
    label_h = 18
    H = (CELL + label_h) * (len(rows) + 1) + 8
    sheet = Image.new("RGB", (w * 4, H), "white")
    draw = ImageDraw.Draw(sheet)
    for r, cells in enumerate(rows + [ref_cells]):
        y = r * (CELL + label_h)
        for i, (label, img) in enumerate(cells):
            x = i * w + 4
            draw.text((x, y + 3), label, fill=(0, 0, 0))
            if img is None:
                continue
            if isinstance(img, tuple):
                thumb, pal = img
                sheet.paste(thumb, (x, y + label_h))
                sheet.paste(swatches(pal, w - 8), (x, y + label_h + thumb.height + 4))
            else:
                sheet.paste(img, (x, y + label_h))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(args.out, quality=90)
    print(args.out)


if __name__ == "__main__":
    main()
