"""Training the damage detector on the pool's photos with damage drawn on them (restore/damage.py).

Crops are enlarged at random (up to `zoom`x), as a user's scan brought to the detector's size is
smoother per pixel than the pool's small photos; a share of them gets no damage at all, so that a
clean photo learns to stay clean. The loss is binary cross-entropy, with the soft edges of the
marks left out, plus a soft Dice term that keeps thin cracks from being outvoted by the many clean
pixels. bf16 autocast on the CPU, as for the colouring networks.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import torch
import torch.nn.functional as F

from ..restore.damage import draw_damage
from ..restore.detector import DETECT_SIDE, DamageNet, load_detector, save_detector
from .data import CropSampler, PhotoSet, lab_batch

CLEAN_SHARE = 0.2  # crops left undamaged
POS_WEIGHT = 3.0  # the damaged pixels' weight in the loss (they are few)
THRESHOLDS = np.round(np.arange(0.3, 0.95, 0.05), 2)
F_BETA = 0.5  # the threshold is chosen for F0.5: a false mark smears the photo, a missed one stays as it was


@dataclass
class DetectorTraining:
    crop: int = 128
    batch: int = 16
    lr: float = 2e-3
    minutes: float = 30.0
    steps: int = 100_000
    zoom: float = 3.0
    detail: float = 0.0  # sharpen the enlarged crops (CropSampler): real scans are sharper than the pool
    val_every: int = 250
    seed: int = 0
    clean_share: float = CLEAN_SHARE
    pos_weight: float = POS_WEIGHT


def damaged_batch(L: torch.Tensor, rng: np.random.Generator, clean_share: float = CLEAN_SHARE):
    """L (B, 1, H, W) -> damaged L, target mask and loss weight (0 on the marks' soft edges)."""
    out, target, weight = [], [], []
    for x in L[:, 0].numpy():
        amount = 0.0 if rng.random() < clean_share else rng.uniform(0.5, 2.5)
        d = draw_damage(x, rng, amount=amount)
        out.append(d.L)
        target.append(d.mask)
        weight.append(~d.unsure)
    as_t = lambda a, dt: torch.from_numpy(np.stack(a)).to(dt)[:, None]  # noqa: E731
    return as_t(out, torch.float32), as_t(target, torch.float32), as_t(weight, torch.float32)


def loss_of(logits: torch.Tensor, target: torch.Tensor, weight: torch.Tensor,
            pos_weight: float = POS_WEIGHT) -> torch.Tensor:
    pos = torch.tensor(pos_weight)
    bce = F.binary_cross_entropy_with_logits(logits, target, weight=weight, pos_weight=pos)
    p = torch.sigmoid(logits) * weight
    dice = 1 - (2 * (p * target).sum() + 1) / (p.sum() + target.sum() + 1)
    return bce + 0.5 * dice


def mask_scores(pred: np.ndarray, truth: np.ndarray, unsure: np.ndarray | None = None) -> dict:
    """Precision, recall and F1 of a boolean mask, leaving out the `unsure` pixels."""
    keep = ~unsure if unsure is not None else np.ones_like(truth, bool)
    tp = float((pred & truth & keep).sum())
    fp = float((pred & ~truth & keep).sum())
    fn = float((~pred & truth & keep).sum())
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}


def validation_set(photos: PhotoSet, n: int, seed: int = 1234):
    """Fixed damaged val crops: the same marks on every call."""
    rng = np.random.default_rng(seed)
    L, _ = lab_batch(torch.from_numpy(photos.images[:n]))
    return damaged_batch(L, rng)


def train_detector(train: PhotoSet, val: PhotoSet, out: Path, cfg: DetectorTraining,
                   init: Path | None = None, log: Callable[[str], None] = print) -> dict:
    torch.manual_seed(cfg.seed)
    rng = np.random.default_rng(cfg.seed)
    net = load_detector(init).net.train() if init else DamageNet()
    opt = torch.optim.AdamW(net.parameters(), lr=cfg.lr, weight_decay=1e-4)
    sampler = CropSampler(train, cfg.crop, cfg.batch, seed=cfg.seed, zoom=cfg.zoom, detail=cfg.detail)
    vL, vT, vW = validation_set(val, min(len(val), 128))
    t0 = time.monotonic()
    budget = cfg.minutes * 60
    best: dict = {}
    step = 0
    while step < cfg.steps and time.monotonic() - t0 < budget:
        frac = min(1.0, (time.monotonic() - t0) / budget)
        for g in opt.param_groups:
            g["lr"] = cfg.lr * (min(1.0, (step + 1) / 100)) * 0.5 * (1 + math.cos(math.pi * frac))
        crops, _ = sampler.next_with_labels()
        L, _ = lab_batch(crops)
        x, target, weight = damaged_batch(L, rng, cfg.clean_share)
        with torch.autocast("cpu", dtype=torch.bfloat16):
            logits = net(x)
        loss = loss_of(logits.float(), target, weight, cfg.pos_weight)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        step += 1
        if step % cfg.val_every == 0 or step >= cfg.steps or time.monotonic() - t0 >= budget:
            scores = evaluate(net, vL, vT, vW)
            log(f"step {step} loss {loss.item():.4f} val precision {scores['precision']:.3f} "
                f"recall {scores['recall']:.3f} F1 {scores['f1']:.3f} ({(time.monotonic() - t0) / 60:.1f} min)")
            if scores["f1"] >= best.get("f1", -1):
                best = {**scores, "step": step}
                save_detector(net, out, {"version": "1", "steps": step, "threshold": 0.5,
                                         "detect_side": DETECT_SIDE,
                                         "val": {k: round(v, 4) for k, v in scores.items()}})
            net.train()
    det = load_detector(out)
    threshold, scores = calibrate(det.net, vL, vT, vW)
    save_detector(det.net, out, {**{k: v for k, v in det.meta.items() if k not in ("kind", "widths")},
                                 "threshold": threshold,
                                 "val_at_threshold": {k: round(v, 4) for k, v in scores.items()}})
    log(f"threshold {threshold} (best F{F_BETA:g} on the val crops): precision {scores['precision']:.3f} "
        f"recall {scores['recall']:.3f}")
    return {**best, "threshold": threshold}


@torch.no_grad()
def evaluate(net: DamageNet, L: torch.Tensor, target: torch.Tensor, weight: torch.Tensor) -> dict:
    net.eval()
    pred = torch.sigmoid(net(L)) >= 0.5
    return mask_scores(pred.numpy(), target.bool().numpy(), ~weight.bool().numpy())


@torch.no_grad()
def calibrate(net: DamageNet, L: torch.Tensor, target: torch.Tensor, weight: torch.Tensor) -> tuple[float, dict]:
    """The threshold with the best F-beta (F_BETA) on the val crops, and its scores."""
    net.eval()
    odds = torch.sigmoid(net(L)).numpy()
    truth, unsure = target.bool().numpy(), ~weight.bool().numpy()
    best_t, best_s, best_f = 0.5, {}, -1.0
    for t in THRESHOLDS:
        s = mask_scores(odds >= t, truth, unsure)
        p, r = s["precision"], s["recall"]
        f = (1 + F_BETA**2) * p * r / (F_BETA**2 * p + r) if p + r else 0.0
        if f > best_f:
            best_t, best_s, best_f = float(t), s, f
    return best_t, best_s
