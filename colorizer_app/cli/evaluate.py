"""`colorizer-cli eval`: a model against the grayscale baseline on a folder of colour photos."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import torch
from tqdm import tqdm

from ..engine import Colorizer
from ..engine.colorizer import UPSAMPLERS
from ..imaging.io import ImageError, iter_image_files, load_image
from ..imaging.lab import lab_to_uint8
from ..imaging.metrics import MetricAccumulator, MetricSummary, format_table
from ..models.checkpoint import CheckpointError

BASELINE = "grayscale baseline"


def add_parser(sub) -> None:
    p = sub.add_parser("eval", help="measure a model against the grayscale baseline")
    p.add_argument("--model", action="append", required=True,
                   help="model name or file; repeat to compare several")
    p.add_argument("--data", type=Path, required=True, help="folder of colour photos (ground truth)")
    p.add_argument("--temperature", type=float)
    p.add_argument("--size", type=int, default=256)
    p.add_argument("--device", default="auto")
    p.add_argument("--limit", type=int, help="only the first N photos")
    p.add_argument("--upsample", choices=UPSAMPLERS, default="guided",
                   help="how colour is brought to full size (bilinear: as before the guided filter)")
    p.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    p.set_defaults(func=run)


def evaluate(colorizers: dict[str, Colorizer], files: list[Path], progress=None) -> dict[str, MetricSummary]:
    """Each model and the ab = 0 baseline on every colour photo in `files`."""
    accs = {BASELINE: MetricAccumulator(), **{name: MetricAccumulator() for name in colorizers}}
    for f in files:
        try:
            img = load_image(f)
        except ImageError as e:
            tqdm.write(f"skipped: {e}", file=sys.stderr)
            continue
        if not img.is_colour:
            continue
        truth = img.pixels
        any_c = next(iter(colorizers.values()))
        L = any_c.lightness(truth)
        accs[BASELINE].add(lab_to_uint8(L, torch.zeros((2, *L.shape[-2:]))).numpy(), truth)
        for name, c in colorizers.items():
            accs[name].add(c.colorize(truth).rgb, truth)
        if progress:
            progress()
    return {name: acc.summary() for name, acc in accs.items()}


def run(args) -> int:
    try:
        colorizers = {}
        for m in args.model:
            c = Colorizer(m, device=args.device, size=args.size, temperature=args.temperature,
                          upsample=args.upsample, on_warning=lambda msg: print(f"warning: {msg}", file=sys.stderr))
            colorizers[c.model.name if c.model.name not in colorizers else m] = c
    except CheckpointError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    files = iter_image_files([args.data])[: args.limit]
    if not files:
        print(f"error: {args.data}: no photos found", file=sys.stderr)
        return 2
    with tqdm(total=len(files), unit="photo", dynamic_ncols=True) as bar:
        results = evaluate(colorizers, files, progress=bar.update)
    if results[BASELINE].count == 0:
        print(f"error: {args.data}: no colour photos to compare against", file=sys.stderr)
        return 2
    print(format_table(results))
    if args.json:
        args.json.write_text(json.dumps({k: v.as_dict() for k, v in results.items()}, indent=2))
    return 0
