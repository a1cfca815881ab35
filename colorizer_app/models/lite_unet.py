"""The colour network on a pretrained encoder: EfficientNet-Lite0 or -Lite2 under a U-Net decoder.

Networks that colour well know what they are looking at because their encoder learnt to see on
ImageNet first (DeOldify, DDColor, ChromaGAN). The decoder takes four of the encoder's feature
levels (strides 32, 16, 8, 4) and the pooled summary ImageNet's classifier reads, which tells
every position what the whole photo shows. It has the same inputs and outputs as ColorNet: L in
[0, 100] at a multiple of the stride (32), optional colour hints at the input resolution, and ab
or bin logits at 1/4 of the input resolution.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .effnet_lite import HEAD_CHANNELS, STEM_CHANNELS, EfficientNetLite, same_pad

# the network's arch name -> the encoder it stands on
ENCODERS = {"effnet_lite0": "lite0", "effnet_lite2": "lite2"}


def conv_bn(cin: int, cout: int, kernel: int = 3) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, kernel, padding=kernel // 2, bias=False),
                         nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


def up_to(x: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    return F.interpolate(x, size=like.shape[-2:], mode="bilinear", align_corners=False)


class LiteUNet(nn.Module):
    def __init__(self, spec):
        super().__init__()
        self.spec = spec
        w4, w8, w16 = spec.widths
        self.encoder = EfficientNetLite(variant=ENCODERS[spec.arch])
        c4, c8, c16, c32 = (t[2] for t in self.encoder.tap_levels)
        self.bottleneck = conv_bn(c32, w16, kernel=1)
        self.context = nn.Linear(HEAD_CHANNELS, w16)
        self.up16 = conv_bn(w16 + c16, w16)
        self.up8 = conv_bn(w16 + c8, w8)
        self.up4 = nn.Sequential(conv_bn(w8 + c4, w4), conv_bn(w4, w4))
        self.head = nn.Conv2d(w4, spec.out_channels, 1)
        self.aux = nn.Linear(HEAD_CHANNELS, spec.aux_classes) if spec.aux_classes else None
        self.hint_in = self.hint_skip = None
        if spec.hint_channels:
            # as in ColorNet: the hints join the first convolution and, by a short path, the
            # decoder at 1/4; both start at zero, so a net given hint inputs colours as before.
            self.hint_in = nn.Conv2d(spec.hint_channels, STEM_CHANNELS, 3, 2, bias=False)
            self.hint_skip = nn.Conv2d(spec.hint_channels, c4, 1)
            for p in (self.hint_in.weight, self.hint_skip.weight, self.hint_skip.bias):
                nn.init.zeros_(p)

    def forward(self, L: torch.Tensor, hints: torch.Tensor | None = None, with_aux: bool = False,
                with_deepest: bool = False):
        """ab or bin logits; with_aux: also the auxiliary head's class logits (None without that
        head); with_deepest: also the encoder's deepest feature map, its last block's output
        (training/imagenet_memory.py)."""
        levels, summary, hint_grid = self.encode(L, hints)
        out = self.decode(levels, summary, hint_grid)
        aux = self.aux(summary) if self.aux is not None else None
        extras = ((aux,) if with_aux else ()) + ((levels[3],) if with_deepest else ())
        return (out, *extras) if extras else out

    def encode(self, L: torch.Tensor, hints: torch.Tensor | None = None):
        """What the decoder reads: the encoder's four levels (strides 4, 8, 16, 32), its pooled
        summary, and the hints (scaled) averaged onto the output grid (None without hint inputs).
        Apart, so that a frozen encoder's view can be kept and the decoder trained on it alone
        (scripts/decoder_on_cached_features.py)."""
        enc = self.encoder
        x = enc.stem_input(L).to(L.dtype)
        extra = hint_grid = None
        if self.spec.hint_channels:
            if hints is None:
                hints = L.new_zeros((L.shape[0], self.spec.hint_channels, *L.shape[-2:]))
            scale = hints.new_tensor([1 / self.spec.ab_scale, 1 / self.spec.ab_scale, 1.0])[:, None, None]
            hints = hints.to(x.dtype) * scale.to(x.dtype)
            extra = self.hint_in(same_pad(hints, 3, 2))
            hint_grid = F.avg_pool2d(hints, self.spec.out_stride)
        levels, summary = enc.features(enc.stem(x, extra))
        return tuple(levels), summary, hint_grid

    def decode(self, levels, summary: torch.Tensor, hint_grid: torch.Tensor | None = None) -> torch.Tensor:
        """`encode`'s output -> ab or bin logits at 1/4 of the input."""
        f4, f8, f16, f32 = levels
        if self.hint_skip is not None:
            f4 = f4 + self.hint_skip(hint_grid)
        y = self.bottleneck(f32) + self.context(summary)[:, :, None, None]
        y = self.up16(torch.cat((up_to(y, f16), f16), dim=1))
        y = self.up8(torch.cat((up_to(y, f8), f8), dim=1))
        y = self.up4(torch.cat((up_to(y, f4), f4), dim=1))
        out = self.head(y)
        if self.spec.family != "classification":
            out = out * self.spec.ab_scale
        return out
