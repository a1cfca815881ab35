"""What restoration adds to colouring a photo (targets: at most 2 s more for a 12 MP photo, and
within 0.5 s on screen at screen resolution).

    python benchmarks/restore.py [--megapixels 12] [--repeat 3] [--threads 0] [--model NAME]

The photo is scikit-image's astronaut enlarged to the size asked for, with damage drawn on it
(cracks, scratches, spots: colorizer_app/restore/damage.py), so the fill has real work to do.
On screen, the app finds the damage once per photo on its view at the detector's size and then
restores the view at screen size; a brush stroke redoes only the mask and the fill.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from skimage import data

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchmark import best_of  # noqa: E402

from colorizer_app import cpu_threads  # noqa: E402
from colorizer_app.defaults import DEFAULT_MODEL  # noqa: E402
from colorizer_app.engine import Colorizer  # noqa: E402
from colorizer_app.imaging.lab import lab_to_uint8  # noqa: E402
from colorizer_app.models.header import shown_name  # noqa: E402
from colorizer_app.restore.damage import draw_damage  # noqa: E402
from colorizer_app.restore.detector import DETECT_SIDE, bundled_detector  # noqa: E402
from colorizer_app.restore.mask import find_damage  # noqa: E402
from colorizer_app.restore.options import Restore, Stroke  # noqa: E402
from colorizer_app.restore.restore import restore_lightness  # noqa: E402

SCREEN = 1600


def damaged_photo(megapixels: float) -> np.ndarray:
    h = int(round((megapixels * 1e6 * 3 / 4) ** 0.5))
    w = int(round(h * 4 / 3))
    gray = np.array(Image.fromarray(data.astronaut()).convert("L").resize((w, h), Image.Resampling.BICUBIC))
    L = gray.astype(np.float32) / 2.55  # near enough to L* for drawing on
    d = draw_damage(L, np.random.default_rng(0), amount=2.0, scale=max(1.0, w / 1000), look=False)
    zero = torch.zeros(2, h, w)
    return lab_to_uint8(torch.from_numpy(d.L)[None], zero)[..., 0].numpy()


def area(L: torch.Tensor, long_side: int) -> torch.Tensor:
    h, w = L.shape[-2:]
    s = long_side / max(h, w)
    return F.interpolate(L[None], size=(round(h * s), round(w * s)), mode="area")[0]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default=DEFAULT_MODEL, help=f"model name or file (default: {shown_name(DEFAULT_MODEL)})")
    ap.add_argument("--megapixels", type=float, default=12.0)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--threads", type=int, default=cpu_threads.AUTO, help="0: the app's automatic threads")
    args = ap.parse_args()
    pixels = damaged_photo(args.megapixels)
    h, w = pixels.shape
    c = Colorizer(args.model, device="cpu", threads=args.threads)
    bundled_detector()  # read once per run of the app
    restore = Restore()
    plain = best_of(lambda: c.colorize(pixels), args.repeat)
    restored = best_of(lambda: c.colorize(pixels, replace(c.settings, restore=restore)), args.repeat)
    options = best_of(lambda: c.colorize(pixels, replace(c.settings, restore=Restore(denoise=True, contrast=True))),
                      args.repeat)

    L = c.lightness(pixels)
    view, detect = area(L, SCREEN), area(L, DETECT_SIDE)
    with torch.inference_mode():
        found = best_of(lambda: find_damage(detect), args.repeat)
        odds = find_damage(detect)
        fill = best_of(lambda: restore_lightness(view, restore, odds), args.repeat)
        stroke = Stroke(((0.4, 0.4), (0.6, 0.5)), 0.01)
        brushed = best_of(lambda: restore_lightness(view, restore.with_stroke(stroke), odds), args.repeat)
    mask = restore_lightness(view, restore, odds).mask
    threads = "automatic" if args.threads == cpu_threads.AUTO else args.threads
    print(f"model {c.model.name}, {w}x{h} damaged photo ({h * w / 1e6:.1f} MP), threads {threads}; "
          f"{mask.mean() * 100:.1f}% of it found damaged")
    print(f"full resolution: colour {plain:.2f} s, with repair {restored:.2f} s (+{restored - plain:.2f} s; "
          f"target at most +2 s), with repair, grain and contrast {options:.2f} s (+{options - plain:.2f} s)")
    print(f"on screen ({view.shape[-1]}x{view.shape[-2]}): damage found once per photo at "
          f"{detect.shape[-1]}x{detect.shape[-2]} {found * 1000:.0f} ms, the view restored {fill * 1000:.0f} ms, "
          f"together {(found + fill) * 1000:.0f} ms (target at most 500 ms); after a brush stroke "
          f"{brushed * 1000:.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
