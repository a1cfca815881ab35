"""The networks: one encoder-decoder for the three families, and a PatchGAN discriminator.

ColorNet takes L in [0, 100] at any size divisible by its stride (8) and returns, at 1/4 of the
input resolution, ab in Lab units (regression, gan) or logits over the ab bins (classification).
A net with hint channels also takes the user's colour hints at the input resolution: ab in Lab
units where a hint is, 0 elsewhere, and a mask that is 1 there (models/hints.py makes them).
Normalisation constants come from the spec, which every checkpoint stores.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

import torch
import torch.nn.functional as F
from torch import nn

from ..imaging import lab
from .header import FAMILIES
from .lite_unet import ENCODERS, LiteUNet


ARCH_STRIDES = {"colornet": 8, "effnet_lite0": 32, "effnet_lite2": 32}
MAX_STRIDE = max(ARCH_STRIDES.values())  # crops that suit every network are multiples of this
LITE_WIDTHS = (64, 128, 192)  # the decoder's widths at strides 4, 8 and 16 (lite_unet.py)


@dataclass
class NetSpec:
    family: str
    out_channels: int = 2
    widths: tuple[int, int, int] = (32, 64, 128)
    blocks: int = 6
    extra_blocks: int = 0  # residual blocks after the trunk (added to grow a trained net, start as identity)
    aux_classes: int = 0  # training only: a head that names what the photo shows (Iizuka et al. 2016)
    hint_channels: int = 0  # 3: the net also takes user colour hints (ab and a mask; Zhang et al. 2017)
    arch: str = "colornet"  # or "effnet_lite0", "effnet_lite2": the decoder of lite_unet.py on a pretrained encoder
    l_center: float = lab.L_CENTER
    l_scale: float = lab.L_SCALE
    ab_scale: float = lab.AB_SCALE

    out_stride = 4  # output is this much smaller than the input

    @property
    def stride(self) -> int:
        """Input sizes must be multiples of this."""
        return ARCH_STRIDES[self.arch]

    def to_dict(self) -> dict:
        d = asdict(self)
        d["widths"] = list(self.widths)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "NetSpec":
        known = {f.name for f in fields(cls)}
        unknown = set(d) - known
        if unknown:
            raise ValueError(f"unknown spec fields {sorted(unknown)}")
        d = dict(d)
        if "widths" in d:
            d["widths"] = tuple(int(w) for w in d["widths"])
        spec = cls(**d)
        if spec.family not in FAMILIES:
            raise ValueError(f"unknown family {spec.family!r}")
        if spec.arch not in ARCH_STRIDES:
            raise ValueError(f"unknown architecture {spec.arch!r}")
        return spec


@dataclass
class DiscSpec:
    widths: tuple[int, int, int] = (64, 128, 128)
    l_center: float = lab.L_CENTER
    l_scale: float = lab.L_SCALE
    ab_scale: float = lab.AB_SCALE

    def to_dict(self) -> dict:
        d = asdict(self)
        d["widths"] = list(self.widths)
        return d


def conv_bn(cin: int, cout: int, stride: int = 1, dilation: int = 1) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, stride, padding=dilation, dilation=dilation, bias=False),
        nn.BatchNorm2d(cout),
        nn.ReLU(inplace=True),
    )


class ResBlock(nn.Module):
    def __init__(self, ch: int, dilation: int):
        super().__init__()
        self.conv1 = conv_bn(ch, ch, dilation=dilation)
        self.conv2 = nn.Conv2d(ch, ch, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(ch)

    def forward(self, x):
        return F.relu(x + self.bn2(self.conv2(self.conv1(x))), inplace=True)


class GlobalContext(nn.Module):
    """Adds a whole-image summary to every position: a sky is blue everywhere or nowhere."""

    def __init__(self, ch: int):
        super().__init__()
        self.fc = nn.Sequential(nn.Linear(ch, ch), nn.ReLU(inplace=True), nn.Linear(ch, ch))

    def forward(self, x):
        g = self.fc(x.mean(dim=(2, 3)))
        return F.relu(x + g[:, :, None, None], inplace=True)


class ColorNet(nn.Module):
    def __init__(self, spec: NetSpec):
        super().__init__()
        self.spec = spec
        w0, w1, w2 = spec.widths
        self.stem = nn.Sequential(conv_bn(1, w0, stride=2), conv_bn(w0, w0))  # 1/2
        self.down1 = nn.Sequential(conv_bn(w0, w1, stride=2), conv_bn(w1, w1))  # 1/4
        self.down2 = conv_bn(w1, w2, stride=2)  # 1/8
        dilations = [1, 2, 4, 1, 2, 4, 1, 2][: spec.blocks]
        trunk: list[nn.Module] = [ResBlock(w2, d) for d in dilations]
        trunk.insert(len(trunk) // 2, GlobalContext(w2))
        self.trunk = nn.Sequential(*trunk)
        extra_dilations = [1, 2, 4, 8]
        self.extra = nn.Sequential(*[ResBlock(w2, extra_dilations[i % 4]) for i in range(spec.extra_blocks)])
        for block in self.extra:
            nn.init.zeros_(block.bn2.weight)  # identity at first: a grown net starts as the one it grew from
        self.aux = nn.Linear(w2, spec.aux_classes) if spec.aux_classes else None
        self.hint_in = self.hint_skip = None
        if spec.hint_channels:
            # the hints join the stem's first convolution (as further input channels would), and a
            # short path takes them to the decoder at 1/4: the colour at a hint is copied at once,
            # the trunk learns how far it spreads. Both start at zero: a net grown from an automatic
            # one colours as it did until trained. Their names start with HINT_PREFIX.
            self.hint_in = nn.Conv2d(spec.hint_channels, w0, 3, 2, padding=1, bias=False)
            self.hint_skip = nn.Conv2d(spec.hint_channels, w1, 1)
            for p in (self.hint_in.weight, self.hint_skip.weight, self.hint_skip.bias):
                nn.init.zeros_(p)
        self.up = nn.Sequential(conv_bn(w2 + w1, w1), conv_bn(w1, w1))  # back at 1/4
        self.head = nn.Conv2d(w1, spec.out_channels, 1)

    def forward(self, L: torch.Tensor, hints: torch.Tensor | None = None, with_aux: bool = False):
        """ab or logits; with_aux: also the auxiliary head's class logits (None without that head).
        `hints` (B, 3, H, W): a, b and mask; None or ignored for a net without hint channels."""
        x = (L - self.spec.l_center) / self.spec.l_scale
        if self.spec.hint_channels:
            if hints is None:
                hints = L.new_zeros((L.shape[0], self.spec.hint_channels, *L.shape[-2:]))
            scale = hints.new_tensor([1 / self.spec.ab_scale, 1 / self.spec.ab_scale, 1.0])[:, None, None]
            hints = hints.to(x.dtype) * scale.to(x.dtype)
            conv, bn, relu = self.stem[0]
            x = self.stem[1](relu(bn(conv(x) + self.hint_in(hints))))
        else:
            x = self.stem(x)
        s4 = self.down1(x)
        if self.hint_skip is not None:
            s4 = s4 + self.hint_skip(F.avg_pool2d(hints, self.spec.out_stride))
        x = self.extra(self.trunk(self.down2(s4)))
        aux = self.aux(x.mean(dim=(2, 3))) if self.aux is not None else None
        x = F.interpolate(x, size=s4.shape[-2:], mode="bilinear", align_corners=False)
        out = self.head(self.up(torch.cat((x, s4), dim=1)))
        if self.spec.family != "classification":
            out = out * self.spec.ab_scale
        return (out, aux) if with_aux else out


class PatchDiscriminator(nn.Module):
    """PatchGAN on (L, ab) at the generator's output resolution (1/4): judges colour, not sharpness."""

    def __init__(self, spec: DiscSpec):
        super().__init__()
        self.spec = spec
        w0, w1, w2 = spec.widths
        act = lambda: nn.LeakyReLU(0.2, inplace=True)  # noqa: E731
        self.net = nn.Sequential(
            nn.Conv2d(3, w0, 3, padding=1), act(),
            nn.Conv2d(w0, w1, 4, 2, 1, bias=False), nn.BatchNorm2d(w1), act(),
            nn.Conv2d(w1, w2, 3, padding=1, bias=False), nn.BatchNorm2d(w2), act(),
            nn.Conv2d(w2, w2, 4, 2, 1, bias=False), nn.BatchNorm2d(w2), act(),
            nn.Conv2d(w2, 1, 3, padding=1),
        )

    def forward(self, L_low: torch.Tensor, ab: torch.Tensor) -> torch.Tensor:
        s = self.spec
        x = torch.cat(((L_low - s.l_center) / s.l_scale, ab / s.ab_scale), dim=1)
        return self.net(x)


def build_net(spec: NetSpec) -> nn.Module:
    """The network a spec describes (ColorNet, or LiteUNet on its pretrained encoder)."""
    if spec.arch in ENCODERS:
        return LiteUNet(spec)
    return ColorNet(spec)


HINT_PREFIX = "hint_"  # the parameters that read the hints (trained faster: training/objectives.py)


def count_parameters(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())
