"""The colour-hints figure for the model card: one old photo in black and white, coloured without
hints, coloured with a few hints placed by hand (drawn as markers), and as scanned.

    python scripts/hints_figure.py ../shared/oldphotos/old_e.png docs/hints_old_e.json docs/hints_figure.jpg
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from colorizer_app.engine import Colorizer
from colorizer_app.imaging.io import load_image
from colorizer_app.defaults import DEFAULT_MODEL
from colorizer_app.models.hints import load_hints

HEIGHT = 520  # each panel's height in the figure
LABEL = 26


def markers(img: Image.Image, hints) -> Image.Image:
    """Each hint as the app draws it: a disc of its colour in a light and a dark ring."""
    out = img.copy()
    d = ImageDraw.Draw(out)
    r = max(6, img.height // 60)
    for h in hints:
        x, y = h.x * img.width, h.y * img.height
        d.ellipse((x - r - 2, y - r - 2, x + r + 2, y + r + 2), fill=(20, 20, 20))
        d.ellipse((x - r, y - r, x + r, y + r), fill=(250, 250, 250))
        d.ellipse((x - r + 2, y - r + 2, x + r - 2, y + r - 2), fill=h.hex())
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("photo", type=Path)
    ap.add_argument("hints", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--model", default=DEFAULT_MODEL, help=f"the model (default: {DEFAULT_MODEL})")
    args = ap.parse_args()
    hints = load_hints(args.hints)
    c = Colorizer(args.model, device="cpu")
    img = load_image(args.photo)
    gray = np.asarray(Image.fromarray(img.pixels).convert("L").convert("RGB"))
    plain = c.colorize(gray).rgb
    hinted = c.colorize(gray, replace(c.settings, hints=hints)).rgb
    panels = [("black and white", gray), ("no hints", plain),
              (f"{len(hints)} hints (markers)", np.asarray(markers(Image.fromarray(hinted), hints))),
              (f"{len(hints)} hints", hinted), ("as scanned", img.pixels[..., :3])]
    font = ImageFont.load_default(size=18)
    scaled = []
    for label, px in panels:
        im = Image.fromarray(px)
        im = im.resize((round(im.width * HEIGHT / im.height), HEIGHT), Image.Resampling.LANCZOS)
        scaled.append((label, im))
    width = sum(im.width for _, im in scaled) + 8 * (len(scaled) - 1)
    sheet = Image.new("RGB", (width, HEIGHT + LABEL), "white")
    d = ImageDraw.Draw(sheet)
    x = 0
    for label, im in scaled:
        d.text((x + 4, 3), label, fill=(0, 0, 0), font=font)
        sheet.paste(im, (x, LABEL))
        x += im.width + 8
    args.out.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(args.out, quality=88)
    print(f"wrote {args.out} ({sheet.width}x{sheet.height}) with {c.model.name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
