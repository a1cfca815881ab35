"""How well restoration finds and fills damage drawn on photos it never saw, and how little it
touches photos without damage.

    python scripts/restore_quality.py DIR [DIR...] [--detector FILE] [--fill ns telea] [--limit N]

For every photo (its lightness at its own size): damage is drawn with a fixed seed
(colorizer_app/restore/damage.py, the photo's grain and fading left out so that the score is of
the damage alone), the default restoration runs, and the script prints per folder

  - the mask's precision and recall against the drawn damage (the marks' soft edges left out),
  - PSNR of the damaged and of the restored lightness against the undamaged one (dB, peak 100),
  - PSNR of the restored undamaged photo against itself: what restoration invents,
  - seconds per photo.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import torch

from colorizer_app.imaging.io import iter_image_files, load_image
from colorizer_app.imaging.metrics import lightness_psnr
from colorizer_app.models.pipeline import lightness
from colorizer_app.restore import fill as fill_module
from colorizer_app.restore.damage import draw_damage
from colorizer_app.restore.detector import bundled_detector, load_detector
from colorizer_app.restore.options import Restore
from colorizer_app.restore.restore import restore_lightness
from colorizer_app.training.damage_detector import mask_scores


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folders", nargs="+", type=Path)
    ap.add_argument("--detector", type=Path, help="a detector file (default: the bundled one)")
    ap.add_argument("--fill", nargs="+", default=[fill_module.DEFAULT_METHOD], choices=sorted(fill_module.METHODS))
    ap.add_argument("--limit", type=int, help="the first N photos of each folder")
    ap.add_argument("--amount", type=float, default=1.5, help="how much damage is drawn (marks per photo / 3)")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    det = load_detector(args.detector) if args.detector else bundled_detector()
    print(f"detector {det.path} (threshold {det.threshold})")
    print("folder | fill | photos | precision | recall | damaged dB | restored dB | gain dB | undamaged dB | s/photo")
    for folder in args.folders:
        files = sorted(f for f in iter_image_files([folder], recursive=True))[: args.limit]
        for method in args.fill:
            rows = []
            for i, f in enumerate(files):
                L = lightness(load_image(f).pixels)[0].numpy()
                d = draw_damage(L, np.random.default_rng(i), amount=args.amount, look=False)
                t0 = time.perf_counter()
                r = restore_lightness(torch.from_numpy(d.L)[None], Restore(), detector=det, method=method)
                seconds = time.perf_counter() - t0
                clean = restore_lightness(torch.from_numpy(L)[None], Restore(), detector=det)
                s = mask_scores(r.mask, d.mask, d.unsure)
                rows.append((s["precision"], s["recall"], lightness_psnr(d.L, L), lightness_psnr(r.L[0].numpy(), L),
                             lightness_psnr(clean.L[0].numpy(), L), seconds))
            a = np.array(rows)
            p, rc, dmg, rst, und, sec = a.mean(0)
            print(f"{folder} | {method} | {len(rows)} | {p:.3f} | {rc:.3f} | {dmg:.2f} | {rst:.2f} | {rst - dmg:+.2f} | "
                  f"{und:.2f} (lowest {a[:, 4].min():.2f}) | {sec:.3f}")


if __name__ == "__main__":
    main()
