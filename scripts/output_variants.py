"""Figures for a model's colours changed after the network, beside the colours as they are.

    python scripts/output_variants.py weights/regression.safetensors --data ../shared/data/val \\
        --gain 1.05 --gain 1.1 --flip --smooth 1 --smooth 2 --with weights/gan.safetensors \\
        --fit-curve ../shared/data/train --curve-photos 1500

Each asks whether colour or accuracy can be had without a better network: a colour gain (the
app's colour strength), the mean with the colours of the photo flipped left to right, the
network's colours smoothed (Gaussian, S cells of its output grid) before they are brought to full
size, the mean with other models' colours, and a gain for each colour strength the network paints,
fitted by least squares on other photos (`--fit-curve`: a pure function of the predicted chroma,
piecewise linear between CURVE_KNOTS, held toward 1 where few pixels are). The figures are
`colorizer-cli eval`'s; none of these is in the app (docs/training-history.md, "Colour changed after
the network").
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import torch

from colorizer_app.engine import Colorizer
from colorizer_app.imaging.io import ImageError, iter_image_files, load_image
from colorizer_app.imaging.lab import uint8_to_lab_batch
from colorizer_app.imaging.metrics import MetricAccumulator, format_table
from colorizer_app.models import pipeline
from colorizer_app.training.degrade import gaussian_blur

CURVE_KNOTS = np.array([0, 4, 8, 12, 16, 20, 25, 30, 40, 50, 70], float)  # chroma, Lab units
RIDGE = 0.05  # pull of each knot's gain toward 1, as a share of the mean pixel weight


def knot_weights(chroma: np.ndarray) -> np.ndarray:
    """(N,) chroma -> (N, knots) weights of linear interpolation between CURVE_KNOTS (flat past the last)."""
    c = np.clip(chroma, CURVE_KNOTS[0], CURVE_KNOTS[-1])
    k = np.clip(np.searchsorted(CURVE_KNOTS, c, side="right") - 1, 0, len(CURVE_KNOTS) - 2)
    t = (c - CURVE_KNOTS[k]) / (CURVE_KNOTS[k + 1] - CURVE_KNOTS[k])
    w = np.zeros((c.size, len(CURVE_KNOTS)))
    w[np.arange(c.size), k] = 1 - t
    w[np.arange(c.size), k + 1] = t
    return w


def fit_gain_curve(pairs) -> np.ndarray:
    """Gains at CURVE_KNOTS minimising sum |g(|p|) p - t|^2 over (predicted, true) ab pairs, each (N, 2)."""
    a = np.zeros((len(CURVE_KNOTS),) * 2)
    b = np.zeros(len(CURVE_KNOTS))
    for p, t in pairs:
        w = knot_weights(np.hypot(p[:, 0], p[:, 1]))
        a += w.T @ (w * (p ** 2).sum(1)[:, None])
        b += w.T @ (p * t).sum(1)
    ridge = RIDGE * np.trace(a) / len(b)
    return np.linalg.solve(a + ridge * np.eye(len(b)), b + ridge)


def apply_curve(ab: torch.Tensor, gains: np.ndarray) -> torch.Tensor:
    chroma = torch.hypot(ab[0], ab[1]).numpy().ravel()
    return ab * torch.from_numpy((knot_weights(chroma) @ gains).reshape(ab.shape[1:])).float()


def smoothed(ab: torch.Tensor, sigma: float) -> torch.Tensor:
    """(2, h, w) ab through the Gaussian blur of the training's old-scan damage, `sigma` cells."""
    return gaussian_blur(ab[:, None], torch.full((2,), float(sigma)), radius=int(3 * sigma))[:, 0]


def photos(folder: Path, limit: int | None = None, every: int = 1):
    for f in sorted(iter_image_files([folder]))[::every][:limit]:
        try:
            img = load_image(f)
        except ImageError as e:
            print(f"skipped: {e}", file=sys.stderr)
            continue
        if img.is_colour:
            yield img


def full_size_ab(c: Colorizer, L: torch.Tensor, flip: bool = False) -> tuple[torch.Tensor, object, torch.Tensor]:
    """The network's ab, that ab at L's size, and the output it came from (of L flipped, flipped back)."""
    x = L.flip(-1) if flip else L
    out = c.net_output(x, c.settings.size)
    ab = c.decode(out)
    up = pipeline.upsample_ab(ab, x, out, c.settings.upsample)
    return (ab.flip(-1), up.flip(-1), out) if flip else (ab, up, out)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model")
    ap.add_argument("--data", type=Path, required=True, help="folder of colour photos (ground truth)")
    ap.add_argument("--gain", type=float, action="append", default=[], metavar="G")
    ap.add_argument("--flip", action="store_true")
    ap.add_argument("--smooth", type=float, action="append", default=[], metavar="S")
    ap.add_argument("--with", dest="others", action="append", default=[], metavar="MODEL")
    ap.add_argument("--fit-curve", type=Path, metavar="FOLDER", help="colour photos to fit the gain curve on")
    ap.add_argument("--curve-photos", type=int, default=1500, help="how many of them (spread over the folder)")
    ap.add_argument("--limit", type=int)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    c = Colorizer(args.model, device="cpu", threads=args.threads)
    others = [Colorizer(m, device="cpu", threads=args.threads) for m in args.others]

    gains = None
    if args.fit_curve:
        files = sorted(iter_image_files([args.fit_curve]))
        every = max(1, len(files) // args.curve_photos)

        def pairs():
            for img in photos(args.fit_curve, args.curve_photos, every):
                L = pipeline.lightness(img.pixels)
                up = full_size_ab(c, L)[1].numpy().reshape(2, -1).T
                truth = uint8_to_lab_batch(torch.from_numpy(img.pixels.copy())[None])[0, 1:].numpy().reshape(2, -1).T
                yield up[::3], truth[::3]
        gains = fit_gain_curve(pairs())
        print("gain curve: " + ", ".join(f"{k:g}: {g:.3f}" for k, g in zip(CURVE_KNOTS, gains)), flush=True)

    rows: dict[str, MetricAccumulator] = {}
    for img in photos(args.data, args.limit):
        truth = img.pixels
        L = pipeline.lightness(truth)
        ab, up, out = full_size_ab(c, L)
        variants = {"as it is": up}
        for g in args.gain:
            variants[f"colour x{g:g}"] = up * g
        if args.flip:
            variants["mean with flipped"] = (up + full_size_ab(c, L, flip=True)[1]) / 2
        for s in args.smooth:
            variants[f"smoothed {s:g}"] = pipeline.upsample_ab(smoothed(ab, s), L, out, c.settings.upsample)
        if others:
            variants[f"mean of {1 + len(others)} models"] = (up + sum(full_size_ab(o, L)[1] for o in others)) / (
                1 + len(others))
        if gains is not None:
            variants["gain curve"] = apply_curve(up, gains)
        for name, v in variants.items():
            rows.setdefault(name, MetricAccumulator()).add(pipeline.merge(L, v.clone()), truth)
    print(format_table({name: acc.summary() for name, acc in rows.items()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
