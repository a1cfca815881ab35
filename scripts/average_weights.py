"""Interpolate two checkpoints of one network: (1 - alpha) * A + alpha * B, weight by weight.

    python scripts/average_weights.py A.safetensors B.safetensors --alpha 0.5 --out OUT.safetensors

Used for the shipped classification model: A is trained with class rebalancing (vivid, below the
grayscale PSNR), B is A fine-tuned without it (accurate, muted); averaging the weights of a model
and its own fine-tune (as in WiSE-FT, Wortsman et al. 2022) lands between the two. The output
carries A's family, the metadata of B (of A where the families differ: the training loss a
fine-tune continues with must be the family's own), and the provenance of both parents and alpha.

A Natural (regression) and a Lively (gan) file are the same network trained for different
objectives, so they mix too when they share an ancestor (every Lively was started from a Natural).
A Vivid file has another colour head: it mixes with another Vivid, or, with --trunk-only, its
trunk with a Natural's or a Lively's while its own head is kept (the head's weights belong to A).
"""

from __future__ import annotations

import argparse
import shlex
import sys
from dataclasses import replace
from pathlib import Path

import torch

from colorizer_app.models import registry
from colorizer_app.models.checkpoint import load_model, save_model
from colorizer_app.training.data import load_photo_folder, photo_size
from colorizer_app.training.objectives import OBJECTIVES, LossConfig
from colorizer_app.training.trainer import validate

MIXABLE = {"regression", "gan"}  # one network trained for two objectives


def kept_from_a(a, b, trunk_only: bool) -> set[str] | None:
    """The weights that stay A's (its colour head, when only the trunk is mixed), or None where
    the two files do not mix."""
    if trunk_only:
        head = {k for k in a.net.state_dict() if k.startswith("head.")}
        same_trunk = a.net.spec == replace(b.net.spec, family=a.family, out_channels=a.net.spec.out_channels)
        return head if head and same_trunk else None
    if a.net.spec != replace(b.net.spec, family=a.family):
        return None
    return set() if a.family == b.family or {a.family, b.family} == MIXABLE else None


def mix(x: torch.Tensor, y: torch.Tensor, alpha: float) -> torch.Tensor:
    """(1 - alpha) x + alpha y for weights; counters (BatchNorm's batch count) are taken from y."""
    if not x.is_floating_point():
        return y
    return (x.float() * (1 - alpha) + y.float() * alpha).to(x.dtype)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("a", type=Path)
    ap.add_argument("b", type=Path)
    ap.add_argument("--alpha", type=float, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--trunk-only", action="store_true",
                    help="mix all but the colour head, which is A's (A Vivid, B a Natural or a Lively)")
    ap.add_argument("--name", help="model name (default: B's); the bundled files are named by their family")
    ap.add_argument("--val", type=Path, help="folder of validation photos: figures go into the metadata")
    ap.add_argument("--val-images", type=int, default=256)
    args = ap.parse_args()
    a, b = load_model(args.a), load_model(args.b, expect_family=None)
    kept = kept_from_a(a, b, args.trunk_only)
    if kept is None:
        why = "do not share a trunk" if args.trunk_only else "are not the same network"
        print(f"error: the two checkpoints {why}", file=sys.stderr)
        return 2
    sa, sb = a.net.state_dict(), b.net.state_dict()
    mixed = {k: sa[k] if k in kept else mix(sa[k], sb[k], args.alpha) for k in sa}
    a.net.load_state_dict(mixed)
    counted = [(m, w) for m, w in ((a, 1 - args.alpha), (b, args.alpha)) if w > 0]
    skip = {"format_version", "app_version", "family", "spec", "normalisation"}
    source = b if b.family == a.family else a
    meta = {k: v for k, v in source.meta.items() if k not in skip}
    meta.update({
        "command": "python scripts/average_weights.py " + " ".join(shlex.quote(x) for x in sys.argv[1:]),
        **({"mixed": "trunk only, colour head from " + args.a.name} if args.trunk_only else {}),
        "parents": [
            {"file": args.a.name, "weight": 1 - args.alpha, "command": a.meta.get("command"),
             "steps": a.meta.get("steps"), "train_seconds": a.meta.get("train_seconds"),
             "val_metrics": a.meta.get("val_metrics")},
            {"file": args.b.name, "weight": args.alpha, "command": b.meta.get("command"),
             "steps": b.meta.get("steps"), "train_seconds": b.meta.get("train_seconds"),
             "val_metrics": b.meta.get("val_metrics")},
        ],
        # the training behind the mixture; a parent at weight 0 (a family relabelled) gives none of it
        "steps": sum(m.meta.get("steps") or 0 for m, _ in counted),
        "train_seconds": round(sum(m.meta.get("train_seconds") or 0 for m, _ in counted), 1),
    })
    if args.name:
        meta["name"] = args.name
    meta.pop("val_metrics", None)  # the parents' figures do not describe the mixture
    meta.pop("history", None)
    if args.val:
        val = load_photo_folder(args.val, photo_size(128), cache_dir=registry.cache_dir() / "photos")
        objective = OBJECTIVES[a.family](a, LossConfig(), lr=0.0)
        m = validate(objective, val, torch.device("cpu"), args.val_images)
        meta["val_metrics"] = {k: round(v, 4) for k, v in m.items()}
        print(f"val PSNR {m['psnr']:.2f} dB, AuC {m['auc']:.4f}, "
              f"colourfulness {100 * m['colourfulness_ratio']:.0f}% of truth")
    save_model(args.out, a.net, meta, bins=a.bins)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
