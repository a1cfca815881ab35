"""Stamp a trained model file for bundling: its version, its family's name and the figures of
`colorizer-cli eval` on all the validation photos, the weights left bit for bit as they are.

    colorizer-cli eval --model runs/lively8.safetensors --data ../shared/data/val --json val.json
    python scripts/release_model.py runs/lively8.safetensors --version 8 --figures val.json \
        --out weights/gan.safetensors

The trainer records the figures of its own quick check (the first 256 validation photos); the app
and `colorizer-cli info` show the metadata's figures, so a bundled file carries those of the full
evaluation that the model card gives.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from colorizer_app.cli.evaluate import BASELINE
from colorizer_app.models.checkpoint import read_safetensors, write_safetensors


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model", type=Path)
    ap.add_argument("--version", type=int, required=True)
    ap.add_argument("--figures", type=Path, required=True,
                    help="the JSON that `colorizer-cli eval --json` wrote for this model")
    ap.add_argument("--key", help="the model's entry in that JSON (default: the one that is not the baseline)")
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    tensors, meta = read_safetensors(args.model)
    results = json.loads(args.figures.read_text())
    keys = [args.key] if args.key else [k for k in results if k != BASELINE]
    if len(keys) != 1 or keys[0] not in results:
        print(f"error: name the model's entry with --key (the file has {', '.join(results)})", file=sys.stderr)
        return 2
    figures = {k: round(v, 4) for k, v in results[keys[0]].items()}
    quick = meta.get("val_metrics")
    if quick and quick.get("count") != figures["count"]:  # the trainer's own check: kept, under its name
        meta.setdefault("trainer_val_metrics", quick)
    meta.update(name=meta["family"], version=args.version, val_metrics=figures)
    write_safetensors(args.out, tensors, meta)
    print(f"wrote {args.out}: {meta['family']} version {args.version}, val PSNR {figures['psnr']:.2f} dB "
          f"on {figures['count']} photos")
    return 0


if __name__ == "__main__":
    sys.exit(main())
