"""Train the damage detector (colorizer_app/restore/detector.py) on a folder of photos.

    python scripts/train_damage_detector.py --data ../shared/data/train --val ../shared/data/val \
        --minutes 30 --out weights/restore/damage.safetensors [--init weights/restore/damage.safetensors]

Damage is drawn on the photos as they are sampled (colorizer_app/restore/damage.py); the file with
the best F1 on the drawn val damage is kept.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch

from colorizer_app.models.registry import cache_dir
from colorizer_app.training.damage_detector import DetectorTraining, train_detector
from colorizer_app.training.data import load_photo_folder


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--val", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--init", type=Path)
    ap.add_argument("--minutes", type=float, default=30.0)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--clean-share", type=float, default=0.2, help="crops given no damage at all")
    ap.add_argument("--pos-weight", type=float, default=3.0, help="weight of the damaged pixels in the loss")
    ap.add_argument("--detail", type=float, default=0.0, help="sharpen enlarged crops (0: off; 1.5 tried)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    photos = cache_dir() / "photos"
    train = load_photo_folder(args.data, 144, cache_dir=photos)
    val = load_photo_folder(args.val, 144, cache_dir=photos)
    cfg = DetectorTraining(minutes=args.minutes, lr=args.lr, batch=args.batch, clean_share=args.clean_share,
                           pos_weight=args.pos_weight, detail=args.detail)
    best = train_detector(train, val, args.out, cfg, init=args.init, log=lambda m: print(m, flush=True))
    print("best", best)


if __name__ == "__main__":
    main()
