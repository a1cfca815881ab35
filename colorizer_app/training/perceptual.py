"""A colour judged by what an ImageNet network sees in it (`train --perceptual-weight`).

Per-pixel L2 on ab is minimised by the mean of the colours a pixel might have, so where the hue is
uncertain it averages toward brown and gray. A feature loss (Johnson et al. 2016; DeOldify trains
its generator this way) compares the coloured photo and the true one as seen by a frozen
pretrained network instead: a leaf that is green in the truth and brown in the prediction differs
in the features a classifier uses to tell foliage from earth, whatever the per-pixel average says.

The network is EfficientNet-Lite0 with its ImageNet RGB stem, from the same registry package as
the encoders; it is only needed while training and never ships.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ..models.effnet_lite import TAPS, pretrained_encoder, stem_input_lab

# The feature levels compared: strides 4, 8 and 16 (textures, parts, objects). Stride 32 is left
# out: at 128 px crops it is a 4x4 grid that says little about where a colour goes.
LEVELS = tuple(t[0] for t in TAPS[:3])
NORM_EPS = 1e-3
# The size the photos are compared at, as a share of the crop: the nets predict colour at a
# quarter of it (the lite U-Net) or a half, where an ImageNet network sees little at stride 16;
# the prediction is brought up to half the crop as the app brings it up to the photo.
FEATURE_STRIDE = 2


class FeatureLoss(nn.Module):
    """(L and true ab of the crop, predicted ab at the net's size) -> the mean over LEVELS of the
    L1 distance between the features of the predicted and the true colour photo at half the
    crop's size, each level divided by the true features' mean magnitude so that none dominates
    by scale."""

    def __init__(self):
        super().__init__()
        self.enc = pretrained_encoder(rgb=True)
        self.enc._blocks = self.enc._blocks[: max(LEVELS) + 1]  # nothing past the last level compared
        self.requires_grad_(False)
        self.eval()

    def train(self, mode: bool = True):
        return super().train(False)  # frozen batch norm: the ImageNet statistics, always

    def features(self, L: torch.Tensor, ab: torch.Tensor) -> list[torch.Tensor]:
        taps, _ = self.enc.taps(self.enc.stem(stem_input_lab(L, ab)))
        return taps[: len(LEVELS)]

    def forward(self, L: torch.Tensor, pred_ab: torch.Tensor, true_ab: torch.Tensor) -> torch.Tensor:
        self.to(L.device)
        L, true_ab = F.avg_pool2d(L, FEATURE_STRIDE), F.avg_pool2d(true_ab, FEATURE_STRIDE)
        if pred_ab.shape[-2:] != L.shape[-2:]:
            pred_ab = F.interpolate(pred_ab.float(), size=L.shape[-2:], mode="bilinear", align_corners=False)
        with torch.no_grad():
            truth = self.features(L, true_ab)
        pred = self.features(L, pred_ab)
        terms = [(p.float() - t.float()).abs().mean() / (t.float().abs().mean() + NORM_EPS)
                 for p, t in zip(pred, truth)]
        return torch.stack(terms).mean()
