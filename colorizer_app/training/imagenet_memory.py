"""Keeping what the encoder knew from ImageNet while it learns colour (`train --imagenet-weight`).

Fine-tuned on the pool, a pretrained encoder drifts from ImageNet: with ImageNet's own head on
their deepest feature maps, the shipped encoders name the right one of Imagenette's ten classes in
about seven gray validation photos of ten, where the pretrained network names it in nine of ten.
What they forget may be what tells a leaf from a wall in photos unlike the pool's. Learning without
forgetting (Li & Hoiem 2016) keeps it: on every training photo, the class probabilities that
ImageNet's own head (frozen) gives on the encoder's deepest feature map are held to those the
pretrained network gives for the true colour photo. The head is the pretrained one, not the
trained net's, so the term can only be met by the encoder's blocks, whose feature maps the
decoder reads, not by re-learning a head that only the summary passes through.

The pretrained network is the registry package's, as for the encoders; it is only needed while
training and never ships.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ..models.effnet_lite import pretrained_encoder, stem_input_lab
from ..models.lite_unet import ENCODERS

TEMPERATURE = 2.0  # softened class probabilities (Hinton et al. 2015): the near misses teach too


def encoder_variant(arch: str) -> str:
    """The pretrained encoder a network of this architecture stands on; ValueError for one
    that has none, so there is no ImageNet to keep."""
    if arch not in ENCODERS:
        raise ValueError(f"it keeps a pretrained encoder's ImageNet classes, and {arch} has none "
                         f"(use --arch {' or '.join(ENCODERS)}, or an --init model on one)")
    return ENCODERS[arch]


class ImagenetMemory(nn.Module):
    """(the net's deepest feature map, L and true ab of the crop) -> KL divergence from the
    pretrained network's class probabilities on the colour photo to those of ImageNet's head on
    that feature map."""

    def __init__(self, variant: str = "lite0"):
        super().__init__()
        self.teacher = pretrained_encoder(classifier=True, rgb=True, variant=variant)
        # the decoder's deepest level is the last block's output, which the head reads
        assert self.teacher.tap_levels[-1][0] == len(self.teacher._blocks) - 1
        self.requires_grad_(False)
        self.eval()

    def train(self, mode: bool = True):
        return super().train(False)  # frozen batch norm: the ImageNet statistics, always

    def teacher_logits(self, L: torch.Tensor, ab: torch.Tensor) -> torch.Tensor:
        return self.teacher.classify(self.teacher.taps(self.teacher.stem(stem_input_lab(L, ab)))[1])

    def forward(self, deepest: torch.Tensor, L: torch.Tensor, ab: torch.Tensor) -> torch.Tensor:
        self.to(deepest.device)
        with torch.no_grad():
            target = F.log_softmax(self.teacher_logits(L, ab).float() / TEMPERATURE, dim=1)
        pred = F.log_softmax(self.teacher.classify(deepest).float() / TEMPERATURE, dim=1)
        return F.kl_div(pred, target, log_target=True, reduction="batchmean") * TEMPERATURE**2
