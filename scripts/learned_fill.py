"""A learned fill of damaged pixels, trained on the pool, measured against OpenCV's inpainting.

    python scripts/learned_fill.py --data ../shared/data/train --val ../shared/data/val \
        --minutes 20 --out runs/fill.safetensors --measure runs/heldout

A small U-Net (the detector's shape, wider) sees the lightness with the damaged pixels blanked and
the mask, and predicts the lightness there; trained with L1 on the masked pixels of pool crops
with damage drawn on them (colorizer_app/restore/damage.py). It and OpenCV's two fills are scored on the
folders given to --measure, with the drawn damage's own mask (so that the fill alone is judged)
and with the detector's: PSNR of the filled lightness against the undamaged one.
"""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path

import cv2
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from safetensors.torch import load_file, save_file

from colorizer_app.imaging.io import iter_image_files, load_image
from colorizer_app.imaging.metrics import lightness_psnr
from colorizer_app.models.pipeline import lightness
from colorizer_app.models.registry import cache_dir
from colorizer_app.restore.damage import draw_damage
from colorizer_app.restore.fill import fill
from colorizer_app.restore.options import Restore
from colorizer_app.restore.restore import restore_lightness
from colorizer_app.training.data import CropSampler, lab_batch, load_photo_folder


def conv(cin, cout, stride=1, dilation=1):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, dilation, dilation), nn.ReLU(inplace=True))


class FillNet(nn.Module):
    def __init__(self, a=32, b=48, c=64):
        super().__init__()
        self.enc1 = nn.Sequential(conv(8, a), conv(a, a))
        self.enc2 = nn.Sequential(conv(a, b, 2), conv(b, b, dilation=2))
        self.enc3 = nn.Sequential(conv(b, c, 2), conv(c, c, dilation=2), conv(c, c, dilation=4), conv(c, c, dilation=8))
        self.dec2 = conv(c + b, b)
        self.dec1 = conv(b + a, a)
        self.out = nn.Conv2d(a, 4, 1)

    def forward(self, L, mask):
        x = torch.cat([(L / 50 - 1) * (1 - mask), mask], 1)
        e1 = self.enc1(F.pixel_unshuffle(x, 2))
        e2 = self.enc2(e1)
        e3 = self.enc3(e2)
        d2 = self.dec2(torch.cat([F.interpolate(e3, scale_factor=2.0), e2], 1))
        d1 = self.dec1(torch.cat([F.interpolate(d2, scale_factor=2.0), e1], 1))
        pred = (F.pixel_shuffle(self.out(d1), 2) + 1) * 50
        return L * (1 - mask) + pred * mask

    @torch.no_grad()
    def fill(self, L: np.ndarray, mask: np.ndarray) -> np.ndarray:
        h, w = L.shape
        ph, pw = -h % 8, -w % 8
        x = F.pad(torch.from_numpy(L)[None, None], (0, pw, 0, ph), mode="replicate")
        m = F.pad(torch.from_numpy(mask.astype(np.float32))[None, None], (0, pw, 0, ph))
        return self(x, m)[0, 0, :h, :w].clamp(0, 100).numpy()


def masks_for(L: torch.Tensor, rng: np.random.Generator):
    """Damage masks drawn on each crop (widened a pixel, as the detector's are), the clean L kept."""
    out = []
    for x in L[:, 0].numpy():
        d = draw_damage(x, rng, amount=rng.uniform(1.0, 3.0), look=False)
        out.append(cv2.dilate(d.mask.astype(np.uint8), np.ones((3, 3), np.uint8)))
    return torch.from_numpy(np.stack(out)).float()[:, None]


def train(args) -> None:
    photos = cache_dir() / "photos"
    pool = load_photo_folder(args.data, 144, cache_dir=photos)
    sampler = CropSampler(pool, 128, 16, seed=0, zoom=3.0)
    net = FillNet()
    opt = torch.optim.AdamW(net.parameters(), lr=1e-3, weight_decay=1e-4)
    rng = np.random.default_rng(0)
    t0, budget, step = time.monotonic(), args.minutes * 60, 0
    while time.monotonic() - t0 < budget:
        frac = (time.monotonic() - t0) / budget
        for g in opt.param_groups:
            g["lr"] = 1e-3 * min(1.0, (step + 1) / 100) * 0.5 * (1 + math.cos(math.pi * frac))
        crops, _ = sampler.next_with_labels()
        L, _ = lab_batch(crops)
        mask = masks_for(L, rng)
        with torch.autocast("cpu", dtype=torch.bfloat16):
            pred = net(L, mask)
        loss = ((pred.float() - L).abs() * mask).sum() / mask.sum().clamp_min(1)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        step += 1
        if step % 250 == 0:
            print(f"step {step} L1 on the damage {loss.item():.3f} ({(time.monotonic() - t0) / 60:.1f} min)", flush=True)
            save_file({k: v.contiguous() for k, v in net.state_dict().items()}, str(args.out))
    save_file({k: v.contiguous() for k, v in net.state_dict().items()}, str(args.out))


def measure(args) -> None:
    net = FillNet()
    net.load_state_dict(load_file(str(args.out)))
    net.eval()
    print("folder | mask | photos | damaged dB | OpenCV NS dB | OpenCV Telea dB | learned dB | NS s | Telea s | learned s")
    for folder in args.measure:
        files = sorted(iter_image_files([folder], recursive=True))[: args.limit]
        for which in ("drawn", "detector"):
            rows = []
            for i, f in enumerate(files):
                L = lightness(load_image(f).pixels)[0].numpy()
                d = draw_damage(L, np.random.default_rng(i), amount=1.5, look=False)
                if which == "drawn":
                    mask = cv2.dilate(d.mask.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
                else:
                    mask = restore_lightness(torch.from_numpy(d.L)[None], Restore()).mask
                t = time.perf_counter()
                ns = fill(d.L, mask, 3.0, "ns")
                t_ns = time.perf_counter() - t
                t = time.perf_counter()
                telea = fill(d.L, mask, 3.0, "telea")
                t_telea = time.perf_counter() - t
                t = time.perf_counter()
                learned = net.fill(d.L, mask)
                t_learned = time.perf_counter() - t
                rows.append((lightness_psnr(d.L, L), lightness_psnr(ns, L), lightness_psnr(telea, L),
                             lightness_psnr(learned, L), t_ns, t_telea, t_learned))
            a = np.array(rows).mean(0)
            print(f"{folder} | {which} | {len(rows)} | {a[0]:.2f} | {a[1]:.2f} | {a[2]:.2f} | {a[3]:.2f} | "
                  f"{a[4]:.3f} | {a[5]:.3f} | {a[6]:.3f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path)
    ap.add_argument("--val", type=Path)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--minutes", type=float, default=0, help="train this long first (0: only measure --out)")
    ap.add_argument("--measure", type=Path, nargs="*", default=[])
    ap.add_argument("--limit", type=int, default=200)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    if args.minutes > 0:
        train(args)
    if args.measure:
        measure(args)


if __name__ == "__main__":
    main()
